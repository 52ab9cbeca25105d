// AdapterMonitoring (and the prometheus-operator wrappers it makes): every kind of prop, given wrong — as a
// TypeScript user might, and untyped as a JavaScript or Python caller would — fails at synthesis with the
// construct path, the prop and the value (issue 15). A user's pod the adapters join either passes Pod Security
// restricted or fails with the fix.
import { ApiObject, App, Chart, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AdapterMonitoring, AdapterMonitoringProps, AppContainerProps, HealthCheck, LogFormat, MonitoringAdapter, NetworkPeer, PrometheusRule,
  ServiceMonitor,
} from '../../src';
import { BadInput, badInputs } from '../harness/bad-input';

const W = "AdapterMonitoring 'test/cache'";
const untyped = (v: unknown): any => v;

const redis = (extra: Partial<AppContainerProps> = {}): AppContainerProps => ({ image: 'redis:7.2.5-alpine', port: 6379, portName: 'redis', uid: 999, gid: 1000, ...extra });

function am(chart: Chart, props: Partial<AdapterMonitoringProps> = {}, app: Partial<AppContainerProps> = {}): AdapterMonitoring {
  return new AdapterMonitoring(chart, 'cache', { app: redis(app), adapters: [MonitoringAdapter.redisExporter()], ...props } as AdapterMonitoringProps);
}
/** A reference to the Secret `name` (one construct per name and chart). */
function secret(chart: Chart, name = 'auth'): kplus.ISecret {
  return (chart.node.tryFindChild(`s-${name}`) as kplus.ISecret | undefined) ?? kplus.Secret.fromSecretName(chart, `s-${name}`, name);
}
const pw = (chart: Chart, key = 'password') => ({ secret: secret(chart), key });
const health = (o: object = {}) => MonitoringAdapter.health({ check: HealthCheck.redisPing(), ...o } as any);
const logs = (o: object = {}) => MonitoringAdapter.logNormalizer({ logDir: '/var/log/redis', format: LogFormat.redis(), ...o } as any);

/** A user's Deployment (cdk8s-plus defaults: non-root, no privilege escalation; no seccomp, capabilities kept). */
function userDeployment(chart: Chart, patch?: (obj: ApiObject) => void, extra: Partial<kplus.ContainerProps> = {}): kplus.Deployment {
  const d = new kplus.Deployment(chart, 'web', {
    metadata: { name: 'web' },
    containers: [{ name: 'web', image: 'example/web:1.4.2', portNumber: 8080, securityContext: { user: 10001 }, ...extra }],
  });
  patch?.(ApiObject.of(d));
  return d;
}
function onWorkload(chart: Chart, workload: kplus.Workload, props: Partial<AdapterMonitoringProps> = {}): AdapterMonitoring {
  return new AdapterMonitoring(chart, 'cache', { workload, adapters: [MonitoringAdapter.health({ check: HealthCheck.tcp() })], ...props });
}
const restricted = (what: string) =>
  `${W}: new AdapterMonitoring({ workload }) keeps 'test/web' passing Pod Security restricted, but ${what} (or pass 'hardenPod: false' and run the pod where restricted is not enforced)`;
const spec = '/spec/template/spec';

const cases: BadInput[] = [
  // ---- counts
  { class: 'count', what: 'replicas is 0', build: (c) => am(c, { replicas: 0 }), message: `${W}: 'replicas' must be an integer from 1 to 1000, got 0` },
  { class: 'count', what: 'the health failure threshold is 0', build: (c) => am(c, { adapters: [health({ failureThreshold: 0 })] }), message: `${W}: 'health.failureThreshold' must be an integer from 1 to 100, got 0` },
  { class: 'count', what: 'no adapter', build: (c) => am(c, { adapters: [] }), message: `${W}: 'adapters' must be at least one adapter, got []` },
  { class: 'count', what: 'replicas with a workload of its own', build: (c) => onWorkload(c, userDeployment(c), { replicas: 2 }), message: `${W}: 'replicas' must be unset when 'workload' is given (the workload has its own), got 2` },

  // ---- names
  { class: 'name', what: 'the base name is not a DNS label', build: (c) => am(c, { name: 'Cache_1' }), message: /AdapterMonitoring 'test\/cache': 'name' must be a DNS-1123 label .*, got 'Cache_1'/ },
  { class: 'name', what: 'the app container name is not a DNS label', build: (c) => am(c, { appContainerName: 'Redis' }), message: /'appContainerName' must be a DNS-1123 label .*, got 'Redis'/ },
  { class: 'name', what: 'two adapters have one name', build: (c) => am(c, { adapters: [MonitoringAdapter.redisExporter(), MonitoringAdapter.redisExporter({ listenPort: 9122, portName: 'metrics2' })] }), message: `${W}: 'adapters[1].name' must be a container name not used by the app or another adapter, got 'redis-exporter'` },
  { class: 'name', what: 'an adapter takes the app\'s name', build: (c) => am(c, { appContainerName: 'redis', adapters: [health({ name: 'redis' })] }), message: `${W}: 'adapters[0].name' must be a container name not used by the app or another adapter, got 'redis'` },
  { class: 'name', what: 'an adapter name is not a DNS label', build: (c) => am(c, { adapters: [health({ name: 'Health_1' })] }), message: /'adapters\[0\]\.name' must be a DNS-1123 label .*, got 'Health_1'/ },
  { class: 'name', what: 'appContainerName names no container of the workload', build: (c) => onWorkload(c, userDeployment(c), { appContainerName: 'nope' }), message: `${W}: 'appContainerName' must be the name of a container of the workload ('web'), got 'nope'` },
  { class: 'name', what: 'the redis ACL user has a space', build: (c) => am(c, { adapters: [MonitoringAdapter.redisExporter({ username: 'my user' })] }), message: `${W}: 'redis-exporter.username' must be a name of letters, digits, '-', '_' and '.', got 'my user'` },
  { class: 'name', what: 'the PostgreSQL database has a space', build: (c) => am(c, { adapters: [MonitoringAdapter.postgresExporter({ port: 5432, username: pw(c, 'u'), password: pw(c), database: 'app db' })] }), message: `${W}: 'postgres-exporter.database' must be a name of letters, digits, '-', '_' and '.', got 'app db'` },

  // ---- images
  { class: 'image', what: 'the app image is not pinned', build: (c) => am(c, {}, { image: 'redis' }), message: `${W}: 'app.image' must be an image pinned to a tag or digest other than 'latest' (e.g. 'redis:7.2.5-alpine'), got 'redis'` },
  { class: 'image', what: 'the app image has a space', build: (c) => am(c, {}, { image: 'redis: 7.2' }), message: /'app\.image' must be a valid image reference .*, got 'redis: 7\.2'/ },
  { class: 'image', what: 'an exporter image override is not pinned', build: (c) => am(c, { images: { redisExporter: 'oliver006/redis_exporter' } }), message: /AdapterMonitoring 'test\/cache': 'images\.redisExporter' must be .*, got 'oliver006\/redis_exporter'/ },

  // ---- env
  { class: 'env', what: 'an app env name has a space', build: (c) => am(c, {}, { env: { 'MAX MEMORY': kplus.EnvValue.fromValue('1') } }), message: `${W}: 'app.env' must be variable names of letters, digits, '_', '-' and '.', not starting with a digit, got 'MAX MEMORY'` },

  // ---- sizes
  { class: 'size', what: 'the log volume size limit is not whole MiB', build: (c) => am(c, { adapters: [logs({ sizeLimit: Size.kibibytes(100) })] }), message: `${W}: 'log-normalizer.sizeLimit' must be a whole number of MiB from 1 to 1048576, got '0.09765625Mi'` },

  // ---- durations and timings
  { class: 'timing', what: 'the health timeout is the period', build: (c) => am(c, { adapters: [health({ timeout: Duration.seconds(10) })] }), message: `${W}: 'health.timeout' must be shorter than the period (10s), got '10s'` },
  { class: 'timing', what: 'the health timeout is longer than the period', build: (c) => am(c, { adapters: [health({ timeout: Duration.seconds(6), period: Duration.seconds(5) })] }), message: `${W}: 'health.timeout' must be shorter than the period (5s), got '6s'` },
  { class: 'duration', what: 'the health period is not whole seconds', build: (c) => am(c, { adapters: [health({ period: Duration.millis(2500) })] }), message: `${W}: 'health.period' must be a whole number of seconds from 1 to 2147483647, got '2500ms'` },
  { class: 'duration', what: 'the health timeout is fractional milliseconds', build: (c) => am(c, { adapters: [health({ timeout: Duration.millis(0.5) })] }), message: `${W}: 'health.timeout' must be a duration of whole milliseconds from 1ms to 2147483647ms, got '0.5ms'` },
  { class: 'duration', what: 'the scrape interval is not whole seconds', build: (c) => am(c, { serviceMonitor: true, scrapeInterval: Duration.millis(1500) }), message: `${W}: 'scrapeInterval' must be a whole number of seconds from 1 to 86400, got '1500ms'` },

  // ---- ports
  { class: 'port', what: 'an exporter listens on the app\'s port', build: (c) => am(c, { appContainerName: 'redis', adapters: [MonitoringAdapter.redisExporter({ listenPort: 6379 })] }), message: `${W}: 'redis-exporter.listenPort' must be a port no other container of the pod listens on (the containers share one network; container 'redis' has 6379), got 6379` },
  { class: 'port', what: 'two adapters listen on one port', build: (c) => am(c, { adapters: [MonitoringAdapter.redisExporter(), health({ listenPort: 9121 })] }), message: `${W}: 'health.listenPort' must be a port no other container of the pod listens on (the containers share one network; container 'redis-exporter' has 9121), got 9121` },
  { class: 'port', what: 'an exporter port takes the app port\'s name', build: (c) => am(c, { adapters: [MonitoringAdapter.redisExporter({ portName: 'redis' })] }), message: `${W}: 'redis-exporter.portName' must be unique in the pod (container 'app' has a port named 'redis'), got 'redis'` },
  { class: 'port', what: 'an exporter port name has a doubled dash', build: (c) => am(c, { adapters: [MonitoringAdapter.redisExporter({ portName: 'redis--metrics' })] }), message: `${W}: 'redis-exporter.portName' must be a port name (an IANA service name: at most 15 characters, lowercase letters, digits and single '-', with a letter), got 'redis--metrics'` },
  { class: 'port', what: 'the exporter finds no redis port', build: (c) => am(c, {}, { port: 7000, portName: 'kv' }), message: `${W}: 'redis-exporter.port' must be the app's redis port on localhost (the app container 'app' has no port named 'redis' and no port 6379), got undefined` },
  { class: 'port', what: 'the PostgreSQL exporter finds no port', build: (c) => am(c, { adapters: [MonitoringAdapter.postgresExporter({ username: pw(c, 'u'), password: pw(c) })] }), message: `${W}: 'postgres-exporter.port' must be the app's postgres port on localhost (the app container 'app' has no port named 'postgres' or 'postgresql' and no port 5432), got undefined` },
  { class: 'port', what: 'a tcp check on an app with no port', build: (c) => am(c, { adapters: [MonitoringAdapter.health({ check: HealthCheck.tcp() })] }, { port: undefined }), message: `${W}: 'health.check.port' must be the app's port on localhost (the app container 'app' has no port), got undefined` },
  { class: 'port', what: 'a health listen port out of range', build: (c) => am(c, { adapters: [health({ listenPort: 70000 })] }), message: `${W}: 'health.listenPort' must be an integer from 1 to 65535, got 70000` },
  { class: 'port', what: 'the app port is 0', build: (c) => am(c, {}, { port: 0 }), message: `${W}: 'app.port' must be an integer from 1 to 65535, got 0` },
  { class: 'port', what: 'an explicit check port is 0', build: (c) => am(c, { adapters: [MonitoringAdapter.health({ check: HealthCheck.tcp({ port: 0 }) })] }), message: `${W}: 'health.check.port' must be an integer from 1 to 65535, got 0` },

  // ---- secrets
  { class: 'secret', what: 'the redis password key has a slash', build: (c) => am(c, { adapters: [MonitoringAdapter.redisExporter({ password: pw(c, 'redis/password') })] }), message: `${W}: 'redis-exporter.password.key' must be a Secret key of at most 253 characters: letters, digits, '-', '_' and '.', got 'redis/password'` },
  { class: 'secret', what: 'the redis password Secret name is invalid', build: (c) => am(c, { adapters: [health({ check: HealthCheck.redisPing({ password: { secret: secret(c, 'Redis Auth'), key: 'password' } }) })] }), message: `${W}: 'health.check.password.secret' must be a Secret whose name is a DNS-1123 subdomain, got 'Redis Auth'` },
  { class: 'secret', what: 'the PostgreSQL exporter has no username', build: (c) => am(c, { adapters: [MonitoringAdapter.postgresExporter(untyped({ port: 5432, password: pw(c) }))] }), message: `${W}: 'postgres-exporter.username' must be a Secret key ({ secret: kplus.Secret.fromSecretName(...), key }: kplus.SecretValue), got undefined` },
  { class: 'secret', what: 'the SQL check has no password', build: (c) => am(c, { adapters: [health({ check: HealthCheck.postgresQuery(untyped({ port: 5432, username: pw(c, 'u') })) })] }), message: `${W}: 'health.check.password' must be a Secret key ({ secret: kplus.Secret.fromSecretName(...), key }: kplus.SecretValue), got undefined` },
  { class: 'secret', what: 'a Secret given where a Secret key is expected', build: (c) => am(c, { adapters: [health({ check: HealthCheck.redisPing({ password: untyped(secret(c)) }) })] }), message: `${W}: 'health.check.password' must be a Secret key ({ secret: kplus.Secret.fromSecretName(...), key }: kplus.SecretValue), got test/s-auth` },

  // ---- choices
  { class: 'choice', what: 'the sslMode is unknown', build: (c) => am(c, { adapters: [MonitoringAdapter.postgresExporter({ port: 5432, username: pw(c, 'u'), password: pw(c), sslMode: 'strict' })] }), message: `${W}: 'postgres-exporter.sslMode' must be one of 'disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', got 'strict'` },
  { class: 'choice', what: 'scrape annotations for two exporters', build: (c) => am(c, { scrapeAnnotations: true, adapters: [MonitoringAdapter.redisExporter(), MonitoringAdapter.memcachedExporter({ port: 6379, portName: 'mc-metrics' })] }), message: `${W}: 'scrapeAnnotations' must be false when the pod has 2 exporters (the annotations name one port; use 'serviceMonitor'), got true` },
  { class: 'choice', what: 'scrape annotations without an exporter', build: (c) => am(c, { scrapeAnnotations: true, adapters: [health()] }), message: `${W}: 'scrapeAnnotations' must be false when the pod has no exporter, got true` },
  { class: 'choice', what: 'a ServiceMonitor without an exporter', build: (c) => am(c, { serviceMonitor: true, adapters: [health()] }), message: `${W}: 'serviceMonitor' must be false when no adapter is a Prometheus exporter, got true` },
  { class: 'choice', what: 'a PrometheusRule without a ServiceMonitor', build: (c) => am(c, { prometheusRule: true }), message: `${W}: 'prometheusRule' must be false without 'serviceMonitor' (its rules select the targets by the job label the ServiceMonitor gives them), got true` },
  { class: 'choice', what: 'both app and workload', build: (c) => am(c, { workload: userDeployment(c) }), message: `${W}: 'app' must be given exactly when 'workload' is not (one app container or one existing workload), got 'both'` },
  { class: 'choice', what: 'neither app nor workload', build: (c) => am(c, { app: undefined }), message: `${W}: 'app' must be given exactly when 'workload' is not (one app container or one existing workload), got undefined` },
  { class: 'choice', what: 'an adapter that is a plain object', build: (c) => am(c, { adapters: [untyped({ name: 'x' })] }), message: `${W}: 'adapters[0]' must be a MonitoringAdapter (made by one of its static methods), got {"name":"x"}` },
  { class: 'choice', what: 'a health check that is a string', build: (c) => am(c, { adapters: [MonitoringAdapter.health(untyped({ check: 'redis' }))] }), message: `${W}: 'health.check' must be a HealthCheck (made by one of its static methods), got 'redis'` },
  { class: 'choice', what: 'a log format that is a string', build: (c) => am(c, { adapters: [logs({ format: 'json' })] }), message: `${W}: 'log-normalizer.format' must be a LogFormat (made by one of its static methods), got 'json'` },
  { class: 'choice', what: 'a workload that is not one', build: (c) => new AdapterMonitoring(c, 'cache', { workload: untyped({ containers: [] }), adapters: [health()] }), message: `${W}: 'workload' must be a kplus.Workload (Deployment, StatefulSet, DaemonSet, Job …), got {"containers":[]}` },

  // ---- paths and formats
  { class: 'path', what: 'the log dir is relative', build: (c) => am(c, { adapters: [logs({ logDir: 'logs' })] }), message: `${W}: 'log-normalizer.logDir' must be an absolute directory path (not '/') without spaces, commas or '..', got 'logs'` },
  { class: 'path', what: 'the log dir is one the app already mounts', build: (c) => am(c, { adapters: [logs({ logDir: '/tmp/' })] }), message: `${W}: 'log-normalizer.logDir' must be a directory the app container does not already mount, got '/tmp/'` },
  { class: 'path', what: 'a log glob climbs up', build: (c) => am(c, { adapters: [logs({ files: ['../x.log'] })] }), message: `${W}: 'log-normalizer.files' must be globs relative to logDir, without spaces, commas or '..', got '../x.log'` },
  { class: 'path', what: 'no log glob', build: (c) => am(c, { adapters: [logs({ files: [] })] }), message: `${W}: 'log-normalizer.files' must be at least one glob, got []` },
  { class: 'path', what: 'an HTTP check path is relative', build: (c) => am(c, { adapters: [MonitoringAdapter.health({ check: HealthCheck.httpGet({ path: 'status' }) })] }), message: `${W}: 'health.check.path' must be an absolute HTTP path without spaces, got 'status'` },
  { class: 'path', what: 'a regex log format without a named group', build: (c) => am(c, { adapters: [logs({ format: LogFormat.regex({ regex: '^.*$' }) })] }), message: `${W}: 'log-normalizer.format.regex' must be a regular expression with at least one named group (?<name>...), got '^.*$'` },
  { class: 'path', what: 'a regex log format that does not compile', build: (c) => am(c, { adapters: [logs({ format: LogFormat.regex({ regex: '(?<a>[)' }) })] }), message: /AdapterMonitoring 'test\/cache': 'log-normalizer\.format\.regex' must be a valid regular expression \(.*\), got '\(\?<a>\[\)'/ },
  { class: 'path', what: 'a regex time key that is not a group', build: (c) => am(c, { adapters: [logs({ format: LogFormat.regex({ regex: '(?<a>.)', timeKey: 't', timeFormat: '%s' }) })] }), message: `${W}: 'log-normalizer.format.timeKey' must be the name of a group of the regex, got 't'` },
  { class: 'path', what: 'a JSON message key with a space', build: (c) => am(c, { adapters: [logs({ format: LogFormat.json({ messageKey: 'the message' }) })] }), message: `${W}: 'log-normalizer.format.messageKey' must be a field name of letters, digits and '_', got 'the message'` },
  { class: 'path', what: 'an empty SQL query', build: (c) => am(c, { adapters: [health({ check: HealthCheck.postgresQuery({ port: 5432, username: pw(c, 'u'), password: pw(c), query: ' ' }) })] }), message: `${W}: 'health.check.query' must be a non-empty SQL query, got ' '` },

  // ---- labels
  { class: 'label', what: 'part-of is not a label value', build: (c) => am(c, { partOf: 'my shop' }), message: /'partOf' must be a label value .*, got 'my shop'/ },
  { class: 'label', what: 'a pod label overrides a library label', build: (c) => am(c, { pod: { labels: { 'app.kubernetes.io/name': 'x' } } }), message: /'pod\.labels' must be free of 'app\.kubernetes\.io\/\*' keys .*, got 'app\.kubernetes\.io\/name'/ },

  // ---- resources
  { class: 'resources', what: 'the exporter CPU request is above its limit', build: (c) => am(c, { adapters: [MonitoringAdapter.redisExporter({ resources: { cpu: { request: kplus.Cpu.millis(200), limit: kplus.Cpu.millis(100) } } })] }), message: `${W}: 'redis-exporter.resources.cpu.request' must be at most the CPU limit (100m), got '200m'` },
  { class: 'resources', what: 'the health adapter memory request is above its limit', build: (c) => am(c, { adapters: [health({ resources: { memory: { request: Size.mebibytes(128), limit: Size.mebibytes(64) } } })] }), message: `${W}: 'health.resources.memory.request' must be at most the memory limit (64Mi), got '128Mi'` },
  { class: 'resources', what: 'the log adapter memory limit is a plain string', build: (c) => am(c, { adapters: [logs({ resources: { memory: { limit: '128Mi' } } })] }), message: `${W}: 'log-normalizer.resources.memory.limit' must be a Size of whole bytes, more than 0 (e.g. Size.mebibytes(128)), got '128Mi'` },
  { class: 'resources', what: 'the app memory request is above its limit', build: (c) => am(c, {}, { resources: { memory: { request: Size.gibibytes(2), limit: Size.gibibytes(1) } } }), message: `${W}: 'app.resources.memory.request' must be at most the memory limit (1024Mi), got '2048Mi'` },

  // ---- the user's pod (Pod Security restricted)
  { class: 'policy', what: 'the app runs as root', build: (c) => am(c, {}, { uid: 0 }), message: `${W}: 'app.uid' must be an integer from 1 to 2147483647, got 0` },
  { class: 'policy', what: 'a user container is privileged', build: (c) => onWorkload(c, userDeployment(c, undefined, { securityContext: { user: 10001, privileged: true } })), message: restricted("container 'web' sets privileged: true: remove privileged from container 'web'") },
  { class: 'policy', what: 'a user container runs as uid 0', build: (c) => onWorkload(c, userDeployment(c, (o) => o.addJsonPatch(JsonPatch.replace(`${spec}/containers/0/securityContext/runAsUser`, 0)))), message: restricted("container 'web' runs as uid 0: give container 'web' a non-root uid (a user the image has, e.g. 1000)") },
  { class: 'policy', what: 'the user pod runs as uid 0', build: (c) => onWorkload(c, userDeployment(c, (o) => o.addJsonPatch(JsonPatch.add(`${spec}/securityContext/runAsUser`, 0)))), message: restricted('the pod runs as uid 0: give the pod a non-root uid (a user the image has, e.g. 1000)') },
  { class: 'policy', what: 'a user container allows privilege escalation', build: (c) => onWorkload(c, userDeployment(c, undefined, { securityContext: { user: 10001, allowPrivilegeEscalation: true } })), message: restricted("container 'web' sets allowPrivilegeEscalation: true: set allowPrivilegeEscalation: false on container 'web'") },
  { class: 'policy', what: 'a user container sets runAsNonRoot: false', build: (c) => onWorkload(c, userDeployment(c, undefined, { securityContext: { user: 10001, ensureNonRoot: false } })), message: restricted("container 'web' sets runAsNonRoot: false: set ensureNonRoot: true and a non-root user on container 'web'") },
  { class: 'policy', what: 'a user container adds SYS_ADMIN', build: (c) => onWorkload(c, userDeployment(c, (o) => o.addJsonPatch(JsonPatch.add(`${spec}/containers/0/securityContext/capabilities`, { add: ['SYS_ADMIN'] })))), message: restricted("container 'web' adds the capability SYS_ADMIN: remove it from container 'web' (restricted allows only NET_BIND_SERVICE)") },
  { class: 'policy', what: 'the user pod uses the host network', build: (c) => onWorkload(c, userDeployment(c, (o) => o.addJsonPatch(JsonPatch.add(`${spec}/hostNetwork`, true)))), message: restricted('the pod sets hostNetwork: true: remove hostNetwork (a pod in a host namespace is never restricted)') },
  { class: 'policy', what: 'the user pod mounts a hostPath', build: (c) => onWorkload(c, userDeployment(c, (o) => o.addJsonPatch(JsonPatch.add(`${spec}/volumes`, [{ name: 'host', hostPath: { path: '/var/run' } }])))), message: restricted("volume 'host' is of type hostPath: use one of configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret (a hostPath volume is never restricted)") },
  { class: 'policy', what: 'a user container uses a hostPort', build: (c) => onWorkload(c, userDeployment(c, (o) => o.addJsonPatch(JsonPatch.add(`${spec}/containers/0/ports/0/hostPort`, 8080)))), message: restricted("container 'web' sets hostPort 8080: remove the hostPort (expose the port with a Service)") },
  { class: 'policy', what: 'the user pod is Unconfined', build: (c) => onWorkload(c, userDeployment(c, (o) => o.addJsonPatch(JsonPatch.add(`${spec}/securityContext/seccompProfile`, { type: 'Unconfined' })))), message: restricted('the pod sets the seccomp profile Unconfined: use RuntimeDefault or Localhost') },
  { class: 'policy', what: 'the user pod sets an unsafe sysctl', build: (c) => onWorkload(c, userDeployment(c, (o) => o.addJsonPatch(JsonPatch.add(`${spec}/securityContext/sysctls`, [{ name: 'net.core.somaxconn', value: '1024' }])))), message: restricted("the pod sets the sysctl 'net.core.somaxconn': remove it (only kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.ip_unprivileged_port_start, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, net.ipv4.ip_local_reserved_ports are allowed)") },
  {
    class: 'policy',
    what: 'a container added to the user pod after the adapters',
    build: (c) => {
      const d = userDeployment(c);
      onWorkload(c, d);
      d.addContainer({ name: 'late', image: 'example/late:1.0.0', securityContext: { user: 10001 } });
    },
    message: restricted("container 'late' (added after new AdapterMonitoring({ workload })) does not drop ALL capabilities: add your containers before calling new AdapterMonitoring({ workload }), or add it with RestrictedSecurity.addContainer"),
  },
  { class: 'policy', what: 'pod options with a workload of its own', build: (c) => onWorkload(c, userDeployment(c), { pod: { priorityClassName: 'high' } }), message: `${W}: 'pod' must be unset when 'workload' is given (the pod is yours: set its options on the workload), got 'PodOptions'` },
  { class: 'policy', what: 'a ServiceAccount name is invalid', build: (c) => am(c, { pod: { serviceAccount: kplus.ServiceAccount.fromServiceAccountName(c, 'sa', 'My SA') } }), message: `${W}: 'pod.serviceAccount' must be a ServiceAccount (kplus.ServiceAccount.fromServiceAccountName(...)) whose name is a DNS-1123 subdomain, got 'My SA'` },

  // ---- untyped (a JavaScript or Python caller)
  { class: 'untyped', what: 'props is null', build: (c) => new AdapterMonitoring(c, 'cache', untyped(null)), message: `${W}: 'props' must be an AdapterMonitoringProps object ({ app or workload, adapters, … }), got null` },
  { class: 'untyped', what: 'the app is a kplus.ContainerProps with securityContext', build: (c) => new AdapterMonitoring(c, 'cache', untyped({ app: 'redis:7.2.5-alpine', adapters: [health()] })), message: `${W}: 'app' must be your container ({ image, port, … }: AppContainerProps), got 'redis:7.2.5-alpine'` },
  { class: 'untyped', what: 'the app port is a string', build: (c) => am(c, {}, { port: untyped('6379') }), message: `${W}: 'app.port' must be an integer from 1 to 65535, got '6379'` },
  { class: 'untyped', what: 'the adapters are one string', build: (c) => am(c, { adapters: untyped('redis-exporter') }), message: `${W}: 'adapters' must be at least one adapter, got 'redis-exporter'` },
  { class: 'untyped', what: 'replicas is a string', build: (c) => am(c, { replicas: untyped('2') }), message: `${W}: 'replicas' must be an integer from 1 to 1000, got '2'` },
  { class: 'untyped', what: 'the failure threshold is a string', build: (c) => am(c, { adapters: [health({ failureThreshold: '3' })] }), message: `${W}: 'health.failureThreshold' must be an integer from 1 to 100, got '3'` },
  { class: 'untyped', what: 'the scrape interval is \'30s\'', build: (c) => am(c, { serviceMonitor: true, scrapeInterval: untyped('30s') }), message: /AdapterMonitoring 'test\/cache': 'scrapeInterval' must be a Duration .*, got '30s'/ },
  { class: 'untyped', what: 'the health period is \'10s\'', build: (c) => am(c, { adapters: [health({ period: '10s' })] }), message: /'health\.period' must be a Duration .*, got '10s'/ },
  { class: 'untyped', what: 'the log volume size limit is \'1Gb\'', build: (c) => am(c, { adapters: [logs({ sizeLimit: '1Gb' })] }), message: `${W}: 'log-normalizer.sizeLimit' must be a Size (e.g. Size.mebibytes(64)), got '1Gb'` },
  { class: 'untyped', what: 'serviceMonitor is \'yes\'', build: (c) => am(c, { serviceMonitor: untyped('yes') }), message: `${W}: 'serviceMonitor' must be true or false, got 'yes'` },
  { class: 'untyped', what: 'hardenPod is \'no\'', build: (c) => onWorkload(c, userDeployment(c), { hardenPod: untyped('no') }), message: `${W}: 'hardenPod' must be true or false, got 'no'` },
  { class: 'untyped', what: 'the redis password is a plain string', build: (c) => am(c, { adapters: [MonitoringAdapter.redisExporter({ password: untyped('hunter2') })] }), message: `${W}: 'redis-exporter.password' must be a Secret key ({ secret: kplus.Secret.fromSecretName(...), key }: kplus.SecretValue), got '<a string, not shown>'` },
  { class: 'untyped', what: 'the health options are null', build: (c) => am(c, { adapters: [MonitoringAdapter.health(untyped(null))] }), message: `${W}: 'health.check' must be a HealthCheck (made by one of its static methods), got undefined` },
  { class: 'untyped', what: 'an app env value is a plain string', build: (c) => am(c, {}, { env: untyped({ MODE: 'x' }) }), message: `${W}: 'app.env.MODE' must be a kplus.EnvValue (EnvValue.fromValue(...), EnvValue.fromSecretValue(...), …), got 'x'` },
  { class: 'untyped', what: 'the app liveness probe is a string', build: (c) => am(c, {}, { liveness: untyped('redis-cli ping') }), message: `${W}: 'app.liveness' must be a kplus.Probe (Probe.fromHttpGet(...), fromTcpSocket(...), fromCommand(...)), got 'redis-cli ping'` },
  { class: 'untyped', what: 'the listen port is a string', build: (c) => am(c, { adapters: [MonitoringAdapter.redisExporter({ listenPort: untyped('9121') })] }), message: `${W}: 'redis-exporter.listenPort' must be an integer from 1 to 65535, got '9121'` },

  // ---- network policy (the options only widen the pod's traffic; a Service nobody may use is refused)
  { class: 'policy', what: 'networkPolicy is a string', build: (c) => am(c, { networkPolicy: untyped('on') }), message: `${W}: 'networkPolicy' must be a NetworkPolicyOptions object, got 'on'` },
  { class: 'policy', what: 'a monitoring peer that selects nothing', build: (c) => am(c, { networkPolicy: { monitoring: NetworkPeer.pods({}, { 'kubernetes.io/metadata.name': 'monitoring' }) } }), message: `${W}: 'networkPolicy.monitoring' must be a peer that selects something: pod labels must not be empty` },
  { class: 'policy', what: 'monitoring with no port to scrape (only the log adapter)', build: (c) => am(c, { adapters: [logs()], networkPolicy: { monitoring: NetworkPeer.namespace('monitoring') } }), message: `${W}: 'networkPolicy.monitoring' must be unset when no adapter serves a port (no exporter, no health adapter: there is nothing to scrape), got 'a NetworkPeer'` },
  { class: 'policy', what: 'no client may reach the app\'s Service (cuts its front door)', build: (c) => am(c, { networkPolicy: { clients: [] } }), message: `${W}: 'networkPolicy.clients' must be at least one peer: the Service exposes the app's ports (6379), and no client could reach them (set 'networkPolicy.enabled' to false to emit no policy), got []` },
  { class: 'policy', what: 'networkPolicy with a workload of yours (its policy is yours)', build: (c) => onWorkload(c, userDeployment(c), { networkPolicy: { monitoring: NetworkPeer.namespace('monitoring') } }), message: `${W}: 'networkPolicy' must be unset when 'workload' is given (the pod is yours, and so is its NetworkPolicy: allow your Prometheus to the metrics ports there), got 'NetworkPolicyOptions'` },
];

badInputs('AdapterMonitoring', cases);

// The prometheus-operator wrappers, on their own.
const SM = "ServiceMonitor 'test/sm'";
const PR = "PrometheusRule 'test/rules'";
const rule = { alert: 'Down', expr: 'up == 0' };
badInputs('ServiceMonitor and PrometheusRule', [
  { class: 'port', what: 'an endpoint port name has a doubled dash', build: (c) => new ServiceMonitor(c, 'sm', { selector: { a: 'b' }, endpoints: [{ port: 'web--metrics' }] }), message: `${SM}: 'endpoints[0].port' must be the name of a Service port (an IANA service name: at most 15 characters, lowercase letters, digits and single '-', with a letter), got 'web--metrics'` },
  { class: 'port', what: 'an endpoint port name is a number', build: (c) => new ServiceMonitor(c, 'sm', { selector: { a: 'b' }, endpoints: [{ port: untyped(9121) }] }), message: `${SM}: 'endpoints[0].port' must be the name of a Service port (an IANA service name: at most 15 characters, lowercase letters, digits and single '-', with a letter), got 9121` },
  { class: 'duration', what: 'an endpoint interval is fractional milliseconds', build: (c) => new ServiceMonitor(c, 'sm', { selector: { a: 'b' }, endpoints: [{ port: 'metrics', interval: Duration.millis(0.5) }] }), message: `${SM}: 'endpoints[0].interval' must be a duration of whole milliseconds from 1ms to 8760h, got '0.5ms'` },
  { class: 'untyped', what: 'an endpoint interval is \'30s\'', build: (c) => new ServiceMonitor(c, 'sm', { selector: { a: 'b' }, endpoints: [{ port: 'metrics', interval: untyped('30s') }] }), message: /ServiceMonitor 'test\/sm': 'endpoints\[0\]\.interval' must be a Duration .*, got '30s'/ },
  { class: 'timing', what: 'the scrape timeout is longer than the interval', build: (c) => new ServiceMonitor(c, 'sm', { selector: { a: 'b' }, endpoints: [{ port: 'metrics', interval: Duration.seconds(10), scrapeTimeout: Duration.seconds(20) }] }), message: `${SM}: 'endpoints[0].scrapeTimeout' must be at most the interval (10s), got '20s'` },
  { class: 'label', what: 'a selector value is not a label value', build: (c) => new ServiceMonitor(c, 'sm', { selector: { app: 'my app' } }), message: `${SM}: 'selector.app' must be a label value, got 'my app'` },
  { class: 'label', what: 'the selector is empty', build: (c) => new ServiceMonitor(c, 'sm', { selector: {} }), message: `${SM}: 'selector' must be at least one label, got {}` },
  {
    class: 'mutation',
    what: 'addEndpoint() after app.synth()',
    build: (c) => {
      const sm = new ServiceMonitor(c, 'sm', { selector: { a: 'b' }, endpoints: [{ port: 'metrics' }] });
      (c.node.root as App).synthYaml();
      sm.addEndpoint({ port: 'late' });
    },
    message: `${SM}: addEndpoint() was called after the app was synthesized`,
  },
  { class: 'duration', what: 'a rule\'s for is fractional milliseconds', build: (c) => new PrometheusRule(c, 'rules', { groups: [{ name: 'g', rules: [{ ...rule, for: Duration.millis(1.5) }] }] }), message: `${PR}: 'groups[0].rules[0].for' must be a duration of whole milliseconds from 1ms to 8760h, got '1.5ms'` },
  { class: 'untyped', what: 'a group interval is \'1m\'', build: (c) => new PrometheusRule(c, 'rules', { groups: [{ name: 'g', interval: untyped('1m'), rules: [rule] }] }), message: /PrometheusRule 'test\/rules': 'groups\[0\]\.interval' must be a Duration .*, got '1m'/ },
  { class: 'name', what: 'an alert name has a dash', build: (c) => new PrometheusRule(c, 'rules', { groups: [{ name: 'g', rules: [{ ...rule, alert: 'Redis-Down' }] }] }), message: `${PR}: 'groups[0].rules[0].alert' must be an alert name (letters, digits, '_' and ':', not starting with a digit), got 'Redis-Down'` },
  { class: 'untyped', what: 'a rule label value is a number', build: (c) => new PrometheusRule(c, 'rules', { groups: [{ name: 'g', rules: [{ ...rule, labels: untyped({ priority: 1 }) }] }] }), message: `${PR}: 'groups[0].rules[0].labels.priority' must be a string, got 1` },
  {
    class: 'mutation',
    what: 'addGroup() after app.synth()',
    build: (c) => {
      const pr = new PrometheusRule(c, 'rules', { groups: [{ name: 'g', rules: [rule] }] });
      (c.node.root as App).synthYaml();
      pr.addGroup({ name: 'late', rules: [rule] });
    },
    message: `${PR}: addGroup() was called after the app was synthesized`,
  },
]);
