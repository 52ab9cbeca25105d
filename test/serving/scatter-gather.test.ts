import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AppContainerProps, HedgeMode, HedgePolicy, MergeStrategy, MergeStrategyKind, MissingShards, NetworkPeer, RecommendedLabels, RequestPartition,
  RequestPartitionMode, ScatterGather, ScatterGatherProps, SortOrder,
} from '../../src';
import { ofKind, one, synthValid } from '../harness';
import { chartWithContext, everyPodOption, expectEveryPodOptionOn, expectLabelRule } from './pod-template-checks';

const LEAF: AppContainerProps = { image: 'ghcr.io/example/search-leaf:1.4.2', port: 9000 };

function synth(props: Partial<ScatterGatherProps> = {}, leaf: Partial<AppContainerProps> = {}) {
  const chart = Testing.chart();
  const sg = new ScatterGather(chart, 'search', { ...props, leaf: { ...LEAF, ...leaf } });
  return { chart, sg, objs: synthValid(chart) };
}

/** The runtime, loaded from the program text of a synthesized ConfigMap. */
function runtimeFrom(configMap: any): any {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-cm-'));
  const file = path.join(dir, 'root.js');
  fs.writeFileSync(file, configMap.data['root.js']);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const rt = require(file);
  fs.rmSync(dir, { recursive: true, force: true });
  return rt;
}

describe('ScatterGather', () => {
  test('each merge strategy and hedge policy says which it is, as the enum the root config uses', () => {
    const topK = MergeStrategy.topK({ field: 'score', k: 3 });
    const strategies = [MergeStrategy.concatArrays(), MergeStrategy.mergeObjects(), MergeStrategy.sum(), topK, MergeStrategy.unionStrings()];
    expect(strategies.map((m) => m.strategy)).toEqual([
      MergeStrategyKind.CONCAT_ARRAYS, MergeStrategyKind.MERGE_OBJECTS, MergeStrategyKind.SUM,
      MergeStrategyKind.TOP_K, MergeStrategyKind.UNION_STRINGS,
    ]);
    const hedges = [HedgePolicy.none(), HedgePolicy.after(Duration.millis(20)), HedgePolicy.percentile({ percentile: 95 })];
    expect(hedges.map((h) => h.mode))
      .toEqual([HedgeMode.NONE, HedgeMode.AFTER, HedgeMode.PERCENTILE]);
    const config = JSON.parse(synth({ merge: topK, hedge: HedgePolicy.percentile({ percentile: 95 }) }).sg.rootConfig);
    expect(config.merge).toEqual({ strategy: 'topK', field: 'score', k: 3, order: 'descending' });
    expect(config.hedge).toEqual({ mode: 'percentile', percentile: 95, minDelayMs: 5, maxPercent: 10 });
  });

  test('defaults: 3 shards × 2 replicas, a replicated root, restricted everywhere (snapshot)', () => {
    // GIVEN / WHEN the defaults
    const { objs, sg } = synth();
    // THEN the objects, strictly valid (synthValid) and as snapshotted
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Deployment/search-shard-0', 'PodDisruptionBudget/search-shard-0', 'Service/search-shard-0', 'NetworkPolicy/search-shard-0',
      'Deployment/search-shard-1', 'PodDisruptionBudget/search-shard-1', 'Service/search-shard-1', 'NetworkPolicy/search-shard-1',
      'Deployment/search-shard-2', 'PodDisruptionBudget/search-shard-2', 'Service/search-shard-2', 'NetworkPolicy/search-shard-2',
      'ConfigMap/search-root', 'Deployment/search', 'PodDisruptionBudget/search', 'Service/search', 'NetworkPolicy/search',
    ]);
    expect(objs).toMatchSnapshot();
    expect(sg.host).toBe('search');
    expect(sg.port).toBe(8080);
    expect(sg.shardHost(2)).toBe('search-shard-2');
    expect(sg.shardDeployments.map((d) => d.name)).toEqual(['search-shard-0', 'search-shard-1', 'search-shard-2']);
  });

  test('each shard: a Deployment whose leaves get SHARD_INDEX and SHARD_COUNT, a headless Service, a PDB', () => {
    const { objs } = synth({ shards: 2, replicasPerShard: 3 }, { env: { INDEX_DIR: kplus.EnvValue.fromValue('/data') }, args: ['--serve'] });
    for (const i of [0, 1]) {
      const name = `search-shard-${i}`;
      const d = one(objs, 'Deployment', name);
      const selector = {
        'app.kubernetes.io/component': 'leaf',
        'app.kubernetes.io/instance': 'search',
        'app.kubernetes.io/name': 'search',
        'cdk8s-distributed-patterns/shard': String(i),
      };
      expect(d.spec.replicas).toBe(3);
      expect(d.spec.selector.matchLabels).toEqual(selector);
      const leaf = d.spec.template.spec.containers[0];
      expect(leaf.image).toBe(LEAF.image);
      expect(leaf.imagePullPolicy).toBe('IfNotPresent');
      expect(leaf.args).toEqual(['--serve']);
      expect(leaf.env).toEqual([
        { name: 'SHARD_INDEX', value: String(i) },
        { name: 'SHARD_COUNT', value: '2' },
        { name: 'INDEX_DIR', value: '/data' },
      ]);
      expect(leaf.ports).toEqual([{ containerPort: 9000, name: 'http' }]);
      expect(leaf.readinessProbe).toEqual({ failureThreshold: 3, tcpSocket: { port: 9000 } });
      // uid 1000 by default, as every user container (no special case for the image's USER)
      expect(leaf.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        privileged: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
      });
      expect(d.spec.template.spec.securityContext).toEqual({
        fsGroup: 1000, fsGroupChangePolicy: 'Always', runAsGroup: 1000, runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(d.spec.template.spec.topologySpreadConstraints[0].labelSelector.matchLabels).toEqual(selector);
      const svc = one(objs, 'Service', name);
      expect(svc.spec).toEqual({ clusterIP: 'None', externalIPs: [], ports: [{ name: 'http', port: 9000, targetPort: 9000 }], selector, type: 'ClusterIP' });
      expect(one(objs, 'PodDisruptionBudget', name).spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    }
  });

  test('the root: node runs root.js with config.json from the ConfigMap, as uid 1000, probed on /readyz and /healthz', () => {
    const { objs, sg } = synth();
    const cm = one(objs, 'ConfigMap', 'search-root');
    expect(Object.keys(cm.data).sort()).toEqual(['config.json', 'root.js']);
    expect(cm.data['root.js']).toBe(ScatterGather.rootProgram());
    expect(cm.data['config.json']).toBe(sg.rootConfig);
    const d = one(objs, 'Deployment', 'search');
    expect(d.spec.replicas).toBe(2);
    const spec = d.spec.template.spec;
    const c = spec.containers[0];
    expect(c.image).toBe('node:22.11.0-alpine3.20');
    expect(c.command).toEqual(['node', '--max-old-space-size=170', '--expose-gc', 'root.js', 'config.json']);
    expect(c.args).toBeUndefined();
    expect(c.env).toBeUndefined();
    expect(c.workingDir).toBe('/etc/scatter-gather');
    expect(c.volumeMounts).toEqual([{ mountPath: '/etc/scatter-gather', name: 'root', readOnly: true }, { mountPath: '/tmp', name: 'root-tmp' }]);
    expect(spec.volumes).toEqual([{ configMap: { name: 'search-root' }, name: 'root' }, { emptyDir: { sizeLimit: '32Mi' }, name: 'root-tmp' }]);
    expect(c.readinessProbe).toEqual({ failureThreshold: 1, httpGet: { path: '/readyz', port: 8080, scheme: 'HTTP' }, periodSeconds: 5 });
    expect(c.livenessProbe).toEqual({ failureThreshold: 3, httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' }, periodSeconds: 10 });
    expect(c.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.terminationGracePeriodSeconds).toBe(30);
    expect(d.spec.template.metadata.annotations['cdk8s-distributed-patterns/config-checksum']).toMatch(/^[0-9a-f]{64}$/);
    expect(one(objs, 'Service', 'search').spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 8080 }]);
    expect(one(objs, 'PodDisruptionBudget', 'search').spec.maxUnavailable).toBe(1);
  });

  test('config.json holds every setting, and the runtime in the ConfigMap accepts it unchanged', () => {
    // GIVEN every knob set
    const { objs } = synth({
      shards: 5,
      path: '/search',
      merge: MergeStrategy.topK({ field: 'score', k: 10 }),
      timeout: Duration.millis(250),
      missingShards: MissingShards.PARTIAL,
      hedge: HedgePolicy.after(Duration.millis(20), { maxPercent: 5 }),
      port: 8000,
      maxRequestBodySize: Size.kibibytes(64),
      maxLeafResponseSize: Size.mebibytes(2),
      maxConcurrentRequests: 100,
      drainDelay: Duration.seconds(40),
    });
    const cm = one(objs, 'ConfigMap', 'search-root');
    const expected = {
      port: 8000,
      path: '/search',
      shards: [0, 1, 2, 3, 4].map((index) => ({ index, host: `search-shard-${index}`, port: 9000 })),
      merge: { strategy: 'topK', field: 'score', k: 10, order: 'descending' },
      timeoutMs: 250,
      missingShards: 'partial',
      hedge: { mode: 'after', delayMs: 20, maxPercent: 5 },
      maxRequestBodyBytes: 65536,
      maxLeafResponseBytes: 2097152,
      maxConcurrentRequests: 100,
      requestTimeoutMs: 10000,
      // 64Mi + 100 × (5 × (4 × 2Mi + 32Ki) + 2 × 64Ki + 32Ki) = 4095.25Mi, rounded up: the limit derived from the concurrency
      memoryLimitBytes: 4096 * 1048576,
      dnsRefreshMs: 5000,
      drainMs: 40000,
    };
    expect(JSON.parse(cm.data['config.json'])).toEqual(expected);
    // THEN the program from the same ConfigMap loads it as is
    expect(runtimeFrom(cm).loadConfig(JSON.parse(cm.data['config.json']))).toEqual(expected);
    // AND the grace period covers the drain and one timeout
    expect(one(objs, 'Deployment', 'search').spec.template.spec.terminationGracePeriodSeconds).toBe(51);
  });

  test.each([
    ['concatArrays', MergeStrategy.concatArrays(), { strategy: 'concatArrays' }],
    ['mergeObjects', MergeStrategy.mergeObjects(), { strategy: 'mergeObjects' }],
    ['sum', MergeStrategy.sum(), { strategy: 'sum' }],
    ['topK ascending', MergeStrategy.topK({ field: 'm.dist', k: 3, order: SortOrder.ASCENDING }), { strategy: 'topK', field: 'm.dist', k: 3, order: 'ascending' }],
    ['unionStrings', MergeStrategy.unionStrings(), { strategy: 'unionStrings' }],
  ])('merge %s renders and the runtime accepts it', (_n, merge, expected) => {
    const cm = one(synth({ merge }).objs, 'ConfigMap');
    const config = JSON.parse(cm.data['config.json']);
    expect(config.merge).toEqual(expected);
    expect(runtimeFrom(cm).loadConfig(config).merge).toEqual(expected);
  });

  test('a term partition: config.json holds it with the intersection merge, the runtime in the ConfigMap accepts it; no partition adds no key', () => {
    // GIVEN a term partition by hash and one by an explicit table, with the intersection merge
    const byHash = synth({ shards: 4, merge: MergeStrategy.intersection(), partition: RequestPartition.queryTermsByHash({ parameter: 'terms' }), missingShards: MissingShards.PARTIAL });
    const table = { kubernetes: 0, pod: 1, node: 1, service: 2 };
    const byTable = synth({ merge: MergeStrategy.intersection(), partition: RequestPartition.queryTermsByAssignment({ assignment: table }) });
    // THEN each says which it is
    const partitions = [RequestPartition.none(), RequestPartition.queryTermsByHash(), RequestPartition.queryTermsByAssignment({ assignment: table })];
    expect(partitions.map((p) => p.mode))
      .toEqual([RequestPartitionMode.NONE, RequestPartitionMode.QUERY_TERMS_BY_HASH, RequestPartitionMode.QUERY_TERMS_BY_ASSIGNMENT]);
    expect(MergeStrategy.intersection().strategy).toBe(MergeStrategyKind.INTERSECTION);
    // AND the root's config carries the partition and the merge, which the program from the same ConfigMap loads as is
    for (const [{ objs }, partition] of [
      [byHash, { mode: 'queryTerms', parameter: 'terms', rule: 'hash' }],
      [byTable, { mode: 'queryTerms', parameter: 'q', rule: 'assignment', assignment: { kubernetes: 0, node: 1, pod: 1, service: 2 } }],
    ] as const) {
      const cm = one(objs, 'ConfigMap', 'search-root');
      const config = JSON.parse(cm.data['config.json']);
      expect([config.merge, config.partition]).toEqual([{ strategy: 'intersection' }, partition]);
      expect(runtimeFrom(cm).loadConfig(config)).toMatchObject({ merge: { strategy: 'intersection' }, partition });
    }
    // AND the leaves are the same as without a partition (their env says their shard), the shard count as given
    expect(ofKind(byHash.objs, 'Deployment').map((d) => d.metadata.name)).toEqual(['search-shard-0', 'search-shard-1', 'search-shard-2', 'search-shard-3', 'search']);
    // AND a tree without a partition has no 'partition' key (its config is unchanged)
    expect(Object.keys(JSON.parse(synth().sg.rootConfig))).not.toContain('partition');
    expect(JSON.parse(synth({ partition: RequestPartition.none() }).sg.rootConfig).partition).toBeUndefined();
  });

  test('RequestPartition.shardOfTerm is the 32-bit FNV-1a hash modulo the shards (reference vectors)', () => {
    // FNV-1a 32: '' → 0x811c9dc5, 'a' → 0xe40c292c, 'foobar' → 0xbf9cf968 (the FNV reference test vectors)
    expect(RequestPartition.shardOfTerm('', 2 ** 30)).toBe(0x811c9dc5 % 2 ** 30);
    expect(RequestPartition.shardOfTerm('a', 1000)).toBe(0xe40c292c % 1000);
    expect(RequestPartition.shardOfTerm('foobar', 7)).toBe(0xbf9cf968 % 7);
    expect(() => RequestPartition.shardOfTerm('a', 0)).toThrow("RequestPartition.shardOfTerm: 'shards' must be an integer of at least 1, got 0");
  });

  test('percentile hedging renders percentile, minDelayMs and the budget', () => {
    const cm = one(synth({ hedge: HedgePolicy.percentile({ percentile: 95 }) }).objs, 'ConfigMap');
    expect(JSON.parse(cm.data['config.json']).hedge).toEqual({ mode: 'percentile', percentile: 95, minDelayMs: 5, maxPercent: 10 });
    const cm2 = one(synth({ hedge: HedgePolicy.percentile({ percentile: 99.5, minDelay: Duration.millis(20), maxPercent: 2 }) }).objs, 'ConfigMap');
    expect(JSON.parse(cm2.data['config.json']).hedge).toEqual({ mode: 'percentile', percentile: 99.5, minDelayMs: 20, maxPercent: 2 });
  });

  test('one replica per shard and one root: no PDBs and no spread (a PDB on one pod blocks every drain)', () => {
    const { objs } = synth({ shards: 1, replicasPerShard: 1, replicas: 1 });
    expect(ofKind(objs, 'PodDisruptionBudget')).toEqual([]);
    for (const d of ofKind(objs, 'Deployment')) expect(d.spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  test('leaf.uid and leaf.gid run the leaf as that uid and gid', () => {
    const { objs } = synth({}, { uid: 1000, gid: 2000 });
    const spec = one(objs, 'Deployment', 'search-shard-0').spec.template.spec;
    expect(spec.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 2000, fsGroup: 2000, runAsNonRoot: true });
    expect(spec.containers[0].securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 2000 });
  });

  test('leafContainers lets a user mount into every leaf', () => {
    const chart = Testing.chart();
    const sg = new ScatterGather(chart, 'search', { leaf: LEAF, shards: 2 });
    const cm = new kplus.ConfigMap(chart, 'index', { metadata: { name: 'index' }, data: { 'a.txt': 'a' } });
    sg.leafContainers.forEach((c, i) => c.mount('/index', kplus.Volume.fromConfigMap(chart, `v${i}`, cm, { name: 'index' }), { readOnly: true }));
    const objs = synthValid(chart);
    for (const i of [0, 1]) {
      expect(one(objs, 'Deployment', `search-shard-${i}`).spec.template.spec.containers[0].volumeMounts).toContainEqual({ mountPath: '/index', name: 'index', readOnly: true });
    }
  });

  test('names: an explicit name, and the length left for -shard-<i>', () => {
    expect(synth({ name: 'web-search', shards: 1 }).objs.map((o) => o.metadata.name)).toContain('web-search-shard-0');
    const long = 'a'.repeat(56);
    expect(() => synth({ name: long, shards: 10 })).toThrow(
      `ScatterGather 'test/search': 'name' must be a DNS-1123 label of at most 55 characters (lowercase letters, digits and '-', starting and ending with a letter or digit), got '${long}'`,
    );
  });

  test('synthesis is deterministic (the ConfigMap is byte-identical)', () => {
    const a = Testing.synth(synth().chart);
    const b = Testing.synth(synth().chart);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  test('every pod option reaches every leaf and the root; its spread replaces the library\'s', () => {
    const chart = Testing.chart();
    new ScatterGather(chart, 'search', { leaf: LEAF, pod: everyPodOption(chart) });
    // THEN every pod template has them
    expectEveryPodOptionOn(synthValid(chart), ['search-shard-0', 'search-shard-1', 'search-shard-2', 'search'], 4);
  });

  test('labels: the leaves are the user\'s pods (name = the base name), the root runs node; part-of and version on every object', () => {
    const { objs } = synth({ partOf: 'shop' });
    for (const o of objs) {
      const component = o.metadata.labels['app.kubernetes.io/component'];
      expectLabelRule(o, component === 'root'
        ? { name: 'node', instance: 'search', component, partOf: 'shop', version: '22.11.0-alpine3.20' }
        : { name: 'search', instance: 'search', component: 'leaf', partOf: 'shop', version: '1.4.2' });
    }
    expect(one(synth().objs, 'Service', 'search').metadata.labels['app.kubernetes.io/part-of']).toBe('search');
    const c = chartWithContext(RecommendedLabels.PART_OF_CONTEXT_KEY, 'storefront');
    new ScatterGather(c, 'search', { leaf: LEAF });
    expect(one(synthValid(c), 'Service', 'search').metadata.labels['app.kubernetes.io/part-of']).toBe('storefront');
  });

  test('the root\'s memory: 256Mi by default and the fan-outs it holds; a concurrency alone derives the limit', () => {
    // GIVEN the defaults: 3 shards, answers of at most 1Mi, bodies of at most 1Mi
    const d = synth();
    // THEN the default 256Mi holds floor((256Mi - 64Mi) / (3 × (4Mi + 32Ki) + 2Mi + 32Ki)) = 13 fan-outs
    expect([d.sg.maxConcurrentRequests, d.sg.rootMemoryLimit.toMebibytes()]).toEqual([13, 256]);
    const c = one(d.objs, 'Deployment', 'search').spec.template.spec.containers[0];
    expect(c.resources).toEqual({ limits: { 'cpu': '1', 'memory': '256Mi', 'ephemeral-storage': '64Mi' }, requests: { 'cpu': '100m', 'memory': '64Mi', 'ephemeral-storage': '16Mi' } });
    expect(c.command[1]).toBe('--max-old-space-size=170');
    expect(JSON.parse(d.sg.rootConfig)).toMatchObject({ maxConcurrentRequests: 13, memoryLimitBytes: 268435456 });
    // WHEN only the concurrency is given, THEN the limit is derived: 64Mi + 40 × 14.125Mi = 629Mi
    const e = synth({ maxConcurrentRequests: 40 });
    expect([e.sg.maxConcurrentRequests, e.sg.rootMemoryLimit.toMebibytes()]).toEqual([40, 629]);
    expect(one(e.objs, 'Deployment', 'search').spec.template.spec.containers[0].resources.limits.memory).toBe('629Mi');
    expect(one(e.objs, 'Deployment', 'search').spec.template.spec.containers[0].command[1]).toBe('--max-old-space-size=419');
    // WHEN only a limit is given, THEN the concurrency is what it holds, at most 256
    const f = synth({
      rootResources: { memory: { request: Size.mebibytes(512), limit: Size.mebibytes(1024) } },
      maxLeafResponseSize: Size.kibibytes(64),
      maxRequestBodySize: Size.kibibytes(16),
    });
    expect([f.sg.maxConcurrentRequests, f.sg.rootMemoryLimit.toMebibytes()]).toEqual([256, 1024]);
    const g = synth({ rootResources: { memory: { limit: Size.mebibytes(1024) } } });
    expect(g.sg.maxConcurrentRequests).toBe(67);
    expect(one(g.objs, 'Deployment', 'search').spec.template.spec.containers[0].resources).toEqual({ limits: { 'memory': '1024Mi', 'ephemeral-storage': '64Mi' }, requests: { 'ephemeral-storage': '16Mi' } });
    // WHEN both are given and fit, THEN both are used as given
    expect(synth({ rootResources: { memory: { limit: Size.mebibytes(1024) } }, maxConcurrentRequests: 50 }).sg.maxConcurrentRequests).toBe(50);
    // AND a CPU-only rootResources keeps its CPU and gets the derived memory
    const h = synth({ rootResources: { cpu: { request: kplus.Cpu.millis(250) } } });
    expect(one(h.objs, 'Deployment', 'search').spec.template.spec.containers[0].resources).toEqual({ limits: { 'memory': '256Mi', 'ephemeral-storage': '64Mi' }, requests: { 'cpu': '250m', 'memory': '64Mi', 'ephemeral-storage': '16Mi' } });
    // AND many large shards that 256Mi cannot hold get what one fan-out needs: 64Mi + 20 × (4 × 4Mi + 32Ki) + 2Mi + 32Ki
    const big = synth({ shards: 20, maxLeafResponseSize: Size.mebibytes(4) });
    expect([big.sg.maxConcurrentRequests, big.sg.rootMemoryLimit.toMebibytes()]).toEqual([1, 387]);
  });

  test('leafReadinessPath: an HTTP readiness probe on the leaf port; clientTimeout: the root\'s request timeout', () => {
    const { objs, sg } = synth({ leafReadinessPath: '/readyz', clientTimeout: Duration.seconds(3) });
    for (const i of [0, 1, 2]) {
      expect(one(objs, 'Deployment', `search-shard-${i}`).spec.template.spec.containers[0].readinessProbe).toEqual({
        failureThreshold: 2, httpGet: { path: '/readyz', port: 9000, scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 1,
      });
    }
    expect(JSON.parse(sg.rootConfig).requestTimeoutMs).toBe(3000);
  });

  test('a leaf readiness probe given is used as is (on the leaf port when it names none)', () => {
    const { objs } = synth({}, { readiness: kplus.Probe.fromHttpGet('/healthz') });
    expect(one(objs, 'Deployment', 'search-shard-1').spec.template.spec.containers[0].readinessProbe.httpGet).toEqual({ path: '/healthz', port: 9000, scheme: 'HTTP' });
  });

  describe('bad input → clear error', () => {
    test('fails when a shard index is out of range', () => {
      const { sg } = synth({ shards: 2 });
      expect(() => sg.shardHost(2)).toThrow("ScatterGather 'test/search': shard index must be an integer from 0 to 1, got 2");
    });
  });
  test('NetworkPolicies: the clients → the root → each shard\'s leaves on the leaf port, the root to DNS; the Mermaid from the same graph', () => {
    // GIVEN two shards and the defaults of networkPolicy
    const { objs, sg } = synth({ shards: 2 });
    const root = { 'app.kubernetes.io/component': 'root', 'app.kubernetes.io/instance': 'search', 'app.kubernetes.io/name': 'node' };
    const leaves = (i: number) => ({
      'app.kubernetes.io/component': 'leaf', 'app.kubernetes.io/instance': 'search', 'app.kubernetes.io/name': 'search', 'cdk8s-distributed-patterns/shard': String(i),
    });
    const dns = { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] };
    // THEN the root's policy selects the root Deployment's pods: ingress from this namespace on its port only;
    // egress to each shard's leaves on the leaf port and to the cluster DNS
    const rootPolicy = one(objs, 'NetworkPolicy', 'search');
    expect(rootPolicy.spec).toEqual({
      podSelector: { matchLabels: root },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8080 }] }],
      egress: [
        { to: [{ podSelector: { matchLabels: leaves(0) } }], ports: [{ protocol: 'TCP', port: 9000 }] },
        { to: [{ podSelector: { matchLabels: leaves(1) } }], ports: [{ protocol: 'TCP', port: 9000 }] },
        dns,
      ],
    });
    expect(rootPolicy.spec.podSelector.matchLabels).toEqual(one(objs, 'Deployment', 'search').spec.selector.matchLabels);
    expect(rootPolicy.metadata.labels).toEqual(one(objs, 'Deployment', 'search').metadata.labels);
    // each shard's policy selects that shard's pods: ingress from the root on the leaf port; no egress at all
    for (const i of [0, 1]) {
      const p = one(objs, 'NetworkPolicy', `search-shard-${i}`);
      expect(p.spec).toEqual({
        podSelector: { matchLabels: leaves(i) },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: { matchLabels: root } }], ports: [{ protocol: 'TCP', port: 9000 }] }],
      });
      expect(p.spec.podSelector.matchLabels).toEqual(one(objs, 'Deployment', `search-shard-${i}`).spec.selector.matchLabels);
    }
    expect(ofKind(objs, 'NetworkPolicy')).toHaveLength(3);
    expect(sg.toMermaid()).toBe([
      'flowchart LR',
      '  %% ScatterGather test/search',
      '  n0["root ×2<br/>search"]',
      '  n1["shard 0: leaves ×2<br/>search-shard-0"]',
      '  n2["shard 1: leaves ×2<br/>search-shard-1"]',
      '  n3(["every pod of this namespace"])',
      '  n3 -->|8080/TCP| n0',
      '  n0 -->|9000/TCP| n1',
      '  n0 -->|9000/TCP| n2',
      '  dns(["cluster DNS"])',
      '  n0 -.->|53/UDP, 53/TCP| dns',
      '',
    ].join('\n'));
  });

  test('NetworkPolicies: clients and monitoring reach the root\'s port, extraEgress widens the leaves only, enabled false emits none', () => {
    // GIVEN named clients, a monitoring namespace, extra egress for the leaves and extra ingress
    const store = NetworkPeer.pods({ app: 'index-store' });
    const { objs } = synth({
      shards: 1,
      port: 8000,
      networkPolicy: {
        clients: [NetworkPeer.pods({ app: 'web' })],
        monitoring: NetworkPeer.namespace('monitoring'),
        extraEgress: [{ peer: store, ports: [{ port: 7000 }] }],
        extraIngress: [{ peer: NetworkPeer.ipBlock('10.1.0.0/16'), ports: [{ port: 9999 }] }],
      },
    });
    const rootPolicy = one(objs, 'NetworkPolicy', 'search');
    // THEN the root accepts the clients and the scrapers on its port (and the extra ingress), and sends to no store
    expect(rootPolicy.spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ protocol: 'TCP', port: 8000 }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 8000 }] },
      { from: [{ ipBlock: { cidr: '10.1.0.0/16' } }], ports: [{ protocol: 'TCP', port: 9999 }] },
    ]);
    expect(JSON.stringify(rootPolicy.spec.egress)).not.toContain('index-store');
    // the leaves may reach the store (their own code's traffic) and accept the extra ingress too
    const leafPolicy = one(objs, 'NetworkPolicy', 'search-shard-0');
    expect(leafPolicy.spec.egress).toEqual([{ to: [{ podSelector: { matchLabels: { app: 'index-store' } } }], ports: [{ protocol: 'TCP', port: 7000 }] }]);
    expect(leafPolicy.spec.ingress[1]).toEqual({ from: [{ ipBlock: { cidr: '10.1.0.0/16' } }], ports: [{ protocol: 'TCP', port: 9999 }] });
    // and off is off
    expect(ofKind(synth({ networkPolicy: { enabled: false } }).objs, 'NetworkPolicy')).toEqual([]);
  });
});
