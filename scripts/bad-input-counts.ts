// The README's bad-input table (issue 15: "report the count by class"), from a jest JSON report of tier 1: every
// passed case of test/bad-input/*.test.ts is named `[<class>] <what>` by test/harness/bad-input.ts, so the table
// counts exactly the cases that ran and passed.
//
//   ts-node --project test/tsconfig.json scripts/bad-input-counts.ts --write [report.json]   rewrite the README table
//   ts-node --project test/tsconfig.json scripts/bad-input-counts.ts --check [report.json]   fail if it differs
//
// The report defaults to test-reports/tier1.json (scripts/test.sh writes it; `--check` runs there after tier 1).
import * as fs from 'fs';
import * as path from 'path';
import { BAD_INPUT_CLASSES } from '../test/harness/bad-input';

const root = path.resolve(__dirname, '..');
const BEGIN = '<!-- bad-input:counts -->';
const END = '<!-- /bad-input:counts -->';

/** Cases per pattern file and class, from a jest JSON report. */
export function tally(report: any): Map<string, Map<string, number>> {
  const byFile = new Map<string, Map<string, number>>();
  for (const r of report.testResults ?? []) {
    const m = /test\/bad-input\/([^/]+)\.test\.ts$/.exec(r.name ?? '');
    if (!m) continue;
    const counts = byFile.get(m[1]) ?? new Map<string, number>();
    for (const a of r.assertionResults ?? []) {
      const c = /^\[([a-z]+)\] /.exec(a.title ?? '');
      if (!c || a.status !== 'passed') continue;
      if (!(BAD_INPUT_CLASSES as string[]).includes(c[1])) throw new Error(`${r.name}: unknown bad-input class '${c[1]}' in '${a.title}'`);
      counts.set(c[1], (counts.get(c[1]) ?? 0) + 1);
    }
    byFile.set(m[1], counts);
  }
  return byFile;
}

/** The markdown table: one row per class (those with cases), one column per pattern file, totals. */
export function table(byFile: Map<string, Map<string, number>>): string {
  const files = [...byFile.keys()].sort();
  const classes = BAD_INPUT_CLASSES.filter((c) => files.some((f) => (byFile.get(f)!.get(c) ?? 0) > 0));
  const total = (f: string) => [...byFile.get(f)!.values()].reduce((a, b) => a + b, 0);
  const rows = [
    `| class | ${files.map((f) => `\`${f}\``).join(' | ')} | all |`,
    `|---|${files.map(() => '---:').join('|')}|---:|`,
    ...classes.map((c) => {
      const cells = files.map((f) => byFile.get(f)!.get(c) ?? 0);
      return `| ${c} | ${cells.map((n) => (n === 0 ? '' : String(n))).join(' | ')} | ${cells.reduce((a, b) => a + b, 0)} |`;
    }),
    `| **all** | ${files.map((f) => `**${total(f)}**`).join(' | ')} | **${files.reduce((a, f) => a + total(f), 0)}** |`,
  ];
  return rows.join('\n');
}

function main(): void {
  const [mode, reportArg] = process.argv.slice(2);
  if (mode !== '--write' && mode !== '--check') throw new Error('usage: bad-input-counts.ts --write|--check [report.json]');
  const reportFile = path.resolve(reportArg ?? path.join(root, 'test-reports', 'tier1.json'));
  const byFile = tally(JSON.parse(fs.readFileSync(reportFile, 'utf8')));
  if (byFile.size === 0) throw new Error(`${reportFile}: no test/bad-input suite in this report (run the whole tier 1 with --json)`);
  const readmeFile = path.join(root, 'README.md');
  const readme = fs.readFileSync(readmeFile, 'utf8');
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${BEGIN} … ${END} block`);
  const next = `${readme.slice(0, a + BEGIN.length)}\n${table(byFile)}\n${readme.slice(b)}`;
  if (mode === '--write') {
    fs.writeFileSync(readmeFile, next);
    console.log(table(byFile));
  } else if (next !== readme) {
    throw new Error(`README.md's bad-input table is not what tier 1 ran; run: ts-node --project test/tsconfig.json scripts/bad-input-counts.ts --write\n${table(byFile)}`);
  } else {
    console.log('README.md bad-input table: as tier 1 ran');
  }
}

if (require.main === module) main();
