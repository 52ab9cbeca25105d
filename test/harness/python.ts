/**
 * Python for the tier-2 package proofs: a virtualenv with the pinned PyPI dependencies, cached in the tool cache
 * and shared by every test run on the machine (created and updated under a lock), and this run's own wheel
 * installed outside it, in a private directory put first on `PYTHONPATH`: two runs at once never install into
 * each other's interpreter.
 */
import * as path from 'path';
import { run, tempDir, TOOLS_DIR } from './proc';

/** A Python that imports the pinned `deps` from the shared virtualenv `name` and `wheel` from a private directory. */
export interface PythonWithWheel {
  /** The virtualenv's python. */
  readonly python: string;
  /** The environment that puts the wheel first (`PYTHONPATH`). */
  readonly env: Record<string, string>;
}

/**
 * The shared virtualenv `$CDK8S_DP_TOOLS/<name>` with `deps` (pip requirement specifiers) installed, and `wheel`
 * installed (without dependencies) into a fresh directory of this run, checked to be where `module` imports from.
 */
export function pythonWithWheel(name: string, deps: string[], wheel: string, module: string): PythonWithWheel {
  const venv = path.join(TOOLS_DIR, name);
  const python = path.join(venv, 'bin', 'python');
  // flock(1) serializes the virtualenv's creation and pip runs across test runs; pip is a no-op when satisfied
  const script = 'set -e; [ -x "$1/bin/python" ] || python3 -m venv "$1"; v="$1"; shift; "$v/bin/python" -m pip install --quiet "$@"';
  const deps_ = run('flock', [path.join(TOOLS_DIR, `.${name}.lock`), 'sh', '-c', script, 'sh', venv, ...deps], { timeoutMs: 900_000 });
  if (deps_.code !== 0) throw new Error(`${name}: installing ${deps.join(' ')} failed:\n${deps_.stderr}`);
  const check = run(python, ['-m', 'pip', 'check'], { timeoutMs: 60_000 });
  if (!/No broken requirements/.test(check.stdout)) throw new Error(`${name}: pip check: ${check.stdout}${check.stderr}`);
  const target = tempDir('wheel');
  const inst = run(python, ['-m', 'pip', 'install', '--quiet', '--no-deps', '--target', target, wheel], { timeoutMs: 300_000 });
  if (inst.code !== 0) throw new Error(`${wheel}: ${inst.stderr}`);
  // the wheel's module is the one imported, not a copy an older run left in the shared virtualenv
  const where = run(python, ['-c', `import ${module}; print(${module}.__file__)`], { timeoutMs: 120_000, env: { PYTHONPATH: target, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' } });
  if (where.code !== 0 || !where.stdout.trim().startsWith(target + path.sep)) {
    throw new Error(`${module} is imported from ${where.stdout.trim() || where.stderr}, not from ${target}`);
  }
  return { python, env: { PYTHONPATH: target } };
}
