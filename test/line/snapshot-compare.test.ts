// The comparison `npx projen line:<line>:snapshot-diff` makes (scripts/snapshot-compare.ts): it reads every
// snapshot back as data, recognises a native sidecar as the regular container of the 27 line, and still catches
// every other difference.
import * as fs from 'fs';
import * as path from 'path';
import { asRegularSidecars, firstDifference, parsePrettyFormat, snapEntries, snapshotData } from '../../scripts/snapshot-compare';
import { harnessLine } from '../harness/line';

function snapFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : snapFiles(p);
    return e.name.endsWith('.snap') ? [p] : [];
  });
}

const pod = (containers: any[], initContainers?: any[]) => ({ kind: 'Deployment', spec: { template: { spec: { containers, ...(initContainers ? { initContainers } : {}) } } } });

describe('snapshot comparison across lines', () => {
  test("every snapshot of the main line reads back as data that prints to the snapshot's own text", () => {
    const files = snapFiles(path.join(harnessLine().repoRoot, 'test'));
    expect(files.length).toBeGreaterThan(10);
    let entries = 0;
    for (const f of files) {
      for (const [, text] of snapEntries(fs.readFileSync(f, 'utf8'))) {
        expect(() => snapshotData(text)).not.toThrow();
        entries++;
      }
    }
    expect(entries).toBeGreaterThan(40);
  });

  test('a string holding JSON with `",` line ends and a line that looks like the next key is read whole', () => {
    const text = '{\n  "config.json": "{\n  "host": "a",\n  "port": 1\n}",\n  "name": "x",\n}';
    expect(parsePrettyFormat(text)).toEqual({ 'config.json': '{\n  "host": "a",\n  "port": 1\n}', 'name': 'x' });
  });

  test('a native sidecar reads as the regular container of the 27 line', () => {
    const main = pod([{ name: 'app', image: 'a' }, { name: 'election', image: 'node' }]);
    const native = pod([{ name: 'app', image: 'a' }], [{ name: 'election', image: 'node', restartPolicy: 'Always' }]);
    expect(firstDifference(main, native)).toBeDefined();
    expect(firstDifference(asRegularSidecars(main), asRegularSidecars(native))).toBeUndefined();
  });

  test('an init container that runs to completion stays an init container; the order of init containers is kept', () => {
    const main = pod([{ name: 'app' }, { name: 'proxy' }], [{ name: 'render' }]);
    const native = pod([{ name: 'app' }], [{ name: 'render' }, { name: 'proxy', restartPolicy: 'Always' }]);
    expect(firstDifference(asRegularSidecars(main), asRegularSidecars(native))).toBeUndefined();
    const moved = pod([{ name: 'app' }, { name: 'render' }], [{ name: 'proxy', restartPolicy: 'Always' }]);
    expect(firstDifference(asRegularSidecars(main), asRegularSidecars(moved))).toMatch(/^\/spec\/template\/spec\/(containers|initContainers)/);
  });

  test('any other difference inside a native sidecar is still found, with its path', () => {
    const main = pod([{ name: 'app' }, { name: 'election', image: 'node:22' }]);
    const native = pod([{ name: 'app' }], [{ name: 'election', image: 'node:20', restartPolicy: 'Always' }]);
    expect(firstDifference(asRegularSidecars(main), asRegularSidecars(native))).toBe('/spec/template/spec/containers/1/image: "node:22" vs "node:20"');
  });
});
