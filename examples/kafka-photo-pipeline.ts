// The book's image tagging and processing pipeline (ch. 11-12) as a KafkaWorkflow on an embedded 3-node KRaft
// cluster: uploads from two sources are merged, validated, copied to three detectors (your images), joined back
// per image, then routed, sharded by user and counted per label. `npx ts-node examples/kafka-photo-pipeline.ts`
// writes the manifests and, next to them, the Mermaid blueprint of the graph (dist/kafka-photo-pipeline.mmd) and of
// the pods' traffic the NetworkPolicies allow (dist/kafka-photo-pipeline-network.mmd).
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, ChartProps, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { KafkaCluster, KafkaWorkflow, NetworkPeer, ReduceAggregation } from '../src';

export class PhotoPipelineChart extends Chart {
  /** The workflow, whose `toMermaid()` is the blueprint. */
  public readonly workflow: KafkaWorkflow;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const wf = new KafkaWorkflow(this, 'photos', {
      cluster: KafkaCluster.embedded({ brokers: 3, storage: Size.gibibytes(50) }),
      deadLetterTopic: 'dead-letters',
      partOf: 'photo-app',
      // every pod of the workflow (brokers, topics Job, stages) may run on the batch nodes
      pod: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }] },
      // NetworkPolicies (on by default): the upload API produces to the source topics, Prometheus scrapes the stream
      // processor's /metrics, and the stages (your detectors) fetch the image bytes from the photo store
      networkPolicy: {
        clients: [NetworkPeer.pods({ 'app.kubernetes.io/name': 'upload-api' })],
        monitoring: NetworkPeer.namespace('monitoring'),
        extraEgress: [{ peer: NetworkPeer.pods({ 'app.kubernetes.io/name': 'photo-store' }, { 'kubernetes.io/metadata.name': 'media' }), ports: [{ port: 9000 }] }],
      },
    });
    this.workflow = wf;

    // Topics: replication factor 3 (the default with 3 brokers), 6 partitions where the work is.
    wf.addTopic('web-uploads', { partitions: 3, source: true });
    wf.addTopic('mobile-uploads', { partitions: 6, source: true });
    // Topic settings are checked as Kafka checks them (retention.ms an integer of at least -1, …).
    wf.addTopic('dead-letters', { partitions: 1, sink: true, config: { 'retention.ms': '1209600000', 'cleanup.policy': 'delete' } });
    for (const t of ['photo-uploads', 'photos', 'to-thumbnail', 'to-faces', 'to-objects', 'thumbnails', 'faces', 'objects', 'tagged-photos']) {
      wf.addTopic(t, { partitions: 6 });
    }
    for (const t of ['photos-with-people', 'documents', 'photos-other', 'albums-0', 'albums-1', 'albums-2', 'label-counts']) {
      wf.addTopic(t, { partitions: 3, sink: true });
    }

    // Merger: one stream of uploads, keyed by image so that everything about an image stays on one partition.
    wf.addMerger('uploads', { inputs: ['web-uploads', 'mobile-uploads'], output: 'photo-uploads', outputKey: 'this.image_id' });
    // Filter: only images the detectors can read.
    wf.addFilter('validate', {
      input: 'photo-uploads',
      output: 'photos',
      condition: '["image/jpeg", "image/png"].contains(this.content_type) && this.size_bytes <= 20000000',
    });
    // Copier: each photo to the three detectors.
    wf.addCopier('fan-out', { input: 'photos', outputs: ['to-thumbnail', 'to-faces', 'to-objects'] });

    // The detectors are your programs (custom stages): they read KAFKA_INPUT_TOPICS in KAFKA_CONSUMER_GROUP and
    // write {"image_id", "user_id", "kind", ...} to KAFKA_OUTPUT_TOPICS, keyed by image_id.
    const detector = (name: string, input: string, output: string, image: string, extra: { maxReplicas?: number } = {}) =>
      wf.addCustom(name, {
        inputs: [input],
        outputs: [output],
        container: {
          image,
          uid: 10001,
          port: 8080,
          readiness: kplus.Probe.fromHttpGet('/healthz'),
          env: { MODEL_DIR: kplus.EnvValue.fromValue('/models') },
          resources: {
            cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.units(2) },
            memory: { request: Size.mebibytes(512), limit: Size.gibibytes(2) },
          },
        },
        // KEDA may run up to maxReplicas pods: the stage's PodDisruptionBudget and spread are sized for that
        autoscaling: extra.maxReplicas ? { minReplicas: 1, maxReplicas: extra.maxReplicas, lagThreshold: 50 } : undefined,
      });
    detector('thumbnailer', 'to-thumbnail', 'thumbnails', 'ghcr.io/example/photo-thumbnailer:1.4.2');
    detector('face-detector', 'to-faces', 'faces', 'ghcr.io/example/face-detector:2.0.1', { maxReplicas: 6 });
    detector('object-detector', 'to-objects', 'objects', 'ghcr.io/example/object-detector:3.1.0', { maxReplicas: 6 });

    // Join: an image is tagged once its thumbnail, faces and objects are all in.
    wf.addJoin('assemble', {
      inputs: ['thumbnails', 'faces', 'objects'],
      output: 'tagged-photos',
      batchKey: 'this.image_id',
      count: 3,
      partKey: 'this.kind',
      window: Duration.seconds(5),
      timeout: Duration.minutes(30),
    });
    // Splitter: photos with people and documents to their own consumers (both if both), the rest apart.
    wf.addSplitter('route', {
      input: 'tagged-photos',
      routes: [
        { condition: 'this.parts.any(p -> p.kind == "faces" && p.faces.length() > 0)', output: 'photos-with-people' },
        { condition: 'this.parts.any(p -> p.kind == "objects" && p.labels.contains("document"))', output: 'documents' },
      ],
      copy: true,
      unmatchedOutput: 'photos-other',
    });
    // Sharder: albums are built per user, on three shards.
    wf.addSharder('by-user', { input: 'tagged-photos', key: 'this.parts.index(0).user_id', outputs: ['albums-0', 'albums-1', 'albums-2'] });
    // Reduce: how often each label is seen, and by how many users, per minute.
    wf.addReduce('label-counts', {
      input: 'objects',
      output: 'label-counts',
      key: 'this.top_label',
      window: Duration.minutes(1),
      aggregations: [ReduceAggregation.count('photos'), ReduceAggregation.countDistinct('users', 'this.user_id')],
    });
  }
}

/** The example app (also used by the tests and `npx projen examples`). */
export function buildApp(): App {
  const app = new App();
  new PhotoPipelineChart(app, 'kafka-photo-pipeline', { namespace: 'photos' });
  return app;
}

if (require.main === module) {
  const app = buildApp();
  app.synth();
  const chart = app.node.findChild('kafka-photo-pipeline') as PhotoPipelineChart;
  fs.writeFileSync(path.join(app.outdir, 'kafka-photo-pipeline.mmd'), chart.workflow.toMermaid());
  fs.writeFileSync(path.join(app.outdir, 'kafka-photo-pipeline-network.mmd'), chart.workflow.networkMermaid());
}
