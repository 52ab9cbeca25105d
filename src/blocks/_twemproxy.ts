import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { throwFirstPropProblem } from '../config/_problems';
import { TwemproxyConfig } from '../config/twemproxy';
import { resourcesOr } from '../core/_resources';
import { ConfigChecksum } from '../core/checksum';
import { PropCheck } from '../core/errors';
import { ContainerImages, ImageKey } from '../core/images';
import { ResourceNames } from '../core/names';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';
import { TwemproxyHash } from '../hashing/hash-functions';
import * as line from '../line';

// Internal: the twemproxy container shared by AmbassadorShardedRedis, ShardedCache's ambassador mode and its
// shared proxy tier. Not exported from the package index.

export const TWEMPROXY_CONFIG_DIR = '/etc/nutcracker';
export const TWEMPROXY_TEMPLATE_DIR = '/etc/nutcracker-template';
export const TWEMPROXY_CONFIG_FILE = 'nutcracker.yml';
/** Where the config renderer mounts the Secret holding the password, and the password's file. */
export const TWEMPROXY_SECRET_DIR = '/run/secrets/redis-auth';
export const TWEMPROXY_PASSWORD_FILE = `${TWEMPROXY_SECRET_DIR}/password`;

/** The twemproxy knobs AmbassadorShardedRedis and ShardedCache share (their defaults differ). */
export interface TwemproxyPoolProps {
  readonly hash?: TwemproxyHash;
  readonly hashTag?: string;
  readonly timeout?: Duration;
  readonly serverRetryTimeout?: Duration;
  readonly serverFailureLimit?: number;
  readonly autoEjectHosts?: boolean;
  readonly statsPort?: number;
}

/**
 * A port twemproxy listens on: it runs as a non-root user with every capability dropped, so it cannot bind a port
 * below 1024 (unless the node lowers `net.ipv4.ip_unprivileged_port_start`, which the library cannot know).
 */
export function checkTwemproxyPort(scope: Construct, prop: string, defaultValue: number, value?: number): number {
  const port = PropCheck.integer(scope, prop, 1, 65535, defaultValue, value);
  if (port < 1024) throw propError(scope, prop, 'a port from 1024 to 65535 (twemproxy runs as a non-root user without capabilities, which cannot bind a lower port)', port);
  return port;
}

/**
 * Checks the shared twemproxy props of `scope` by the renderer's own rules (the listen port, already checked, is
 * `listenPort`, set by the prop `listenPortProp`); returns the stats port. `props.autoEjectHosts` is the value the
 * construct renders (its default applied).
 */
export function checkTwemproxyPoolProps(scope: Construct, props: TwemproxyPoolProps, listenPortProp: string, listenPort: number): number {
  throwFirstPropProblem(scope, TwemproxyConfig._problems({
    hash: props.hash,
    hashTag: props.hashTag,
    timeout: props.timeout,
    serverRetryTimeout: props.serverRetryTimeout,
    serverFailureLimit: props.serverFailureLimit,
    autoEjectHosts: props.autoEjectHosts,
  }));
  // twemproxy reads server_failure_limit and server_retry_timeout only to eject a shard (nc_server.c returns early
  // without auto_eject_hosts): set without ejection they would say something the pool does not do.
  if (props.autoEjectHosts === false) {
    for (const prop of ['serverFailureLimit', 'serverRetryTimeout'] as const) {
      const value = props[prop];
      if (value !== undefined) {
        throw propError(scope, prop, 'unset when \'autoEjectHosts\' is false (twemproxy uses it only to eject a failing shard; without ejection a down shard\'s requests fail and its keys never move)',
          value instanceof Duration ? `${value.toMilliseconds()}ms` : value);
      }
    }
  }
  const statsPort = checkTwemproxyPort(scope, 'statsPort', 22222, props.statsPort);
  if (statsPort === listenPort) throw propError(scope, 'statsPort', `different from '${listenPortProp}' (${listenPort})`, statsPort);
  return statsPort;
}

export interface TwemproxySidecarOptions {
  /** The construct that owns the proxy (for volume ids and error messages). */
  readonly owner: Construct;
  /** Base name for volume names. */
  readonly baseName: string;
  /** The workload to add the container to. */
  readonly workload: kplus.AbstractPod;
  readonly containerName: string;
  readonly image: string;
  readonly config: kplus.ConfigMap;
  /** Ports the proxy listens on (for the clash check). */
  readonly listenPort: number;
  /** The prop that sets `listenPort`, for messages. */
  readonly listenPortProp: string;
  readonly statsPort: number;
  /** Serve stats on the pod IP (and declare the port). */
  readonly exposeStats: boolean;
  /** Declare the listen port as a container port named after the protocol (shared tier). */
  readonly exposeListen?: string;
  /**
   * The proxy runs beside the user's app (an ambassador): through the line adapter, a native sidecar on a line that
   * has them (started before the app, stopped after it, never blocking a Job's completion), a regular container on
   * the 1.27 line. Else (the shared tier) it is its pod's main container on every line.
   */
  readonly besideApp: boolean;
  /** With a password: the Secret key and the image whose `sh`/`awk` renders the config. */
  readonly password?: kplus.SecretValue;
  readonly renderImage?: string;
  /** An id unique within `owner`. */
  readonly id: string;
  /** The proxy's resources (default: CPU 50m–500m, memory 32Mi–128Mi). */
  readonly resources?: kplus.ContainerResources;
  /** The config-render init container's resources (default: CPU 10m–100m, memory 8Mi–32Mi). */
  readonly initResources?: kplus.ContainerResources;
}

/** The default resources of the proxy in a client pod (the ambassador). */
export const AMBASSADOR_RESOURCES = { cpu: ['50m', '500m'], memory: ['32Mi', '128Mi'] } as const;
/** The default resources of the init container that writes the password into the config. */
export const AUTH_INIT_RESOURCES = { cpu: ['10m', '100m'], memory: ['8Mi', '32Mi'] } as const;

/** The ConfigMap `<baseName>-twemproxy` holding `nutcracker.yml`. */
export function twemproxyConfigMap(scope: Construct, baseName: string, labels: { [key: string]: string }, text: string): kplus.ConfigMap {
  return new kplus.ConfigMap(scope, 'Config', {
    metadata: { name: `${baseName}-twemproxy`, labels },
    data: { [TWEMPROXY_CONFIG_FILE]: text },
  });
}

/**
 * Adds the twemproxy container (and, with a password, its config-render init container, before it). Returns it.
 */
export function addTwemproxySidecar(o: TwemproxySidecarOptions): kplus.Container {
  const { owner, workload } = o;
  ResourceNames.checkDnsLabel(owner, 'containerName', o.containerName);
  for (const c of [...workload.containers, ...workload.initContainers]) {
    if (c.name === o.containerName) throw propError(owner, 'containerName', `a name no container of '${workload.node.path}' has`, o.containerName);
    for (const p of c.ports) {
      if (p.number === o.listenPort || p.number === o.statsPort) {
        throw propError(owner, p.number === o.listenPort ? o.listenPortProp : 'statsPort', `a port no container of '${workload.node.path}' uses (container '${c.name}' has it)`, p.number);
      }
    }
  }
  const user = ContainerImages.user(ImageKey.TWEMPROXY);
  const volumeName = (suffix: string) => `${o.baseName}-${suffix}`.slice(0, 63).replace(/-+$/, '');
  const template = kplus.Volume.fromConfigMap(owner, `${o.id}ConfigVolume`, o.config, { name: volumeName('twemproxy') });
  const ports: kplus.ContainerPort[] = [];
  if (o.exposeListen) ports.push({ number: o.listenPort, name: o.exposeListen });
  if (o.exposeStats) ports.push({ number: o.statsPort, name: 'stats' });
  // With a password, the config-render init container comes first: on a line with native sidecars the ambassador
  // is an init container too, and one started after it would wait for it while it waits for the rendered config.
  const init = o.password ? addAuthRenderer(o, user, volumeName('redis-auth')) : undefined;
  const props: kplus.ContainerProps = {
    name: o.containerName,
    image: o.image,
    command: [
      'nutcracker',
      '--conf-file', `${TWEMPROXY_CONFIG_DIR}/${TWEMPROXY_CONFIG_FILE}`,
      '--stats-addr', o.exposeStats ? '0.0.0.0' : '127.0.0.1',
      '--stats-port', `${o.statsPort}`,
      '--verbose', '5',
    ],
    ports: ports.length > 0 ? ports : undefined,
    readiness: o.exposeListen ? kplus.Probe.fromTcpSocket({ port: o.listenPort }) : undefined,
    liveness: o.exposeListen ? kplus.Probe.fromTcpSocket({ port: o.listenPort }) : undefined,
    startup: o.exposeListen ? kplus.Probe.fromTcpSocket({ port: o.listenPort }) : undefined,
    resources: resourcesOr(o.resources, AMBASSADOR_RESOURCES),
  };
  const securityOptions = { uid: user.uid, gid: user.gid };
  let container: kplus.Container;
  if (o.besideApp) {
    const placed = RestrictedSecurity._addSidecar(workload, props, securityOptions);
    containerSeccomp(workload, placed.list, placed.index);
    container = placed.container;
  } else {
    container = RestrictedSecurity.addContainer(workload, props, securityOptions);
    containerSeccomp(workload, 'containers', workload.containers.length - 1);
  }

  if (init) {
    // The password must not sit in a ConfigMap: the init container writes the config into a memory-backed
    // emptyDir that only the pod can read, filling `redis_auth` from the Secret.
    const rendered = kplus.Volume.fromEmptyDir(owner, `${o.id}RenderedConfig`, volumeName('twemproxy-auth'), { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: Size.mebibytes(1) });
    init.mount(TWEMPROXY_TEMPLATE_DIR, template, { readOnly: true });
    init.mount(TWEMPROXY_CONFIG_DIR, rendered);
    container.mount(TWEMPROXY_CONFIG_DIR, rendered, { readOnly: true });
  } else {
    container.mount(TWEMPROXY_CONFIG_DIR, template, { readOnly: true });
  }
  if (workload instanceof kplus.Workload) ConfigChecksum.annotate(workload, [o.config]);
  return container;
}

/**
 * The init container that writes `redis_auth` into the config (its config volumes mounted by the caller) from the
 * Secret mounted as a file in it alone: one key, mode 0444, because the pod may be the user's, whose fsGroup is
 * theirs to choose; no other container of the pod mounts it.
 */
function addAuthRenderer(o: TwemproxySidecarOptions, user: { uid: number; gid: number }, secretVolumeName: string): kplus.Container {
  const secret = o.password!;
  const init = RestrictedSecurity.addInitContainer(o.workload, {
    name: `${o.containerName}-config`.slice(0, 63),
    image: o.renderImage!,
    command: ['sh', '-c', `umask 077\n${TwemproxyConfig.authRenderScriptFromFile(`${TWEMPROXY_TEMPLATE_DIR}/${TWEMPROXY_CONFIG_FILE}`, `${TWEMPROXY_CONFIG_DIR}/${TWEMPROXY_CONFIG_FILE}`, TWEMPROXY_PASSWORD_FILE)}`],
    resources: resourcesOr(o.initResources, AUTH_INIT_RESOURCES),
  }, { uid: user.uid, gid: user.gid });
  containerSeccomp(o.workload, 'initContainers', o.workload.initContainers.length - 1);
  init.mount(TWEMPROXY_SECRET_DIR, kplus.Volume.fromSecret(o.owner, `${o.id}AuthSecret`, secret.secret, {
    name: secretVolumeName, items: { [secret.key]: { path: 'password' } }, defaultMode: 0o444,
  }), { readOnly: true });
  return init;
}

/**
 * The proxy may join a pod whose own security context we do not control: its containers carry seccomp
 * RuntimeDefault themselves.
 */
function containerSeccomp(workload: kplus.AbstractPod, list: line.ContainerList, index: number) {
  const obj = ApiObject.of(workload);
  obj.addJsonPatch(JsonPatch.add(`${RestrictedSecurity.podSpecPointer(obj.kind)}/${list}/${index}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }));
}
