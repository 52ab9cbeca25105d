/**
 * NetworkPolicy truth tables computed by an engine nobody here wrote: cyclonus (github.com/mattfenwick/cyclonus,
 * installed by scripts/install/70-cyclonus.sh), run offline. For a set of synthesized objects, the model is their
 * NetworkPolicies and one pod per workload pod template (namespace, labels, container ports; see `./model.ts`);
 * each probe asks whether a connection from one pod to a port of another is allowed — by the source's egress and
 * the destination's ingress both.
 *
 * How cyclonus is driven (`cyclonus analyze --mode probe`, pkg/cli/analyze.go of v0.5.6):
 *
 *   cyclonus -v warn analyze --mode probe --policy-path policies.json --probe-path model.json
 *
 * - `policies.json`: a `NetworkPolicyList` (networking.k8s.io/v1, parsed strictly: unknown fields are errors;
 *   every policy must name its `policyTypes` — `policiesOf` defaults them the way the API server does).
 * - `model.json`: `{ "Resources": { "Namespaces": { ns: labels }, "Pods": [ { "Namespace", "Name", "Labels", "IP",
 *   "Containers": [ { "Name", "Port", "Protocol", "PortName" } ] } ] }, "Probes": [ { "Port", "Protocol" } ] }`
 *   (probe.Resources and generator.PortProtocol; a container stands for one port; `Port` of a probe is a number
 *   or a port name).
 * - Output: per probe, three tables (Ingress, Egress, Combined) of from-pod rows × to-pod columns, in the
 *   order of `Probes`, then three more for the pods of a cluster (none here, so empty). A cell is `.` allowed,
 *   `X` blocked, `N` the destination serves no such port/protocol, `P` no such named port, `?` unknown.
 *
 * The harness gives cyclonus pods named p0, p1, … (so the tables' cells are short) and a container for every probed
 * port on every pod — the declared ones with their names, the others unnamed, so a probe to a port a pod does not
 * declare still asks what the policies allow there (a process may listen on it anyway). One cyclonus run per
 * protocol, with that protocol's ports first in each pod, because cyclonus resolves a probed port number to the
 * first container with that number whatever its protocol.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  allProbes, namespacesOf, NetpolModelOptions, NetpolPod, NetpolProbe, NetpolProtocol, podsOf, policiesOf, probeKey,
  ResolvedProbe, resolveProbe,
} from './model';
import { run, tempDir, toolPath } from '../proc';

export * from './model';

/** The answer for one probe. */
export interface ProbeResult extends ResolvedProbe {
  /** The destination's ingress allows it (or the destination is not isolated for ingress). */
  readonly ingress: boolean;
  /** The source's egress allows it (or the source is not isolated for egress). */
  readonly egress: boolean;
  /** Both: the connection is allowed. */
  readonly allowed: boolean;
}

/** The result of `netpolTruthTable`. */
export interface NetpolTruthTable {
  /** The pods of the model (from the objects, then the extra pods). */
  readonly pods: NetpolPod[];
  /** Every namespace of the model with its labels. */
  readonly namespaces: { [ns: string]: { [k: string]: string } };
  /** One result per probe asked, in order. */
  readonly results: ProbeResult[];
  /** The allowed connections among the probes, as `from → to port/PROTOCOL` lines (see `probeKey`), sorted. */
  readonly allowed: string[];
}

/** Options for `netpolTruthTable`. */
export interface NetpolTruthTableOptions extends NetpolModelOptions {
  /** @default 60_000 */
  readonly timeoutMs?: number;
}

/** The cyclonus version, e.g. `v0.5.6`. */
export function cyclonusVersion(): string {
  const out = run(toolPath('cyclonus'), ['version']).stdout;
  const m = /"Version":\s*"([^"]+)"/.exec(out);
  if (!m) throw new Error(`cyclonus version printed no version: ${out}`);
  return m[1];
}

/**
 * Which of the `probes` the NetworkPolicies among `objects` allow, computed by cyclonus over the pods of the
 * objects' workloads (and `opts.extraPods`). `probes` defaults to `allProbes(pods)`: every pod to every port every
 * pod declares.
 */
export function netpolTruthTable(objects: any[], probes?: NetpolProbe[], opts: NetpolTruthTableOptions = {}): NetpolTruthTable {
  const pods = podsOf(objects, opts);
  const namespaces = namespacesOf(objects, pods, opts);
  const policies = policiesOf(objects, opts);
  const resolved = probes === undefined ? allProbes(pods) : probes.map((p) => resolveProbe(pods, p));
  const answers = new Map<string, { ingress: boolean; egress: boolean; allowed: boolean }>();

  const dir = tempDir('cyclonus');
  const policyFile = path.join(dir, 'policies.json');
  fs.writeFileSync(policyFile, JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicyList', items: policies }, null, 2));
  const index = new Map(pods.map((p, i) => [p.id, `p${i}`]));
  const byCyclonusName = new Map(pods.map((p, i) => [`${p.namespace}/p${i}`, p]));

  for (const protocol of ['TCP', 'UDP', 'SCTP'] as NetpolProtocol[]) {
    const ports = [...new Set(resolved.filter((p) => p.protocol === protocol).map((p) => p.port))].sort((a, b) => a - b);
    if (ports.length === 0) continue;
    const model = {
      Resources: {
        Namespaces: namespaces,
        Pods: pods.map((p) => ({
          Namespace: p.namespace,
          Name: index.get(p.id),
          Labels: p.labels,
          IP: p.ip,
          Containers: containersFor(p, protocol, ports),
        })),
      },
      Probes: ports.map((port) => ({ Port: port, Protocol: protocol })),
    };
    const modelFile = path.join(dir, `model-${protocol}.json`);
    fs.writeFileSync(modelFile, JSON.stringify(model, null, 2));
    const args = ['-v', 'warn', 'analyze', '--mode', 'probe', '--probe-path', modelFile];
    if (policies.length > 0) args.push('--policy-path', policyFile);
    const r = run(toolPath('cyclonus'), args, { timeoutMs: opts.timeoutMs ?? 60_000 });
    if (r.code !== 0) throw new Error(`cyclonus ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`.slice(0, 8000));
    const tables = parseCyclonusTables(r.stdout);
    if (tables.length < 3 * ports.length) throw new Error(`cyclonus printed ${tables.length} tables for ${ports.length} probes:\n${r.stdout.slice(0, 4000)}`);
    ports.forEach((port, k) => {
      const [ingress, egress, combined] = tables.slice(3 * k, 3 * k + 3);
      for (const [fromName, row] of Object.entries(combined)) {
        for (const toName of Object.keys(row)) {
          const from = byCyclonusName.get(fromName);
          const to = byCyclonusName.get(toName);
          if (!from || !to) throw new Error(`cyclonus named a pod the model does not have: ${fromName} → ${toName}`);
          const key = probeKey({ from: from.id, to: to.id, port, protocol });
          const at = (t: CyclonusTable) => verdict(t, fromName, toName, key);
          answers.set(key, { ingress: at(ingress), egress: at(egress), allowed: at(combined) });
        }
      }
    });
  }

  const results = resolved.map((p) => {
    const a = answers.get(probeKey(p));
    if (!a) throw new Error(`cyclonus gave no answer for ${probeKey(p)}`);
    return { ...p, ...a };
  });
  const allowed = [...new Set(results.filter((r) => r.allowed).map(probeKey))].sort();
  return { pods, namespaces, results, allowed };
}

/**
 * The containers cyclonus is given for a pod: one per port — the declared ports of `protocol` first (named), the
 * probed ports it does not declare for that protocol (unnamed), then the declared ports of other protocols.
 */
function containersFor(p: NetpolPod, protocol: NetpolProtocol, probed: number[]): any[] {
  const declared = p.ports.filter((x) => x.protocol === protocol);
  const extra = probed.filter((port) => !declared.some((x) => x.port === port)).map((port) => ({ port, protocol }));
  const others = p.ports.filter((x) => x.protocol !== protocol);
  return [...declared, ...extra, ...others].map((x: any, i) => ({ Name: `c${i}`, Port: x.port, Protocol: x.protocol, PortName: x.name ?? '' }));
}

function verdict(table: CyclonusTable, from: string, to: string, what: string): boolean {
  const cell = table[from]?.[to];
  if (cell === '.') return true;
  if (cell === 'X') return false;
  throw new Error(`cyclonus answered '${cell}' for ${what} (expected '.' or 'X')`);
}

/** One table of cyclonus's output: row (from pod, `ns/name`) → column (to pod) → cell. */
export type CyclonusTable = { [from: string]: { [to: string]: string } };

/**
 * The tables of `cyclonus analyze --mode probe` output, in order. A table is tablewriter's text: a header row of
 * the to-pods (upper-cased by tablewriter), then one row per from-pod; rows and columns list the same pods in the
 * same order, which is checked. Only simple tables (one result per cell) are read; a probe by number always
 * gives those.
 */
export function parseCyclonusTables(text: string): CyclonusTable[] {
  const tables: CyclonusTable[] = [];
  let rows: string[][] | undefined;
  const flush = () => {
    if (!rows) return;
    const [header, ...body] = rows;
    const cols = header.slice(1);
    const table: CyclonusTable = {};
    if (body.length !== cols.length) throw new Error(`cyclonus table with ${cols.length} columns and ${body.length} rows`);
    body.forEach((r, i) => {
      const from = r[0];
      if (cols[i] !== from.toUpperCase()) throw new Error(`cyclonus table: row ${i} is '${from}' but column ${i} is '${cols[i]}'`);
      if (r.length !== header.length) throw new Error(`cyclonus table: row '${from}' has ${r.length - 1} cells, expected ${cols.length}`);
      table[from] = {};
      body.forEach((c, j) => { table[from][c[0]] = r[j + 1]; });
    });
    tables.push(table);
    rows = undefined;
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('|')) {
      const cells = line.split('|').slice(1, -1).map((c) => c.trim());
      (rows ??= []).push(cells);
    } else if (!line.startsWith('+')) {
      flush();
    }
  }
  flush();
  return tables;
}
