import { ApiObject, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { checkAppContainer } from '../blocks/_app-container';
import { applyPodOptions, checkPodOptions } from '../blocks/_pod-options';
import { PodPorts } from '../blocks/_pod-ports';
import { RestrictedWorkloads } from '../blocks/_restricted-workload';
import { TrafficGraph, TrafficGroup } from '../blocks/_traffic';
import { assertNotSynthesized } from '../core/_app-checks';
import { AppContainerProps } from '../core/app-container';
import { ConfigChecksum } from '../core/checksum';
import { PropCheck } from '../core/errors';
import { ContainerImages, ImageKey, ImageOverrides } from '../core/images';
import { RecommendedLabels } from '../core/labels';
import { ResourceNames } from '../core/names';
import { NetworkPeer, NetworkPolicyOptions, NetworkPort } from '../core/network';
import { PodOptions } from '../core/pod-options';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';
import { AddedContainer, checkPath, ConfigMapSoftware, RestrictedContainerSpec, SharedMountSpec, SidecarHost } from './sidecar-pod/_host';
import { SharedMount } from './sidecar-pod/options';
import { AddedSidecar, Sidecar } from './sidecar-pod/sidecar';

/**
 * A named volume shared by the containers of a `SidecarPod` (an emptyDir: it lives as long as the pod).
 */
export interface SharedVolume {
  /** The volume's name (a DNS-1123 label), used by `SharedMount.volume`. */
  readonly name: string;
  /**
   * A size limit. A disk-backed volume counts against the pod's ephemeral storage (the sum of its containers'
   * limits: size the containers that write to it with `resources.ephemeralStorage`), a memory-backed one against
   * the writers' memory limits.
   *
   * @default - 64Mi on disk, 16Mi in memory
   */
  readonly sizeLimit?: Size;
  /**
   * Back the volume with memory (tmpfs); it then counts against the containers' memory limits.
   *
   * @default false
   */
  readonly memory?: boolean;
}

/**
 * Options for `SidecarPod.addSharedVolume`.
 */
export interface SharedVolumeOptions {
  /**
   * A size limit. A disk-backed volume counts against the pod's ephemeral storage (the sum of its containers'
   * limits: size the containers that write to it with `resources.ephemeralStorage`), a memory-backed one against
   * the writers' memory limits.
   *
   * @default - 64Mi on disk, 16Mi in memory
   */
  readonly sizeLimit?: Size;
  /**
   * Back the volume with memory (tmpfs).
   *
   * @default false
   */
  readonly memory?: boolean;
}

/**
 * Options for `SidecarPod.exposeViaService`.
 */
export interface SidecarPodServiceOptions {
  /**
   * The container ports to expose.
   *
   * @default - the ports marked to be exposed: the app's port, unless an HTTPS terminator fronts it; the HTTPS
   *   terminator's ports; sidecar ports with `expose: true`
   */
  readonly ports?: number[];
  /**
   * The Service type.
   *
   * @default kplus.ServiceType.CLUSTER_IP
   */
  readonly serviceType?: kplus.ServiceType;
}

/**
 * Properties for `SidecarPod`.
 */
export interface SidecarPodProps {
  /**
   * The app container. With a `port`, its readiness probe defaults to a TCP probe on it and the Service made by
   * `exposeViaService()` exposes it (unless an HTTPS terminator fronts it). Its gid is also the pod's `fsGroup`, so
   * every container can use the shared volumes. Pod Security `restricted` forbids root: an image that runs as root
   * must be rebuilt or be able to run as `uid`.
   *
   * Defaults: `uid` 1000, `gid` the uid, `writableDirs` `['/tmp']`, no port, resources requests 100m CPU and 128Mi
   * memory, limits 1 CPU and 512Mi memory.
   */
  readonly app: AppContainerProps;
  /**
   * The base name of the objects.
   *
   * @default - derived from the construct path
   */
  readonly name?: string;
  /**
   * The app container's name.
   *
   * @default "app"
   */
  readonly appContainerName?: string;
  /**
   * Shared volumes of the pod (more with `addSharedVolume`).
   *
   * @default - none
   */
  readonly volumes?: SharedVolume[];
  /**
   * Shared volumes the app container mounts.
   *
   * @default - none
   */
  readonly appMounts?: SharedMount[];
  /**
   * Number of pods. More than one adds a PodDisruptionBudget and a spread over nodes.
   *
   * @default 1
   */
  readonly replicas?: number;
  /**
   * The Deployment's update strategy.
   *
   * @default - rolling update, max surge 25%, max unavailable 25%
   */
  readonly strategy?: kplus.DeploymentStrategy;
  /**
   * Share one PID namespace between the containers (`Sidecar.processInspector()` needs it and turns it on).
   *
   * @default false
   */
  readonly shareProcessNamespace?: boolean;
  /**
   * Image overrides (nginx, gitSync, processExporter).
   *
   * @default - the defaults of `ContainerImages`
   */
  readonly images?: ImageOverrides;
  /**
   * `app.kubernetes.io/part-of` on every object.
   *
   * @default - the app-wide `RecommendedLabels.PART_OF_CONTEXT_KEY` context value, else the base name
   */
  readonly partOf?: string;
  /**
   * Pod-level options (image pull secrets, ServiceAccount, scheduling, pod labels and annotations) for the pods.
   *
   * @default - none
   */
  readonly pod?: PodOptions;
  /**
   * The NetworkPolicy of the pods: a default deny for ingress and egress, plus exactly the pod's own traffic. The
   * clients may reach the ports the pod serves — those the Service of `exposeViaService` targets, or without a
   * Service the ports marked to be exposed — and nothing else: behind `Sidecar.httpsTerminator` that is the TLS
   * port (and the redirect port), never the app's plain port. A process inspector's port, when exposed, is open to
   * `monitoring` only. `Sidecar.configSync` may reach its repository: any address on the repository URL's port
   * (443 for `https://`, 80 for `http://`, 22 for ssh, 9418 for `git://`; an IPv4 address as a /32), the same
   * for a `webhookUrl` that is not on `127.0.0.1`/`localhost`. The pod resolves names through the cluster DNS when
   * it has any egress. Your app's own egress (its database, an API) goes in `extraEgress`.
   *
   * @default - on; clients from the same namespace
   */
  readonly networkPolicy?: NetworkPolicyOptions;
}

/** A port of the pod that a Service may expose. */
interface ServiceCandidate {
  readonly container: string;
  readonly name: string;
  readonly number: number;
  expose: boolean;
  readonly servicePort: number;
  readonly metrics: boolean;
}

/**
 * The sidecar pattern (book chapter 2): a workload whose pods hold one app container and any number of
 * sidecars that "augment and improve the application container, often without the application container's
 * knowledge". The containers share the pod's network (`127.0.0.1`), named shared volumes, and optionally the
 * PID namespace.
 *
 * Every container runs with Pod Security `restricted` contexts (its image's own non-root uid, read-only root
 * filesystem, no capabilities); more than one replica adds a PodDisruptionBudget and a spread over nodes; a
 * changed sidecar config (ConfigMap) rolls the pods.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/pods/#how-pods-manage-multiple-containers
 */
export class SidecarPod extends Construct implements SidecarHost {
  /** The base name of the objects (Deployment, Service, ConfigMaps). */
  public readonly name: string;
  /** The Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The app container. */
  public readonly appContainer: kplus.Container;
  /** The labels that select the pods. */
  public readonly selector: { [key: string]: string };
  /**
   * The PodDisruptionBudget (only with more than one replica).
   *
   * @default - none
   */
  public readonly podDisruptionBudget?: kplus.k8s.KubePodDisruptionBudget;

  /** @internal */
  public readonly _appPort?: number;
  /** @internal */
  public readonly _shareProcessNamespaceProp?: boolean;

  private readonly labels: { [key: string]: string };
  private readonly partOf: string;
  private readonly images?: ImageOverrides;
  private readonly ports = new PodPorts(this);
  private readonly candidates: ServiceCandidate[] = [];
  private readonly containerNames: string[] = [];
  private readonly mountPaths = new Map<string, Set<string>>();
  private readonly sharedVolumes = new Map<string, { volume: kplus.Volume; mountedBy: string[] }>();
  private readonly configMaps: kplus.ConfigMap[] = [];
  private sharesProcessNamespace = false;
  private exposed?: kplus.Service;
  private exposedPorts?: number[];
  private readonly graph: TrafficGraph;
  private readonly trafficGroup: TrafficGroup;
  private readonly noClients: boolean;

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: SidecarPodProps) {
    super(scope, id);
    this.name = ResourceNames.baseName(this, props?.name);
    if (props === undefined || props === null || typeof props !== 'object') throw propError(this, 'props', 'a SidecarPodProps object ({ app, … })', props);
    const appName = this._checkNewContainer('appContainerName', props.appContainerName ?? 'app');
    const app = checkAppContainer(this, 'app', props.app, {
      name: appName,
      defaultTcpReadiness: true,
      defaultResources: { cpu: ['100m', '1000m'], memory: ['128Mi', '512Mi'] },
    });
    const pod = checkPodOptions(this, 'pod', props.pod);
    const replicas = PropCheck.integer(this, 'replicas', 1, 1000, 1, props.replicas);
    if (props.shareProcessNamespace !== undefined && typeof props.shareProcessNamespace !== 'boolean') {
      throw propError(this, 'shareProcessNamespace', 'true or false', props.shareProcessNamespace);
    }
    this.images = props.images;
    this._shareProcessNamespaceProp = props.shareProcessNamespace;
    this._appPort = app.port;
    this.partOf = RecommendedLabels.partOf(this, this.name, props.partOf);
    const base = { name: this.name, instance: this.name, component: 'app' };
    this.selector = RecommendedLabels.selector(base);
    this.labels = RecommendedLabels.of({ ...base, partOf: this.partOf, version: RecommendedLabels.versionOf(props.app.image) });

    this.deployment = RestrictedWorkloads.deployment(this, 'Deployment', {
      name: this.name, labels: this.labels, selector: this.selector, uid: app.uid, gid: app.gid, replicas, strategy: props.strategy,
    });
    applyPodOptions(this.deployment, pod);

    // ---- the traffic: the ports the pod serves are known once its sidecars and Service are in
    this.graph = new TrafficGraph(this, 'networkPolicy', props.networkPolicy);
    this.noClients = props.networkPolicy?.clients?.length === 0;
    this.trafficGroup = this.graph.group(this, 'NetworkPolicy', { name: this.name, selector: this.selector, title: `app + sidecars ×${replicas}` }, this.labels);
    if ((props.networkPolicy?.extraEgress ?? []).length > 0) this.graph.resolvesNames(this.trafficGroup);
    this.graph.atRender(() => {
      const served = this.exposedPorts ?? this.candidates.filter((c) => c.expose && !c.metrics).map((c) => c.number);
      if (served.length > 0) this.graph.frontDoor(this.trafficGroup, served.map((port) => ({ port })), this.exposed ? 'clients of the Service' : 'clients of the served ports');
      const metrics = this.candidates.filter((c) => c.expose && c.metrics && !served.includes(c.number)).map((c) => ({ port: c.number }));
      if (metrics.length > 0) this.graph.metrics(this.trafficGroup, metrics, 'scrapes of the process inspector');
    });

    if (props.volumes !== undefined && !Array.isArray(props.volumes)) throw propError(this, 'volumes', 'a list of SharedVolume ({ name, sizeLimit?, memory? })', props.volumes);
    for (const v of props.volumes ?? []) this.addSharedVolume(v?.name, { sizeLimit: v?.sizeLimit, memory: v?.memory });

    const c = app.props;
    this.appContainer = this._addRestricted({
      app: true,
      name: appName,
      prop: 'appContainerName',
      image: c.image,
      uid: app.uid,
      gid: app.gid,
      command: c.command,
      args: c.args,
      workingDir: c.workingDir,
      env: c.envVariables,
      ports: app.port === undefined ? [] : [{
        name: app.portName, number: app.port, numberProp: 'app.port', nameProp: 'app.portName', expose: true, servicePort: app.port,
      }],
      mounts: props.appMounts,
      mountsProp: 'appMounts',
      writableDirs: app.writableDirs,
      writableDirsProp: 'app.writableDirs',
      resources: c.resources!,
      readiness: c.readiness,
      liveness: c.liveness,
      startup: c.startup,
    }).container;

    if (props.shareProcessNamespace) this._enableShareProcessNamespace();
    this.podDisruptionBudget = RestrictedWorkloads.availability(this, this.deployment, this.selector, this.labels, { replicas, pod });

    this.node.addValidation({
      validate: () => [...this.sharedVolumes.entries()]
        .filter(([, v]) => v.mountedBy.length === 0)
        .map(([name]) => PropCheck.message(this, 'volumes', 'mounted by at least one container (no container mounts this one)', name)),
    });
  }

  /** The Service made by `exposeViaService`, if any. */
  public get service(): kplus.Service | undefined {
    return this.exposed;
  }

  /** The names of every container (init containers included), in the order they were added. */
  public get containers(): string[] {
    return [...this.containerNames];
  }

  /**
   * Adds a shared emptyDir volume that containers mount by name (`SharedMount.volume`). Every shared volume
   * must be mounted by at least one container.
   */
  public addSharedVolume(name: string, options: SharedVolumeOptions = {}): kplus.Volume {
    assertNotSynthesized(this, 'addSharedVolume()');
    ResourceNames.checkDnsLabel(this, 'volumes.name', name);
    if (this.sharedVolumes.has(name)) throw propError(this, 'volumes.name', 'unique among the shared volumes', name);
    const o = options ?? {};
    // cdk8s-plus writes an emptyDir's sizeLimit in whole MiB.
    if (o.sizeLimit !== undefined) PropCheck.wholeMebibytes(this, `volumes.${name}.sizeLimit`, 1, 1_048_576, o.sizeLimit, o.sizeLimit);
    if (o.memory !== undefined && typeof o.memory !== 'boolean') throw propError(this, `volumes.${name}.memory`, 'true or false', o.memory);
    const volume = kplus.Volume.fromEmptyDir(this, `SharedVolume-${name}`, name, {
      sizeLimit: o.sizeLimit ?? Size.mebibytes(o.memory ? 16 : 64),
      medium: o.memory ? kplus.EmptyDirMedium.MEMORY : undefined,
    });
    this.sharedVolumes.set(name, { volume, mountedBy: [] });
    return volume;
  }

  /**
   * Adds a sidecar (a preset or `Sidecar.container`) and returns what it added. Call it before
   * `exposeViaService`.
   */
  public addSidecar(sidecar: Sidecar): AddedSidecar {
    assertNotSynthesized(this, 'addSidecar()');
    if (!(sidecar instanceof Sidecar)) throw propError(this, 'sidecar', 'a Sidecar (Sidecar.httpsTerminator(...), configSync(...), processInspector(...) or container(...))', sidecar);
    if (this.exposed) throw new Error(`${PropCheck.where(this)}: addSidecar() must come before exposeViaService(): the Service's ports are fixed when it is made`);
    return sidecar._bind(this);
  }

  /**
   * Makes a Service for the pods. By default it exposes the ports marked to be exposed: with an HTTPS
   * terminator that is its HTTPS port (and redirect port), not the app's plain port.
   */
  public exposeViaService(options: SidecarPodServiceOptions = {}): kplus.Service {
    assertNotSynthesized(this, 'exposeViaService()');
    if (this.exposed) throw new Error(`${PropCheck.where(this)}: exposeViaService() was already called`);
    options = options ?? {};
    const serviceTypes = Object.values(kplus.ServiceType) as string[];
    if (options.serviceType !== undefined && !serviceTypes.includes(options.serviceType)) {
      throw propError(this, 'serviceType', `a kplus.ServiceType (${serviceTypes.map((t) => `'${t}'`).join(', ')})`, options.serviceType);
    }
    let claims: ServiceCandidate[];
    if (options.ports !== undefined) {
      if (!Array.isArray(options.ports) || options.ports.length === 0) throw propError(this, 'ports', 'at least one container port', options.ports);
      claims = options.ports.map((p) => {
        const claim = this.candidates.find((c) => c.number === p);
        if (!claim) throw propError(this, 'ports', `container ports of the pod (${this.candidates.map((c) => c.number).join(', ') || 'none'})`, p);
        return claim;
      });
    } else {
      claims = this.candidates.filter((c) => c.expose);
      if (claims.length === 0) throw propError(this, 'ports', 'given: no container port is marked to be exposed', options.ports);
    }
    const servicePorts = new Set<number>();
    for (const c of claims) {
      if (servicePorts.has(c.servicePort)) throw propError(this, 'ports', `ports with distinct Service ports (${c.servicePort} is taken twice)`, options.ports ?? claims.map((x) => x.number));
      servicePorts.add(c.servicePort);
    }
    if (this.graph.isEnabled && this.noClients) {
      throw propError(this, 'networkPolicy.clients', `at least one peer: the Service exposes ports ${claims.map((c) => c.number).join(', ')}, and no client could reach them (set 'networkPolicy.enabled' to false to emit no policy)`, []);
    }
    if (options.ports !== undefined) this.exposedPorts = claims.map((c) => c.number);
    this.exposed = new kplus.Service(this, 'Service', {
      metadata: { name: this.name, labels: this.labels },
      type: options.serviceType ?? kplus.ServiceType.CLUSTER_IP,
      selector: kplus.Pods.select(this, 'ServicePods', { labels: this.selector }),
      ports: claims.map((c) => ({ name: c.name, port: c.servicePort, targetPort: c.number })),
    });
    return this.exposed;
  }

  /** The pod's traffic as a Mermaid flowchart: the same graph the NetworkPolicy is made from. */
  public toMermaid(): string {
    return this.graph.toMermaid(`SidecarPod ${this.node.path}`);
  }

  // -------------------------------------------------------------------------------------------------------------
  // what the presets use (SidecarHost)

  /** @internal */
  public _image(key: ImageKey): string {
    return ContainerImages.resolve(this, key, this.images);
  }

  /** @internal */
  public _checkNewContainer(prop: string, name: string): string {
    ResourceNames.checkDnsLabel(this, prop, name);
    if (this.containerNames.includes(name)) {
      throw propError(this, prop, `unique among the pod's containers (${this.containerNames.join(', ')})`, name);
    }
    return name;
  }

  /** @internal */
  public _addRestricted(spec: RestrictedContainerSpec): AddedContainer {
    this._checkNewContainer(spec.prop, spec.name);
    for (const p of spec.ports ?? []) {
      // Every port of the pod is named: the Service's ports and the probes refer to them by name.
      if (typeof p.name !== 'string') throw propError(this, p.nameProp, 'a port name (every port of the pod is named)', p.name);
      this.ports.claim({ container: spec.name, number: p.number, numberProp: p.numberProp, name: p.name, nameProp: p.nameProp });
    }
    const paths = new Set<string>();
    const addPath = (prop: string, path: string) => {
      checkPath(this, prop, path);
      if (paths.has(path)) throw propError(this, prop, `a path mounted once in container '${spec.name}'`, path);
      paths.add(path);
    };
    const mountsProp = spec.mountsProp ?? 'mounts';
    if (spec.mounts !== undefined && !Array.isArray(spec.mounts)) throw propError(this, mountsProp, 'a list of SharedMount ({ volume, path, readOnly? })', spec.mounts);
    (spec.mounts ?? []).forEach((m, i) => {
      if (m === null || typeof m !== 'object') throw propError(this, `${mountsProp}[${i}]`, 'a SharedMount ({ volume, path, readOnly? })', m);
      if (!this.sharedVolumes.has(m.volume)) throw propError(this, `${mountsProp}[${i}].volume`, `a shared volume of the pod (${[...this.sharedVolumes.keys()].join(', ') || 'none'})`, m.volume);
      if (m.readOnly !== undefined && typeof m.readOnly !== 'boolean') throw propError(this, `${mountsProp}[${i}].readOnly`, 'true or false', m.readOnly);
      addPath(`${mountsProp}[${i}].path`, m.path);
    });
    for (const m of spec.volumeMounts ?? []) addPath(mountsProp, m.path);
    for (const w of spec.writableDirs ?? []) addPath(spec.writableDirsProp ?? 'writableDirs', w);

    const props: kplus.ContainerProps = {
      name: spec.name,
      image: spec.image,
      command: spec.command,
      args: spec.args,
      workingDir: spec.workingDir,
      envVariables: spec.env,
      ports: (spec.ports ?? []).filter((p) => p.declare ?? true).map((p) => ({ number: p.number, name: p.name })),
      resources: spec.resources,
      readiness: spec.readiness,
      liveness: spec.liveness,
      startup: spec.startup,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    };
    const user = { uid: spec.uid, gid: spec.gid };
    // A sidecar runs beside the app for the pod's whole life: a native sidecar on a line that has them (docs/LINES.md).
    const container = spec.init
      ? RestrictedSecurity.addInitContainer(this.deployment, props, user)
      : spec.app
        ? RestrictedSecurity.addContainer(this.deployment, props, user)
        : RestrictedSecurity._addSidecar(this.deployment, props, user).container;
    this.containerNames.push(spec.name);
    this.mountPaths.set(spec.name, paths);
    for (const p of spec.ports ?? []) {
      this.candidates.push({
        container: spec.name, name: p.name, number: p.number, expose: p.expose, servicePort: p.servicePort, metrics: p.metrics ?? false,
      });
    }
    for (const m of spec.mounts ?? []) this.mount(container, m);
    for (const m of spec.volumeMounts ?? []) container.mount(m.path, m.volume, { readOnly: true });
    const volumes = RestrictedSecurity.addWritableDirs(this.deployment, container, { paths: spec.writableDirs ?? [] });
    return { container, volumes };
  }

  /** @internal */
  public _mountShared(container: kplus.Container, prop: string, m: SharedMountSpec): void {
    const paths = this.mountPaths.get(container.name)!;
    checkPath(this, prop, m.path);
    if (paths.has(m.path)) throw propError(this, prop, `a path mounted once in container '${container.name}'`, m.path);
    paths.add(m.path);
    this.mount(container, m);
  }

  /** @internal */
  public _addConfigMap(containerName: string, software: ConfigMapSoftware, data: { [key: string]: string }): kplus.ConfigMap {
    const labels = RecommendedLabels.of({
      name: software.name, instance: this.name, component: 'sidecar', partOf: this.partOf, version: RecommendedLabels.versionOf(software.image),
    });
    const cm = new kplus.ConfigMap(this, `${containerName}-config`, {
      metadata: { name: `${this.name}-${containerName}`, labels },
      data,
    });
    this.configMaps.push(cm);
    // Re-annotating replaces the annotation: the last call covers every ConfigMap.
    ConfigChecksum.annotate(this.deployment, this.configMaps);
    return cm;
  }

  /** @internal */
  public _appPorts(): number[] {
    return this.ports.claims.filter((c) => c.container === this.appContainer.name).map((c) => c.number);
  }

  /** @internal */
  public _frontAppPort(port: number): void {
    for (const c of this.candidates) if (c.container === this.appContainer.name && c.number === port) c.expose = false;
  }

  /** @internal */
  public _allowEgress(peer: NetworkPeer, ports: NetworkPort[], why: string): void {
    this.graph.allowTo(this.trafficGroup, peer, ports, why);
    this.graph.resolvesNames(this.trafficGroup);
  }

  /** @internal */
  public _enableShareProcessNamespace(): void {
    if (this.sharesProcessNamespace) return;
    this.sharesProcessNamespace = true;
    ApiObject.of(this.deployment).addJsonPatch(JsonPatch.add('/spec/template/spec/shareProcessNamespace', true));
  }

  private mount(container: kplus.Container, m: SharedMountSpec): void {
    const shared = this.sharedVolumes.get(m.volume)!;
    container.mount(m.path, shared.volume, { readOnly: m.readOnly ?? false });
    shared.mountedBy.push(container.name);
  }
}
