// The bad-input suite of AmbassadorShardedRedis (issue 15): every prop kind, typed and as a JavaScript or Python
// caller would pass it, must fail with a message naming the construct path, the prop and the value.
import { App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AmbassadorShardedRedis, AmbassadorShardedRedisProps, NetworkPeer, RedisAuth, RedisEngine } from '../../src';
import { badInputs } from '../harness/bad-input';

const at = "AmbassadorShardedRedis 'test/r'";
const APP = { image: 'redis:7.2.5-alpine', command: ['sleep', 'infinity'] };
const redis = (chart: Chart, props: any) => new AmbassadorShardedRedis(chart, 'r', props as AmbassadorShardedRedisProps);
const withApp = (chart: Chart, props: any = {}, app: any = {}) => redis(chart, { ...props, app: { ...APP, ...app } });
const secret = (chart: Chart, name = 'redis-auth') => kplus.Secret.fromSecretName(chart, `secret-${name}`, name);
const res = (cpu: [number, number], mem: [number, number]) => ({
  cpu: { request: kplus.Cpu.millis(cpu[0]), limit: kplus.Cpu.millis(cpu[1]) },
  memory: { request: Size.mebibytes(mem[0]), limit: Size.mebibytes(mem[1]) },
});
/** A workload as a user writes it, with `container` and pod props merged in. */
function workload(chart: Chart, container: Partial<kplus.ContainerProps> = {}, pod: Partial<kplus.DeploymentProps> = {}, id = 'web') {
  const d = new kplus.Deployment(chart, id, { metadata: { name: id }, ...pod });
  d.addContainer({ name: 'web', image: 'node:22.11.0-alpine3.20', securityContext: { user: 1000 }, ...container });
  return d;
}
const addTo = (chart: Chart, w: kplus.AbstractPod, options: any = {}) => redis(chart, {}).addAmbassadorTo(w, options);
const hardening = (what: string) => `${at}: addAmbassadorTo() keeps 'test/web' passing Pod Security restricted, but ${what}`;

badInputs('AmbassadorShardedRedis', [
  // ---- counts
  { class: 'count', what: 'shards is 0', build: (c) => withApp(c, { shards: 0 }), message: `${at}: 'shards' must be an integer from 1 to 1024, got 0` },
  { class: 'count', what: 'shards is 100000', build: (c) => withApp(c, { shards: 100000 }), message: `${at}: 'shards' must be an integer from 1 to 1024, got 100000` },
  { class: 'count', what: 'appReplicas is 0', build: (c) => withApp(c, { appReplicas: 0 }), message: `${at}: 'appReplicas' must be an integer from 1 to 1000, got 0` },
  { class: 'count', what: 'appReplicas without app', build: (c) => redis(c, { appReplicas: 3 }), message: `${at}: 'appReplicas' must be unset without 'app' (there is no app Deployment), got 3` },
  { class: 'choice', what: 'serverFailureLimit without ejection (the default)', build: (c) => withApp(c, { serverFailureLimit: 3 }), message: `${at}: 'serverFailureLimit' must be unset when 'autoEjectHosts' is false (twemproxy uses it only to eject a failing shard; without ejection a down shard's requests fail and its keys never move), got 3` },
  { class: 'choice', what: 'serverRetryTimeout with autoEjectHosts false', build: (c) => withApp(c, { autoEjectHosts: false, serverRetryTimeout: Duration.seconds(2) }), message: `${at}: 'serverRetryTimeout' must be unset when 'autoEjectHosts' is false` },
  { class: 'count', what: 'serverFailureLimit is 0', build: (c) => withApp(c, { serverFailureLimit: 0 }), message: `${at}: 'serverFailureLimit' must be an integer from 1 to 1000, got 0` },
  { class: 'count', what: 'planResize to 2000 shards', build: (c) => withApp(c).planResize(2000), message: `${at}: 'newShards' must be an integer from 1 to 1024, got 2000` },
  // ---- names
  { class: 'name', what: 'name leaves no room for the ordinal', build: (c) => withApp(c, { name: 'r'.repeat(53) }), message: `${at}: 'name' must be a DNS-1123 label of at most 52 characters` },
  { class: 'name', what: 'name has an underscore', build: (c) => withApp(c, { name: 'sharded_redis' }), message: `${at}: 'name' must be a DNS-1123 label of at most 52 characters (lowercase letters, digits and '-', starting and ending with a letter or digit), got 'sharded_redis'` },
  { class: 'name', what: 'the ambassador container name is not a DNS label', build: (c) => addTo(c, workload(c), { containerName: 'Proxy' }), message: `${at}: 'containerName' must be a DNS-1123 label` },
  { class: 'name', what: 'the workload already has a container named twemproxy', build: (c) => addTo(c, workload(c, { name: 'twemproxy' })), message: `${at}: 'containerName' must be a name no container of 'test/web' has, got 'twemproxy'` },
  { class: 'name', what: 'the workload already has the ambassador', build: (c) => { const r = redis(c, {}); const w = workload(c); r.addAmbassadorTo(w); r.addAmbassadorTo(w); }, message: `${at}: 'test/web' already has the ambassador` },
  // ---- images
  { class: 'image', what: 'the redis image is unpinned', build: (c) => withApp(c, { images: { redis: 'redis' } }), message: `${at}: 'images.redis' must be an image pinned to a tag or digest other than 'latest'` },
  { class: 'image', what: 'the valkey image is latest', build: (c) => withApp(c, { engine: RedisEngine.VALKEY, images: { valkey: 'valkey/valkey:latest' } }), message: `${at}: 'images.valkey' must be an image pinned to a tag or digest other than 'latest'` },
  { class: 'image', what: 'a valkey image override for the redis engine', build: (c) => withApp(c, { images: { valkey: 'valkey/valkey:8.1.1-alpine' } }), message: `${at}: 'images' must be overrides of the images this construct runs ('redis', 'twemproxy'), got 'valkey'` },
  { class: 'image', what: 'the app image is latest', build: (c) => withApp(c, {}, { image: 'myapp:latest' }), message: `${at}: 'app.image' must be an image pinned to a tag or digest other than 'latest'` },
  { class: 'image', what: 'the app image has an uppercase repository', build: (c) => withApp(c, {}, { image: 'MyApp:1.0' }), message: `${at}: 'app.image' must be a valid image reference` },
  { class: 'image', what: 'the app image has a short digest', build: (c) => withApp(c, {}, { image: 'myapp@sha256:0123' }), message: `${at}: 'app.image' must be a valid image reference` },
  // ---- env
  { class: 'env', what: 'an app env name with a space', build: (c) => withApp(c, {}, { env: { 'MY VAR': kplus.EnvValue.fromValue('x') } }), message: `${at}: 'app.env' must be variable names of letters, digits, '_', '-' and '.', not starting with a digit, got 'MY VAR'` },
  { class: 'env', what: 'an app env name with a leading digit', build: (c) => withApp(c, {}, { env: { '1VAR': kplus.EnvValue.fromValue('x') } }), message: `${at}: 'app.env' must be variable names of letters, digits, '_', '-' and '.', not starting with a digit, got '1VAR'` },
  { class: 'env', what: 'the app sets REDIS_HOST, which the construct sets', build: (c) => withApp(c, {}, { env: { REDIS_HOST: kplus.EnvValue.fromValue('x') } }), message: `${at}: 'app.env' must be free of 'REDIS_HOST', 'REDIS_PORT' (the construct sets them), got 'REDIS_HOST'` },
  { class: 'env', what: 'an app env value given as a plain string', build: (c) => withApp(c, {}, { env: { MODE: 'fast' } }), message: `${at}: 'app.env.MODE' must be a kplus.EnvValue (EnvValue.fromValue(...), EnvValue.fromSecretValue(...), …), got 'fast'` },
  // ---- sizes
  { class: 'size', what: 'maxMemory is 8Mi', build: (c) => withApp(c, { maxMemory: Size.mebibytes(8) }), message: `${at}: 'maxMemory' must be a whole number of MiB from 16 to 1048576, got '8Mi'` },
  { class: 'size', what: 'storage is not whole MiB', build: (c) => withApp(c, { storage: Size.kibibytes(1500) }), message: "StatefulShards 'test/r/Shards': 'storage' must be a whole number of MiB from 1 to 1073741824, got '1.46484375Mi'", path: "'test/r/Shards'" },
  // ---- durations
  { class: 'duration', what: 'timeout is 0', build: (c) => withApp(c, { timeout: Duration.millis(0) }), message: `${at}: 'timeout' must be a duration of whole milliseconds from 1ms to 24h, got '0ms'` },
  { class: 'duration', what: 'serverRetryTimeout is half a millisecond', build: (c) => withApp(c, { serverRetryTimeout: Duration.millis(0.5) }), message: `${at}: 'serverRetryTimeout' must be a duration of whole milliseconds from 1ms to 24h, got '0.5ms'` },
  // ---- ports
  { class: 'port', what: 'ambassadorPort is 0', build: (c) => withApp(c, { ambassadorPort: 0 }), message: `${at}: 'ambassadorPort' must be an integer from 1 to 65535, got 0` },
  { class: 'port', what: 'ambassadorPort is 80 (twemproxy cannot bind it)', build: (c) => withApp(c, { ambassadorPort: 80 }), message: `${at}: 'ambassadorPort' must be a port from 1024 to 65535 (twemproxy runs as a non-root user without capabilities, which cannot bind a lower port), got 80` },
  { class: 'port', what: 'statsPort is the ambassador port', build: (c) => withApp(c, { statsPort: 6379 }), message: `${at}: 'statsPort' must be different from 'ambassadorPort' (6379), got 6379` },
  { class: 'port', what: 'the app port is the ambassador port', build: (c) => withApp(c, {}, { port: 6379 }), message: `${at}: 'app.port' must be a port other than 'ambassadorPort' (6379): the app and the ambassador share the pod's network, got 6379` },
  { class: 'port', what: 'the app port is the stats port', build: (c) => withApp(c, {}, { port: 22222 }), message: `${at}: 'app.port' must be a port other than 'statsPort' (22222): the app and the ambassador share the pod's network, got 22222` },
  { class: 'port', what: 'the app port is 70000', build: (c) => withApp(c, {}, { port: 70000 }), message: `${at}: 'app.port' must be an integer from 1 to 65535, got 70000` },
  { class: 'port', what: 'a workload container uses the ambassador port', build: (c) => addTo(c, workload(c, { ports: [{ number: 6379 }] })), message: `${at}: 'ambassadorPort' must be a port no container of 'test/web' uses (container 'web' has it), got 6379` },
  // ---- secrets
  { class: 'secret', what: 'auth given as a plain string (never shown)', build: (c) => withApp(c, { auth: 'hunter2' }), message: `${at}: 'auth' must be a RedisAuth (RedisAuth.fromSecret(secret, key) or RedisAuth.none()), got '<a string, not shown>'` },
  { class: 'secret', what: 'auth given as a number', build: (c) => withApp(c, { auth: 1234 }), message: `${at}: 'auth' must be a RedisAuth (RedisAuth.fromSecret(secret, key) or RedisAuth.none()), got '<a number, not shown>'` },
  { class: 'secret', what: 'auth given as a Secret (not a RedisAuth)', build: (c) => withApp(c, { auth: secret(c) }), message: `${at}: 'auth' must be a RedisAuth (RedisAuth.fromSecret(secret, key) or RedisAuth.none()), got '<a ImportedSecret redis-auth>'` },
  { class: 'secret', what: 'an auth key that is empty', build: (c) => withApp(c, { auth: RedisAuth.fromSecret(secret(c), '') }), message: `${at}: 'auth.key' must be a Secret key of at most 253 characters: letters, digits, '-', '_' and '.', got ''` },
  { class: 'secret', what: 'an auth key that is not a string', build: (c) => withApp(c, { auth: RedisAuth.fromSecret(secret(c), { key: 'password' } as any) }), message: `${at}: 'auth.key' must be a Secret key of at most 253 characters: letters, digits, '-', '_' and '.', got {"key":"password"}` },
  { class: 'secret', what: 'an auth Secret with an uppercase name', build: (c) => withApp(c, { auth: RedisAuth.fromSecret(secret(c, 'Redis-Auth')) }), message: `${at}: 'auth.secret' must be a Secret whose name is a DNS-1123 subdomain, got 'Redis-Auth'` },
  { class: 'secret', what: 'authInitResources with RedisAuth.none()', build: (c) => withApp(c, { auth: RedisAuth.none(), authInitResources: res([10, 100], [8, 32]) }), message: `${at}: 'authInitResources' must be unset with RedisAuth.none() (the init containers write the password)` },
  // ---- resources
  { class: 'resources', what: 'shardResources memory request above limit', build: (c) => withApp(c, { shardResources: res([100, 1000], [512, 384]) }), message: `${at}: 'shardResources.memory.request' must be at most the memory limit (384Mi), got '512Mi'` },
  { class: 'resources', what: 'ambassadorResources CPU request above limit', build: (c) => withApp(c, { ambassadorResources: res([600, 500], [32, 128]) }), message: `${at}: 'ambassadorResources.cpu.request' must be at most the CPU limit (500m), got '600m'` },
  { class: 'resources', what: 'app resources memory request above limit', build: (c) => withApp(c, {}, { resources: res([50, 500], [256, 128]) }), message: `${at}: 'app.resources.memory.request' must be at most the memory limit (128Mi), got '256Mi'` },
  // ---- choices
  { class: 'choice', what: 'engine is keydb', build: (c) => withApp(c, { engine: 'keydb' }), message: `${at}: 'engine' must be one of 'redis', 'valkey', got 'keydb'` },
  { class: 'choice', what: 'evictionPolicy is lru', build: (c) => withApp(c, { evictionPolicy: 'lru' }), message: `${at}: 'evictionPolicy' must be one of 'noeviction', 'allkeys-lru'` },
  { class: 'choice', what: 'hash is sha1', build: (c) => withApp(c, { hash: 'sha1' }), message: `${at}: 'hash' must be one of 'one_at_a_time', 'md5', 'crc16', 'crc32', 'crc32a', 'fnv1_64', 'fnv1a_64', 'fnv1_32', 'fnv1a_32', 'hsieh', 'murmur', 'jenkins', got 'sha1'` },
  { class: 'choice', what: 'hashTag is one character', build: (c) => withApp(c, { hashTag: '{' }), message: `${at}: 'hashTag' must be two characters, e.g. '{}', got '{'` },
  { class: 'choice', what: 'no workload has the ambassador', build: (c) => redis(c, {}), message: `${at}: no workload has the ambassador: call addAmbassadorTo(workload) or give 'app'` },
  // ---- paths
  { class: 'path', what: 'storageClassName with an underscore', build: (c) => withApp(c, { storage: Size.gibibytes(1), storageClassName: 'fast_ssd' }), message: "StatefulShards 'test/r/Shards': 'storageClassName' must be a StorageClass name (a DNS-1123 subdomain: lowercase letters, digits, '-' and '.'), got 'fast_ssd'", path: "'test/r/Shards'" },
  { class: 'path', what: 'an app writable dir that is relative', build: (c) => withApp(c, {}, { writableDirs: ['tmp'] }), message: `${at}: 'app.writableDirs' must be an absolute path without spaces, ':' or '..', got 'tmp'` },
  { class: 'path', what: 'an app workingDir with ..', build: (c) => withApp(c, {}, { workingDir: '/app/../etc' }), message: `${at}: 'app.workingDir' must be an absolute path without spaces, ':' or '..', got '/app/../etc'` },
  // ---- labels
  { class: 'label', what: 'partOf with a space', build: (c) => withApp(c, { partOf: 'hit counter' }), message: `${at}: 'partOf' must be a label value (at most 63 characters: alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric), got 'hit counter'` },
  { class: 'label', what: 'the app-wide part-of context is not a label value', build: (c) => { const app = new App(); app.node.setContext('cdk8s-distributed-patterns:part-of', '-shop'); withApp(new Chart(app, 'test')); void c; }, message: `${at}: 'context cdk8s-distributed-patterns:part-of' must be a label value (at most 63 characters: alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric), got '-shop'` },
  { class: 'label', what: 'a pod label sets app.kubernetes.io/part-of', build: (c) => withApp(c, { pod: { labels: { 'app.kubernetes.io/part-of': 'shop' } } }), message: `${at}: 'pod.labels' must be free of 'app.kubernetes.io/*' keys (the library sets them on every pod; set 'partOf' for app.kubernetes.io/part-of), got 'app.kubernetes.io/part-of'` },
  // ---- pod options and host-pod policy
  { class: 'policy', what: 'a ServiceAccount with an invalid name', build: (c) => withApp(c, { pod: { serviceAccount: kplus.ServiceAccount.fromServiceAccountName(c, 'sa', 'Redis SA') } }), message: `${at}: 'pod.serviceAccount' must be a ServiceAccount (kplus.ServiceAccount.fromServiceAccountName(...)) whose name is a DNS-1123 subdomain, got 'Redis SA'` },
  { class: 'policy', what: 'automountServiceAccountToken without a ServiceAccount', build: (c) => withApp(c, { pod: { automountServiceAccountToken: true } }), message: `${at}: 'pod.automountServiceAccountToken' must be false or unset without 'serviceAccount'` },
  { class: 'policy', what: 'a spread constraint with maxSkew 0', build: (c) => withApp(c, { pod: { topologySpreadConstraints: [{ maxSkew: 0, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' }] } }), message: `${at}: 'pod.topologySpreadConstraints[0].maxSkew' must be an integer of at least 1, got 0` },
  { class: 'policy', what: 'the app runs as uid 0', build: (c) => withApp(c, {}, { uid: 0 }), message: `${at}: 'app.uid' must be an integer from 1 to 2147483647, got 0` },
  { class: 'policy', what: 'a host pod with a privileged container', build: (c) => addTo(c, workload(c, { securityContext: { user: 1000, privileged: true } })), message: hardening("container 'web' sets privileged: true: remove privileged from container 'web'") },
  { class: 'policy', what: 'a host pod whose container runs as uid 0', build: (c) => addTo(c, workload(c, { securityContext: { user: 0 } })), message: hardening("container 'web' runs as uid 0: give container 'web' a non-root uid") },
  { class: 'policy', what: 'a host pod that runs as uid 0', build: (c) => addTo(c, workload(c, {}, { securityContext: { user: 0 } })), message: hardening('the pod runs as uid 0: give the pod a non-root uid') },
  { class: 'policy', what: 'a host pod with runAsNonRoot false', build: (c) => addTo(c, workload(c, {}, { securityContext: { ensureNonRoot: false } })), message: hardening('the pod sets runAsNonRoot: false: set ensureNonRoot: true and a non-root user on the pod') },
  { class: 'policy', what: 'a host pod on the host network', build: (c) => addTo(c, workload(c, {}, { hostNetwork: true })), message: hardening('the pod sets hostNetwork: true: remove hostNetwork (a pod in a host namespace is never restricted)') },
  { class: 'policy', what: 'a host pod with a hostPath volume', build: (c) => { const w = workload(c); w.containers[0].mount('/logs', kplus.Volume.fromHostPath(c, 'logs', 'logs', { path: '/var/log' })); addTo(c, w); }, message: hardening("volume 'logs' is of type hostPath") },
  { class: 'policy', what: 'a host container that adds NET_ADMIN', build: (c) => addTo(c, workload(c, { securityContext: { user: 1000, capabilities: { add: [kplus.Capability.NET_ADMIN] } } })), message: hardening(`container 'web' adds the capability ${kplus.Capability.NET_ADMIN}: remove it from container 'web' (restricted allows only NET_BIND_SERVICE)`) },
  { class: 'policy', what: 'a host container that allows privilege escalation', build: (c) => addTo(c, workload(c, { securityContext: { user: 1000, allowPrivilegeEscalation: true } })), message: hardening("container 'web' sets allowPrivilegeEscalation: true") },
  { class: 'policy', what: 'a host pod with an unsafe sysctl', build: (c) => addTo(c, workload(c, {}, { securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '65536' }] } })), message: hardening("the pod sets the sysctl 'kernel.msgmax'") },
  { class: 'policy', what: 'a container added after addAmbassadorTo', build: (c) => { const w = workload(c); addTo(c, w); w.addContainer({ name: 'late', image: 'node:22.11.0-alpine3.20', securityContext: { user: 1000 } }); }, message: hardening("container 'late' (added after addAmbassadorTo()) does not drop ALL capabilities: add your containers before calling addAmbassadorTo(), or add it with RestrictedSecurity.addContainer") },
  // ---- mutation after synthesis
  { class: 'mutation', what: 'addAmbassadorTo after app.synth()', build: (c) => { const r = withApp(c); (c.node.root as App).synth(); r.addAmbassadorTo(workload(c)); }, message: `${at}: addAmbassadorTo() was called after the app was synthesized; it would be missing from the YAML already written (call it before app.synth())` },
  // ---- untyped (a JavaScript or Python caller)
  { class: 'untyped', what: 'shards as a string', build: (c) => withApp(c, { shards: '3' }), message: `${at}: 'shards' must be an integer from 1 to 1024, got '3'` },
  { class: 'untyped', what: "maxMemory as '256Mi'", build: (c) => withApp(c, { maxMemory: '256Mi' }), message: `${at}: 'maxMemory' must be a Size (e.g. Size.mebibytes(64)), got '256Mi'` },
  { class: 'untyped', what: "storage as '1Gb'", build: (c) => withApp(c, { storage: '1Gb' }), message: "StatefulShards 'test/r/Shards': 'storage' must be a Size (e.g. Size.mebibytes(64)), got '1Gb'", path: "'test/r/Shards'" },
  { class: 'untyped', what: "exposeStats as 'true'", build: (c) => withApp(c, { exposeStats: 'true' }), message: `${at}: 'exposeStats' must be true or false, got 'true'` },
  { class: 'untyped', what: 'autoEjectHosts as 1', build: (c) => withApp(c, { autoEjectHosts: 1 }), message: `${at}: 'autoEjectHosts' must be true or false, got 1` },
  { class: 'untyped', what: "hardenPod as 'false'", build: (c) => addTo(c, workload(c), { hardenPod: 'false' }), message: `${at}: 'hardenPod' must be true or false, got 'false'` },
  { class: 'untyped', what: 'app as an image string', build: (c) => redis(c, { app: 'redis:7.2.5-alpine' }), message: `${at}: 'app' must be your container ({ image, port, … }: AppContainerProps), got 'redis:7.2.5-alpine'` },
  { class: 'untyped', what: 'app as null', build: (c) => redis(c, { app: null }), message: `${at}: 'app' must be your container ({ image, port, … }: AppContainerProps), got null` },
  { class: 'untyped', what: 'an app readiness probe as a string', build: (c) => withApp(c, {}, { readiness: 'tcp' }), message: `${at}: 'app.readiness' must be a kplus.Probe (Probe.fromHttpGet(...), fromTcpSocket(...), fromCommand(...)), got 'tcp'` },
  { class: 'untyped', what: 'the app port as a string', build: (c) => withApp(c, {}, { port: '8080' }), message: `${at}: 'app.port' must be an integer from 1 to 65535, got '8080'` },
  { class: 'untyped', what: 'timeout as a number of milliseconds', build: (c) => withApp(c, { timeout: 400 }), message: `${at}: 'timeout' must be a Duration` },
  { class: 'untyped', what: 'addAmbassadorTo with a string', build: (c) => redis(c, {}).addAmbassadorTo('web' as any), message: `${at}: addAmbassadorTo() needs a kplus workload (Deployment, StatefulSet, Job, Pod …), got 'web'` },
  { class: 'untyped', what: 'planResize with a string', build: (c) => withApp(c).planResize('4' as any), message: `${at}: 'newShards' must be an integer from 1 to 1024, got '4'` },
  { class: 'untyped', what: 'a nodeSelector value as a number', build: (c) => withApp(c, { pod: { nodeSelector: { disk: 1 } } }), message: `${at}: 'pod.nodeSelector.disk' must be a label value (at most 63 characters: alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric), got 1` },
  { class: 'untyped', what: 'images as null', build: (c) => withApp(c, { images: null }), message: `${at}: 'images' must be an ImageOverrides object ({ redis: '…' }; this construct runs 'redis', 'twemproxy'), got null` },
  // ---- network policy (the shards' clients are the ambassadors' pods: nothing to name, nothing to cut)
  { class: 'policy', what: 'networkPolicy is a string', build: (c) => withApp(c, { networkPolicy: 'on' }), message: `${at}: 'networkPolicy' must be a NetworkPolicyOptions object, got 'on'` },
  { class: 'policy', what: 'enabled is a string', build: (c) => withApp(c, { networkPolicy: { enabled: 'no' } }), message: `${at}: 'networkPolicy.enabled' must be true or false, got 'no'` },
  { class: 'policy', what: 'a client peer that selects nothing', build: (c) => withApp(c, { networkPolicy: { clients: [NetworkPeer.pods({})] } }), message: `${at}: 'networkPolicy.clients[0]' must be a peer that selects something` },
  { class: 'policy', what: 'clients without app (other pods would reach the shards past the ambassador)', build: (c) => redis(c, { networkPolicy: { clients: [NetworkPeer.pods({ app: 'web' })] } }), message: `${at}: 'networkPolicy.clients' must be unset without 'app' (the shards' only clients are the pods that carry the ambassador), got 'a list of peers'` },
  { class: 'policy', what: 'monitoring without exposeStats (nothing to scrape)', build: (c) => withApp(c, { networkPolicy: { monitoring: NetworkPeer.namespace('monitoring') } }), message: `${at}: 'networkPolicy.monitoring' must be unset without 'app' and 'exposeStats' (the stats port of the app's pods is the only port to scrape), got 'a NetworkPeer'` },
  { class: 'policy', what: 'an extra egress IP block outside its CIDR', build: (c) => withApp(c, { networkPolicy: { extraEgress: [{ peer: NetworkPeer.ipBlock('10.0.0.0/8', ['192.168.0.0/16']) }] } }), message: `${at}: 'networkPolicy.extraEgress[0].peer' must be 'except' blocks inside 10.0.0.0/8, got '192.168.0.0/16'` },
]);
