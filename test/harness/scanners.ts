/**
 * Three independent scanners over a directory of rendered manifests (`*.yaml`, `*.yml`), their reports parsed into
 * one finding shape:
 *
 * - checkov, Kubernetes framework (scripts/install/70-checkov.sh): `checkov -d DIR --framework kubernetes -o json
 *   --skip-download`. It reports a check once per object (at the first container that fails it); the container
 *   is read from the check's evaluated keys (`spec/template/spec/containers/[1]/…`).
 * - kube-score (scripts/install/70-kube-score.sh): `kube-score score -o json --kubernetes-version v1.27 FILES`. A
 *   finding per comment of each check graded CRITICAL or WARNING (not skipped); a comment's path is the container.
 * - kube-linter (scripts/install/50-kube-linter.sh): `kubeLint` of ./kube-linter.ts per file, default checks.
 *
 * `object` is `Kind/namespace/name` with the namespace as the manifest writes it, `-` when it names none (checkov
 * and kube-score say `default` for both; the manifest tells them apart).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { kubeLint, KubeLintOptions, kubeLinterVersion } from './kube-linter';
import { run, tempDir, toolPath } from './proc';

export type ScannerName = 'checkov' | 'kube-score' | 'kube-linter';
export const SCANNERS: ScannerName[] = ['checkov', 'kube-score', 'kube-linter'];

/** One thing a scanner found wrong with one object. */
export interface ScanFinding {
  readonly tool: ScannerName;
  /** The check's id: `CKV_K8S_43` (checkov), `pod-networkpolicy` (kube-score), `no-anti-affinity` (kube-linter). */
  readonly check: string;
  /** `Kind/namespace/name`; the namespace is `-` when the manifest names none. */
  readonly object: string;
  /** The container the finding is about, when the scanner says. */
  readonly container?: string;
  readonly message: string;
  /** The check's title (checkov's check name, kube-score's test name; kube-linter's check id). */
  readonly title: string;
  /** The manifest file's base name. */
  readonly file: string;
}

/** What one scanner said about a directory. */
export interface ScanResult {
  readonly tool: ScannerName;
  readonly version: string;
  readonly findings: ScanFinding[];
  /** The scanner's own totals, e.g. checkov's `passed 3456, failed 235, resources 168`. */
  readonly summary: string;
}

/** Options for the scanners. */
export interface ScanOptions {
  /** checkov checks not to run (`--skip-check`). */
  readonly checkovSkip?: string[];
  /** kube-score tests not to run (`--ignore-test`) and optional ones to run (`--enable-optional-test`). */
  readonly kubeScoreIgnore?: string[];
  readonly kubeScoreOptional?: string[];
  /** Passed to `kubeLint`. */
  readonly kubeLinter?: KubeLintOptions;
  /** Per scanner run. @default 300_000 */
  readonly timeoutMs?: number;
}

/** Write YAML texts (`{ 'name.k8s.yaml': text }`) to a fresh temp directory and return it. */
export function manifestDir(files: { [name: string]: string }): string {
  const dir = tempDir('scan');
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

interface Manifest {
  readonly file: string;
  readonly objects: any[];
  /** The first and last line (1-based) of each object's document, in `objects` order. */
  readonly lines: Array<[number, number]>;
}

function readManifests(dir: string): Manifest[] {
  return fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((file) => {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const lineAt = (offset: number) => text.slice(0, offset).split('\n').length;
    const objects: any[] = [];
    const lines: Array<[number, number]> = [];
    for (const d of parseAllDocuments(text)) {
      const o = d.toJS();
      if (!o || typeof o !== 'object') continue;
      objects.push(o);
      lines.push([lineAt(d.contents?.range?.[0] ?? d.range[0]), lineAt(d.range[1])]);
    }
    return { file, objects, lines };
  });
}

/** Finds the manifest object a scanner names, to write its namespace as the manifest does and to name containers. */
class ObjectIndex {
  constructor(private readonly manifests: Manifest[]) {}

  /** The object whose document holds `line` of `file`. */
  atLine(file: string, line: number): any | undefined {
    const m = this.manifests.find((x) => x.file === file);
    const i = m?.lines.findIndex(([a, b]) => a <= line && line <= b) ?? -1;
    return i >= 0 ? m!.objects[i] : undefined;
  }

  find(file: string, kind: string, namespace: string, name: string): any | undefined {
    const objects = this.manifests.find((m) => m.file === file)?.objects ?? this.manifests.flatMap((m) => m.objects);
    const same = objects.filter((o) => o.kind === kind && o.metadata?.name === name);
    return same.find((o) => (o.metadata?.namespace ?? '') === namespace)
      ?? (['', '-', 'default'].includes(namespace) ? same.find((o) => !o.metadata?.namespace) : undefined)
      ?? (same.length === 1 ? same[0] : undefined);
  }

  ref(file: string, kind: string, namespace: string, name: string): string {
    const o = this.find(file, kind, namespace, name);
    const ns = o ? o.metadata?.namespace || '-' : namespace || '-';
    return `${kind}/${ns}/${name}`;
  }
}

function scannerRun(tool: string, args: string[], timeoutMs: number, okCodes: number[]) {
  const r = run(toolPath(tool), args, { timeoutMs });
  if (r.code === null || !okCodes.includes(r.code)) {
    throw new Error(`${tool} ${args.join(' ')} exited ${r.code}:\n${`${r.stderr}\n${r.stdout}`.slice(0, 8000)}`);
  }
  return r;
}

/** The checkov version, e.g. `3.3.30`. */
export function checkovVersion(): string {
  return run(toolPath('checkov'), ['--version']).stdout.trim();
}

/** The kube-score version, e.g. `1.20.0`. */
export function kubeScoreVersion(): string {
  const out = run(toolPath('kube-score'), ['version']).stdout;
  const m = /kube-score version: ([^,\s]+)/.exec(out);
  if (!m) throw new Error(`kube-score version printed: ${out}`);
  return m[1];
}

/** checkov's Kubernetes framework over the directory. */
export function checkovScan(dir: string, opts: ScanOptions = {}): ScanResult {
  const index = new ObjectIndex(readManifests(dir));
  const args = ['-d', dir, '--framework', 'kubernetes', '-o', 'json', '--skip-download'];
  if (opts.checkovSkip?.length) args.push('--skip-check', opts.checkovSkip.join(','));
  // 0: nothing failed, 1: some check failed; anything else is checkov failing.
  const r = scannerRun('checkov', args, opts.timeoutMs ?? 300_000, [0, 1]);
  const out = JSON.parse(r.stdout);
  const reports: any[] = (Array.isArray(out) ? out : [out]).filter((x) => x.check_type === 'kubernetes');
  const findings: ScanFinding[] = [];
  let passed = 0, failed = 0, resources = 0, parsingErrors = 0;
  for (const rep of reports) {
    passed += rep.summary?.passed ?? 0;
    failed += rep.summary?.failed ?? 0;
    resources += rep.summary?.resource_count ?? 0;
    parsingErrors += rep.summary?.parsing_errors ?? 0;
    for (const f of rep.results?.failed_checks ?? []) {
      // resource: Kind.namespace.name (a name may hold dots; a namespace never does). A graph check names the
      // pod of a workload `Pod.namespace.<name>.<labels…>`: its line range finds the workload.
      const [kind, namespace, ...rest] = String(f.resource).split('.');
      const name = rest.join('.');
      const file = path.basename(f.file_path ?? '');
      const obj = index.find(file, kind, namespace, name) ?? index.atLine(file, f.file_line_range?.[0] ?? -1);
      if (!obj) throw new Error(`checkov named ${f.resource} (${file}:${f.file_line_range}), which is not in the manifests`);
      findings.push({
        tool: 'checkov',
        check: f.check_id,
        title: f.check_name,
        object: `${obj.kind}/${obj.metadata?.namespace || '-'}/${obj.metadata?.name}`,
        ...containerOf(obj, f.check_result?.evaluated_keys ?? []),
        message: f.check_name,
        file,
      });
    }
  }
  if (parsingErrors > 0) throw new Error(`checkov could not parse ${parsingErrors} file(s) in ${dir}`);
  return { tool: 'checkov', version: checkovVersion(), findings, summary: `passed ${passed}, failed ${failed}, resources ${resources}` };
}

/** The container an evaluated key like `spec/template/spec/containers/[1]/image` points at. */
function containerOf(obj: any, keys: string[]): { container?: string } {
  for (const k of keys) {
    const m = /^(.*?)\/?(containers|initContainers)\/\[(\d+)\]/.exec(k);
    if (!m || !obj) continue;
    let spec = obj;
    for (const part of m[1].split('/').filter(Boolean)) spec = spec?.[part];
    const c = spec?.[m[2]]?.[Number(m[3])];
    if (c?.name) return { container: c.name };
  }
  return {};
}

/** kube-score over every manifest of the directory. */
export function kubeScoreScan(dir: string, opts: ScanOptions = {}): ScanResult {
  const manifests = readManifests(dir);
  const index = new ObjectIndex(manifests);
  const args = ['score', '-o', 'json', '--kubernetes-version', 'v1.27'];
  for (const t of opts.kubeScoreIgnore ?? []) args.push('--ignore-test', t);
  for (const t of opts.kubeScoreOptional ?? []) args.push('--enable-optional-test', t);
  args.push(...manifests.map((m) => path.join(dir, m.file)));
  // kube-score exits 1 when a check is CRITICAL.
  const r = scannerRun('kube-score', args, opts.timeoutMs ?? 300_000, [0, 1]);
  const objects: any[] = JSON.parse(r.stdout) ?? [];
  const findings: ScanFinding[] = [];
  let checks = 0;
  for (const o of objects) {
    const kind = o.type_meta?.kind;
    const name = o.object_meta?.name;
    const file = path.basename(o.file_name ?? '');
    const object = index.ref(file, kind, o.object_meta?.namespace ?? '', name);
    const obj = index.find(file, kind, o.object_meta?.namespace ?? '', name);
    const spec = podSpecOf(obj);
    const containers = new Set([...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].map((c: any) => c.name));
    for (const t of o.checks ?? []) {
      checks++;
      if (t.skipped || t.grade > 5) continue;
      const grade = t.grade <= 1 ? 'CRITICAL' : 'WARNING';
      for (const c of (t.comments?.length ? t.comments : [{ path: '', summary: t.check.name, description: '' }])) {
        findings.push({
          tool: 'kube-score',
          check: t.check.id,
          title: t.check.name,
          object,
          ...(c.path && containers.has(c.path) ? { container: c.path } : {}),
          message: `[${grade}] ${[c.path && !containers.has(c.path) ? `${c.path}:` : '', c.summary, c.description ? `(${c.description})` : ''].filter(Boolean).join(' ')}`,
          file,
        });
      }
    }
  }
  return { tool: 'kube-score', version: kubeScoreVersion(), findings, summary: `objects ${objects.length}, checks ${checks}, below OK ${findings.length}` };
}

function podSpecOf(o: any): any {
  if (!o) return undefined;
  if (o.kind === 'Pod') return o.spec;
  if (o.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template?.spec;
  return o.spec?.template?.spec;
}

/** kube-linter (default checks, plus `opts.kubeLinter`) over each manifest of the directory. */
export function kubeLinterScan(dir: string, opts: ScanOptions = {}): ScanResult {
  const findings: ScanFinding[] = [];
  let objects = 0;
  for (const m of readManifests(dir)) {
    if (m.objects.length === 0) continue;
    objects += m.objects.length;
    const r = kubeLint(fs.readFileSync(path.join(dir, m.file), 'utf8'), { timeoutMs: opts.timeoutMs ?? 300_000, ...opts.kubeLinter });
    if (!r.ok && r.reports.length === 0) throw new Error(`kube-linter failed on ${m.file}: ${r.findings}`);
    for (const x of r.reports) {
      const container = /container "([^"]+)"/.exec(x.message)?.[1];
      findings.push({ tool: 'kube-linter', check: x.check, title: x.check, object: x.object, ...(container ? { container } : {}), message: x.message, file: m.file });
    }
  }
  return { tool: 'kube-linter', version: kubeLinterVersion(), findings, summary: `objects ${objects}, findings ${findings.length}` };
}

/** All three scanners over the directory. */
export function scanAll(dir: string, opts: ScanOptions = {}): ScanResult[] {
  return [checkovScan(dir, opts), kubeScoreScan(dir, opts), kubeLinterScan(dir, opts)];
}

/**
 * A plain-text table of findings per tool and check: count, objects, files, title. With `reasons`, the reason
 * listed for each check (or `NOT LISTED`).
 */
export function findingsTable(results: ScanResult[], reasons?: (tool: ScannerName, check: string) => string | undefined): string {
  const rows: string[][] = [['tool', 'check', 'findings', 'objects', 'files', 'title', ...(reasons ? ['exception'] : [])]];
  for (const res of results) {
    const byCheck = new Map<string, ScanFinding[]>();
    for (const f of res.findings) byCheck.set(f.check, [...(byCheck.get(f.check) ?? []), f]);
    for (const [check, fs_] of [...byCheck.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const row = [res.tool, check, String(fs_.length), String(objectCount(fs_)), String(new Set(fs_.map((f) => f.file)).size), fs_[0].title];
      if (reasons) row.push(reasons(res.tool, check) ?? 'NOT LISTED');
      rows.push(row);
    }
    rows.push([res.tool, '(total)', String(res.findings.length), String(objectCount(res.findings)), String(new Set(res.findings.map((f) => f.file)).size), `${res.version}: ${res.summary}`, ...(reasons ? [''] : [])]);
  }
  // Pad every column but the last; the (total) rows' summaries do not widen the title column.
  const last = rows[0].length - 1;
  const widths = rows[0].map((_, i) => Math.max(...rows.filter((r) => i !== 5 || r[1] !== '(total)').map((r) => r[i].length)));
  const cell = (c: string, i: number) => (i === last ? c : [2, 3, 4].includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]));
  return rows.map((r) => r.map(cell).join('  ').trimEnd()).join('\n');
}

function objectCount(findings: ScanFinding[]): number {
  return new Set(findings.map((f) => `${f.file} ${f.object}`)).size;
}
