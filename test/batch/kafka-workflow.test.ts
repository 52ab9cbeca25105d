import { App, Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parse } from 'yaml';
import { buildApp as buildPhotoApp, PhotoPipelineChart } from '../../examples/kafka-photo-pipeline';
import {
  ConfigChecksum, CustomStageEnv, KafkaCluster, KafkaClusterKind, KafkaStage, KafkaStageKind, KafkaWorkflow, NetworkPeer, ReduceAggregation,
  StrimziKafka,
} from '../../src';
import { one, ofKind, synthValid } from '../harness';

function chart(namespace?: string): { app: App; chart: Chart } {
  const app = Testing.app();
  return { app, chart: new Chart(app, 'test', { namespace }) };
}

/** A small complete graph: source → filter → sink. */
function minimal(wf: KafkaWorkflow): void {
  wf.addTopic('in', { partitions: 3, source: true });
  wf.addTopic('out', { partitions: 3, sink: true });
  wf.addFilter('keep', { input: 'in', output: 'out', condition: 'this.ok' });
}

function env(container: any): Record<string, string> {
  return Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value ?? `<${Object.keys(e.valueFrom)[0]}>`]));
}

describe('KafkaWorkflow with the embedded cluster', () => {
  test('a KRaft StatefulSet, its headless Service, PVCs and PDB; a topics Job; a Bento Deployment per stage', () => {
    // GIVEN
    const { chart: c } = chart('shop');
    const wf = new KafkaWorkflow(c, 'orders');
    minimal(wf);

    // WHEN
    const objects = synthValid(c);

    // THEN
    expect(objects).toMatchSnapshot();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/orders-kafka-config',
      'Service/orders-kafka',
      'StatefulSet/orders-kafka',
      'PodDisruptionBudget/orders-kafka',
      'ConfigMap/orders-topics',
      expect.stringMatching(/^Job\/orders-topics-[0-9a-f]{8}$/),
      'NetworkPolicy/orders-kafka',
      'NetworkPolicy/orders-topics',
      'Deployment/orders-keep',
      'ConfigMap/orders-keep-config',
      'PodDisruptionBudget/orders-keep',
      'NetworkPolicy/orders-keep',
    ]);
    const sts = one(objects, 'StatefulSet');
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10240Mi');
    const kafka = sts.spec.template.spec.containers[0];
    expect(kafka.image).toBe('apache/kafka:4.3.1');
    expect(kafka.command).toEqual(['/bin/sh', '/etc/kafka-workflow/start.sh']);
    expect(kafka.ports).toEqual([{ containerPort: 9092, name: 'kafka' }, { containerPort: 9093, name: 'controller' }]);
    expect(env(kafka)).toEqual({
      POD_NAME: '<fieldRef>',
      POD_NAMESPACE: '<fieldRef>',
      KAFKA_CLUSTER_ID: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      KAFKA_HEAP_OPTS: '-Xms1024m -Xmx1024m',
      LOG_DIR: '/opt/kafka/logs',
    });
    expect(kafka.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true });
    expect(kafka.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/tmp', '/opt/kafka/logs', '/var/run/kafka', '/etc/kafka-workflow', '/var/lib/kafka/data']);
    expect(sts.spec.template.metadata.annotations[ConfigChecksum.ANNOTATION]).toMatch(/^[0-9a-f]{64}$/);
    const svc = one(objects, 'Service');
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.publishNotReadyAddresses).toBe(true);
    expect(one(objects, 'PodDisruptionBudget', 'orders-kafka').spec.maxUnavailable).toBe(1);

    const props = one(objects, 'ConfigMap', 'orders-kafka-config').data['server.properties'];
    expect(props).toContain('controller.quorum.voters=0@orders-kafka-0.orders-kafka.shop.svc.cluster.local:9093,1@orders-kafka-1.orders-kafka.shop.svc.cluster.local:9093,2@orders-kafka-2.orders-kafka.shop.svc.cluster.local:9093\n');
    expect(props).toContain('advertised.listeners=PLAINTEXT://@POD_NAME@.orders-kafka.@POD_NAMESPACE@.svc:9092\n');
    expect(props).toContain('log.dirs=/var/lib/kafka/data/kraft-logs\n');

    expect(wf.bootstrapServers).toEqual([0, 1, 2].map((i) => `orders-kafka-${i}.orders-kafka.shop.svc.cluster.local:9092`));
    const job = one(objects, 'Job');
    expect(job.spec.backoffLimit).toBe(20);
    expect(env(job.spec.template.spec.containers[0])).toEqual({
      KAFKA_BOOTSTRAP_SERVERS: wf.bootstrapServers.join(','), KAFKA_HEAP_OPTS: '-Xmx256m', LOG_DIR: '/tmp',
    });
    const script = one(objects, 'ConfigMap', 'orders-topics').data['create-topics.sh'];
    expect(script.split('\n').filter((l: string) => l.startsWith('ensure '))).toEqual([
      'ensure \'in\' 3 3 \'\'',
      'ensure \'out\' 3 3 \'\'',
    ]);

    const dep = one(objects, 'Deployment', 'orders-keep');
    expect(dep.spec.replicas).toBe(2);
    const bento = dep.spec.template.spec.containers[0];
    expect(bento.image).toBe('ghcr.io/warpstreamlabs/bento:1.20.0');
    expect(bento.args).toEqual(['-c', '/etc/bento/config.yaml']);
    expect(bento.readinessProbe.httpGet).toMatchObject({ path: '/ready', port: 4195 });
    expect(bento.livenessProbe.httpGet).toMatchObject({ path: '/ping', port: 4195 });
    expect(bento.securityContext).toMatchObject({ runAsUser: 10001, runAsGroup: 10001, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    const { 'cdk8s.io/metadata.addr': _addr, ...podLabels } = dep.spec.template.metadata.labels;
    expect(podLabels).toEqual({
      'app.kubernetes.io/name': 'bento',
      'app.kubernetes.io/instance': 'orders',
      'app.kubernetes.io/component': 'stage',
      'app.kubernetes.io/part-of': 'orders',
      'app.kubernetes.io/version': '1.20.0',
      'app.kubernetes.io/managed-by': 'cdk8s-distributed-patterns',
      'cdk8s-distributed-patterns/stage': 'keep',
    });
    expect(dep.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'bento', 'app.kubernetes.io/instance': 'orders', 'app.kubernetes.io/component': 'stage', 'cdk8s-distributed-patterns/stage': 'keep',
    });
    expect(bento.imagePullPolicy).toBe('IfNotPresent');
    expect(sts.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'kafka', 'app.kubernetes.io/instance': 'orders', 'app.kubernetes.io/component': 'broker' });
    expect(sts.spec.template.metadata.labels['app.kubernetes.io/version']).toBe('4.3.1');
    expect(job.spec.template.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'kafka', 'app.kubernetes.io/component': 'topics', 'app.kubernetes.io/version': '4.3.1' });
    expect(job.spec.template.spec.containers[0].resources).toEqual({ limits: { 'cpu': '1', 'memory': '512Mi', 'ephemeral-storage': '64Mi' }, requests: { 'cpu': '100m', 'memory': '384Mi', 'ephemeral-storage': '16Mi' } });
    const config = parse(one(objects, 'ConfigMap', 'orders-keep-config').data['config.yaml']);
    expect(config.input.kafka_franz).toMatchObject({ seed_brokers: wf.bootstrapServers, topics: ['in'], consumer_group: 'orders-keep' });
    expect(config.output.reject_errored.kafka_franz.topic).toBe('out');
    expect(wf.stage('keep')!.consumerGroup).toBe('orders-keep');
  });

  test('the KRaft cluster id is stable for a namespace and StatefulSet name, and can be given', () => {
    const id = (ns: string | undefined, name: string, clusterId?: string) => {
      const { chart: c } = chart(ns);
      const wf = new KafkaWorkflow(c, 'x', { name, cluster: KafkaCluster.embedded({ brokers: 1, clusterId }) });
      return env(one(Testing.synth(c), 'StatefulSet').spec.template.spec.containers[0]).KAFKA_CLUSTER_ID + (wf ? '' : '');
    };
    expect(id('a', 'wf')).toBe(id('a', 'wf'));
    expect(id('a', 'wf')).not.toBe(id('b', 'wf'));
    expect(id('a', 'wf')).not.toBe(id('a', 'wf2'));
    expect(id('a', 'wf', 'MkU3OEVBNTcwNTJENDM2Qg')).toBe('MkU3OEVBNTcwNTJENDM2Qg');
  });

  test('the topics Job is named after its script: a new topic gives a new Job', () => {
    const jobName = (extra: boolean) => {
      const { chart: c } = chart();
      const wf = new KafkaWorkflow(c, 'wf', { cluster: KafkaCluster.embedded({ brokers: 1 }) });
      minimal(wf);
      if (extra) wf.addTopic('more', { source: true, sink: true });
      return one(Testing.synth(c), 'Job').metadata.name;
    };
    expect(jobName(false)).toBe(jobName(false));
    expect(jobName(false)).not.toBe(jobName(true));
  });

  test('brokers, storage, heap and broker settings', () => {
    const { chart: c } = chart();
    const wf = new KafkaWorkflow(c, 'wf', {
      cluster: KafkaCluster.embedded({ brokers: 5, storage: Size.gibibytes(100), storageClassName: 'fast', heap: Size.gibibytes(4), config: { 'log.retention.hours': '24' } }),
    });
    minimal(wf);
    const objects = synthValid(c);
    const sts = one(objects, 'StatefulSet');
    expect(sts.spec.replicas).toBe(5);
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'fast', resources: { requests: { storage: '102400Mi' } } });
    const kafka = sts.spec.template.spec.containers[0];
    expect(env(kafka).KAFKA_HEAP_OPTS).toBe('-Xms4096m -Xmx4096m');
    expect(kafka.resources).toEqual({ limits: { 'cpu': '2', 'memory': '8192Mi', 'ephemeral-storage': '256Mi' }, requests: { 'cpu': '250m', 'memory': '6144Mi', 'ephemeral-storage': '64Mi' } });
    const props = one(objects, 'ConfigMap', 'wf-kafka-config').data['server.properties'];
    expect(props).toContain('\nlog.retention.hours=24\n');
    expect(props).toContain('\nmin.insync.replicas=2\n');
    expect(wf.topic('in')!.replicationFactor).toBe(3);
  });

  test('a single broker gives topics a replication factor of 1 and no PDB for the broker', () => {
    const { chart: c } = chart();
    const wf = new KafkaWorkflow(c, 'wf', { cluster: KafkaCluster.embedded({ brokers: 1 }) });
    minimal(wf);
    const objects = synthValid(c);
    expect(ofKind(objects, 'PodDisruptionBudget').map((p) => p.metadata.name)).toEqual(['wf-keep']);
    expect(wf.topic('in')!.replicationFactor).toBe(1);
    expect(wf.bootstrapServers).toEqual(['wf-kafka-0.wf-kafka:9092']);
  });
});

describe('KafkaWorkflow with Strimzi', () => {
  test('Kafka and KafkaNodePool with the KRaft and node-pool annotations, KafkaTopics, no StatefulSet or Job', () => {
    const { chart: c } = chart('shop');
    const wf = new KafkaWorkflow(c, 'orders', { cluster: KafkaCluster.strimzi({ storage: Size.gibibytes(20), storageClassName: 'ssd', version: '4.1.0' }) });
    wf.addTopic('Orders_V1', { partitions: 6, source: true, config: { 'retention.ms': '86400000' } });
    wf.addTopic('valid-orders', { partitions: 6, sink: true });
    wf.addFilter('validate', { input: 'Orders_V1', output: 'valid-orders', condition: 'this.total > 0' });
    const objects = synthValid(c);
    expect(objects).toMatchSnapshot();
    expect(ofKind(objects, 'StatefulSet')).toEqual([]);
    expect(ofKind(objects, 'Job')).toEqual([]);
    const kafka = one(objects, 'Kafka');
    expect(kafka.apiVersion).toBe('kafka.strimzi.io/v1');
    expect(kafka.metadata.annotations).toEqual({ 'strimzi.io/kraft': 'enabled', 'strimzi.io/node-pools': 'enabled' });
    expect(kafka.spec).toEqual({
      kafka: {
        version: '4.1.0',
        listeners: [{ name: 'plain', port: 9092, type: 'internal', tls: false }],
        config: {
          'auto.create.topics.enable': 'false',
          'default.replication.factor': '3',
          'min.insync.replicas': '2',
          'offsets.topic.replication.factor': '3',
          'transaction.state.log.replication.factor': '3',
          'transaction.state.log.min.isr': '2',
        },
      },
      entityOperator: { topicOperator: {} },
    });
    const pool = one(objects, 'KafkaNodePool');
    expect(pool.metadata.name).toBe('orders-dual-role');
    expect(pool.metadata.labels['strimzi.io/cluster']).toBe('orders');
    expect(pool.spec).toEqual({
      replicas: 3,
      roles: ['controller', 'broker'],
      storage: { type: 'jbod', volumes: [{ id: 0, type: 'persistent-claim', size: '20480Mi', deleteClaim: false, kraftMetadata: 'shared', class: 'ssd' }] },
    });
    const topics = ofKind(objects, 'KafkaTopic');
    expect(topics.map((t) => [t.metadata.name, t.metadata.labels['strimzi.io/cluster'], t.spec])).toEqual([
      [expect.stringMatching(/^orders-v1-[0-9a-f]{8}$/), 'orders', { topicName: 'Orders_V1', partitions: 6, replicas: 3, config: { 'retention.ms': '86400000' } }],
      ['valid-orders', 'orders', { partitions: 6, replicas: 3 }],
    ]);
    expect(wf.bootstrapServers).toEqual(['orders-kafka-bootstrap.shop.svc.cluster.local:9092']);
    expect(wf.strimziKafka).toBeInstanceOf(StrimziKafka);
  });

  test('a topic name that is a valid object name is used as it is', () => {
    expect(KafkaWorkflow.topicObjectName('photos.v1')).toBe('photos.v1');
    expect(KafkaWorkflow.topicObjectName('Photos')).toMatch(/^photos-[0-9a-f]{8}$/);
    expect(KafkaWorkflow.topicObjectName('a..b')).toMatch(/^a\.b-[0-9a-f]{8}$/);
    expect(KafkaWorkflow.topicObjectName('_x_')).toMatch(/^x-[0-9a-f]{8}$/);
    expect(KafkaWorkflow.topicObjectName('Photos')).not.toBe(KafkaWorkflow.topicObjectName('photos_'));
  });
});

describe('KafkaWorkflow with an external cluster', () => {
  test('no cluster objects; the topics Job against the given bootstrap; replication factors unchecked and 3 by default', () => {
    const { chart: c } = chart();
    const wf = new KafkaWorkflow(c, 'wf', { cluster: KafkaCluster.external({ bootstrapServers: ['kafka.data.svc:9092'] }) });
    wf.addTopic('in', { source: true, replicationFactor: 5 });
    wf.addTopic('out', { sink: true });
    wf.addCopier('copy', { input: 'in', outputs: ['out'] });
    const objects = synthValid(c);
    expect(objects.map((o) => o.kind)).toEqual(['ConfigMap', 'Job', 'NetworkPolicy', 'Deployment', 'ConfigMap', 'PodDisruptionBudget', 'NetworkPolicy']);
    expect(env(one(objects, 'Job').spec.template.spec.containers[0]).KAFKA_BOOTSTRAP_SERVERS).toBe('kafka.data.svc:9092');
    expect(wf.topic('out')!.replicationFactor).toBe(3);
    expect(wf.brokers).toBeUndefined();
    expect(wf.cluster.kind).toBe(KafkaClusterKind.EXTERNAL);
  });

  test('createTopics: false makes no Job', () => {
    const { chart: c } = chart();
    const wf = new KafkaWorkflow(c, 'wf', { cluster: KafkaCluster.external({ bootstrapServers: ['k:9092'], brokers: 3, createTopics: false }) });
    minimal(wf);
    expect(ofKind(synthValid(c), 'Job')).toEqual([]);
    expect(wf.topicsJob).toBeUndefined();
  });
});

describe('stages', () => {
  test('every kind, with its consumer group, replicas and config', () => {
    const { chart: c } = chart();
    const wf = new KafkaWorkflow(c, 'wf', { cluster: KafkaCluster.embedded({ brokers: 1 }), deadLetterTopic: 'dlq' });
    wf.addTopic('in', { partitions: 4, source: true });
    wf.addTopic('b', { partitions: 1, source: true });
    for (const t of ['c1', 'c2', 'f', 's1', 's2', 'h0', 'h1', 'm', 'j', 'r', 'x']) wf.addTopic(t, { sink: true });
    wf.addTopic('dlq', { sink: true });
    wf.addCopier('copier', { input: 'in', outputs: ['c1', 'c2'] });
    wf.addFilter('filter', { input: 'in', output: 'f', condition: 'this.ok' });
    wf.addSplitter('splitter', { input: 'in', routes: [{ condition: 'this.a', output: 's1' }], unmatchedOutput: 's2' });
    wf.addSharder('sharder', { input: 'in', key: 'this.k', outputs: ['h0', 'h1'], replicas: 4 });
    wf.addMerger('merger', { inputs: ['in', 'b'], output: 'm', replicas: 5 });
    wf.addJoin('join', { inputs: ['in'], output: 'j', batchKey: 'this.id', countQuery: 'this.n' });
    wf.addReduce('reduce', { input: 'in', output: 'r', key: 'this.k', aggregations: [ReduceAggregation.sum('s', 'this.v')] });
    wf.addCustom('custom', {
      inputs: ['b'], outputs: ['x'], container: { image: 'example/worker:1.0', env: { MODE: kplus.EnvValue.fromValue('fast') }, uid: 2000 },
    });
    const objects = synthValid(c);
    expect(wf.stages.map((s) => [s.stageName, s.kind, s.consumerGroup, s.replicas])).toEqual([
      ['copier', KafkaStageKind.COPIER, 'wf-copier', 2],
      ['filter', KafkaStageKind.FILTER, 'wf-filter', 2],
      ['splitter', KafkaStageKind.SPLITTER, 'wf-splitter', 2],
      ['sharder', KafkaStageKind.SHARDER, 'wf-sharder', 4],
      ['merger', KafkaStageKind.MERGER, 'wf-merger', 5],
      ['join', KafkaStageKind.JOIN, 'wf-join', 1],
      ['reduce', KafkaStageKind.REDUCE, 'wf-reduce', 1],
      ['custom', KafkaStageKind.CUSTOM, 'wf-custom', 1],
    ]);
    expect(ofKind(objects, 'Deployment').map((d) => [d.metadata.name, d.spec.replicas])).toEqual([
      ['wf-copier', 2], ['wf-filter', 2], ['wf-splitter', 2], ['wf-sharder', 4], ['wf-merger', 5], ['wf-join', 1], ['wf-reduce', 1], ['wf-custom', 1],
    ]);
    // the join's pending topic: declared with the partitions of its input, created by the Job
    expect(wf.topic('join.pending')!.partitions).toBe(4);
    expect(wf.topic('join.pending')!.internalTo).toBe('join');
    expect(one(objects, 'ConfigMap', 'wf-topics').data['create-topics.sh']).toContain('ensure \'join.pending\' 4 1 \'\'\n');
    // windowed stages get 1 GiB
    const limits = (name: string) => one(objects, 'Deployment', name).spec.template.spec.containers[0].resources.limits.memory;
    expect([limits('wf-filter'), limits('wf-join'), limits('wf-reduce')]).toEqual(['256Mi', '1024Mi', '1024Mi']);
    // every Bento stage sends failures to the dead-letter topic
    for (const s of wf.stages.filter((x) => x.kind !== KafkaStageKind.CUSTOM)) {
      expect(parse(s.config!).output.switch.cases[0].output.kafka_franz.topic).toBe('dlq');
    }
    // the custom stage's environment contract
    const custom = one(objects, 'Deployment', 'wf-custom').spec.template.spec;
    expect(env(custom.containers[0])).toEqual({
      KAFKA_BOOTSTRAP_SERVERS: 'wf-kafka-0.wf-kafka:9092',
      KAFKA_CLIENT_ID: 'wf-custom',
      KAFKA_CONSUMER_GROUP: 'wf-custom',
      KAFKA_DEAD_LETTER_TOPIC: 'dlq',
      KAFKA_INPUT_TOPICS: 'b',
      KAFKA_OUTPUT_TOPICS: 'x',
      MODE: 'fast',
      STAGE_NAME: 'custom',
    });
    expect(custom.securityContext).toMatchObject({ runAsUser: 2000, runAsGroup: 2000 });
    expect(custom.containers[0]).toMatchObject({ name: 'stage', image: 'example/worker:1.0', imagePullPolicy: 'IfNotPresent' });
    expect(custom.containers[0].resources).toEqual({ limits: { 'cpu': '1', 'memory': '256Mi', 'ephemeral-storage': '1Gi' }, requests: { 'cpu': '50m', 'memory': '64Mi', 'ephemeral-storage': '64Mi' } });
    expect(CustomStageEnv.names()).toEqual(['KAFKA_BOOTSTRAP_SERVERS', 'KAFKA_INPUT_TOPICS', 'KAFKA_OUTPUT_TOPICS', 'KAFKA_CONSUMER_GROUP', 'KAFKA_CLIENT_ID', 'STAGE_NAME', 'KAFKA_DEAD_LETTER_TOPIC',
      'KAFKA_SECURITY_PROTOCOL', 'KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SSL_CA_FILE']);
  });

  test('KEDA autoscaling on consumer lag: a ScaledObject per stage with a trigger per input, no fixed replicas', () => {
    const { chart: c } = chart();
    const wf = new KafkaWorkflow(c, 'wf', { cluster: KafkaCluster.embedded({ brokers: 1 }) });
    wf.addTopic('a', { partitions: 4, source: true });
    wf.addTopic('b', { partitions: 2, source: true });
    wf.addTopic('m', { sink: true });
    wf.addMerger('merge', { inputs: ['a', 'b'], output: 'm', autoscaling: { minReplicas: 2, lagThreshold: 500, pollingInterval: Duration.seconds(15) } });
    const objects = synthValid(c);
    const dep = one(objects, 'Deployment');
    expect(dep.spec.replicas).toBeUndefined();
    const so = one(objects, 'ScaledObject');
    expect(so.apiVersion).toBe('keda.sh/v1alpha1');
    expect(so.spec).toEqual({
      scaleTargetRef: { name: 'wf-merge' },
      pollingInterval: 15,
      minReplicaCount: 2,
      maxReplicaCount: 6,
      triggers: ['a', 'b'].map((topic) => ({
        type: 'kafka',
        metadata: { bootstrapServers: 'wf-kafka-0.wf-kafka:9092', consumerGroup: 'wf-merge', topic, lagThreshold: '500', offsetResetPolicy: 'earliest' },
      })),
    });
    expect(one(objects, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  });

  test('an autoscaled stage\'s PodDisruptionBudget and spread are sized for its maximum, not its minimum', () => {
    // GIVEN a stage KEDA scales from 1 to 4 replicas (its minimum alone would need neither)
    const { chart: c } = chart();
    const wf = new KafkaWorkflow(c, 'wf', { cluster: KafkaCluster.embedded({ brokers: 1 }) });
    wf.addTopic('a', { partitions: 4, source: true });
    wf.addTopic('b', { sink: true });
    wf.addFilter('f', { input: 'a', output: 'b', condition: 'true', autoscaling: { minReplicas: 1, maxReplicas: 4 } });
    wf.addFilter('g', { input: 'a', output: 'b', condition: 'true', autoscaling: { minReplicas: 1, maxReplicas: 1 } });

    // WHEN
    const objects = synthValid(c);

    // THEN the 1..4 stage has a PDB and a spread, the 1..1 stage neither
    expect(one(objects, 'PodDisruptionBudget', 'wf-f').spec).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: { [KafkaStage.STAGE_LABEL]: 'f' } } });
    expect(one(objects, 'Deployment', 'wf-f').spec.template.spec.topologySpreadConstraints[0].topologyKey).toBe('kubernetes.io/hostname');
    expect(ofKind(objects, 'PodDisruptionBudget', 'wf-g')).toEqual([]);
    expect(one(objects, 'Deployment', 'wf-g').spec.template.spec.topologySpreadConstraints).toBeUndefined();
    expect(wf.stage('f')!.podDisruptionBudget).toBeDefined();
  });

  test('image overrides', () => {
    const { chart: c } = chart();
    const wf = new KafkaWorkflow(c, 'wf', { images: { kafka: 'mirror.example/kafka:4.3.1', bento: 'mirror.example/bento:1.20.0' } });
    minimal(wf);
    const objects = synthValid(c);
    expect(one(objects, 'StatefulSet').spec.template.spec.containers[0].image).toBe('mirror.example/kafka:4.3.1');
    expect(one(objects, 'Job').spec.template.spec.containers[0].image).toBe('mirror.example/kafka:4.3.1');
    expect(one(objects, 'Deployment').spec.template.spec.containers[0].image).toBe('mirror.example/bento:1.20.0');
  });
});

describe('pod options, labels and resources', () => {
  const pod = {
    imagePullSecrets: [kplus.Secret.fromSecretName(Testing.chart(), 'PullSecret', 'registry-creds')],
    serviceAccount: kplus.ServiceAccount.fromServiceAccountName(Testing.chart(), 'Sa', 'pipeline'),
    nodeSelector: { pool: 'batch' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }],
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'arch', operator: 'In', values: ['amd64'] }] }] } } },
    priorityClassName: 'batch',
    labels: { team: 'photos' },
    annotations: { 'example.com/owner': 'photos' },
  };

  test('every pod template gets the pod options: the brokers, the topics Job, every stage (Bento and custom)', () => {
    // GIVEN every pod option, a Bento stage and a custom stage
    const { chart: c } = chart();
    const wf = new KafkaWorkflow(c, 'wf', { pod, partOf: 'shop' });
    minimal(wf);
    wf.addTopic('done', { sink: true });
    wf.addCustom('mine', { inputs: ['out'], outputs: ['done'], container: { image: 'example/worker:1.0' } });

    // WHEN
    const objects = synthValid(c);

    // THEN each of the four pod templates carries every option
    const templates = [one(objects, 'StatefulSet'), one(objects, 'Job'), one(objects, 'Deployment', 'wf-keep'), one(objects, 'Deployment', 'wf-mine')]
      .map((o) => o.spec.template);
    expect(templates).toHaveLength(4);
    for (const t of templates) {
      expect(t.spec).toMatchObject({
        imagePullSecrets: [{ name: 'registry-creds' }],
        serviceAccountName: 'pipeline',
        automountServiceAccountToken: false,
        nodeSelector: { pool: 'batch' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'arch', operator: 'In', values: ['amd64'] }] }] } } },
        priorityClassName: 'batch',
      });
      expect(t.metadata.labels).toMatchObject({ 'team': 'photos', 'app.kubernetes.io/part-of': 'shop' });
      expect(t.metadata.annotations['example.com/owner']).toBe('photos');
      for (const container of t.spec.containers) expect(container.imagePullPolicy).toBe('IfNotPresent');
    }
    // every object is part of the application
    for (const o of objects) expect(o.metadata.labels?.['app.kubernetes.io/part-of']).toBe('shop');
  });

  test('the label rule: name the software, instance the base name, component the role, version the image tag', () => {
    const { chart: c } = chart();
    const wf = new KafkaWorkflow(c, 'wf');
    minimal(wf);
    wf.addTopic('done', { sink: true });
    wf.addCustom('mine', { inputs: ['out'], outputs: ['done'], container: { image: 'example/worker:1.4.2' } });
    const objects = synthValid(c);
    const label = (o: any, k: string) => o.metadata.labels[`app.kubernetes.io/${k}`];
    expect(objects.map((o) => [o.kind, o.metadata.name, label(o, 'name'), label(o, 'instance'), label(o, 'component'), label(o, 'version')])).toEqual([
      ['ConfigMap', 'wf-kafka-config', 'kafka', 'wf', 'broker', '4.3.1'],
      ['Service', 'wf-kafka', 'kafka', 'wf', 'broker', '4.3.1'],
      ['StatefulSet', 'wf-kafka', 'kafka', 'wf', 'broker', '4.3.1'],
      ['PodDisruptionBudget', 'wf-kafka', 'kafka', 'wf', 'broker', '4.3.1'],
      ['ConfigMap', 'wf-topics', 'kafka', 'wf', 'topics', '4.3.1'],
      ['Job', expect.stringMatching(/^wf-topics-/), 'kafka', 'wf', 'topics', '4.3.1'],
      ['NetworkPolicy', 'wf-kafka', 'kafka', 'wf', 'broker', '4.3.1'],
      ['NetworkPolicy', 'wf-topics', 'kafka', 'wf', 'topics', '4.3.1'],
      ['Deployment', 'wf-keep', 'bento', 'wf', 'stage', '1.20.0'],
      ['ConfigMap', 'wf-keep-config', 'bento', 'wf', 'stage', '1.20.0'],
      ['PodDisruptionBudget', 'wf-keep', 'bento', 'wf', 'stage', '1.20.0'],
      ['NetworkPolicy', 'wf-keep', 'bento', 'wf', 'stage', '1.20.0'],
      ['Deployment', 'wf-mine', 'wf', 'wf', 'stage', '1.4.2'],
      ['PodDisruptionBudget', 'wf-mine', 'wf', 'wf', 'stage', '1.4.2'],
      ['NetworkPolicy', 'wf-mine', 'wf', 'wf', 'stage', '1.4.2'],
    ]);
    expect(one(objects, 'Deployment', 'wf-mine').spec.selector.matchLabels[KafkaStage.STAGE_LABEL]).toBe('mine');
  });

  test('topologySpreadConstraints in the pod options replace the spread of the brokers and of every stage', () => {
    const { chart: c } = chart();
    const spread = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' }];
    const wf = new KafkaWorkflow(c, 'wf', { pod: { topologySpreadConstraints: spread } });
    minimal(wf);
    const objects = synthValid(c);
    for (const o of [one(objects, 'StatefulSet'), one(objects, 'Deployment')]) expect(o.spec.template.spec.topologySpreadConstraints).toEqual(spread);
    expect(ofKind(objects, 'PodDisruptionBudget').map((p) => p.metadata.name)).toEqual(['wf-kafka', 'wf-keep']);
  });

  test('broker, topics Job and stage resources', () => {
    const { chart: c } = chart();
    const r = (cpu: number, mem: number) => ({
      cpu: { request: kplus.Cpu.millis(cpu), limit: kplus.Cpu.millis(cpu * 2) },
      memory: { request: Size.mebibytes(mem), limit: Size.mebibytes(mem * 2) },
    });
    const wf = new KafkaWorkflow(c, 'wf', { cluster: KafkaCluster.embedded({ brokerResources: r(500, 1536) }), topicsJobResources: r(200, 300) });
    wf.addTopic('in', { source: true });
    wf.addTopic('out', { sink: true });
    wf.addFilter('keep', { input: 'in', output: 'out', condition: 'this.ok', resources: r(100, 100) });
    const objects = synthValid(c);
    const res = (o: any) => o.spec.template.spec.containers[0].resources;
    expect(res(one(objects, 'StatefulSet'))).toEqual({ requests: { 'cpu': '500m', 'memory': '1536Mi', 'ephemeral-storage': '64Mi' }, limits: { 'cpu': '1000m', 'memory': '3072Mi', 'ephemeral-storage': '256Mi' } });
    expect(res(one(objects, 'Job'))).toEqual({ requests: { 'cpu': '200m', 'memory': '300Mi', 'ephemeral-storage': '16Mi' }, limits: { 'cpu': '400m', 'memory': '600Mi', 'ephemeral-storage': '64Mi' } });
    expect(res(one(objects, 'Deployment'))).toEqual({ requests: { 'cpu': '100m', 'memory': '100Mi', 'ephemeral-storage': '16Mi' }, limits: { 'cpu': '200m', 'memory': '200Mi', 'ephemeral-storage': '64Mi' } });
  });

  test('Strimzi: the pod options go into the Kafka\'s pod templates (brokers and entity operator); broker resources into the node pool', () => {
    // GIVEN the pod options Strimzi has fields for
    const { chart: c } = chart();
    const wf = new KafkaWorkflow(c, 'wf', {
      cluster: KafkaCluster.strimzi({
        brokerResources: { cpu: { request: kplus.Cpu.units(1) }, memory: { request: Size.gibibytes(4), limit: Size.gibibytes(4) } },
      }),
      pod: {
        imagePullSecrets: pod.imagePullSecrets,
        tolerations: pod.tolerations,
        affinity: pod.affinity,
        priorityClassName: 'batch',
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' }],
        labels: pod.labels,
        annotations: pod.annotations,
      },
    });
    minimal(wf);

    // WHEN
    const objects = synthValid(c);

    // THEN both pod templates hold them, in the API's shapes
    const kafka = one(objects, 'Kafka');
    const expected = {
      metadata: { labels: { team: 'photos' }, annotations: { 'example.com/owner': 'photos' } },
      imagePullSecrets: [{ name: 'registry-creds' }],
      affinity: pod.affinity,
      tolerations: pod.tolerations,
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' }],
      priorityClassName: 'batch',
    };
    expect(kafka.spec.kafka.template).toEqual({ pod: expected });
    expect(kafka.spec.entityOperator).toEqual({ topicOperator: {}, template: { pod: expected } });
    expect(one(objects, 'KafkaNodePool').spec.resources).toEqual({ requests: { cpu: '1', memory: '4096Mi' }, limits: { memory: '4096Mi' } });
    // and the stage too
    expect(one(objects, 'Deployment').spec.template.spec.priorityClassName).toBe('batch');
  });
});

describe('topics against the cluster\'s settings', () => {
  test('the default replication factor is at least the brokers\' min.insync.replicas', () => {
    const { chart: c } = chart();
    const wf = new KafkaWorkflow(c, 'wf', { cluster: KafkaCluster.embedded({ brokers: 5, config: { 'min.insync.replicas': '3' } }) });
    expect(wf.brokerMinInsyncReplicas).toBe(3);
    expect(wf.addTopic('t').replicationFactor).toBe(3);
    expect(wf.addTopic('u', { config: { 'min.insync.replicas': '1' }, replicationFactor: 1 }).replicationFactor).toBe(1);
  });

  test('fails when a topic has fewer replicas than the brokers\' min.insync.replicas and no setting of its own', () => {
    const wf = new KafkaWorkflow(chart().chart, 'wf', { cluster: KafkaCluster.embedded({ brokers: 3 }) });
    expect(() => wf.addTopic('events', { replicationFactor: 1 })).toThrow(
      'KafkaWorkflowTopic \'test/wf/Topics/events\': \'replicationFactor\' of topic \'events\' must be at least the brokers\' min.insync.replicas (2), or a lower \'min.insync.replicas\' in the topic\'s config: with fewer replicas every acks=all write fails with NOT_ENOUGH_REPLICAS, got 1');
  });

  test('fails when a topic\'s min.insync.replicas is more than its replication factor', () => {
    const wf = new KafkaWorkflow(chart().chart, 'wf', { cluster: KafkaCluster.strimzi({ replicas: 3 }) });
    expect(() => wf.addTopic('events', { replicationFactor: 2, config: { 'min.insync.replicas': '3' } })).toThrow(
      'KafkaWorkflowTopic \'test/wf/Topics/events\': \'config.min.insync.replicas\' of topic \'events\' must be at most the topic\'s replication factor (2): with more, every acks=all write fails with NOT_ENOUGH_REPLICAS, got \'3\'');
  });

  test('an external cluster: min.insync.replicas as given, else assumed 1 (and the blueprint says so)', () => {
    const given = new KafkaWorkflow(chart().chart, 'wf', { cluster: KafkaCluster.external({ bootstrapServers: ['k:9092'], brokers: 3, minInsyncReplicas: 2 }) });
    expect(() => given.addTopic('t', { replicationFactor: 1 })).toThrow('must be at least the brokers\' min.insync.replicas (2)');
    const assumed = new KafkaWorkflow(chart().chart, 'wf', { cluster: KafkaCluster.external({ bootstrapServers: ['k:9092'] }) });
    expect(assumed.brokerMinInsyncReplicas).toBe(1);
    expect(assumed.addTopic('t', { replicationFactor: 1 }).replicationFactor).toBe(1);
  });

  test('tiered storage settings need a cluster with tiered storage', () => {
    const off = new KafkaWorkflow(chart().chart, 'wf');
    expect(() => off.addTopic('t', { config: { 'remote.storage.enable': 'true' } })).toThrow('\'config.remote.storage.enable\' of topic \'t\' must be false or unset on a cluster without tiered storage');
    const on = new KafkaWorkflow(chart().chart, 'wf', { cluster: KafkaCluster.embedded({ config: { 'remote.log.storage.system.enable': 'true' } }) });
    expect(on.addTopic('t', { config: { 'remote.storage.enable': 'true' } }).config).toEqual({ 'remote.storage.enable': 'true' });
  });
});

describe('the graph check', () => {
  test('a topic read but never written, written but never read, or unused', () => {
    const { app, chart: c } = chart();
    const wf = new KafkaWorkflow(c, 'wf', { cluster: KafkaCluster.embedded({ brokers: 1 }) });
    wf.addTopic('in');
    wf.addTopic('out');
    wf.addTopic('idle');
    wf.addFilter('keep', { input: 'in', output: 'out', condition: 'this.ok' });
    const problems = [
      'topic \'in\' is read by stage \'keep\' but no stage writes it: declare it a source (source: true) or add a stage that writes it',
      'topic \'out\' is written by stage \'keep\' but no stage reads it: declare it a sink (sink: true) or add a stage that reads it',
      'topic \'idle\' is neither read nor written by any stage',
    ];
    expect(wf.checkGraph()).toEqual(problems);
    expect(() => app.synth()).toThrow(problems[0]);
  });

  test('fails when there is a cycle; allowCycle on one of its stages allows it', () => {
    const build = (allow: boolean) => {
      const { chart: c } = chart();
      const wf = new KafkaWorkflow(c, 'wf', { cluster: KafkaCluster.embedded({ brokers: 1 }) });
      wf.addTopic('in', { source: true });
      wf.addTopic('a');
      wf.addTopic('b', { sink: true });
      wf.addMerger('m', { inputs: ['in', 'b'], output: 'a' });
      wf.addFilter('f', { input: 'a', output: 'b', condition: 'this.retry', allowCycle: allow });
      return wf;
    };
    expect(build(false).checkGraph()).toEqual([
      'the graph has a cycle: m -> a -> f -> b -> m; set allowCycle on one of its stages if the loop is deliberate',
    ]);
    expect(build(true).checkGraph()).toEqual([]);
  });

  test('a join\'s own pending topic is not a cycle', () => {
    const { chart: c } = chart();
    const wf = new KafkaWorkflow(c, 'wf', { cluster: KafkaCluster.embedded({ brokers: 1 }) });
    wf.addTopic('p', { source: true });
    wf.addTopic('b', { sink: true });
    wf.addJoin('j', { inputs: ['p'], output: 'b', batchKey: 'this.id', count: 2 });
    expect(wf.checkGraph()).toEqual([]);
  });

  test('the dead-letter topic is written by every Bento stage', () => {
    const { chart: c } = chart();
    const wf = new KafkaWorkflow(c, 'wf', { cluster: KafkaCluster.embedded({ brokers: 1 }), deadLetterTopic: 'dlq' });
    wf.addTopic('dlq');
    minimal(wf);
    expect(wf.checkGraph()).toEqual([
      'topic \'dlq\' is written by stage \'keep\' but no stage reads it: declare it a sink (sink: true) or add a stage that reads it',
    ]);
  });
});

describe('fails when', () => {
  const wf = (cluster = KafkaCluster.embedded({ brokers: 3 })) => new KafkaWorkflow(chart().chart, 'wf', { cluster });

  test('the replication factor is more than the brokers', () => {
    expect(() => wf().addTopic('t', { replicationFactor: 4 }))
      .toThrow('KafkaWorkflowTopic \'test/wf/Topics/t\': \'replicationFactor\' of topic \'t\' must be an integer from 1 to 3 (the cluster has 3 brokers), got 4');
    expect(() => wf(KafkaCluster.strimzi({ replicas: 1 })).addTopic('t', { replicationFactor: 2 }))
      .toThrow('KafkaWorkflowTopic \'test/wf/Topics/t\': \'replicationFactor\' of topic \'t\' must be an integer from 1 to 1 (the cluster has 1 broker), got 2');
  });

  test('partitions are less than 1', () => {
    expect(() => wf().addTopic('t', { partitions: 0 })).toThrow('KafkaWorkflowTopic \'test/wf/Topics/t\': \'partitions\' of topic \'t\' must be an integer from 1 to 100000, got 0');
  });

  test.each([
    ['with a space', 'a b', 'has characters outside [a-zA-Z0-9._-]'],
    ['..', '..', 'cannot be \'..\''],
    ['empty', '', 'is empty'],
    ['of 250 characters', 'x'.repeat(250), 'is 250 characters, more than 249'],
  ])('a topic name Kafka rejects: %s', (_what, name, problem) => {
    expect(() => wf().addTopic(name)).toThrow(`KafkaWorkflow 'test/wf': 'topic name' must be a name Kafka accepts (1 to 249 characters of [a-zA-Z0-9._-], not '.' or '..'): it ${problem}, got '${name}'`);
  });

  test('two topic names collide', () => {
    const w = wf();
    w.addTopic('a.b');
    expect(() => w.addTopic('a_b')).toThrow('KafkaWorkflow \'test/wf\': \'topic name\' must be distinct from \'a.b\' (Kafka treats \'.\' and \'_\' alike in topic names), got \'a_b\'');
    expect(() => w.addTopic('a.b')).toThrow('KafkaWorkflow \'test/wf\': \'topic name\' must be unique in the workflow, got \'a.b\'');
  });

  test('a stage reads an unknown topic', () => {
    const w = wf();
    w.addTopic('in');
    w.addTopic('out');
    expect(() => w.addFilter('f', { input: 'nope', output: 'out', condition: 'true' }))
      .toThrow('KafkaWorkflow \'test/wf\': \'input\' of stage \'f\' must be a topic declared with addTopic (declared: in, out), got \'nope\'');
    expect(() => w.addMerger('m', { inputs: ['in', 'nope'], output: 'out' }))
      .toThrow('KafkaWorkflow \'test/wf\': \'inputs\' of stage \'m\' must be a topic declared with addTopic (declared: in, out), got \'nope\'');
    expect(() => w.addFilter('f', { input: 'in', output: 'nope', condition: 'true' }))
      .toThrow('KafkaWorkflow \'test/wf\': \'output\' of stage \'f\' must be a topic declared with addTopic (declared: in, out), got \'nope\'');
    expect(() => w.addSplitter('s', { input: 'in', routes: [{ condition: 'true', output: 'out' }, { condition: 'true', output: 'nope' }] }))
      .toThrow('KafkaWorkflow \'test/wf\': \'routes[1].output\' of stage \'s\' must be a topic declared with addTopic (declared: in, out), got \'nope\'');
  });

  test('a stage has more replicas than its input has partitions', () => {
    const w = wf();
    w.addTopic('in', { partitions: 2 });
    w.addTopic('out');
    expect(() => w.addFilter('f', { input: 'in', output: 'out', condition: 'true', replicas: 3 }))
      .toThrow('KafkaStage \'test/wf/f\': \'replicas\' must be an integer from 1 to 2 (the partitions of its input), got 3');
    expect(() => w.addFilter('g', { input: 'in', output: 'out', condition: 'true', autoscaling: { maxReplicas: 3 } }))
      .toThrow('KafkaStage \'test/wf/g\': \'autoscaling.maxReplicas\' must be an integer from 1 to 2 (the partitions of its input), got 3');
  });

  test('a join has no batch key or no count', () => {
    const w = wf();
    w.addTopic('in');
    w.addTopic('out');
    expect(() => w.addJoin('j', { inputs: ['in'], output: 'out', batchKey: '', count: 2 }))
      .toThrow('KafkaWorkflow \'test/wf\': \'batchKey\' of stage \'j\' must be a non-empty Bloblang query, got \'\'');
    expect(() => w.addJoin('j', { inputs: ['in'], output: 'out', batchKey: 'this.id' }))
      .toThrow('KafkaWorkflow \'test/wf\': \'count\' of stage \'j\' must be set, or countQuery set: a join must know how many parts complete a batch, got undefined');
    expect(() => w.addJoin('j', { inputs: ['in'], output: 'out', batchKey: 'this.id', count: 0 }))
      .toThrow('KafkaWorkflow \'test/wf\': \'count\' of stage \'j\' must be an integer from 1 to 1000000, got 0');
  });

  test('a stage name is taken or not a DNS label', () => {
    const w = wf();
    minimal(w);
    expect(() => w.addFilter('keep', { input: 'in', output: 'out', condition: 'true' })).toThrow('KafkaWorkflow \'test/wf\': \'stage name\' must be unique in the workflow, got \'keep\'');
    expect(() => w.addFilter('Keep', { input: 'in', output: 'out', condition: 'true' }))
      .toThrow('KafkaWorkflow \'test/wf\': \'stage name\' must be a DNS-1123 label of at most 53 characters (room for \'wf-\' and \'-config\'), got \'Keep\'');
  });

  test('a custom stage sets a contract variable, or has an unpinned image', () => {
    const w = wf();
    minimal(w);
    expect(() => w.addCustom('c', { inputs: ['in'], outputs: [], container: { image: 'example/x:1', env: { KAFKA_INPUT_TOPICS: kplus.EnvValue.fromValue('x') } } }))
      .toThrow('KafkaStage \'test/wf/c\': \'container.env\' must be free of \'KAFKA_BOOTSTRAP_SERVERS\', \'KAFKA_INPUT_TOPICS\'');
    expect(() => w.addCustom('d', { inputs: ['in'], outputs: [], container: { image: 'example/x:latest' } })).toThrow(/KafkaStage 'test\/wf\/d': 'container.image' must be/);
  });

  test('a stage reads the dead-letter topic, or the dead-letter topic is not declared', () => {
    const a = new KafkaWorkflow(chart().chart, 'wf', { deadLetterTopic: 'dlq' });
    a.addTopic('dlq');
    a.addTopic('out');
    expect(() => a.addFilter('f', { input: 'dlq', output: 'out', condition: 'true' }))
      .toThrow('KafkaWorkflow \'test/wf\': \'inputs\' of stage \'f\' must be free of the dead-letter topic \'dlq\' (a failure there would loop), got ["dlq"]');
    const b = new KafkaWorkflow(chart().chart, 'wf', { deadLetterTopic: 'dlq' });
    b.addTopic('in');
    b.addTopic('out');
    expect(() => b.addFilter('f', { input: 'in', output: 'out', condition: 'true' }))
      .toThrow('KafkaWorkflow \'test/wf\': \'deadLetterTopic\' must be a topic declared with addTopic before the first stage (declared: in, out), got \'dlq\'');
  });

  test('a stage config is invalid (the renderer\'s problem, with the workflow, the stage, the option and the value)', () => {
    const w = wf();
    minimal(w);
    expect(() => w.addReduce('r', { input: 'in', output: 'out', key: 'this.k', window: Duration.millis(10) }))
      .toThrow('KafkaWorkflow \'test/wf\': \'window\' of stage \'r\' must be at least 1 second, got \'10ms\'');
    expect(() => w.addFilter('f', { input: 'in', output: 'out', condition: 'true', outputKey: ' ' }))
      .toThrow('KafkaWorkflow \'test/wf\': \'outputKey\' of stage \'f\' must be a non-empty Bloblang query, got \' \'');
    expect(() => w.addCopier('c', { input: 'in', outputs: [] }))
      .toThrow('KafkaWorkflow \'test/wf\': \'outputs\' of stage \'c\' must be a list of at least 1 topic, got []');
    // a failed stage leaves no stage behind
    expect(w.stages.map((s) => s.stageName)).toEqual(['keep']);
  });

  test('a topic setting or a stage\'s autoscaling or user is out of range', () => {
    const w = wf();
    expect(() => w.addTopic('t', { config: { 'retention.ms': '' } }))
      .toThrow('KafkaWorkflowTopic \'test/wf/Topics/t\': \'config.retention.ms\' of topic \'t\' must be a non-empty one-line string, got \'\'');
    minimal(w);
    expect(() => w.addFilter('p', { input: 'in', output: 'out', condition: 'true', autoscaling: { pollingInterval: Duration.millis(1500) } }))
      .toThrow('KafkaStage \'test/wf/p\': \'autoscaling.pollingInterval\' must be a whole number of seconds from 1 to 86400, got \'1500ms\'');
    expect(() => w.addCustom('u', { inputs: ['in'], outputs: [], container: { image: 'example/x:1', uid: 0 } }))
      .toThrow('KafkaStage \'test/wf/u\': \'container.uid\' must be an integer from 1 to 2147483647, got 0');
  });

  test('the cluster props are out of range', () => {
    expect(() => wf(KafkaCluster.embedded({ brokers: 0 }))).toThrow('KafkaWorkflow \'test/wf\': \'cluster.brokers\' must be an integer from 1 to 9, got 0');
    expect(() => wf(KafkaCluster.embedded({ clusterId: 'short' }))).toThrow('KafkaWorkflow \'test/wf\': \'cluster.clusterId\' must be 22 characters of base64url (kafka-storage.sh random-uuid), got \'short\'');
    expect(() => wf(KafkaCluster.embedded({ config: { listeners: 'x' } })))
      .toThrow('KafkaWorkflow \'test/wf\': \'cluster.config.listeners\' must be a setting other than the node\'s roles, id, quorum, listeners and log dir (the cluster sets them), got \'listeners\'');
    expect(() => wf(KafkaCluster.strimzi({ config: { 'Bad Key': 'x' } })))
      .toThrow('KafkaWorkflow \'test/wf\': \'cluster.config.Bad Key\' must be a setting name of dotted lowercase words, got \'Bad Key\'');
    expect(() => wf(KafkaCluster.embedded({ heap: Size.mebibytes(100) }))).toThrow('KafkaWorkflow \'test/wf\': \'cluster.heap\' must be a whole number of MiB from 256 to 65536, got \'100Mi\'');
    expect(() => wf(KafkaCluster.strimzi({ storage: Size.kibibytes(1536) }))).toThrow('KafkaWorkflow \'test/wf\': \'cluster.storage\' must be a whole number of MiB from 1 to 1073741824, got \'1.5Mi\'');
    expect(() => wf(KafkaCluster.external({ bootstrapServers: [] }))).toThrow('KafkaWorkflow \'test/wf\': \'cluster.bootstrapServers\' must be a list of at least one host:port, got []');
  });
});

describe('the blueprint', () => {
  test('the example\'s Mermaid diagram', () => {
    const app = buildPhotoApp();
    const wf = (app.charts[0] as PhotoPipelineChart).workflow;
    const text = wf.toMermaid();
    expect(text).toMatchSnapshot();
    const lines = text.split('\n');
    expect(lines[0]).toBe('flowchart LR');
    expect(lines).toContain('  %% KafkaWorkflow photos: embedded Kafka, 3 brokers');
    expect(lines).toContain('  t0[("web-uploads<br/>3 partitions × 3 · source")]');
    expect(lines).toContain('  s6{{"assemble<br/>join (3 parts) · 1 replica"}}');
    expect(lines).toContain('  s4[["face-detector<br/>custom: ghcr.io/example/face-detector:2.0.1 · 1..6 replicas (KEDA)"]]');
    expect(lines).toContain('  s6 -.->|"incomplete"| t19');
    expect(lines).toContain('  s8 -->|"shard 2"| t17');
    expect(lines).toContain('  s7 -->|"1: this.parts.any(p -#gt; p.kind == #quot;faces#quot; && p.faces.length() #gt; 0)"| t12');
    // every stage has its edges, every topic a node
    expect(lines.filter((l) => /^ {2}t\d+\[\(/.test(l)).length).toBe(wf.topics.length);
    expect(lines.filter((l) => /^ {2}s\d+(\{\{|\[\[)/.test(l)).length).toBe(wf.stages.length);
    expect(wf.checkGraph()).toEqual([]);
    // deterministic
    expect(buildPhotoApp().charts.map((ch) => (ch as PhotoPipelineChart).workflow.toMermaid())).toEqual([text]);
  });

  test('an external cluster and KEDA ranges', () => {
    const { chart: c } = chart();
    const wf = new KafkaWorkflow(c, 'wf', { cluster: KafkaCluster.external({ bootstrapServers: ['k:9092'] }) });
    wf.addTopic('in', { partitions: 1, source: true, sink: true });
    expect(wf.toMermaid()).toBe([
      'flowchart LR',
      '  %% KafkaWorkflow wf: external Kafka at k:9092 (min.insync.replicas assumed 1)',
      '  t0[("in<br/>1 partition × 3 · source, sink")]',
      '  classDef topic fill:#fff7e6,stroke:#d46b08,color:#000',
      '  classDef source fill:#f6ffed,stroke:#389e0d,color:#000',
      '  classDef sink fill:#e6f4ff,stroke:#0958d9,color:#000',
      '  classDef stage fill:#f9f0ff,stroke:#531dab,color:#000',
      '  class t0 source',
      '',
    ].join('\n'));
  });
});

test('cdk8s-plus is the L2 used for the stage Deployments', () => {
  const { chart: c } = chart();
  const wf = new KafkaWorkflow(c, 'wf');
  minimal(wf);
  expect(wf.stage('keep')!.deployment).toBeInstanceOf(kplus.Deployment);
  expect(wf.kafkaNodes!.statefulSet).toBeInstanceOf(kplus.StatefulSet);
});

describe('KafkaWorkflow NetworkPolicies (from the traffic graph)', () => {
  const sel = (name: string, component: string, stage?: string) => ({
    matchLabels: {
      'app.kubernetes.io/component': component,
      'app.kubernetes.io/instance': 'orders',
      'app.kubernetes.io/name': name,
      ...(stage ? { 'cdk8s-distributed-patterns/stage': stage } : {}),
    },
  });
  const DNS = {
    to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
    ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
  };
  const KAFKA = [{ protocol: 'TCP', port: 9092 }];
  const BROKERS = sel('kafka', 'broker');
  const policy = (objs: any[], name: string) => one(ofKind(objs, 'NetworkPolicy').filter((p) => p.metadata.name === name), 'NetworkPolicy').spec;
  const custom = (wf: KafkaWorkflow, autoscaling?: { maxReplicas: number }) => wf.addCustom('enrich', {
    inputs: ['mid'], outputs: ['out'], container: { image: 'ghcr.io/example/enrich:1.0.0', uid: 10001 }, autoscaling,
  });
  const twoStages = (wf: KafkaWorkflow, autoscaling?: { maxReplicas: number }) => {
    wf.addTopic('in', { partitions: 3, source: true });
    wf.addTopic('mid', { partitions: 3 });
    wf.addTopic('out', { partitions: 3, sink: true });
    wf.addFilter('keep', { input: 'in', output: 'mid', condition: 'this.ok' });
    custom(wf, autoscaling);
  };

  test('embedded: the brokers accept each other, the topics Job and the stages; those reach the client port and DNS', () => {
    const { chart: c } = chart('shop');
    const wf = new KafkaWorkflow(c, 'orders');
    twoStages(wf);
    const objs = synthValid(c);
    expect(ofKind(objs, 'NetworkPolicy').map((p) => p.metadata.name)).toEqual(['orders-kafka', 'orders-topics', 'orders-keep', 'orders-enrich']);
    expect(policy(objs, 'orders-kafka')).toEqual({
      podSelector: BROKERS,
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { from: [{ podSelector: BROKERS }], ports: [...KAFKA, { protocol: 'TCP', port: 9093 }] },
        { from: [{ podSelector: sel('kafka', 'topics') }], ports: KAFKA },
        { from: [{ podSelector: sel('bento', 'stage', 'keep') }], ports: KAFKA },
        { from: [{ podSelector: sel('orders', 'stage', 'enrich') }], ports: KAFKA },
      ],
      egress: [{ to: [{ podSelector: BROKERS }], ports: [...KAFKA, { protocol: 'TCP', port: 9093 }] }, DNS],
    });
    for (const [name, pods] of [['orders-topics', sel('kafka', 'topics')], ['orders-keep', sel('bento', 'stage', 'keep')], ['orders-enrich', sel('orders', 'stage', 'enrich')]] as const) {
      expect(policy(objs, name)).toEqual({ podSelector: pods, policyTypes: ['Ingress', 'Egress'], egress: [{ to: [{ podSelector: BROKERS }], ports: KAFKA }, DNS] });
    }
  });

  test('each policy selects exactly the pods of its workload', () => {
    const { chart: c } = chart('shop');
    const wf = new KafkaWorkflow(c, 'orders');
    twoStages(wf);
    const objs = synthValid(c);
    const templates: { [policy: string]: any } = {
      'orders-kafka': one(objs, 'StatefulSet').spec.template,
      'orders-topics': one(objs, 'Job').spec.template,
      'orders-keep': ofKind(objs, 'Deployment').find((d) => d.metadata.name === 'orders-keep').spec.template,
      'orders-enrich': ofKind(objs, 'Deployment').find((d) => d.metadata.name === 'orders-enrich').spec.template,
    };
    for (const p of ofKind(objs, 'NetworkPolicy')) {
      for (const [name, template] of Object.entries(templates)) {
        const matches = Object.entries(p.spec.podSelector.matchLabels).every(([k, v]) => template.metadata.labels[k] === v);
        expect([p.metadata.name, name, matches]).toEqual([p.metadata.name, name, p.metadata.name === name]);
      }
    }
  });

  test("clients and KEDA's operator reach the brokers; monitoring the stream processor's metrics; extraEgress widens the stages only", () => {
    const { chart: c } = chart('shop');
    const producers = NetworkPeer.pods({ app: 'checkout' });
    const store = NetworkPeer.pods({ app: 'store' });
    const wf = new KafkaWorkflow(c, 'orders', {
      networkPolicy: { clients: [producers], monitoring: NetworkPeer.namespace('monitoring'), extraEgress: [{ peer: store, ports: [{ port: 9000 }] }] },
    });
    twoStages(wf, { maxReplicas: 3 });
    const objs = synthValid(c);
    const ingress = policy(objs, 'orders-kafka').ingress;
    expect(ingress).toContainEqual({ from: [{ podSelector: { matchLabels: { app: 'checkout' } } }], ports: KAFKA });
    expect(ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keda' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'keda-operator' } } }], ports: KAFKA,
    });
    expect(ingress).toHaveLength(6);
    expect(policy(objs, 'orders-keep').ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 4195 }] }]);
    expect(policy(objs, 'orders-enrich').ingress).toBeUndefined(); // your image: its metrics port is not known
    const toStore = { to: [{ podSelector: { matchLabels: { app: 'store' } } }], ports: [{ protocol: 'TCP', port: 9000 }] };
    for (const name of ['orders-keep', 'orders-enrich']) expect(policy(objs, name).egress).toEqual([{ to: [{ podSelector: BROKERS }], ports: KAFKA }, toStore, DNS]);
    expect(policy(objs, 'orders-topics').egress).toEqual([{ to: [{ podSelector: BROKERS }], ports: KAFKA }, DNS]);
    expect(policy(objs, 'orders-kafka').egress).toEqual([{ to: [{ podSelector: BROKERS }], ports: [...KAFKA, { protocol: 'TCP', port: 9093 }] }, DNS]);
  });

  test("Strimzi: the stages reach the operator's broker pods by Strimzi's labels; no policy selects the brokers", () => {
    const { chart: c } = chart('shop');
    const wf = new KafkaWorkflow(c, 'orders', { cluster: KafkaCluster.strimzi({ clusterName: 'events' }) });
    minimal(wf);
    const objs = synthValid(c);
    expect(ofKind(objs, 'NetworkPolicy').map((p) => p.metadata.name)).toEqual(['orders-keep']);
    expect(policy(objs, 'orders-keep')).toEqual({
      podSelector: sel('bento', 'stage', 'keep'),
      policyTypes: ['Ingress', 'Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { 'strimzi.io/cluster': 'events', 'strimzi.io/kind': 'Kafka' } } }], ports: KAFKA }, DNS],
    });
  });

  test('external: the stages and the topics Job reach any address on the bootstrap ports', () => {
    const { chart: c } = chart('shop');
    const wf = new KafkaWorkflow(c, 'orders', { cluster: KafkaCluster.external({ bootstrapServers: ['k0.data.svc:9094', 'k1.data.svc:9094', '10.0.0.7:9092'] }) });
    minimal(wf);
    const objs = synthValid(c);
    expect(ofKind(objs, 'NetworkPolicy').map((p) => p.metadata.name)).toEqual(['orders-topics', 'orders-keep']);
    const anywhere = [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }];
    for (const name of ['orders-topics', 'orders-keep']) {
      expect(policy(objs, name).egress).toEqual([{ to: anywhere, ports: [{ protocol: 'TCP', port: 9094 }, { protocol: 'TCP', port: 9092 }] }, DNS]);
    }
  });

  test('enabled: false emits none; the data-flow blueprint is unchanged by the policies', () => {
    const on = chart('shop');
    const wfOn = new KafkaWorkflow(on.chart, 'orders');
    twoStages(wfOn);
    const off = chart('shop');
    const wfOff = new KafkaWorkflow(off.chart, 'orders', { networkPolicy: { enabled: false } });
    twoStages(wfOff);
    expect(ofKind(synthValid(off.chart), 'NetworkPolicy')).toEqual([]);
    expect(wfOff.toMermaid()).toEqual(wfOn.toMermaid());
  });

  test('allowClient() opens the embedded brokers to another construct\'s pods; with Strimzi or external it adds nothing and says so', () => {
    const { chart: c } = chart('shop');
    const wf = new KafkaWorkflow(c, 'orders');
    minimal(wf);
    expect(wf.allowClient(NetworkPeer.pods({ app: 'functions' }, { team: 'fn' }))).toBe(true);
    const objs = synthValid(c);
    expect(policy(objs, 'orders-kafka').ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { team: 'fn' } }, podSelector: { matchLabels: { app: 'functions' } } }], ports: KAFKA,
    });
    expect(wf.networkMermaid()).toContain('(["pods app=functions in namespaces team=fn"])');
    for (const cluster of [KafkaCluster.strimzi(), KafkaCluster.external({ bootstrapServers: ['k:9092'] })]) {
      const other = chart('shop');
      const w = new KafkaWorkflow(other.chart, 'orders', { cluster });
      minimal(w);
      expect(w.allowClient(NetworkPeer.pods({ app: 'functions' }))).toBe(false);
      expect(ofKind(synthValid(other.chart), 'NetworkPolicy').flatMap((p) => p.spec.ingress ?? [])).toEqual([]);
    }
  });

  test('networkMermaid() draws the graph the policies are made from: every stage of toMermaid() to the brokers', () => {
    const { chart: c } = chart('shop');
    const wf = new KafkaWorkflow(c, 'orders', { networkPolicy: { clients: [NetworkPeer.pods({ app: 'checkout' })] } });
    twoStages(wf, { maxReplicas: 3 });
    const m = wf.networkMermaid();
    expect(m).toContain('%% KafkaWorkflow orders traffic: embedded Kafka, 3 brokers');
    expect(m).toContain('["Kafka brokers (embedded, KRaft)<br/>orders-kafka"]');
    expect(m).toContain('["stage keep (filter)<br/>orders-keep"]');
    expect(m).toContain('["stage enrich (custom: ghcr.io/example/enrich:1.0.0)<br/>orders-enrich"]');
    // brokers ↔ brokers, the topics Job, 2 stages, the client, KEDA
    expect(m.split('\n').filter((l) => / n0$/.test(l) && l.includes('-->|'))).toHaveLength(6);
    expect(m.split('\n').filter((l) => l.includes('-.->|53/UDP, 53/TCP| dns'))).toHaveLength(4);
    // the stages of the data-flow drawing are the stage groups of the traffic drawing
    for (const s of wf.stages) expect(m).toContain(`stage ${s.stageName} (`);
  });
});
