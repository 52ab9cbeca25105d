// The README's tables that state facts about the output, checked against the output: the default images (the
// table of ContainerImages), and the label rule on every object of every example.
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { exampleNames, synthExample } from '../scripts/synth-examples';
import { ContainerImages, RecommendedLabels } from '../src';
import { exceptionsTable } from './harness/scanner-exceptions';

const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

function section(title: string): string {
  const start = readme.indexOf(`## ${title}\n`);
  if (start < 0) throw new Error(`README has no section '${title}'`);
  const end = readme.indexOf('\n## ', start + 3);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The rows of the first markdown table of a section, as arrays of cells. */
function tableRows(text: string): string[][] {
  return text.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('|---')).slice(1)
    .map((l) => l.slice(2, -2).split(' | ').map((c) => c.trim()));
}

test('the README\'s default image table is ContainerImages.defaults(), row for row', () => {
  const rows = tableRows(section('Default images')).map(([key, image, ids]) => [key.replace(/`/g, ''), image.replace(/`/g, ''), ids]);
  expect(rows).toEqual(ContainerImages.defaults().map((d) => [d.key, d.image, `${d.uid}:${d.gid}`]));
});

const POD_TEMPLATE_KINDS: { [kind: string]: (o: any) => any } = {
  Deployment: (o) => o.spec.template,
  StatefulSet: (o) => o.spec.template,
  Job: (o) => o.spec.template,
  CronJob: (o) => o.spec.jobTemplate.spec.template,
  ScaledJob: (o) => o.spec.jobTargetRef.template,
};

describe.each(exampleNames())('the label rule holds on every object of example %s', (name) => {
  const objects = parseAllDocuments(synthExample(name)).map((d) => d.toJS()).filter((o) => o);
  const ours = objects.filter((o) => o.metadata?.labels?.['app.kubernetes.io/managed-by'] === RecommendedLabels.MANAGED_BY);

  test('every object the library makes carries name, instance, part-of and managed-by', () => {
    expect(ours.length).toBeGreaterThan(0);
    for (const o of ours) {
      const l = o.metadata.labels;
      for (const key of ['name', 'instance', 'part-of']) expect([o.kind, o.metadata.name, key, l[`app.kubernetes.io/${key}`]]).toEqual([o.kind, o.metadata.name, key, expect.any(String)]);
    }
  });

  test('one part-of and one instance per pattern instance; pod templates carry a version; selectors never do', () => {
    for (const o of ours) {
      const get = POD_TEMPLATE_KINDS[o.kind];
      if (!get) continue;
      const podLabels = get(o).metadata.labels;
      expect([o.metadata.name, podLabels['app.kubernetes.io/version']]).toEqual([o.metadata.name, expect.any(String)]);
      expect(podLabels['app.kubernetes.io/part-of']).toBe(o.metadata.labels['app.kubernetes.io/part-of']);
      const selector = o.spec.selector?.matchLabels ?? {};
      expect(selector['app.kubernetes.io/version']).toBeUndefined();
      for (const [k, v] of Object.entries(selector)) expect([o.metadata.name, k, podLabels[k]]).toEqual([o.metadata.name, k, v]);
    }
  });
});

describe("the README's bad-input table (scripts/bad-input-counts.ts)", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { tally, table } = require('../scripts/bad-input-counts');
  const report = {
    testResults: [
      {
        name: '/x/test/bad-input/sharded-cache.test.ts',
        assertionResults: [
          { title: "[count] 'shards' is 0", status: 'passed' },
          { title: "[count] 'shards' is 1025", status: 'passed' },
          { title: '[image] latest', status: 'failed' },
          { title: 'not a case', status: 'passed' },
        ],
      },
      { name: '/x/test/serving/sharded-cache.test.ts', assertionResults: [{ title: '[count] elsewhere', status: 'passed' }] },
    ],
  };

  test('counts only the passed cases of test/bad-input suites, by their class', () => {
    const t = tally(report);
    expect([...t.keys()]).toEqual(['sharded-cache']);
    expect(Object.fromEntries(t.get('sharded-cache'))).toEqual({ count: 2 });
    expect(table(t)).toBe('| class | `sharded-cache` | all |\n|---|---:|---:|\n| count | 2 | 2 |\n| **all** | **2** | **2** |');
  });

  test('fails on a class the harness does not know', () => {
    expect(() => tally({ testResults: [{ name: 'test/bad-input/a.test.ts', assertionResults: [{ title: '[colour] red', status: 'passed' }] }] }))
      .toThrow("unknown bad-input class 'colour'");
  });

  test('the README holds the table between its markers', () => {
    const text = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    expect(text).toMatch(/<!-- bad-input:counts -->\n\| class \|[\s\S]*\| \*\*all\*\* \|[^\n]*\n<!-- \/bad-input:counts -->/);
  });
});

describe('README security section', () => {
  test('the scanner exceptions table is the list tier 2 enforces (test/harness/scanner-exceptions.ts), every reason final', () => {
    const m = /<!-- scanners:exceptions -->\n([\s\S]*?)\n<!-- \/scanners:exceptions -->/.exec(readme);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(exceptionsTable());
    expect(m![1]).not.toMatch(/TODO/);
  });
});
