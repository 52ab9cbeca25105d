// The one mechanism that ships programs into pods (src/runtime/_programs.ts): the bytes a pod runs are the bytes
// of the file under src/runtime/programs/, whatever the TypeScript target the library is compiled for, and the
// compile step copies every program next to the compiled library.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { programPath, programText } from '../../src/runtime/_programs';

const root = path.join(__dirname, '../..');
const programsDir = path.join(root, 'src/runtime/programs');

function programFiles(dir = programsDir, prefix = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith('.')).flatMap((e) => {
    if (e.isDirectory()) return programFiles(path.join(dir, e.name), `${prefix}${e.name}/`);
    return [`${prefix}${e.name}`];
  }).sort();
}

describe('runtime programs', () => {
  const files = programFiles();

  test('there are programs, and each is read exactly as stored', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      expect(programText(f)).toBe(fs.readFileSync(path.join(programsDir, f), 'utf8'));
      expect(programPath(f)).toBe(path.join(programsDir, f));
    }
  });

  test('the loader gives the same bytes when it is compiled for ES5, ES2020 or ES2022 (as lib/ would be)', () => {
    // GIVEN the loader's TypeScript source, transpiled per target into a folder beside a copy of the programs
    const source = fs.readFileSync(path.join(root, 'src/runtime/_programs.ts'), 'utf8');
    for (const target of [ts.ScriptTarget.ES5, ts.ScriptTarget.ES2020, ts.ScriptTarget.ES2022]) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'programs-'));
      try {
        fs.cpSync(programsDir, path.join(dir, 'programs'), { recursive: true });
        const js = ts.transpileModule(source, { compilerOptions: { target, module: ts.ModuleKind.CommonJS } }).outputText;
        fs.writeFileSync(path.join(dir, '_programs.js'), js);
        // WHEN it is required from there
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const loader = require(path.join(dir, '_programs.js'));
        // THEN every program is byte-identical to the source file
        for (const f of files) expect(loader.programText(f)).toBe(programText(f));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  test('a missing program is a clear error naming the file and the folder', () => {
    expect(() => programText('no-such-program.js')).toThrow(/runtime program 'no-such-program.js' is missing from .*programs/);
  });

  test('the compile step copies every program to lib/runtime/programs/, byte for byte', () => {
    // GIVEN a scratch checkout layout (scripts/ and src/runtime/programs/)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'copy-programs-'));
    try {
      fs.mkdirSync(path.join(dir, 'scripts'));
      fs.copyFileSync(path.join(root, 'scripts/copy-runtime-programs.js'), path.join(dir, 'scripts/copy-runtime-programs.js'));
      fs.cpSync(programsDir, path.join(dir, 'src/runtime/programs'), { recursive: true });
      // WHEN the copy step runs
      execFileSync(process.execPath, ['scripts/copy-runtime-programs.js'], { cwd: dir });
      // THEN lib/ holds the same files
      expect(programFiles(path.join(dir, 'lib/runtime/programs'))).toEqual(files);
      for (const f of files) {
        expect(fs.readFileSync(path.join(dir, 'lib/runtime/programs', f))).toEqual(fs.readFileSync(path.join(programsDir, f)));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
