import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';

/**
 * The role of the nodes of a `KafkaNodePool`.
 *
 * @see https://strimzi.io/docs/operators/latest/deploying#con-config-node-pools-str
 */
export enum StrimziNodeRole {
  /** KRaft controllers (the metadata quorum). */
  CONTROLLER = 'controller',
  /** Brokers (the data). */
  BROKER = 'broker',
}

/**
 * One listener of a Strimzi `Kafka`.
 */
export interface StrimziListener {
  /** The listener name (lowercase letters and digits, at most 11 characters). */
  readonly name: string;
  /** The port. */
  readonly port: number;
  /** `internal` (a ClusterIP Service and per-broker DNS names inside the cluster), or another Strimzi type. */
  readonly type: string;
  /** Whether the listener uses TLS. */
  readonly tls: boolean;
}

/**
 * Labels and annotations of the pods of a Strimzi pod template.
 */
export interface StrimziTemplateMetadata {
  /**
   * Labels added to the pods.
   *
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Annotations added to the pods.
   *
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
}

/**
 * A Strimzi pod template (`PodTemplate`): the fields of it this library sets, in the Kubernetes API's shapes.
 *
 * @see https://strimzi.io/docs/operators/latest/configuring#type-PodTemplate-reference
 */
export interface StrimziPodTemplate {
  /**
   * Pod labels and annotations.
   *
   * @default - none
   */
  readonly metadata?: StrimziTemplateMetadata;
  /**
   * Registry credentials.
   *
   * @default - none
   */
  readonly imagePullSecrets?: kplus.k8s.LocalObjectReference[];
  /**
   * Affinity.
   *
   * @default - none
   */
  readonly affinity?: kplus.k8s.Affinity;
  /**
   * Tolerations.
   *
   * @default - none
   */
  readonly tolerations?: kplus.k8s.Toleration[];
  /**
   * Topology spread constraints.
   *
   * @default - Strimzi's
   */
  readonly topologySpreadConstraints?: kplus.k8s.TopologySpreadConstraint[];
  /**
   * The PriorityClass.
   *
   * @default - the cluster's default priority
   */
  readonly priorityClassName?: string;
}

/**
 * `spec` of a Strimzi `Kafka`: only the fields this library sets.
 */
export interface StrimziKafkaSpec {
  /** The listeners. */
  readonly listeners: StrimziListener[];
  /**
   * Broker settings (`spec.kafka.config`).
   *
   * @default - Strimzi's defaults
   */
  readonly config?: { [key: string]: string };
  /**
   * The Kafka version.
   *
   * @default - the operator's default version
   */
  readonly version?: string;
  /**
   * Deploy the Topic Operator, which turns `KafkaTopic` resources into topics.
   *
   * @default true
   */
  readonly topicOperator?: boolean;
  /**
   * The pod template of the Kafka nodes (`spec.kafka.template.pod`).
   *
   * @default - Strimzi's
   */
  readonly kafkaPodTemplate?: StrimziPodTemplate;
  /**
   * The pod template of the entity operator (`spec.entityOperator.template.pod`), with the Topic Operator.
   *
   * @default - Strimzi's
   */
  readonly entityOperatorPodTemplate?: StrimziPodTemplate;
}

/**
 * Props of `StrimziKafka`.
 */
export interface StrimziKafkaProps {
  /** Metadata (name, labels). The KRaft and node-pool annotations are added. */
  readonly metadata: ApiObjectMetadata;
  /** The spec. */
  readonly spec: StrimziKafkaSpec;
}

/**
 * A Strimzi `Kafka` (`kafka.strimzi.io/v1`) in KRaft mode with node pools: the annotations
 * `strimzi.io/kraft: enabled` and `strimzi.io/node-pools: enabled`; the nodes come from `StrimziKafkaNodePool`s.
 *
 * @see https://strimzi.io/docs/operators/latest/configuring#type-Kafka-reference
 */
export class StrimziKafka extends ApiObject {
  /** The API version (served by Strimzi 0.49 and later). */
  public static readonly API_VERSION = 'kafka.strimzi.io/v1';
  /** The kind. */
  public static readonly KIND = 'Kafka';
  /** The annotations that select KRaft mode and node pools. */
  public static readonly ANNOTATIONS: { [key: string]: string } = { 'strimzi.io/kraft': 'enabled', 'strimzi.io/node-pools': 'enabled' };

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: StrimziKafkaProps) {
    const s = props.spec;
    const kafka: { [key: string]: any } = {};
    if (s.version !== undefined) kafka.version = s.version;
    kafka.listeners = s.listeners.map((l) => ({ name: l.name, port: l.port, type: l.type, tls: l.tls }));
    if (s.config !== undefined) kafka.config = { ...s.config };
    if (s.kafkaPodTemplate !== undefined) kafka.template = { pod: podTemplateJson(s.kafkaPodTemplate) };
    const spec: { [key: string]: any } = { kafka };
    if (s.topicOperator ?? true) {
      spec.entityOperator = { topicOperator: {} };
      if (s.entityOperatorPodTemplate !== undefined) spec.entityOperator.template = { pod: podTemplateJson(s.entityOperatorPodTemplate) };
    }
    super(scope, id, {
      apiVersion: StrimziKafka.API_VERSION,
      kind: StrimziKafka.KIND,
      metadata: { ...props.metadata, annotations: { ...props.metadata.annotations, ...StrimziKafka.ANNOTATIONS } },
      spec,
    });
  }
}

/**
 * Storage of a node pool: one persistent volume per node, shared by the data and the KRaft metadata.
 */
export interface StrimziPersistentStorage {
  /** The size of each node's volume, as a Kubernetes quantity (`100Gi`). */
  readonly size: string;
  /**
   * The StorageClass.
   *
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Delete the claims when the pool is deleted.
   *
   * @default false
   */
  readonly deleteClaim?: boolean;
}

/**
 * Props of `StrimziKafkaNodePool`.
 */
export interface StrimziKafkaNodePoolProps {
  /** Metadata (name, labels). The `strimzi.io/cluster` label is added. */
  readonly metadata: ApiObjectMetadata;
  /** The `Kafka` this pool belongs to. */
  readonly cluster: string;
  /** Number of nodes. */
  readonly replicas: number;
  /** What the nodes are. */
  readonly roles: StrimziNodeRole[];
  /** Their storage. */
  readonly storage: StrimziPersistentStorage;
  /**
   * Resources of each node's Kafka container.
   *
   * @default - Strimzi's default (none)
   */
  readonly resources?: kplus.k8s.ResourceRequirements;
}

/**
 * A Strimzi `KafkaNodePool` (`kafka.strimzi.io/v1`): a set of KRaft nodes with one role or both, JBOD storage with
 * one persistent volume that also holds the KRaft metadata (`kraftMetadata: shared`).
 *
 * @see https://strimzi.io/docs/operators/latest/configuring#type-KafkaNodePool-reference
 */
export class StrimziKafkaNodePool extends ApiObject {
  /** The API version. */
  public static readonly API_VERSION = 'kafka.strimzi.io/v1';
  /** The kind. */
  public static readonly KIND = 'KafkaNodePool';

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: StrimziKafkaNodePoolProps) {
    const volume: { [key: string]: any } = {
      id: 0,
      type: 'persistent-claim',
      size: props.storage.size,
      deleteClaim: props.storage.deleteClaim ?? false,
      kraftMetadata: 'shared',
    };
    if (props.storage.storageClassName !== undefined) volume.class = props.storage.storageClassName;
    super(scope, id, {
      apiVersion: StrimziKafkaNodePool.API_VERSION,
      kind: StrimziKafkaNodePool.KIND,
      metadata: { ...props.metadata, labels: { ...props.metadata.labels, 'strimzi.io/cluster': props.cluster } },
      spec: {
        replicas: props.replicas,
        roles: [...props.roles],
        storage: { type: 'jbod', volumes: [volume] },
        ...(props.resources !== undefined ? { resources: kplus.k8s.toJson_ResourceRequirements(props.resources) } : {}),
      },
    });
  }
}

/**
 * Props of `StrimziKafkaTopic`.
 */
export interface StrimziKafkaTopicProps {
  /** Metadata (name, labels). The `strimzi.io/cluster` label is added. */
  readonly metadata: ApiObjectMetadata;
  /** The `Kafka` the topic lives in. */
  readonly cluster: string;
  /**
   * The topic name, when it differs from `metadata.name` (a topic name that is not a valid object name).
   *
   * @default - `metadata.name`
   */
  readonly topicName?: string;
  /** Number of partitions. */
  readonly partitions: number;
  /** Replication factor. */
  readonly replicas: number;
  /**
   * Topic settings.
   *
   * @default - the broker's defaults
   */
  readonly config?: { [key: string]: string };
}

/**
 * A Strimzi `KafkaTopic` (`kafka.strimzi.io/v1`), which the Topic Operator turns into a topic.
 *
 * @see https://strimzi.io/docs/operators/latest/configuring#type-KafkaTopic-reference
 */
export class StrimziKafkaTopic extends ApiObject {
  /** The API version. */
  public static readonly API_VERSION = 'kafka.strimzi.io/v1';
  /** The kind. */
  public static readonly KIND = 'KafkaTopic';

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: StrimziKafkaTopicProps) {
    const spec: { [key: string]: any } = {};
    if (props.topicName !== undefined) spec.topicName = props.topicName;
    spec.partitions = props.partitions;
    spec.replicas = props.replicas;
    if (props.config !== undefined && Object.keys(props.config).length > 0) spec.config = { ...props.config };
    super(scope, id, {
      apiVersion: StrimziKafkaTopic.API_VERSION,
      kind: StrimziKafkaTopic.KIND,
      metadata: { ...props.metadata, labels: { ...props.metadata.labels, 'strimzi.io/cluster': props.cluster } },
      spec,
    });
  }
}

/** A pod template in the API's JSON (the typed structs converted as the L1 objects would). */
function podTemplateJson(t: StrimziPodTemplate): { [key: string]: any } {
  const out: { [key: string]: any } = {};
  if (t.metadata !== undefined && (t.metadata.labels !== undefined || t.metadata.annotations !== undefined)) {
    out.metadata = {
      ...(t.metadata.labels !== undefined ? { labels: { ...t.metadata.labels } } : {}),
      ...(t.metadata.annotations !== undefined ? { annotations: { ...t.metadata.annotations } } : {}),
    };
  }
  if (t.imagePullSecrets !== undefined) out.imagePullSecrets = t.imagePullSecrets.map((r) => kplus.k8s.toJson_LocalObjectReference(r));
  if (t.affinity !== undefined) out.affinity = kplus.k8s.toJson_Affinity(t.affinity);
  if (t.tolerations !== undefined) out.tolerations = t.tolerations.map((x) => kplus.k8s.toJson_Toleration(x));
  if (t.topologySpreadConstraints !== undefined) {
    out.topologySpreadConstraints = t.topologySpreadConstraints.map((x) => kplus.k8s.toJson_TopologySpreadConstraint(x));
  }
  if (t.priorityClassName !== undefined) out.priorityClassName = t.priorityClassName;
  return out;
}
