import { Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { ResourceQuantities, resourcesOr } from '../core/_resources';
import { checkEnvNames, checkPinnedImage, checkResources } from '../core/_rules';
import { isPortName } from '../core/_syntax';
import { AppContainerProps } from '../core/app-container';
import { PropCheck } from '../core/errors';
import { withDefaultPort } from '../core/probe-port';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';

// Internal: `AppContainerProps` checked once (image, port, env, resources, uid/gid, paths) and turned into a
// restricted container. Each pattern states its own rules (a default port, whether readiness is required and why,
// env names it sets itself, default resources) and gets the same checks and messages as every other pattern.

/** What a pattern asks of the user's container. */
export interface AppContainerRules {
  /** The container's name in the pod. */
  readonly name: string;
  /** The port when the user gives none (undefined: no port unless given). */
  readonly defaultPort?: number;
  /** A port is required (the pattern routes to it); the reason completes the message. */
  readonly portRequired?: string;
  /** A readiness probe is required; the reason completes the message. */
  readonly readinessRequired?: string;
  /** With a port and no readiness probe: a TCP probe on the port. */
  readonly defaultTcpReadiness?: boolean;
  /** Env names the pattern sets itself. */
  readonly reservedEnv?: string[];
  /** Resources when the user gives none. */
  readonly defaultResources: ResourceQuantities;
  /** Image pull policy for the container. */
  readonly imagePullPolicy?: kplus.ImagePullPolicy;
}

/** A checked user container. */
export interface CheckedAppContainer {
  /** The container props (without the security context: `addAppContainer` sets it). */
  readonly props: kplus.ContainerProps;
  readonly uid: number;
  readonly gid: number;
  readonly port?: number;
  readonly portName: string;
  readonly writableDirs: string[];
}

/** Checks the user's container given as prop `prop` against the pattern's `rules`. */
export function checkAppContainer(scope: IConstruct, prop: string, c: AppContainerProps | undefined, rules: AppContainerRules): CheckedAppContainer {
  if (c === undefined || c === null || typeof c !== 'object') throw propError(scope, prop, 'your container ({ image, port, … }: AppContainerProps)', c);
  const at = (field: string) => `${prop}.${field}`;
  checkPinnedImage(scope, at('image'), c.image);
  const port = c.port === undefined ? rules.defaultPort : PropCheck.integer(scope, at('port'), 1, 65535, 0, c.port);
  if (port === undefined && rules.portRequired) throw propError(scope, at('port'), `the port the container listens on (${rules.portRequired})`, c.port);
  const portName = c.portName ?? 'http';
  if (!isPortName(portName)) throw propError(scope, at('portName'), 'an IANA service name (at most 15 characters: lowercase letters, digits and single \'-\', with a letter)', portName);
  for (const [field, list] of [['command', c.command], ['args', c.args]] as const) {
    if (list !== undefined && (!Array.isArray(list) || list.some((a) => typeof a !== 'string'))) throw propError(scope, at(field), 'a list of strings', list);
  }
  if (c.workingDir !== undefined) checkAbsolutePath(scope, at('workingDir'), c.workingDir);
  checkEnvNames(scope, at('env'), c.env, rules.reservedEnv);
  checkResources(scope, at('resources'), c.resources);
  const uid = PropCheck.integer(scope, at('uid'), 1, 2147483647, 1000, c.uid);
  const gid = PropCheck.integer(scope, at('gid'), 0, 2147483647, uid, c.gid);
  const writableDirs = c.writableDirs ?? ['/tmp'];
  if (!Array.isArray(writableDirs)) throw propError(scope, at('writableDirs'), 'a list of absolute paths', writableDirs);
  const seen = new Set<string>();
  const volumes = new Set<string>();
  for (const d of writableDirs) {
    checkAbsolutePath(scope, at('writableDirs'), d);
    if (d === '/') throw propError(scope, at('writableDirs'), 'directories other than \'/\' (the root filesystem stays read-only)', d);
    if (seen.has(d)) throw propError(scope, at('writableDirs'), 'paths given once each', d);
    seen.add(d);
    // Each dir's emptyDir is named after the container and the path, separators folded to '-' (RestrictedSecurity).
    const volume = `${rules.name}-${d.replace(/[^a-z0-9]+/gi, '-').replace(/^-+|-+$/g, '').toLowerCase()}`.slice(0, 63).replace(/-+$/, '');
    if (volumes.has(volume)) throw propError(scope, at('writableDirs'), `paths that give distinct volume names (two make '${volume}')`, d);
    volumes.add(volume);
  }
  for (const [field, probe] of [['readiness', c.readiness], ['liveness', c.liveness], ['startup', c.startup]] as const) {
    if (probe !== undefined) checkProbe(scope, at(field), probe, field !== 'readiness');
  }
  let readiness = c.readiness;
  if (readiness === undefined && rules.readinessRequired) throw propError(scope, at('readiness'), `a readiness probe (${rules.readinessRequired})`, undefined);
  if (readiness === undefined && rules.defaultTcpReadiness && port !== undefined) readiness = kplus.Probe.fromTcpSocket({ port });
  const env: { [name: string]: kplus.EnvValue } = {};
  for (const k of Object.keys(c.env ?? {}).sort()) env[k] = c.env![k];
  const probe = (p: kplus.Probe | undefined) => (port === undefined ? p : withDefaultPort(p, port));
  const props: kplus.ContainerProps = {
    name: rules.name,
    image: c.image,
    imagePullPolicy: rules.imagePullPolicy ?? kplus.ImagePullPolicy.IF_NOT_PRESENT,
    command: c.command,
    args: c.args,
    workingDir: c.workingDir,
    envVariables: Object.keys(env).length > 0 ? env : undefined,
    ports: port === undefined ? undefined : [{ number: port, name: portName }],
    readiness: probe(readiness),
    liveness: probe(c.liveness),
    startup: probe(c.startup),
    resources: resourcesOr(c.resources, { ephemeralStorage: APP_EPHEMERAL_STORAGE, ...rules.defaultResources }),
  };
  return { props, uid, gid, port, portName, writableDirs };
}

/** Adds a checked user container to `pod` with the restricted security context and its writable dirs. */
export function addAppContainer(pod: kplus.AbstractPod, c: CheckedAppContainer, extra: Partial<kplus.ContainerProps> = {}): kplus.Container {
  const container = RestrictedSecurity.addContainer(pod, { ...c.props, ...extra }, { uid: c.uid, gid: c.gid });
  if (c.writableDirs.length > 0) RestrictedSecurity.addWritableDirs(pod, container, { paths: c.writableDirs, sizeLimit: appWritableDirSize(c) });
  return container;
}

function checkAbsolutePath(scope: IConstruct, prop: string, path: unknown): void {
  if (typeof path !== 'string' || !/^\/[^\s:]*$/.test(path) || path.split('/').includes('..')) {
    throw propError(scope, prop, 'an absolute path without spaces, \':\' or \'..\'', path);
  }
}

/**
 * Checks a probe as the API server will, and its durations as cdk8s-plus converts them (whole seconds; it throws a
 * pathless error otherwise): thresholds of at least 1, a success threshold of exactly 1 for liveness and startup.
 */
function checkProbe(scope: IConstruct, prop: string, probe: kplus.Probe, restarts: boolean): void {
  if (probe === null || typeof (probe as any)._toKube !== 'function') throw propError(scope, prop, 'a kplus.Probe (Probe.fromHttpGet(...), fromTcpSocket(...), fromCommand(...))', probe);
  const o = (probe as any).probeOptions ?? {};
  for (const field of ['initialDelaySeconds', 'periodSeconds', 'timeoutSeconds']) {
    if (o[field] !== undefined) PropCheck.wholeSeconds(scope, `${prop}.${field}`, 0, 86400, o[field], o[field]);
  }
  if (o.failureThreshold !== undefined) PropCheck.integer(scope, `${prop}.failureThreshold`, 1, 1000, 3, o.failureThreshold);
  if (o.successThreshold !== undefined) {
    if (restarts && o.successThreshold !== 1) throw propError(scope, `${prop}.successThreshold`, '1 (Kubernetes requires it for liveness and startup probes)', o.successThreshold);
    PropCheck.integer(scope, `${prop}.successThreshold`, 1, 1000, 1, o.successThreshold);
  }
  if (o.port !== undefined) PropCheck.integer(scope, `${prop}.port`, 1, 65535, 0, o.port);
}

/** A user app's ephemeral storage unless its resources say: room for its writable dirs (a database's data dir too). */
export const APP_EPHEMERAL_STORAGE: readonly [string, string] = ['64Mi', '1Gi'];

/** Each writable dir's size limit: the app's ephemeral-storage limit shared out evenly (whole MiB, at least 1Mi). */
export function appWritableDirSize(c: CheckedAppContainer): Size {
  const limit = c.props.resources?.ephemeralStorage?.limit ?? Size.gibibytes(1);
  const mib = limit.toMebibytes({ rounding: SizeRoundingBehavior.FLOOR });
  return Size.mebibytes(Math.max(1, Math.floor(mib / c.writableDirs.length)));
}
