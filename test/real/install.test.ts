// Tier 2: the README's Install section, done exactly as it says, in a fresh directory: a new cdk8s-style app
// (TypeScript: package.json + tsconfig + main.ts as `cdk8s init typescript-app` lays them out; Python: a fresh
// virtualenv and main.py), the packages built from this checkout (`dist/js`, `dist/python`), installed with the
// README's own commands, compiled and synthesized. The YAML must be valid and byte-identical to the same app
// synthesized from src/.
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, YamlOutputType } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { ShardedCache } from '../../src';
import { assertValid } from '../harness';
import { run, tempDir } from '../harness/proc';

jest.setTimeout(900_000);

const root = path.resolve(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

/** The shell lines of the README block after `<!-- install:<name> -->`. */
function readmeBlock(name: string): string[] {
  const m = new RegExp(`<!-- install:${name} -->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m) throw new Error(`README has no install:${name} block`);
  return m[1].split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
}

/** The README's commands run from a sibling of the checkout: `../cdk8s-distributed-patterns/…` is this checkout. */
function localize(line: string): string {
  return line.split('../cdk8s-distributed-patterns/').join(`${root}/`);
}

function sh(cwd: string, line: string, env: Record<string, string> = {}) {
  const r = run('bash', ['-c', line], { cwd, timeoutMs: 600_000, env: { JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20', ...env } });
  if (r.code !== 0) throw new Error(`${line}\n${r.stdout}\n${r.stderr}`);
  return r;
}

const MAIN_TS = `import { App, Chart, YamlOutputType } from 'cdk8s';
import { ShardedCache } from 'cdk8s-distributed-patterns';

const app = new App({ yamlOutputType: YamlOutputType.FILE_PER_APP });
const chart = new Chart(app, 'app');
new ShardedCache(chart, 'cache', { shards: 5 });
app.synth();
`;

const MAIN_PY = `from cdk8s import App, Chart, YamlOutputType
from cdk8s_distributed_patterns import ShardedCache

app = App(yaml_output_type=YamlOutputType.FILE_PER_APP)
chart = Chart(app, "app")
ShardedCache(chart, "cache", shards=5)
app.synth()
`;

function fromSrc(): string {
  const app = new App({ outdir: tempDir('install-src'), yamlOutputType: YamlOutputType.FILE_PER_APP });
  new ShardedCache(new Chart(app, 'app'), 'cache', { shards: 5 });
  return app.synthYaml();
}

describe("the README's Install section, in a fresh directory", () => {
  test('the build block names the files the build produces', () => {
    const built = readmeBlock('build').join('\n');
    for (const dir of ['dist/js', 'dist/python']) {
      const files = fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.tgz') || f.endsWith('.whl'));
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) expect(readme).toContain(f);
    }
    expect(built).toContain('npx projen package:js');
    expect(built).toContain('npx projen package:python');
  });

  test('TypeScript: a cdk8s-style app + the README\'s npm install line compiles and synthesizes', () => {
    // GIVEN a fresh cdk8s-style TypeScript app
    const dir = tempDir('install-ts');
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'my-app', version: '1.0.0', private: true, main: 'main.js', scripts: { compile: 'tsc', synth: 'node main.js' } }, undefined, 2));
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2020', module: 'commonjs', lib: ['es2020'], strict: true, esModuleInterop: true, skipLibCheck: true },
      include: ['main.ts'],
    }, undefined, 2));
    fs.writeFileSync(path.join(dir, 'main.ts'), MAIN_TS);
    sh(dir, 'npm install --no-audit --no-fund --save-dev typescript@~5.9.0 @types/node@^20');
    // WHEN the README's line installs the library and its peers
    const npmLine = readmeBlock('app').find((l) => l.startsWith('npm install'))!;
    sh(dir, `${localize(npmLine)} --no-audit --no-fund`);
    sh(dir, 'npx tsc');
    sh(dir, 'node main.js');
    // THEN the YAML is valid and the same as from src/
    const yaml = fs.readFileSync(path.join(dir, 'dist', 'app.k8s.yaml'), 'utf8');
    assertValid(parseAllDocuments(yaml).map((d) => d.toJS()));
    expect(yaml).toBe(fromSrc());
  });

  test('Python: a fresh virtualenv + the README\'s pip install line synthesizes the same YAML', () => {
    const dir = tempDir('install-py');
    sh(dir, 'python3 -m venv .venv');
    const pipLine = readmeBlock('app').find((l) => l.startsWith('pip install'))!;
    sh(dir, `. .venv/bin/activate && ${localize(pipLine)} --quiet`);
    fs.writeFileSync(path.join(dir, 'main.py'), MAIN_PY);
    sh(dir, '. .venv/bin/activate && python main.py');
    const yaml = fs.readFileSync(path.join(dir, 'dist', 'app.k8s.yaml'), 'utf8');
    expect(yaml).toBe(fromSrc());
  });
});
