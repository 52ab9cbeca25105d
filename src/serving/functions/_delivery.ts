// Internal: what a pipeline and its delivery tell each other.
import { KafkaWorkflow } from '../../batch/kafka-workflow';
import { ImageOverrides } from '../../core/images';
import { PodOptions } from '../../core/pod-options';

/** What a pipeline tells its delivery when it binds it. */
export interface DeliveryHost {
  readonly name: string;
  readonly partOf: string;
  readonly pod?: PodOptions;
  readonly images?: ImageOverrides;
}

/** A bound delivery: Kafka's workflow and topics, or nothing for HTTP. */
export interface BoundDelivery {
  /** The workflow the stages are in (Kafka only). */
  readonly workflow?: KafkaWorkflow;
  /** The partitions of each function's topic (Kafka only). */
  readonly partitions?: number;
}
