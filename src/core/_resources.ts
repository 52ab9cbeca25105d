import { Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

// Internal: container resources written the way a manifest reads, so no call site depends on a parameter order.

/** Requests and limits as Kubernetes quantities: CPU `'100m'` or `'1'`, memory `'128Mi'` or `'1Gi'`. */
export interface ResourceQuantities {
  /** `[request, limit]`; the limit may be omitted (no CPU limit). */
  readonly cpu: readonly [string, string?];
  /** `[request, limit]`. */
  readonly memory: readonly [string, string];
  /**
   * `[request, limit]` of ephemeral storage (the container's writable layer, its logs and its disk-backed
   * emptyDirs count against the pod's sum). Default `DEFAULT_EPHEMERAL_STORAGE`: a daemon that writes nothing
   * but temp files and logs.
   */
  readonly ephemeralStorage?: readonly [string, string];
}

/** The ephemeral storage of a daemon that writes nothing but temp files and its logs. */
export const DEFAULT_EPHEMERAL_STORAGE: readonly [string, string] = ['16Mi', '64Mi'];

/** `{ cpu: ['100m', '1'], memory: ['128Mi', '512Mi'] }` as cdk8s-plus `ContainerResources`. */
export function containerResources(q: ResourceQuantities): kplus.ContainerResources {
  const eph = q.ephemeralStorage ?? DEFAULT_EPHEMERAL_STORAGE;
  return {
    cpu: { request: cpu(q.cpu[0]), limit: q.cpu[1] === undefined ? undefined : cpu(q.cpu[1]) },
    memory: { request: memory(q.memory[0]), limit: memory(q.memory[1]) },
    ephemeralStorage: { request: quantity(eph[0]), limit: quantity(eph[1]) },
  };
}

/**
 * The user's resources when given, else the library's `q`. A user's resources without `ephemeralStorage` keep the
 * library's ephemeral storage for that daemon (what they gave is kept as given).
 */
export function resourcesOr(given: kplus.ContainerResources | undefined, q: ResourceQuantities): kplus.ContainerResources {
  const own = containerResources(q);
  if (given === undefined) return own;
  return withEphemeralStorage(given, own.ephemeralStorage!);
}

/** `r` with `ephemeralStorage` (default `DEFAULT_EPHEMERAL_STORAGE`) when it has none. */
export function withEphemeralStorage(r: kplus.ContainerResources, eph?: kplus.EphemeralStorageResources): kplus.ContainerResources {
  if (r.ephemeralStorage !== undefined) return r;
  return { ...r, ephemeralStorage: eph ?? { request: quantity(DEFAULT_EPHEMERAL_STORAGE[0]), limit: quantity(DEFAULT_EPHEMERAL_STORAGE[1]) } };
}

function cpu(q: string): kplus.Cpu {
  const m = /^(\d+)(m?)$/.exec(q);
  if (!m) throw new Error(`CPU quantity must be '<n>m' or '<n>', got '${q}'`);
  return m[2] === 'm' ? kplus.Cpu.millis(Number(m[1])) : kplus.Cpu.units(Number(m[1]));
}

function memory(q: string): Size {
  return quantity(q);
}

/** `'64Mi'` or `'1Gi'` as a `Size`. */
export function quantity(q: string): Size {
  const m = /^(\d+)(Mi|Gi)$/.exec(q);
  if (!m) throw new Error(`memory quantity must be '<n>Mi' or '<n>Gi', got '${q}'`);
  return m[2] === 'Mi' ? Size.mebibytes(Number(m[1])) : Size.gibibytes(Number(m[1]));
}

/** The size limit of a daemon's data emptyDir: its container's ephemeral-storage limit (default 1Gi). */
export function dataSizeLimit(c: kplus.ContainerProps): Size {
  return c.resources?.ephemeralStorage?.limit ?? Size.gibibytes(1);
}

/**
 * `props` without their ephemeral storage, and that ephemeral storage (default `DEFAULT_EPHEMERAL_STORAGE`):
 * cdk8s-plus (27 and 34) writes it in whole Gi only, so `patchEphemeralStorage` writes it instead.
 */
export function splitEphemeralStorage(props: kplus.ContainerProps): [kplus.ContainerProps, kplus.EphemeralStorageResources] {
  const r = props.resources;
  const eph = r?.ephemeralStorage ?? { request: quantity(DEFAULT_EPHEMERAL_STORAGE[0]), limit: quantity(DEFAULT_EPHEMERAL_STORAGE[1]) };
  if (r === undefined) return [props, eph];
  const { ephemeralStorage: _dropped, ...rest } = r;
  return [{ ...props, resources: rest }, eph];
}

/**
 * A size as the largest whole unit of Gi, Mi and Ki: a `Quantity` (the generated `toJson` of a workload reads
 * `.value` of each resource quantity, after the patches).
 */
export function sizeQuantity(s: Size): kplus.k8s.Quantity {
  return kplus.k8s.Quantity.fromString(sizeString(s));
}

function sizeString(s: Size): string {
  const ki = s.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
  if (!Number.isInteger(ki)) throw new Error(`ephemeral storage must be a whole number of KiB, got ${ki}KiB`);
  if (ki % 1_048_576 === 0) return `${ki / 1_048_576}Gi`;
  if (ki % 1024 === 0) return `${ki / 1024}Mi`;
  return `${ki}Ki`;
}

const ephemeralOf = new WeakMap<kplus.Container, kplus.EphemeralStorageResources>();

/** A container the library renders itself (`kubeContainer`), its ephemeral storage kept aside for that. */
export function newContainer(props: kplus.ContainerProps): kplus.Container {
  const [own, eph] = splitEphemeralStorage(props);
  const c = new kplus.Container(own);
  ephemeralOf.set(c, eph);
  return c;
}

/** A container's spec with its ephemeral storage (from `newContainer`, else `DEFAULT_EPHEMERAL_STORAGE`). */
export function kubeContainer(c: kplus.Container): kplus.k8s.Container {
  const k = c._toKube();
  const eph = ephemeralOf.get(c) ?? splitEphemeralStorage({ image: k.image ?? '' })[1];
  const r = k.resources ?? {};
  return {
    ...k,
    resources: {
      ...r,
      requests: eph.request === undefined ? r.requests : { ...r.requests, 'ephemeral-storage': sizeQuantity(eph.request) },
      limits: eph.limit === undefined ? r.limits : { ...r.limits, 'ephemeral-storage': sizeQuantity(eph.limit) },
    },
  };
}
