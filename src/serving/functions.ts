import { ApiObject, App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { KafkaWorkflow } from '../batch/kafka-workflow';
import { KafkaStage } from '../batch/kafka-workflow/stage';
import { KafkaStageOptions } from '../batch/kafka-workflow/stage-options';
import { applyPodOptions, checkPodOptions } from '../blocks/_pod-options';
import { RestrictedWorkloads } from '../blocks/_restricted-workload';
import { TrafficGraph, TrafficGroup } from '../blocks/_traffic';
import { assertNotSynthesized } from '../core/_app-checks';
import { resourcesOr } from '../core/_resources';
import { checkEnvNames, checkResources } from '../core/_rules';
import { ConfigChecksum } from '../core/checksum';
import { PropCheck } from '../core/errors';
import { ContainerImages, ImageKey, ImageOverrides } from '../core/images';
import { RecommendedLabels } from '../core/labels';
import { ResourceNames } from '../core/names';
import { NetworkPeer, NetworkPolicyOptions } from '../core/network';
import { PodOptions } from '../core/pod-options';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';
import { KnativeService, knativeTemplateOfJson } from '../crds/knative';
import { functionRuntimeProgram, NODE_FUNCTION_RUNTIME, PYTHON_FUNCTION_RUNTIME } from '../runtime/function-runtime';
import { graphProblem } from './functions/_graph';
import { BoundFunctionCode, FunctionCode, FunctionRuntime } from './functions/code';
import { PipelineDelivery } from './functions/delivery';

/**
 * Where a function runs.
 */
export enum FunctionEngine {
  /**
   * A plain Deployment + Service + HorizontalPodAutoscaler (CPU): for clusters without a FaaS engine. The Service
   * listens on port 80.
   */
  DEPLOYMENT = 'deployment',
  /**
   * A Knative Serving `Service` (`serving.knative.dev/v1`): request-driven autoscaling on concurrency, scale to
   * zero, a per-request timeout. The cluster needs Knative Serving installed.
   */
  KNATIVE = 'knative',
}

/**
 * Options only the Knative engine has.
 */
export interface KnativeFunctionOptions {
  /**
   * `autoscaling.knative.dev/target`: the concurrent requests per replica Knative's autoscaler aims at.
   *
   * @default - the function's `concurrency`
   */
  readonly concurrencyTarget?: number;
}

/**
 * What every function takes: its handler and its bounds.
 */
export interface FunctionOptions {
  /** The handler: `FunctionCode.fromFile('signup.py')`. */
  readonly code: FunctionCode;
  /**
   * The time bound of one request's handler: past it the runtime answers 504 (and Knative's `timeoutSeconds` is set
   * from it and the delivery bounds).
   *
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * The largest request body: larger is answered 413 without calling the handler.
   *
   * @default Size.mebibytes(1)
   */
  readonly maxBodySize?: Size;
  /**
   * Requests one replica runs at once: beyond it the runtime answers 503 with `Retry-After: 1` (Knative's
   * `containerConcurrency`, so Knative queues them instead).
   *
   * @default 100
   */
  readonly concurrency?: number;
  /**
   * The fewest replicas. 0 (scale to zero) only on `FunctionEngine.KNATIVE`.
   *
   * @default 1
   */
  readonly minScale?: number;
  /**
   * The most replicas.
   *
   * @default 10
   */
  readonly maxScale?: number;
  /**
   * The CPU utilization the HorizontalPodAutoscaler aims at (percent of the CPU request): `FunctionEngine.DEPLOYMENT` only.
   *
   * @default 80
   */
  readonly cpuUtilization?: number;
  /**
   * Options of the Knative engine (`FunctionEngine.KNATIVE` only).
   *
   * @default - Knative's defaults
   */
  readonly knative?: KnativeFunctionOptions;
  /**
   * Environment variables of the handler (secrets by `kplus.EnvValue.fromSecretValue`, never literals).
   *
   * @default - none
   */
  readonly env?: { [name: string]: kplus.EnvValue };
  /**
   * The runtime container's resources.
   *
   * @default - requests 50m CPU and 64 MiB, limits 1 CPU and 256 MiB; ephemeral storage 16Mi request, 64Mi limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly resources?: kplus.ContainerResources;
}

/**
 * What a function and a pipeline share: where they run and how they are named.
 */
export interface FunctionPlacement {
  /**
   * The engine.
   *
   * @default FunctionEngine.DEPLOYMENT
   */
  readonly engine?: FunctionEngine;
  /**
   * The base name of the objects.
   *
   * @default - derived from the construct path
   */
  readonly name?: string;
  /**
   * `app.kubernetes.io/part-of` of every object.
   *
   * @default - the app-wide context value `RecommendedLabels.PART_OF_CONTEXT_KEY`, else the base name
   */
  readonly partOf?: string;
  /**
   * Pod options for every pod.
   *
   * @default - none
   */
  readonly pod?: PodOptions;
  /**
   * NetworkPolicies (`FunctionEngine.DEPLOYMENT`): one default-deny policy per function with exactly its edges.
   * Knative's data plane (its activator and ingress) is the front door of a Knative function, so the Knative engine
   * emits none and takes no `networkPolicy`.
   *
   * @default - on: clients of the same namespace reach the front door
   */
  readonly networkPolicy?: NetworkPolicyOptions;
  /**
   * Image overrides (the runtimes run `node` and `python`).
   *
   * @default - the default image table
   */
  readonly images?: ImageOverrides;
}

/**
 * Properties for `FunctionService`.
 */
export interface FunctionServiceProps extends FunctionOptions, FunctionPlacement {}

/**
 * Properties for `FunctionDecorator`.
 */
export interface FunctionDecoratorProps extends FunctionServiceProps {
  /** The existing Service the decorator calls with the handler's answer (the transformed request). */
  readonly target: kplus.Service;
  /**
   * The target Service's port.
   *
   * @default - its first port
   */
  readonly targetPort?: number;
  /**
   * The pods behind `target`, for the decorator's egress NetworkPolicy.
   *
   * @default NetworkPeer.sameNamespace()
   */
  readonly targetPeer?: NetworkPeer;
}

/** The runtime's port in the pod. */
const PORT = 8080;
const DIR = '/etc/function';
const CONFIG_FILE = 'config.json';
const GIB = 1_073_741_824;
/** Knative names revisions `<name>-00001` and their Services `<name>-00001-private`. */
const NAME_MAX = ResourceNames.MAX_LABEL - '-00001-private'.length;

interface Successor { readonly name: string; readonly when?: string; readonly host: string }

interface Extras {
  readonly successors: Successor[];
  readonly delivery?: { attempts: number; backoffMs: number; attemptTimeoutMs: number; deadLetterHost?: string };
  readonly traffic?: TrafficGraph;
  readonly group?: TrafficGroup;
  readonly frontDoor: boolean;
}

// What a pipeline hands to the FunctionService it creates (props objects are the keys: invisible to jsii).
const EXTRAS = new WeakMap<object, Extras>();

function functionSelector(base: string, partOf: string): { [key: string]: string } {
  return RecommendedLabels.selector({ name: base, instance: base, component: 'function', partOf });
}

function envName(successor: string): string {
  return `FUNCTION_URL_${successor.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * A function (book ch. 8): your handler, served over HTTP by the library's runtime for its language on the
 * official image, with a time bound, a body-size limit, `/healthz` and Prometheus `/metrics`; on a plain
 * Deployment + Service + HPA or as a Knative Serving `Service` — one prop, the same handler.
 *
 * The runtime program (`function-runtime.js` / `.py`), the handler and its `config.json` are in one ConfigMap,
 * mounted at `/etc/function`. Every pod passes Pod Security `restricted`.
 */
export class FunctionService extends Construct {
  /** The Node runtime program exactly as written into a function's ConfigMap. */
  public static nodeRuntime(): string {
    return functionRuntimeProgram(NODE_FUNCTION_RUNTIME);
  }

  /** The Python runtime program exactly as written into a function's ConfigMap. */
  public static pythonRuntime(): string {
    return functionRuntimeProgram(PYTHON_FUNCTION_RUNTIME);
  }

  /** The host name clients call (`http://<host>/`, port 80 on both engines). */
  public readonly host: string;
  /** `http://<host>`. */
  public readonly url: string;
  /** The ConfigMap: the runtime, the handler and `config.json`. */
  public readonly configMap: kplus.ConfigMap;
  /** The runtime's config (`config.json`) as written to the ConfigMap. */
  public readonly runtimeConfig: string;
  /** The engine. */
  public readonly engine: FunctionEngine;
  /** The handler's language. */
  public readonly runtime: FunctionRuntime;
  /** The Deployment (`FunctionEngine.DEPLOYMENT`). */
  public readonly deployment?: kplus.Deployment;
  /** The Service (`FunctionEngine.DEPLOYMENT`). */
  public readonly service?: kplus.Service;
  /** The HorizontalPodAutoscaler (`FunctionEngine.DEPLOYMENT`, when `maxScale` > `minScale`). */
  public readonly autoscaler?: kplus.HorizontalPodAutoscaler;
  /** The Knative Service (`FunctionEngine.KNATIVE`). */
  public readonly knativeService?: KnativeService;

  private readonly traffic?: TrafficGraph;

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: FunctionServiceProps) {
    super(scope, id);
    if (props === undefined || props === null || typeof props !== 'object') throw propError(this, 'props', 'a FunctionServiceProps object ({ code })', props);
    const extras: Extras = EXTRAS.get(props) ?? { successors: [], frontDoor: true };
    const forward = (props as FunctionDecoratorProps).target !== undefined ? checkTarget(this, props as FunctionDecoratorProps) : undefined;

    // ---- props → model
    const base = ResourceNames.baseName(this, props.name, NAME_MAX);
    const partOf = RecommendedLabels.partOf(this, base, props.partOf);
    const pod = checkPodOptions(this, 'pod', props.pod);
    const engine = PropCheck.oneOf(this, 'engine', [FunctionEngine.DEPLOYMENT, FunctionEngine.KNATIVE], FunctionEngine.DEPLOYMENT, props.engine) as FunctionEngine;
    if (!(props.code instanceof FunctionCode)) throw propError(this, 'code', 'a FunctionCode (FunctionCode.fromFile(path), FunctionCode.fromInline(source, runtime))', props.code);
    const code: BoundFunctionCode = props.code._bind(this, 'code');
    const timeoutMs = PropCheck.wholeMillis(this, 'timeout', 1, 3_600_000, Duration.seconds(10), props.timeout);
    const maxBodyBytes = PropCheck.bytes(this, 'maxBodySize', 0, GIB, Size.mebibytes(1), props.maxBodySize);
    const concurrency = PropCheck.integer(this, 'concurrency', 1, 10_000, 100, props.concurrency);
    const knative = engine === FunctionEngine.KNATIVE;
    const minScale = PropCheck.integer(this, 'minScale', knative ? 0 : 1, 1000, 1, props.minScale);
    const maxScale = PropCheck.integer(this, 'maxScale', 1, 1000, Math.max(10, minScale), props.maxScale);
    if (minScale > maxScale) throw propError(this, 'maxScale', `at least 'minScale' (${minScale})`, maxScale);
    if (knative && props.cpuUtilization !== undefined) throw propError(this, 'cpuUtilization', 'unset with FunctionEngine.KNATIVE (Knative scales on concurrency: knative.concurrencyTarget)', props.cpuUtilization);
    if (!knative && props.knative !== undefined) throw propError(this, 'knative', "unset unless 'engine' is FunctionEngine.KNATIVE", props.knative);
    if (knative && props.networkPolicy !== undefined) throw propError(this, 'networkPolicy', "unset with FunctionEngine.KNATIVE (Knative's activator and ingress are the front door)", props.networkPolicy);
    const cpuUtilization = PropCheck.integer(this, 'cpuUtilization', 1, 1000, 80, props.cpuUtilization);
    if (props.knative !== undefined && (props.knative === null || typeof props.knative !== 'object')) throw propError(this, 'knative', 'a KnativeFunctionOptions object', props.knative);
    const target = PropCheck.integer(this, 'knative.concurrencyTarget', 1, 10_000, concurrency, props.knative?.concurrencyTarget);
    checkEnvNames(this, 'env', props.env, ['PORT', 'LISTEN_HOST', 'PYTHONDONTWRITEBYTECODE', 'PYTHONUNBUFFERED']);
    for (const name of Object.keys(props.env ?? {})) {
      if (name.startsWith('FUNCTION_URL_')) throw propError(this, 'env', "free of names starting with 'FUNCTION_URL_' (the construct sets them)", name);
    }
    const resources = resourcesOr(checkResources(this, 'resources', props.resources), { cpu: ['50m', '1'], memory: ['64Mi', '256Mi'] });
    const key = code.runtime === FunctionRuntime.PYTHON ? ImageKey.PYTHON : ImageKey.NODE;
    const image = ContainerImages.resolve(this, key, props.images);
    const user = ContainerImages.user(key);

    this.engine = engine;
    this.runtime = code.runtime;
    this.host = base;
    this.url = `http://${base}`;

    // ---- config: the runtime's view; URLs by env, so the same ConfigMap reads the same in every namespace
    const env: { [name: string]: kplus.EnvValue } = {};
    const config: any = {
      name: base,
      port: PORT,
      handlerFile: `${DIR}/${code.fileName}`,
      handlerName: code.handlerName,
      timeoutMs,
      maxBodyBytes,
      maxConcurrency: concurrency,
    };
    let requestBudgetMs = timeoutMs;
    if (forward) {
      env.FUNCTION_URL_TARGET = kplus.EnvValue.fromValue(forward.url);
      config.forward = { urlEnv: 'FUNCTION_URL_TARGET', timeoutMs: forward.timeoutMs };
      requestBudgetMs += forward.timeoutMs;
    }
    const d = extras.delivery;
    if (d) {
      config.delivery = {
        attempts: d.attempts,
        backoffMs: d.backoffMs,
        attemptTimeoutMs: d.attemptTimeoutMs,
        ...(d.deadLetterHost ? { deadLetterUrlEnv: 'FUNCTION_URL_DEAD_LETTER' } : {}),
      };
      if (d.deadLetterHost) env.FUNCTION_URL_DEAD_LETTER = kplus.EnvValue.fromValue(`http://${d.deadLetterHost}`);
      // Every attempt and its backoff, then the dead letter's.
      const one = d.attempts * d.attemptTimeoutMs + d.backoffMs * (2 ** Math.max(0, d.attempts - 1) - 1);
      requestBudgetMs += d.deadLetterHost ? 2 * one : one;
    }
    if (extras.successors.length > 0) {
      config.successors = extras.successors.map((s) => ({ name: s.name, ...(s.when ? { when: s.when } : {}), urlEnv: envName(s.name) }));
      for (const s of extras.successors) env[envName(s.name)] = kplus.EnvValue.fromValue(`http://${s.host}`);
    }
    // One line: a multi-line JSON string inside a snapshot's ConfigMap reads ambiguously to the line snapshot compare.
    this.runtimeConfig = `${JSON.stringify(config)}\n`;

    const labelOptions = { name: base, instance: base, component: 'function', partOf, version: RecommendedLabels.versionOf(image) };
    const labels = RecommendedLabels.of(labelOptions);
    const selector = functionSelector(base, partOf);
    const runtimeFile = code.runtime === FunctionRuntime.PYTHON ? 'runtime.py' : 'runtime.js';
    this.configMap = new kplus.ConfigMap(this, 'ConfigMap', {
      metadata: { name: base, labels },
      data: {
        [CONFIG_FILE]: this.runtimeConfig,
        [code.fileName]: code.source,
        [runtimeFile]: code.runtime === FunctionRuntime.PYTHON ? FunctionService.pythonRuntime() : FunctionService.nodeRuntime(),
      },
    });

    // ---- the pod (a cdk8s-plus Deployment; for Knative rendered in a scratch app and its pod spec taken)
    const podScope = knative ? new Chart(new App(), 'knative-pod') : this;
    const deployment = RestrictedWorkloads.deployment(podScope, 'Deployment', {
      name: base,
      labels,
      selector,
      replicas: !knative && maxScale > minScale ? undefined : minScale,
      uid: user.uid,
      gid: user.gid,
      automountServiceAccountToken: false,
      autoscaled: !knative && maxScale > minScale,
      terminationGracePeriod: Duration.seconds(Math.max(30, Math.ceil(requestBudgetMs / 1000) + 5)),
    });
    const command = code.runtime === FunctionRuntime.PYTHON ? ['python3', `${DIR}/${runtimeFile}`, `${DIR}/${CONFIG_FILE}`] : ['node', `${DIR}/${runtimeFile}`, `${DIR}/${CONFIG_FILE}`];
    const runtimeEnv: { [name: string]: kplus.EnvValue } = code.runtime === FunctionRuntime.PYTHON
      ? { PYTHONDONTWRITEBYTECODE: kplus.EnvValue.fromValue('1'), PYTHONUNBUFFERED: kplus.EnvValue.fromValue('1') }
      : {};
    const container = RestrictedSecurity.addContainer(deployment, {
      name: 'function',
      image,
      command,
      workingDir: DIR,
      // Knative accepts only the port names http1 and h2c.
      ports: [{ number: PORT, name: knative ? 'http1' : 'http' }],
      envVariables: { ...runtimeEnv, ...env, ...props.env },
      readiness: kplus.Probe.fromHttpGet('/healthz', { port: PORT, periodSeconds: Duration.seconds(5), failureThreshold: 1 }),
      liveness: kplus.Probe.fromHttpGet('/healthz', { port: PORT, periodSeconds: Duration.seconds(10), failureThreshold: 3 }),
      resources,
    }, user);
    container.mount(DIR, kplus.Volume.fromConfigMap(podScope, 'ConfigVolume', this.configMap, { name: 'function' }), { readOnly: true });
    RestrictedSecurity.addWritableDirs(deployment, container, { paths: ['/tmp'] });
    ConfigChecksum.annotate(deployment, [this.configMap]);
    applyPodOptions(deployment, pod);

    if (knative) {
      const json = ApiObject.of(deployment).toJson();
      const t = json.spec.template;
      const podSpec = { ...t.spec };
      // cdk8s-plus defaults that Knative sets itself (and its CRD does not declare).
      for (const k of ['restartPolicy', 'setHostnameAsFQDN', 'terminationGracePeriodSeconds', 'hostNetwork']) delete podSpec[k];
      const bad = KnativeService.unsupportedPodFields(podSpec);
      if (bad.length > 0) throw propError(this, 'pod', `pod options that Knative Serving's Service accepts (not ${bad.join(', ')})`, Object.keys(pod));
      this.knativeService = new KnativeService(this, 'Resource', {
        metadata: { name: base, labels },
        template: knativeTemplateOfJson({
          labels: t.metadata.labels,
          annotations: t.metadata.annotations,
          containerConcurrency: concurrency,
          timeoutSeconds: Math.ceil(requestBudgetMs / 1000) + 1,
          autoscaling: { minScale, maxScale, target },
        }, podSpec),
      });
      return;
    }

    this.deployment = deployment;
    if (maxScale > minScale) {
      this.autoscaler = new kplus.HorizontalPodAutoscaler(this, 'Autoscaler', {
        metadata: { name: base, labels },
        target: deployment,
        minReplicas: minScale,
        maxReplicas: maxScale,
        metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(cpuUtilization))],
      });
    }
    RestrictedWorkloads.availability(this, deployment, selector, labels, { replicas: maxScale, pod });
    this.service = new kplus.Service(this, 'Service', {
      metadata: { name: base, labels },
      selector: kplus.Pods.select(this, 'Pods', { labels: selector }),
      ports: [{ name: 'http', port: 80, targetPort: PORT }],
    });

    // ---- network: one default-deny policy with exactly this function's edges
    this.traffic = extras.traffic ?? new TrafficGraph(this, 'networkPolicy', props.networkPolicy);
    const group = extras.group ?? { name: base, selector, title: `function ${base}` };
    this.traffic.group(this, 'NetworkPolicy', group, labels);
    const ports = [{ port: PORT }];
    if (extras.frontDoor) this.traffic.frontDoor(group, ports, 'clients call the function');
    this.traffic.metrics(group, ports, 'Prometheus scrapes /metrics');
    if (forward) {
      this.traffic.allowTo(group, forward.peer, [{ port: forward.podPort }], 'the decorator calls its target');
      this.traffic.resolvesNames(group);
    }
    if (extras.successors.length > 0 || d?.deadLetterHost) this.traffic.resolvesNames(group);
  }

  /** The NetworkPolicy edges, as `from → to: ports (why)` lines. */
  public describeTraffic(): string[] {
    return this.traffic?.describe() ?? [];
  }
}

interface CheckedTarget { readonly url: string; readonly timeoutMs: number; readonly peer: NetworkPeer; readonly podPort: number }

function checkTarget(scope: Construct, props: FunctionDecoratorProps): CheckedTarget {
  if (!(props.target instanceof kplus.Service)) throw propError(scope, 'target', 'a kplus.Service (the existing Service the decorator calls)', props.target);
  const ports = props.target.ports;
  if (ports.length === 0) throw propError(scope, 'target', 'a Service with a port', props.target.name);
  const port = props.targetPort ?? ports[0].port;
  const p = ports.find((x) => x.port === port);
  if (!p) throw propError(scope, 'targetPort', `a port of the target Service (${ports.map((x) => x.port).join(', ')})`, props.targetPort);
  if (props.targetPeer !== undefined && !(props.targetPeer instanceof NetworkPeer)) throw propError(scope, 'targetPeer', 'a NetworkPeer', props.targetPeer);
  const timeoutMs = PropCheck.wholeMillis(scope, 'timeout', 1, 3_600_000, Duration.seconds(10), props.timeout);
  return {
    url: `http://${props.target.name}${port === 80 ? '' : `:${port}`}`,
    timeoutMs,
    peer: props.targetPeer ?? NetworkPeer.sameNamespace(),
    podPort: typeof p.targetPort === 'number' ? p.targetPort : port,
  };
}

/**
 * The decorator (book ch. 8): a function in front of an existing Service that transforms each request — adds
 * defaults, headers — and calls the Service with what the handler returns, answering with the Service's answer.
 * A handler that answers a non-2xx status (e.g. 400 for a request it rejects) answers the client itself.
 */
export class FunctionDecorator extends FunctionService {
  /**
   * @param scope the parent construct
   * @param id the construct id
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: FunctionDecoratorProps) {
    if (props !== undefined && props !== null && typeof props === 'object' && props.target === undefined) {
      throw new Error(`FunctionDecorator '${scope.node.path}/${id}': 'target' must be a kplus.Service (the existing Service the decorator calls), got undefined`);
    }
    super(scope, id, props);
  }
}

/**
 * A successor of a pipeline function.
 */
export interface FunctionSuccessor {
  /** The name of the function called (one of the pipeline's). */
  readonly target: string;
  /**
   * Call it only when this field (a dot path, e.g. `phone` or `user.phone`) of the event is present and not null:
   * an optional successor. Without it the successor is required: called for every event.
   *
   * @default - required
   */
  readonly when?: string;
}

/**
 * Options for `FunctionPipeline.addFunction`.
 */
export interface PipelineFunctionOptions extends FunctionOptions {
  /**
   * The functions this one calls with its answer (the event) once it has answered 2xx.
   *
   * @default - none
   */
  readonly successors?: FunctionSuccessor[];
  /**
   * Options of the function's Kafka stage (`replicas`, `autoscaling` on its topic's lag): `PipelineDelivery.kafka()`
   * only. Its `allowCycle` is the pipeline's `allowCycles`.
   *
   * @default - 2 replicas (or the topic's partitions when fewer)
   */
  readonly kafkaStage?: KafkaStageOptions;
}

/**
 * Properties for `FunctionPipeline`.
 */
export interface FunctionPipelineProps extends FunctionPlacement {
  /**
   * How events go from a function to its successors: direct HTTP calls, or Kafka topics with a `KafkaWorkflow`
   * stage per function.
   *
   * @default PipelineDelivery.http()
   */
  readonly delivery?: PipelineDelivery;
  /**
   * The function events come in at (the front door; with `PipelineDelivery.kafka()`, its topic).
   *
   * @default - the first function added
   */
  readonly entry?: string;
  /**
   * Attempts per delivery to a successor (connection errors, timeouts, 408, 429 and 5xx are retried; with
   * `PipelineDelivery.kafka()`, attempts of a function's stage to call it, then the dead-letter topic).
   *
   * @default 3
   */
  readonly deliveryAttempts?: number;
  /**
   * The backoff before the second attempt; it doubles for each further one (with `PipelineDelivery.kafka()`, the
   * constant wait between attempts).
   *
   * @default Duration.millis(200)
   */
  readonly retryBackoff?: Duration;
  /**
   * The time bound of one delivery attempt.
   *
   * @default Duration.seconds(10)
   */
  readonly deliveryTimeout?: Duration;
  /**
   * The function that gets what cannot be delivered after every attempt, as an envelope
   * `{ event, eventId, function, successor, error, status, attempts }`.
   *
   * @default - none: an undeliverable event makes the caller's answer 502 (with `PipelineDelivery.kafka()`, which
   * takes no `deadLetter`, it goes to the workflow's dead-letter topic with `dlq_*` headers)
   */
  readonly deadLetter?: string;
  /**
   * Allow cycles in the graph (a function that calls back an earlier one).
   *
   * @default false
   */
  readonly allowCycles?: boolean;
}

interface PipelineNode { readonly name: string; readonly successors: FunctionSuccessor[]; readonly fn: FunctionService }

/**
 * An event pipeline (book ch. 8, the sign-up flow of ch. 11): functions that call their successors over HTTP —
 * required ones for every event, optional ones when a field of the event is present — each told its successors'
 * URLs by env, with bounded retries and a dead-letter sink. The graph is checked at synthesis (unknown successor,
 * cycle unless declared, unreachable function) and drawn by `toMermaid()`: the blueprint FaaS lacks.
 */
export class FunctionPipeline extends Construct {
  /** The base name: function `x` is `<name>-x`. */
  public readonly name: string;
  /** The engine. */
  public readonly engine: FunctionEngine;
  /** The workflow whose topics and stages deliver the events (`PipelineDelivery.kafka()`). */
  public readonly workflow?: KafkaWorkflow;

  private readonly nodes: PipelineNode[] = [];
  private readonly partitions: number;
  private readonly placement: FunctionPlacement;
  private readonly partOf: string;
  private readonly traffic?: TrafficGraph;
  private readonly groups = new Map<string, TrafficGroup>();
  private readonly delivery: { attempts: number; backoffMs: number; attemptTimeoutMs: number };
  private readonly entryName?: string;
  private readonly deadLetter?: string;
  private readonly allowCycles: boolean;

  /**
   * @param scope the parent construct
   * @param id the construct id
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: FunctionPipelineProps = {}) {
    super(scope, id);
    if (props === null || typeof props !== 'object') throw propError(this, 'props', 'a FunctionPipelineProps object', props);
    this.name = ResourceNames.baseName(this, props.name, NAME_MAX - 2);
    this.partOf = RecommendedLabels.partOf(this, this.name, props.partOf);
    this.engine = PropCheck.oneOf(this, 'engine', [FunctionEngine.DEPLOYMENT, FunctionEngine.KNATIVE], FunctionEngine.DEPLOYMENT, props.engine) as FunctionEngine;
    if (this.engine === FunctionEngine.KNATIVE && props.networkPolicy !== undefined) {
      throw propError(this, 'networkPolicy', "unset with FunctionEngine.KNATIVE (Knative's activator and ingress are the front door)", props.networkPolicy);
    }
    this.delivery = {
      attempts: PropCheck.integer(this, 'deliveryAttempts', 1, 100, 3, props.deliveryAttempts),
      backoffMs: PropCheck.wholeMillis(this, 'retryBackoff', 0, 3_600_000, Duration.millis(200), props.retryBackoff),
      attemptTimeoutMs: PropCheck.wholeMillis(this, 'deliveryTimeout', 1, 3_600_000, Duration.seconds(10), props.deliveryTimeout),
    };
    for (const [prop, v] of [['entry', props.entry], ['deadLetter', props.deadLetter]] as const) {
      if (v !== undefined) ResourceNames.checkDnsLabel(this, prop, v, NAME_MAX - this.name.length - 1);
    }
    this.entryName = props.entry;
    this.deadLetter = props.deadLetter;
    this.allowCycles = PropCheck.boolean(this, 'allowCycles', false, props.allowCycles);
    this.placement = { engine: this.engine, partOf: this.partOf, pod: props.pod, images: props.images };
    if (props.delivery !== undefined && !(props.delivery instanceof PipelineDelivery)) {
      throw propError(this, 'delivery', 'a PipelineDelivery (PipelineDelivery.http(), PipelineDelivery.kafka({ … }))', props.delivery);
    }
    const host = { name: this.name, partOf: this.partOf, pod: props.pod, images: props.images };
    const delivery = (props.delivery ?? PipelineDelivery.http())._bind(this, host);
    this.workflow = delivery.workflow;
    this.partitions = delivery.partitions ?? 0;
    if (this.workflow && props.deadLetter !== undefined) {
      throw propError(this, 'deadLetter', "unset with PipelineDelivery.kafka() (events a function cannot take go to the workflow's dead-letter topic)", props.deadLetter);
    }
    if (this.engine === FunctionEngine.DEPLOYMENT) this.traffic = new TrafficGraph(this, 'networkPolicy', props.networkPolicy);
    this.node.addValidation({
      validate: () => {
        const p = graphProblem(this.nodes, this.entry, this.deadLetter, this.allowCycles);
        return p ? [PropCheck.message(this, p.prop, p.expectation, p.value)] : [];
      },
    });
  }

  /** The entry function's name. */
  public get entry(): string {
    return this.entryName ?? this.nodes[0]?.name ?? '';
  }

  /** The functions, in the order added (a copy). */
  public get functions(): FunctionService[] {
    return this.nodes.map((n) => n.fn);
  }

  /** The URL events are sent to (the entry function's). */
  public get url(): string {
    return `http://${this.hostOf(this.entry)}`;
  }

  /** The topic events are produced to (the entry function's, `PipelineDelivery.kafka()`). */
  public get entryTopic(): string | undefined {
    return this.workflow ? this.topicOf(this.entry) : undefined;
  }

  /** The topic function `name` reads (`<pipeline>.<name>`, `PipelineDelivery.kafka()`). */
  public topicOf(name: string): string {
    return `${this.name}.${name}`;
  }

  /** The Kafka stage that delivers function `name`'s events (`PipelineDelivery.kafka()`). */
  public stageOf(name: string): KafkaStage | undefined {
    return this.workflow?.stage(`${name}-stage`);
  }

  /**
   * Adds the function `name` (its objects are `<pipeline>-<name>`), calling `options.successors` with its answer.
   */
  public addFunction(name: string, options: PipelineFunctionOptions): FunctionService {
    assertNotSynthesized(this, 'addFunction()');
    ResourceNames.checkDnsLabel(this, 'addFunction(name)', name, NAME_MAX - this.name.length - 1);
    if (this.nodes.some((n) => n.name === name)) throw propError(this, 'addFunction(name)', 'a name not added yet', name);
    if (options === undefined || options === null || typeof options !== 'object') throw propError(this, `${name}`, 'PipelineFunctionOptions ({ code, successors })', options);
    const successorList = options.successors ?? [];
    if (!Array.isArray(successorList)) throw propError(this, `${name}.successors`, 'a list of FunctionSuccessor ({ target, when? })', successorList);
    const seen = new Set<string>();
    const successors: Successor[] = successorList.map((s, i) => {
      if (s === null || typeof s !== 'object' || typeof s.target !== 'string') throw propError(this, `${name}.successors[${i}]`, 'a FunctionSuccessor ({ target, when? })', s);
      if (seen.has(s.target)) throw propError(this, `${name}.successors[${i}].target`, 'named once', s.target);
      seen.add(s.target);
      if (s.when !== undefined && (typeof s.when !== 'string' || !/^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/.test(s.when))) {
        throw propError(this, `${name}.successors[${i}].when`, 'a dot path of field names (e.g. "phone", "user.phone")', s.when);
      }
      return { name: s.target, when: s.when, host: this.hostOf(s.target) };
    });
    if (!this.workflow && options.kafkaStage !== undefined) throw propError(this, `${name}.kafkaStage`, "unset unless 'delivery' is PipelineDelivery.kafka()", options.kafkaStage);
    const isDeadLetter = name === this.deadLetter;
    const isEntry = name === this.entry || (this.entryName === undefined && this.nodes.length === 0);
    const { kafkaStage, successors: _s, ...fnOptions } = options;
    const props: FunctionServiceProps = { ...fnOptions, ...this.placement, name: this.hostOf(name) };
    const extras: Extras = this.workflow
      ? { successors: [], traffic: this.traffic, group: this.traffic ? this.groupOf(name) : undefined, frontDoor: false }
      : {
        successors,
        delivery: successors.length > 0
          ? { ...this.delivery, deadLetterHost: this.deadLetter !== undefined ? this.hostOf(this.deadLetter) : undefined }
          : undefined,
        traffic: this.traffic,
        group: this.traffic ? this.groupOf(name) : undefined,
        frontDoor: isEntry,
      };
    EXTRAS.set(props, extras);
    const fn = new FunctionService(this, name, props);
    this.nodes.push({ name, successors: successorList.map((s) => ({ ...s })), fn });
    if (this.workflow) {
      this.addStage(this.workflow, name, fn, successors, isEntry, kafkaStage);
    } else if (this.traffic) {
      for (const s of successors) this.traffic.allow(this.groupOf(name), this.groupOf(s.name), [{ port: PORT }], s.when ? `optional successor (when ${s.when})` : 'required successor');
      if (successors.length > 0 && this.deadLetter !== undefined && !isDeadLetter) {
        this.traffic.allow(this.groupOf(name), this.groupOf(this.deadLetter), [{ port: PORT }], 'dead letters');
      }
    }
    return fn;
  }

  /**
   * The pipeline as a Mermaid flowchart: clients → entry, required successors as solid arrows, optional ones dashed
   * and labelled with their field, dead letters dotted to the sink.
   */
  public toMermaid(): string {
    const id = (n: string) => `f_${n.replace(/-/g, '_')}`;
    const lines = ['flowchart LR', `  %% ${this.name}: function pipeline (required: solid; optional: dashed, with the field)`];
    const wf = this.workflow;
    if (wf) lines.push(`  %% delivered through Kafka: function x reads topic ${this.name}.x; dead letters to ${wf.deadLetterTopic}`);
    lines.push('  clients(["clients"])');
    for (const n of this.nodes) lines.push(`  ${id(n.name)}["${n.name}<br/>${n.fn.runtime} · ${this.hostOf(n.name)}"]`);
    if (wf) lines.push(`  dead_letter[("${wf.deadLetterTopic}")]`);
    lines.push(wf ? `  clients -->|"${this.topicOf(this.entry)}"| ${id(this.entry)}` : `  clients -->|POST| ${id(this.entry)}`);
    for (const n of this.nodes) {
      for (const s of n.successors) lines.push(s.when ? `  ${id(n.name)} -.->|${s.when}| ${id(s.target)}` : `  ${id(n.name)} --> ${id(s.target)}`);
      if (this.deadLetter !== undefined && n.successors.length > 0) lines.push(`  ${id(n.name)} -. "dead letter" .-> ${id(this.deadLetter)}`);
      if (wf) lines.push(`  ${id(n.name)} -. "dead letter" .-> dead_letter`);
    }
    return `${lines.join('\n')}\n`;
  }

  /** The NetworkPolicy edges of the pipeline, as `from → to: ports (why)` lines. */
  public describeTraffic(): string[] {
    return this.traffic?.describe() ?? [];
  }

  /** Function `name`'s Kafka stage: its topic → a call to the function → its successors' topics. */
  private addStage(wf: KafkaWorkflow, name: string, fn: FunctionService, successors: Successor[], isEntry: boolean, stage?: KafkaStageOptions): void {
    if (stage !== undefined && (stage === null || typeof stage !== 'object')) throw propError(this, `${name}.kafkaStage`, 'KafkaStageOptions ({ replicas, autoscaling })', stage);
    const topic = (n: string, source: boolean) => {
      if (!wf.topic(this.topicOf(n))) wf.addTopic(this.topicOf(n), { partitions: this.partitions, source });
      return this.topicOf(n);
    };
    const input = topic(name, isEntry);
    const s = wf.addHttpCall(`${name}-stage`, {
      ...stage,
      allowCycle: this.allowCycles,
      input,
      url: fn.url,
      // the stage's egress: the function's pods on the runtime's port; a Knative function is reached through
      // Knative's ingress (its gateway pods and port are the cluster's, not known here): any address, any port
      callTarget: fn.knativeService !== undefined
        ? { peer: NetworkPeer.anywhere() }
        : { peer: NetworkPeer.pods(functionSelector(this.hostOf(name), this.partOf)), ports: [{ port: PORT }] },
      // a dot path present and not null: Bloblang's navigation gives null for a missing field
      routes: successors.map((x) => ({ condition: x.when ? `this.${x.when} != null` : 'true', output: topic(x.name, false) })),
      attempts: this.delivery.attempts,
      retryPeriod: Duration.millis(this.delivery.backoffMs),
      timeout: Duration.millis(this.delivery.attemptTimeoutMs),
    });
    this.traffic?.allowFrom(NetworkPeer.pods(s.deployment.matchLabels), this.groupOf(name), [{ port: PORT }], 'its Kafka stage delivers its events');
  }

  private hostOf(name: string): string {
    return `${this.name}-${name}`;
  }

  private groupOf(name: string): TrafficGroup {
    let g = this.groups.get(name);
    if (!g) {
      const host = this.hostOf(name);
      g = { name: host, selector: functionSelector(host, this.partOf), title: `function ${name}` };
      this.groups.set(name, g);
    }
    return g;
  }
}
