import { createHash } from 'crypto';
import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { BoundKafkaCluster, KafkaClusterHost } from './_host';
import { StatefulShards } from '../../blocks/stateful-shards';
import { KafkaConfig } from '../../config/kafka';
import { containerResources } from '../../core/_resources';
import { ConfigChecksum } from '../../core/checksum';
import { PropCheck } from '../../core/errors';
import { ContainerImages, ImageKey } from '../../core/images';
import { ResourceNames } from '../../core/names';
import { propError } from '../../core/prop-error';
import { StrimziKafka, StrimziKafkaNodePool, StrimziNodeRole } from '../../crds/strimzi';

/** The client (PLAINTEXT) port of every cluster kind. */
const KAFKA_PORT = 9092;
const CONTROLLER_PORT = 9093;
const KAFKA_CONFIG_DIR = '/etc/kafka-workflow';
const KAFKA_RUN_DIR = '/var/run/kafka';
const KAFKA_DATA_DIR = '/var/lib/kafka/data';
const KAFKA_LOG_DIR = '/opt/kafka/logs';
/** The largest volume a node may ask for: 1 PiB, in MiB. */
const MAX_STORAGE_MIB = 1024 * 1024 * 1024;

/**
 * Where the workflow's Kafka comes from.
 */
export enum KafkaClusterKind {
  /** A StatefulSet of the Apache Kafka image in KRaft mode, made by the workflow. */
  EMBEDDED = 'embedded',
  /** Strimzi `Kafka` and `KafkaNodePool` resources, for a cluster that runs the Strimzi operator. */
  STRIMZI = 'strimzi',
  /** A cluster that exists already, reached at a bootstrap address. */
  EXTERNAL = 'external',
}

/**
 * Options for `KafkaCluster.embedded`.
 */
export interface EmbeddedKafkaOptions {
  /**
   * Number of nodes, each a combined KRaft controller and broker. 3 or 5 (the book's replication factors) keep a
   * quorum through the loss of 1 or 2 nodes.
   *
   * @default 3
   */
  readonly brokers?: number;
  /**
   * The persistent volume of each node (data and KRaft metadata).
   *
   * @default Size.gibibytes(10)
   */
  readonly storage?: Size;
  /**
   * The StorageClass of the volumes.
   *
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * The JVM heap of each node (`-Xms` = `-Xmx`), a whole number of MiB from 256 MiB to 64 GiB. The container's
   * memory limit is twice this (page cache and off-heap buffers).
   *
   * @default Size.gibibytes(1)
   */
  readonly heap?: Size;
  /**
   * Broker settings added to or replacing the defaults (not the listeners, node id or quorum).
   *
   * @default - none
   */
  readonly config?: { [key: string]: string };
  /**
   * The KRaft cluster id (22 characters of base64url). Every volume is formatted with it, so it must never change
   * for a cluster that has data.
   *
   * @default - derived from the namespace and the StatefulSet name (stable as long as they are)
   */
  readonly clusterId?: string;
}

/**
 * Options for `KafkaCluster.strimzi`.
 */
export interface StrimziKafkaOptions {
  /**
   * The name of the `Kafka` resource (Strimzi derives every object name from it, e.g. `<name>-kafka-bootstrap`).
   *
   * @default - the workflow's base name
   */
  readonly clusterName?: string;
  /**
   * Number of nodes in the node pool (each a KRaft controller and broker).
   *
   * @default 3
   */
  readonly replicas?: number;
  /**
   * The persistent volume of each node.
   *
   * @default Size.gibibytes(10)
   */
  readonly storage?: Size;
  /**
   * The StorageClass of the volumes.
   *
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * The Kafka version.
   *
   * @default - the Strimzi operator's default
   */
  readonly version?: string;
  /**
   * Broker settings added to or replacing the defaults.
   *
   * @default - none
   */
  readonly config?: { [key: string]: string };
}

/**
 * Options for `KafkaCluster.external`.
 */
export interface ExternalKafkaOptions {
  /** Bootstrap addresses (`host:port`). */
  readonly bootstrapServers: string[];
  /**
   * Number of brokers, to check replication factors against.
   *
   * @default - unknown: replication factors are not checked, and default to 3
   */
  readonly brokers?: number;
  /**
   * Create the workflow's topics with a Job (the Kafka CLI); otherwise they must exist.
   *
   * @default true
   */
  readonly createTopics?: boolean;
}

/**
 * The Kafka cluster of a workflow: embedded, Strimzi, or external.
 */
export class KafkaCluster {
  /**
   * A StatefulSet of the Apache Kafka image in KRaft mode: combined controller+broker nodes with a static quorum,
   * a headless Service, a PersistentVolumeClaim per node, a PodDisruptionBudget and spread over nodes, restricted
   * security. Topics are created by a Job with the Kafka CLI. Listeners are PLAINTEXT inside the cluster: use
   * Strimzi for TLS and authentication.
   *
   * @see https://kafka.apache.org/documentation/#kraft
   */
  public static embedded(options: EmbeddedKafkaOptions = {}): KafkaCluster {
    return new KafkaCluster(new EmbeddedCluster(options));
  }

  /**
   * Strimzi resources: a `Kafka` with the KRaft and node-pool annotations and a `KafkaNodePool` of combined
   * controller+broker nodes; topics as `KafkaTopic` resources. Needs the Strimzi operator (0.49 or later, for the
   * `kafka.strimzi.io/v1` API).
   *
   * @see https://strimzi.io/docs/operators/latest/deploying
   */
  public static strimzi(options: StrimziKafkaOptions = {}): KafkaCluster {
    return new KafkaCluster(new StrimziCluster(options));
  }

  /**
   * A cluster that exists already.
   */
  public static external(options: ExternalKafkaOptions): KafkaCluster {
    return new KafkaCluster(new ExternalCluster(options));
  }

  /** Which kind of cluster. */
  public readonly kind: KafkaClusterKind;

  private constructor(private readonly variant: ClusterVariant) {
    this.kind = variant.kind;
  }

  /**
   * Makes the cluster's objects in the workflow (checking the options, whose errors name the workflow and
   * `cluster.<option>`) and says how the workflow reaches it.
   *
   * @internal
   */
  public _bind(host: KafkaClusterHost): BoundKafkaCluster {
    return this.variant.bind(host);
  }
}

/** One kind of cluster: what `KafkaCluster._bind` does for it. */
interface ClusterVariant {
  readonly kind: KafkaClusterKind;
  bind(host: KafkaClusterHost): BoundKafkaCluster;
}

class EmbeddedCluster implements ClusterVariant {
  public readonly kind = KafkaClusterKind.EMBEDDED;

  constructor(private readonly options: EmbeddedKafkaOptions) {}

  public bind(host: KafkaClusterHost): BoundKafkaCluster {
    const brokers = PropCheck.integer(host, 'cluster.brokers', 1, 9, 3, this.options.brokers);
    const kafkaNodes = this.nodes(host, brokers);
    return {
      brokers,
      kafkaNodes,
      bootstrapServers: Array.from({ length: brokers }, (_, i) => `${kafkaNodes.hostOf(i)}:${KAFKA_PORT}`),
      createTopics: true,
      description: brokersText(this.kind, brokers),
    };
  }

  private nodes(host: KafkaClusterHost, brokers: number): StatefulShards {
    const o = this.options;
    const name = `${host.baseName}-kafka`;
    const user = ContainerImages.user(ImageKey.KAFKA);
    const heapMi = PropCheck.wholeMebibytes(host, 'cluster.heap', 256, 65536, Size.gibibytes(1), o.heap);
    const storage = o.storage ?? Size.gibibytes(10);
    PropCheck.wholeMebibytes(host, 'cluster.storage', 1, MAX_STORAGE_MIB, storage);
    checkBrokerSettings(host, o.config, KafkaConfig.kraftOverrideProblem);
    const namespace = Chart.of(host).namespace;
    const controllers = Array.from({ length: brokers }, (_, i) => `${ResourceNames.podDnsName(name, i, name, { namespace })}:${CONTROLLER_PORT}`);
    const properties = KafkaConfig.kraftServerProperties({
      controllers,
      advertisedHost: `@POD_NAME@.${name}.@POD_NAMESPACE@.svc`,
      port: KAFKA_PORT,
      controllerPort: CONTROLLER_PORT,
      logDir: `${KAFKA_DATA_DIR}/kraft-logs`,
      overrides: o.config,
    });
    const clusterId = o.clusterId ?? createHash('sha256').update(`kafka-workflow:${namespace ?? ''}/${name}`).digest().subarray(0, 16).toString('base64url');
    if (!/^[A-Za-z0-9_-]{22}$/.test(clusterId)) throw propError(host, 'cluster.clusterId', '22 characters of base64url (kafka-storage.sh random-uuid)', clusterId);

    const config = new kplus.ConfigMap(host, 'KafkaConfig', {
      metadata: { name: `${name}-config`, labels: host._labels },
      data: {
        'server.properties': properties,
        'start.sh': KafkaConfig.startScript(`${KAFKA_CONFIG_DIR}/server.properties`, KAFKA_RUN_DIR),
      },
    });
    const nodes = new StatefulShards(host, 'Kafka', {
      name,
      shards: brokers,
      appName: 'kafka',
      instance: host.baseName,
      partOf: host.baseName,
      uid: user.uid,
      gid: user.gid,
      port: KAFKA_PORT,
      portName: 'kafka',
      writableDirs: ['/tmp', KAFKA_LOG_DIR, KAFKA_RUN_DIR],
      dataDir: KAFKA_DATA_DIR,
      storage,
      storageClassName: o.storageClassName,
      container: {
        name: 'kafka',
        image: ContainerImages.resolve(host, ImageKey.KAFKA, host._images),
        command: ['/bin/sh', `${KAFKA_CONFIG_DIR}/start.sh`],
        ports: [{ number: KAFKA_PORT, name: 'kafka' }, { number: CONTROLLER_PORT, name: 'controller' }],
        envVariables: {
          POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
          POD_NAMESPACE: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE),
          KAFKA_CLUSTER_ID: kplus.EnvValue.fromValue(clusterId),
          KAFKA_HEAP_OPTS: kplus.EnvValue.fromValue(`-Xms${heapMi}m -Xmx${heapMi}m`),
          LOG_DIR: kplus.EnvValue.fromValue(KAFKA_LOG_DIR),
        },
        readiness: kplus.Probe.fromTcpSocket({ port: KAFKA_PORT, periodSeconds: Duration.seconds(5) }),
        liveness: kplus.Probe.fromTcpSocket({
          port: CONTROLLER_PORT, initialDelaySeconds: Duration.seconds(60), periodSeconds: Duration.seconds(10), failureThreshold: 6,
        }),
        resources: containerResources({ cpu: ['250m', '2'], memory: [`${Math.ceil(heapMi * 1.5)}Mi`, `${heapMi * 2}Mi`] }),
      },
    });
    nodes.container.mount(KAFKA_CONFIG_DIR, kplus.Volume.fromConfigMap(host, 'KafkaConfigVolume', config, { name: 'kafka-config' }), { readOnly: true });
    ConfigChecksum.annotate(nodes.statefulSet, [config]);
    return nodes;
  }
}

class StrimziCluster implements ClusterVariant {
  public readonly kind = KafkaClusterKind.STRIMZI;

  constructor(private readonly options: StrimziKafkaOptions) {}

  public bind(host: KafkaClusterHost): BoundKafkaCluster {
    const o = this.options;
    const brokers = PropCheck.integer(host, 'cluster.replicas', 1, 100, 3, o.replicas);
    const cluster = o.clusterName !== undefined ? ResourceNames.checkDnsLabel(host, 'cluster.clusterName', o.clusterName, 40) : host.baseName;
    const storageMi = PropCheck.wholeMebibytes(host, 'cluster.storage', 1, MAX_STORAGE_MIB, Size.gibibytes(10), o.storage);
    checkBrokerSettings(host, o.config, KafkaConfig.brokerSettingProblem);
    const strimziKafka = new StrimziKafka(host, 'Kafka', {
      metadata: { name: cluster, labels: host._labels },
      spec: {
        version: o.version,
        listeners: [{ name: 'plain', port: KAFKA_PORT, type: 'internal', tls: false }],
        config: brokerDefaults(brokers, o.config),
      },
    });
    const strimziNodePool = new StrimziKafkaNodePool(host, 'NodePool', {
      metadata: { name: `${cluster}-dual-role`, labels: host._labels },
      cluster,
      replicas: brokers,
      roles: [StrimziNodeRole.CONTROLLER, StrimziNodeRole.BROKER],
      storage: { size: `${storageMi}Mi`, storageClassName: o.storageClassName },
    });
    const svc = `${cluster}-kafka-bootstrap`;
    const namespace = Chart.of(host).namespace;
    return {
      brokers,
      strimziCluster: cluster,
      strimziKafka,
      strimziNodePool,
      bootstrapServers: [`${namespace ? `${svc}.${namespace}.svc.cluster.local` : svc}:${KAFKA_PORT}`],
      createTopics: false,
      description: brokersText(this.kind, brokers),
    };
  }
}

class ExternalCluster implements ClusterVariant {
  public readonly kind = KafkaClusterKind.EXTERNAL;

  constructor(private readonly options: ExternalKafkaOptions) {}

  public bind(host: KafkaClusterHost): BoundKafkaCluster {
    const o = this.options;
    if (!Array.isArray(o.bootstrapServers) || o.bootstrapServers.length === 0) {
      throw propError(host, 'cluster.bootstrapServers', 'a list of at least one host:port', o.bootstrapServers);
    }
    for (const b of o.bootstrapServers) {
      if (typeof b !== 'string' || !/^[A-Za-z0-9.-]+:[0-9]{1,5}$/.test(b)) throw propError(host, 'cluster.bootstrapServers', 'a list of host:port addresses', b);
    }
    return {
      brokers: o.brokers !== undefined ? PropCheck.integer(host, 'cluster.brokers', 1, 10000, 3, o.brokers) : undefined,
      bootstrapServers: [...o.bootstrapServers],
      createTopics: o.createTopics ?? true,
      description: `external Kafka at ${o.bootstrapServers.join(', ')}`,
    };
  }
}

/** Each broker setting of `config` through `problemOf` (the renderer's rule): the first problem names its key. */
function checkBrokerSettings(host: KafkaClusterHost, config: { [key: string]: string } | undefined,
  problemOf: (key: string, value: string) => string | undefined): void {
  for (const key of Object.keys(config ?? {}).sort()) {
    const problem = problemOf(key, config![key]);
    if (problem) throw propError(host, `cluster.config.${key}`, `a broker setting the cluster accepts: it ${problem}`, config![key]);
  }
}

/** The Strimzi broker settings: replication that follows the node count, no automatic topics, then `overrides`. */
function brokerDefaults(brokers: number, overrides?: { [key: string]: string }): { [key: string]: string } {
  const rf = String(Math.min(3, brokers));
  const minIsr = String(Math.max(1, Math.min(2, brokers - 1)));
  const config: { [key: string]: string } = {
    'auto.create.topics.enable': 'false',
    'default.replication.factor': rf,
    'min.insync.replicas': minIsr,
    'offsets.topic.replication.factor': rf,
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': minIsr,
  };
  for (const key of Object.keys(overrides ?? {}).sort()) config[key] = overrides![key];
  return config;
}

function brokersText(kind: KafkaClusterKind, brokers: number): string {
  return `${kind} Kafka, ${brokers} broker${brokers === 1 ? '' : 's'}`;
}
