import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { registerAppChecks } from './_app-checks';
import { propError } from './prop-error';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Options for `ResourceNames.podDnsName`.
 */
export interface PodDnsNameOptions {
  /**
   * The namespace of the StatefulSet. When given, the name is fully qualified
   * (`<sts>-<i>.<svc>.<namespace>.svc.<clusterDomain>`), which resolves from any namespace.
   *
   * @default - the short form `<sts>-<i>.<svc>`, which resolves only from pods in the same namespace
   */
  readonly namespace?: string;
  /**
   * The cluster's DNS domain.
   *
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;
}

/**
 * Deterministic, valid Kubernetes names.
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
 */
export class ResourceNames {
  /** The length limit of a DNS-1123 label (Service, Namespace, container and port names, label values). */
  public static readonly MAX_LABEL = 63;
  /** The length limit of a DNS-1123 subdomain (most object names). */
  public static readonly MAX_SUBDOMAIN = 253;
  /**
   * The longest StatefulSet name: its pods are named `<name>-<ordinal>` and labelled
   * `controller-revision-hash: <name>-<hash>` (a hash of up to 10 characters), and a label value has at most 63
   * characters, so the name leaves 11 characters of room.
   */
  public static readonly MAX_STATEFULSET = 52;

  /** True when `value` is a DNS-1123 label of at most `maxLength` characters (63 by default). */
  public static isDnsLabel(value: string, maxLength?: number): boolean {
    return typeof value === 'string' && value.length > 0 && value.length <= (maxLength ?? ResourceNames.MAX_LABEL) && DNS1123_LABEL.test(value);
  }

  /** True when `value` is a DNS-1123 subdomain of at most 253 characters. */
  public static isDnsSubdomain(value: string): boolean {
    return typeof value === 'string' && value.length > 0 && value.length <= ResourceNames.MAX_SUBDOMAIN && DNS1123_SUBDOMAIN.test(value);
  }

  /**
   * Checks that the user-given `value` of `prop` is a DNS-1123 label of at most `maxLength` characters and
   * returns it; throws a prop error otherwise.
   */
  public static checkDnsLabel(scope: IConstruct, prop: string, value: string, maxLength?: number): string {
    const max = maxLength ?? ResourceNames.MAX_LABEL;
    if (!ResourceNames.isDnsLabel(value, max)) {
      throw propError(scope, prop, `a DNS-1123 label of at most ${max} characters (lowercase letters, digits and '-', starting and ending with a letter or digit)`, value);
    }
    return value;
  }

  /**
   * The base name of a construct's objects: `name` when given (checked, never rewritten), else the construct's
   * path below its chart joined with `-` and lowercased (`app/chart/Cache` → `cache`). When the path holds
   * characters a DNS label does not allow, or is longer than `maxLength`, they are replaced by `-`, the name is
   * cut, and 8 hex characters of a hash of the full path are appended, so it stays unique and deterministic.
   * Also registers, once per App, a synth-time check that no two objects of one kind share a namespace and a name.
   *
   * @param scope the construct
   * @param name the user's `name` prop, if any
   * @param maxLength the longest allowed name (63 by default; use `MAX_STATEFULSET` for a StatefulSet)
   */
  public static baseName(scope: IConstruct, name?: string, maxLength?: number): string {
    // Every pattern derives its base name here, first: the place that registers the App-wide checks (one name per
    // object across the App, no mutation after synthesis) exactly once per App.
    registerAppChecks(scope);
    const max = maxLength ?? ResourceNames.MAX_LABEL;
    if (name !== undefined) return ResourceNames.checkDnsLabel(scope, 'name', name, max);
    const chart = Chart.of(scope);
    const parts = scope.node.scopes.slice(scope.node.scopes.indexOf(chart) + 1).map((s) => s.node.id);
    const full = parts.join('-');
    const lowered = full.toLowerCase();
    const derived = lowered.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
    if (derived === lowered && derived.length <= max) return derived;
    // Characters were replaced or the name was cut: a hash of the real path keeps distinct paths distinct.
    const hash = fnv1a32(scope.node.path).toString(16).padStart(8, '0');
    return `${derived.slice(0, max - 9).replace(/-+$/, '')}-${hash}`;
  }

  /**
   * The stable DNS name of one StatefulSet pod, through its headless Service:
   * `<statefulSet>-<ordinal>.<service>` or, with a namespace, `<statefulSet>-<ordinal>.<service>.<namespace>.svc.cluster.local`.
   *
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-network-id
   */
  public static podDnsName(statefulSet: string, ordinal: number, service: string, options: PodDnsNameOptions = {}): string {
    if (!Number.isInteger(ordinal) || ordinal < 0) throw new Error(`pod ordinal must be a non-negative integer, got ${ordinal}`);
    for (const [what, v] of [['StatefulSet', statefulSet], ['Service', service]] as const) {
      if (!ResourceNames.isDnsLabel(v)) throw new Error(`${what} name must be a DNS-1123 label, got '${v}'`);
    }
    const host = `${statefulSet}-${ordinal}.${service}`;
    if (options.namespace === undefined) return host;
    if (!ResourceNames.isDnsLabel(options.namespace)) throw new Error(`namespace must be a DNS-1123 label, got '${options.namespace}'`);
    return `${host}.${options.namespace}.svc.${options.clusterDomain ?? 'cluster.local'}`;
  }
}

/** 32-bit FNV-1a of a string's UTF-8 bytes (for short, stable name suffixes). */
/* eslint-disable no-bitwise */
function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
/* eslint-enable no-bitwise */
