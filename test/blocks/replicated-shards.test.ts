import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { FLAT_SHARD_IDS, NESTED_SHARD_IDS, ReplicatedShards, ReplicatedShardsSpec } from '../../src/blocks/_replicated-shards';
import { RestrictedSecurity } from '../../src/core/security';
import { ofKind, one, synthValid } from '../harness';

const PORT = 9000;

function spec(overrides: Partial<ReplicatedShardsSpec> = {}): ReplicatedShardsSpec {
  return {
    baseName: 'kv',
    shards: 2,
    replicas: 2,
    appName: 'kv',
    instance: 'kv',
    uid: 1000,
    gid: 2000,
    port: PORT,
    portName: 'http',
    ids: FLAT_SHARD_IDS,
    addContainer: (d, i) => RestrictedSecurity.addContainer(d, {
      name: 'shard',
      image: 'example/kv:1.0',
      ports: [{ number: PORT, name: 'http' }],
      envVariables: { SHARD: kplus.EnvValue.fromValue(`${i}`) },
    }, { uid: 1000, gid: 2000 }),
    ...overrides,
  };
}

function make(overrides: Partial<ReplicatedShardsSpec> = {}) {
  const chart = Testing.chart();
  const owner = new Construct(chart, 'owner');
  const shards = ReplicatedShards.add(owner, spec(overrides));
  return { chart, owner, shards, objs: synthValid(chart) };
}

/** The ids of the owner's subtree, in creation order (they make generated names and the YAML order). */
function ids(chart: Chart): string[] {
  return chart.node.findAll().map((c) => c.node.path).filter((p) => p.startsWith('test/owner/')).map((p) => p.slice('test/owner/'.length));
}

describe('ReplicatedShards', () => {
  test('per shard, in order: the Deployment, its PDB, its Service, all named <base>-shard-<i>', () => {
    // GIVEN two shards of two replicas
    const { objs, shards } = make();
    // THEN the objects come shard by shard
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Deployment/kv-shard-0', 'PodDisruptionBudget/kv-shard-0', 'Service/kv-shard-0',
      'Deployment/kv-shard-1', 'PodDisruptionBudget/kv-shard-1', 'Service/kv-shard-1',
    ]);
    expect(shards.map((s) => s.name)).toEqual(['kv-shard-0', 'kv-shard-1']);
    expect(shards.map((s) => s.service.name)).toEqual(['kv-shard-0', 'kv-shard-1']);
    expect(shards.every((s) => s.podDisruptionBudget !== undefined)).toBe(true);
  });

  test('each shard selects only its own pods, by its component label, and its Service by the same selector', () => {
    const { objs } = make();
    for (const i of [0, 1]) {
      const selector = { 'app.kubernetes.io/component': `shard-${i}`, 'app.kubernetes.io/instance': 'kv', 'app.kubernetes.io/name': 'kv' };
      const d = one(objs, 'Deployment', `kv-shard-${i}`);
      expect(d.spec.replicas).toBe(2);
      expect(d.spec.selector.matchLabels).toEqual(selector);
      expect(d.spec.template.metadata.labels).toMatchObject(selector);
      expect(d.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 2000, fsGroup: 2000, seccompProfile: { type: 'RuntimeDefault' } });
      expect(d.spec.template.spec.containers[0].env).toEqual([{ name: 'SHARD', value: `${i}` }]);
      const svc = one(objs, 'Service', `kv-shard-${i}`);
      expect(svc.spec.selector).toEqual(selector);
      expect(svc.spec.clusterIP).toBeUndefined();
      expect(svc.spec.ports).toEqual([{ name: 'http', port: PORT, targetPort: PORT }]);
      expect(one(objs, 'PodDisruptionBudget', `kv-shard-${i}`).spec.selector.matchLabels).toEqual(selector);
    }
  });

  test('flat ids: Shard<i>, Shard<i>Availability/PodDisruptionBudget, Shard<i>Pods, Shard<i>Service as siblings', () => {
    const { chart } = make({ shards: 1 });
    expect(ids(chart).filter((id) => !id.startsWith('Shard0/'))).toEqual([
      'Shard0', 'Shard0Availability', 'Shard0Availability/PodDisruptionBudget', 'Shard0Pods', 'Shard0Service', 'Shard0Service/Resource',
    ]);
  });

  test('nested ids: shard-<i>/Deployment, shard-<i>/PodDisruptionBudget, shard-<i>/Pods, shard-<i>/Service', () => {
    const { chart } = make({ shards: 1, ids: NESTED_SHARD_IDS });
    expect(ids(chart).filter((id) => !id.startsWith('shard-0/Deployment/'))).toEqual([
      'shard-0', 'shard-0/Deployment', 'shard-0/PodDisruptionBudget', 'shard-0/Pods', 'shard-0/Service', 'shard-0/Service/Resource',
    ]);
  });

  test('headless Services, a fixed component with a shard label, a strategy and no token', () => {
    // GIVEN what ScatterGather asks for
    const { objs } = make({
      headless: true,
      component: 'leaf',
      shardLabel: 'example.com/shard',
      automountServiceAccountToken: false,
      strategy: kplus.DeploymentStrategy.recreate(),
      ids: NESTED_SHARD_IDS,
    });
    // THEN the component is shared and the shard label tells the shards apart
    const selector = { 'app.kubernetes.io/component': 'leaf', 'app.kubernetes.io/instance': 'kv', 'app.kubernetes.io/name': 'kv', 'example.com/shard': '1' };
    const d = one(objs, 'Deployment', 'kv-shard-1');
    expect(d.spec.selector.matchLabels).toEqual(selector);
    expect(d.metadata.labels).toMatchObject({ 'example.com/shard': '1' });
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    expect(d.spec.template.spec.automountServiceAccountToken).toBe(false);
    const svc = one(objs, 'Service', 'kv-shard-1');
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.selector).toEqual(selector);
  });

  test('one replica: no PDB and no spread', () => {
    const { objs, shards } = make({ replicas: 1 });
    expect(ofKind(objs, 'PodDisruptionBudget')).toEqual([]);
    expect(shards.every((s) => s.podDisruptionBudget === undefined)).toBe(true);
    expect(one(objs, 'Deployment', 'kv-shard-0').spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  test('part-of and version on every object (never on a selector); pod options on every pod, their spread replacing the library\'s', () => {
    // GIVEN
    const spread = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' }];
    const { objs } = make({ partOf: 'shop', version: '1.0', pod: { priorityClassName: 'high', labels: { team: 'kv' }, topologySpreadConstraints: spread } });
    // THEN
    for (const o of objs) {
      expect(o.metadata.labels).toMatchObject({ 'app.kubernetes.io/part-of': 'shop', 'app.kubernetes.io/version': '1.0' });
      const selector = o.spec.selector?.matchLabels ?? o.spec.selector;
      expect(selector['app.kubernetes.io/version']).toBeUndefined();
      expect(selector['app.kubernetes.io/part-of']).toBeUndefined();
    }
    for (const d of ofKind(objs, 'Deployment')) {
      expect(d.spec.template.metadata.labels.team).toBe('kv');
      expect(d.spec.template.spec.priorityClassName).toBe('high');
      expect(d.spec.template.spec.topologySpreadConstraints).toEqual(spread);
    }
    expect(ofKind(objs, 'PodDisruptionBudget')).toHaveLength(2);
  });

  test('the container callback gets each shard\'s Deployment, index and scope', () => {
    const seen: string[] = [];
    make({
      ids: NESTED_SHARD_IDS,
      addContainer: (d, i, scope) => {
        seen.push(`${i}:${d.name}:${scope.node.id}`);
        return RestrictedSecurity.addContainer(d, { name: 'shard', image: 'example/kv:1.0' }, { uid: 1000, gid: 2000 });
      },
    });
    expect(seen).toEqual(['0:kv-shard-0:shard-0', '1:kv-shard-1:shard-1']);
  });
});
