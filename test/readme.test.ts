// Docs that run (issue 15): every ```ts block of the README is a whole program — imports included — that must
// type-check against the library's sources and run; every value a block claims with `// => value` is asserted.
// Each block runs in a fresh empty directory with `dist/` absent (as `cdk8s synth` leaves it), so a block that
// writes into `dist/` before `app.synth()` fails here as it would for a user.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vm from 'vm';
import * as ts from 'typescript';

const root = path.resolve(__dirname, '..');
const README = path.join(root, 'README.md');
// The package name the blocks import: this one's, or a generated line's (`cdk8s-distributed-patterns-34`).
const PACKAGES = ['cdk8s-distributed-patterns', JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).name];

export interface Block { readonly line: number; readonly code: string }
export interface Claim { readonly line: number; readonly expression: string; readonly expected: string; readonly declared?: string }

/** The ```ts blocks of a markdown text, with the line each starts on. */
export function tsBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```ts') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== '```') end++;
    blocks.push({ line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

// `expression; // => value` or `… // => value — a remark` (the remark after an em dash is prose).
const CLAIM = /^(\s*)(?:(const|let)\s+([A-Za-z_$][\w$]*)\s*=\s*)?(.+?);?\s*\/\/\s*=>\s*(.+?)(?:\s+—\s.*)?\s*$/;
/** A comment that states a value without `=>` (so it would go unchecked): `// 'x'`, `// 0.16`, `// { a: 1 }`. */
const UNCHECKED = /\/\/\s*(?:'[^']*'|"[^"]*"|-?\d+(?:\.\d+)?\b(?!\s*[a-zA-Z%])|\{\s*\w+\s*:|true\b|false\b)/;

/** The `// => value` claims of a block, and the lines that state a value without `=>`. */
export function claimsOf(block: Block): { claims: Claim[]; unchecked: number[] } {
  const claims: Claim[] = [];
  const unchecked: number[] = [];
  block.code.split('\n').forEach((text, i) => {
    const m = CLAIM.exec(text);
    if (m) claims.push({ line: block.line + i, declared: m[3] && `${m[2]} ${m[3]}`, expression: m[4], expected: m[5] });
    else if (UNCHECKED.test(text)) unchecked.push(block.line + i);
  });
  return { claims, unchecked };
}

/** The block with each claim line rewritten to `__claim(line, () => (expression), expected)`. */
export function instrument(block: Block): string {
  return block.code.split('\n').map((text, i) => {
    const m = CLAIM.exec(text);
    if (!m) return text;
    const call = `__claim(${block.line + i}, () => (${m[4]}), (${m[5]}), ${JSON.stringify(m[5])})`;
    return `${m[1]}${m[3] ? `${m[2]} ${m[3]} = ` : ''}${call};`;
  }).join('\n');
}

/** Digits after the decimal point of a number literal in the claim text (for toBeCloseTo). */
function decimals(text: string): number {
  const m = /\.(\d+)/.exec(text);
  return m ? m[1].length : 0;
}

/** `actual` matches `expected`: numbers to the claim's decimals, objects by the claimed keys only. */
export function matches(actual: any, expected: any, expectedText: string): boolean {
  if (typeof expected === 'number') return typeof actual === 'number' && Math.abs(actual - expected) < 0.5 * 10 ** -decimals(expectedText);
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    return actual !== null && typeof actual === 'object' && Object.keys(expected).every((k) => {
      const keyText = new RegExp(`${k}\\s*:\\s*(-?[\\d.]+)`).exec(expectedText)?.[1] ?? String(expected[k]);
      return matches(actual[k], expected[k], keyText);
    });
  }
  return JSON.stringify(actual) === JSON.stringify(expected);
}

/** Type-checks every block against src/ (the package name mapped to src/index.ts); returns the diagnostics. */
export function typeCheck(blocks: Block[]): string[] {
  const files = new Map(blocks.map((b, i) => [path.join(root, `__readme_block_${i}.ts`), b]));
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    types: ['node'],
    baseUrl: root,
    paths: Object.fromEntries(PACKAGES.map((p) => [p, ['src/index.ts']])),
    noUnusedLocals: false,
  };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  host.readFile = (f) => (files.has(f) ? files.get(f)!.code.replace(/\/\/\s*=>.*$/gm, '') : read(f));
  const exists = host.fileExists.bind(host);
  host.fileExists = (f) => files.has(f) || exists(f);
  const program = ts.createProgram([...files.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).filter((d) => d.file && files.has(d.file.fileName)).map((d) => {
    const b = files.get(d.file!.fileName)!;
    const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
    return `README.md:${b.line + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

/** Runs one block (instrumented) in a fresh directory; returns the failed claims and the error, if any. */
export function runBlock(block: Block): { failures: string[]; error?: string } {
  const failures: string[] = [];
  const compilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: true };
  const js = ts.transpileModule(instrument(block), { compilerOptions }).outputText;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-block-'));
  const cwd = process.cwd();
  const outdir = process.env.CDK8S_OUTDIR;
  try {
    process.chdir(dir);
    delete process.env.CDK8S_OUTDIR;
    const requireFrom = (id: string) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      if (PACKAGES.includes(id)) return require('../src');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(require.resolve(id, { paths: [root] }));
    };
    const __claim = (line: number, produce: () => any, expected: any, expectedText: string) => {
      const actual = produce();
      if (!matches(actual, expected, expectedText)) failures.push(`README.md:${line}: claims ${expectedText}, is ${JSON.stringify(actual)}`);
      return actual;
    };
    const mod = { exports: {} as any };
    vm.runInThisContext(`(function (require, module, exports, __claim, console) {\n${js}\n})`)(requireFrom, mod, mod.exports, __claim, { log: () => undefined, error: () => undefined, warn: () => undefined });
    return { failures };
  } catch (e: any) {
    return { failures, error: `README.md:${block.line}: the block throws: ${e.message}` };
  } finally {
    process.chdir(cwd);
    if (outdir !== undefined) process.env.CDK8S_OUTDIR = outdir;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const blocks = tsBlocks(fs.readFileSync(README, 'utf8'));

describe('the README runs', () => {
  test('every ts block imports what it uses and type-checks against the library', () => {
    expect(blocks.length).toBeGreaterThan(10);
    expect(typeCheck(blocks)).toEqual([]);
  });

  test('every value a block states is checked (written `// => value`)', () => {
    const unchecked = blocks.flatMap((b) => claimsOf(b).unchecked.map((l) => `README.md:${l}`));
    expect(unchecked).toEqual([]);
    expect(blocks.flatMap((b) => claimsOf(b).claims).length).toBeGreaterThan(10);
  });

  test.each(blocks.map((b) => [b.line, b] as const))('the block at README.md:%d runs and its claims hold', (_line, block) => {
    const r = runBlock(block);
    expect(r.error).toBeUndefined();
    expect(r.failures).toEqual([]);
  });
});

describe('the doc-test itself', () => {
  const block = (code: string): Block => ({ line: 1, code });

  test('fails when a claimed value is wrong (the README\'s old serverFor and planResize claims)', () => {
    const b = block('const x = [1, 2, 3].length; // => 4\nconst y = { movedFraction: 0.1755 }; // => { movedFraction: 0.16 }');
    expect(runBlock(b).failures).toEqual(['README.md:1: claims 4, is 3', 'README.md:2: claims { movedFraction: 0.16 }, is {"movedFraction":0.1755}']);
    expect(runBlock(block("'sharded-redis-0'; // => 'sharded-redis-1'")).failures).toHaveLength(1);
  });

  test('numbers hold to the decimals they are written with; objects by the keys they name', () => {
    expect(runBlock(block('const p = { movedFraction: 0.1755, floor: 1 / 6 }; // => { movedFraction: 0.1755, floor: 0.1667 }')).failures).toEqual([]);
  });

  test('fails when a block writes into dist/ before app.synth() (cdk8s synth empties it first)', () => {
    const b = block("import * as fs from 'fs';\nfs.writeFileSync('dist/photos.mmd', 'graph');");
    expect(runBlock(b).error).toMatch(/ENOENT/);
  });

  test('fails when a block does not type-check (a missing import)', () => {
    expect(typeCheck([block("new ShardedCache(chart, 'c');")]).join('\n')).toMatch(/Cannot find name 'ShardedCache'/);
  });

  test('a value stated without => is reported, so no claim goes unchecked', () => {
    expect(claimsOf(block("redis.hashing.serverFor('user:42');   // 'sharded-redis-1'")).unchecked).toEqual([1]);
    expect(claimsOf(block('cache.planResize(6);  // { movedFraction: 0.16 }')).unchecked).toEqual([1]);
    expect(claimsOf(block('x.y; // the outermost tier')).unchecked).toEqual([]);
    expect(claimsOf(block("x.y; // => 'a' — a remark after the value")).claims[0].expected).toBe("'a'");
  });
});
