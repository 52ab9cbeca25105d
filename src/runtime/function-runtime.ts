import { programText } from './_programs';

// The function runtimes: zero-dependency programs (Node built-ins / Python standard library only) that
// `FunctionService`, `FunctionDecorator` and `FunctionPipeline` write, byte for byte, into a function's ConfigMap
// next to the user's handler and its config, and run on the official `node` / `python` image. They are the real
// files `programs/function-runtime.js` (type-checked by `typecheck:runtime`) and `programs/function-runtime.py`
// (compiled by `py_compile` in the tests), read at synthesis.

/** The program file of the Node runtime under `runtime/programs/`. */
export const NODE_FUNCTION_RUNTIME = 'function-runtime.js';

/** The program file of the Python runtime under `runtime/programs/`. */
export const PYTHON_FUNCTION_RUNTIME = 'function-runtime.py';

/** The text of the runtime program `file` (one of the two constants above). */
export function functionRuntimeProgram(file: string): string {
  return programText(file);
}
