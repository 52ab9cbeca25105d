import { SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { ResourceNames } from './names';
import { propError } from './prop-error';

// Internal: validation rules every pattern applies to the same kinds of input, so a hole closed here is closed
// everywhere: image references, env var names, requests against limits, probe and lifecycle timings against the
// grace period. Each rule throws one prop error (construct path, prop, value, what is allowed).

// The reference grammar of the distribution project (`reference/regexp.go`): [domain[:port]/]path[:tag][@digest].
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(?:(${DOMAIN})/)?(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);

/** The parts of an image reference. */
export interface ImageReference {
  /** The registry host (and port), when the reference names one. */
  readonly registry?: string;
  /** The repository path (e.g. `library/redis` is written `redis`). */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/**
 * Parses an image reference by the distribution grammar, or returns why it is not one. A first component is a
 * registry when it has a `.` or `:` or is `localhost`, as Docker decides.
 */
export function parseImageReference(image: unknown): ImageReference | string {
  if (typeof image !== 'string' || image.length === 0) return 'a non-empty string';
  if (image.length > 255 + 64 + 128) return 'at most 447 characters';
  const m = REFERENCE.exec(image);
  if (!m) return 'a valid image reference ([registry/]repository[:tag][@digest]; the repository in lowercase)';
  let registry: string | undefined = m[1];
  let repository = m[2];
  const [, , , tag, digest] = m;
  // `m[1]` may have taken a path component that is not a registry (e.g. `library/redis`): Docker's rule.
  if (registry !== undefined && !/[.:]/.test(registry) && registry !== 'localhost') {
    repository = `${registry}/${repository}`;
    registry = undefined;
    if (!new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`).test(repository)) return 'a valid image reference ([registry/]repository[:tag][@digest]; the repository in lowercase)';
  }
  if (digest !== undefined && digest.startsWith('sha256:') && digest.length !== 'sha256:'.length + 64) return 'a sha256 digest of 64 hex digits';
  return { registry, repository, tag, digest };
}

/**
 * Checks that `image` is a valid reference pinned to a tag other than `latest` or to a digest; returns it.
 */
export function checkPinnedImage(scope: IConstruct, prop: string, image: string): string {
  const ref = parseImageReference(image);
  if (typeof ref === 'string') throw propError(scope, prop, `${ref}, pinned to a tag or digest (e.g. 'redis:7.2.5-alpine')`, image);
  if (ref.digest === undefined && (ref.tag === undefined || ref.tag === 'latest')) {
    throw propError(scope, prop, 'an image pinned to a tag or digest other than \'latest\' (e.g. \'redis:7.2.5-alpine\')', image);
  }
  return image;
}

/** Environment variable names as Kubernetes 1.27 validates them (a C identifier, also `-` and `.`). */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Checks the names of an env map (prop `prop`); `reserved` are names the construct sets itself. */
export function checkEnvNames(scope: IConstruct, prop: string, env: { [name: string]: unknown } | undefined, reserved: string[] = []): void {
  if (env === undefined) return;
  if (env === null || typeof env !== 'object' || Array.isArray(env)) throw propError(scope, prop, 'a map of variable names to kplus.EnvValue', env);
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name)) throw propError(scope, prop, 'variable names of letters, digits, \'_\', \'-\' and \'.\', not starting with a digit', name);
    if (reserved.includes(name)) throw propError(scope, prop, `free of ${reserved.map((r) => `'${r}'`).join(', ')} (the construct sets them)`, name);
    if (!isEnvValue(value)) throw propError(scope, `${prop}.${name}`, 'a kplus.EnvValue (EnvValue.fromValue(...), EnvValue.fromSecretValue(...), …)', value);
    if ((value as any).value !== undefined && typeof (value as any).value !== 'string') {
      throw propError(scope, `${prop}.${name}`, 'a kplus.EnvValue whose literal is a string (EnvValue.fromValue(\'...\'))', (value as any).value);
    }
    checkKeyRef(scope, `${prop}.${name}`, (value as any).valueFrom);
  }
}

/**
 * A Secret or ConfigMap key an env value refers to: a plain string passed for the Secret by a JavaScript or Python
 * caller (`{ secret: 'api', key }`) would render a `secretKeyRef` without a name, which the API server refuses.
 */
function checkKeyRef(scope: IConstruct, prop: string, valueFrom: any): void {
  const kind = valueFrom?.secretKeyRef ? 'Secret' : valueFrom?.configMapKeyRef ? 'ConfigMap' : undefined;
  if (kind === undefined) return;
  const ref = valueFrom.secretKeyRef ?? valueFrom.configMapKeyRef;
  if (!ResourceNames.isDnsSubdomain(ref.name)) throw propError(scope, prop, `a reference to a ${kind} whose name is a DNS-1123 subdomain (kplus.${kind}.from${kind}Name(...))`, ref.name);
  if (typeof ref.key !== 'string' || ref.key.length > 253 || !SECRET_KEY.test(ref.key) || ref.key === '.' || ref.key === '..') {
    throw propError(scope, prop, `a ${kind} key of at most 253 characters: letters, digits, '-', '_' and '.'`, ref.key);
  }
}

function isEnvValue(v: any): v is kplus.EnvValue {
  return v !== null && typeof v === 'object' && ('value' in v || 'valueFrom' in v);
}

/** CPU in millicores from a kplus `Cpu` (`'100m'`, `'1'`, `'0.5'`). */
function cpuMillis(c: kplus.Cpu | undefined): number | undefined {
  if (c === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(String((c as any).amount));
  if (!m) return undefined;
  return m[2] === 'm' ? Number(m[1]) : Number(m[1]) * 1000;
}

function sizeBytes(s: any): number | undefined {
  if (s === undefined) return undefined;
  if (s === null || typeof s !== 'object' || typeof s.toKibibytes !== 'function') return NaN;
  return s.toKibibytes({ rounding: SizeRoundingBehavior.NONE }) * 1024;
}

/** Checks resources: every request at most its limit, sizes that are Sizes; returns them. */
export function checkResources(scope: IConstruct, prop: string, r: kplus.ContainerResources | undefined): kplus.ContainerResources | undefined {
  if (r === undefined) return undefined;
  if (r === null || typeof r !== 'object') throw propError(scope, prop, 'a kplus.ContainerResources ({ cpu, memory, ephemeralStorage })', r);
  const cpuReq = cpuMillis(r.cpu?.request);
  const cpuLim = cpuMillis(r.cpu?.limit);
  if (cpuReq !== undefined && cpuLim !== undefined && cpuReq > cpuLim) {
    throw propError(scope, `${prop}.cpu.request`, `at most the CPU limit (${r.cpu!.limit!.amount})`, r.cpu!.request!.amount);
  }
  for (const kind of ['memory', 'ephemeralStorage'] as const) {
    const req = sizeBytes((r as any)[kind]?.request);
    const lim = sizeBytes((r as any)[kind]?.limit);
    // cdk8s-plus writes memory in whole Mi (and throws a pathless error otherwise); the library writes ephemeral
    // storage itself (cdk8s-plus only could in whole Gi), in whole Mi too.
    const unit = 1048576;
    for (const [which, v] of [['request', req], ['limit', lim]] as const) {
      const given = (r as any)[kind]?.[which];
      if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw propError(scope, `${prop}.${kind}.${which}`, 'a Size of whole bytes, more than 0 (e.g. Size.mebibytes(128))', given);
      if (v !== undefined && v % unit !== 0) {
        throw propError(scope, `${prop}.${kind}.${which}`, `a whole number of MiB (e.g. Size.mebibytes(${kind === 'memory' ? 128 : 256}))`, mib(v));
      }
    }
    if (req !== undefined && lim !== undefined && req > lim) {
      throw propError(scope, `${prop}.${kind}.request`, `at most the ${kind === 'memory' ? 'memory' : 'ephemeral-storage'} limit (${mib(lim)})`, mib(req));
    }
  }
  return r;
}

function mib(bytes: number): string {
  return Number.isInteger(bytes / 1048576) ? `${bytes / 1048576}Mi` : `${bytes / 1024}Ki`;
}

/**
 * Checks a preStop sleep against the grace period: Kubernetes counts the hook in the grace period, so a sleep as
 * long as the grace period leaves the app no time to stop, and the kubelet kills it mid-request.
 */
export function checkSleepWithinGrace(scope: IConstruct, prop: string, sleepSeconds: number, graceSeconds: number): void {
  if (sleepSeconds >= graceSeconds) {
    throw propError(scope, prop, `shorter than the termination grace period (${graceSeconds}s): the preStop hook counts against it, and the app needs time to stop after the sleep`, `${sleepSeconds}s`);
  }
}

/** Secret keys as Kubernetes 1.27 validates them (`IsConfigMapKey`). */
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * Checks a Secret key given as `kplus.SecretValue` (`{ secret, key }`): a Secret whose name is a DNS-1123 subdomain
 * and a key of at most 253 characters of `[-._a-zA-Z0-9]` (a plain string from a JavaScript or Python caller would
 * otherwise render an empty `secretKeyRef`). Returns it.
 */
export function checkSecretValue(scope: IConstruct, prop: string, v: kplus.SecretValue): kplus.SecretValue {
  if (v === null || typeof v !== 'object' || typeof (v as any).secret !== 'object' || (v as any).secret === null) {
    // A plain value may be the password itself: the message says only its type, never the value.
    const shown = v === null || v === undefined || typeof v === 'object' ? v : `<a ${typeof v}, not shown>`;
    throw propError(scope, prop, 'a Secret key ({ secret: kplus.Secret.fromSecretName(...), key }: kplus.SecretValue)', shown);
  }
  const name = (v.secret as any).name;
  if (!ResourceNames.isDnsSubdomain(name)) throw propError(scope, `${prop}.secret`, 'a Secret whose name is a DNS-1123 subdomain', name);
  if (typeof v.key !== 'string' || v.key.length > 253 || !SECRET_KEY.test(v.key) || v.key === '.' || v.key === '..') {
    throw propError(scope, `${prop}.key`, 'a Secret key of at most 253 characters: letters, digits, \'-\', \'_\' and \'.\'', v.key);
  }
  return v;
}

/**
 * Checks an `images` prop: an object whose keys are image keys the construct runs (`keys`), so a typo or an
 * override for an image the construct does not run fails instead of being ignored. The images themselves are
 * checked where they are resolved (`ContainerImages.resolve`).
 */
export function checkImageOverrides(scope: IConstruct, prop: string, overrides: object | undefined, keys: string[]): void {
  if (overrides === undefined) return;
  const runs = keys.map((k) => `'${k}'`).join(', ');
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) throw propError(scope, prop, `an ImageOverrides object ({ ${keys[0]}: '…' }; this construct runs ${runs})`, overrides);
  for (const key of Object.keys(overrides)) {
    if ((overrides as any)[key] !== undefined && !keys.includes(key)) throw propError(scope, prop, `overrides of the images this construct runs (${runs})`, key);
  }
}
