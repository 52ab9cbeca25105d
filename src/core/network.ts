import * as net from 'net';
import { IConstruct } from 'constructs';
import { isLabelKey, isLabelValue } from './_syntax';
import { propError } from './prop-error';

/**
 * Who may talk to a pattern's pods, or whom they may talk to, in a NetworkPolicy rule: pods by label (in this
 * namespace or in namespaces by label), whole namespaces, or IP blocks.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export class NetworkPeer {
  /** Every pod in the pattern's own namespace. */
  public static sameNamespace(): NetworkPeer {
    return new NetworkPeer('every pod of this namespace', {}, undefined);
  }

  /**
   * The pods with `labels`, in the pattern's namespace, or — with `namespaceLabels` — in every namespace that has
   * those labels.
   */
  public static pods(labels: { [key: string]: string }, namespaceLabels?: { [key: string]: string }): NetworkPeer {
    return new NetworkPeer(`pods ${show(labels)}${namespaceLabels ? ` in namespaces ${show(namespaceLabels)}` : ''}`, labels, namespaceLabels, undefined, true);
  }

  /** Every pod of the namespaces with `labels`. */
  public static namespaces(labels: { [key: string]: string }): NetworkPeer {
    return new NetworkPeer(`namespaces ${show(labels)}`, undefined, labels, undefined, false, true);
  }

  /** Every pod of the namespace named `name` (by its `kubernetes.io/metadata.name` label). */
  public static namespace(name: string): NetworkPeer {
    return new NetworkPeer(`namespace ${name}`, undefined, { 'kubernetes.io/metadata.name': name }, undefined, false, true);
  }

  /** Addresses in `cidr` (IPv4 or IPv6), except those in `except` (each inside `cidr`). */
  public static ipBlock(cidr: string, except?: string[]): NetworkPeer {
    return new NetworkPeer(`${cidr}${except?.length ? ` except ${except.join(', ')}` : ''}`, undefined, undefined, { cidr, except });
  }

  /** Any address (`0.0.0.0/0` and `::/0`): for egress to endpoints outside the cluster whose addresses vary. */
  public static anywhere(): NetworkPeer {
    return new NetworkPeer('anywhere', undefined, undefined, { cidr: '0.0.0.0/0' }, false, false, { cidr: '::/0' });
  }

  private constructor(
    /** @internal */ public readonly _description: string,
    private readonly podLabels: { [key: string]: string } | undefined,
    private readonly namespaceLabels: { [key: string]: string } | undefined,
    private readonly block?: { cidr: string; except?: string[] },
    private readonly podsRequired = false,
    private readonly namespacesRequired = false,
    private readonly block6?: { cidr: string },
  ) {}

  /** @internal The peer as `networking.k8s.io/v1` NetworkPolicyPeer objects (API spelling); checks it first. */
  public _toPeers(scope: IConstruct, prop: string): any[] {
    this._check(scope, prop);
    if (this.block) {
      const blocks: Array<{ cidr: string; except?: string[] }> = [this.block, ...(this.block6 ? [this.block6] : [])];
      return blocks.map((b) => ({ ipBlock: b.except?.length ? { cidr: b.cidr, except: b.except } : { cidr: b.cidr } }));
    }
    const peer: any = {};
    if (this.podLabels !== undefined) peer.podSelector = Object.keys(this.podLabels).length ? { matchLabels: sorted(this.podLabels) } : {};
    if (this.namespaceLabels !== undefined) peer.namespaceSelector = { matchLabels: sorted(this.namespaceLabels) };
    return [peer];
  }

  /** @internal */
  public _check(scope: IConstruct, prop: string): void {
    for (const [what, labels, required] of [['pod labels', this.podLabels, this.podsRequired], ['namespace labels', this.namespaceLabels, this.namespacesRequired]] as const) {
      if (labels === undefined) continue;
      if (labels === null || typeof labels !== 'object') throw propError(scope, prop, `${what} as a map`, labels);
      if (required && Object.keys(labels).length === 0) {
        throw propError(scope, prop, `a peer that selects something: ${what} must not be empty (an empty map would select every pod; say NetworkPeer.sameNamespace() for that)`, labels);
      }
      for (const [k, v] of Object.entries(labels)) {
        if (!isLabelKey(k) || !isLabelValue(v) || v === '') throw propError(scope, prop, `${what} of valid label keys and non-empty values`, `${k}=${v}`);
      }
    }
    if (this.block) {
      const base = parseCidr(this.block.cidr);
      if (!base) throw propError(scope, prop, 'an IP block in CIDR notation (e.g. \'10.0.0.0/8\' or \'2001:db8::/32\')', this.block.cidr);
      for (const e of this.block.except ?? []) {
        const ex = parseCidr(e);
        if (!ex || ex.family !== base.family || !contains(base, ex)) throw propError(scope, prop, `'except' blocks inside ${this.block.cidr}`, e);
        if (ex.bits === base.bits) throw propError(scope, prop, `a peer that selects something: 'except' ${e} removes the whole of ${this.block.cidr}`, e);
      }
    }
  }
}

/** A port (and protocol) in a NetworkPolicy rule. */
export interface NetworkPort {
  /** The port number. */
  readonly port: number;
  /**
   * The protocol.
   *
   * @default "TCP"
   */
  readonly protocol?: string;
}

/** An extra rule: `peer` may reach (ingress) or be reached by (egress) the pattern's pods on `ports`. */
export interface NetworkRule {
  /** The peer. */
  readonly peer: NetworkPeer;
  /**
   * The ports.
   *
   * @default - every port
   */
  readonly ports?: NetworkPort[];
}

/**
 * The NetworkPolicies a pattern emits: a default-deny for each of its pod groups and exactly the allows its own
 * traffic needs (its parts to each other, DNS, the clients you name to its front door).
 */
export interface NetworkPolicyOptions {
  /**
   * Emit the NetworkPolicies.
   *
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Who may reach the pattern's front door (its Service ports).
   *
   * @default [NetworkPeer.sameNamespace()]
   */
  readonly clients?: NetworkPeer[];
  /**
   * Who may scrape the metrics ports (exporters, stats).
   *
   * @default - nobody outside the pattern: the metrics ports are closed
   */
  readonly monitoring?: NetworkPeer;
  /**
   * The cluster DNS the pods resolve names with.
   *
   * @default - pods labelled `k8s-app: kube-dns` in namespace `kube-system`, UDP and TCP 53
   */
  readonly dns?: NetworkPeer;
  /**
   * More ingress the pattern's pods accept (widens, never narrows).
   *
   * @default - none
   */
  readonly extraIngress?: NetworkRule[];
  /**
   * More egress the pattern's pods may send (widens, never narrows).
   *
   * @default - none
   */
  readonly extraEgress?: NetworkRule[];
}

function show(labels: { [key: string]: string } | undefined): string {
  return Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
}

function sorted(m: { [key: string]: string }): { [key: string]: string } {
  const out: { [key: string]: string } = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k];
  return out;
}

interface Cidr { readonly family: 4 | 6; readonly value: bigint; readonly bits: number }

function parseCidr(text: unknown): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  const [addr, bitsText, ...rest] = text.split('/');
  if (rest.length > 0 || bitsText === undefined || !/^\d{1,3}$/.test(bitsText)) return undefined;
  const family = net.isIPv4(addr) ? 4 : net.isIPv6(addr) ? 6 : undefined;
  if (!family) return undefined;
  const bits = Number(bitsText);
  const width = family === 4 ? 32 : 128;
  if (bits > width) return undefined;
  let value = 0n;
  // BigInt arithmetic (× and +) rather than bit operators: the lint forbids the latter, the result is the same.
  if (family === 4) for (const o of addr.split('.')) value = value * 256n + BigInt(Number(o));
  else for (const g of expand6(addr)) value = value * 65536n + BigInt(parseInt(g, 16));
  return { family, value, bits };
}

function expand6(addr: string): string[] {
  const [head, tail] = addr.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  if (tail === undefined) return h;
  return [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
}

function contains(outer: Cidr, inner: Cidr): boolean {
  const width = outer.family === 4 ? 32 : 128;
  if (inner.bits < outer.bits) return false;
  const unit = 2n ** BigInt(width - outer.bits);
  return outer.value / unit === inner.value / unit;
}
