import { Construct } from 'constructs';
import { KafkaSecurity } from './security';
import { StatefulShards } from '../../blocks/stateful-shards';
import { ImageOverrides } from '../../core/images';
import { PodOptions } from '../../core/pod-options';
import { StrimziKafka, StrimziKafkaNodePool } from '../../crds/strimzi';

// Internal: what a `KafkaCluster` variant needs from the workflow it is bound to, and what it gives back. The
// workflow satisfies `KafkaClusterHost` itself, so cluster.ts needs no import of the construct (no circle).

/** The workflow a cluster is bound to: the scope of the cluster's objects, and the construct its prop errors name. */
export interface KafkaClusterHost extends Construct {
  /** The base of every object name. */
  readonly baseName: string;
  /** The workflow's `app.kubernetes.io/part-of`. */
  readonly _partOf: string;
  /** Image overrides. */
  readonly _images?: ImageOverrides;
  /** The workflow's pod options (checked): they reach every pod template, the cluster's too. */
  readonly _pod: PodOptions;
  /** The recommended labels of the workflow's objects of one component (`broker`, `topics`, `stage`). */
  _labelsOf(name: string, component: string, version?: string): { [key: string]: string };
}

/** A cluster bound to its workflow: what it made, and how the workflow reaches it. */
export interface BoundKafkaCluster {
  /** The number of brokers, when known (replication factors are checked against it). */
  readonly brokers?: number;
  /** The brokers' `min.insync.replicas`: a topic without its own needs at least this many replicas. */
  readonly minInsyncReplicas: number;
  /** `minInsyncReplicas` is an assumption (an external cluster whose setting was not given). */
  readonly minInsyncReplicasAssumed: boolean;
  /** The brokers have tiered storage (`remote.log.storage.system.enable`); undefined when unknown. */
  readonly remoteStorage?: boolean;
  /** The bootstrap addresses the stages use. */
  readonly bootstrapServers: string[];
  /** The workflow creates its topics with a Job (the Kafka CLI). */
  readonly createTopics: boolean;
  /** The Strimzi `Kafka` the topics are declared in, as `KafkaTopic`s. */
  readonly strimziCluster?: string;
  /** The embedded cluster's nodes. */
  readonly kafkaNodes?: StatefulShards;
  /** The Strimzi `Kafka`. */
  readonly strimziKafka?: StrimziKafka;
  /** The Strimzi `KafkaNodePool`. */
  readonly strimziNodePool?: StrimziKafkaNodePool;
  /** The brokers' client port (the embedded and Strimzi clusters'). */
  readonly clientPort?: number;
  /** The embedded brokers' KRaft controller port. */
  readonly controllerPort?: number;
  /** The embedded brokers' SASL_SSL (checked, enabled); unset: PLAINTEXT. */
  readonly security?: KafkaSecurity;
  /** What the blueprint says about the cluster (`embedded Kafka, 3 brokers`). */
  readonly description: string;
}
