import { ApiObject, Duration, JsonPatch, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AdapterSoftware, AppPortLookup, BoundAdapter, MonitoringHost } from './adapter-monitoring/_host';
import { MonitoringAdapter } from './adapter-monitoring/monitoring-adapter';
import { addAppContainer, checkAppContainer } from '../blocks/_app-container';
import { addToHardenedPod } from '../blocks/_host-pod';
import { applyPodOptions, checkPodOptions } from '../blocks/_pod-options';
import { PodPorts } from '../blocks/_pod-ports';
import { RestrictedWorkloads } from '../blocks/_restricted-workload';
import { TrafficGraph } from '../blocks/_traffic';
import { AppContainerProps } from '../core/app-container';
import { ConfigChecksum } from '../core/checksum';
import { PropCheck } from '../core/errors';
import { ContainerImages, ImageKey, ImageOverrides } from '../core/images';
import { RecommendedLabels } from '../core/labels';
import { ResourceNames } from '../core/names';
import { NetworkPolicyOptions } from '../core/network';
import { PodOptions } from '../core/pod-options';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';
import { PrometheusRule, ServiceMonitor } from '../crds/prometheus-operator';

/**
 * Properties for `AdapterMonitoring`.
 */
export interface AdapterMonitoringProps {
  /**
   * The app container, for which a Deployment is made (give `app` or `workload`). With a `port`, its readiness
   * probe defaults to a TCP probe on it, and the Service exposes it. The adapters find the app's port by its name
   * (`portName: 'redis'`, `'memcached'`, `'postgres'`) or by the protocol's well-known number.
   *
   * Defaults: `uid` 1000, `gid` the uid, `writableDirs` `['/tmp']`, resources requests 1 CPU and 512Mi memory,
   * limits 1.5 CPU and 2Gi memory.
   *
   * @default - use `workload`
   */
  readonly app?: AppContainerProps;
  /**
   * An existing workload (Deployment, StatefulSet, DaemonSet …) to add the adapters to, instead of `app`. Its pod
   * is kept Pod Security `restricted` (see `hardenPod`).
   *
   * @default - use `app`
   */
  readonly workload?: kplus.Workload;
  /**
   * The app container's name: with `app`, the name it gets; with `workload`, which of its containers is the app
   * (whose ports the adapters find, and which gets the log volume).
   *
   * @default - "app" with `app`; the workload's first container with `workload`
   */
  readonly appContainerName?: string;
  /**
   * With `workload`: keep its pod Pod Security `restricted`, so a restricted namespace still admits it once the
   * adapters are in it. The library sets what restricted requires and the pod leaves unset — the pod's seccomp
   * profile `RuntimeDefault` and `runAsNonRoot: true`, and on every container already in it
   * `allowPrivilegeEscalation: false` and `capabilities.drop: [ALL]` — and fails at synthesis, with the fix, on
   * what the pod asks for and restricted forbids (a privileged container, uid 0, added capabilities, host
   * namespaces, ports or paths, `Unconfined` seccomp) or on a container added to the pod after this construct.
   * With `runAsNonRoot: true` an image whose USER is root no longer starts: give its container a non-root uid.
   * Set `false` to leave the pod exactly as it is (it must then be admitted where restricted is not enforced).
   *
   * @default true
   */
  readonly hardenPod?: boolean;
  /**
   * With `app`: the number of replicas. More than one adds a PodDisruptionBudget and a spread over nodes.
   *
   * @default 1
   */
  readonly replicas?: number;
  /** The adapters, in container order. Names must be unique in the pod. */
  readonly adapters: MonitoringAdapter[];
  /**
   * Add `prometheus.io/scrape`, `prometheus.io/port` and `prometheus.io/path` to the pod template, for Prometheus
   * servers that discover pods by annotation. The annotations name one port, so they need exactly one exporter.
   *
   * @default - true when exactly one adapter is an exporter
   */
  readonly scrapeAnnotations?: boolean;
  /**
   * Add a prometheus-operator `ServiceMonitor` scraping every exporter through the Service.
   *
   * @default false
   */
  readonly serviceMonitor?: boolean;
  /**
   * The scrape interval of the ServiceMonitor's endpoints.
   *
   * @default Duration.seconds(30)
   */
  readonly scrapeInterval?: Duration;
  /**
   * Add a prometheus-operator `PrometheusRule` with each exporter's alerts (exporter down, app down, and one or
   * more about the app's limits). Its expressions select the targets by the `job` label the ServiceMonitor gives
   * them (the Service's name), so it needs `serviceMonitor`.
   *
   * @default false
   */
  readonly prometheusRule?: boolean;
  /**
   * The base name of the objects.
   *
   * @default - derived from the construct path
   */
  readonly name?: string;
  /**
   * Image overrides (`redisExporter`, `memcachedExporter`, `postgresExporter`, `node`, `fluentBit`).
   *
   * @default - the library's pinned defaults
   */
  readonly images?: ImageOverrides;
  /**
   * `app.kubernetes.io/part-of` on every object the construct makes.
   *
   * @default - the app-wide `RecommendedLabels.PART_OF_CONTEXT_KEY` context value, else the base name
   */
  readonly partOf?: string;
  /**
   * With `app`: pod-level options (image pull secrets, ServiceAccount, scheduling, pod labels and annotations).
   * With `workload` the pod is yours: set them on it.
   *
   * @default - none
   */
  readonly pod?: PodOptions;
  /**
   * With `app`: the NetworkPolicy of the pods, a default deny for ingress and egress plus exactly the pod's own
   * traffic: `clients` may reach the app's ports, `monitoring` (a Prometheus selector or namespace) the exporters'
   * metrics ports and the health adapter's port; nobody else reaches them (without `monitoring` they are closed
   * to the network — the adapters reach the app on localhost, which no policy governs). The adapters send nothing;
   * your app's own egress goes in `extraEgress` (the pod then resolves names through the cluster DNS too). With
   * `workload` the pod and its policy are yours: unset (allow your Prometheus to the ports of `toMermaid()`).
   *
   * @default - on with `app`; clients from the same namespace, the metrics ports closed
   */
  readonly networkPolicy?: NetworkPolicyOptions;
}

/** An adapter in the pod. */
interface AddedAdapter extends BoundAdapter {
  readonly adapter: MonitoringAdapter;
}

/**
 * The adapter pattern: an app container plus adapter containers that turn the app's native interface into the
 * standard one every app shares — Prometheus metrics (redis, memcached and PostgreSQL exporters), a
 * `/healthz` + `/readyz` health endpoint backed by a check of the app's own protocol, and normalized JSON logs —
 * with Prometheus scrape annotations and, optionally, a prometheus-operator `ServiceMonitor` and `PrometheusRule`.
 *
 * The adapters share the pod's network namespace (they reach the app on `localhost`) and, for logs, a volume.
 * Give it an app container (a Deployment is made) or an existing workload (its pod is kept Pod Security
 * `restricted`: see `hardenPod`).
 *
 * @see https://kubernetes.io/docs/concepts/workloads/pods/#how-pods-manage-multiple-containers
 */
export class AdapterMonitoring extends Construct implements MonitoringHost {
  /** The base name of the objects. */
  public readonly name: string;
  /** The workload whose pods hold the app and the adapters (made for `app`, or the given `workload`). */
  public readonly workload: kplus.Workload;
  /** The app container. */
  public readonly appContainer: kplus.Container;
  /**
   * The Service: with `app`, the app's port and the metrics ports; with `workload`, the metrics ports (made only
   * for the ServiceMonitor).
   */
  public readonly service?: kplus.Service;
  /** The ServiceMonitor, when `serviceMonitor` is set. */
  public readonly serviceMonitor?: ServiceMonitor;
  /** The PrometheusRule, when `prometheusRule` is set. */
  public readonly prometheusRule?: PrometheusRule;
  /** The port of the health adapter, if there is one. */
  public readonly healthPort?: number;

  private readonly adapterList: AddedAdapter[] = [];
  private readonly ports: PodPorts;
  private readonly configMaps: kplus.ConfigMap[] = [];
  private readonly ownsWorkload: boolean;
  private readonly images?: ImageOverrides;
  private readonly partOf: string;
  private readonly graph: TrafficGraph;

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: AdapterMonitoringProps) {
    super(scope, id);
    this.name = ResourceNames.baseName(this, props?.name);
    if (props === undefined || props === null || typeof props !== 'object') throw propError(this, 'props', 'an AdapterMonitoringProps object ({ app or workload, adapters, … })', props);
    this.images = props.images;
    if ((props.app === undefined) === (props.workload === undefined)) {
      throw propError(this, 'app', 'given exactly when \'workload\' is not (one app container or one existing workload)', props.app === undefined ? undefined : 'both');
    }
    if (!Array.isArray(props.adapters) || props.adapters.length === 0) throw propError(this, 'adapters', 'at least one adapter', props.adapters);
    for (const flag of ['scrapeAnnotations', 'serviceMonitor', 'prometheusRule', 'hardenPod'] as const) {
      if (props[flag] !== undefined && typeof props[flag] !== 'boolean') throw propError(this, flag, 'true or false', props[flag]);
    }
    const scrapeInterval = Duration.seconds(PropCheck.wholeSeconds(this, 'scrapeInterval', 1, 86400, Duration.seconds(30), props.scrapeInterval));
    this.partOf = RecommendedLabels.partOf(this, this.name, props.partOf);

    let labels: { [key: string]: string };
    let selector: { [key: string]: string };
    if (props.app !== undefined) {
      this.ownsWorkload = true;
      const appName = props.appContainerName ?? 'app';
      ResourceNames.checkDnsLabel(this, 'appContainerName', appName);
      const app = checkAppContainer(this, 'app', props.app, {
        name: appName,
        defaultTcpReadiness: true,
        defaultResources: { cpu: ['1000m', '1500m'], memory: ['512Mi', '2048Mi'] },
      });
      const pod = checkPodOptions(this, 'pod', props.pod);
      const replicas = PropCheck.integer(this, 'replicas', 1, 1000, 1, props.replicas);
      const base = { name: this.name, instance: this.name, component: 'app' };
      selector = RecommendedLabels.selector(base);
      labels = RecommendedLabels.of({ ...base, partOf: this.partOf, version: RecommendedLabels.versionOf(props.app.image) });
      const deployment = RestrictedWorkloads.deployment(this, 'Deployment', { name: this.name, labels, selector, uid: app.uid, gid: app.gid, replicas });
      applyPodOptions(deployment, pod);
      this.workload = deployment;
      this.appContainer = addAppContainer(deployment, app);
      RestrictedWorkloads.availability(this, deployment, selector, labels, { replicas, pod });
    } else {
      this.ownsWorkload = false;
      const workload = props.workload!;
      if (!(workload instanceof kplus.Workload)) throw propError(this, 'workload', 'a kplus.Workload (Deployment, StatefulSet, DaemonSet, Job …)', workload);
      if (props.replicas !== undefined) throw propError(this, 'replicas', 'unset when \'workload\' is given (the workload has its own)', props.replicas);
      if (props.pod !== undefined) throw propError(this, 'pod', 'unset when \'workload\' is given (the pod is yours: set its options on the workload)', 'PodOptions');
      const containers = workload.containers;
      const app = props.appContainerName === undefined ? containers[0] : containers.find((c) => c.name === props.appContainerName);
      if (!app) {
        throw propError(this, 'appContainerName', `the name of a container of the workload (${containers.map((c) => `'${c.name}'`).join(', ') || 'it has none'})`, props.appContainerName);
      }
      this.workload = workload;
      this.appContainer = app;
      selector = { ...workload.matchLabels };
      labels = RecommendedLabels.of({
        name: this.name, instance: this.name, component: 'adapter', partOf: this.partOf, version: RecommendedLabels.versionOf(app.image),
      });
    }
    this.ports = PodPorts.of(this, this.workload);

    // --- the adapters (a pod of yours is kept restricted: hardened, or an error with the fix) ---
    const taken = new Set([...this.workload.containers, ...this.workload.initContainers].map((c) => c.name));
    const addAdapters = () => props.adapters.forEach((adapter, i) => {
      if (!(adapter instanceof MonitoringAdapter)) throw propError(this, `adapters[${i}]`, 'a MonitoringAdapter (made by one of its static methods)', adapter);
      ResourceNames.checkDnsLabel(this, `adapters[${i}].name`, adapter.name);
      if (taken.has(adapter.name)) throw propError(this, `adapters[${i}].name`, 'a container name not used by the app or another adapter', adapter.name);
      taken.add(adapter.name);
      this.adapterList.push({ adapter, ...adapter._bind(this) });
    });
    if (!this.ownsWorkload && (props.hardenPod ?? true)) addToHardenedPod({ owner: this, method: 'new AdapterMonitoring({ workload })' }, this.workload, addAdapters);
    else addAdapters();
    const exporters = this.adapterList.filter((a) => a.metricsPort);
    this.healthPort = this.adapterList.find((a) => a.healthPort !== undefined)?.healthPort;

    // --- scrape wiring ---
    const annotate = props.scrapeAnnotations ?? exporters.length === 1;
    if (annotate) {
      if (exporters.length !== 1) {
        throw propError(this, 'scrapeAnnotations', `false when the pod has ${exporters.length === 0 ? 'no exporter' : `${exporters.length} exporters (the annotations name one port; use 'serviceMonitor')`}`, true);
      }
      const port = exporters[0].metricsPort!;
      this.workload.podMetadata.addAnnotation('prometheus.io/scrape', 'true');
      this.workload.podMetadata.addAnnotation('prometheus.io/port', String(port.number));
      this.workload.podMetadata.addAnnotation('prometheus.io/path', '/metrics');
    }
    if (props.serviceMonitor && exporters.length === 0) throw propError(this, 'serviceMonitor', 'false when no adapter is a Prometheus exporter', true);
    if (props.prometheusRule && exporters.length === 0) throw propError(this, 'prometheusRule', 'false when no adapter is a Prometheus exporter', true);
    if (props.prometheusRule && !props.serviceMonitor) {
      throw propError(this, 'prometheusRule', 'false without \'serviceMonitor\' (its rules select the targets by the job label the ServiceMonitor gives them)', true);
    }

    const servicePorts: kplus.ServicePort[] = [];
    if (this.ownsWorkload) {
      for (const p of this.appContainer.ports) servicePorts.push({ name: p.name ?? `tcp-${p.number}`, port: p.number, targetPort: p.number });
    }
    if (this.ownsWorkload || props.serviceMonitor) {
      for (const e of exporters) servicePorts.push({ name: e.metricsPort!.name, port: e.metricsPort!.number, targetPort: e.metricsPort!.number });
    }
    if (servicePorts.length > 0) {
      this.service = new kplus.Service(this, 'Service', {
        metadata: { name: this.name, labels },
        selector: kplus.Pods.select(this, 'Pods', { labels: selector }),
        ports: servicePorts,
      });
    }
    if (props.serviceMonitor) {
      // The ServiceMonitor selects the Service by the labels that name it (never its version).
      this.serviceMonitor = new ServiceMonitor(this, 'ServiceMonitor', {
        metadata: { name: this.name, labels },
        selector: RecommendedLabels.selector({ name: this.name, instance: this.name, component: this.ownsWorkload ? 'app' : 'adapter' }),
        endpoints: exporters.map((e) => ({ port: e.metricsPort!.name, path: '/metrics', interval: scrapeInterval })),
      });
    }
    if (props.prometheusRule) {
      const job = this.service!.name;
      this.prometheusRule = new PrometheusRule(this, 'PrometheusRule', {
        metadata: { name: this.name, labels },
        groups: [{ name: `${this.name}.adapters`, rules: exporters.flatMap((e) => e.alerts?.(job) ?? []) }],
      });
    }

    // --- the traffic: clients to the app's ports, monitoring to the adapters' ---
    if (!this.ownsWorkload && props.networkPolicy !== undefined) {
      throw propError(this, 'networkPolicy', 'unset when \'workload\' is given (the pod is yours, and so is its NetworkPolicy: allow your Prometheus to the metrics ports there)', 'NetworkPolicyOptions');
    }
    this.graph = new TrafficGraph(this, 'networkPolicy', props.networkPolicy);
    if (this.ownsWorkload) {
      const group = this.graph.group(this, 'NetworkPolicy', { name: this.name, selector, title: `${this.appContainer.name} + adapters` }, labels);
      const appPorts = this.appContainer.ports.map((p) => ({ port: p.number, ...(p.protocol ? { protocol: p.protocol } : {}) }));
      if (appPorts.length > 0) this.graph.frontDoor(group, appPorts, 'clients of the app');
      const adapterPorts = [...exporters.map((e) => e.metricsPort!.number), ...(this.healthPort === undefined ? [] : [this.healthPort])]
        .map((port) => ({ port }));
      if (adapterPorts.length > 0) this.graph.metrics(group, adapterPorts, 'scrapes of the exporters, checks of the health adapter');
      if (props.networkPolicy?.monitoring !== undefined && adapterPorts.length === 0) {
        throw propError(this, 'networkPolicy.monitoring', 'unset when no adapter serves a port (no exporter, no health adapter: there is nothing to scrape)', 'a NetworkPeer');
      }
      if (this.graph.isEnabled && appPorts.length > 0 && props.networkPolicy?.clients?.length === 0) {
        throw propError(this, 'networkPolicy.clients', `at least one peer: the Service exposes the app's ports (${appPorts.map((p) => p.port).join(', ')}), and no client could reach them (set 'networkPolicy.enabled' to false to emit no policy)`, []);
      }
      if ((props.networkPolicy?.extraEgress ?? []).length > 0) this.graph.resolvesNames(group);
    }

    // --- config rolls the pods ---
    if (this.configMaps.length > 0) {
      const list = [...this.configMaps];
      if (this.ownsWorkload) {
        ConfigChecksum.annotate(this.workload, list);
      } else {
        // The workload's own checksum annotation (if any) is the user's: ours gets its own key.
        this.workload.podMetadata.addAnnotation(`${ConfigChecksum.ANNOTATION}-adapters`, Lazy.any({ produce: () => ConfigChecksum.of(list) }));
      }
    }
  }

  /** The adapter containers, in order (a copy). */
  public get adapterContainers(): kplus.Container[] {
    return this.adapterList.map((a) => a.container);
  }

  /** The adapters, in order (a copy). */
  public get adapters(): MonitoringAdapter[] {
    return this.adapterList.map((a) => a.adapter);
  }

  /** The pod's traffic as a Mermaid flowchart: the same graph the NetworkPolicy is made from (empty with `workload`). */
  public toMermaid(): string {
    return this.graph.toMermaid(`AdapterMonitoring ${this.node.path}`);
  }


  // -------------------------------------------------------------------------------------------------------------
  // what the adapters use (MonitoringHost)

  /** @internal */
  public _image(key: ImageKey): string {
    return ContainerImages.resolve(this, key, this.images);
  }

  /** @internal */
  public _addContainer(key: ImageKey, props: kplus.ContainerProps): kplus.Container {
    const user = ContainerImages.user(key);
    // An adapter runs beside the app for the pod's whole life: a native sidecar on a line that has them (docs/LINES.md).
    const placed = RestrictedSecurity._addSidecar(this.workload, props, { uid: user.uid, gid: user.gid });
    if (!this.ownsWorkload) {
      // The workload's pod-level seccomp profile is the user's; the adapter sets its own.
      const obj = ApiObject.of(this.workload);
      obj.addJsonPatch(JsonPatch.add(`${RestrictedSecurity.podSpecPointer(obj.kind)}/${placed.list}/${placed.index}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }));
    }
    return placed.container;
  }

  /** @internal */
  public _addConfigMap(id: string, adapter: string, software: AdapterSoftware, data: { [key: string]: string }): kplus.ConfigMap {
    const labels = RecommendedLabels.of({
      name: software.name, instance: this.name, component: 'adapter', partOf: this.partOf, version: RecommendedLabels.versionOf(software.image),
    });
    const configMap = new kplus.ConfigMap(this, id, { metadata: { name: `${this.name}-${adapter}`, labels }, data });
    this.configMaps.push(configMap);
    return configMap;
  }

  /** @internal */
  public _appPort(prop: string, lookup: AppPortLookup, given: number | undefined): number {
    const appPorts = this.appContainer.ports;
    if (given !== undefined) return PropCheck.integer(this, prop, 1, 65535, 0, given);
    const byName = appPorts.find((p) => p.name !== undefined && lookup.portNames.includes(p.name));
    if (byName) return byName.number;
    if (lookup.wellKnownPort !== undefined) {
      if (appPorts.some((p) => p.number === lookup.wellKnownPort)) return lookup.wellKnownPort;
      const named = lookup.portNames.map((x) => `'${x}'`).join(' or ');
      throw propError(this, prop, `the app's ${lookup.protocol} port on localhost (the app container '${this.appContainer.name}' has no port named ${named} and no port ${lookup.wellKnownPort})`, given);
    }
    if (appPorts.length === 1) return appPorts[0].number;
    throw propError(this, prop, `the app's port on localhost (the app container '${this.appContainer.name}' has ${appPorts.length === 0 ? 'no port' : `${appPorts.length} ports`})`, given);
  }

  /** @internal */
  public _claimPort(adapter: string, port: number, name: string): void {
    this.ports.claim({ container: adapter, number: port, numberProp: `${adapter}.listenPort`, name, nameProp: `${adapter}.portName` });
  }
}
