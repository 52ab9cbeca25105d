// Tier 2: the packages of the other cdk8s-plus lines (lines/lines.json; today 34), as users get them
// (`npx projen line:<line>:package`):
//   - a consumer app — a fresh `cdk8s init typescript-app`-style app (lines/consumer/main.ts, cdk8s init's compiler
//     options) with the line's cdk8s-plus from npm and the line's tarball — compiles with no type error while it
//     passes its own cdk8s-plus objects (Deployment, Probe, Secret) into the patterns, and synthesizes valid YAML;
//   - the line's Python wheel, in a virtualenv with the line's cdk8s-plus from PyPI, synthesizes examples/python/app.py
//     byte-identical to its TypeScript twin (test/python/twin.ts) built from the line's copy of src/.
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { run, tempDir } from '../harness/proc';
import { pythonWithWheel } from '../harness/python';
import { twinModelLine, typescriptTwin } from '../python/twin';

jest.setTimeout(900_000);

const root = path.resolve(__dirname, '..', '..');
const config = JSON.parse(fs.readFileSync(path.join(root, 'lines', 'lines.json'), 'utf8'));
const lines = Object.keys(config).filter((k) => /^[0-9]+$/.test(k));
const main = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

/** The installed (main node_modules) version of a package. */
function installed(pkg: string): string {
  return JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`, { paths: [root] }), 'utf8')).version;
}

/** The compiler options `cdk8s init typescript-app` writes (its tsconfig.json), but `charset`, which TypeScript 5.x removed. */
const CDK8S_INIT_TSCONFIG = {
  compilerOptions: {
    alwaysStrict: true,
    declaration: true,
    experimentalDecorators: true,
    inlineSourceMap: true,
    inlineSources: true,
    lib: ['es2016'],
    module: 'CommonJS',
    noEmitOnError: true,
    noFallthroughCasesInSwitch: true,
    noImplicitAny: true,
    noImplicitReturns: true,
    noImplicitThis: true,
    noUnusedLocals: true,
    noUnusedParameters: true,
    resolveJsonModule: true,
    strict: true,
    strictNullChecks: true,
    strictPropertyInitialization: true,
    stripInternal: true,
    target: 'ES2017',
  },
  include: ['**/*.ts'],
  exclude: ['node_modules', 'cdk.out'],
};

describe.each(lines)('line %s', (line) => {
  const c = config[line];
  const dir = path.join(root, 'lines', line);
  // The line's own harness validates against the line's Kubernetes schema.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const harness = () => require(path.join(dir, 'test', 'harness', 'index.ts'));
  const dist = (sub: string, ext: string) => {
    const d = path.join(dir, 'dist', sub);
    const files = fs.existsSync(d) ? fs.readdirSync(d).filter((f) => f.endsWith(ext)) : [];
    if (files.length !== 1) throw new Error(`expected one ${ext} in lines/${line}/dist/${sub}, found ${files.length}: run 'npx projen line:${line}:package'`);
    return path.join(d, files[0]);
  };

  test(`a cdk8s app on ${c.cdk8sPlus} passes its own ${c.cdk8sPlus} objects into the patterns: no type error, valid YAML`, () => {
    // GIVEN a fresh app: package.json with cdk8s, constructs, the line's cdk8s-plus and the line's tarball
    const app = tempDir(`consumer-${line}`);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({
      name: 'consumer-app',
      version: '0.0.0',
      private: true,
      main: 'main.js',
      dependencies: {
        cdk8s: installed('cdk8s'),
        constructs: installed('constructs'),
        [c.cdk8sPlus]: installed(c.cdk8sPlus),
        [c.packageName]: `file:${dist('js', '.tgz')}`,
      },
    }, null, 2));
    fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify(CDK8S_INIT_TSCONFIG, null, 2));
    const source = fs.readFileSync(path.join(root, 'lines', 'consumer', 'main.ts'), 'utf8')
      .replace(/cdk8s-plus-34/g, c.cdk8sPlus).replace(/cdk8s-distributed-patterns-34/g, c.packageName);
    fs.writeFileSync(path.join(app, 'main.ts'), source);
    const npm = run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: app, timeoutMs: 600_000 });
    if (npm.code !== 0) throw new Error(`npm install failed:\n${npm.stdout}\n${npm.stderr}`);
    // The app has exactly one cdk8s-plus, the line's: no second line to mix types with.
    expect(fs.readdirSync(path.join(app, 'node_modules')).filter((n) => n.startsWith('cdk8s-plus'))).toEqual([c.cdk8sPlus]);
    // WHEN it is compiled with cdk8s init's options (the library's TypeScript compiler)
    const tsc = run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], { cwd: app, timeoutMs: 300_000 });
    // THEN no type error
    expect(`${tsc.stdout}${tsc.stderr}`).toBe('');
    expect(tsc.code).toBe(0);
    // AND it synthesizes, every object valid for the line's Kubernetes and Pod Security restricted
    const synth = run(process.execPath, ['main.js'], { cwd: app, timeoutMs: 300_000 });
    if (synth.code !== 0) throw new Error(`${synth.stdout}\n${synth.stderr}`);
    const yaml = fs.readFileSync(path.join(app, 'dist', 'consumer.k8s.yaml'), 'utf8');
    const objects = parseAllDocuments(yaml).map((d) => d.toJS());
    harness().assertValid(objects);
    // the user's Deployment got the ambassador, and kept the user's probe
    const web = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'web');
    const names = [...(web.spec.template.spec.initContainers ?? []), ...web.spec.template.spec.containers].map((x: any) => x.name);
    expect(names).toEqual(expect.arrayContaining(['web', 'twemproxy']));
    expect(web.spec.template.spec.containers.find((x: any) => x.name === 'web').readinessProbe.httpGet).toMatchObject({ path: '/healthz', port: 8080 });
  });

  test(`the ${c.python.distName} wheel synthesizes the same manifests as TypeScript`, () => {
    // GIVEN the line's wheel, in a virtualenv with cdk8s, constructs and the line's cdk8s-plus from PyPI
    const wheel = dist('python', '.whl');
    const py = pythonWithWheel(`python-proof-venv-${line}`, ['cdk8s==2.70.115', c.python.cdk8sPlusPyPI, `constructs==${installed('constructs')}`], wheel, c.python.module);

    // WHEN the line's copy of examples/python/app.py (its imports rewritten to the line's modules) synthesizes
    const appPy = path.join(dir, 'examples', 'python', 'app.py');
    expect(fs.readFileSync(appPy, 'utf8')).toContain(`import ${c.python.cdk8sPlusModule} as kplus`);
    const out = tempDir(`pyapp-${line}`);
    const r = run(py.python, [appPy, out], { timeoutMs: 300_000, env: { ...py.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' } });
    if (r.code !== 0) throw new Error(`${r.stdout}\n${r.stderr}`);
    const pythonYaml = fs.readFileSync(path.join(out, 'app.k8s.yaml'), 'utf8');

    // THEN it is valid for the line, and byte-identical to the TypeScript twin built from the line's src/
    harness().assertValid(parseAllDocuments(pythonYaml).map((d) => d.toJS()));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lib = require(path.join(dir, 'src'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const kplus = require(c.cdk8sPlus);
    expect(pythonYaml).toBe(typescriptTwin(lib, kplus, tempDir(`tsapp-${line}`)));
    expect(r.stdout).toContain(twinModelLine(lib));
    expect(main.name).not.toBe(c.packageName);
  });
});
