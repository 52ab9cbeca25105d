import { Construct } from 'constructs';
import { BoundDelivery, DeliveryHost } from './_delivery';
import { KafkaWorkflow } from '../../batch/kafka-workflow';
import { KafkaCluster } from '../../batch/kafka-workflow/cluster';
import { PropCheck } from '../../core/errors';
import { propError } from '../../core/prop-error';

/**
 * Options for `PipelineDelivery.kafka`.
 */
export interface KafkaDeliveryOptions {
  /**
   * A workflow of yours the pipeline's topics and stages join (its stages may write the entry's topic). It must
   * have a `deadLetterTopic`: events a function cannot take go there.
   *
   * @default - a KafkaWorkflow of the pipeline's own (construct id `Kafka`, named like the pipeline, with the
   * dead-letter topic `<pipeline>.dead-letter`)
   */
  readonly workflow?: KafkaWorkflow;
  /**
   * The cluster of the pipeline's own workflow (not with `workflow`, which has its own).
   *
   * @default KafkaCluster.embedded()
   */
  readonly cluster?: KafkaCluster;
  /**
   * Partitions of each function's topic (the most replicas its stage can have).
   *
   * @default 3
   */
  readonly partitions?: number;
}

/**
 * How a `FunctionPipeline` delivers events from a function to its successors.
 */
export class PipelineDelivery {
  /**
   * Direct HTTP calls: each function is told its successors' URLs by env and POSTs them its answer (the book's
   * "edges … are HTTP calls"); the caller's answer waits for the deliveries.
   */
  public static http(): PipelineDelivery {
    return new PipelineDelivery(undefined);
  }

  /**
   * Through Kafka topics: function `x` reads topic `<pipeline>.x` with a `KafkaWorkflow` stage (`addHttpCall`,
   * stage `x-stage`) that POSTs each event to the function and writes its answer to its successors' topics —
   * required ones always, optional ones when the field is present; bounded attempts, then the workflow's
   * dead-letter topic. Events come in on the entry's topic. The handlers run in the function's own runtime; the
   * stages run the stream processor's image.
   */
  public static kafka(options: KafkaDeliveryOptions = {}): PipelineDelivery {
    return new PipelineDelivery(options);
  }

  private constructor(private readonly kafkaOptions: KafkaDeliveryOptions | undefined) {}

  /** @internal */
  public _bind(scope: Construct, host: DeliveryHost): BoundDelivery {
    const o = this.kafkaOptions;
    if (o === undefined) return {};
    if (o === null || typeof o !== 'object') throw propError(scope, 'delivery', 'KafkaDeliveryOptions ({ workflow, cluster, partitions })', o);
    if (o.workflow !== undefined && !(o.workflow instanceof KafkaWorkflow)) throw propError(scope, 'delivery.workflow', 'a KafkaWorkflow', o.workflow);
    if (o.workflow !== undefined && o.cluster !== undefined) throw propError(scope, 'delivery.cluster', 'unset with delivery.workflow (the workflow has its cluster)', o.cluster);
    const partitions = PropCheck.integer(scope, 'delivery.partitions', 1, 10_000, 3, o.partitions);
    if (o.workflow !== undefined) {
      if (o.workflow.deadLetterTopic === undefined) {
        throw propError(scope, 'delivery.workflow', 'a KafkaWorkflow with a deadLetterTopic (events a function cannot take go there)', o.workflow.node.path);
      }
      return { workflow: o.workflow, partitions };
    }
    const deadLetterTopic = `${host.name}.dead-letter`;
    const workflow = new KafkaWorkflow(scope, 'Kafka', {
      name: host.name, cluster: o.cluster, deadLetterTopic, partOf: host.partOf, pod: host.pod, images: host.images,
    });
    workflow.addTopic(deadLetterTopic, { partitions: 1, sink: true });
    return { workflow, partitions };
  }
}
