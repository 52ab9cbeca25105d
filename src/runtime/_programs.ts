import { readFileSync } from 'fs';
import { join } from 'path';

// Internal: the one way a program that runs in a pod is shipped. Each program is a real file under
// `src/runtime/programs/` (JavaScript with `// @ts-check`, Lua, POSIX sh), type-checked or linted by the test
// command, copied next to the compiled library (`lib/runtime/programs/`) by the compile task, and read here at
// synthesis — so the bytes a pod runs are the bytes of the file, whatever the TypeScript compiler's target.

const DIR = join(__dirname, 'programs');
const cache = new Map<string, string>();

/**
 * The text of the program file `relativePath` (under `runtime/programs/`), exactly as stored (UTF-8).
 */
export function programText(relativePath: string): string {
  let text = cache.get(relativePath);
  if (text === undefined) {
    try {
      text = readFileSync(join(DIR, relativePath), 'utf8');
    } catch (e: any) {
      throw new Error(`runtime program '${relativePath}' is missing from ${DIR} (was the package built with its runtime/programs/ folder?): ${e.message}`);
    }
    cache.set(relativePath, text);
  }
  return text;
}

/** The absolute path of a program file (for tests that run it as a process). */
export function programPath(relativePath: string): string {
  return join(DIR, relativePath);
}
