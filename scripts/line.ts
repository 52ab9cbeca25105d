// One source, one package per cdk8s-plus line (docs/LINES.md). The main line (cdk8s-plus-27) is built from src/ as
// it is; every other line in lines/lines.json is generated from the same src/ into lines/<line>/ (git-ignored):
//
//   generate  copy src/, test/ (but the tier-2 suites), examples/ and the scripts they use to lines/<line>/, with
//             every `cdk8s-plus-27` import (and the Python `cdk8s_plus_27` / `cdk8s_distributed_patterns` modules)
//             rewritten to the line's; put the line's adapter (lines/adapters/<line>.ts) in place of
//             src/line/index.ts; apply the line's bridges; write its package.json, tsconfig.json and line.json.
//   build     generate, type-check the copy (src, tests and examples against the line's cdk8s-plus), jsii, and
//             copy the runtime programs next to lib/ (as the main compile task does).
//   package   jsii-pacmak: lines/<line>/dist/js/*.tgz and lines/<line>/dist/python/*.whl.
//   examples  synthesize the copy's examples twice into lines/<line>/dist/examples/ (byte-identical or fail).
//   test      tier 1 of the line: jest over lines/<line>/test/ with the line's schema (lines/jest.config.js);
//             the snapshots are lines/snapshots/<line>/ (committed). Extra arguments go to jest (e.g. -u).
//   snapshot-diff  the line's snapshots (lines/snapshots/<line>/) against the main line's: every difference must be a
//             line lines/lines.json lists as one the line adds (snapshotDifferences), else it fails and shows it.
//   schema    write lines/schemas/kubernetes-<minor>.json from the release's OpenAPI document (the module's
//             api/openapi-spec/swagger.json that scripts/install/21-kube-current.sh keeps, or a path given).
//
// Usage: ts-node --project test/tsconfig.json scripts/line.ts <command> <line> [args…]  (or npx projen line:<line>:<command>)
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compactDefinitions } from '../test/harness/k8s-schema';
import { asRegularSidecars, firstDifference, snapEntries, snapshotData } from './snapshot-compare';

const root = path.resolve(__dirname, '..');

/** A textual change to one generated file, until src/ does it itself (lines/lines.json says why). */
interface Bridge {
  readonly why: string;
  readonly file: string;
  readonly replace: string;
  readonly with: string;
  readonly count: number;
  readonly import?: string;
}

/** A line, as lines/lines.json describes it. */
export interface LineConfig {
  readonly cdk8sPlus: string;
  readonly cdk8sPlusRange: string;
  readonly kubernetes: string;
  readonly kubernetesVersion: string;
  readonly packageName: string;
  readonly python: { distName: string; module: string; cdk8sPlusModule: string; cdk8sPlusPyPI: string };
  readonly adapter: string;
  readonly schema: string;
  readonly bridges?: Bridge[];
  readonly snapshotDifferences?: { why: string; addedLines: string[] };
}

const MAIN_CDK8S_PLUS = 'cdk8s-plus-27';
const MAIN_PY_CDK8S_PLUS = 'cdk8s_plus_27';
const MAIN_PY_MODULE = 'cdk8s_distributed_patterns';

export function lineConfig(line: string): LineConfig {
  const all = JSON.parse(fs.readFileSync(path.join(root, 'lines', 'lines.json'), 'utf8'));
  const c = all[line];
  if (!c || line.startsWith('/')) throw new Error(`no line '${line}' in lines/lines.json (lines: ${Object.keys(all).filter((k) => !k.startsWith('/')).join(', ')})`);
  return c;
}

/** The generated copy of a line. */
export function lineDir(line: string): string {
  return path.join(root, 'lines', line);
}

/** `'cdk8s-plus-27'` (and its subpaths) as a module specifier in TypeScript → the line's cdk8s-plus. */
export function rewriteTypeScript(text: string, c: LineConfig): string {
  return text.replace(/(\bfrom\s+|\bimport\s+|\brequire\(\s*|\bimport\(\s*)(['"])cdk8s-plus-27((?:\/[^'"]*)?)\2/g,
    (_m, lead, q, sub) => `${lead}${q}${c.cdk8sPlus}${sub}${q}`);
}

/** The Python modules of cdk8s-plus-27 and of the main package → the line's. */
export function rewritePython(text: string, c: LineConfig): string {
  return text
    .replace(new RegExp(`\\b${MAIN_PY_CDK8S_PLUS}\\b`, 'g'), c.python.cdk8sPlusModule)
    .replace(new RegExp(`\\b${MAIN_PY_MODULE}\\b(?!_)`, 'g'), c.python.module);
}

function copyTree(from: string, to: string, c: LineConfig, skip: (rel: string) => boolean = () => false, rel = ''): number {
  let n = 0;
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (skip(r)) continue;
    const src = path.join(from, e.name);
    const dst = path.join(to, e.name);
    if (e.isDirectory()) {
      n += copyTree(src, dst, c, skip, r);
    } else if (e.isFile()) {
      // Runtime programs are shipped byte for byte: never rewritten.
      const program = /(^|\/)runtime\/programs\//.test(`${path.relative(root, src)}`);
      if (!program && /\.tsx?$/.test(e.name)) fs.writeFileSync(dst, rewriteTypeScript(fs.readFileSync(src, 'utf8'), c));
      else if (!program && e.name.endsWith('.py')) fs.writeFileSync(dst, rewritePython(fs.readFileSync(src, 'utf8'), c));
      else fs.copyFileSync(src, dst);
      n++;
    }
  }
  return n;
}

function applyBridges(out: string, c: LineConfig): void {
  for (const b of c.bridges ?? []) {
    const file = path.join(out, b.file);
    const text = fs.readFileSync(file, 'utf8');
    const found = text.split(b.replace).length - 1;
    if (found === 0 && text.includes(b.with)) {
      throw new Error(`bridge for ${b.file} (${b.replace} → ${b.with}): src/ already does it; delete the bridge from lines/lines.json`);
    }
    if (found !== b.count) {
      throw new Error(`bridge for ${b.file}: expected ${b.count} '${b.replace}', found ${found}; src/ changed: `
        + `route it through src/line/ (docs/LINES.md) and update or delete the bridge in lines/lines.json. Why it exists: ${b.why}`);
    }
    let next = text.split(b.replace).join(b.with);
    if (b.import && !next.includes(b.import)) {
      // After the last import statement.
      const lines = next.split('\n');
      let last = -1;
      lines.forEach((l, i) => { if (/^(import .*|\}) from '.*';$/.test(l)) last = i; });
      lines.splice(last + 1, 0, b.import);
      next = lines.join('\n');
    }
    fs.writeFileSync(file, next);
    console.log(`  bridge: ${b.file}: ${b.replace} → ${b.with} (${b.count}×)`);
  }
}

function installedVersion(pkg: string): string {
  return JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`, { paths: [root] }), 'utf8')).version;
}

/** The README of a line's package (jsii needs one for PyPI): what the line is, then the main README. */
function readme(c: LineConfig): string {
  // The code blocks speak this line: its cdk8s-plus and its package (the README doc-test runs them on this line).
  const main = fs.readFileSync(path.join(root, 'README.md'), 'utf8').replace(/```(ts|python)\n[\s\S]*?```/g, (block) => block
    .split("'cdk8s-plus-27'").join(`'${c.cdk8sPlus}'`)
    .split("'cdk8s-distributed-patterns'").join(`'${c.packageName}'`)
    .split('cdk8s_plus_27').join(c.cdk8sPlus.replace(/-/g, '_'))
    .split('cdk8s_distributed_patterns').join(c.python.module));
  return [
    `# ${c.packageName}`,
    '',
    `The cdk8s-distributed-patterns library for **${c.cdk8sPlus}** (Kubernetes ${c.kubernetes}): the same source and`,
    `API as \`cdk8s-distributed-patterns\` (built on cdk8s-plus-27), for apps that use ${c.cdk8sPlus}. Install`,
    `\`${c.packageName}\` (npm) or \`${c.python.distName}\` (PyPI, module \`${c.python.module}\`) beside`,
    `\`${c.cdk8sPlus}\`, and pass your own ${c.cdk8sPlus} objects into the patterns. Where the lines differ (native`,
    'sidecars, CRD versions), the main README says so.',
    '',
    `The rest of this page is the main package's README, its code blocks written for this line; in the prose read`,
    `\`cdk8s-plus-27\` as \`${c.cdk8sPlus}\` and \`cdk8s-distributed-patterns\` as \`${c.packageName}\`.`,
    '',
    '---',
    '',
    main,
  ].join('\n');
}

/** The package.json of a line: the main one's identity and jsii settings, the line's name, peer and targets. */
function packageJson(line: string, c: LineConfig): any {
  const main = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const peer = { ...main.peerDependencies };
  delete peer[MAIN_CDK8S_PLUS];
  peer[c.cdk8sPlus] = c.cdk8sPlusRange;
  return {
    name: c.packageName,
    description: `${main.description} For ${c.cdk8sPlus} (Kubernetes ${c.kubernetes}); the same library as ${main.name} (${MAIN_CDK8S_PLUS}).`,
    repository: main.repository,
    author: main.author,
    keywords: main.keywords,
    engines: main.engines,
    main: 'lib/index.js',
    types: 'lib/index.d.ts',
    license: main.license,
    stability: main.stability,
    publishConfig: main.publishConfig,
    version: main.version,
    peerDependencies: peer,
    // jsii wants each peer pinned as a devDependency too (they resolve from the main node_modules).
    devDependencies: Object.fromEntries(Object.keys(peer).map((d) => [d, installedVersion(d)])),
    jsii: {
      outdir: 'dist',
      targets: { python: { distName: c.python.distName, module: c.python.module } },
      tsconfig: 'tsconfig.json',
      validateTsconfig: 'strict',
    },
    '//': `Generated by scripts/line.ts from the main package.json and lines/lines.json (line ${line}); do not edit.`,
  };
}

export function generate(line: string): string {
  const c = lineConfig(line);
  const out = lineDir(line);
  const t0 = Date.now();
  for (const d of ['src', 'test', 'examples', 'scripts', 'lib', 'dist', '.jsii', 'tsconfig.json', 'package.json', 'README.md', 'line.json', 'tsconfig.tsbuildinfo']) {
    fs.rmSync(path.join(out, d), { recursive: true, force: true });
  }
  fs.mkdirSync(out, { recursive: true });
  let n = copyTree(path.join(root, 'src'), path.join(out, 'src'), c);
  // The line's adapter replaces the 27 line's.
  const adapter = path.join(root, c.adapter);
  fs.writeFileSync(path.join(out, 'src', 'line', 'index.ts'), fs.readFileSync(adapter, 'utf8'));
  // Tier 1 (not the tier-2 suites, which run from the main tree); snapshots live in lines/snapshots/<line>/.
  n += copyTree(path.join(root, 'test'), path.join(out, 'test'), c, (r) => r === 'real' || r.endsWith('__snapshots__'));
  n += copyTree(path.join(root, 'examples'), path.join(out, 'examples'), c);
  fs.mkdirSync(path.join(out, 'scripts'));
  for (const f of ['synth-examples.ts', 'copy-runtime-programs.js', 'snapshot-compare.ts', 'bad-input-counts.ts']) {
    fs.copyFileSync(path.join(root, 'scripts', f), path.join(out, 'scripts', f));
  }
  fs.copyFileSync(path.join(root, 'tsconfig.json'), path.join(out, 'tsconfig.json'));
  applyBridges(out, c);
  fs.writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(packageJson(line, c), null, 2)}\n`);
  fs.writeFileSync(path.join(out, 'README.md'), readme(c));
  fs.writeFileSync(path.join(out, '.npmignore'), [
    '# Generated by scripts/line.ts',
    '/src/', '/test/', '/examples/', '/scripts/', '/dist/', '/tsconfig.json', 'tsconfig.tsbuildinfo', '/line.json',
    '!/lib/', '!/lib/**/*.js', '!/lib/**/*.d.ts', '!/lib/runtime/programs/**', '!.jsii', '',
  ].join('\n'));
  fs.writeFileSync(path.join(out, 'line.json'), `${JSON.stringify({
    id: line,
    kubernetes: c.kubernetes,
    kubernetesVersion: c.kubernetesVersion,
    cdk8sPlus: c.cdk8sPlus,
    packageName: c.packageName,
    schema: path.join(root, c.schema),
    repoRoot: root,
  }, null, 2)}\n`);
  // Nothing of the main line may be left in the TypeScript of the copy.
  const left = grepTree(out, /(['"])cdk8s-plus-27(\/[^'"]*)?\1/, ['src', 'test', 'examples'])
    .filter((f) => !f.endsWith(path.join('src', 'line', 'index.ts')));
  const imports = left.filter((f) => /(from|import|require\()\s*['"]cdk8s-plus-27/.test(fs.readFileSync(f, 'utf8')));
  if (imports.length > 0) throw new Error(`cdk8s-plus-27 still imported in the ${line} copy: ${imports.join(', ')}`);
  console.log(`generated lines/${line} (${c.packageName}, ${c.cdk8sPlus}, Kubernetes ${c.kubernetes}): ${n} files in ${Date.now() - t0}ms`);
  return out;
}

function grepTree(dir: string, re: RegExp, subdirs: string[]): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.tsx?$/.test(e.name) && re.test(fs.readFileSync(p, 'utf8'))) found.push(p);
    }
  };
  for (const s of subdirs) if (fs.existsSync(path.join(dir, s))) walk(path.join(dir, s));
  return found;
}

function bin(name: string): string {
  return path.join(root, 'node_modules', '.bin', name);
}

function sh(command: string, args: string[], cwd: string, env: Record<string, string> = {}): void {
  const t0 = Date.now();
  console.log(`$ (cd ${path.relative(root, cwd) || '.'} && ${path.basename(command)} ${args.join(' ')})`);
  const r = spawnSync(command, args, { cwd, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${path.basename(command)} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
  console.log(`  (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
}

export function build(line: string): void {
  const out = generate(line);
  // The whole copy against the line's cdk8s-plus: the library, its tier-1 tests and the examples (strict).
  sh(bin('tsc'), ['--noEmit', '-p', path.join('test', 'tsconfig.json')], out);
  sh(bin('jsii'), ['--silence-warnings=reserved-word'], out);
  sh(process.execPath, [path.join('scripts', 'copy-runtime-programs.js')], out);
}

export function pack(line: string): void {
  const out = lineDir(line);
  if (!fs.existsSync(path.join(out, '.jsii'))) throw new Error(`lines/${line} is not built: npx projen line:${line}:build`);
  fs.rmSync(path.join(out, 'dist'), { recursive: true, force: true });
  sh(bin('jsii-pacmak'), ['-v', '--target', 'js'], out);
  sh(bin('jsii-pacmak'), ['-v', '--target', 'python'], out);
}

export function examples(line: string): void {
  const out = lineDir(line);
  const ts = (script: string) => sh(bin('ts-node'), ['--project', path.join('test', 'tsconfig.json'), script], out);
  ts(path.join('scripts', 'synth-examples.ts'));
  const dir = path.join(out, 'dist', 'examples');
  const first = fs.mkdtempSync(path.join(os.tmpdir(), `line-${line}-examples-`));
  for (const f of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, f), path.join(first, f));
  ts(path.join('scripts', 'synth-examples.ts'));
  for (const f of fs.readdirSync(dir)) {
    if (!fs.readFileSync(path.join(dir, f)).equals(fs.readFileSync(path.join(first, f)))) {
      throw new Error(`lines/${line}/dist/examples/${f}: two syntheses differ`);
    }
  }
  fs.rmSync(first, { recursive: true, force: true });
  console.log(`lines/${line}/dist/examples: ${fs.readdirSync(dir).length} files, synthesized twice, byte-identical`);
}

export function test(line: string, args: string[]): void {
  const out = lineDir(line);
  if (!fs.existsSync(path.join(out, 'line.json'))) throw new Error(`lines/${line} is not generated: npx projen line:${line}:build`);
  sh(bin('jest'), ['--config', path.join(root, 'lines', 'jest.config.js'), '--ci', ...args], root, { CDK8S_DP_LINE: line });
}

export function snapshotDiff(line: string): void {
  const c = lineConfig(line);
  const added = (c.snapshotDifferences?.addedLines ?? []).map((r) => new RegExp(r));
  const base = path.join(root, 'lines', 'snapshots', line);
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.snap')) files.push(path.relative(base, p));
    }
  };
  walk(base);
  const counts = new Map<string, number>();
  const problems: string[] = [];
  let nativeSidecarEntries = 0;
  for (const f of files.sort()) {
    const mainFile = path.join(root, f);
    if (!fs.existsSync(mainFile)) {
      problems.push(`${f}: the main line has no such snapshot file`);
      continue;
    }
    const keep = (text: string, count: boolean) => text.split('\n').filter((l) => {
      const r = added.find((x) => x.test(l));
      if (r && count) counts.set(r.source, (counts.get(r.source) ?? 0) + 1);
      return !r;
    }).join('\n');
    // Entry by entry, as data: the lines lines.json lists removed from both sides' text, then native sidecars
    // (what the adapter makes of the library's sidecars on a line that has them) read as regular containers.
    const a = snapEntries(keep(fs.readFileSync(mainFile, 'utf8'), false));
    const b = snapEntries(keep(fs.readFileSync(path.join(base, f), 'utf8'), true));
    for (const name of new Set([...a.keys(), ...b.keys()])) {
      if (!a.has(name) || !b.has(name)) {
        problems.push(`${f}: ${JSON.stringify(name)} only in the ${a.has(name) ? 'main line' : `line ${line}`}'s snapshots`);
        continue;
      }
      const da = snapshotData(a.get(name)!);
      const db = snapshotData(b.get(name)!);
      const plain = firstDifference(da, db);
      if (!plain) continue;
      const rest = firstDifference(asRegularSidecars(da), asRegularSidecars(db));
      if (rest) problems.push(`${f}: ${JSON.stringify(name)}: ${rest}`);
      else nativeSidecarEntries++;
    }
  }
  console.log(`line ${line} snapshots vs the main line's: ${files.length} files; the differences lines/lines.json allows:`);
  for (const [r, n] of counts) console.log(`  ${n}× ${r}`);
  console.log(`  ${nativeSidecarEntries} snapshots where the library's sidecars are native sidecars (init containers with restartPolicy: Always), the same otherwise`);
  if (problems.length > 0) throw new Error(`differences lines/lines.json does not list:\n  ${problems.join('\n  ')}`);
}

/** The schema file's content for an OpenAPI document (swagger.json) of the line's release. */
export function schemaFileText(c: LineConfig, swaggerText: string): string {
  const swagger = JSON.parse(swaggerText);
  const sha256 = crypto.createHash('sha256').update(swaggerText).digest('hex');
  return `${JSON.stringify({
    '//': `Generated by 'npx projen line:<line>:schema' (scripts/line.ts) from api/openapi-spec/swagger.json of the Go module k8s.io/kubernetes@v${c.kubernetesVersion}: its definitions without descriptions. Do not edit; tier 2 proves it equal to the release's.`,
    kubernetesVersion: c.kubernetesVersion,
    source: { module: `k8s.io/kubernetes@v${c.kubernetesVersion}`, file: 'api/openapi-spec/swagger.json', sha256 },
    definitions: compactDefinitions(swagger.definitions),
  }, null, 1)}\n`;
}

export function schema(line: string, from?: string): void {
  const c = lineConfig(line);
  const tools = process.env.CDK8S_DP_TOOLS ?? path.join(os.homedir(), '.cache', 'cdk8s-distributed-patterns', 'tools');
  const file = from ?? path.join(tools, `k8s-${c.kubernetes}`, 'swagger.json');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: npx projen install-test-tools (scripts/install/21-kube-current.sh) keeps it`);
  const text = schemaFileText(c, fs.readFileSync(file, 'utf8'));
  fs.mkdirSync(path.dirname(path.join(root, c.schema)), { recursive: true });
  fs.writeFileSync(path.join(root, c.schema), text);
  console.log(`${c.schema}: Kubernetes ${c.kubernetesVersion} (${text.length} bytes) from ${file}`);
}

if (require.main === module) {
  const [command, line, ...rest] = process.argv.slice(2);
  try {
    if (!line) throw new Error('usage: scripts/line.ts <generate|build|package|examples|test|snapshot-diff|schema> <line> [args]');
    switch (command) {
      case 'generate': generate(line); break;
      case 'build': build(line); break;
      case 'package': pack(line); break;
      case 'examples': examples(line); break;
      case 'test': test(line, rest); break;
      case 'schema': schema(line, rest[0]); break;
      case 'snapshot-diff': snapshotDiff(line); break;
      default: throw new Error(`unknown command '${command}'`);
    }
  } catch (e: any) {
    console.error(`scripts/line.ts ${command} ${line}: ${e.message}`);
    process.exit(1);
  }
}
