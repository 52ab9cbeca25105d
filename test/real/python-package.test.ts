// Tier 2: the jsii Python package (dist/python/*.whl) installed in a virtualenv with cdk8s and cdk8s-plus-27 from
// PyPI, used by a Python cdk8s app; its YAML must be byte-identical to the same app written in TypeScript.
import * as fs from 'fs';
import * as path from 'path';
import * as kplus from 'cdk8s-plus-27';
import { parseAllDocuments } from 'yaml';
import * as lib from '../../src';
import { assertValid } from '../harness';
import { run, tempDir, TOOLS_DIR } from '../harness/proc';
import { twinModelLine, typescriptTwin } from '../python/twin';

jest.setTimeout(900_000);

const root = path.resolve(__dirname, '..', '..');

test('the Python package synthesizes the same manifests as TypeScript', () => {
  // GIVEN the wheel `npx projen package:python` built
  const distDir = path.join(root, 'dist', 'python');
  const wheels = fs.existsSync(distDir) ? fs.readdirSync(distDir).filter((f) => f.endsWith('.whl')) : [];
  expect(wheels).toHaveLength(1);
  // AND a virtualenv with cdk8s and cdk8s-plus-27 from PyPI (cached; the wheel is reinstalled every run)
  const venv = path.join(TOOLS_DIR, 'python-proof-venv');
  const py = path.join(venv, 'bin', 'python');
  if (!fs.existsSync(py)) {
    const mk = run('python3', ['-m', 'venv', venv], { timeoutMs: 120_000 });
    expect(mk.stderr).toBe('');
  }
  const deps = run(py, ['-m', 'pip', 'install', '--quiet', 'cdk8s==2.70.115', 'cdk8s-plus-27==2.9.5', 'constructs==10.8.1'], { timeoutMs: 600_000 });
  if (deps.code !== 0) throw new Error(deps.stderr);
  const inst = run(py, ['-m', 'pip', 'install', '--quiet', '--force-reinstall', '--no-deps', path.join(distDir, wheels[0])], { timeoutMs: 300_000 });
  if (inst.code !== 0) throw new Error(inst.stderr);
  const check = run(py, ['-m', 'pip', 'check'], { timeoutMs: 60_000 });
  expect(check.stdout).toMatch(/No broken requirements/);

  // WHEN the Python app synthesizes
  const out = tempDir('pyapp');
  const r = run(py, [path.join(root, 'test', 'python', 'app.py'), out], { timeoutMs: 300_000, env: { JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' } });
  if (r.code !== 0) throw new Error(`${r.stdout}\n${r.stderr}`);
  expect(r.stdout).toMatch(/server for user:42 = sharded-redis-[0-3]; resize 4->5 moves 0\.\d{4}/);
  const files = fs.readdirSync(out);
  expect(files).toEqual(['app.k8s.yaml']);
  const pythonYaml = fs.readFileSync(path.join(out, 'app.k8s.yaml'), 'utf8');

  // THEN it is valid, and byte-identical to the TypeScript twin
  assertValid(parseAllDocuments(pythonYaml).map((d) => d.toJS()));
  expect(pythonYaml).toBe(typescriptTwin(lib, kplus, tempDir('tsapp')));
  // and the model answers the same in both languages
  expect(r.stdout).toContain(twinModelLine(lib));
});
