import { Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { RecommendedLabels, StatefulShards, StatefulShardsProps } from '../../src';
import { ofKind, one, synthValid } from '../harness';

const BASE: StatefulShardsProps = {
  name: 'kv',
  shards: 3,
  appName: 'redis',
  instance: 'kv',
  container: { name: 'redis', image: 'redis:7.2.5-alpine', ports: [{ number: 6379, name: 'redis' }] },
  uid: 999,
  gid: 1000,
  port: 6379,
  portName: 'redis',
};

function make(props: Partial<StatefulShardsProps> = {}, chart: Chart = Testing.chart()) {
  const shards = new StatefulShards(chart, 'shards', { ...BASE, ...props });
  return { chart, shards, objs: synthValid(chart) };
}

const SELECTOR = { 'app.kubernetes.io/component': 'shard', 'app.kubernetes.io/instance': 'kv', 'app.kubernetes.io/name': 'redis' };

describe('StatefulShards', () => {
  test('a headless Service, a parallel StatefulSet of one pod per shard, a PDB, in that order', () => {
    // GIVEN three shards
    const { objs, shards } = make();
    // THEN the objects, each selecting the shard pods by exactly the selector labels
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Service/kv', 'StatefulSet/kv', 'PodDisruptionBudget/kv']);
    const svc = one(objs, 'Service', 'kv');
    expect(svc.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, selector: SELECTOR });
    expect(svc.spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 6379 }]);
    const sts = one(objs, 'StatefulSet', 'kv');
    expect(sts.spec).toMatchObject({ replicas: 3, serviceName: 'kv', podManagementPolicy: 'Parallel', selector: { matchLabels: SELECTOR } });
    expect(sts.spec.template.metadata.labels).toMatchObject(SELECTOR);
    expect(one(objs, 'PodDisruptionBudget', 'kv').spec).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: SELECTOR } });
    expect(shards.selector).toEqual(SELECTOR);
    expect(shards.podDisruptionBudget).toBeDefined();
    expect(shards.port).toBe(6379);
  });

  test('restricted: the uid and gid, no privilege escalation, ALL dropped, seccomp, read-only root', () => {
    const pod = one(make().objs, 'StatefulSet', 'kv').spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toMatchObject({
      runAsUser: 999, runAsGroup: 1000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
    });
    expect(pod.topologySpreadConstraints).toEqual([{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: SELECTOR } }]);
  });

  test('one shard: no PDB and no spread (a PDB on one pod would block every drain)', () => {
    const { objs, shards } = make({ shards: 1 });
    expect(ofKind(objs, 'PodDisruptionBudget')).toEqual([]);
    expect(shards.podDisruptionBudget).toBeUndefined();
    expect(one(objs, 'StatefulSet', 'kv').spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  test('a data dir without storage is an emptyDir; writable dirs get their own', () => {
    const pod = one(make({ dataDir: '/data', writableDirs: ['/tmp'] }).objs, 'StatefulSet', 'kv').spec.template.spec;
    expect(pod.containers[0].volumeMounts).toEqual([
      { mountPath: '/tmp', name: 'redis-tmp' },
      { mountPath: '/data', name: 'data' },
    ]);
    expect(pod.volumes).toEqual([{ name: 'redis-tmp', emptyDir: { sizeLimit: '32Mi' } }, { name: 'data', emptyDir: { sizeLimit: '1024Mi' } }]);
  });

  test('storage: a claim template per shard for the data dir, mounted without a pod volume', () => {
    // GIVEN storage of 2Gi on a named StorageClass
    const sts = one(make({ dataDir: '/data', storage: Size.gibibytes(2), storageClassName: 'fast' }).objs, 'StatefulSet', 'kv');
    expect(one(make({ dataDir: '/data', storage: Size.gibibytes(2), storageClassName: 'gp3.encrypted' }).objs, 'StatefulSet', 'kv').spec.volumeClaimTemplates[0].spec.storageClassName).toBe('gp3.encrypted');
    // THEN the claim template, and the mount refers to it
    expect(sts.spec.volumeClaimTemplates).toEqual([{
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '2048Mi' } } },
    }]);
    expect(sts.spec.template.spec.containers[0].volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }]);
    expect(sts.spec.template.spec.volumes).toBeUndefined();
  });

  test('storage without a StorageClass uses the cluster default, and is appended after other mounts', () => {
    const sts = one(make({ dataDir: '/data', storage: Size.gibibytes(1), writableDirs: ['/tmp'] }).objs, 'StatefulSet', 'kv');
    expect(sts.spec.volumeClaimTemplates[0].spec).not.toHaveProperty('storageClassName');
    expect(sts.spec.template.spec.containers[0].volumeMounts).toEqual([{ mountPath: '/tmp', name: 'redis-tmp' }, { name: 'data', mountPath: '/data' }]);
  });

  test('labels: part-of (the prop, else the app-wide context, else the instance) and the image tag as version, never on a selector', () => {
    for (const o of make({ partOf: 'shop' }).objs) expect(o.metadata.labels['app.kubernetes.io/part-of']).toBe('shop');
    const { objs } = make();
    for (const o of objs) expect(o.metadata.labels).toMatchObject({ 'app.kubernetes.io/part-of': 'kv', 'app.kubernetes.io/version': '7.2.5-alpine' });
    expect(one(objs, 'StatefulSet', 'kv').spec.template.metadata.labels['app.kubernetes.io/version']).toBe('7.2.5-alpine');
    expect(one(objs, 'StatefulSet', 'kv').spec.selector.matchLabels).toEqual(SELECTOR);
    const app = Testing.app();
    app.node.setContext(RecommendedLabels.PART_OF_CONTEXT_KEY, 'store');
    for (const o of make({}, new Chart(app, 'c')).objs) expect(o.metadata.labels['app.kubernetes.io/part-of']).toBe('store');
  });

  test('component and version given: in the labels (component in the selector, version never)', () => {
    const sts = one(make({ component: 'broker', version: '4.3.1' }).objs, 'StatefulSet', 'kv');
    expect(sts.metadata.labels).toMatchObject({ 'app.kubernetes.io/component': 'broker', 'app.kubernetes.io/version': '4.3.1' });
    expect(sts.spec.selector.matchLabels).toEqual({ ...SELECTOR, 'app.kubernetes.io/component': 'broker' });
  });

  test('pod options reach the StatefulSet\'s pods; a topologySpreadConstraints option replaces the spread (the PDB stays)', () => {
    // GIVEN pod options with an empty spread list
    const chart = Testing.chart();
    const { objs } = make({
      pod: {
        imagePullSecrets: [kplus.Secret.fromSecretName(chart, 'pull', 'regcred')],
        nodeSelector: { disk: 'ssd' },
        priorityClassName: 'critical',
        topologySpreadConstraints: [],
        labels: { team: 'kv' },
      },
    }, chart);
    // THEN
    const t = one(objs, 'StatefulSet', 'kv').spec.template;
    expect(t.spec).toMatchObject({ imagePullSecrets: [{ name: 'regcred' }], nodeSelector: { disk: 'ssd' }, priorityClassName: 'critical', topologySpreadConstraints: [] });
    expect(t.metadata.labels.team).toBe('kv');
    expect(one(objs, 'PodDisruptionBudget', 'kv').spec.maxUnavailable).toBe(1);
  });

  test('hostOf: the stable pod DNS name, fully qualified in a namespaced chart or when asked; podNameOf: the ring name', () => {
    const { shards } = make();
    expect(shards.hostOf(0)).toBe('kv-0.kv');
    expect(shards.hostOf(2, 'shop')).toBe('kv-2.kv.shop.svc.cluster.local');
    expect(shards.podNameOf(1)).toBe('kv-1');
    const namespaced = make({}, new Chart(Testing.app(), 'c', { namespace: 'prod' })).shards;
    expect(namespaced.hostOf(1)).toBe('kv-1.kv.prod.svc.cluster.local');
  });

  test('fails when a shard ordinal is out of range', () => {
    const { shards } = make();
    expect(() => shards.hostOf(3)).toThrow("StatefulShards 'test/shards': shard ordinal must be an integer from 0 to 2, got 3");
    expect(() => shards.hostOf(-1)).toThrow("StatefulShards 'test/shards': shard ordinal must be an integer from 0 to 2, got -1");
  });

  test('fails when the name is not a DNS label or leaves no room for the ordinal', () => {
    expect(() => make({ name: 'KV' })).toThrow("StatefulShards 'test/shards': 'name' must be a DNS-1123 label of at most 52 characters, got 'KV'");
    expect(() => make({ name: 'k'.repeat(53) })).toThrow(`StatefulShards 'test/shards': 'name' must be a DNS-1123 label of at most 52 characters, got '${'k'.repeat(53)}'`);
  });
});
