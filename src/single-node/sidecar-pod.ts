import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { NginxConfig, TlsVersion } from '../config/nginx';
import { Availability } from '../core/availability';
import { ConfigChecksum } from '../core/checksum';
import { PropCheck } from '../core/errors';
import { ContainerImages, ImageKey, ImageOverrides } from '../core/images';
import { RecommendedLabels } from '../core/labels';
import { ResourceNames } from '../core/names';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';

/**
 * A named volume shared by the containers of a `SidecarPod` (an emptyDir: it lives as long as the pod).
 */
export interface SharedVolume {
  /** The volume's name (a DNS-1123 label), used by `SharedMount.volume`. */
  readonly name: string;
  /**
   * A size limit.
   *
   * @default - no limit
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
   * A size limit.
   *
   * @default - no limit
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
 * Where a container mounts a shared volume.
 */
export interface SharedMount {
  /** The name of a shared volume of the pod. */
  readonly volume: string;
  /** The absolute path in the container. */
  readonly path: string;
  /**
   * Mount it read-only.
   *
   * @default false
   */
  readonly readOnly?: boolean;
}

/**
 * A port a sidecar listens on.
 */
export interface SidecarPort {
  /** The container port. Every container of the pod shares one network namespace: ports are unique in the pod. */
  readonly number: number;
  /** The port name (an IANA service name: at most 15 characters, lowercase letters, digits, '-'). */
  readonly name: string;
  /**
   * Include the port in the Service made by `exposeViaService()` when no ports are named there.
   *
   * @default false
   */
  readonly expose?: boolean;
  /**
   * The Service port that targets it.
   *
   * @default - the container port
   */
  readonly servicePort?: number;
}

/**
 * Options for `Sidecar.container`: any container run next to the app.
 */
export interface SidecarContainerOptions {
  /** The container name (a DNS-1123 label, unique in the pod). */
  readonly name: string;
  /** The image, pinned to a tag or digest. */
  readonly image: string;
  /** The non-root uid the image runs as. */
  readonly uid: number;
  /**
   * The gid it runs as.
   *
   * @default - the uid
   */
  readonly gid?: number;
  /**
   * The entrypoint.
   *
   * @default - the image's
   */
  readonly command?: string[];
  /**
   * The arguments.
   *
   * @default - the image's
   */
  readonly args?: string[];
  /**
   * Plain environment variables (never secrets: take those from a Secret inside the image's own config).
   *
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /**
   * The ports it listens on.
   *
   * @default - none
   */
  readonly ports?: SidecarPort[];
  /**
   * Shared volumes it mounts.
   *
   * @default - none
   */
  readonly mounts?: SharedMount[];
  /**
   * Paths it writes to (each gets its own emptyDir: the root filesystem is read-only).
   *
   * @default ['/tmp']
   */
  readonly writableDirs?: string[];
  /**
   * Resource requests and limits.
   *
   * @default - requests 10m CPU and 32Mi memory, limit 128Mi memory
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * A readiness probe. A sidecar that is not ready takes the whole pod out of its Service: give one only to a
   * sidecar that serves the pod's traffic.
   *
   * @default - none
   */
  readonly readiness?: kplus.Probe;
  /**
   * A liveness probe.
   *
   * @default - none
   */
  readonly liveness?: kplus.Probe;
}

/**
 * Options for `Sidecar.httpsTerminator`.
 */
export interface HttpsTerminatorOptions {
  /**
   * A `kubernetes.io/tls` Secret (keys `tls.crt` and `tls.key`), e.g. from cert-manager. nginx reads it at
   * start: roll the pods after a renewal.
   */
  readonly secret: kplus.ISecret;
  /**
   * The HTTPS container port (at least 1024: nginx runs unprivileged).
   *
   * @default 8443
   */
  readonly port?: number;
  /**
   * The Service port for HTTPS.
   *
   * @default 443
   */
  readonly servicePort?: number;
  /**
   * A plain-HTTP container port that redirects every request to HTTPS (Service port 80).
   *
   * @default - no plain-HTTP port
   */
  readonly redirectHttpPort?: number;
  /**
   * The app port nginx proxies to on `127.0.0.1`.
   *
   * @default - the pod's `port`
   */
  readonly appPort?: number;
  /**
   * The lowest TLS version accepted.
   *
   * @default TlsVersion.TLS_1_2
   */
  readonly minTlsVersion?: TlsVersion;
  /**
   * Send `Strict-Transport-Security` with this max-age.
   *
   * @default - no HSTS header
   */
  readonly hstsMaxAge?: Duration;
  /**
   * The container name.
   *
   * @default "https"
   */
  readonly containerName?: string;
  /**
   * Resource requests and limits.
   *
   * @default - requests 50m CPU and 32Mi memory, limit 128Mi memory
   */
  readonly resources?: kplus.ContainerResources;
}

/**
 * Credentials for the git repository of `Sidecar.configSync`, from a Secret.
 *
 * @see https://github.com/kubernetes/git-sync/blob/v4.3.0/docs/ssh.md
 */
export class GitCredentials {
  /**
   * HTTP(S) basic auth (a user name and a password or token), passed to git-sync as `GITSYNC_USERNAME` and
   * `GITSYNC_PASSWORD` from the Secret.
   *
   * @param secret the Secret
   * @param usernameKey its key holding the user name (default `username`)
   * @param passwordKey its key holding the password or token (default `password`)
   */
  public static basicAuth(secret: kplus.ISecret, usernameKey?: string, passwordKey?: string): GitCredentials {
    return new GitCredentials('basic', secret, usernameKey ?? 'username', passwordKey ?? 'password');
  }

  /**
   * An SSH private key and a known_hosts file from the Secret, mounted read-only (mode 0440, group = the
   * pod's fsGroup) at `/etc/git-secret`.
   *
   * @param secret the Secret
   * @param keyKey its key holding the private key (default `ssh`)
   * @param knownHostsKey its key holding the known_hosts lines (default `known_hosts`)
   */
  public static sshKey(secret: kplus.ISecret, keyKey?: string, knownHostsKey?: string): GitCredentials {
    return new GitCredentials('ssh', secret, keyKey ?? 'ssh', knownHostsKey ?? 'known_hosts');
  }

  private constructor(
    /** @internal */ public readonly _kind: string,
    /** @internal */ public readonly _secret: kplus.ISecret,
    /** @internal */ public readonly _key1: string,
    /** @internal */ public readonly _key2: string) {}
}

/**
 * Options for `Sidecar.configSync`.
 *
 * @see https://github.com/kubernetes/git-sync/tree/v4.3.0#parameters
 */
export interface ConfigSyncOptions {
  /** The repository URL (`https://…`, `ssh://…`, `git@host:path` or `file://…`). */
  readonly repository: string;
  /**
   * The branch, tag or commit to check out.
   *
   * @default "HEAD" (the remote's default branch)
   */
  readonly ref?: string;
  /**
   * How often to pull.
   *
   * @default Duration.seconds(60)
   */
  readonly period?: Duration;
  /**
   * Where the app container sees the checkout root (read-only); the current checkout is `<mountPath>/<link>`.
   *
   * @default "/config"
   */
  readonly mountPath?: string;
  /**
   * The name of the symlink that points to the current checkout (git-sync swaps it atomically).
   *
   * @default "current"
   */
  readonly link?: string;
  /**
   * Clone depth (0: the whole history).
   *
   * @default 1
   */
  readonly depth?: number;
  /**
   * Credentials.
   *
   * @default - anonymous
   */
  readonly credentials?: GitCredentials;
  /**
   * A URL git-sync POSTs to after each new checkout, e.g. the app's reload endpoint on `http://127.0.0.1`
   * (git-sync's `--webhook-url`).
   *
   * @default - none: the app watches the files itself
   */
  readonly webhookUrl?: string;
  /**
   * Clone once in an init container before the app starts, so the app never sees an empty directory.
   *
   * @default true
   */
  readonly initialSync?: boolean;
  /**
   * The container (and shared volume) name.
   *
   * @default "config-sync"
   */
  readonly containerName?: string;
  /**
   * A size limit for the checkout volume.
   *
   * @default Size.mebibytes(256)
   */
  readonly sizeLimit?: Size;
  /**
   * Resource requests and limits.
   *
   * @default - requests 10m CPU and 32Mi memory, limit 256Mi memory
   */
  readonly resources?: kplus.ContainerResources;
}

/**
 * Options for `Sidecar.processInspector`.
 */
export interface ProcessInspectorOptions {
  /**
   * The port of the metrics endpoint (`/metrics`).
   *
   * @default 9256
   */
  readonly port?: number;
  /**
   * Listen on the pod IP and include the port in the Service. Otherwise it listens on `127.0.0.1` only:
   * reachable from the pod's containers and through `kubectl port-forward`, not from the network.
   *
   * @default false
   */
  readonly expose?: boolean;
  /**
   * The container name.
   *
   * @default "process-inspector"
   */
  readonly containerName?: string;
  /**
   * Resource requests and limits.
   *
   * @default - requests 10m CPU and 32Mi memory, limit 128Mi memory
   */
  readonly resources?: kplus.ContainerResources;
}

/**
 * A sidecar for `SidecarPod.addSidecar`: one of the presets or any container.
 */
export class Sidecar {
  /**
   * nginx (unprivileged build) terminating TLS with the certificate of a Secret and proxying plain HTTP to the
   * app on `127.0.0.1`: the book's "adding HTTPS to a legacy service". The config is
   * `NginxConfig.tlsProxy` (TLS 1.2+, ECDHE+AEAD ciphers, X-Forwarded-* headers).
   */
  public static httpsTerminator(options: HttpsTerminatorOptions): Sidecar {
    return new Sidecar('https', options);
  }

  /**
   * git-sync keeping a git repository checked out in a volume the app reads: the book's "dynamic
   * configuration" sidecar.
   */
  public static configSync(options: ConfigSyncOptions): Sidecar {
    return new Sidecar('git', options);
  }

  /**
   * A process inspector: per-process CPU, memory, threads and open files of every container of the pod, as
   * Prometheus metrics (process-exporter, a maintained successor of the book's topz). Turns on
   * `shareProcessNamespace`, so it sees the other containers' processes.
   */
  public static processInspector(options: ProcessInspectorOptions = {}): Sidecar {
    return new Sidecar('inspector', options);
  }

  /** Any container, run with the pod's restricted security context. */
  public static container(options: SidecarContainerOptions): Sidecar {
    return new Sidecar('container', options);
  }

  private constructor(
    /** @internal */ public readonly _kind: string,
    /** @internal */ public readonly _options: any) {}
}

/**
 * What `SidecarPod.addSidecar` added.
 */
export interface AddedSidecar {
  /** The sidecar container. */
  readonly container: kplus.Container;
  /**
   * An init container that runs first (git-sync's initial clone).
   *
   * @default - none
   */
  readonly initContainer?: kplus.Container;
  /**
   * The ConfigMap holding its rendered config.
   *
   * @default - none
   */
  readonly configMap?: kplus.ConfigMap;
  /** The pod volumes it added (config, secret, shared and writable volumes). */
  readonly volumes: kplus.Volume[];
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
  /** The app container's image, pinned to a tag or digest. */
  readonly image: string;
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
   * The port the app listens on.
   *
   * @default - none
   */
  readonly port?: number;
  /**
   * The name of the app's port.
   *
   * @default "http"
   */
  readonly portName?: string;
  /**
   * The app's entrypoint.
   *
   * @default - the image's
   */
  readonly command?: string[];
  /**
   * The app's arguments.
   *
   * @default - the image's
   */
  readonly args?: string[];
  /**
   * Plain environment variables of the app.
   *
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /**
   * The non-root uid the app runs as (Pod Security `restricted` forbids root: an image that runs as root must
   * be rebuilt or be able to run as this uid).
   *
   * @default 1000
   */
  readonly uid?: number;
  /**
   * The app's gid; also the pod's `fsGroup`, so every container can use the shared volumes.
   *
   * @default - the uid
   */
  readonly gid?: number;
  /**
   * The app's resource requests and limits.
   *
   * @default - requests 100m CPU and 128Mi memory, limits 1 CPU and 512Mi memory
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * The app's readiness probe.
   *
   * @default - a TCP probe on `port` when given, else none
   */
  readonly readiness?: kplus.Probe;
  /**
   * The app's liveness probe.
   *
   * @default - none
   */
  readonly liveness?: kplus.Probe;
  /**
   * Paths the app writes to (an emptyDir each: the root filesystem is read-only).
   *
   * @default ['/tmp']
   */
  readonly writableDirs?: string[];
  /**
   * Shared volumes of the pod (more with `addSharedVolume`).
   *
   * @default - none
   */
  readonly volumes?: SharedVolume[];
  /**
   * Shared volumes the app mounts.
   *
   * @default - none
   */
  readonly mounts?: SharedMount[];
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
}

/** A port some container of the pod listens on. */
interface PortClaim {
  readonly container: string;
  readonly name: string;
  readonly number: number;
  expose: boolean;
  readonly servicePort: number;
}

/** The spec of one container, before it is added. */
interface ContainerSpec {
  readonly name: string;
  readonly prop: string;
  readonly image: string;
  readonly uid: number;
  readonly gid: number;
  readonly command?: string[];
  readonly args?: string[];
  readonly env?: { [name: string]: kplus.EnvValue };
  /** Ports: `declare: false` claims a port bound to 127.0.0.1 without listing it as a containerPort. */
  readonly ports?: Array<PortClaim & { declare?: boolean }>;
  readonly mounts?: SharedMount[];
  readonly volumeMounts?: Array<{ path: string; volume: kplus.Volume }>;
  readonly writableDirs?: string[];
  readonly resources: kplus.ContainerResources;
  readonly readiness?: kplus.Probe;
  readonly liveness?: kplus.Probe;
  readonly init?: boolean;
}

const IANA_SVC_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9]|-(?!-))*[a-z0-9]$|^[a-z]$/;

function resources(cpuRequest: number, memRequest: number, memLimit: number, cpuLimit?: number): kplus.ContainerResources {
  return {
    cpu: { request: kplus.Cpu.millis(cpuRequest), limit: cpuLimit === undefined ? undefined : kplus.Cpu.millis(cpuLimit) },
    memory: { request: Size.mebibytes(memRequest), limit: Size.mebibytes(memLimit) },
  };
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
export class SidecarPod extends Construct {
  /** The base name of the objects (Deployment, Service, ConfigMaps). */
  public readonly name: string;
  /** The Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The app container. */
  public readonly app: kplus.Container;
  /** The labels that select the pods. */
  public readonly selector: { [key: string]: string };
  /**
   * The PodDisruptionBudget (only with more than one replica).
   *
   * @default - none
   */
  public readonly podDisruptionBudget?: kplus.k8s.KubePodDisruptionBudget;

  private readonly labels: { [key: string]: string };
  private readonly images?: ImageOverrides;
  private readonly appPort?: number;
  private readonly shareProcessNamespaceProp?: boolean;
  private readonly claims: PortClaim[] = [];
  private readonly containerNames: string[] = [];
  private readonly mountPaths = new Map<string, Set<string>>();
  private readonly sharedVolumes = new Map<string, { volume: kplus.Volume; mountedBy: string[] }>();
  private readonly configMaps: kplus.ConfigMap[] = [];
  private sharesProcessNamespace = false;
  private exposed?: kplus.Service;

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: SidecarPodProps) {
    super(scope, id);
    this.name = ResourceNames.baseName(this, props.name);
    ContainerImages.checkPinned(this, 'image', props.image);
    const replicas = PropCheck.integer(this, 'replicas', 1, 1000, 1, props.replicas);
    const uid = PropCheck.integer(this, 'uid', 1, 2147483647, 1000, props.uid);
    const gid = PropCheck.integer(this, 'gid', 0, 2147483647, uid, props.gid);
    this.images = props.images;
    this.shareProcessNamespaceProp = props.shareProcessNamespace;
    this.appPort = props.port === undefined ? undefined : PropCheck.integer(this, 'port', 1, 65535, 0, props.port);
    this.selector = RecommendedLabels.selector({ name: this.name, instance: this.name, component: 'server' });
    this.labels = RecommendedLabels.of({ name: this.name, instance: this.name, component: 'server', partOf: 'sidecar-pod' });

    this.deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: { name: this.name, labels: this.labels },
      replicas,
      strategy: props.strategy,
      select: false,
      securityContext: RestrictedSecurity.podSecurityContext(uid, gid),
    });
    RecommendedLabels.applyTo(this.deployment, this.labels, this.selector);
    RestrictedSecurity.applySeccomp(this.deployment);

    for (const v of props.volumes ?? []) this.addSharedVolume(v.name, { sizeLimit: v.sizeLimit, memory: v.memory });

    const appName = props.appContainerName ?? 'app';
    this.app = this.addRestricted({
      name: appName,
      prop: 'appContainerName',
      image: props.image,
      uid,
      gid,
      command: props.command,
      args: props.args,
      env: plainEnv(props.env),
      ports: this.appPort === undefined ? [] : [{
        container: appName, name: props.portName ?? 'http', number: this.appPort, expose: true, servicePort: this.appPort,
      }],
      mounts: props.mounts,
      writableDirs: props.writableDirs ?? ['/tmp'],
      resources: props.resources ?? resources(100, 128, 512, 1000),
      readiness: this.appPort === undefined
        ? props.readiness
        : withDefaultPort(props.readiness ?? kplus.Probe.fromTcpSocket({ port: this.appPort }), this.appPort),
      liveness: this.appPort === undefined ? props.liveness : withDefaultPort(props.liveness, this.appPort),
    }).container;

    if (props.shareProcessNamespace) this.enableShareProcessNamespace();
    this.podDisruptionBudget = Availability.apply(this, this.deployment, { replicas, selector: this.selector, name: this.name, labels: this.labels });

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
    ResourceNames.checkDnsLabel(this, 'volumes.name', name);
    if (this.sharedVolumes.has(name)) throw propError(this, 'volumes.name', 'unique among the shared volumes', name);
    const volume = kplus.Volume.fromEmptyDir(this, `SharedVolume-${name}`, name, {
      sizeLimit: options.sizeLimit,
      medium: options.memory ? kplus.EmptyDirMedium.MEMORY : undefined,
    });
    this.sharedVolumes.set(name, { volume, mountedBy: [] });
    return volume;
  }

  /**
   * Adds a sidecar (a preset or `Sidecar.container`) and returns what it added. Call it before
   * `exposeViaService`.
   */
  public addSidecar(sidecar: Sidecar): AddedSidecar {
    if (this.exposed) throw new Error(`${PropCheck.where(this)}: addSidecar() must come before exposeViaService(): the Service's ports are fixed when it is made`);
    const o = sidecar._options ?? {};
    switch (sidecar._kind) {
      case 'https': return this.addHttpsTerminator(o as HttpsTerminatorOptions);
      case 'git': return this.addConfigSync(o as ConfigSyncOptions);
      case 'inspector': return this.addProcessInspector(o as ProcessInspectorOptions);
      case 'container': return this.addCustom(o as SidecarContainerOptions);
      default: throw new Error(`unknown sidecar kind '${sidecar._kind}'`);
    }
  }

  /**
   * Makes a Service for the pods. By default it exposes the ports marked to be exposed: with an HTTPS
   * terminator that is its HTTPS port (and redirect port), not the app's plain port.
   */
  public exposeViaService(options: SidecarPodServiceOptions = {}): kplus.Service {
    if (this.exposed) throw new Error(`${PropCheck.where(this)}: exposeViaService() was already called`);
    let claims: PortClaim[];
    if (options.ports !== undefined) {
      if (options.ports.length === 0) throw propError(this, 'ports', 'at least one container port', options.ports);
      claims = options.ports.map((p) => {
        const claim = this.claims.find((c) => c.number === p);
        if (!claim) throw propError(this, 'ports', `container ports of the pod (${this.claims.map((c) => c.number).join(', ') || 'none'})`, p);
        return claim;
      });
    } else {
      claims = this.claims.filter((c) => c.expose);
      if (claims.length === 0) throw propError(this, 'ports', 'given: no container port is marked to be exposed', options.ports);
    }
    const servicePorts = new Set<number>();
    for (const c of claims) {
      if (servicePorts.has(c.servicePort)) throw propError(this, 'ports', `ports with distinct Service ports (${c.servicePort} is taken twice)`, options.ports ?? claims.map((x) => x.number));
      servicePorts.add(c.servicePort);
    }
    this.exposed = new kplus.Service(this, 'Service', {
      metadata: { name: this.name, labels: this.labels },
      type: options.serviceType ?? kplus.ServiceType.CLUSTER_IP,
      selector: kplus.Pods.select(this, 'ServicePods', { labels: this.selector }),
      ports: claims.map((c) => ({ name: c.name, port: c.servicePort, targetPort: c.number })),
    });
    return this.exposed;
  }

  // -------------------------------------------------------------------------------------------------------------
  // presets

  private addHttpsTerminator(o: HttpsTerminatorOptions): AddedSidecar {
    const containerName = this.checkNewContainer('containerName', o.containerName ?? 'https');
    if (!o.secret) throw propError(this, 'secret', 'a kubernetes.io/tls Secret with tls.crt and tls.key (the HTTPS terminator needs a certificate)', o.secret);
    const appPort = o.appPort ?? this.appPort;
    if (appPort === undefined) throw propError(this, 'appPort', 'the app port to proxy to (the pod has no \'port\')', appPort);
    if (!this.claims.some((c) => c.container === this.app.name && c.number === appPort)) {
      throw propError(this, 'appPort', `a port of the app container (${this.claims.filter((c) => c.container === this.app.name).map((c) => c.number).join(', ') || 'none'})`, appPort);
    }
    const httpsPort = PropCheck.integer(this, 'port', 1024, 65535, NginxConfig.DEFAULT_HTTPS_PORT, o.port);
    const servicePort = PropCheck.integer(this, 'servicePort', 1, 65535, 443, o.servicePort);
    const redirect = o.redirectHttpPort === undefined ? undefined : PropCheck.integer(this, 'redirectHttpPort', 1024, 65535, 0, o.redirectHttpPort);
    const user = ContainerImages.user(ImageKey.NGINX);
    const text = NginxConfig.tlsProxy({
      upstreamHost: '127.0.0.1',
      upstreamPort: appPort,
      httpsPort,
      redirectHttpPort: redirect,
      publicHttpsPort: servicePort,
      minTlsVersion: o.minTlsVersion,
      hstsMaxAge: o.hstsMaxAge,
    });
    const configMap = this.addConfigMap(containerName, { [NginxConfig.CONFIG_FILE_NAME]: text });
    const configVolume = kplus.Volume.fromConfigMap(this, `${containerName}-config-volume`, configMap, { name: volumeName(containerName, 'config') });
    const tlsVolume = kplus.Volume.fromSecret(this, `${containerName}-tls-volume`, o.secret, { name: volumeName(containerName, 'tls'), defaultMode: 0o440 });
    const ports: PortClaim[] = [{ container: containerName, name: 'https', number: httpsPort, expose: true, servicePort }];
    if (redirect !== undefined) ports.push({ container: containerName, name: 'http-redirect', number: redirect, expose: true, servicePort: 80 });
    const added = this.addRestricted({
      name: containerName,
      prop: 'containerName',
      image: ContainerImages.resolve(this, ImageKey.NGINX, this.images),
      uid: user.uid,
      gid: user.gid,
      command: NginxConfig.command(),
      ports,
      volumeMounts: [{ path: NginxConfig.CONFIG_DIR, volume: configVolume }, { path: NginxConfig.TLS_DIR, volume: tlsVolume }],
      writableDirs: [NginxConfig.DEFAULT_RUN_DIR],
      resources: o.resources ?? resources(50, 32, 128),
      readiness: kplus.Probe.fromTcpSocket({ port: httpsPort }),
    });
    // The terminator fronts the app: the app's plain port is no longer exposed by default.
    for (const c of this.claims) if (c.container === this.app.name && c.number === appPort) c.expose = false;
    return { container: added.container, configMap, volumes: [configVolume, tlsVolume, ...added.volumes] };
  }

  private addConfigSync(o: ConfigSyncOptions): AddedSidecar {
    const containerName = this.checkNewContainer('containerName', o.containerName ?? 'config-sync');
    if (o.initialSync ?? true) this.checkNewContainer('containerName', `${containerName}-init`);
    const repo = o.repository;
    if (typeof repo !== 'string' || !/^((https?|ssh|git|file):\/\/\S+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:\S+)$/.test(repo)) {
      throw propError(this, 'repository', 'a git repository URL (https://…, ssh://…, git@host:path or file://…)', repo);
    }
    const ref = o.ref ?? 'HEAD';
    if (typeof ref !== 'string' || !/^[A-Za-z0-9._/@^~{}-]+$/.test(ref)) throw propError(this, 'ref', 'a branch, tag or commit', ref);
    const periodMs = (o.period ?? Duration.seconds(60)).toMilliseconds();
    if (!Number.isInteger(periodMs) || periodMs < 1000 || periodMs % 1000 !== 0) throw propError(this, 'period', 'a whole number of seconds, at least 1', `${periodMs}ms`);
    const depth = PropCheck.integer(this, 'depth', 0, 1000000, 1, o.depth);
    const link = o.link ?? 'current';
    ResourceNames.checkDnsLabel(this, 'link', link);
    const mountPath = checkPath(this, 'mountPath', o.mountPath ?? '/config');
    if (o.webhookUrl !== undefined && (typeof o.webhookUrl !== 'string' || !/^https?:\/\/\S+$/.test(o.webhookUrl))) {
      throw propError(this, 'webhookUrl', 'an http:// or https:// URL', o.webhookUrl);
    }
    const creds = o.credentials;
    if (creds?._kind === 'ssh' && /^https?:\/\//.test(repo)) throw propError(this, 'credentials', 'GitCredentials.basicAuth(...) for an http(s) repository', 'GitCredentials.sshKey(...)');
    if (creds?._kind === 'basic' && !/^https?:\/\//.test(repo)) throw propError(this, 'credentials', 'GitCredentials.sshKey(...) for a repository that is not http(s)', 'GitCredentials.basicAuth(...)');

    const user = ContainerImages.user(ImageKey.GIT_SYNC);
    const image = ContainerImages.resolve(this, ImageKey.GIT_SYNC, this.images);
    const volume = this.addSharedVolume(containerName, { sizeLimit: o.sizeLimit ?? Size.mebibytes(256) });
    const args = [`--repo=${repo}`, `--ref=${ref}`, `--period=${periodMs / 1000}s`, '--root=/git', `--link=${link}`, `--depth=${depth}`];
    const hook = o.webhookUrl === undefined ? [] : [`--webhook-url=${o.webhookUrl}`];
    const env: { [name: string]: kplus.EnvValue } = {};
    const volumeMounts: Array<{ path: string; volume: kplus.Volume }> = [];
    const volumes: kplus.Volume[] = [volume];
    if (creds?._kind === 'basic') {
      env.GITSYNC_USERNAME = kplus.EnvValue.fromSecretValue({ secret: creds._secret, key: creds._key1 });
      env.GITSYNC_PASSWORD = kplus.EnvValue.fromSecretValue({ secret: creds._secret, key: creds._key2 });
    } else if (creds?._kind === 'ssh') {
      const secretVolume = kplus.Volume.fromSecret(this, `${containerName}-ssh-volume`, creds._secret, {
        name: volumeName(containerName, 'ssh'),
        defaultMode: 0o440,
        items: { [creds._key1]: { path: 'ssh' }, [creds._key2]: { path: 'known_hosts' } },
      });
      volumeMounts.push({ path: '/etc/git-secret', volume: secretVolume });
      volumes.push(secretVolume);
      args.push('--ssh-key-file=/etc/git-secret/ssh', '--ssh-known-hosts=true', '--ssh-known-hosts-file=/etc/git-secret/known_hosts');
    }
    const res = o.resources ?? resources(10, 32, 256);
    let initContainer: kplus.Container | undefined;
    if (o.initialSync ?? true) {
      initContainer = this.addRestricted({
        name: `${containerName}-init`,
        prop: 'containerName',
        image,
        uid: user.uid,
        gid: user.gid,
        init: true,
        args: [...args, '--one-time'],
        env,
        mounts: [{ volume: containerName, path: '/git' }],
        volumeMounts,
        writableDirs: ['/tmp'],
        resources: res,
      }).container;
    }
    const added = this.addRestricted({
      name: containerName,
      prop: 'containerName',
      image,
      uid: user.uid,
      gid: user.gid,
      args: [...args, ...hook],
      env,
      mounts: [{ volume: containerName, path: '/git' }],
      volumeMounts,
      writableDirs: ['/tmp'],
      resources: res,
    });
    this.mountShared(this.app, 'mountPath', { volume: containerName, path: mountPath, readOnly: true });
    return { container: added.container, initContainer, volumes: [...volumes, ...added.volumes] };
  }

  private addProcessInspector(o: ProcessInspectorOptions): AddedSidecar {
    const containerName = this.checkNewContainer('containerName', o.containerName ?? 'process-inspector');
    if (this.shareProcessNamespaceProp === false) {
      throw propError(this, 'shareProcessNamespace', 'true or unset with Sidecar.processInspector() (it inspects the other containers\' processes)', false);
    }
    const port = PropCheck.integer(this, 'port', 1024, 65535, 9256, o.port);
    const expose = o.expose ?? false;
    const user = ContainerImages.user(ImageKey.PROCESS_EXPORTER);
    // One group per command name: every process of every container, like top.
    const configMap = this.addConfigMap(containerName, {
      'config.yml': [
        'process_names:',
        '  - name: "{{.Comm}}"',
        '    cmdline:',
        "      - '.+'",
        '',
      ].join('\n'),
    });
    const configVolume = kplus.Volume.fromConfigMap(this, `${containerName}-config-volume`, configMap, { name: volumeName(containerName, 'config') });
    const added = this.addRestricted({
      name: containerName,
      prop: 'containerName',
      image: ContainerImages.resolve(this, ImageKey.PROCESS_EXPORTER, this.images),
      uid: user.uid,
      gid: user.gid,
      args: ['-config.path=/etc/process-exporter/config.yml', `-web.listen-address=${expose ? '' : '127.0.0.1'}:${port}`, '-children=false'],
      ports: [{ container: containerName, name: 'metrics', number: port, expose, servicePort: port, declare: expose }],
      volumeMounts: [{ path: '/etc/process-exporter', volume: configVolume }],
      writableDirs: [],
      resources: o.resources ?? resources(10, 32, 128),
    });
    this.enableShareProcessNamespace();
    return { container: added.container, configMap, volumes: [configVolume, ...added.volumes] };
  }

  private addCustom(o: SidecarContainerOptions): AddedSidecar {
    ContainerImages.checkPinned(this, 'image', o.image);
    const uid = PropCheck.integer(this, 'uid', 1, 2147483647, 0, o.uid);
    const gid = PropCheck.integer(this, 'gid', 0, 2147483647, uid, o.gid);
    const ports = (o.ports ?? []).map((p) => ({
      container: o.name,
      name: p.name,
      number: p.number,
      expose: p.expose ?? false,
      servicePort: PropCheck.integer(this, 'servicePort', 1, 65535, p.number, p.servicePort),
    }));
    const added = this.addRestricted({
      name: o.name,
      prop: 'name',
      image: o.image,
      uid,
      gid,
      command: o.command,
      args: o.args,
      env: plainEnv(o.env),
      ports,
      mounts: o.mounts,
      writableDirs: o.writableDirs ?? ['/tmp'],
      resources: o.resources ?? resources(10, 32, 128),
      readiness: o.readiness,
      liveness: o.liveness,
    });
    return { container: added.container, volumes: added.volumes };
  }

  // -------------------------------------------------------------------------------------------------------------
  // plumbing

  /** Checks that `name` is a valid container name no container of the pod has yet. */
  private checkNewContainer(prop: string, name: string): string {
    ResourceNames.checkDnsLabel(this, prop, name);
    if (this.containerNames.includes(name)) {
      throw propError(this, prop, `unique among the pod's containers (${this.containerNames.join(', ')})`, name);
    }
    return name;
  }

  /** Checks the spec against the pod (names, ports, mounts) and adds the container with restricted contexts. */
  private addRestricted(spec: ContainerSpec): { container: kplus.Container; volumes: kplus.Volume[] } {
    this.checkNewContainer(spec.prop, spec.name);
    const portNames = new Set<string>();
    for (const p of spec.ports ?? []) {
      PropCheck.integer(this, 'port', 1, 65535, 0, p.number);
      if (typeof p.name !== 'string' || p.name.length > 15 || !IANA_SVC_NAME.test(p.name)) {
        throw propError(this, 'ports.name', 'an IANA service name (at most 15 characters: lowercase letters, digits and single \'-\', with a letter)', p.name);
      }
      const taken = this.claims.find((c) => c.number === p.number) ?? (spec.ports ?? []).find((q) => q !== p && q.number === p.number);
      if (taken) {
        throw propError(this, 'port', `a port no other container of the pod listens on (the containers share one network; container '${taken.container}' has ${p.number})`, p.number);
      }
      const named = this.claims.find((c) => c.name === p.name);
      if (named || portNames.has(p.name)) {
        throw propError(this, 'ports.name', `unique in the pod (container '${named?.container ?? spec.name}' has a port named '${p.name}')`, p.name);
      }
      portNames.add(p.name);
    }
    const paths = new Set<string>();
    const addPath = (prop: string, path: string) => {
      checkPath(this, prop, path);
      if (paths.has(path)) throw propError(this, prop, `a path mounted once in container '${spec.name}'`, path);
      paths.add(path);
    };
    for (const m of spec.mounts ?? []) {
      if (!this.sharedVolumes.has(m.volume)) throw propError(this, 'mounts.volume', `a shared volume of the pod (${[...this.sharedVolumes.keys()].join(', ') || 'none'})`, m.volume);
      addPath('mounts.path', m.path);
    }
    for (const m of spec.volumeMounts ?? []) addPath('mounts.path', m.path);
    for (const w of spec.writableDirs ?? []) addPath('writableDirs', w);

    const props: kplus.ContainerProps = {
      name: spec.name,
      image: spec.image,
      command: spec.command,
      args: spec.args,
      envVariables: spec.env,
      ports: (spec.ports ?? []).filter((p) => p.declare ?? true).map((p) => ({ number: p.number, name: p.name })),
      resources: spec.resources,
      readiness: spec.readiness,
      liveness: spec.liveness,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    };
    const user = { uid: spec.uid, gid: spec.gid };
    const container = spec.init
      ? RestrictedSecurity.addInitContainer(this.deployment, props, user)
      : RestrictedSecurity.addContainer(this.deployment, props, user);
    this.containerNames.push(spec.name);
    this.mountPaths.set(spec.name, paths);
    for (const p of spec.ports ?? []) {
      this.claims.push({ container: p.container, name: p.name, number: p.number, expose: p.expose, servicePort: p.servicePort });
    }
    for (const m of spec.mounts ?? []) {
      container.mount(m.path, this.sharedVolumes.get(m.volume)!.volume, { readOnly: m.readOnly ?? false });
      this.sharedVolumes.get(m.volume)!.mountedBy.push(spec.name);
    }
    for (const m of spec.volumeMounts ?? []) container.mount(m.path, m.volume, { readOnly: true });
    const volumes = RestrictedSecurity.addWritableDirs(this.deployment, container, { paths: spec.writableDirs ?? [] });
    return { container, volumes };
  }

  /** Mounts a shared volume into an existing container (checked like the container's own mounts). */
  private mountShared(container: kplus.Container, prop: string, m: SharedMount) {
    const paths = this.mountPaths.get(container.name)!;
    checkPath(this, prop, m.path);
    if (paths.has(m.path)) throw propError(this, prop, `a path mounted once in container '${container.name}'`, m.path);
    paths.add(m.path);
    container.mount(m.path, this.sharedVolumes.get(m.volume)!.volume, { readOnly: m.readOnly ?? false });
    this.sharedVolumes.get(m.volume)!.mountedBy.push(container.name);
  }

  private addConfigMap(containerName: string, data: { [key: string]: string }): kplus.ConfigMap {
    const cm = new kplus.ConfigMap(this, `${containerName}-config`, {
      metadata: { name: `${this.name}-${containerName}`, labels: this.labels },
      data,
    });
    this.configMaps.push(cm);
    // Re-annotating replaces the annotation: the last call covers every ConfigMap.
    ConfigChecksum.annotate(this.deployment, this.configMaps);
    return cm;
  }

  private enableShareProcessNamespace() {
    if (this.sharesProcessNamespace) return;
    this.sharesProcessNamespace = true;
    ApiObject.of(this.deployment).addJsonPatch(JsonPatch.add('/spec/template/spec/shareProcessNamespace', true));
  }
}

/**
 * `probe`, with the app's port as the default port of an HTTP GET or TCP probe that names none. (cdk8s-plus
 * falls back to the container's `portNumber`, else 80; the container here declares its port through `ports`,
 * which cdk8s-plus does not consult, and `portNumber` would also add a default startup probe.)
 */
function withDefaultPort(probe: kplus.Probe | undefined, port: number): kplus.Probe | undefined {
  if (probe === undefined) return undefined;
  const wrapped = Object.create(probe) as kplus.Probe;
  (wrapped as any)._toKube = (container: kplus.Container) => probe._toKube(new Proxy(container, {
    get: (target, key) => (key === 'portNumber' ? port : (target as any)[key]),
  }));
  return wrapped;
}

function plainEnv(env?: { [name: string]: string }): { [name: string]: kplus.EnvValue } | undefined {
  if (env === undefined) return undefined;
  const out: { [name: string]: kplus.EnvValue } = {};
  for (const k of Object.keys(env).sort()) out[k] = kplus.EnvValue.fromValue(env[k]);
  return out;
}

function checkPath(scope: Construct, prop: string, path: string): string {
  if (typeof path !== 'string' || !/^\/[^\s:]*$/.test(path) || path.split('/').includes('..')) {
    throw propError(scope, prop, 'an absolute path without spaces, \':\' or \'..\'', path);
  }
  return path;
}

/** `<container>-<suffix>`, cut to a DNS label. */
function volumeName(container: string, suffix: string): string {
  return `${container.slice(0, 62 - suffix.length).replace(/-+$/, '')}-${suffix}`;
}
