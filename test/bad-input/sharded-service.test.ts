// ShardedService: bad input fails at synthesis with the construct path, the prop and the value (issue 15) — typed
// mistakes and the same props as a JavaScript or Python caller may pass them.
import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AppContainerProps, DownShard, NetworkPeer, ShardedService, ShardedServiceProps, ShardKey } from '../../src';
import { BadInput, badInputs } from '../harness/bad-input';
import { chartWithContext } from '../serving/pod-template-checks';

const SHARD: AppContainerProps = { image: 'example/search:1.0.0', port: 8080, readiness: kplus.Probe.fromHttpGet('/healthz') };
const AT = "ShardedService 'test/search'";

function ss(chart: Chart, props: Partial<ShardedServiceProps> | any = {}, shard: Partial<AppContainerProps> | any = {}): ShardedService {
  return new ShardedService(chart, 'search', { ...props, shard: { ...SHARD, ...shard } });
}

const cases: BadInput[] = [
  // counts
  { class: 'count', what: 'shards is 0', build: (c) => ss(c, { shards: 0 }), message: `${AT}: 'shards' must be an integer from 1 to 1024, got 0` },
  { class: 'count', what: 'shards is 1025', build: (c) => ss(c, { shards: 1025 }), message: "'shards' must be an integer from 1 to 1024, got 1025" },
  { class: 'count', what: 'replicasPerShard is 0', build: (c) => ss(c, { replicasPerShard: 0 }), message: "'replicasPerShard' must be an integer from 1 to 100, got 0" },
  { class: 'count', what: 'routerReplicas is 0', build: (c) => ss(c, { routerReplicas: 0 }), message: "'routerReplicas' must be an integer from 1 to 100, got 0" },
  { class: 'count', what: 'routerReplicas is fractional', build: (c) => ss(c, { routerReplicas: 2.5 }), message: "'routerReplicas' must be an integer from 1 to 100, got 2.5" },

  // names and labels
  { class: 'name', what: 'the name leaves no room for -shard-<i>', build: (c) => ss(c, { name: 's'.repeat(53) }), message: "'name' must be a DNS-1123 label of at most 52 characters" },
  { class: 'name', what: 'the name has an underscore', build: (c) => ss(c, { name: 'web_search' }), message: "'name' must be a DNS-1123 label of at most 52 characters (lowercase letters, digits and '-', starting and ending with a letter or digit), got 'web_search'" },
  { class: 'label', what: 'partOf is longer than a label value', build: (c) => ss(c, { partOf: 'p'.repeat(64) }), message: "'partOf' must be a label value" },
  { class: 'label', what: 'a pod label overrides the component', build: (c) => ss(c, { pod: { labels: { 'app.kubernetes.io/component': 'x' } } }), message: "'pod.labels' must be free of 'app.kubernetes.io/*' keys" },
  {
    class: 'label',
    what: 'the app-wide part-of is not a label value',
    build: () => ss(chartWithContext('cdk8s-distributed-patterns:part-of', 'shop/web')),
    message: "'context cdk8s-distributed-patterns:part-of' must be a label value",
  },

  // images
  { class: 'image', what: 'the shard image is latest', build: (c) => ss(c, {}, { image: 'example/search:latest' }), message: "'shard.image' must be an image pinned to a tag or digest other than 'latest' (e.g. 'redis:7.2.5-alpine'), got 'example/search:latest'" },
  { class: 'image', what: 'the shard image is not pinned at all', build: (c) => ss(c, {}, { image: 'example/search' }), message: "'shard.image' must be an image pinned to a tag or digest other than 'latest'" },
  { class: 'image', what: 'the shard image has a space', build: (c) => ss(c, {}, { image: 'example/search: 1.0' }), message: "'shard.image' must be a valid image reference" },
  { class: 'image', what: 'the router image override is unpinned', build: (c) => ss(c, { images: { nginx: 'nginxinc/nginx-unprivileged:latest' } }), message: "'images.nginx' must be an image pinned to a tag or digest other than 'latest'" },

  // env
  { class: 'env', what: 'the env sets SHARD_INDEX', build: (c) => ss(c, {}, { env: { SHARD_INDEX: kplus.EnvValue.fromValue('1') } }), message: "'shard.env' must be free of 'SHARD_INDEX', 'SHARD_COUNT' (the construct sets them), got 'SHARD_INDEX'" },
  { class: 'env', what: 'the env sets SHARD_COUNT', build: (c) => ss(c, {}, { env: { SHARD_COUNT: kplus.EnvValue.fromValue('9') } }), message: "'shard.env' must be free of 'SHARD_INDEX', 'SHARD_COUNT' (the construct sets them), got 'SHARD_COUNT'" },
  { class: 'env', what: 'an env name has an equals sign', build: (c) => ss(c, {}, { env: { 'A=B': kplus.EnvValue.fromValue('x') } }), message: "'shard.env' must be variable names of letters, digits, '_', '-' and '.', not starting with a digit, got 'A=B'" },

  // ports
  { class: 'port', what: 'the shard has no port', build: (c) => ss(c, {}, { port: undefined }), message: "'shard.port' must be the port the container listens on (the router sends requests to it), got undefined" },
  { class: 'port', what: 'the shard port is 0', build: (c) => ss(c, {}, { port: 0 }), message: "'shard.port' must be an integer from 1 to 65535, got 0" },
  { class: 'port', what: 'the Service port is out of range', build: (c) => ss(c, { servicePort: 70000 }), message: "'servicePort' must be an integer from 1 to 65535, got 70000" },
  { class: 'port', what: 'the port name is too long', build: (c) => ss(c, {}, { portName: 'http-search-shard' }), message: "'shard.portName' must be an IANA service name" },

  // choices
  // a down shard (issue 22): conflicting settings
  {
    class: 'choice',
    what: 'maxFails with the default DownShard.FAIL',
    build: (c) => ss(c, { maxFails: 3 }),
    message: `${AT}: 'maxFails' must be given only with 'downShard' DownShard.FAILOVER (failures before a shard is skipped; with the default DownShard.FAIL a down shard is never skipped), got 3`,
  },
  {
    class: 'choice',
    what: 'failTimeout with DownShard.FAIL',
    build: (c) => ss(c, { downShard: DownShard.FAIL, failTimeout: Duration.seconds(30) }),
    message: "'failTimeout' must be given only with 'downShard' DownShard.FAILOVER (how long a failed shard is skipped; with 'fail' a down shard is never skipped), got '30000ms'",
  },
  { class: 'count', what: 'maxFails is 0 with FAILOVER', build: (c) => ss(c, { downShard: DownShard.FAILOVER, maxFails: 0 }), message: "'maxFails' must be an integer from 1 to 100, got 0" },
  { class: 'duration', what: 'a fractional failTimeout', build: (c) => ss(c, { downShard: DownShard.FAILOVER, failTimeout: Duration.millis(2500) }), message: "'failTimeout' must be a whole number of seconds from 1 to 3600, got '2500ms'" },
  { class: 'duration', what: 'a failTimeout over an hour', build: (c) => ss(c, { downShard: DownShard.FAILOVER, failTimeout: Duration.hours(2) }), message: "'failTimeout' must be a whole number of seconds from 1 to 3600, got '7200000ms'" },
  { class: 'untyped', what: 'downShard as an unknown word', build: (c) => ss(c, { downShard: 'retry' }), message: `${AT}: 'downShard' must be one of 'fail', 'failover', got 'retry'` },
  { class: 'untyped', what: 'failTimeout as \'10s\' with FAILOVER', build: (c) => ss(c, { downShard: 'failover', failTimeout: '10s' }), message: "'failTimeout' must be a Duration (e.g. Duration.seconds(30)), got '10s'" },
  { class: 'untyped', what: 'maxFails as a string with FAILOVER', build: (c) => ss(c, { downShard: DownShard.FAILOVER, maxFails: '2' }), message: "'maxFails' must be an integer from 1 to 100, got '2'" },
  { class: 'choice', what: 'the shard key is an nginx variable string', build: (c) => ss(c, { shardKey: '$request_uri' }), message: "'shardKey' must be ShardKey.requestUri(), ShardKey.header(name), ShardKey.queryArgument(name) or ShardKey.cookie(name), got '$request_uri'" },
  { class: 'choice', what: 'a header key nginx cannot expose', build: (c) => ss(c, { shardKey: ShardKey.header('X User') }), message: `${AT}: 'shardKey' must be ShardKey.header(name) with a name of letters, digits and '-' (nginx exposes only those as $http_…), got 'X User'` },
  { class: 'choice', what: 'an argument key with a dash', build: (c) => ss(c, { shardKey: ShardKey.queryArgument('user-id') }), message: "'shardKey' must be ShardKey.queryArgument(name) with a name of letters, digits and '_' (nginx exposes only those as $arg_…), got 'user-id'" },
  { class: 'choice', what: 'a cookie key with a dot', build: (c) => ss(c, { shardKey: ShardKey.cookie('a.b') }), message: "'shardKey' must be ShardKey.cookie(name) with a name of letters, digits and '_' (nginx exposes only those as $cookie_…), got 'a.b'" },
  { class: 'choice', what: 'a toleration with an unknown operator', build: (c) => ss(c, { pod: { tolerations: [{ key: 'k', operator: 'In' }] } }), message: "'pod.tolerations[0].operator' must be one of 'Exists', 'Equal', got 'In'" },
  { class: 'choice', what: 'a spread constraint that never gives up is misspelt', build: (c) => ss(c, { pod: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'Never' }] } }), message: "'pod.topologySpreadConstraints[0].whenUnsatisfiable' must be one of 'DoNotSchedule', 'ScheduleAnyway', got 'Never'" },

  // resources
  {
    class: 'resources',
    what: 'the router\'s CPU request is above its limit',
    build: (c) => ss(c, { routerResources: { cpu: { request: kplus.Cpu.units(2), limit: kplus.Cpu.millis(1000) } } }),
    message: "'routerResources.cpu.request' must be at most the CPU limit (1000m), got '2'",
  },
  { class: 'resources', what: 'the shard\'s memory request is above its limit', build: (c) => ss(c, {}, { resources: { memory: { request: Size.mebibytes(256), limit: Size.mebibytes(128) } } }), message: "'shard.resources.memory.request' must be at most the memory limit (128Mi), got '256Mi'" },
  { class: 'size', what: 'the router\'s memory limit is not whole MiB', build: (c) => ss(c, { routerResources: { memory: { limit: Size.kibibytes(0.5) } } }), message: "'routerResources.memory.limit' must be a whole number of MiB (e.g. Size.mebibytes(128)), got '0.5Ki'" },
  { class: 'size', what: 'the shard\'s ephemeral storage is not whole MiB', build: (c) => ss(c, {}, { resources: { ephemeralStorage: { limit: Size.kibibytes(1500) } } }), message: "'shard.resources.ephemeralStorage.limit' must be a whole number of MiB (e.g. Size.mebibytes(256)), got '1500Ki'" },

  { class: 'timing', what: 'a startup probe that must succeed 3 times', build: (c) => ss(c, {}, { startup: kplus.Probe.fromHttpGet('/healthz', { successThreshold: 3 }) }), message: "'shard.startup.successThreshold' must be 1 (Kubernetes requires it for liveness and startup probes), got 3" },
  { class: 'timing', what: 'a readiness timeout of 1.5s', build: (c) => ss(c, {}, { readiness: kplus.Probe.fromHttpGet('/healthz', { timeoutSeconds: Duration.millis(1500) }) }), message: "'shard.readiness.timeoutSeconds' must be a whole number of seconds from 0 to 86400, got '1500ms'" },

  // policies
  { class: 'policy', what: 'there is no readiness probe', build: (c) => ss(c, {}, { readiness: undefined }), message: "'shard.readiness' must be a readiness probe (a router must not send requests to a shard that is not ready), got undefined" },
  { class: 'policy', what: 'the shard runs as root', build: (c) => ss(c, {}, { uid: 0 }), message: "'shard.uid' must be an integer from 1 to 2147483647, got 0" },
  { class: 'policy', what: 'the gid is negative', build: (c) => ss(c, {}, { gid: -1 }), message: "'shard.gid' must be an integer from 0 to 2147483647, got -1" },
  { class: 'path', what: 'a writable dir climbs out', build: (c) => ss(c, {}, { writableDirs: ['/tmp/../etc'] }), message: "'shard.writableDirs' must be an absolute path without spaces, ':' or '..', got '/tmp/../etc'" },
  { class: 'path', what: 'the working dir is relative', build: (c) => ss(c, {}, { workingDir: 'srv' }), message: "'shard.workingDir' must be an absolute path without spaces, ':' or '..', got 'srv'" },
  {
    class: 'secret',
    what: 'an env ConfigMap key with a space',
    build: (c) => ss(c, {}, { env: { MODE: kplus.EnvValue.fromConfigMap(kplus.ConfigMap.fromConfigMapName(c, 'cm', 'settings'), 'the mode') } }),
    message: "'shard.env.MODE' must be a ConfigMap key of at most 253 characters: letters, digits, '-', '_' and '.', got 'the mode'",
  },
  { class: 'secret', what: 'a pull secret has an invalid name', build: (c) => ss(c, { pod: { imagePullSecrets: [kplus.Secret.fromSecretName(c, 'pull', '-regcred')] } }), message: "'pod.imagePullSecrets[0]' must be a Secret (kplus.Secret.fromSecretName(...)) whose name is a DNS-1123 subdomain, got '-regcred'" },

  // untyped, as a JavaScript or Python caller passes them
  { class: 'untyped', what: 'shards as a string', build: (c) => ss(c, { shards: '3' }), message: "'shards' must be an integer from 1 to 1024, got '3'" },
  { class: 'untyped', what: 'the shard as an image string', build: (c) => new ShardedService(c, 'search', { shard: 'example/search:1.0.0' } as any), message: "'shard' must be your container ({ image, port, … }: AppContainerProps), got 'example/search:1.0.0'" },
  { class: 'untyped', what: 'no props at all', build: (c) => new (ShardedService as any)(c, 'search'), message: "'props' must be a ShardedServiceProps object ({ shard: { image, port, readiness } }), got undefined" },
  { class: 'untyped', what: 'the shard port as a string', build: (c) => ss(c, {}, { port: '8080' }), message: "'shard.port' must be an integer from 1 to 65535, got '8080'" },
  { class: 'untyped', what: 'the readiness probe as a path', build: (c) => ss(c, {}, { readiness: '/healthz' }), message: "'shard.readiness' must be a kplus.Probe (Probe.fromHttpGet(...), fromTcpSocket(...), fromCommand(...)), got '/healthz'" },
  { class: 'untyped', what: 'an env value as a plain string', build: (c) => ss(c, {}, { env: { MODE: 'ro' } }), message: "'shard.env.MODE' must be a kplus.EnvValue (EnvValue.fromValue(...), EnvValue.fromSecretValue(...), …), got 'ro'" },
  { class: 'untyped', what: 'the env as a list', build: (c) => ss(c, {}, { env: ['MODE=ro'] }), message: "'shard.env' must be a map of variable names to kplus.EnvValue, got [\"MODE=ro\"]" },
  { class: 'untyped', what: 'the args as a string', build: (c) => ss(c, {}, { args: '--port 8080' }), message: "'shard.args' must be a list of strings, got '--port 8080'" },
  { class: 'untyped', what: 'the router memory as \'128Mb\'', build: (c) => ss(c, { routerResources: { memory: { request: '128Mb' } } }), message: "'routerResources.memory.request' must be a Size of whole bytes, more than 0 (e.g. Size.mebibytes(128)), got '128Mb'" },
  { class: 'untyped', what: 'the router resources as a string', build: (c) => ss(c, { routerResources: 'small' }), message: "'routerResources' must be a kplus.ContainerResources ({ cpu, memory, ephemeralStorage }), got 'small'" },
  { class: 'untyped', what: 'the pod options as a list', build: (c) => ss(c, { pod: [] }), message: "'pod' must be a PodOptions object, got []" },
  { class: 'untyped', what: 'a misspelt pod option', build: (c) => ss(c, { pod: { nodeselector: { pool: 'a' } } }), message: "'pod' must be a PodOptions object with fields among 'imagePullSecrets', 'serviceAccount'" },
  { class: 'untyped', what: 'the writable dirs as a string', build: (c) => ss(c, {}, { writableDirs: '/tmp' }), message: "'shard.writableDirs' must be a list of absolute paths, got '/tmp'" },
  // network policy (the options can only widen the pattern's own traffic, so no override can cut it)
  { class: 'policy', what: 'networkPolicy is a string', build: (c) => ss(c, { networkPolicy: 'on' }), message: `${AT}: 'networkPolicy' must be a NetworkPolicyOptions object, got 'on'` },
  { class: 'policy', what: 'networkPolicy.enabled is a string', build: (c) => ss(c, { networkPolicy: { enabled: 'no' } }), message: `${AT}: 'networkPolicy.enabled' must be true or false, got 'no'` },
  { class: 'policy', what: 'a client peer that selects nothing', build: (c) => ss(c, { networkPolicy: { clients: [NetworkPeer.pods({})] } }), message: `${AT}: 'networkPolicy.clients[0]' must be a peer that selects something: pod labels must not be empty` },
  { class: 'policy', what: 'a monitoring peer that selects nothing', build: (c) => ss(c, { networkPolicy: { monitoring: NetworkPeer.namespaces({}) } }), message: `${AT}: 'networkPolicy.monitoring' must be a peer that selects something: namespace labels must not be empty` },
  { class: 'policy', what: 'an extra egress IP block whose except removes it all', build: (c) => ss(c, { networkPolicy: { extraEgress: [{ peer: NetworkPeer.ipBlock('10.0.0.0/8', ['10.0.0.0/8']) }] } }), message: `${AT}: 'networkPolicy.extraEgress[0].peer' must be a peer that selects something: 'except' 10.0.0.0/8 removes the whole of 10.0.0.0/8, got '10.0.0.0/8'` },
  { class: 'policy', what: 'a client that is not a NetworkPeer', build: (c) => ss(c, { networkPolicy: { clients: [{ app: 'web' }] } }), message: `${AT}: 'networkPolicy.clients[0]' must be a NetworkPeer` },
];

badInputs('ShardedService', cases);
