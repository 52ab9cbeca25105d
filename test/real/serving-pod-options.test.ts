// Tier 2: ReplicatedService (with both tiers), ShardedService and ScatterGather with every pod option, applied with
// `kubectl apply --dry-run=server` to a real kube-apiserver 1.27 in a namespace that enforces Pod Security
// `restricted` (each workload's pod template is dry-run as a Pod too, so the ServiceAccount and Priority admission
// plugins see the pods). Every pod template carries every option, and the label rule holds on every object.
// Then the sharding patterns: ShardedCache (StatefulSet shards with a proxy tier, replicated shards with
// ambassadors, valkey with a password) and AmbassadorShardedRedis (shards and its app) with every pod option, and
// plain cdk8s-plus client pods that `addClient` / `addAmbassadorTo` hardened.
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AmbassadorShardedRedis, CacheEngine, RedisAuth, RedisEngine, ReplicatedService, ScatterGather, ShardedCache, ShardedCacheProxy, ShardedService } from '../../src';
import { synthAppValid } from '../harness';
import { ApiServer, serverDryRun, startApiServer } from '../harness/apiserver';
import { stopAll } from '../harness/proc';
import { everyPodOption, expectEveryPodOption } from '../serving/pod-template-checks';

jest.setTimeout(600_000);

let api: ApiServer;

beforeAll(async () => {
  api = await startApiServer();
  // The PriorityClass the options name (cluster-scoped; the Priority admission plugin rejects a Pod naming a missing one).
  const priorityClass = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'serving-high' }, value: 1000 };
  const r = await api.kubectl(['apply', '-f', '-'], { input: JSON.stringify(priorityClass) });
  if (r.code !== 0) throw new Error(`creating the PriorityClass: ${r.stderr}`);
}, 240_000);

afterAll(async () => {
  await api?.stop();
  await stopAll();
});

function serving(): any[] {
  const app = new App();
  const chart = new Chart(app, 'serving');
  // The ServiceAccount the options name, brought by the chart (the ServiceAccount admission plugin checks it).
  new kplus.ServiceAccount(chart, 'reader', { metadata: { name: 'search-reader' } });
  const pod = everyPodOption(chart);
  const readiness = kplus.Probe.fromHttpGet('/readyz');
  const rs = new ReplicatedService(chart, 'dictionary', { app: { image: 'example/dictionary:1.0.0', port: 8080, readiness }, pod, partOf: 'shop' });
  rs.addCacheTier();
  rs.addTlsTier({ secret: kplus.Secret.fromSecretName(chart, 'tls', 'dictionary-tls') });
  new ShardedService(chart, 'pages', { shard: { image: 'example/pages:1.0.0', port: 8080, readiness }, replicasPerShard: 2, pod, partOf: 'shop' });
  new ScatterGather(chart, 'search', { leaf: { image: 'example/leaf:1.0.0', port: 9000 }, pod, partOf: 'shop' });
  return synthAppValid(app);
}

test('every pod option on every pod template of the three patterns: the API server admits them in a restricted namespace', async () => {
  // GIVEN the three patterns with every pod option (strict schema and restricted already checked by synthAppValid)
  const objects = serving();
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  expect(deployments).toHaveLength(3 + 4 + 4);
  deployments.forEach(expectEveryPodOption);
  for (const o of objects.filter((x) => x.kind !== 'ServiceAccount')) expect(o.metadata.labels['app.kubernetes.io/part-of']).toBe('shop');
  // WHEN applied with a server-side dry run
  const verdicts = await serverDryRun(api, objects);
  // THEN every object and every pod built from a template is admitted, with no Pod Security warning
  const rejected = verdicts.filter((v) => !v.accepted || v.warnings.some((w) => /PodSecurity/.test(w)));
  expect(rejected.map((v) => `${v.kind}/${v.name}: ${v.message} ${v.warnings.join(' ')}`)).toEqual([]);
  expect(verdicts.filter((v) => v.podTemplate).map((v) => v.podTemplate!.accepted)).toEqual(deployments.map(() => true));
});

/** A client as a user writes it in plain cdk8s-plus: no seccomp, capabilities kept. */
function plainClient(chart: Chart, id: string): kplus.Deployment {
  const d = new kplus.Deployment(chart, id, { metadata: { name: id }, replicas: 2 });
  d.addContainer({ name: 'main', image: 'node:22.11.0-alpine3.20', securityContext: { user: 1000, group: 1000 }, portNumber: 8080 });
  return d;
}

function sharding(): { objects: any[]; templates: string[]; clients: string[] } {
  const app = new App();
  const chart = new Chart(app, 'sharding');
  new kplus.ServiceAccount(chart, 'reader', { metadata: { name: 'search-reader' } });
  const pod = everyPodOption(chart);
  const auth = RedisAuth.fromSecret(kplus.Secret.fromSecretName(chart, 'auth', 'cache-auth'));
  new ShardedCache(chart, 'pages', { pod, partOf: 'shop' });
  new ShardedCache(chart, 'limits', { engine: CacheEngine.VALKEY, auth, pod, partOf: 'shop' });
  const hot = new ShardedCache(chart, 'hot', { replicasPerShard: 2, proxy: ShardedCacheProxy.ambassador(), pod, partOf: 'shop' });
  hot.addClient(plainClient(chart, 'web'));
  const redis = new AmbassadorShardedRedis(chart, 'kv', { engine: RedisEngine.VALKEY, auth, app: { image: 'example/app:1.0.0', port: 8080 }, pod, partOf: 'shop' });
  redis.addAmbassadorTo(plainClient(chart, 'counter'));
  return {
    objects: synthAppValid(app),
    templates: ['pages-shard', 'pages-proxy', 'limits-shard', 'limits-proxy', 'hot-shard-0', 'hot-shard-1', 'hot-shard-2', 'kv', 'kv-app'],
    clients: ['web', 'counter'],
  };
}

test('every pod option on every pod template of ShardedCache and AmbassadorShardedRedis, and hardened client pods: the API server admits them in a restricted namespace', async () => {
  // GIVEN the patterns with every pod option (strict schema and restricted already checked by synthAppValid)
  const { objects, templates, clients } = sharding();
  const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
  expect(workloads.map((w) => w.metadata.name).sort()).toEqual([...templates, ...clients].sort());
  workloads.filter((w) => templates.includes(w.metadata.name)).forEach(expectEveryPodOption);
  // the client pods are the user's: no pod option reaches them
  for (const w of workloads.filter((x) => clients.includes(x.metadata.name))) expect(w.spec.template.spec.nodeSelector).toBeUndefined();
  for (const o of objects.filter((x) => x.kind !== 'ServiceAccount' && !clients.includes(x.metadata.name))) {
    expect(o.metadata.labels['app.kubernetes.io/part-of']).toBe('shop');
  }
  // WHEN applied with a server-side dry run
  const verdicts = await serverDryRun(api, objects);
  // THEN every object and every pod built from a template is admitted, with no Pod Security warning
  const rejected = verdicts.filter((v) => !v.accepted || v.warnings.some((w) => /PodSecurity/.test(w)));
  expect(rejected.map((v) => `${v.kind}/${v.name}: ${v.message} ${v.warnings.join(' ')}`)).toEqual([]);
  expect(verdicts.filter((v) => v.podTemplate).map((v) => `${v.kind}/${v.name}: ${v.podTemplate!.accepted}`))
    .toEqual(workloads.map((w) => `${w.kind}/${w.metadata.name}: true`));
});

test('an unhardened plain client pod is rejected by the same namespace (the test can fail)', async () => {
  const app = new App();
  const chart = new Chart(app, 'unhardened');
  const cache = new ShardedCache(chart, 'c', { proxy: ShardedCacheProxy.ambassador() });
  cache.addClient(plainClient(chart, 'bare'), { hardenPod: false });
  const objects = app.charts.flatMap((c) => c.toJson());
  const verdicts = await serverDryRun(api, objects);
  const bare = verdicts.find((v) => v.name === 'bare')!;
  expect(bare.accepted && !bare.warnings.some((w) => /PodSecurity/.test(w))).toBe(false);
  expect(`${bare.message} ${bare.warnings.join(' ')}`).toMatch(/seccompProfile|capabilities/);
});
