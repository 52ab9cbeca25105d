// Tier 2: the jsii Python package (dist/python/*.whl) installed in a virtualenv with cdk8s and cdk8s-plus-27 from
// PyPI, used by a Python cdk8s app; its YAML must be byte-identical to the same app written in TypeScript.
import * as fs from 'fs';
import * as path from 'path';
import * as kplus from 'cdk8s-plus-27';
import { parseAllDocuments } from 'yaml';
import * as lib from '../../src';
import { assertValid } from '../harness';
import { run, tempDir } from '../harness/proc';
import { pythonWithWheel, PythonWithWheel } from '../harness/python';
import { twinModelLine, typescriptTwin } from '../python/twin';

jest.setTimeout(900_000);

const root = path.resolve(__dirname, '..', '..');

/** The shared virtualenv with cdk8s and cdk8s-plus-27 from PyPI, and the wheel `npx projen package:python` built. */
function pythonWithPackage(): PythonWithWheel {
  const distDir = path.join(root, 'dist', 'python');
  const wheels = fs.existsSync(distDir) ? fs.readdirSync(distDir).filter((f) => f.endsWith('.whl')) : [];
  expect(wheels).toHaveLength(1);
  return pythonWithWheel('python-proof-venv', ['cdk8s==2.70.115', 'cdk8s-plus-27==2.9.5', 'constructs==10.8.1'], path.join(distDir, wheels[0]), 'cdk8s_distributed_patterns');
}

let py: PythonWithWheel;
beforeAll(() => {
  py = pythonWithPackage();
});

test('the Python package synthesizes the same manifests as TypeScript', () => {
  // WHEN the Python app synthesizes
  const out = tempDir('pyapp');
  const r = run(py.python, [path.join(root, 'examples', 'python', 'app.py'), out], { timeoutMs: 300_000, env: { ...py.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' } });
  if (r.code !== 0) throw new Error(`${r.stdout}\n${r.stderr}`);
  expect(r.stdout).toMatch(/server for user:42 = sharded-redis-[0-3]; resize 4->5 moves 0\.\d{4}/);
  const files = fs.readdirSync(out);
  expect(files).toEqual(['app.k8s.yaml']);
  const pythonYaml = fs.readFileSync(path.join(out, 'app.k8s.yaml'), 'utf8');

  // THEN it is valid, in the example's own namespace (every object), and byte-identical to the TypeScript twin
  const objects = parseAllDocuments(pythonYaml).map((d) => d.toJS());
  assertValid(objects);
  expect([...new Set(objects.map((o) => o.metadata.namespace))]).toEqual(['python-proof']);
  expect(pythonYaml).toBe(typescriptTwin(lib, kplus, tempDir('tsapp')));
  // and the model answers the same in both languages
  expect(r.stdout).toContain(twinModelLine(lib));
});

/** The README's ```python blocks, with the line each starts on. */
export function pythonBlocks(markdown: string): { line: number; code: string; inPod: boolean }[] {
  const blocks: { line: number; code: string; inPod: boolean }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```python') continue;
    const start = i + 1;
    let j = start;
    while (j < lines.length && lines[j].trim() !== '```') j++;
    // `<!-- python:in-pod -->` on the line before: code that runs inside a pod (against its environment).
    blocks.push({ line: start + 1, code: lines.slice(start, j).join('\n'), inPod: lines[i - 1]?.trim() === '<!-- python:in-pod -->' });
    i = j;
  }
  return blocks;
}

/** A block with every `expression  # => value` line made into a check that records what it got. */
export function instrumentPython(block: { line: number; code: string }): { program: string; claims: number } {
  let claims = 0;
  const body = block.code.split('\n').map((l, k) => {
    const m = /^(\s*)(.+?)\s+# => (.+)$/.exec(l);
    if (!m) return l;
    claims++;
    return `${m[1]}__claim(${block.line + k}, ${JSON.stringify(m[2])}, lambda: (${m[2]}), ${m[3]})`;
  });
  const prelude = [
    'import json, sys',
    '__failures = []',
    'def __claim(line, text, got, expected):',
    '    actual = got()',
    '    if actual != expected:',
    '        __failures.append(f"README.md:{line}: {text} is {actual!r}, the README says {expected!r}")',
  ];
  const epilogue = ['print(json.dumps(__failures))'];
  return { program: [...prelude, ...body, ...epilogue].join('\n') + '\n', claims };
}

describe("the README's Python blocks", () => {
  const blocks = pythonBlocks(fs.readFileSync(path.join(root, 'README.md'), 'utf8'));

  test('there are some, and they state values', () => {
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks.map((b) => instrumentPython(b).claims).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  test('a wrong claim is caught (self-test)', () => {
    const { program } = instrumentPython({ line: 1, code: "x = 'a'\nx  # => 'b'" });
    const dir = tempDir('readme-py-self');
    fs.writeFileSync(path.join(dir, 'block.py'), program);
    const r = run(py.python, [path.join(dir, 'block.py')], { timeoutMs: 60_000, cwd: dir, env: py.env });
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual(["README.md:2: x is 'a', the README says 'b'"]);
  });

  test.each(blocks.filter((b) => b.inPod).map((b) => [b.line, b] as const))('README.md:%d (in a pod) compiles', (_line, block) => {
    const dir = tempDir(`readme-py-${block.line}`);
    fs.writeFileSync(path.join(dir, 'block.py'), block.code);
    const r = run(py.python, ['-m', 'py_compile', path.join(dir, 'block.py')], { timeoutMs: 60_000, cwd: dir, env: py.env });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  });

  test.each(blocks.filter((b) => !b.inPod).map((b) => [b.line, b] as const))('README.md:%d runs in an empty directory and says what it gets', (_line, block) => {
    const dir = tempDir(`readme-py-${block.line}`);
    fs.writeFileSync(path.join(dir, 'block.py'), instrumentPython(block).program);
    const r = run(py.python, [path.join(dir, 'block.py')], { timeoutMs: 300_000, cwd: dir, env: { ...py.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' } });
    if (r.code !== 0) throw new Error(`README.md:${block.line}: exit ${r.code}\n${r.stderr}`);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual([]);
    // What it synthesized is valid (strict schema, restricted).
    const dist = path.join(dir, 'dist');
    for (const f of fs.existsSync(dist) ? fs.readdirSync(dist) : []) {
      assertValid(parseAllDocuments(fs.readFileSync(path.join(dist, f), 'utf8')).map((d) => d.toJS()));
    }
  });
});
