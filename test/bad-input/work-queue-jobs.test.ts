// WorkQueueJobs: every kind of prop, wrong — typed, and untyped as a JavaScript or Python caller would pass it. Each
// case must fail at synthesis with the construct path, the prop and the value; none may be accepted.
import { App, Chart, Cron, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AppContainerProps, KedaRolloutStrategy, KedaScalingStrategy, NetworkPeer, PodFailureRule, QueueEngine, QueuePersistence, RedisAuth, WorkerMode,
  WorkItems, WorkQueueJobs, WorkQueueJobsProps,
} from '../../src';
import { BadInput, badInputs } from '../harness/bad-input';

const WORKER: AppContainerProps = { image: 'node:22.11.0-bookworm', command: ['node', '/etc/work-queue/scripts/worker.js', 'true'] };
const ITEMS = WorkItems.fromList(['a', 'b', 'c']);
const AT = "WorkQueueJobs 'test/q'";

/** A WorkQueueJobs `q` in `chart` with the worker above and `props` on top (anything, as an untyped caller). */
function q(props: { [key: string]: any }): (chart: Chart) => void {
  return (chart) => {
    new WorkQueueJobs(chart, 'q', { worker: WORKER, ...props } as WorkQueueJobsProps);
  };
}
/** The KEDA mode, which keeps a reaper CronJob (the parallel mode's workers reap in their takes). */
const keda = (props: { [key: string]: any } = {}) => q({ queueAddress: 'redis.q.svc:6379', mode: WorkerMode.scaledJob(), ...props });
const indexed = (props: { [key: string]: any } = {}) => q({ items: ITEMS, mode: WorkerMode.indexed(), ...props });
const secret = (chart: Chart, name: string) => kplus.Secret.fromSecretName(chart, `s-${chart.node.children.length}`, name);
const res = (cpu: [number, number], mib: [number, number]): kplus.ContainerResources => ({
  cpu: { request: kplus.Cpu.millis(cpu[0]), limit: kplus.Cpu.millis(cpu[1]) },
  memory: { request: Size.mebibytes(mib[0]), limit: Size.mebibytes(mib[1]) },
});
const CRON_SYNTAX = "'reaperSchedule' must be a cron schedule of 5 fields";

const cases: BadInput[] = [
  // counts
  { class: 'count', what: 'parallelism is 0', build: q({ mode: WorkerMode.parallel({ parallelism: 0 }) }), message: `${AT}: 'mode.parallelism' must be an integer from 1 to 100000, got 0` },
  { class: 'count', what: 'Indexed parallelism is -2', build: indexed({ mode: WorkerMode.indexed({ parallelism: -2 }) }), message: `${AT}: 'mode.parallelism' must be an integer from 1 to 100000, got -2` },
  { class: 'count', what: 'parallelism is 100001', build: q({ mode: WorkerMode.parallel({ parallelism: 100001 }) }), message: "'mode.parallelism' must be an integer from 1 to 100000, got 100001" },
  { class: 'count', what: 'backoffLimit is -1', build: q({ backoffLimit: -1 }), message: `${AT}: 'backoffLimit' must be an integer from 0 to 1000000, got -1` },
  { class: 'count', what: 'backoffLimit is 1.5', build: q({ backoffLimit: 1.5 }), message: "'backoffLimit' must be an integer from 0 to 1000000, got 1.5" },
  { class: 'count', what: 'KEDA maxReplicas is 0', build: q({ queueAddress: 'redis.q.svc:6379', mode: WorkerMode.scaledJob({ maxReplicas: 0 }) }), message: "'mode.maxReplicas' must be an integer from 1 to 100000, got 0" },
  { class: 'count', what: 'KEDA itemsPerJob is 0', build: q({ queueAddress: 'redis.q.svc:6379', mode: WorkerMode.scaledJob({ itemsPerJob: 0 }) }), message: "'mode.itemsPerJob' must be an integer from 1 to 1000000, got 0" },
  { class: 'count', what: 'an Indexed Job without items', build: q({ mode: WorkerMode.indexed() }), message: `${AT}: 'items' must be at least one item for WorkerMode.indexed() (one completion per item), got undefined` },
  { class: 'count', what: 'an Indexed Job with an empty item list', build: q({ mode: WorkerMode.indexed(), items: WorkItems.fromList([]) }), message: "'items' must be at least one item for WorkerMode.indexed() (one completion per item), got []" },
  { class: 'count', what: 'maxAttempts is 0', build: q({ maxAttempts: 0 }), message: `${AT}: 'maxAttempts' must be an integer from 1 to 1000, got 0` },
  { class: 'count', what: 'maxAttempts is -1', build: q({ maxAttempts: -1 }), message: `${AT}: 'maxAttempts' must be an integer from 1 to 1000, got -1` },
  { class: 'count', what: 'maxAttempts is 2.5', build: q({ maxAttempts: 2.5 }), message: "'maxAttempts' must be an integer from 1 to 1000, got 2.5" },
  { class: 'count', what: 'maxAttempts is 1001', build: q({ maxAttempts: 1001 }), message: "'maxAttempts' must be an integer from 1 to 1000, got 1001" },
  { class: 'count', what: 'takeBatch is 0', build: q({ takeBatch: 0 }), message: `${AT}: 'takeBatch' must be an integer from 1 to 1000, got 0` },
  { class: 'count', what: 'takeBatch is 1001', build: q({ takeBatch: 1001 }), message: "'takeBatch' must be an integer from 1 to 1000, got 1001" },
  { class: 'count', what: '21 pod failure rules', build: q({ podFailurePolicy: Array.from({ length: 21 }, () => PodFailureRule.ignoreDisruptions()) }), message: "'podFailurePolicy' must be at most 20 rules, got '21 rules'" },
  { class: 'count', what: 'the worker runs as root (uid 0)', build: q({ worker: { ...WORKER, uid: 0 } }), message: "'worker.uid' must be an integer from 1 to 2147483647, got 0" },
  { class: 'count', what: 'the worker gid is -1', build: q({ worker: { ...WORKER, gid: -1 } }), message: "'worker.gid' must be an integer from 0 to 2147483647, got -1" },
  { class: 'count', what: 'a stage runs as root', build: indexed({ stages: [{ image: 'curlimages/curl:8.11.0', uid: 0 }] }), message: "'stages[0].uid' must be an integer from 1 to 2147483647, got 0" },

  // names
  { class: 'name', what: 'name is not a DNS label', build: q({ name: 'Bad_Name' }), message: "'name' must be" },
  { class: 'name', what: 'queueName has a space', build: q({ queueName: 'my queue' }), message: `${AT}: 'queueName' must be a key prefix of 1 to 100 characters: letters, digits, '.', '_', ':', '{', '}' and '-', starting with a letter or digit, got 'my queue'` },
  { class: 'name', what: 'queueName is empty', build: q({ queueName: '' }), message: "'queueName' must be a key prefix of 1 to 100 characters" },
  { class: 'name', what: 'queueStorageClass is not a DNS subdomain', build: q({ queueStorageClass: 'Fast_SSD' }), message: `${AT}: 'queueStorageClass' must be a StorageClass name (a DNS-1123 subdomain), got 'Fast_SSD'` },
  { class: 'name', what: 'a stage name in capitals', build: indexed({ stages: [{ name: 'Fetch', image: 'curlimages/curl:8.11.0' }] }), message: "'stages[0].name' must be a container name (a DNS-1123 label: at most 63 lowercase letters, digits and '-'), got 'Fetch'" },
  { class: 'name', what: 'a stage named like the item writer', build: indexed({ stages: [{ name: 'item', image: 'curlimages/curl:8.11.0' }] }), message: `${AT}: 'stages[0].name' must be a container name not used by another container of the pod, got 'item'` },
  { class: 'name', what: 'two stages of one name', build: indexed({ stages: [{ name: 'x', image: 'curlimages/curl:8.11.0' }, { name: 'x', image: 'curlimages/curl:8.11.0' }] }), message: "'stages[1].name' must be a container name not used by another container of the pod, got 'x'" },
  { class: 'name', what: 'a pod failure rule names no container of the pod', build: q({ podFailurePolicy: [PodFailureRule.ignoreExitCodes([1], 'nope')] }), message: `${AT}: 'podFailurePolicy[0].containerName' must be one of the pod's containers ('worker'), got 'nope'` },
  { class: 'name', what: 'queueAddress has no port', build: q({ queueAddress: 'redis' }), message: `${AT}: 'queueAddress' must be 'host:port' (a DNS name or IPv4 address and a port from 1 to 65535), got 'redis'` },
  { class: 'name', what: 'queueAddress port above 65535', build: q({ queueAddress: 'redis:70000' }), message: "'queueAddress' must be 'host:port' (a DNS name or IPv4 address and a port from 1 to 65535), got 'redis:70000'" },
  { class: 'name', what: 'queueAddress is an impossible IPv4 address', build: q({ queueAddress: '300.1.1.1:6379' }), message: "'queueAddress' must be 'host:port' (a DNS name or IPv4 address and a port from 1 to 65535), got '300.1.1.1:6379'" },
  { class: 'name', what: 'queueAddress host with an underscore', build: q({ queueAddress: 'my_redis:6379' }), message: "'queueAddress' must be 'host:port'" },

  // images
  { class: 'image', what: 'the worker image is latest', build: q({ worker: { image: 'node:latest' } }), message: `${AT}: 'worker.image' must be an image pinned to a tag or digest other than 'latest' (e.g. 'redis:7.2.5-alpine'), got 'node:latest'` },
  { class: 'image', what: 'the worker image is not pinned', build: q({ worker: { image: 'node' } }), message: "'worker.image' must be an image pinned to a tag or digest other than 'latest'" },
  { class: 'image', what: 'the worker image repository is in capitals', build: q({ worker: { image: 'Node:22' } }), message: "'worker.image' must be a valid image reference" },
  { class: 'image', what: 'a stage image with a short digest', build: indexed({ stages: [{ image: 'curlimages/curl@sha256:abc' }] }), message: "'stages[0].image' must be" },
  { class: 'image', what: 'the valkey override is unpinned', build: q({ queueEngine: QueueEngine.VALKEY, images: { valkey: 'valkey/valkey' } }), message: "'images.valkey' must be" },
  { class: 'image', what: 'the redis override is latest', build: q({ images: { redis: 'redis:latest' } }), message: "'images.redis' must be" },

  // env
  { class: 'env', what: 'the worker sets a contract variable', build: q({ worker: { ...WORKER, env: { QUEUE_HOST: kplus.EnvValue.fromValue('x') } } }), message: `${AT}: 'worker.env' must be free of 'WORK_DIR', 'QUEUE_HOST', 'QUEUE_PORT', 'QUEUE_NAME', 'QUEUE_MAX_ATTEMPTS', 'QUEUE_RETRY_BACKOFF_MS', 'QUEUE_RETRY_BACKOFF_MAX_MS', 'QUEUE_LEASE_SECONDS', 'QUEUE_TAKE_BATCH', 'QUEUE_MAX_ITEMS', 'QUEUE_EXIT_WHEN', 'QUEUE_SCRIPTS_DIR', 'WORKER_ID', 'QUEUE_PASSWORD' (the construct sets them), got 'QUEUE_HOST'` },
  { class: 'env', what: 'the worker sets the password variable when there is a password', build: (c) => q({ queueAuth: RedisAuth.fromSecret(secret(c, 'pw')), worker: { ...WORKER, env: { QUEUE_PASSWORD: kplus.EnvValue.fromValue('x') } } })(c), message: "'worker.env' must be free of" },
  { class: 'env', what: 'a stage sets WORK_ITEM_FILE', build: indexed({ stages: [{ image: 'curlimages/curl:8.11.0', env: { WORK_ITEM_FILE: kplus.EnvValue.fromValue('/x') } }] }), message: "'stages[0].env' must be free of 'WORK_DIR', 'WORK_ITEM_FILE', 'WORK_ITEMS_FILE' (the construct sets them), got 'WORK_ITEM_FILE'" },
  { class: 'env', what: 'an env name starts with a digit', build: q({ worker: { ...WORKER, env: { '1BAD': kplus.EnvValue.fromValue('x') } } }), message: "'worker.env' must be variable names of letters, digits, '_', '-' and '.', not starting with a digit, got '1BAD'" },
  { class: 'env', what: 'an env name has a space', build: q({ worker: { ...WORKER, env: { 'MY VAR': kplus.EnvValue.fromValue('x') } } }), message: "'worker.env' must be variable names of letters, digits, '_', '-' and '.', not starting with a digit, got 'MY VAR'" },

  // sizes
  { class: 'size', what: 'queueStorage is not whole GiB', build: q({ queueStorage: Size.mebibytes(1536) }), message: `${AT}: 'queueStorage' must be a whole number of GiB (the claim is written in Gi), got '1536Mi'` },
  { class: 'size', what: 'queueStorage is below 1 GiB', build: q({ queueStorage: Size.mebibytes(512) }), message: "'queueStorage' must be a whole number of MiB from 1024 to 1073741824, got '512Mi'" },
  { class: 'size', what: 'the queue memory limit is below 32 MiB', build: q({ queueResources: res([100, 200], [16, 16]) }), message: `${AT}: 'queueResources.memory.limit' must be a memory limit of at least 32Mi (the server's maxmemory is 80 % of it, so a full queue refuses writes instead of being OOM-killed), got '16Mi'` },
  { class: 'size', what: 'the queue has no memory limit', build: q({ queueResources: { cpu: { request: kplus.Cpu.millis(100) } } }), message: "'queueResources.memory.limit' must be a memory limit of at least 32Mi (the server's maxmemory is 80 % of it, so a full queue refuses writes instead of being OOM-killed), got undefined" },

  // resources
  { class: 'resources', what: 'seeder memory request above its limit', build: q({ items: ITEMS, seederResources: res([10, 20], [128, 64]) }), message: `${AT}: 'seederResources.memory.request' must be at most the memory limit (64Mi), got '128Mi'` },
  { class: 'resources', what: 'reaper CPU request above its limit', build: q({ reaperResources: res([500, 200], [16, 64]) }), message: "'reaperResources.cpu.request' must be at most the CPU limit (200m), got '500m'" },
  { class: 'resources', what: 'init containers memory request above its limit', build: q({ workerInitResources: res([10, 20], [65, 64]) }), message: "'workerInitResources.memory.request' must be at most the memory limit (64Mi), got '65Mi'" },
  { class: 'resources', what: 'the queue CPU request above its limit', build: q({ queueResources: res([2000, 1000], [256, 256]) }), message: "'queueResources.cpu.request' must be at most the CPU limit (1000m), got '2000m'" },
  { class: 'resources', what: 'the worker memory request above its limit', build: q({ worker: { ...WORKER, resources: res([100, 200], [1024, 512]) } }), message: "'worker.resources.memory.request' must be at most the memory limit (512Mi), got '1024Mi'" },
  { class: 'resources', what: 'a stage memory request above its limit', build: indexed({ stages: [{ image: 'curlimages/curl:8.11.0', resources: res([100, 200], [1024, 512]) }] }), message: "'stages[0].resources.memory.request' must be at most the memory limit (512Mi), got '1024Mi'" },

  // durations
  { class: 'duration', what: 'lease is 0', build: q({ lease: Duration.seconds(0) }), message: `${AT}: 'lease' must be a whole number of seconds from 1 to 86400, got '0ms'` },
  { class: 'duration', what: 'lease is 1.5 s', build: q({ lease: Duration.millis(1500) }), message: "'lease' must be a whole number of seconds from 1 to 86400, got '1500ms'" },
  { class: 'duration', what: 'lease is two days', build: q({ lease: Duration.days(2) }), message: "'lease' must be a whole number of seconds from 1 to 86400, got '172800000ms'" },
  { class: 'duration', what: 'activeDeadline is 0', build: q({ activeDeadline: Duration.seconds(0) }), message: "'activeDeadline' must be a whole number of seconds from 1 to 2147483647, got '0ms'" },
  { class: 'duration', what: 'retryBackoff is 0', build: q({ retryBackoff: Duration.millis(0) }), message: `${AT}: 'retryBackoff' must be a duration of whole milliseconds from 1ms to 24h, got '0ms'` },
  { class: 'duration', what: 'retryBackoff is 1.5 ms', build: q({ retryBackoff: Duration.millis(1.5) }), message: "'retryBackoff' must be a duration of whole milliseconds from 1ms to 24h, got '1.5ms'" },
  { class: 'duration', what: 'retryBackoff is negative (untyped: Duration refuses it)', build: q({ retryBackoff: -1000 }), message: `${AT}: 'retryBackoff' must be a Duration` },
  { class: 'duration', what: 'maxRetryBackoff is 0', build: q({ maxRetryBackoff: Duration.millis(0) }), message: "'maxRetryBackoff' must be a duration of whole milliseconds from 1ms to 24h, got '0ms'" },
  { class: 'duration', what: 'maxRetryBackoff is two days', build: q({ maxRetryBackoff: Duration.days(2) }), message: "'maxRetryBackoff' must be a duration of whole milliseconds from 1ms to 24h, got '172800000ms'" },
  { class: 'duration', what: 'ttlAfterFinished is 500 ms', build: q({ ttlAfterFinished: Duration.millis(500) }), message: "'ttlAfterFinished' must be a whole number of seconds from 0 to 2147483647, got '500ms'" },
  { class: 'duration', what: 'KEDA pollingInterval is 0', build: q({ queueAddress: 'redis.q.svc:6379', mode: WorkerMode.scaledJob({ pollingInterval: Duration.seconds(0) }) }), message: "'mode.pollingInterval' must be a whole number of seconds from 1 to 86400, got '0ms'" },

  // timings
  { class: 'timing', what: 'maxRetryBackoff shorter than retryBackoff', build: q({ retryBackoff: Duration.seconds(30), maxRetryBackoff: Duration.seconds(10) }), message: `${AT}: 'maxRetryBackoff' must be at least 'retryBackoff' (30000ms), got '10000ms'` },
  { class: 'timing', what: 'the reaper runs less often than the lease', build: keda({ lease: Duration.seconds(30) }), message: `${AT}: 'reaperSchedule' must be a schedule that fires at least once per lease (30s); it leaves up to 60s between runs, got '* * * * *'` },
  { class: 'timing', what: 'an hourly reaper on a 30-minute lease', build: keda({ lease: Duration.minutes(30), reaperSchedule: Cron.hourly() }), message: "'reaperSchedule' must be a schedule that fires at least once per lease (1800s); it leaves up to 3600s between runs, got '0 * * * *'" },
  { class: 'timing', what: 'a reaper schedule that never fires', build: keda({ reaperSchedule: Cron.schedule({ minute: '0', hour: '0', day: '31', month: '2', weekDay: '*' }) }), message: "'reaperSchedule' must be a cron schedule that fires, got '0 0 31 2 *'" },
  { class: 'timing', what: 'a cron minute of 61', build: keda({ reaperSchedule: Cron.schedule({ minute: '61' }) }), message: CRON_SYNTAX },
  { class: 'timing', what: 'a cron step of 0', build: keda({ reaperSchedule: Cron.schedule({ minute: '*/0' }) }), message: CRON_SYNTAX },
  { class: 'timing', what: 'an @every schedule (not in CronJobs)', build: keda({ reaperSchedule: Cron.schedule({ minute: '@every 1m', hour: '', day: '', month: '', weekDay: '' }) }), message: CRON_SYNTAX },
  { class: 'timing', what: 'a reversed cron range', build: keda({ reaperSchedule: Cron.schedule({ minute: '5-1' }) }), message: CRON_SYNTAX },

  // secrets
  { class: 'secret', what: 'the auth Secret name is not a DNS subdomain', build: (c) => q({ queueAuth: RedisAuth.fromSecret(secret(c, 'Queue_Password')) })(c), message: `${AT}: 'queueAuth.secret' must be a Secret whose name is a DNS-1123 subdomain, got 'Queue_Password'` },
  { class: 'secret', what: 'the auth key has a space', build: (c) => q({ queueAuth: RedisAuth.fromSecret(secret(c, 'pw'), 'pass word') })(c), message: `${AT}: 'queueAuth.key' must be a Secret key of at most 253 characters: letters, digits, '-', '_' and '.', got 'pass word'` },
  { class: 'secret', what: 'the auth key is empty', build: (c) => q({ queueAuth: RedisAuth.fromSecret(secret(c, 'pw'), '') })(c), message: `${AT}: 'queueAuth.key' must be a Secret key of at most 253 characters: letters, digits, '-', '_' and '.', got ''` },
  { class: 'secret', what: 'the auth key is not a string', build: (c) => q({ queueAuth: RedisAuth.fromSecret(secret(c, 'pw'), 6379 as any) })(c), message: `${AT}: 'queueAuth.key' must be a Secret key of at most 253 characters: letters, digits, '-', '_' and '.', got 6379` },
  { class: 'secret', what: 'the auth given as a Secret key (the old password shape), not a RedisAuth', build: (c) => q({ queueAuth: { secret: secret(c, 'pw'), key: 'password' } })(c), message: `${AT}: 'queueAuth' must be a RedisAuth (RedisAuth.fromSecret(secret, key) or RedisAuth.none()), got {"secret":"pw","key":"password"}` },

  // choices
  { class: 'choice', what: 'an unknown queue engine', build: q({ queueEngine: 'keydb' }), message: `${AT}: 'queueEngine' must be one of 'redis', 'valkey', got 'keydb'` },
  { class: 'choice', what: 'an unknown KEDA rollout strategy', build: q({ queueAddress: 'redis.q.svc:6379', mode: WorkerMode.scaledJob({ rolloutStrategy: 'slow' as KedaRolloutStrategy }) }), message: "'mode.rolloutStrategy' must be one of 'gradual', 'immediate', got 'slow'" },
  { class: 'choice', what: 'an unknown KEDA scaling strategy', build: q({ queueAddress: 'redis.q.svc:6379', mode: WorkerMode.scaledJob({ scalingStrategy: 'fast' as KedaScalingStrategy }) }), message: "'mode.scalingStrategy' must be one of 'default', 'accurate', 'eager', got 'fast'" },
  { class: 'choice', what: 'stages outside the Indexed mode', build: q({ stages: [{ image: 'curlimages/curl:8.11.0' }] }), message: `${AT}: 'stages' must be empty unless the mode is WorkerMode.indexed() (stages run as init containers, one pod per item), got '1 stages'` },
  { class: 'choice', what: 'queueAddress with the Indexed mode', build: indexed({ queueAddress: 'redis:6379' }), message: `${AT}: 'queueAddress' must be unset for WorkerMode.indexed(), which uses no queue, got 'redis:6379'` },
  { class: 'choice', what: 'maxAttempts with the Indexed mode', build: indexed({ maxAttempts: 2 }), message: "'maxAttempts' must be unset for WorkerMode.indexed(), which uses no queue, got 2" },
  { class: 'choice', what: 'retryBackoff with the Indexed mode', build: indexed({ retryBackoff: Duration.seconds(1) }), message: "'retryBackoff' must be unset for WorkerMode.indexed(), which uses no queue, got '1s'" },
  { class: 'choice', what: 'queuePersistence with the Indexed mode', build: indexed({ queuePersistence: QueuePersistence.NONE }), message: "'queuePersistence' must be unset for WorkerMode.indexed(), which uses no queue, got 'none'" },
  { class: 'choice', what: 'queuePersistence is not a QueuePersistence', build: q({ queuePersistence: 'sometimes' }), message: `${AT}: 'queuePersistence' must be one of 'everysec', 'always', 'none', got 'sometimes'` },
  { class: 'choice', what: 'queuePersistence with queueAddress', build: q({ queueAddress: 'redis.q.svc:6379', queuePersistence: QueuePersistence.APPEND_FSYNC_ALWAYS }), message: `${AT}: 'queuePersistence' must be unset when 'queueAddress' names an existing server, got 'always'` },
  { class: 'choice', what: 'queueStorage without persistence', build: q({ queuePersistence: QueuePersistence.NONE, queueStorage: Size.gibibytes(2) }), message: `${AT}: 'queueStorage' must be unset with QueuePersistence.NONE (the server keeps nothing on disk, so it gets no claim), got '2048Mi'` },
  { class: 'choice', what: 'queueStorageClass without persistence', build: q({ queuePersistence: QueuePersistence.NONE, queueStorageClass: 'fast' }), message: "'queueStorageClass' must be unset with QueuePersistence.NONE (the server keeps nothing on disk, so it gets no claim), got 'fast'" },
  { class: 'choice', what: 'a reaperSchedule for the parallel mode (its workers reap)', build: q({ reaperSchedule: Cron.everyMinute() }), message: `${AT}: 'reaperSchedule' must be unset for WorkerMode.parallel(): its workers reap expired leases in their own takes, so reaping ends with the batch and there is no reaper CronJob, got '* * * * *'` },
  { class: 'choice', what: 'reaperResources for the parallel mode', build: q({ reaperResources: res([10, 20], [16, 16]) }), message: "'reaperResources' must be unset for WorkerMode.parallel(): its workers reap expired leases in their own takes" },
  { class: 'choice', what: 'a lease with the Indexed mode', build: indexed({ lease: Duration.minutes(1) }), message: "'lease' must be unset for WorkerMode.indexed(), which uses no queue, got '60s'" },
  { class: 'choice', what: 'a queue engine with the Indexed mode', build: indexed({ queueEngine: QueueEngine.VALKEY }), message: "'queueEngine' must be unset for WorkerMode.indexed(), which uses no queue, got 'valkey'" },
  { class: 'choice', what: 'a password with the Indexed mode', build: (c) => indexed({ queueAuth: RedisAuth.fromSecret(secret(c, 'pw'), 'k') })(c), message: "'queueAuth' must be unset for WorkerMode.indexed(), which uses no queue, got" },
  { class: 'choice', what: 'seeder resources with the Indexed mode', build: indexed({ seederResources: res([10, 20], [16, 64]) }), message: "'seederResources' must be unset for WorkerMode.indexed(), which uses no queue, got 'resources'" },
  { class: 'choice', what: 'KEDA mode with a queue KEDA cannot reach', build: q({ mode: WorkerMode.scaledJob() }), message: `${AT}: 'queueAddress' must be set for WorkerMode.scaledJob(): KEDA's operator runs in its own namespace and needs an address it can reach` },
  { class: 'choice', what: 'queueStorage with an existing queue', build: q({ queueAddress: 'redis:6379', queueStorage: Size.gibibytes(2) }), message: "'queueStorage' must be unset when 'queueAddress' names an existing server, got '2048Mi'" },
  { class: 'choice', what: 'queueResources with an existing queue', build: q({ queueAddress: 'redis:6379', queueResources: res([100, 200], [64, 64]) }), message: "'queueResources' must be unset when 'queueAddress' names an existing server, got 'resources'" },

  // paths
  { class: 'path', what: 'a writable dir the construct mounts', build: q({ worker: { ...WORKER, writableDirs: ['/var/run/work-queue'] } }), message: `${AT}: 'worker.writableDirs' must be free of the paths WorkQueueJobs mounts (/var/run/work-queue, /etc/work-queue/scripts, /etc/work-queue/items; /tmp is always writable), got '/var/run/work-queue'` },
  { class: 'path', what: 'a writable dir inside the scripts mount', build: q({ worker: { ...WORKER, writableDirs: ['/etc/work-queue/scripts/out'] } }), message: "'worker.writableDirs' must be free of the paths WorkQueueJobs mounts" },
  { class: 'path', what: 'a relative writable dir', build: q({ worker: { ...WORKER, writableDirs: ['cache'] } }), message: "'worker.writableDirs' must be an absolute path without spaces, ':' or '..', got 'cache'" },
  { class: 'path', what: 'a writable dir given twice', build: q({ worker: { ...WORKER, writableDirs: ['/cache', '/cache'] } }), message: "'worker.writableDirs' must be paths given once each, got '/cache'" },
  { class: 'path', what: 'two writable dirs that make one volume name', build: q({ worker: { ...WORKER, writableDirs: ['/a/b', '/a-b'] } }), message: "'worker.writableDirs' must be paths that give distinct volume names (two make 'worker-a-b'), got '/a-b'" },
  { class: 'path', what: 'a relative working directory', build: q({ worker: { ...WORKER, workingDir: 'work' } }), message: "'worker.workingDir' must be an absolute path without spaces, ':' or '..', got 'work'" },

  // ports
  { class: 'port', what: 'the worker port is 70000', build: q({ worker: { ...WORKER, port: 70000 } }), message: "'worker.port' must be an integer from 1 to 65535, got 70000" },
  { class: 'port', what: 'the worker port name is not an IANA name', build: q({ worker: { ...WORKER, port: 9090, portName: 'Metrics_Port' } }), message: "'worker.portName' must be an IANA service name" },

  // labels
  { class: 'label', what: 'partOf is not a label value', build: q({ partOf: 'photo store' }), message: `${AT}: 'partOf' must be a label value (at most 63 characters: alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric), got 'photo store'` },
  { class: 'label', what: 'a pod label the library owns', build: q({ pod: { labels: { 'app.kubernetes.io/name': 'x' } } }), message: "'pod.labels' must be free of 'app.kubernetes.io/*' keys" },
  { class: 'label', what: 'a nodeSelector value with a space', build: q({ pod: { nodeSelector: { pool: 'a b' } } }), message: "'pod.nodeSelector.pool' must be a label value" },

  // pod-level policy
  { class: 'policy', what: 'an imagePullSecret name that is not a Secret name', build: (c) => q({ pod: { imagePullSecrets: [secret(c, 'Reg_Cred')] } })(c), message: "'pod.imagePullSecrets[0]' must be a Secret (kplus.Secret.fromSecretName(...)) whose name is a DNS-1123 subdomain, got 'Reg_Cred'" },
  { class: 'policy', what: 'a toleration with an unknown effect', build: q({ pod: { tolerations: [{ key: 'k', operator: 'Exists', effect: 'Sometimes' }] } }), message: "'pod.tolerations[0].effect' must be one of 'NoSchedule', 'PreferNoSchedule', 'NoExecute' (or unset: every effect), got 'Sometimes'" },
  { class: 'policy', what: 'a token mounted without a ServiceAccount', build: q({ pod: { automountServiceAccountToken: true } }), message: "'pod.automountServiceAccountToken' must be false or unset without 'serviceAccount'" },
  { class: 'policy', what: 'a priority class name in capitals', build: q({ pod: { priorityClassName: 'Batch' } }), message: "'pod.priorityClassName' must be a PriorityClass name (a DNS-1123 subdomain), got 'Batch'" },
  { class: 'policy', what: 'a pod failure rule on exit code 0', build: q({ podFailurePolicy: [PodFailureRule.failJobOnExitCodes([0])] }), message: `${AT}: 'podFailurePolicy[0].exitCodes' must be from 1 to 255 exit codes, each an integer from 1 to 255, got [0]` },
  { class: 'policy', what: 'a stage with a readiness probe (init containers have none)', build: indexed({ stages: [{ image: 'curlimages/curl:8.11.0', readiness: kplus.Probe.fromCommand(['true']) }] }), message: `${AT}: 'stages[0].readiness' must be unset (stages run as init containers, which Kubernetes gives no probes), got 'a probe'` },
  { class: 'policy', what: 'a stage with a liveness probe', build: indexed({ stages: [{ image: 'curlimages/curl:8.11.0', liveness: kplus.Probe.fromCommand(['true']) }] }), message: "'stages[0].liveness' must be unset (stages run as init containers, which Kubernetes gives no probes), got 'a probe'" },

  // items
  { class: 'count', what: 'an item given twice', build: q({ items: WorkItems.fromList(['a', 'b', 'a']) }), message: `${AT}: 'items' must be unique (an item is its own id on the queue), got 'a' at items[0] and items[2]` },
  { class: 'count', what: 'an item with a line break', build: q({ items: WorkItems.fromList(['a\nb']) }), message: "'items' must be non-empty strings without line breaks, got 'a\nb' at items[0]" },
  { class: 'path', what: 'an items file that does not exist', build: q({ items: WorkItems.fromFile('/no/such/items.txt') }), message: "'items' must name a readable file, got '/no/such/items.txt' (ENOENT)" },
  { class: 'size', what: 'items above one ConfigMap (1 MiB)', build: indexed({ items: WorkItems.fromList(Array.from({ length: 10000 }, (_, i) => `photos/${String(i).padStart(6, '0')}-${'x'.repeat(93)}.jpg`)) }), message: "'items' must fit one ConfigMap (at most 1048576 bytes, one item per line), got 1120000 bytes in 10000 items" },

  // untyped callers (JavaScript, Python)
  { class: 'untyped', what: 'no props at all', build: (c) => { new (WorkQueueJobs as any)(c, 'q'); }, message: `${AT}: 'props' must be a WorkQueueJobsProps object ({ worker, … }), got undefined` },
  { class: 'untyped', what: 'worker is null', build: q({ worker: null }), message: `${AT}: 'worker' must be your container ({ image, command, … }: AppContainerProps), got null` },
  { class: 'untyped', what: 'worker is an image string', build: q({ worker: 'node:22.11.0-bookworm' }), message: "'worker' must be your container ({ image, command, … }: AppContainerProps), got 'node:22.11.0-bookworm'" },
  { class: 'untyped', what: 'worker.command is one string', build: q({ worker: { image: 'node:22.11.0-bookworm', command: 'node worker.js' } }), message: "'worker.command' must be a list of strings, got 'node worker.js'" },
  { class: 'untyped', what: 'a worker env value is a plain string', build: q({ worker: { ...WORKER, env: { STORE: 'http://store' } } }), message: "'worker.env.STORE' must be a kplus.EnvValue (EnvValue.fromValue(...), EnvValue.fromSecretValue(...), …), got 'http://store'" },
  { class: 'untyped', what: 'worker.uid is a string', build: q({ worker: { ...WORKER, uid: '1000' } }), message: "'worker.uid' must be an integer from 1 to 2147483647, got '1000'" },
  { class: 'untyped', what: 'a probe given as a string', build: q({ worker: { ...WORKER, liveness: '/healthz' } }), message: "'worker.liveness' must be a kplus.Probe" },
  { class: 'untyped', what: 'the auth is a plain string', build: q({ queueAuth: 'queue-password' }), message: `${AT}: 'queueAuth' must be a RedisAuth (RedisAuth.fromSecret(secret, key) or RedisAuth.none()), got '<a string, not shown>'` },
  { class: 'untyped', what: 'the auth Secret is a name string', build: q({ queueAuth: RedisAuth.fromSecret('queue-password' as any) }), message: `${AT}: 'queueAuth.secret' must be a Secret (kplus.Secret.fromSecretName(scope, id, name)), got 'queue-password'` },
  { class: 'untyped', what: "lease is '5m'", build: q({ lease: '5m' }), message: "'lease' must be a Duration" },
  { class: 'untyped', what: "queueStorage is '1Gb'", build: q({ queueStorage: '1Gb' }), message: "'queueStorage' must be a Size (e.g. Size.mebibytes(64)), got '1Gb'" },
  { class: 'untyped', what: "a memory limit of '256Mi'", build: q({ queueResources: { memory: { request: Size.mebibytes(64), limit: '256Mi' } } }), message: "'queueResources.memory.limit' must be a Size of whole bytes, more than 0 (e.g. Size.mebibytes(128)), got '256Mi'" },
  { class: 'untyped', what: "backoffLimit is '6'", build: q({ backoffLimit: '6' }), message: "'backoffLimit' must be an integer from 0 to 1000000, got '6'" },
  { class: 'untyped', what: "parallelism is '3'", build: q({ mode: WorkerMode.parallel({ parallelism: '3' as any }) }), message: "'mode.parallelism' must be an integer from 1 to 100000, got '3'" },
  { class: 'untyped', what: "mode is 'parallel'", build: q({ mode: 'parallel' }), message: `${AT}: 'mode' must be a WorkerMode (WorkerMode.parallel(), .indexed(), .scaledJob()), got 'parallel'` },
  { class: 'untyped', what: 'items is a plain list', build: q({ items: ['a', 'b'] }), message: `${AT}: 'items' must be a WorkItems (WorkItems.fromList([...]), WorkItems.fromFile(path)), got ["a","b"]` },
  { class: 'untyped', what: 'an item that is a number', build: q({ items: WorkItems.fromList([1 as any]) }), message: "'items' must be non-empty strings without line breaks, got 1 at items[0]" },
  { class: 'untyped', what: 'reaperSchedule is a cron string', build: keda({ reaperSchedule: '* * * * *' }), message: `${AT}: 'reaperSchedule' must be a cdk8s Cron (Cron.everyMinute(), Cron.schedule({ minute: '*/2' })), got '* * * * *'` },
  { class: 'untyped', what: 'podFailurePolicy is a string', build: q({ podFailurePolicy: 'ignore' }), message: "'podFailurePolicy' must be a list of PodFailureRule (PodFailureRule.ignoreDisruptions(), …), got 'ignore'" },
  { class: 'untyped', what: 'a pod failure rule that is a plain object', build: q({ podFailurePolicy: [{ action: 'Ignore' }] }), message: "'podFailurePolicy[0]' must be a PodFailureRule (PodFailureRule.ignoreDisruptions(), .failJobOnExitCodes(...), .ignoreExitCodes(...)), got {\"action\":\"Ignore\"}" },
  { class: 'untyped', what: 'stages is a string', build: indexed({ stages: 'curlimages/curl:8.11.0' }), message: "'stages' must be a list of containers (WorkerStageProps[]), got 'curlimages/curl:8.11.0'" },
  { class: 'untyped', what: 'a stage that is null', build: indexed({ stages: [null] }), message: "'stages[0]' must be your container ({ image, port, … }: AppContainerProps), got null" },
  { class: 'untyped', what: 'queueName is a number', build: q({ queueName: 42 }), message: "'queueName' must be a key prefix of 1 to 100 characters: letters, digits, '.', '_', ':', '{', '}' and '-', starting with a letter or digit, got 42" },
  { class: 'untyped', what: 'queueAddress is a number', build: q({ queueAddress: 6379 }), message: "'queueAddress' must be 'host:port' (a DNS name or IPv4 address and a port from 1 to 65535), got 6379" },
  { class: 'untyped', what: 'pod is a string', build: q({ pod: 'batch' }), message: "'pod' must be a PodOptions object, got 'batch'" },

  // mutation after synthesis
  {
    class: 'mutation',
    what: 'a WorkQueueJobs created after app.synth()',
    build: (c) => {
      q({})(c);
      (c.node.root as App).synth();
      new WorkQueueJobs(c, 'late', { worker: WORKER });
    },
    message: "WorkQueueJobs 'test/late': new WorkQueueJobs() was called after the app was synthesized; it would be missing from the YAML already written (call it before app.synth())",
  },
  // network policy (the options can only widen the pattern's own traffic, so no override can cut it)
  { class: 'policy', what: 'networkPolicy is a string', build: q({ networkPolicy: 'on' }), message: `${AT}: 'networkPolicy' must be a NetworkPolicyOptions object, got 'on'` },
  { class: 'policy', what: 'enabled is a string', build: q({ networkPolicy: { enabled: 'no' } }), message: `${AT}: 'networkPolicy.enabled' must be true or false, got 'no'` },
  { class: 'policy', what: 'a client peer that selects nothing', build: q({ networkPolicy: { clients: [NetworkPeer.pods({})] } }), message: `${AT}: 'networkPolicy.clients[0]' must be a peer that selects something` },
  { class: 'policy', what: 'a client that is not a NetworkPeer', build: q({ networkPolicy: { clients: [{ app: 'web' }] } }), message: `${AT}: 'networkPolicy.clients[0]' must be a NetworkPeer` },
  { class: 'policy', what: 'an extra egress port 0', build: q({ networkPolicy: { extraEgress: [{ peer: NetworkPeer.pods({ app: 's' }), ports: [{ port: 0 }] }] } }), message: `${AT}: 'networkPolicy.extraEgress[0].ports[0].port' must be an integer from 1 to 65535, got 0` },
  { class: 'policy', what: 'an extra ingress IP block outside its CIDR', build: q({ networkPolicy: { extraIngress: [{ peer: NetworkPeer.ipBlock('10.0.0.0/8', ['192.168.0.0/16']) }] } }), message: `${AT}: 'networkPolicy.extraIngress[0].peer' must be 'except' blocks inside 10.0.0.0/8, got '192.168.0.0/16'` },
];
badInputs('WorkQueueJobs', cases);

test('the suite covers every class the pattern has, with at least 60 cases', () => {
  expect(cases.length).toBeGreaterThanOrEqual(60);
  const classes = new Set(cases.map((c) => c.class));
  for (const k of ['count', 'name', 'image', 'env', 'size', 'duration', 'port', 'secret', 'timing', 'mutation', 'untyped', 'choice', 'path', 'label', 'resources', 'policy']) {
    expect({ k, covered: classes.has(k as any) }).toEqual({ k, covered: true });
  }
});
