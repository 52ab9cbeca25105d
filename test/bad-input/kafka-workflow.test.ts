/**
 * KafkaWorkflow: every kind of prop given wrong — counts, names, images, env, sizes, durations, ports, Secrets,
 * timings, Kafka settings (topic and broker, checked as Kafka and Strimzi check them), the graph, mutation after
 * synthesis, and the same props passed untyped as a JavaScript or Python caller would — must fail with one clear
 * message naming the construct path, the prop and the value.
 */
import { App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  KafkaCluster, KafkaSecurity, KafkaWorkflow, KafkaWorkflowProps, NetworkPeer, ReduceAggregation, StreamLogLevel,
} from '../../src';
import { BadInput, badInputs } from '../harness/bad-input';

const WF = 'KafkaWorkflow \'test/wf\'';
const TOPIC = (t: string) => `KafkaWorkflowTopic 'test/wf/Topics/${t}'`;
const STAGE = (s: string) => `KafkaStage 'test/wf/${s}'`;

function wf(c: Chart, props: KafkaWorkflowProps = {}): KafkaWorkflow {
  return new KafkaWorkflow(c, 'wf', props);
}

/** A workflow with a 3-partition source `in` and a sink `out`. */
function io(c: Chart, props: KafkaWorkflowProps = {}): KafkaWorkflow {
  const w = wf(c, props);
  w.addTopic('in', { partitions: 3, source: true });
  w.addTopic('out', { sink: true });
  return w;
}

const js = (v: unknown): any => v;
/** A secured embedded cluster's security, with valid Secrets. */
const saslSsl = (c: Chart) => KafkaSecurity.saslSsl({ tlsSecret: kplus.Secret.fromSecretName(c, 'T', 'tls'), passwordsSecret: kplus.Secret.fromSecretName(c, 'P', 'pw') });
const resources = (request: number, limit: number) => ({ memory: { request: Size.mebibytes(request), limit: Size.mebibytes(limit) } });
const synth = (c: Chart) => (c.node.root as App).synth();

const cases: BadInput[] = [
  // --- counts
  {
    class: 'count',
    what: 'the embedded cluster has 0 brokers',
    build: (c) => wf(c, { cluster: KafkaCluster.embedded({ brokers: 0 }) }),
    message: `${WF}: 'cluster.brokers' must be an integer from 1 to 9, got 0`,
  },
  {
    class: 'count',
    what: 'the embedded cluster has 10 brokers',
    build: (c) => wf(c, { cluster: KafkaCluster.embedded({ brokers: 10 }) }),
    message: `${WF}: 'cluster.brokers' must be an integer from 1 to 9, got 10`,
  },
  {
    class: 'count',
    what: 'the Strimzi node pool has 0 replicas',
    build: (c) => wf(c, { cluster: KafkaCluster.strimzi({ replicas: 0 }) }),
    message: `${WF}: 'cluster.replicas' must be an integer from 1 to 100, got 0`,
  },
  {
    class: 'count',
    what: 'an external cluster has 0 brokers',
    build: (c) => wf(c, { cluster: KafkaCluster.external({ bootstrapServers: ['k:9092'], brokers: 0 }) }),
    message: `${WF}: 'cluster.brokers' must be an integer from 1 to 10000, got 0`,
  },
  {
    class: 'count',
    what: 'an external cluster\'s min.insync.replicas is more than its brokers',
    build: (c) => wf(c, { cluster: KafkaCluster.external({ bootstrapServers: ['k:9092'], brokers: 3, minInsyncReplicas: 4 }) }),
    message: `${WF}: 'cluster.minInsyncReplicas' must be an integer from 1 to 3, got 4`,
  },
  {
    class: 'count',
    what: 'a topic has 0 partitions',
    build: (c) => wf(c).addTopic('t', { partitions: 0 }),
    message: `${TOPIC('t')}: 'partitions' of topic 't' must be an integer from 1 to 100000, got 0`,
  },
  {
    class: 'count',
    what: 'a topic has a replication factor of 0',
    build: (c) => wf(c).addTopic('t', { replicationFactor: 0 }),
    message: `${TOPIC('t')}: 'replicationFactor' of topic 't' must be an integer from 1 to 3 (the cluster has 3 brokers), got 0`,
  },
  {
    class: 'count',
    what: 'a stage has more replicas than its input has partitions',
    build: (c) => io(c).addFilter('f', { input: 'in', output: 'out', condition: 'true', replicas: 4 }),
    message: `${STAGE('f')}: 'replicas' must be an integer from 1 to 3 (the partitions of its input), got 4`,
  },
  {
    class: 'count',
    what: 'autoscaling\'s minimum is above its maximum',
    build: (c) => io(c).addFilter('f', { input: 'in', output: 'out', condition: 'true', autoscaling: { minReplicas: 3, maxReplicas: 2 } }),
    message: `${STAGE('f')}: 'autoscaling.minReplicas' must be an integer from 0 to 2 (maxReplicas), got 3`,
  },
  {
    class: 'count',
    what: 'autoscaling sets replicas too',
    build: (c) => io(c).addFilter('f', { input: 'in', output: 'out', condition: 'true', replicas: 2, autoscaling: {} }),
    message: `${STAGE('f')}: 'replicas' must be unset when autoscaling is set (KEDA sets the replicas), got 2`,
  },
  {
    class: 'count',
    what: 'a lag threshold of 0',
    build: (c) => io(c).addFilter('f', { input: 'in', output: 'out', condition: 'true', autoscaling: { lagThreshold: 0 } }),
    message: `${STAGE('f')}: 'autoscaling.lagThreshold' must be an integer from 1 to 1000000000, got 0`,
  },
  {
    class: 'count',
    what: 'a join of 0 parts',
    build: (c) => io(c).addJoin('j', { inputs: ['in'], output: 'out', batchKey: 'this.id', count: 0 }),
    message: `${WF}: 'count' of stage 'j' must be an integer from 1 to 1000000, got 0`,
  },
  {
    class: 'count',
    what: 'a join holds 0 records per partition',
    build: (c) => io(c).addJoin('j', { inputs: ['in'], output: 'out', batchKey: 'this.id', count: 2, maxInFlightPerPartition: 0 }),
    message: `${WF}: 'maxInFlightPerPartition' of stage 'j' must be an integer from 1 to 1000000, got 0`,
  },
  {
    class: 'count',
    what: 'a reduce holds 2 million records per partition',
    build: (c) => io(c).addReduce('r', { input: 'in', output: 'out', key: 'this.k', maxInFlightPerPartition: 2_000_000 }),
    message: `${WF}: 'maxInFlightPerPartition' of stage 'r' must be an integer from 1 to 1000000, got 2000000`,
  },
  {
    class: 'count',
    what: 'a merger of one input',
    build: (c) => io(c).addMerger('m', { inputs: ['in'], output: 'out' }),
    message: `${WF}: 'inputs' of stage 'm' must be a list of at least 2 topics, got ["in"]`,
  },
  {
    class: 'count',
    what: 'a sharder of one shard',
    build: (c) => io(c).addSharder('s', { input: 'in', key: 'this.k', outputs: ['out'] }),
    message: `${WF}: 'outputs' of stage 's' must be a list of at least 2 topics, got ["out"]`,
  },
  {
    class: 'count',
    what: 'a copier with no outputs',
    build: (c) => io(c).addCopier('c', { input: 'in', outputs: [] }),
    message: `${WF}: 'outputs' of stage 'c' must be a list of at least 1 topic, got []`,
  },

  // --- names
  {
    class: 'name',
    what: 'a topic name with a space',
    build: (c) => wf(c).addTopic('a b'),
    message: `${WF}: 'topic name' must be a name Kafka accepts (1 to 249 characters of [a-zA-Z0-9._-], not '.' or '..'): it has characters outside [a-zA-Z0-9._-], got 'a b'`,
  },
  {
    class: 'name',
    what: 'a topic name of 250 characters',
    build: (c) => wf(c).addTopic('x'.repeat(250)),
    message: 'it is 250 characters, more than 249',
  },
  {
    class: 'name',
    what: 'two topics that differ in . and _ only',
    build: (c) => { const w = wf(c); w.addTopic('a.b'); w.addTopic('a_b'); },
    message: `${WF}: 'topic name' must be distinct from 'a.b' (Kafka treats '.' and '_' alike in topic names), got 'a_b'`,
  },
  {
    class: 'name',
    what: 'a topic declared twice',
    build: (c) => { const w = wf(c); w.addTopic('t'); w.addTopic('t'); },
    message: `${WF}: 'topic name' must be unique in the workflow, got 't'`,
  },
  {
    class: 'name',
    what: 'a stage name in uppercase',
    build: (c) => io(c).addFilter('Keep', { input: 'in', output: 'out', condition: 'true' }),
    message: `${WF}: 'stage name' must be a DNS-1123 label of at most 53 characters (room for 'wf-' and '-config'), got 'Keep'`,
  },
  {
    class: 'name',
    what: 'a stage name taken',
    build: (c) => { const w = io(c); w.addFilter('f', { input: 'in', output: 'out', condition: 'true' }); w.addFilter('f', { input: 'in', output: 'out', condition: 'true' }); },
    message: `${WF}: 'stage name' must be unique in the workflow, got 'f'`,
  },
  {
    class: 'name',
    what: 'a base name that is not a DNS label',
    build: (c) => wf(c, { name: 'Photo_Flow' }),
    message: `${WF}: 'name' must be`,
  },
  {
    class: 'name',
    what: 'a Strimzi cluster name that is not a DNS label',
    build: (c) => wf(c, { cluster: KafkaCluster.strimzi({ clusterName: 'My.Cluster' }) }),
    message: `${WF}: 'cluster.clusterName' must be`,
  },
  {
    class: 'name',
    what: 'a dead-letter topic name Kafka refuses',
    build: (c) => wf(c, { deadLetterTopic: 'dead letters' }),
    message: `${WF}: 'deadLetterTopic' must be a Kafka topic name, got 'dead letters'`,
  },
  {
    class: 'name',
    what: 'an aggregation named key',
    build: (c) => io(c).addReduce('r', { input: 'in', output: 'out', key: 'this.k', aggregations: [ReduceAggregation.count('key')] }),
    message: `${WF}: 'aggregations[0].name' of stage 'r' must be neither 'key' nor 'window_end' (the reduce writes them), got 'key'`,
  },
  {
    class: 'name',
    what: 'a storage class that is not a DNS name',
    build: (c) => wf(c, { cluster: KafkaCluster.embedded({ storageClassName: 'Fast SSD' }) }),
    message: `${WF}: 'cluster.storageClassName' must be a StorageClass name (a DNS-1123 subdomain), got 'Fast SSD'`,
  },

  // --- images
  {
    class: 'image',
    what: 'a custom stage image pinned to latest',
    build: (c) => io(c).addCustom('c', { inputs: ['in'], outputs: ['out'], container: { image: 'example/worker:latest' } }),
    message: `${STAGE('c')}: 'container.image' must be an image pinned to a tag or digest other than 'latest'`,
  },
  {
    class: 'image',
    what: 'a custom stage image with an uppercase repository',
    build: (c) => io(c).addCustom('c', { inputs: ['in'], outputs: ['out'], container: { image: 'Example/Worker:1.0' } }),
    message: `${STAGE('c')}: 'container.image' must be a valid image reference`,
  },
  {
    class: 'image',
    what: 'a Bento override without a tag',
    build: (c) => io(c, { images: { bento: 'mirror.example/bento' } }).addFilter('f', { input: 'in', output: 'out', condition: 'true' }),
    message: `${STAGE('f')}: 'images.bento' must be an image pinned to a tag or digest`,
  },
  {
    class: 'image',
    what: 'a Kafka override with a short digest',
    build: (c) => wf(c, { images: { kafka: 'apache/kafka@sha256:abc' } }),
    message: `${WF}: 'images.kafka' must be`,
  },

  // --- env
  {
    class: 'env',
    what: 'a custom stage sets a contract variable',
    build: (c) => io(c).addCustom('c', { inputs: ['in'], outputs: ['out'], container: { image: 'example/w:1', env: { KAFKA_INPUT_TOPICS: kplus.EnvValue.fromValue('x') } } }),
    message: `${STAGE('c')}: 'container.env' must be free of 'KAFKA_BOOTSTRAP_SERVERS', 'KAFKA_INPUT_TOPICS'`,
  },
  {
    class: 'env',
    what: 'an env name with a space',
    build: (c) => io(c).addCustom('c', { inputs: ['in'], outputs: ['out'], container: { image: 'example/w:1', env: { 'MY VAR': kplus.EnvValue.fromValue('x') } } }),
    message: `${STAGE('c')}: 'container.env' must be variable names of letters, digits, '_', '-' and '.', not starting with a digit, got 'MY VAR'`,
  },
  {
    class: 'env',
    what: 'an env name starting with a digit',
    build: (c) => io(c).addCustom('c', { inputs: ['in'], outputs: ['out'], container: { image: 'example/w:1', env: { '1X': kplus.EnvValue.fromValue('x') } } }),
    message: `${STAGE('c')}: 'container.env' must be variable names of letters, digits, '_', '-' and '.', not starting with a digit, got '1X'`,
  },

  // --- secrets
  {
    class: 'secret',
    what: 'an env reference to a Secret whose name is not a DNS name',
    build: (c) => io(c).addCustom('c', {
      inputs: ['in'],
      outputs: ['out'],
      container: {
        image: 'example/w:1', env: { TOKEN: kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(c, 'S', 'API Token'), key: 'token' }) },
      },
    }),
    message: `${STAGE('c')}: 'container.env.TOKEN' must be a reference to a Secret whose name is a DNS-1123 subdomain (kplus.Secret.fromSecretName(...)), got 'API Token'`,
  },
  {
    class: 'secret',
    what: 'an env reference to a Secret key with a slash',
    build: (c) => io(c).addCustom('c', {
      inputs: ['in'],
      outputs: ['out'],
      container: {
        image: 'example/w:1', env: { TOKEN: kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(c, 'S', 'api'), key: 'a/b' }) },
      },
    }),
    message: `${STAGE('c')}: 'container.env.TOKEN' must be a Secret key of at most 253 characters: letters, digits, '-', '_' and '.', got 'a/b'`,
  },
  {
    class: 'secret',
    what: 'an image pull Secret whose name is not a DNS name',
    build: (c) => wf(c, { pod: { imagePullSecrets: [kplus.Secret.fromSecretName(c, 'S', 'Registry Creds')] } }),
    message: `${WF}: 'pod.imagePullSecrets[0]' must be a Secret (kplus.Secret.fromSecretName(...)) whose name is a DNS-1123 subdomain, got 'Registry Creds'`,
  },
  {
    class: 'secret',
    what: 'a ServiceAccount whose name is not a DNS name',
    build: (c) => wf(c, { pod: { serviceAccount: kplus.ServiceAccount.fromServiceAccountName(c, 'Sa', 'Pipeline') } }),
    message: `${WF}: 'pod.serviceAccount' must be a ServiceAccount`,
  },

  // --- sizes
  {
    class: 'size',
    what: 'a heap of 100 MiB',
    build: (c) => wf(c, { cluster: KafkaCluster.embedded({ heap: Size.mebibytes(100) }) }),
    message: `${WF}: 'cluster.heap' must be a whole number of MiB from 256 to 65536, got '100Mi'`,
  },
  {
    class: 'size',
    what: 'a storage of 1.5 MiB',
    build: (c) => wf(c, { cluster: KafkaCluster.strimzi({ storage: Size.kibibytes(1536) }) }),
    message: `${WF}: 'cluster.storage' must be a whole number of MiB from 1 to 1073741824, got '1.5Mi'`,
  },
  {
    class: 'size',
    what: 'a broker memory limit no larger than the heap',
    build: (c) => wf(c, {
      cluster: KafkaCluster.embedded({
        heap: Size.gibibytes(2),
        brokerResources: { memory: { request: Size.gibibytes(1), limit: Size.gibibytes(2) } },
      }),
    }),
    message: `${WF}: 'cluster.brokerResources.memory.limit' must be more than the heap (2048Mi): the JVM needs room beyond its heap, or the node is OOM-killed, got '2048Mi'`,
  },

  // --- durations and timings
  {
    class: 'duration',
    what: 'a reduce window of 10 ms',
    build: (c) => io(c).addReduce('r', { input: 'in', output: 'out', key: 'this.k', window: Duration.millis(10) }),
    message: `${WF}: 'window' of stage 'r' must be at least 1 second, got '10ms'`,
  },
  {
    class: 'duration',
    what: 'a join window of 8 days',
    build: (c) => io(c).addJoin('j', { inputs: ['in'], output: 'out', batchKey: 'this.id', count: 2, window: Duration.days(8) }),
    message: `${WF}: 'window' of stage 'j' must be a duration of whole milliseconds from 1s to 168h, got '691200000ms'`,
  },
  {
    class: 'duration',
    what: 'a join timeout of 8 days',
    build: (c) => io(c).addJoin('j', { inputs: ['in'], output: 'out', batchKey: 'this.id', count: 2, timeout: Duration.days(8) }),
    message: `${WF}: 'timeout' of stage 'j' must be a whole number of seconds from 1 to 604800, got '691200000ms'`,
  },
  {
    class: 'timing',
    what: 'a join timeout of 1.5 s (it would be rounded)',
    build: (c) => io(c).addJoin('j', { inputs: ['in'], output: 'out', batchKey: 'this.id', count: 2, timeout: Duration.millis(1500) }),
    message: `${WF}: 'timeout' of stage 'j' must be a whole number of seconds from 1 to 604800, got '1500ms'`,
  },
  {
    class: 'timing',
    what: 'a KEDA polling interval of 1.5 s',
    build: (c) => io(c).addFilter('f', { input: 'in', output: 'out', condition: 'true', autoscaling: { pollingInterval: Duration.millis(1500) } }),
    message: `${STAGE('f')}: 'autoscaling.pollingInterval' must be a whole number of seconds from 1 to 86400, got '1500ms'`,
  },

  // --- ports and paths
  {
    class: 'port',
    what: 'a custom stage port of 70000',
    build: (c) => io(c).addCustom('c', { inputs: ['in'], outputs: ['out'], container: { image: 'example/w:1', port: 70000 } }),
    message: `${STAGE('c')}: 'container.port' must be an integer from 1 to 65535, got 70000`,
  },
  {
    class: 'port',
    what: 'a custom stage port name of 16 characters',
    build: (c) => io(c).addCustom('c', { inputs: ['in'], outputs: ['out'], container: { image: 'example/w:1', port: 8080, portName: 'metrics-endpoint' } }),
    message: `${STAGE('c')}: 'container.portName' must be an IANA service name`,
  },
  {
    class: 'path',
    what: 'a writable dir that is relative',
    build: (c) => io(c).addCustom('c', { inputs: ['in'], outputs: ['out'], container: { image: 'example/w:1', writableDirs: ['cache'] } }),
    message: `${STAGE('c')}: 'container.writableDirs' must be an absolute path without spaces, ':' or '..', got 'cache'`,
  },
  {
    class: 'path',
    what: 'a working dir with ..',
    build: (c) => io(c).addCustom('c', { inputs: ['in'], outputs: ['out'], container: { image: 'example/w:1', workingDir: '/app/../etc' } }),
    message: `${STAGE('c')}: 'container.workingDir' must be an absolute path without spaces, ':' or '..', got '/app/../etc'`,
  },

  // --- resources
  {
    class: 'resources',
    what: 'a stage memory request above its limit',
    build: (c) => io(c).addFilter('f', { input: 'in', output: 'out', condition: 'true', resources: resources(512, 256) }),
    message: `${STAGE('f')}: 'resources.memory.request' must be at most the memory limit (256Mi), got '512Mi'`,
  },
  {
    class: 'resources',
    what: 'a topics Job memory request above its limit',
    build: (c) => wf(c, { topicsJobResources: resources(1024, 512) }),
    message: `${WF}: 'topicsJobResources.memory.request' must be at most the memory limit (512Mi), got '1024Mi'`,
  },
  {
    class: 'resources',
    what: 'a broker CPU request above its limit',
    build: (c) => wf(c, { cluster: KafkaCluster.strimzi({ brokerResources: { cpu: { request: kplus.Cpu.units(4), limit: kplus.Cpu.units(2) } } }) }),
    message: `${WF}: 'cluster.brokerResources.cpu.request' must be at most the CPU limit (2), got '4'`,
  },
  {
    class: 'resources',
    what: 'a custom stage memory request above its limit',
    build: (c) => io(c).addCustom('c', { inputs: ['in'], outputs: ['out'], container: { image: 'example/w:1', resources: resources(300, 200) } }),
    message: `${STAGE('c')}: 'container.resources.memory.request' must be at most the memory limit (200Mi), got '300Mi'`,
  },

  // --- labels
  {
    class: 'label',
    what: 'a part-of that is not a label value',
    build: (c) => wf(c, { partOf: 'photo app' }),
    message: `${WF}: 'partOf' must be a label value`,
  },
  {
    class: 'label',
    what: 'a pod label the library owns (app.kubernetes.io/*)',
    build: (c) => wf(c, { pod: { labels: { 'app.kubernetes.io/name': 'x' } } }),
    message: `${WF}: 'pod.labels' must be free of 'app.kubernetes.io/*' keys`,
  },
  {
    class: 'label',
    what: 'a pod label that would break the stage selectors',
    build: (c) => wf(c, { pod: { labels: { 'cdk8s-distributed-patterns/stage': 'x' } } }),
    message: `${WF}: 'pod.labels' must be free of 'cdk8s-distributed-patterns/*' keys (the stages select their pods by them), got 'cdk8s-distributed-patterns/stage'`,
  },
  {
    class: 'label',
    what: 'a strimzi.io pod label with a Strimzi cluster',
    build: (c) => wf(c, { cluster: KafkaCluster.strimzi(), pod: { labels: { 'strimzi.io/name': 'x' } } }),
    message: `${WF}: 'pod.labels' must be free of 'strimzi.io/*' keys (Strimzi sets them on its pods), got 'strimzi.io/name'`,
  },

  // --- policy: pod options a Strimzi cluster has no place for, and the token rule
  {
    class: 'policy',
    what: 'a nodeSelector with a Strimzi cluster',
    build: (c) => wf(c, { cluster: KafkaCluster.strimzi(), pod: { nodeSelector: { pool: 'kafka' } } }),
    message: `${WF}: 'pod.nodeSelector' must be unset with a Strimzi cluster (Strimzi's pod template has no nodeSelector: give pod.affinity.nodeAffinity instead), got {"pool":"kafka"}`,
  },
  {
    class: 'policy',
    what: 'a ServiceAccount with a Strimzi cluster',
    build: (c) => wf(c, { cluster: KafkaCluster.strimzi(), pod: { serviceAccount: kplus.ServiceAccount.fromServiceAccountName(c, 'Sa', 'pipeline') } }),
    message: `${WF}: 'pod.serviceAccount' must be unset with a Strimzi cluster (Strimzi runs its pods under the ServiceAccounts it makes), got 'pipeline'`,
  },
  {
    class: 'policy',
    what: 'a token mounted without a ServiceAccount',
    build: (c) => wf(c, { pod: { automountServiceAccountToken: true } }),
    message: `${WF}: 'pod.automountServiceAccountToken' must be false or unset without 'serviceAccount'`,
  },
  {
    class: 'policy',
    what: 'a toleration with an invalid effect',
    build: (c) => wf(c, { pod: { tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoRun' }] } }),
    message: `${WF}: 'pod.tolerations[0].effect' must be one of 'NoSchedule', 'PreferNoSchedule', 'NoExecute' (or unset: every effect), got 'NoRun'`,
  },

  // --- Kafka topic settings, checked as Kafka 4.3 checks them
  {
    class: 'kafka',
    what: 'retention.ms=forever',
    build: (c) => wf(c).addTopic('events', { config: { 'retention.ms': 'forever' } }),
    message: `${TOPIC('events')}: 'config.retention.ms' of topic 'events' must be an integer of at least -1 (milliseconds; -1: no limit), got 'forever'`,
  },
  {
    class: 'kafka',
    what: 'retention.ms=-2',
    build: (c) => wf(c).addTopic('events', { config: { 'retention.ms': '-2' } }),
    message: `${TOPIC('events')}: 'config.retention.ms' of topic 'events' must be an integer of at least -1 (milliseconds; -1: no limit), got '-2'`,
  },
  {
    class: 'kafka',
    what: 'cleanup.policy=Compact',
    build: (c) => wf(c).addTopic('events', { config: { 'cleanup.policy': 'Compact' } }),
    message: `${TOPIC('events')}: 'config.cleanup.policy' of topic 'events' must be a comma-separated list of 'compact' and 'delete', got 'Compact'`,
  },
  {
    class: 'kafka',
    what: 'compression.type=none',
    build: (c) => wf(c).addTopic('events', { config: { 'compression.type': 'none' } }),
    message: `${TOPIC('events')}: 'config.compression.type' of topic 'events' must be one of 'uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer', got 'none'`,
  },
  {
    class: 'kafka',
    what: 'segment.bytes below 1 MiB',
    build: (c) => wf(c).addTopic('events', { config: { 'segment.bytes': '1000' } }),
    message: `${TOPIC('events')}: 'config.segment.bytes' of topic 'events' must be an integer from 1048576 to 2147483647 (bytes), got '1000'`,
  },
  {
    class: 'kafka',
    what: 'max.message.bytes beyond an INT',
    build: (c) => wf(c).addTopic('events', { config: { 'max.message.bytes': '3000000000' } }),
    message: `${TOPIC('events')}: 'config.max.message.bytes' of topic 'events' must be an integer from 0 to 2147483647 (bytes), got '3000000000'`,
  },
  {
    class: 'kafka',
    what: 'min.cleanable.dirty.ratio=1.5',
    build: (c) => wf(c).addTopic('events', { config: { 'min.cleanable.dirty.ratio': '1.5' } }),
    message: `${TOPIC('events')}: 'config.min.cleanable.dirty.ratio' of topic 'events' must be a number from 0 to 1, got '1.5'`,
  },
  {
    class: 'kafka',
    what: 'preallocate=yes',
    build: (c) => wf(c).addTopic('events', { config: { preallocate: 'yes' } }),
    message: `${TOPIC('events')}: 'config.preallocate' of topic 'events' must be 'true' or 'false', got 'yes'`,
  },
  {
    class: 'kafka',
    what: 'a topic setting Kafka does not know',
    build: (c) => wf(c).addTopic('events', { config: { 'retention.hours': '24' } }),
    message: `${TOPIC('events')}: 'config.retention.hours' of topic 'events' must be a topic setting Kafka 4.3 knows (KafkaConfig.topicSettingNames()), got 'retention.hours'`,
  },
  {
    class: 'kafka',
    what: 'a topic setting removed in Kafka 4',
    build: (c) => wf(c).addTopic('events', { config: { 'message.downconversion.enable': 'true' } }),
    message: `${TOPIC('events')}: 'config.message.downconversion.enable' of topic 'events' must be a topic setting Kafka 4.3 knows`,
  },
  {
    class: 'kafka',
    what: 'a topic setting that spans lines',
    build: (c) => wf(c).addTopic('events', { config: { 'retention.ms': '1\n2' } }),
    message: `${TOPIC('events')}: 'config.retention.ms' of topic 'events' must be a non-empty one-line string`,
  },
  {
    class: 'kafka',
    what: 'a topic\'s min.insync.replicas above its replication factor',
    build: (c) => wf(c).addTopic('events', { replicationFactor: 2, config: { 'min.insync.replicas': '3' } }),
    message: `${TOPIC('events')}: 'config.min.insync.replicas' of topic 'events' must be at most the topic's replication factor (2): with more, every acks=all write fails with NOT_ENOUGH_REPLICAS, got '3'`,
  },
  {
    class: 'kafka',
    what: 'a replication factor below the brokers\' min.insync.replicas',
    build: (c) => wf(c).addTopic('events', { replicationFactor: 1 }),
    message: `${TOPIC('events')}: 'replicationFactor' of topic 'events' must be at least the brokers' min.insync.replicas (2), or a lower 'min.insync.replicas' in the topic's config: with fewer replicas every acks=all write fails with NOT_ENOUGH_REPLICAS, got 1`,
  },
  {
    class: 'kafka',
    what: 'a replication factor above the brokers',
    build: (c) => wf(c, { cluster: KafkaCluster.embedded({ brokers: 1 }) }).addTopic('events', { replicationFactor: 3 }),
    message: `${TOPIC('events')}: 'replicationFactor' of topic 'events' must be an integer from 1 to 1 (the cluster has 1 broker), got 3`,
  },
  {
    class: 'kafka',
    what: 'min.compaction.lag.ms above max.compaction.lag.ms',
    build: (c) => wf(c).addTopic('events', { config: { 'min.compaction.lag.ms': '10', 'max.compaction.lag.ms': '5' } }),
    message: `${TOPIC('events')}: 'config.min.compaction.lag.ms' of topic 'events' must be at most max.compaction.lag.ms (5), got '10'`,
  },
  {
    class: 'kafka',
    what: 'tiered storage on a cluster without it',
    build: (c) => wf(c).addTopic('events', { config: { 'remote.storage.enable': 'true' } }),
    message: `${TOPIC('events')}: 'config.remote.storage.enable' of topic 'events' must be false or unset on a cluster without tiered storage`,
  },
  // --- Kafka broker settings
  {
    class: 'kafka',
    what: 'the embedded cluster\'s config sets the listeners',
    build: (c) => wf(c, { cluster: KafkaCluster.embedded({ config: { listeners: 'PLAINTEXT://:9092' } }) }),
    message: `${WF}: 'cluster.config.listeners' must be a setting other than the node's roles, id, quorum, listeners and log dir (the cluster sets them), got 'listeners'`,
  },
  // Strimzi's forbidden settings: a prefix, and exact names
  ...([['ssl.keystore.location', 'ssl.*'], ['node.id', 'node.id'], ['controller.quorum.voters', 'controller.*']] as const).map(([key, owned]): BadInput => ({
    class: 'kafka',
    what: `a Strimzi config sets ${key}`,
    build: (c) => wf(c, { cluster: KafkaCluster.strimzi({ config: { [key]: 'x' } }) }),
    message: `${WF}: 'cluster.config.${key}' must be a setting Strimzi lets you set (it sets '${owned}' itself), got '${key}'`,
  })),
  {
    class: 'kafka',
    what: 'the brokers\' min.insync.replicas is 0',
    build: (c) => wf(c, { cluster: KafkaCluster.embedded({ config: { 'min.insync.replicas': '0' } }) }),
    message: `${WF}: 'cluster.config.min.insync.replicas' must be an integer from 1 to 32767 (replicas), got '0'`,
  },
  {
    class: 'kafka',
    what: 'the brokers\' min.insync.replicas above the offsets topic\'s replication factor',
    build: (c) => wf(c, { cluster: KafkaCluster.embedded({ brokers: 5, config: { 'min.insync.replicas': '4' } }) }),
    message: `${WF}: 'cluster.config.min.insync.replicas' must be at most offsets.topic.replication.factor (3): the consumer offsets topic takes the brokers' min.insync.replicas, and every offset commit would fail with NOT_ENOUGH_REPLICAS, got '4'`,
  },
  {
    class: 'kafka',
    what: 'an internal topic replicated more than the brokers',
    build: (c) => wf(c, { cluster: KafkaCluster.strimzi({ replicas: 2, config: { 'offsets.topic.replication.factor': '3' } }) }),
    message: `${WF}: 'cluster.config.offsets.topic.replication.factor' must be at most the brokers (2), got '3'`,
  },
  {
    class: 'kafka',
    what: 'a Strimzi Kafka version that is not one',
    build: (c) => wf(c, { cluster: KafkaCluster.strimzi({ version: 'latest' }) }),
    message: `${WF}: 'cluster.version' must be a Kafka version Strimzi knows, as major.minor.patch (e.g. '4.1.0'), got 'latest'`,
  },
  {
    class: 'kafka',
    what: 'a bootstrap address without a port',
    build: (c) => wf(c, { cluster: KafkaCluster.external({ bootstrapServers: ['kafka.data.svc'] }) }),
    message: `${WF}: 'cluster.bootstrapServers' must be a list of host:port addresses, got 'kafka.data.svc'`,
  },
  {
    class: 'kafka',
    what: 'a KRaft cluster id that is not one',
    build: (c) => wf(c, { cluster: KafkaCluster.embedded({ clusterId: 'short' }) }),
    message: `${WF}: 'cluster.clusterId' must be 22 characters of base64url (kafka-storage.sh random-uuid), got 'short'`,
  },

  // --- the graph
  {
    class: 'graph',
    what: 'a stage reads a topic never declared',
    build: (c) => io(c).addFilter('f', { input: 'nope', output: 'out', condition: 'true' }),
    message: `${WF}: 'input' of stage 'f' must be a topic declared with addTopic (declared: in, out), got 'nope'`,
  },
  {
    class: 'graph',
    what: 'a splitter route writes a topic never declared',
    build: (c) => io(c).addSplitter('s', { input: 'in', routes: [{ condition: 'true', output: 'out' }, { condition: 'true', output: 'nope' }] }),
    message: `${WF}: 'routes[1].output' of stage 's' must be a topic declared with addTopic (declared: in, out), got 'nope'`,
  },
  {
    class: 'graph',
    what: 'a join\'s expired output never declared',
    build: (c) => io(c).addJoin('j', { inputs: ['in'], output: 'out', batchKey: 'this.id', count: 2, expiredOutput: 'late' }),
    message: `${WF}: 'expiredOutput' of stage 'j' must be a topic declared with addTopic (declared: in, out), got 'late'`,
  },
  {
    class: 'graph',
    what: 'a stage reads one topic twice',
    build: (c) => io(c).addMerger('m', { inputs: ['in', 'in'], output: 'out' }),
    message: `${WF}: 'inputs' of stage 'm' must be distinct topics, got ["in","in"]`,
  },
  {
    class: 'graph',
    what: 'a stage reads the dead-letter topic',
    build: (c) => { const w = io(c, { deadLetterTopic: 'dlq' }); w.addTopic('dlq'); w.addFilter('f', { input: 'dlq', output: 'out', condition: 'true' }); },
    message: `${WF}: 'inputs' of stage 'f' must be free of the dead-letter topic 'dlq' (a failure there would loop), got ["dlq"]`,
  },
  {
    class: 'graph',
    what: 'the dead-letter topic is not declared before the first stage',
    build: (c) => io(c, { deadLetterTopic: 'dlq' }).addFilter('f', { input: 'in', output: 'out', condition: 'true' }),
    message: `${WF}: 'deadLetterTopic' must be a topic declared with addTopic before the first stage (declared: in, out), got 'dlq'`,
  },
  {
    class: 'graph',
    what: 'a join\'s pending topic is declared already',
    build: (c) => { const w = io(c); w.addTopic('j.pending'); w.addJoin('j', { inputs: ['in'], output: 'out', batchKey: 'this.id', count: 2 }); },
    message: `${WF}: 'pendingTopic' of stage 'j' must be a topic name not declared otherwise (the join creates it), got 'j.pending'`,
  },
  {
    class: 'graph',
    what: 'a topic read that nothing writes (at synthesis)',
    build: (c) => { const w = wf(c); w.addTopic('in'); w.addTopic('out', { sink: true }); w.addFilter('f', { input: 'in', output: 'out', condition: 'true' }); },
    message: `${WF}: topic 'in' is read by stage 'f' but no stage writes it: declare it a source (source: true) or add a stage that writes it`,
  },
  {
    class: 'graph',
    what: 'a topic nothing uses (at synthesis)',
    build: (c) => { io(c).addTopic('idle'); },
    message: `${WF}: topic 'idle' is neither read nor written by any stage`,
  },
  {
    class: 'graph',
    what: 'a cycle no stage allows (at synthesis)',
    build: (c) => {
      const w = wf(c); w.addTopic('in', { source: true }); w.addTopic('a'); w.addTopic('b', { sink: true });
      w.addMerger('m', { inputs: ['in', 'b'], output: 'a' }); w.addFilter('f', { input: 'a', output: 'b', condition: 'true' });
    },
    message: `${WF}: the graph has a cycle: m -> a -> f -> b -> m; set allowCycle on one of its stages if the loop is deliberate`,
  },

  // --- mutation after synthesis
  {
    class: 'mutation',
    what: 'allowClient after app.synth()',
    build: (c) => { const w = io(c); w.addFilter('f', { input: 'in', output: 'out', condition: 'true' }); synth(c); w.allowClient(NetworkPeer.pods({ app: 'late' })); },
    message: `${WF}: allowClient() was called after the app was synthesized`,
  },
  {
    class: 'mutation',
    what: 'addTopic after app.synth()',
    build: (c) => { const w = wf(c, { cluster: KafkaCluster.external({ bootstrapServers: ['k:9092'], createTopics: false }) }); synth(c); w.addTopic('late'); },
    message: `${WF}: addTopic() was called after the app was synthesized; it would be missing from the YAML already written (call it before app.synth())`,
  },
  {
    class: 'mutation',
    what: 'addFilter after app.synth()',
    build: (c) => { const w = io(c, { cluster: KafkaCluster.external({ bootstrapServers: ['k:9092'], createTopics: false }) }); w.addFilter('f', { input: 'in', output: 'out', condition: 'true' }); synth(c); w.addFilter('g', { input: 'in', output: 'out', condition: 'true' }); },
    message: `${WF}: addFilter() was called after the app was synthesized`,
  },
  {
    class: 'mutation',
    what: 'addCustom after app.synth()',
    build: (c) => { const w = io(c, { cluster: KafkaCluster.external({ bootstrapServers: ['k:9092'], createTopics: false }) }); w.addFilter('f', { input: 'in', output: 'out', condition: 'true' }); synth(c); w.addCustom('c', { inputs: ['in'], outputs: [], container: { image: 'example/w:1' } }); },
    message: `${WF}: addCustom() was called after the app was synthesized`,
  },
  {
    class: 'mutation',
    what: 'addJoin after app.synth()',
    build: (c) => { const w = io(c, { cluster: KafkaCluster.external({ bootstrapServers: ['k:9092'], createTopics: false }) }); w.addFilter('f', { input: 'in', output: 'out', condition: 'true' }); synth(c); w.addJoin('j', { inputs: ['in'], output: 'out', batchKey: 'this.id', count: 2 }); },
    message: `${WF}: addJoin() was called after the app was synthesized`,
  },

  // --- untyped, as a JavaScript or Python caller would pass them
  {
    class: 'untyped',
    what: 'partitions as a string',
    build: (c) => wf(c).addTopic('t', { partitions: js('6') }),
    message: `${TOPIC('t')}: 'partitions' of topic 't' must be an integer from 1 to 100000, got '6'`,
  },
  {
    class: 'untyped',
    what: 'replicationFactor as a string',
    build: (c) => wf(c).addTopic('t', { replicationFactor: js('3') }),
    message: `${TOPIC('t')}: 'replicationFactor' of topic 't' must be an integer from 1 to 3 (the cluster has 3 brokers), got '3'`,
  },
  {
    class: 'untyped',
    what: 'a topic setting as a number',
    build: (c) => wf(c).addTopic('t', { config: { 'retention.ms': js(86400000) } }),
    message: `${TOPIC('t')}: 'config.retention.ms' of topic 't' must be a non-empty one-line string, got 86400000`,
  },
  {
    class: 'untyped',
    what: 'topic settings as a string',
    build: (c) => wf(c).addTopic('t', { config: js('retention.ms=1') }),
    message: `${TOPIC('t')}: 'config' of topic 't' must be a map of topic settings to string values, got 'retention.ms=1'`,
  },
  {
    class: 'untyped',
    what: 'source as a string',
    build: (c) => wf(c).addTopic('t', { source: js('true') }),
    message: `${TOPIC('t')}: 'source' of topic 't' must be true or false, got 'true'`,
  },
  {
    class: 'untyped',
    what: 'replicas as a string',
    build: (c) => io(c).addFilter('f', { input: 'in', output: 'out', condition: 'true', replicas: js('2') }),
    message: `${STAGE('f')}: 'replicas' must be an integer from 1 to 3 (the partitions of its input), got '2'`,
  },
  {
    class: 'untyped',
    what: 'a heap of \'1Gb\'',
    build: (c) => wf(c, { cluster: KafkaCluster.embedded({ heap: js('1Gb') }) }),
    message: `${WF}: 'cluster.heap' must be a Size (e.g. Size.mebibytes(64)), got '1Gb'`,
  },
  {
    class: 'untyped',
    what: 'a storage of 10 (a number)',
    build: (c) => wf(c, { cluster: KafkaCluster.embedded({ storage: js(10) }) }),
    message: `${WF}: 'cluster.storage' must be a Size (e.g. Size.mebibytes(64)), got 10`,
  },
  {
    class: 'untyped',
    what: 'a reduce window of \'1m\'',
    build: (c) => io(c).addReduce('r', { input: 'in', output: 'out', key: 'this.k', window: js('1m') }),
    message: `${WF}: 'window' of stage 'r' must be a Duration (e.g. Duration.seconds(30)), got '1m'`,
  },
  {
    class: 'untyped',
    what: 'a join timeout of 3600 (a number)',
    build: (c) => io(c).addJoin('j', { inputs: ['in'], output: 'out', batchKey: 'this.id', count: 2, timeout: js(3600) }),
    message: `${WF}: 'timeout' of stage 'j' must be a Duration (e.g. Duration.seconds(30)), got 3600`,
  },
  {
    class: 'untyped',
    what: 'a polling interval of \'30s\'',
    build: (c) => io(c).addFilter('f', { input: 'in', output: 'out', condition: 'true', autoscaling: { pollingInterval: js('30s') } }),
    message: `${STAGE('f')}: 'autoscaling.pollingInterval' must be a Duration (e.g. Duration.seconds(30)), got '30s'`,
  },
  {
    class: 'untyped',
    what: 'the cluster as a string',
    build: (c) => wf(c, { cluster: js('embedded') }),
    message: `${WF}: 'cluster' must be a KafkaCluster (KafkaCluster.embedded(), .strimzi(), .external({ bootstrapServers })), got 'embedded'`,
  },
  {
    class: 'untyped',
    what: 'bootstrap servers as a string',
    build: (c) => wf(c, { cluster: KafkaCluster.external({ bootstrapServers: js('k:9092') }) }),
    message: `${WF}: 'cluster.bootstrapServers' must be a list of at least one host:port, got 'k:9092'`,
  },
  {
    class: 'untyped',
    what: 'createTopics as a string',
    build: (c) => wf(c, { cluster: KafkaCluster.external({ bootstrapServers: ['k:9092'], createTopics: js('no') }) }),
    message: `${WF}: 'cluster.createTopics' must be true or false, got 'no'`,
  },
  {
    class: 'untyped',
    what: 'a broker setting as a number',
    build: (c) => wf(c, { cluster: KafkaCluster.embedded({ config: { 'log.retention.hours': js(24) } }) }),
    message: `${WF}: 'cluster.config.log.retention.hours' must be a one-line string, got 24`,
  },
  {
    class: 'untyped',
    what: 'copy as a string',
    build: (c) => io(c).addSplitter('s', { input: 'in', routes: [{ condition: 'true', output: 'out' }], copy: js('false') }),
    message: `${WF}: 'copy' of stage 's' must be true or false, got 'false'`,
  },
  {
    class: 'untyped',
    what: 'a route that is null',
    build: (c) => io(c).addSplitter('s', { input: 'in', routes: [js(null)] }),
    message: `${WF}: 'routes[0]' of stage 's' must be a route ({ condition, output }), got null`,
  },
  {
    class: 'untyped',
    what: 'a route in the old shape ({ condition, topic })',
    build: (c) => io(c).addSplitter('s', { input: 'in', routes: [js({ condition: 'true', topic: 'out' })] }),
    message: `${WF}: 'routes[0].output' of stage 's' must be a Kafka topic name, got undefined`,
  },
  {
    class: 'untyped',
    what: 'an aggregation as a plain object',
    build: (c) => io(c).addReduce('r', { input: 'in', output: 'out', key: 'this.k', aggregations: [js({ name: 'n', operation: 'count' })] }),
    message: `${WF}: 'aggregations[0]' of stage 'r' must be a ReduceAggregation (ReduceAggregation.count(), .sum(name, query), …), got {"name":"n","operation":"count"}`,
  },
  {
    class: 'untyped',
    what: 'a log level in lowercase',
    build: (c) => io(c).addFilter('f', { input: 'in', output: 'out', condition: 'true', logLevel: js('info') }),
    message: `${WF}: 'logLevel' of stage 'f' must be a StreamLogLevel ('ERROR', 'WARN', 'INFO', 'DEBUG'), got 'info'`,
  },
  {
    class: 'untyped',
    what: 'autoscaling as a string',
    build: (c) => io(c).addFilter('f', { input: 'in', output: 'out', condition: 'true', autoscaling: js('keda') }),
    message: `${STAGE('f')}: 'autoscaling' must be a StageAutoscaling ({ minReplicas, maxReplicas, lagThreshold, pollingInterval }), got 'keda'`,
  },
  {
    class: 'untyped',
    what: 'allowCycle as a string',
    build: (c) => io(c).addFilter('f', { input: 'in', output: 'out', condition: 'true', allowCycle: js('yes') }),
    message: `${STAGE('f')}: 'allowCycle' must be true or false, got 'yes'`,
  },
  {
    class: 'untyped',
    what: 'stage options that are null',
    build: (c) => io(c).addFilter('f', js(null)),
    message: `${WF}: 'options' of stage 'f' must be the stage's options ({ input, output, … }), got null`,
  },
  {
    class: 'untyped',
    what: 'a custom stage in the old flat shape (image, no container)',
    build: (c) => io(c).addCustom('c', js({ inputs: ['in'], outputs: [], image: 'example/w:1' })),
    message: `${STAGE('c')}: 'container' must be your container ({ image, port, … }: AppContainerProps), got undefined`,
  },
  {
    class: 'untyped',
    what: 'a custom stage env value as a plain string',
    build: (c) => io(c).addCustom('c', { inputs: ['in'], outputs: [], container: { image: 'example/w:1', env: { MODE: js('fast') } } }),
    message: `${STAGE('c')}: 'container.env.MODE' must be a kplus.EnvValue (EnvValue.fromValue(...), EnvValue.fromSecretValue(...), …), got 'fast'`,
  },
  {
    class: 'untyped',
    what: 'a custom stage env literal that is a number',
    build: (c) => io(c).addCustom('c', { inputs: ['in'], outputs: [], container: { image: 'example/w:1', env: { N: js({ value: 5 }) } } }),
    message: `${STAGE('c')}: 'container.env.N' must be a kplus.EnvValue whose literal is a string (EnvValue.fromValue('...')), got 5`,
  },
  {
    class: 'untyped',
    what: 'a custom stage readiness probe as a string',
    build: (c) => io(c).addCustom('c', { inputs: ['in'], outputs: [], container: { image: 'example/w:1', readiness: js('/healthz') } }),
    message: `${STAGE('c')}: 'container.readiness' must be a kplus.Probe (Probe.fromHttpGet(...), fromTcpSocket(...), fromCommand(...)), got '/healthz'`,
  },
  {
    class: 'untyped',
    what: 'a custom stage uid as a string',
    build: (c) => io(c).addCustom('c', { inputs: ['in'], outputs: [], container: { image: 'example/w:1', uid: js('1000') } }),
    message: `${STAGE('c')}: 'container.uid' must be an integer from 1 to 2147483647, got '1000'`,
  },
  {
    class: 'untyped',
    what: 'pod options as a string',
    build: (c) => wf(c, { pod: js('batch') }),
    message: `${WF}: 'pod' must be a PodOptions object, got 'batch'`,
  },
  {
    class: 'untyped',
    what: 'a join count as a string',
    build: (c) => io(c).addJoin('j', { inputs: ['in'], output: 'out', batchKey: 'this.id', count: js('3') }),
    message: `${WF}: 'count' of stage 'j' must be an integer from 1 to 1000000, got '3'`,
  },
  {
    class: 'choice',
    what: 'a log level that is not one',
    build: (c) => io(c).addFilter('f', { input: 'in', output: 'out', condition: 'true', logLevel: js('TRACE') as StreamLogLevel }),
    message: `${WF}: 'logLevel' of stage 'f' must be a StreamLogLevel ('ERROR', 'WARN', 'INFO', 'DEBUG'), got 'TRACE'`,
  },
  {
    class: 'choice',
    what: 'a join with both count and countQuery',
    build: (c) => io(c).addJoin('j', { inputs: ['in'], output: 'out', batchKey: 'this.id', count: 2, countQuery: 'this.n' }),
    message: `${WF}: 'countQuery' of stage 'j' must be unset when count is set, got 'this.n'`,
  },
  {
    class: 'choice',
    what: 'a join with neither count nor countQuery',
    build: (c) => io(c).addJoin('j', { inputs: ['in'], output: 'out', batchKey: 'this.id' }),
    message: `${WF}: 'count' of stage 'j' must be set, or countQuery set: a join must know how many parts complete a batch, got undefined`,
  },
  {
    class: 'choice',
    what: 'a condition that is empty',
    build: (c) => io(c).addFilter('f', { input: 'in', output: 'out', condition: ' ' }),
    message: `${WF}: 'condition' of stage 'f' must be a non-empty Bloblang query, got ' '`,
  },
  // --- NetworkPolicies
  { class: 'policy', what: 'networkPolicy is a string', build: (c) => wf(c, js({ networkPolicy: 'on' })), message: `${WF}: 'networkPolicy' must be a NetworkPolicyOptions object, got 'on'` },
  { class: 'policy', what: 'enabled is a string', build: (c) => wf(c, { networkPolicy: { enabled: js('no') } }), message: `${WF}: 'networkPolicy.enabled' must be true or false, got 'no'` },
  {
    class: 'policy',
    what: 'a client peer that selects nothing',
    build: (c) => wf(c, { networkPolicy: { clients: [NetworkPeer.pods({})] } }),
    message: `${WF}: 'networkPolicy.clients[0]' must be a peer that selects something: pod labels must not be empty`,
  },
  { class: 'policy', what: 'a client that is not a NetworkPeer', build: (c) => wf(c, { networkPolicy: { clients: [js({ app: 'web' })] } }), message: `${WF}: 'networkPolicy.clients[0]' must be a NetworkPeer` },
  {
    class: 'policy',
    what: 'a monitoring peer with an empty namespace selector',
    build: (c) => wf(c, { networkPolicy: { monitoring: NetworkPeer.namespaces({}) } }),
    message: `${WF}: 'networkPolicy.monitoring' must be a peer that selects something: namespace labels must not be empty`,
  },
  {
    class: 'policy',
    what: 'clients with a Strimzi cluster (its own policies decide who reaches the brokers)',
    build: (c) => wf(c, { cluster: KafkaCluster.strimzi(), networkPolicy: { clients: [NetworkPeer.pods({ app: 'checkout' })] } }),
    message: `${WF}: 'networkPolicy.clients' must be unset with a Strimzi cluster (Strimzi's own NetworkPolicies decide who reaches its brokers: its listener's networkPolicyPeers), got ["pods app=checkout"]`,
  },
  {
    class: 'policy',
    what: 'clients with an external cluster (its brokers are not the workflow\'s pods)',
    build: (c) => wf(c, { cluster: KafkaCluster.external({ bootstrapServers: ['k:9092'] }), networkPolicy: { clients: [NetworkPeer.namespace('shop')] } }),
    message: `${WF}: 'networkPolicy.clients' must be unset with an external cluster (its brokers are not pods of the workflow), got ["namespace shop"]`,
  },
  {
    class: 'policy',
    what: 'an extra egress port 0',
    build: (c) => wf(c, { networkPolicy: { extraEgress: [{ peer: NetworkPeer.pods({ app: 's' }), ports: [{ port: 0 }] }] } }),
    message: `${WF}: 'networkPolicy.extraEgress[0].ports[0].port' must be an integer from 1 to 65535, got 0`,
  },
  {
    class: 'policy',
    what: 'an extra ingress IP block outside its CIDR',
    build: (c) => wf(c, { networkPolicy: { extraIngress: [{ peer: NetworkPeer.ipBlock('10.0.0.0/8', ['192.168.0.0/16']) }] } }),
    message: `${WF}: 'networkPolicy.extraIngress[0].peer' must be 'except' blocks inside 10.0.0.0/8, got '192.168.0.0/16'`,
  },
  {
    class: 'policy',
    what: 'a stage named topics (its policy would be the topics Job\'s)',
    build: (c) => io(c).addFilter('topics', { input: 'in', output: 'out', condition: 'true' }),
    message: `${WF}: 'stage name' must be other than 'kafka' and 'topics' (the brokers' and the topics Job's objects are named 'wf-kafka' and 'wf-topics'), got 'topics'`,
  },
  {
    class: 'policy',
    what: 'a stage named kafka (its policy would be the brokers\')',
    build: (c) => io(c).addCopier('kafka', { input: 'in', outputs: ['out'] }),
    message: `${WF}: 'stage name' must be other than 'kafka' and 'topics' (the brokers' and the topics Job's objects are named 'wf-kafka' and 'wf-topics'), got 'kafka'`,
  },
  {
    class: 'policy',
    what: 'allowClient() with a peer that selects nothing',
    build: (c) => io(c).allowClient(NetworkPeer.pods({})),
    message: `${WF}: 'allowClient() peer' must be a peer that selects something: pod labels must not be empty`,
  },
  { class: 'policy', what: 'allowClient() with a label map', build: (c) => io(c).allowClient(js({ app: 'web' })), message: `${WF}: 'allowClient() peer' must be a NetworkPeer` },
  // --- security (KafkaSecurity.saslSsl)
  {
    class: 'untyped',
    what: 'security is a string (perhaps a password)',
    build: (c) => wf(c, { cluster: KafkaCluster.embedded({ security: js('hunter2') }) }),
    message: `${WF}: 'cluster.security' must be a KafkaSecurity (KafkaSecurity.saslSsl({ tlsSecret, passwordsSecret }) or KafkaSecurity.none()), got '<a string, not shown>'`,
  },
  {
    class: 'untyped',
    what: 'saslSsl without a tlsSecret',
    build: (c) => wf(c, { cluster: KafkaCluster.embedded({ security: KafkaSecurity.saslSsl(js({ passwordsSecret: kplus.Secret.fromSecretName(c, 'P', 'pw') })) }) }),
    message: `${WF}: 'cluster.security.tlsSecret' must be a Secret (kplus.Secret.fromSecretName(scope, id, name)), got undefined`,
  },
  {
    class: 'untyped',
    what: 'saslSsl with no options at all',
    build: (c) => wf(c, { cluster: KafkaCluster.embedded({ security: KafkaSecurity.saslSsl(js(undefined)) }) }),
    message: `${WF}: 'cluster.security.tlsSecret' must be a Secret (kplus.Secret.fromSecretName(scope, id, name)), got undefined`,
  },
  {
    class: 'secret',
    what: 'the passwords Secret given as the password itself',
    build: (c) => wf(c, { cluster: KafkaCluster.embedded({ security: KafkaSecurity.saslSsl({ tlsSecret: kplus.Secret.fromSecretName(c, 'T', 'tls'), passwordsSecret: js('hunter2') }) }) }),
    message: `${WF}: 'cluster.security.passwordsSecret' must be a Secret (kplus.Secret.fromSecretName(scope, id, name)), got '<a string, not shown>'`,
  },
  {
    class: 'secret',
    what: 'a TLS Secret whose name is not a DNS name',
    build: (c) => wf(c, { cluster: KafkaCluster.embedded({ security: KafkaSecurity.saslSsl({ tlsSecret: kplus.Secret.fromSecretName(c, 'T', 'Kafka TLS'), passwordsSecret: kplus.Secret.fromSecretName(c, 'P', 'pw') }) }) }),
    message: `${WF}: 'cluster.security.tlsSecret' must be a Secret whose name is a DNS-1123 subdomain, got 'Kafka TLS'`,
  },
  {
    class: 'kafka',
    what: 'a secured cluster given a listener JAAS setting of its own',
    build: (c) => wf(c, { cluster: KafkaCluster.embedded({ security: saslSsl(c), config: { 'listener.name.sasl_ssl.plain.sasl.jaas.config': 'x' } }) }),
    message: `${WF}: 'cluster.config.listener.name.sasl_ssl.plain.sasl.jaas.config' must be a setting other than the SASL mechanisms, the key and trust stores and the listeners' own (the cluster sets them with security), got 'listener.name.sasl_ssl.plain.sasl.jaas.config'`,
  },
  {
    class: 'kafka',
    what: 'a secured cluster given its own keystore',
    build: (c) => wf(c, { cluster: KafkaCluster.embedded({ security: saslSsl(c), config: { 'ssl.keystore.location': '/x.pem' } }) }),
    message: `${WF}: 'cluster.config.ssl.keystore.location' must be a setting other than the SASL mechanisms`,
  },
  {
    class: 'choice',
    what: 'an autoscaled stage on a secured cluster (KEDA would need a TriggerAuthentication)',
    build: (c) => {
      const w = wf(c, {
        cluster: KafkaCluster.embedded({
          security: saslSsl(c),
        }),
      });
      w.addTopic('in', { partitions: 3, source: true });
      w.addTopic('out', { sink: true });
      w.addFilter('keep', { input: 'in', output: 'out', condition: 'this.ok', autoscaling: { maxReplicas: 3 } });
    },
    message: `${STAGE('keep')}: 'autoscaling' must be unset with a secured cluster (KafkaSecurity.saslSsl): KEDA's Kafka scaler would need a TriggerAuthentication, which the workflow does not make yet, got '<a StageAutoscaling>'`,
  },
];

badInputs('KafkaWorkflow', cases);
