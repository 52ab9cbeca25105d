import { createHash } from 'crypto';
import { Chart, Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { BoundKafkaCluster, KafkaClusterHost } from './_host';
import { checkKafkaSecurity, KAFKA_AUTH_DIR, KAFKA_PASSWORDS_DIR, KAFKA_TLS_DIR, mountBrokerSecurity } from './_security';
import { KafkaSecurity } from './security';
import { applyPodOptionsToTemplate } from '../../blocks/_pod-options';
import { StatefulShards } from '../../blocks/stateful-shards';
import { KafkaConfig, KafkaSettingProblem } from '../../config/kafka';
import { resourcesOr } from '../../core/_resources';
import { checkResources } from '../../core/_rules';
import { ConfigChecksum } from '../../core/checksum';
import { PropCheck } from '../../core/errors';
import { ContainerImages, ImageKey } from '../../core/images';
import { RecommendedLabels } from '../../core/labels';
import { ResourceNames } from '../../core/names';
import { PodOptions } from '../../core/pod-options';
import { propError } from '../../core/prop-error';
import { StrimziKafka, StrimziKafkaNodePool, StrimziNodeRole, StrimziPodTemplate } from '../../crds/strimzi';
import { kafkaAuthProgram } from '../../runtime/kafka-auth';

/** The client (PLAINTEXT or SASL_SSL) port of every cluster kind. */
const KAFKA_PORT = 9092;
const CONTROLLER_PORT = 9093;
const KAFKA_CONFIG_DIR = '/etc/kafka-workflow';
const KAFKA_RUN_DIR = '/var/run/kafka';
const KAFKA_DATA_DIR = '/var/lib/kafka/data';
const KAFKA_LOG_DIR = '/opt/kafka/logs';
/** The kafka-auth program's file in the config ConfigMap. */
const KAFKA_AUTH_FILE = 'kafka-auth.sh';
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
   * Resources of each node's Kafka container. The memory limit must be more than the heap.
   *
   * @default - requests 250m CPU and 1.5 × the heap, limits 2 CPU and 2 × the heap (page cache and off-heap buffers); ephemeral storage 64Mi request, 256Mi limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly brokerResources?: kplus.ContainerResources;
  /**
   * Broker settings added to or replacing the defaults (not the listeners, node id or quorum). The settings the
   * library depends on are checked: `min.insync.replicas` (every topic needs at least that many replicas, unless
   * it sets its own), the internal topics' replication factors (at most the brokers) and min ISRs.
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
  /**
   * How the listeners are secured: `KafkaSecurity.saslSsl({ tlsSecret, passwordsSecret })` puts TLS and SASL/PLAIN
   * on every listener (client, inter-broker, controller), and the workflow's stages and topics Job connect with
   * them. The Secrets must exist before the brokers start.
   *
   * @default KafkaSecurity.none() - PLAINTEXT without authentication
   */
  readonly security?: KafkaSecurity;
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
   * The Kafka version (`4.1.0`): also the `app.kubernetes.io/version` of the cluster's objects.
   *
   * @default - the Strimzi operator's default
   */
  readonly version?: string;
  /**
   * Resources of each node's Kafka container (the node pool's `resources`).
   *
   * @default - none: Strimzi's default
   */
  readonly brokerResources?: kplus.ContainerResources;
  /**
   * Broker settings added to or replacing the defaults. Strimzi's forbidden settings (`listeners`, `node.id`,
   * `ssl.*`, `controller.*`, …, which it sets itself) are refused, and the settings the library depends on checked
   * as for the embedded cluster.
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
   * The brokers' `min.insync.replicas`, to check replication factors against: a topic without its own
   * `min.insync.replicas` needs at least this many replicas, or every `acks=all` write to it fails.
   *
   * @default - unknown: assumed to be Kafka's default, 1 (replication factors are then not checked against it)
   */
  readonly minInsyncReplicas?: number;
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
   * security; the workflow's pod options reach its pods. Topics are created by a Job with the Kafka CLI. Listeners
   * are PLAINTEXT unless `security` puts TLS and SASL/PLAIN on them (`KafkaSecurity.saslSsl`).
   *
   * @see https://kafka.apache.org/documentation/#kraft
   */
  public static embedded(options: EmbeddedKafkaOptions = {}): KafkaCluster {
    return new KafkaCluster(new EmbeddedCluster(options));
  }

  /**
   * Strimzi resources: a `Kafka` with the KRaft and node-pool annotations and a `KafkaNodePool` of combined
   * controller+broker nodes; topics as `KafkaTopic` resources. Needs the Strimzi operator (0.49 or later, for the
   * `kafka.strimzi.io/v1` API). The workflow's pod options go into the pod templates of the brokers and of the
   * entity operator (`spec.kafka.template.pod`, `spec.entityOperator.template.pod`), which have no `nodeSelector`
   * and no ServiceAccount of yours: `pod.nodeSelector` (use `pod.affinity`), `pod.serviceAccount` and
   * `pod.automountServiceAccountToken` are refused with a Strimzi cluster, and so are `strimzi.io/*` pod labels.
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

  /**
   * It is a `KafkaCluster` (duck-typed: a JavaScript or Python caller may pass anything).
   *
   * @internal
   */
  public static _isCluster(x: any): x is KafkaCluster {
    return x !== null && typeof x === 'object' && typeof x._bind === 'function' && typeof x.kind === 'string';
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
    const security = checkKafkaSecurity(host, 'cluster.security', this.options.security);
    checkBrokerSettings(host, this.options.config, brokers, security.enabled
      ? (k, v) => KafkaConfig.kraftOverrideProblem(k, v) ?? KafkaConfig.saslSslOverrideProblem(k, v)
      : KafkaConfig.kraftOverrideProblem);
    const kafkaNodes = this.nodes(host, brokers, security);
    return {
      brokers,
      minInsyncReplicas: KafkaConfig.brokerMinInsyncReplicas(brokers, this.options.config),
      minInsyncReplicasAssumed: false,
      remoteStorage: remoteStorageOf(this.options.config),
      kafkaNodes,
      bootstrapServers: Array.from({ length: brokers }, (_, i) => `${kafkaNodes.hostOf(i)}:${KAFKA_PORT}`),
      createTopics: true,
      clientPort: KAFKA_PORT,
      controllerPort: CONTROLLER_PORT,
      security: security.enabled ? security : undefined,
      description: `${brokersText(this.kind, brokers)}${security.enabled ? ', SASL_SSL' : ''}`,
    };
  }

  private nodes(host: KafkaClusterHost, brokers: number, security: KafkaSecurity): StatefulShards {
    const o = this.options;
    const name = `${host.baseName}-kafka`;
    const user = ContainerImages.user(ImageKey.KAFKA);
    const heapMi = PropCheck.wholeMebibytes(host, 'cluster.heap', 256, 65536, Size.gibibytes(1), o.heap);
    const storage = o.storage ?? Size.gibibytes(10);
    PropCheck.wholeMebibytes(host, 'cluster.storage', 1, MAX_STORAGE_MIB, storage);
    checkStorageClass(host, o.storageClassName);
    // The log dirs are on the claim; the writable layer holds only /tmp and the broker's stdout logs.
    const resources = resourcesOr(checkBrokerResources(host, o.brokerResources, heapMi),
      { cpu: ['250m', '2'], memory: [`${Math.ceil(heapMi * 1.5)}Mi`, `${heapMi * 2}Mi`], ephemeralStorage: ['64Mi', '256Mi'] });
    const image = ContainerImages.resolve(host, ImageKey.KAFKA, host._images);
    const version = RecommendedLabels.versionOf(image);
    const namespace = Chart.of(host).namespace;
    const controllers = Array.from({ length: brokers }, (_, i) => `${ResourceNames.podDnsName(name, i, name, { namespace })}:${CONTROLLER_PORT}`);
    const properties = KafkaConfig.kraftServerProperties({
      controllers,
      advertisedHost: `@POD_NAME@.${name}.@POD_NAMESPACE@.svc`,
      port: KAFKA_PORT,
      controllerPort: CONTROLLER_PORT,
      logDir: `${KAFKA_DATA_DIR}/kraft-logs`,
      overrides: o.config,
      saslSsl: security.enabled ? { keystore: `${KAFKA_AUTH_DIR}/keystore.pem`, truststore: `${KAFKA_TLS_DIR}/ca.crt` } : undefined,
    });
    const clusterId = o.clusterId ?? createHash('sha256').update(`kafka-workflow:${namespace ?? ''}/${name}`).digest().subarray(0, 16).toString('base64url');
    if (typeof clusterId !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(clusterId)) throw propError(host, 'cluster.clusterId', '22 characters of base64url (kafka-storage.sh random-uuid)', clusterId);

    const config = new kplus.ConfigMap(host, 'KafkaConfig', {
      metadata: { name: `${name}-config`, labels: host._labelsOf('kafka', 'broker', version) },
      data: {
        'server.properties': properties,
        'start.sh': KafkaConfig.startScript(`${KAFKA_CONFIG_DIR}/server.properties`, KAFKA_RUN_DIR, security.enabled ? {
          authDir: KAFKA_AUTH_DIR, tlsDir: KAFKA_TLS_DIR, passwordsDir: KAFKA_PASSWORDS_DIR, program: `${KAFKA_CONFIG_DIR}/${KAFKA_AUTH_FILE}`,
        } : undefined),
        ...(security.enabled ? { [KAFKA_AUTH_FILE]: kafkaAuthProgram() } : {}),
      },
    });
    const nodes = new StatefulShards(host, 'Kafka', {
      name,
      shards: brokers,
      appName: 'kafka',
      instance: host.baseName,
      component: 'broker',
      partOf: host._partOf,
      version,
      pod: host._pod,
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
        image,
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
        resources,
      },
    });
    nodes.container.mount(KAFKA_CONFIG_DIR, kplus.Volume.fromConfigMap(host, 'KafkaConfigVolume', config, { name: 'kafka-config' }), { readOnly: true });
    if (security.enabled) {
      nodes.statefulSet.metadata.addAnnotation(KafkaSecurity.ANNOTATION, security._annotation());
      mountBrokerSecurity(host, nodes.container, security);
    }
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
    checkStorageClass(host, o.storageClassName);
    if (o.version !== undefined && (typeof o.version !== 'string' || !/^[0-9]+\.[0-9]+\.[0-9]+$/.test(o.version))) {
      throw propError(host, 'cluster.version', 'a Kafka version Strimzi knows, as major.minor.patch (e.g. \'4.1.0\')', o.version);
    }
    checkResources(host, 'cluster.brokerResources', o.brokerResources);
    checkBrokerSettings(host, o.config, brokers, KafkaConfig.strimziSettingProblem);
    const podTemplate = strimziPodTemplate(host, host._pod);
    const labels = host._labelsOf('kafka', 'broker', o.version);
    const strimziKafka = new StrimziKafka(host, 'Kafka', {
      metadata: { name: cluster, labels },
      spec: {
        version: o.version,
        listeners: [{ name: 'plain', port: KAFKA_PORT, type: 'internal', tls: false }],
        config: brokerDefaults(brokers, o.config),
        kafkaPodTemplate: podTemplate,
        entityOperatorPodTemplate: podTemplate,
      },
    });
    const strimziNodePool = new StrimziKafkaNodePool(host, 'NodePool', {
      metadata: { name: `${cluster}-dual-role`, labels },
      cluster,
      replicas: brokers,
      roles: [StrimziNodeRole.CONTROLLER, StrimziNodeRole.BROKER],
      storage: { size: `${storageMi}Mi`, storageClassName: o.storageClassName },
      resources: o.brokerResources !== undefined ? resourceRequirements(o.brokerResources) : undefined,
    });
    const svc = `${cluster}-kafka-bootstrap`;
    const namespace = Chart.of(host).namespace;
    return {
      brokers,
      minInsyncReplicas: KafkaConfig.brokerMinInsyncReplicas(brokers, o.config),
      minInsyncReplicasAssumed: false,
      remoteStorage: remoteStorageOf(o.config),
      strimziCluster: cluster,
      strimziKafka,
      strimziNodePool,
      bootstrapServers: [`${namespace ? `${svc}.${namespace}.svc.cluster.local` : svc}:${KAFKA_PORT}`],
      createTopics: false,
      clientPort: KAFKA_PORT,
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
    const brokers = o.brokers !== undefined ? PropCheck.integer(host, 'cluster.brokers', 1, 10000, 3, o.brokers) : undefined;
    const minIsr = o.minInsyncReplicas !== undefined ? PropCheck.integer(host, 'cluster.minInsyncReplicas', 1, brokers ?? 10000, 1, o.minInsyncReplicas) : undefined;
    if (o.createTopics !== undefined && typeof o.createTopics !== 'boolean') throw propError(host, 'cluster.createTopics', 'true or false', o.createTopics);
    return {
      brokers,
      minInsyncReplicas: minIsr ?? 1,
      minInsyncReplicasAssumed: minIsr === undefined,
      bootstrapServers: [...o.bootstrapServers],
      createTopics: o.createTopics ?? true,
      description: `external Kafka at ${o.bootstrapServers.join(', ')}`,
    };
  }
}

/**
 * Each broker setting of `config` through `problemOf` (the renderer's rule for the cluster kind), then the settings
 * together against the nodes: the first problem names its setting.
 */
function checkBrokerSettings(host: KafkaClusterHost, config: { [key: string]: string } | undefined, brokers: number,
  problemOf: (key: string, value: string) => KafkaSettingProblem | undefined): void {
  if (config === undefined) return;
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw propError(host, 'cluster.config', 'a map of broker settings to string values', config);
  const fail = (p: KafkaSettingProblem | undefined) => {
    if (p) throw propError(host, `cluster.config.${p.setting}`, p.expectation, p.value);
  };
  for (const key of Object.keys(config).sort()) fail(problemOf(key, config[key]));
  fail(KafkaConfig.brokerSettingsProblem(config, brokers));
}

/** The brokers have tiered storage: `remote.log.storage.system.enable=true` (checked already). */
function remoteStorageOf(config: { [key: string]: string } | undefined): boolean {
  return /^true$/i.test(config?.['remote.log.storage.system.enable'] ?? '');
}

function checkStorageClass(host: KafkaClusterHost, name: string | undefined): void {
  if (name !== undefined && !ResourceNames.isDnsSubdomain(name)) throw propError(host, 'cluster.storageClassName', 'a StorageClass name (a DNS-1123 subdomain)', name);
}

/** The embedded node's resources (checked), whose memory limit must leave the JVM room beyond its heap. */
function checkBrokerResources(host: KafkaClusterHost, r: kplus.ContainerResources | undefined, heapMi: number): kplus.ContainerResources | undefined {
  checkResources(host, 'cluster.brokerResources', r);
  const limit = r?.memory?.limit;
  if (limit !== undefined && limit.toMebibytes({ rounding: SizeRoundingBehavior.NONE }) <= heapMi) {
    throw propError(host, 'cluster.brokerResources.memory.limit', `more than the heap (${heapMi}Mi): the JVM needs room beyond its heap, or the node is OOM-killed`,
      `${limit.toMebibytes({ rounding: SizeRoundingBehavior.NONE })}Mi`);
  }
  return r;
}

/** cdk8s-plus resources (checked) as the Kubernetes `ResourceRequirements` a Strimzi node pool takes. */
function resourceRequirements(r: kplus.ContainerResources): kplus.k8s.ResourceRequirements {
  const side = (which: 'request' | 'limit') => {
    const out: { [key: string]: kplus.k8s.Quantity } = {};
    const cpu = r.cpu?.[which];
    if (cpu !== undefined) out.cpu = kplus.k8s.Quantity.fromString(cpu.amount);
    for (const [kind, key] of [['memory', 'memory'], ['ephemeralStorage', 'ephemeral-storage']] as const) {
      const size = r[kind]?.[which];
      if (size !== undefined) out[key] = kplus.k8s.Quantity.fromString(quantity(size));
    }
    return Object.keys(out).length > 0 ? out : undefined;
  };
  return { requests: side('request'), limits: side('limit') };
}

function quantity(s: Size): string {
  const mib = s.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
  if (Number.isInteger(mib)) return `${mib}Mi`;
  const kib = s.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
  return Number.isInteger(kib) ? `${kib}Ki` : String(kib * 1024);
}

/**
 * The workflow's pod options as Strimzi's pod template (`spec.kafka.template.pod`): the fields that exist there.
 * What Strimzi has no place for is refused rather than dropped.
 */
function strimziPodTemplate(host: KafkaClusterHost, pod: PodOptions): StrimziPodTemplate | undefined {
  const refuse = (field: string, why: string, value: any) => {
    throw propError(host, `pod.${field}`, `unset with a Strimzi cluster (${why})`, value);
  };
  if (pod.serviceAccount !== undefined) refuse('serviceAccount', 'Strimzi runs its pods under the ServiceAccounts it makes', pod.serviceAccount.name);
  if (pod.automountServiceAccountToken !== undefined) refuse('automountServiceAccountToken', 'Strimzi decides the token mount of its pods', pod.automountServiceAccountToken);
  if (pod.nodeSelector !== undefined && Object.keys(pod.nodeSelector).length > 0) {
    refuse('nodeSelector', 'Strimzi\'s pod template has no nodeSelector: give pod.affinity.nodeAffinity instead', pod.nodeSelector);
  }
  const strimziLabel = Object.keys(pod.labels ?? {}).find((k) => k.startsWith('strimzi.io/'));
  if (strimziLabel !== undefined) throw propError(host, 'pod.labels', 'free of \'strimzi.io/*\' keys (Strimzi sets them on its pods)', strimziLabel);
  const template: { metadata?: any; spec: any } = { spec: {} };
  applyPodOptionsToTemplate(template, pod);
  const spec = template.spec;
  const out: StrimziPodTemplate = {
    metadata: template.metadata !== undefined ? { labels: template.metadata.labels, annotations: template.metadata.annotations } : undefined,
    imagePullSecrets: spec.imagePullSecrets,
    affinity: pod.affinity,
    tolerations: pod.tolerations,
    topologySpreadConstraints: pod.topologySpreadConstraints,
    priorityClassName: spec.priorityClassName,
  };
  return Object.values(out).some((v) => v !== undefined) ? out : undefined;
}

/** The Strimzi broker settings: replication that follows the node count, no automatic topics, then `overrides`. */
function brokerDefaults(brokers: number, overrides?: { [key: string]: string }): { [key: string]: string } {
  const d = KafkaConfig.replicationDefaults(brokers);
  const config: { [key: string]: string } = { 'auto.create.topics.enable': 'false' };
  for (const key of ['default.replication.factor', 'min.insync.replicas', 'offsets.topic.replication.factor',
    'transaction.state.log.replication.factor', 'transaction.state.log.min.isr']) config[key] = d[key];
  for (const key of Object.keys(overrides ?? {}).sort()) config[key] = overrides![key];
  return config;
}

function brokersText(kind: KafkaClusterKind, brokers: number): string {
  return `${kind} Kafka, ${brokers} broker${brokers === 1 ? '' : 's'}`;
}
