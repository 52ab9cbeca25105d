import { ApiObject, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { GraphStage } from './_graph';
import { clientPasswordEnv, KAFKA_CA_FILE, KAFKA_SASL_PASSWORD_ENV, mountKafkaCa } from './_security';
import { KafkaSecurity } from './security';
import { KafkaStageOptions } from './stage-options';
import { addAppContainer, checkAppContainer, CheckedAppContainer } from '../../blocks/_app-container';
import { applyPodOptions } from '../../blocks/_pod-options';
import { RestrictedWorkloads } from '../../blocks/_restricted-workload';
import { StreamProcessorConfig } from '../../config/stream-processor';
import { resourcesOr } from '../../core/_resources';
import { checkResources } from '../../core/_rules';
import { AppContainerProps } from '../../core/app-container';
import { ConfigChecksum } from '../../core/checksum';
import { PropCheck } from '../../core/errors';
import { ContainerImages, ImageKey, ImageOverrides } from '../../core/images';
import { RecommendedLabels } from '../../core/labels';
import { PodOptions } from '../../core/pod-options';
import { propError } from '../../core/prop-error';
import { RestrictedSecurity } from '../../core/security';

const BENTO_CONFIG_DIR = '/etc/bento';
const BENTO_CONFIG_FILE = 'config.yaml';
/** The label that tells the stages of one workflow apart (in every stage's selector). */
const STAGE_LABEL = 'cdk8s-distributed-patterns/stage';

/**
 * What a stage does.
 */
export enum KafkaStageKind {
  /** One input, every message to each of several outputs. */
  COPIER = 'copier',
  /** One input, the messages a condition holds for to one output. */
  FILTER = 'filter',
  /** One input, each message to the outputs whose conditions hold. */
  SPLITTER = 'splitter',
  /** One input, each message to one of N outputs by a key's hash. */
  SHARDER = 'sharder',
  /** Several inputs, one output. */
  MERGER = 'merger',
  /** Parts held until their batch is complete, then one message per batch. */
  JOIN = 'join',
  /** An aggregate per key and window. */
  REDUCE = 'reduce',
  /** A user image with the documented environment contract. */
  CUSTOM = 'custom',
  /** One input, each message POSTed to an HTTP endpoint, the answer to the outputs whose conditions hold. */
  HTTP_CALL = 'http-call',
}

/**
 * The environment contract of a custom stage: what its program finds in its environment.
 */
export class CustomStageEnv {
  /** Comma-separated bootstrap `host:port` addresses. */
  public static readonly BOOTSTRAP_SERVERS = 'KAFKA_BOOTSTRAP_SERVERS';
  /** Comma-separated topics to read. */
  public static readonly INPUT_TOPICS = 'KAFKA_INPUT_TOPICS';
  /** Comma-separated topics to write. */
  public static readonly OUTPUT_TOPICS = 'KAFKA_OUTPUT_TOPICS';
  /** The consumer group to read in (offsets committed there; the KEDA scaler reads its lag). */
  public static readonly CONSUMER_GROUP = 'KAFKA_CONSUMER_GROUP';
  /** A client id for its Kafka clients. */
  public static readonly CLIENT_ID = 'KAFKA_CLIENT_ID';
  /** The stage name. */
  public static readonly STAGE_NAME = 'STAGE_NAME';
  /** A topic for messages it cannot process (set when the workflow has a dead-letter topic). */
  public static readonly DEAD_LETTER_TOPIC = 'KAFKA_DEAD_LETTER_TOPIC';
  /** `SASL_SSL` when the embedded cluster is secured (`KafkaSecurity.saslSsl`); unset: PLAINTEXT. */
  public static readonly SECURITY_PROTOCOL = 'KAFKA_SECURITY_PROTOCOL';
  /** The SASL mechanism (`PLAIN`), with `SECURITY_PROTOCOL`. */
  public static readonly SASL_MECHANISM = 'KAFKA_SASL_MECHANISM';
  /** The SASL user name (`client`), with `SECURITY_PROTOCOL`. */
  public static readonly SASL_USERNAME = 'KAFKA_SASL_USERNAME';
  /** The SASL password (from the passwords Secret, `client-password`), with `SECURITY_PROTOCOL`. */
  public static readonly SASL_PASSWORD = 'KAFKA_SASL_PASSWORD';
  /** The PEM file of the CA that signed the brokers' certificate, with `SECURITY_PROTOCOL`. */
  public static readonly SSL_CA_FILE = 'KAFKA_SSL_CA_FILE';

  /** Every name of the contract. */
  public static names(): string[] {
    return [CustomStageEnv.BOOTSTRAP_SERVERS, CustomStageEnv.INPUT_TOPICS, CustomStageEnv.OUTPUT_TOPICS, CustomStageEnv.CONSUMER_GROUP,
      CustomStageEnv.CLIENT_ID, CustomStageEnv.STAGE_NAME, CustomStageEnv.DEAD_LETTER_TOPIC, CustomStageEnv.SECURITY_PROTOCOL,
      CustomStageEnv.SASL_MECHANISM, CustomStageEnv.SASL_USERNAME, CustomStageEnv.SASL_PASSWORD, CustomStageEnv.SSL_CA_FILE];
  }

  private constructor() {}
}

/**
 * Props of `KafkaStage`. Stages are made by the `add*` methods of `KafkaWorkflow`, which check the graph and render
 * the config; these props are what those methods pass on.
 */
export interface KafkaStageProps {
  /** What the stage does. */
  readonly kind: KafkaStageKind;
  /** The base name of the workflow: the stage's consumer group is `<workflowName>-<stage name>`. */
  readonly workflowName: string;
  /** The workflow's `app.kubernetes.io/part-of`. */
  readonly partOf: string;
  /** The bootstrap addresses of the workflow's cluster. */
  readonly bootstrapServers: string[];
  /**
   * The workflow's dead-letter topic (a custom stage finds it in its environment).
   *
   * @default - none
   */
  readonly deadLetterTopic?: string;
  /** The topics it reads. */
  readonly inputs: string[];
  /** The topics it writes. */
  readonly outputs: string[];
  /** The sum of the partitions of its inputs (the most replicas that get work). */
  readonly inputPartitions: number;
  /**
   * The embedded cluster's SASL_SSL: the stage mounts the CA and takes the client password.
   *
   * @default - PLAINTEXT
   */
  readonly security?: KafkaSecurity;
  /** The options common to every stage. */
  readonly options: KafkaStageOptions;
  /**
   * The stream processor's config.
   *
   * @default - none: a custom stage
   */
  readonly config?: string;
  /**
   * Resources of the stream processor's container.
   *
   * @default - requests 50m CPU and 64 MiB, limits 1 CPU and 256 MiB (1 GiB when `stateful`); ephemeral storage 16Mi request, 64Mi limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * A custom stage's container.
   *
   * @default - not a custom stage
   */
  readonly container?: AppContainerProps;
  /** It holds windows: one replica by default, and a larger memory limit. */
  readonly stateful: boolean;
  /**
   * Labels of the edges to its outputs in the blueprint.
   *
   * @default - none
   */
  readonly edgeLabels?: { [topic: string]: string };
  /**
   * A join's pending topic.
   *
   * @default - none
   */
  readonly pendingTopic?: string;
  /** What the blueprint says it is. */
  readonly label: string;
  /**
   * Image overrides.
   *
   * @default - the defaults
   */
  readonly images?: ImageOverrides;
  /**
   * The workflow's pod options (checked), applied to the stage's pods.
   *
   * @default - none
   */
  readonly pod?: PodOptions;
}

/**
 * A stage of a workflow: a Deployment that reads topics in its own consumer group and writes topics.
 *
 * Its pods carry the workflow's labels (`app.kubernetes.io/instance` the workflow's base name, `component: stage`)
 * and `cdk8s-distributed-patterns/stage: <stage name>`, which tells the stages apart in their selectors.
 */
export class KafkaStage extends Construct {
  /** The label whose value is the stage name, in every stage's selector. */
  public static readonly STAGE_LABEL = STAGE_LABEL;

  /** What the stage does. */
  public readonly kind: KafkaStageKind;
  /** The stage name (unique in the workflow). */
  public readonly stageName: string;
  /** The topics it reads (without a join's pending topic). */
  public readonly inputs: string[];
  /** The topics it writes (without a join's pending topic). */
  public readonly outputs: string[];
  /** Its consumer group (also the Deployment name). */
  public readonly consumerGroup: string;
  /** The Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The container. */
  public readonly container: kplus.Container;
  /** The ConfigMap with the stream processor's config (not for a custom stage). */
  public readonly configMap?: kplus.ConfigMap;
  /** The rendered stream processor config (not for a custom stage). */
  public readonly config?: string;
  /** The KEDA ScaledObject, when the stage autoscales. */
  public readonly scaledObject?: ApiObject;
  /**
   * The PodDisruptionBudget, when the stage may run more than one replica (fixed, or KEDA's maximum: the budget and
   * the spread are sized for the most pods the stage can have).
   */
  public readonly podDisruptionBudget?: kplus.k8s.KubePodDisruptionBudget;
  /** The fixed number of replicas, or the minimum when autoscaling. */
  public readonly replicas: number;
  /** The fixed number of replicas, or the maximum when autoscaling. */
  public readonly maxReplicas: number;
  /** May close a cycle. */
  public readonly allowCycle: boolean;
  /** A join's pending topic. */
  public readonly pendingTopic?: string;
  /**
   * What the workflow's graph check and blueprint need of the stage.
   *
   * @internal
   */
  public readonly _graph: GraphStage;
  /**
   * The labels that select its pods.
   *
   * @internal
   */
  public readonly _selector: { [key: string]: string };
  /**
   * The labels of its objects.
   *
   * @internal
   */
  public readonly _labels: { [key: string]: string };

  /**
   * Use the `add*` methods of `KafkaWorkflow`, which check the graph.
   *
   * @param scope the workflow the stage belongs to
   * @param name the stage name
   * @param props what the stage does
   */
  constructor(scope: Construct, name: string, props: KafkaStageProps) {
    super(scope, name);
    const o = props.options;
    const custom = props.kind === KafkaStageKind.CUSTOM;
    this.kind = props.kind;
    this.stageName = name;
    this.inputs = [...props.inputs];
    this.outputs = [...props.outputs];
    this.consumerGroup = `${props.workflowName}-${name}`;
    if (o.allowCycle !== undefined && typeof o.allowCycle !== 'boolean') throw propError(this, 'allowCycle', 'true or false', o.allowCycle);
    this.allowCycle = o.allowCycle ?? false;
    this.pendingTopic = props.pendingTopic;
    this.config = props.config;
    const auto = o.autoscaling;
    if (auto !== undefined && (auto === null || typeof auto !== 'object')) throw propError(this, 'autoscaling', 'a StageAutoscaling ({ minReplicas, maxReplicas, lagThreshold, pollingInterval })', auto);
    [this.replicas, this.maxReplicas] = this.replicaRange(o, props);
    const lagThreshold = auto ? PropCheck.integer(this, 'autoscaling.lagThreshold', 1, 1_000_000_000, 100, auto.lagThreshold) : undefined;
    const polling = auto ? PropCheck.wholeSeconds(this, 'autoscaling.pollingInterval', 1, 86400, Duration.seconds(30), auto.pollingInterval) : undefined;

    const app = custom ? checkAppContainer(this, 'container', props.container, {
      name: 'stage',
      reservedEnv: CustomStageEnv.names(),
      defaultResources: { cpu: ['50m', '1'], memory: ['64Mi', '256Mi'] },
    }) : undefined;
    const bentoImage = custom ? undefined : ContainerImages.resolve(this, ImageKey.BENTO, props.images);
    const user = app ?? ContainerImages.user(ImageKey.BENTO);

    const labelOptions = {
      name: custom ? props.workflowName : 'bento',
      instance: props.workflowName,
      component: 'stage',
      partOf: props.partOf,
      version: RecommendedLabels.versionOf(app ? app.props.image! : bentoImage!),
    };
    const selector = { ...RecommendedLabels.selector(labelOptions), [STAGE_LABEL]: name };
    const labels = { ...RecommendedLabels.of(labelOptions), [STAGE_LABEL]: name };
    this._selector = selector;
    this._labels = labels;
    this.deployment = RestrictedWorkloads.deployment(this, 'Resource', {
      name: this.consumerGroup,
      labels,
      selector,
      uid: user.uid,
      gid: user.gid,
      replicas: auto ? undefined : this.replicas,
      autoscaled: auto !== undefined,
    });
    if (app) {
      this.container = this.customContainer(app, props);
    } else {
      checkResources(this, 'resources', props.resources);
      const resources = resourcesOr(props.resources, { cpu: ['50m', '1'], memory: ['64Mi', props.stateful ? '1Gi' : '256Mi'] });
      this.configMap = new kplus.ConfigMap(this, 'Config', {
        metadata: { name: `${this.consumerGroup}-config`, labels },
        data: { [BENTO_CONFIG_FILE]: props.config! },
      });
      this.container = this.bentoContainer(this.configMap, bentoImage!, resources, user, props.security);
    }
    if (props.security !== undefined) {
      if (auto !== undefined) {
        throw propError(this, 'autoscaling', 'unset with a secured cluster (KafkaSecurity.saslSsl): KEDA\'s Kafka scaler would need a TriggerAuthentication, which the workflow does not make yet', '<a StageAutoscaling>');
      }
      mountKafkaCa(this, [this.container], props.security);
    }
    if (props.pod !== undefined) applyPodOptions(this.deployment, props.pod);
    // An autoscaled stage may run up to maxReplicas pods: its budget and spread are sized for that, not the minimum.
    this.podDisruptionBudget = RestrictedWorkloads.availability(this, this.deployment, selector, labels, {
      replicas: this.maxReplicas, pod: props.pod,
    });

    if (auto) {
      this.scaledObject = new ApiObject(this, 'ScaledObject', {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: this.consumerGroup, labels },
        spec: {
          scaleTargetRef: { name: this.consumerGroup },
          pollingInterval: polling,
          minReplicaCount: this.replicas,
          maxReplicaCount: this.maxReplicas,
          triggers: this.inputs.map((topic) => ({
            type: 'kafka',
            metadata: {
              bootstrapServers: props.bootstrapServers.join(','),
              consumerGroup: this.consumerGroup,
              topic,
              lagThreshold: String(lagThreshold),
              offsetResetPolicy: 'earliest',
            },
          })),
        },
      });
    }
    this._graph = {
      name,
      inputs: this.inputs,
      outputs: this.outputs,
      custom,
      allowCycle: this.allowCycle,
      label: props.label,
      replicas: this.replicas,
      maxReplicas: auto ? this.maxReplicas : undefined,
      edgeLabels: { ...(props.edgeLabels ?? {}) },
      pendingTopic: this.pendingTopic,
    };
  }

  /** `[fewest, most]` replicas: fixed, or KEDA's range, at most the partitions of the inputs. */
  private replicaRange(o: KafkaStageOptions, props: KafkaStageProps): [number, number] {
    const partitions = props.inputPartitions;
    const replicas = o.replicas ?? (props.stateful ? 1 : Math.min(2, partitions));
    const partitionsNote = `(the partitions of its input${this.inputs.length > 1 ? 's' : ''})`;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > partitions) {
      throw propError(this, 'replicas', `an integer from 1 to ${partitions} ${partitionsNote}`, replicas);
    }
    const auto = o.autoscaling;
    if (!auto) return [replicas, replicas];
    const min = auto.minReplicas ?? 1;
    const max = auto.maxReplicas ?? partitions;
    if (!Number.isInteger(max) || max < 1 || max > partitions) {
      throw propError(this, 'autoscaling.maxReplicas', `an integer from 1 to ${partitions} ${partitionsNote}`, max);
    }
    if (!Number.isInteger(min) || min < 0 || min > max) {
      throw propError(this, 'autoscaling.minReplicas', `an integer from 0 to ${max} (maxReplicas)`, min);
    }
    if (o.replicas !== undefined) throw propError(this, 'replicas', 'unset when autoscaling is set (KEDA sets the replicas)', o.replicas);
    return [min, max];
  }

  /** The user's program (checked), with the environment contract of `CustomStageEnv` after its own variables. */
  private customContainer(app: CheckedAppContainer, props: KafkaStageProps): kplus.Container {
    const env: { [key: string]: kplus.EnvValue } = { ...(app.props.envVariables ?? {}) };
    env[CustomStageEnv.BOOTSTRAP_SERVERS] = kplus.EnvValue.fromValue(props.bootstrapServers.join(','));
    env[CustomStageEnv.INPUT_TOPICS] = kplus.EnvValue.fromValue(this.inputs.join(','));
    env[CustomStageEnv.OUTPUT_TOPICS] = kplus.EnvValue.fromValue(this.outputs.join(','));
    env[CustomStageEnv.CONSUMER_GROUP] = kplus.EnvValue.fromValue(this.consumerGroup);
    env[CustomStageEnv.CLIENT_ID] = kplus.EnvValue.fromValue(this.consumerGroup);
    env[CustomStageEnv.STAGE_NAME] = kplus.EnvValue.fromValue(this.stageName);
    if (props.deadLetterTopic !== undefined) env[CustomStageEnv.DEAD_LETTER_TOPIC] = kplus.EnvValue.fromValue(props.deadLetterTopic);
    if (props.security !== undefined) {
      env[CustomStageEnv.SECURITY_PROTOCOL] = kplus.EnvValue.fromValue('SASL_SSL');
      env[CustomStageEnv.SASL_MECHANISM] = kplus.EnvValue.fromValue('PLAIN');
      env[CustomStageEnv.SASL_USERNAME] = kplus.EnvValue.fromValue(KafkaSecurity.CLIENT_USER);
      env[CustomStageEnv.SASL_PASSWORD] = clientPasswordEnv(props.security);
      env[CustomStageEnv.SSL_CA_FILE] = kplus.EnvValue.fromValue(KAFKA_CA_FILE);
    }
    return addAppContainer(this.deployment, app, { envVariables: sortedEnv(env) });
  }

  /** The stream processor, reading its config from the ConfigMap (whose checksum rolls the pods). */
  private bentoContainer(configMap: kplus.ConfigMap, image: string, resources: kplus.ContainerResources,
    user: { uid: number; gid: number }, security: KafkaSecurity | undefined): kplus.Container {
    const port = StreamProcessorConfig.HTTP_PORT;
    const container = RestrictedSecurity.addContainer(this.deployment, {
      name: 'bento',
      image,
      args: ['-c', `${BENTO_CONFIG_DIR}/${BENTO_CONFIG_FILE}`],
      // the config's `${KAFKA_SASL_PASSWORD}`: bento reads its config from a file or its environment only
      envVariables: security !== undefined ? { [KAFKA_SASL_PASSWORD_ENV]: clientPasswordEnv(security) } : undefined,
      ports: [{ number: port, name: 'http' }],
      readiness: kplus.Probe.fromHttpGet('/ready', { port }),
      liveness: kplus.Probe.fromHttpGet('/ping', { port, initialDelaySeconds: Duration.seconds(10), failureThreshold: 6 }),
      resources,
    }, user);
    container.mount(BENTO_CONFIG_DIR, kplus.Volume.fromConfigMap(this, 'ConfigVolume', configMap, { name: 'config' }), { readOnly: true });
    RestrictedSecurity.addWritableDirs(this.deployment, container, { paths: ['/tmp'] });
    ConfigChecksum.annotate(this.deployment, [configMap]);
    return container;
  }
}

function sortedEnv(env: { [key: string]: kplus.EnvValue }): { [key: string]: kplus.EnvValue } {
  const out: { [key: string]: kplus.EnvValue } = {};
  for (const k of Object.keys(env).sort()) out[k] = env[k];
  return out;
}
