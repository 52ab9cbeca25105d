import { programText } from './_programs';

// The scatter/gather root runtime: a zero-dependency Node program (built-in modules only) that `ScatterGather`
// writes, byte for byte, into a ConfigMap and runs on the official `node` image as `node root.js config.json`.
// The program is the real file `programs/scatter-gather-root.js` (type-checked by `typecheck:runtime`), read at
// synthesis. The tests run this exact text: as a module (its exports) in tier 1, and as the container's process,
// taken from the synthesized ConfigMap, in tier 2.

/** The file name of the program in the ConfigMap (and in the container's working directory). */
export const ROOT_PROGRAM_FILE = 'root.js';

/** The file name of the program's config in the ConfigMap. */
export const ROOT_CONFIG_FILE = 'config.json';

/** The program file under `runtime/programs/`. */
export const ROOT_PROGRAM_SOURCE = 'scatter-gather-root.js';

/**
 * The root program. Run as `node root.js config.json`; required as a module it exports its parts
 * (`loadConfig`, `mergeAnswers`, `buildResponse`, `createRoot`, `createResolver`, `createMetrics`, `main`) for tests.
 */
export function rootProgram(): string {
  return programText(ROOT_PROGRAM_SOURCE);
}
