/**
 * kube-linter (installed by scripts/install/50-kube-linter.sh) over rendered manifests: the YAML goes to a temp
 * file, `kube-linter lint --format json` reads it, and the reports come back as data and as readable lines.
 */
import * as fs from 'fs';
import * as path from 'path';
import { run, tempDir, toolPath } from './proc';

/** One kube-linter report: a check that failed on an object. */
export interface KubeLintReport {
  /** The check's name, e.g. `latest-tag`, `run-as-non-root`. */
  readonly check: string;
  /** `Kind/namespace/name` of the object. */
  readonly object: string;
  readonly message: string;
  readonly remediation: string;
}

/** The result of `kubeLint`. */
export interface KubeLintResult {
  /** True when kube-linter exited 0: objects were found and no check failed. */
  readonly ok: boolean;
  /** One line per report (`Kind/ns/name [check] message`), or kube-linter's error output when it found none. */
  readonly findings: string;
  readonly reports: KubeLintReport[];
  /** The names of the checks that failed, sorted, without repeats. */
  readonly checks: string[];
}

/** Options for `kubeLint`. */
export interface KubeLintOptions {
  /** Checks to run besides the defaults (`--include`). */
  readonly include?: string[];
  /** Checks not to run (`--exclude`). */
  readonly exclude?: string[];
  /** A kube-linter config file's YAML text (`--config`). */
  readonly config?: string;
  /** @default 60_000 */
  readonly timeoutMs?: number;
}

/** The kube-linter version string, e.g. `v0.8.3`. */
export function kubeLinterVersion(): string {
  return run(toolPath('kube-linter'), ['version']).stdout.trim();
}

/**
 * Lint a multi-document YAML text with kube-linter's default checks (plus `include`, minus `exclude`).
 * A text with no Kubernetes object in it is not ok (`--fail-if-no-objects-found`).
 */
export function kubeLint(yamlText: string, opts: KubeLintOptions = {}): KubeLintResult {
  const dir = tempDir('kube-linter');
  const file = path.join(dir, 'manifests.yaml');
  fs.writeFileSync(file, yamlText);
  const args = ['lint', '--format', 'json', '--fail-if-no-objects-found', '--with-color=false'];
  for (const c of opts.include ?? []) args.push('--include', c);
  for (const c of opts.exclude ?? []) args.push('--exclude', c);
  if (opts.config !== undefined) {
    const cfg = path.join(dir, 'kube-linter.yaml');
    fs.writeFileSync(cfg, opts.config);
    args.push('--config', cfg);
  }
  args.push(file);
  const r = run(toolPath('kube-linter'), args, { timeoutMs: opts.timeoutMs ?? 60_000 });
  let reports: KubeLintReport[] = [];
  try {
    const out = JSON.parse(r.stdout);
    reports = (out.Reports ?? []).map((x: any) => {
      const o = x.Object?.K8sObject ?? {};
      return {
        check: x.Check,
        object: `${o.GroupVersionKind?.Kind}/${o.Namespace || '-'}/${o.Name}`,
        message: x.Diagnostic?.Message ?? '',
        remediation: x.Remediation ?? '',
      };
    });
  } catch {
    // no JSON: kube-linter failed before linting (no objects, unreadable YAML); stderr says why
  }
  const findings = reports.length > 0
    ? reports.map((x) => `${x.object} [${x.check}] ${x.message}`).join('\n')
    : r.code === 0 ? '' : `${r.stderr}${r.stdout}`.trim();
  return { ok: r.code === 0, findings, reports, checks: [...new Set(reports.map((x) => x.check))].sort() };
}
