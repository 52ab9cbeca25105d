// The bad-input suite of ShardedCache (issue 15): every prop kind, typed and as a JavaScript or Python caller would
// pass it, must fail with a message naming the construct path, the prop and the value.
import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { CacheEngine, NetworkPeer, RedisAuth, ShardedCache, ShardedCacheProps, ShardedCacheProxy } from '../../src';
import { badInputs } from '../harness/bad-input';

const at = "ShardedCache 'test/c'";
const cache = (chart: Chart, props: any) => new ShardedCache(chart, 'c', props as ShardedCacheProps);
const ambassador = (chart: Chart, props: any = {}) => cache(chart, { proxy: ShardedCacheProxy.ambassador(), ...props });
const secret = (chart: Chart, name = 'cache-auth') => kplus.Secret.fromSecretName(chart, `secret-${name}`, name);
const res = (cpu: [number, number], mem: [number, number]) => ({
  cpu: { request: kplus.Cpu.millis(cpu[0]), limit: kplus.Cpu.millis(cpu[1]) },
  memory: { request: Size.mebibytes(mem[0]), limit: Size.mebibytes(mem[1]) },
});
/** A client Deployment as a user writes it. */
function client(chart: Chart, container: Partial<kplus.ContainerProps> = {}, id = 'web') {
  const d = new kplus.Deployment(chart, id, { metadata: { name: id } });
  d.addContainer({ name: 'web', image: 'node:22.11.0-alpine3.20', securityContext: { user: 1000 }, ...container });
  return d;
}

badInputs('ShardedCache', [
  // ---- counts
  { class: 'count', what: 'shards is 0', build: (c) => cache(c, { shards: 0 }), message: `${at}: 'shards' must be an integer from 1 to 1024, got 0` },
  { class: 'count', what: 'shards is 1025', build: (c) => cache(c, { shards: 1025 }), message: `${at}: 'shards' must be an integer from 1 to 1024, got 1025` },
  { class: 'count', what: 'shards is fractional', build: (c) => cache(c, { shards: 2.5 }), message: `${at}: 'shards' must be an integer from 1 to 1024, got 2.5` },
  { class: 'count', what: 'replicasPerShard is 0', build: (c) => cache(c, { replicasPerShard: 0 }), message: `${at}: 'replicasPerShard' must be an integer from 1 to 100, got 0` },
  { class: 'count', what: 'replicasPerShard is 101', build: (c) => cache(c, { replicasPerShard: 101 }), message: `${at}: 'replicasPerShard' must be an integer from 1 to 100, got 101` },
  { class: 'count', what: 'maxConnections is 8', build: (c) => cache(c, { maxConnections: 8 }), message: `${at}: 'maxConnections' must be an integer from 16 to 1000000, got 8` },
  { class: 'count', what: 'the proxy tier has 0 replicas', build: (c) => cache(c, { proxy: ShardedCacheProxy.sharedTier({ replicas: 0 }) }), message: `${at}: 'proxy.replicas' must be an integer from 1 to 100, got 0` },
  { class: 'count', what: 'serverFailureLimit is 0', build: (c) => cache(c, { serverFailureLimit: 0 }), message: `${at}: 'serverFailureLimit' must be an integer from 1 to 1000, got 0` },
  { class: 'choice', what: 'serverRetryTimeout without ejection', build: (c) => cache(c, { autoEjectHosts: false, serverRetryTimeout: Duration.seconds(5) }), message: `${at}: 'serverRetryTimeout' must be unset when 'autoEjectHosts' is false (twemproxy uses it only to eject a failing shard; without ejection a down shard's requests fail and its keys never move), got '5000ms'` },
  { class: 'choice', what: 'serverFailureLimit without ejection', build: (c) => cache(c, { autoEjectHosts: false, serverFailureLimit: 3 }), message: `${at}: 'serverFailureLimit' must be unset when 'autoEjectHosts' is false` },
  { class: 'count', what: 'planResize to 0 shards', build: (c) => cache(c, {}).planResize(0), message: `${at}: 'newShards' must be an integer from 1 to 1024, got 0` },
  // ---- names
  { class: 'name', what: 'name leaves no room for -shard-<i>', build: (c) => cache(c, { name: 'c'.repeat(47) }), message: `${at}: 'name' must be a DNS-1123 label of at most 46 characters` },
  { class: 'name', what: 'name has uppercase letters', build: (c) => cache(c, { name: 'Cache' }), message: `${at}: 'name' must be a DNS-1123 label of at most 46 characters (lowercase letters, digits and '-', starting and ending with a letter or digit), got 'Cache'` },
  { class: 'name', what: 'the client container name is not a DNS label', build: (c) => ambassador(c).addClient(client(c), { containerName: 'Twemproxy' }), message: `${at}: 'containerName' must be a DNS-1123 label` },
  { class: 'name', what: 'the client pod already has a container named twemproxy', build: (c) => ambassador(c).addClient(client(c, { name: 'twemproxy' })), message: `${at}: 'containerName' must be a name no container of 'test/web' has, got 'twemproxy'` },
  // ---- images
  { class: 'image', what: 'the memcached image is unpinned', build: (c) => cache(c, { images: { memcached: 'memcached' } }), message: `${at}: 'images.memcached' must be an image pinned to a tag or digest other than 'latest'` },
  { class: 'image', what: 'the twemproxy image is latest', build: (c) => cache(c, { images: { twemproxy: 'malexer/twemproxy:latest' } }), message: `${at}: 'images.twemproxy' must be an image pinned to a tag or digest other than 'latest'` },
  { class: 'image', what: 'the valkey image has an uppercase repository', build: (c) => cache(c, { engine: CacheEngine.VALKEY, images: { valkey: 'Valkey/valkey:8.1.1' } }), message: `${at}: 'images.valkey' must be a valid image reference` },
  { class: 'image', what: 'a redis image override for a memcached cache', build: (c) => cache(c, { images: { redis: 'redis:7.2.5-alpine' } }), message: `${at}: 'images' must be overrides of the images this construct runs ('memcached', 'twemproxy'), got 'redis'` },
  { class: 'image', what: 'a redis image override for a valkey cache', build: (c) => cache(c, { engine: CacheEngine.VALKEY, images: { redis: 'redis:7.2.5-alpine' } }), message: `${at}: 'images' must be overrides of the images this construct runs ('valkey', 'twemproxy'), got 'redis'` },
  { class: 'image', what: 'a digest that is too short', build: (c) => cache(c, { images: { memcached: 'memcached@sha256:abc' } }), message: `${at}: 'images.memcached' must be a valid image reference` },
  // ---- sizes
  { class: 'size', what: 'memoryPerShard is 8Mi', build: (c) => cache(c, { memoryPerShard: Size.mebibytes(8) }), message: `${at}: 'memoryPerShard' must be a whole number of MiB from 16 to 1048576, got '8Mi'` },
  { class: 'size', what: 'memoryPerShard is not whole MiB', build: (c) => cache(c, { memoryPerShard: Size.kibibytes(20000) }), message: `${at}: 'memoryPerShard' must be a whole number of MiB from 16 to 1048576, got '19.53125Mi'` },
  { class: 'size', what: 'maxItemSize is larger than the memory', build: (c) => cache(c, { maxItemSize: Size.mebibytes(64), memoryPerShard: Size.mebibytes(32) }), message: `${at}: 'maxItemSize' must be at most 'memoryPerShard' (32Mi), got '65536Ki'` },
  { class: 'size', what: 'maxItemSize for the redis engine', build: (c) => cache(c, { engine: CacheEngine.REDIS, maxItemSize: Size.mebibytes(1) }), message: `${at}: 'maxItemSize' must be unset for engine redis (redis has no item size limit), got '1024Ki'` },
  { class: 'size', what: 'maxItemSize for the valkey engine', build: (c) => cache(c, { engine: CacheEngine.VALKEY, maxItemSize: Size.mebibytes(1) }), message: `${at}: 'maxItemSize' must be unset for engine valkey (valkey has no item size limit), got '1024Ki'` },
  { class: 'size', what: 'maxItemSize is not whole KiB', build: (c) => cache(c, { maxItemSize: Size.kibibytes(1.5) }), message: `${at}: 'maxItemSize' must be a whole number of KiB from 1Ki to 1Gi, got '1536 bytes'` },
  { class: 'size', what: 'maxItemSize is below 1Ki', build: (c) => cache(c, { maxItemSize: Size.kibibytes(0.5) }), message: `${at}: 'maxItemSize' must be a size of whole bytes from 1024 to 1073741824 bytes, got '512 bytes'` },
  // ---- durations
  { class: 'duration', what: 'timeout is 0', build: (c) => cache(c, { timeout: Duration.millis(0) }), message: `${at}: 'timeout' must be a duration of whole milliseconds from 1ms to 24h, got '0ms'` },
  { class: 'duration', what: 'serverRetryTimeout is half a millisecond', build: (c) => cache(c, { serverRetryTimeout: Duration.millis(0.5) }), message: `${at}: 'serverRetryTimeout' must be a duration of whole milliseconds from 1ms to 24h, got '0.5ms'` },
  { class: 'duration', what: 'timeout is two days', build: (c) => cache(c, { timeout: Duration.days(2) }), message: `${at}: 'timeout' must be a duration of whole milliseconds from 1ms to 24h, got '172800000ms'` },
  // ---- ports
  { class: 'port', what: 'port is 0', build: (c) => cache(c, { port: 0 }), message: `${at}: 'port' must be an integer from 1 to 65535, got 0` },
  { class: 'port', what: 'port is 80 (twemproxy cannot bind it)', build: (c) => cache(c, { port: 80 }), message: `${at}: 'port' must be a port from 1024 to 65535 (twemproxy runs as a non-root user without capabilities, which cannot bind a lower port), got 80` },
  { class: 'port', what: 'statsPort is 70000', build: (c) => cache(c, { statsPort: 70000 }), message: `${at}: 'statsPort' must be an integer from 1 to 65535, got 70000` },
  { class: 'port', what: 'statsPort is the proxy port', build: (c) => cache(c, { statsPort: 11211 }), message: `${at}: 'statsPort' must be different from 'port' (11211), got 11211` },
  { class: 'port', what: 'a client container uses the proxy port', build: (c) => ambassador(c).addClient(client(c, { ports: [{ number: 11211 }] })), message: `${at}: 'port' must be a port no container of 'test/web' uses (container 'web' has it), got 11211` },
  { class: 'port', what: 'a client container uses the stats port', build: (c) => ambassador(c).addClient(client(c, { ports: [{ number: 22222 }] })), message: `${at}: 'statsPort' must be a port no container of 'test/web' uses (container 'web' has it), got 22222` },
  // ---- secrets
  { class: 'secret', what: 'auth for memcached', build: (c) => cache(c, { auth: RedisAuth.fromSecret(secret(c)) }), message: `${at}: 'auth' must be unset for engine memcached (memcached has no AUTH; use CacheEngine.REDIS or CacheEngine.VALKEY)` },
  { class: 'secret', what: 'auth given as a plain string (never shown)', build: (c) => cache(c, { engine: CacheEngine.REDIS, auth: 'hunter2' }), message: `${at}: 'auth' must be a RedisAuth (RedisAuth.fromSecret(secret, key) or RedisAuth.none()), got '<a string, not shown>'` },
  { class: 'secret', what: 'auth given as a Secret key (the old password shape), not a RedisAuth', build: (c) => cache(c, { engine: CacheEngine.REDIS, auth: { secret: secret(c), key: 'password' } }), message: `${at}: 'auth' must be a RedisAuth (RedisAuth.fromSecret(secret, key) or RedisAuth.none()), got {"secret":"cache-auth","key":"password"}` },
  { class: 'secret', what: 'auth that is null', build: (c) => cache(c, { engine: CacheEngine.REDIS, auth: null }), message: `${at}: 'auth' must be a RedisAuth (RedisAuth.fromSecret(secret, key) or RedisAuth.none()), got null` },
  { class: 'secret', what: 'an auth key with a space', build: (c) => cache(c, { engine: CacheEngine.REDIS, auth: RedisAuth.fromSecret(secret(c), 'pass word') }), message: `${at}: 'auth.key' must be a Secret key of at most 253 characters: letters, digits, '-', '_' and '.', got 'pass word'` },
  { class: 'secret', what: 'an auth key that is not a string', build: (c) => cache(c, { engine: CacheEngine.VALKEY, auth: RedisAuth.fromSecret(secret(c), 42 as any) }), message: `${at}: 'auth.key' must be a Secret key of at most 253 characters: letters, digits, '-', '_' and '.', got 42` },
  { class: 'secret', what: 'an auth Secret whose name is not a DNS subdomain', build: (c) => cache(c, { engine: CacheEngine.VALKEY, auth: RedisAuth.fromSecret(secret(c, 'Cache_Auth')) }), message: `${at}: 'auth.secret' must be a Secret whose name is a DNS-1123 subdomain, got 'Cache_Auth'` },
  // ---- resources
  { class: 'resources', what: 'shardResources request above limit', build: (c) => cache(c, { shardResources: res([100, 200], [512, 256]) }), message: `${at}: 'shardResources.memory.request' must be at most the memory limit (256Mi), got '512Mi'` },
  { class: 'resources', what: 'proxyResources CPU request above limit', build: (c) => cache(c, { proxyResources: res([500, 100], [64, 128]) }), message: `${at}: 'proxyResources.cpu.request' must be at most the CPU limit (100m), got '500m'` },
  { class: 'resources', what: 'authInitResources with RedisAuth.none()', build: (c) => cache(c, { engine: CacheEngine.REDIS, auth: RedisAuth.none(), authInitResources: res([10, 100], [8, 32]) }), message: `${at}: 'authInitResources' must be unset with RedisAuth.none() (the init containers write the password)` },
  { class: 'resources', what: 'authInitResources for memcached', build: (c) => cache(c, { authInitResources: res([10, 100], [8, 32]) }), message: `${at}: 'authInitResources' must be unset for engine memcached (the init containers write the password)` },
  { class: 'resources', what: 'authInitResources request above limit', build: (c) => cache(c, { engine: CacheEngine.REDIS, auth: RedisAuth.fromSecret(secret(c), 'p'), authInitResources: res([10, 100], [64, 32]) }), message: `${at}: 'authInitResources.memory.request' must be at most the memory limit (32Mi), got '64Mi'` },
  // ---- choices
  { class: 'choice', what: 'engine is etcd', build: (c) => cache(c, { engine: 'etcd' }), message: `${at}: 'engine' must be one of 'memcached', 'redis', 'valkey', got 'etcd'` },
  { class: 'choice', what: 'proxy is a string', build: (c) => cache(c, { proxy: 'ambassador' }), message: `${at}: 'proxy' must be ShardedCacheProxy.ambassador() or ShardedCacheProxy.sharedTier(), got 'ambassador'` },
  { class: 'choice', what: 'hash is sha1', build: (c) => cache(c, { hash: 'sha1' }), message: `${at}: 'hash' must be one of 'one_at_a_time', 'md5'` },
  { class: 'choice', what: 'hashTag is three characters', build: (c) => cache(c, { hashTag: 'abc' }), message: `${at}: 'hashTag' must be two characters, e.g. '{}', got 'abc'` },
  { class: 'choice', what: 'addClient on the shared tier', build: (c) => cache(c, {}).addClient(client(c)), message: `${at}: addClient needs ShardedCacheProxy.ambassador(); with the shared tier clients use 'c:11211'` },
  { class: 'choice', what: 'an ambassador without clients', build: (c) => ambassador(c), message: `${at}: the ambassador proxy has no clients: call addClient(workload), or use ShardedCacheProxy.sharedTier()` },
  { class: 'choice', what: 'the same client twice', build: (c) => { const a = ambassador(c); const w = client(c); a.addClient(w); a.addClient(w); }, message: `${at}: 'test/web' is already a client` },
  // ---- labels
  { class: 'label', what: 'partOf is not a label value', build: (c) => cache(c, { partOf: 'My Shop!' }), message: `${at}: 'partOf' must be a label value (at most 63 characters: alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric), got 'My Shop!'` },
  { class: 'label', what: 'a pod label overrides app.kubernetes.io/name', build: (c) => cache(c, { pod: { labels: { 'app.kubernetes.io/name': 'x' } } }), message: `${at}: 'pod.labels' must be free of 'app.kubernetes.io/*' keys` },
  { class: 'label', what: 'a pod label value with a space', build: (c) => cache(c, { pod: { labels: { team: 'web team' } } }), message: `${at}: 'pod.labels.team' must be a label value` },
  // ---- pod options and host-pod policy
  { class: 'policy', what: 'an imagePullSecret with an invalid name', build: (c) => cache(c, { pod: { imagePullSecrets: [secret(c, 'Reg_Cred')] } }), message: `${at}: 'pod.imagePullSecrets[0]' must be a Secret (kplus.Secret.fromSecretName(...)) whose name is a DNS-1123 subdomain, got 'Reg_Cred'` },
  { class: 'policy', what: 'a toleration with an invalid effect', build: (c) => cache(c, { pod: { tolerations: [{ key: 'k', operator: 'Exists', effect: 'Never' }] } }), message: `${at}: 'pod.tolerations[0].effect' must be one of 'NoSchedule', 'PreferNoSchedule', 'NoExecute' (or unset: every effect), got 'Never'` },
  { class: 'policy', what: 'a priorityClassName that is not a DNS subdomain', build: (c) => cache(c, { pod: { priorityClassName: 'High Priority' } }), message: `${at}: 'pod.priorityClassName' must be a PriorityClass name (a DNS-1123 subdomain), got 'High Priority'` },
  { class: 'policy', what: 'a client pod with a privileged container', build: (c) => ambassador(c).addClient(client(c, { securityContext: { user: 1000, privileged: true } })), message: `${at}: addClient() keeps 'test/web' passing Pod Security restricted, but container 'web' sets privileged: true: remove privileged from container 'web'` },
  { class: 'policy', what: 'a client pod that runs as uid 0', build: (c) => ambassador(c).addClient(client(c, { securityContext: { user: 0 } })), message: `${at}: addClient() keeps 'test/web' passing Pod Security restricted, but container 'web' runs as uid 0` },
  { class: 'policy', what: 'a client pod with a hostPort', build: (c) => ambassador(c).addClient(client(c, { ports: [{ number: 8080, hostPort: 80 }] })), message: `${at}: addClient() keeps 'test/web' passing Pod Security restricted, but container 'web' sets hostPort 80: remove the hostPort` },
  { class: 'policy', what: 'a client container added after addClient', build: (c) => { const w = client(c); ambassador(c).addClient(w); w.addContainer({ name: 'late', image: 'node:22.11.0-alpine3.20', securityContext: { user: 1000 } }); }, message: `${at}: addClient() keeps 'test/web' passing Pod Security restricted, but container 'late' (added after addClient()) does not drop ALL capabilities` },
  // ---- network policy (the options only widen the cache's own traffic, so no override can cut it)
  { class: 'policy', what: 'a client peer that selects nothing', build: (c) => cache(c, { networkPolicy: { clients: [NetworkPeer.pods({})] } }), message: `${at}: 'networkPolicy.clients[0]' must be a peer that selects something: pod labels must not be empty` },
  { class: 'policy', what: 'a monitoring peer that selects nothing', build: (c) => cache(c, { proxy: ShardedCacheProxy.sharedTier({ exposeStats: true }), networkPolicy: { monitoring: NetworkPeer.pods({}, { team: 'obs' }) } }), message: `${at}: 'networkPolicy.monitoring' must be a peer that selects something: pod labels must not be empty` },
  { class: 'policy', what: 'an extra ingress port 70000', build: (c) => cache(c, { networkPolicy: { extraIngress: [{ peer: NetworkPeer.sameNamespace(), ports: [{ port: 70000 }] }] } }), message: `${at}: 'networkPolicy.extraIngress[0].ports[0].port' must be an integer from 1 to 65535, got 70000` },
  { class: 'untyped', what: 'networkPolicy as true', build: (c) => cache(c, { networkPolicy: true }), message: `${at}: 'networkPolicy' must be a NetworkPolicyOptions object, got true` },
  // ---- mutation after synthesis
  { class: 'mutation', what: 'addClient after app.synth()', build: (c) => { const a = ambassador(c); a.addClient(client(c)); c.node.root.node.findAll(); (c.node.root as any).synth(); a.addClient(client(c, {}, 'late')); }, message: `${at}: addClient() was called after the app was synthesized` },
  // ---- untyped (a JavaScript or Python caller)
  { class: 'untyped', what: 'shards as a string', build: (c) => cache(c, { shards: '3' }), message: `${at}: 'shards' must be an integer from 1 to 1024, got '3'` },
  { class: 'untyped', what: "memoryPerShard as '1Gb'", build: (c) => cache(c, { memoryPerShard: '1Gb' }), message: `${at}: 'memoryPerShard' must be a Size (e.g. Size.mebibytes(64)), got '1Gb'` },
  { class: 'untyped', what: "maxItemSize as '1Mi'", build: (c) => cache(c, { maxItemSize: '1Mi' }), message: `${at}: 'maxItemSize' must be a Size (e.g. Size.mebibytes(1)), got '1Mi'` },
  { class: 'untyped', what: "timeout as '400ms'", build: (c) => cache(c, { timeout: '400ms' }), message: `${at}: 'timeout' must be a Duration` },
  { class: 'untyped', what: "autoEjectHosts as 'false'", build: (c) => cache(c, { autoEjectHosts: 'false' }), message: `${at}: 'autoEjectHosts' must be true or false, got 'false'` },
  { class: 'untyped', what: 'hashTag as a number', build: (c) => cache(c, { hashTag: 12 }), message: `${at}: 'hashTag' must be two characters, e.g. '{}', got 12` },
  { class: 'untyped', what: "exposeStats of the proxy tier as 'yes'", build: (c) => cache(c, { proxy: ShardedCacheProxy.sharedTier({ exposeStats: 'yes' as any }) }), message: `${at}: 'proxy.exposeStats' must be true or false, got 'yes'` },
  { class: 'untyped', what: "hardenPod as 'no'", build: (c) => ambassador(c).addClient(client(c), { hardenPod: 'no' as any }), message: `${at}: 'hardenPod' must be true or false, got 'no'` },
  { class: 'untyped', what: 'pod options as a string', build: (c) => cache(c, { pod: 'none' }), message: `${at}: 'pod' must be a PodOptions object, got 'none'` },
  { class: 'untyped', what: 'images as a string', build: (c) => cache(c, { images: 'memcached:1.6.31-alpine' }), message: `${at}: 'images' must be an ImageOverrides object ({ memcached: '…' }; this construct runs 'memcached', 'twemproxy'), got 'memcached:1.6.31-alpine'` },
  { class: 'untyped', what: 'proxy as null', build: (c) => cache(c, { proxy: null }), message: `${at}: 'proxy' must be ShardedCacheProxy.ambassador() or ShardedCacheProxy.sharedTier(), got null` },
  { class: 'untyped', what: 'addClient with a string', build: (c) => ambassador(c).addClient('web' as any), message: `${at}: addClient() needs a kplus workload (Deployment, StatefulSet, Job, Pod …), got 'web'` },
  { class: 'untyped', what: 'planResize with a string', build: (c) => cache(c, {}).planResize('4' as any), message: `${at}: 'newShards' must be an integer from 1 to 1024, got '4'` },
  { class: 'untyped', what: "shardResources memory as '1Gb'", build: (c) => cache(c, { shardResources: { memory: { request: '1Gb', limit: '1Gb' } } }), message: `${at}: 'shardResources.memory.request' must be a Size of whole bytes, more than 0 (e.g. Size.mebibytes(128)), got '1Gb'` },
]);
