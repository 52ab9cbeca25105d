import * as fs from 'fs';
import * as path from 'path';
import { IConstruct } from 'constructs';
import { propError } from '../../core/prop-error';

/**
 * The language a function's handler is written in; each has a runtime shipped by the library.
 */
export enum FunctionRuntime {
  /** Node.js (CommonJS module exporting the handler), on the official `node` image. */
  NODE = 'node',
  /** Python 3 (a module defining the handler), on the official `python` image. */
  PYTHON = 'python',
}

/**
 * Options for `FunctionCode.fromFile` and `FunctionCode.fromInline`.
 */
export interface FunctionCodeOptions {
  /**
   * The name of the handler function in the file: the book's `handler(context)`.
   *
   * @default "handler"
   */
  readonly handler?: string;
}

/** @internal */
export interface BoundFunctionCode {
  readonly runtime: FunctionRuntime;
  readonly source: string;
  readonly handlerName: string;
  /** The file name in the ConfigMap (`handler.js` / `handler.py`). */
  readonly fileName: string;
}

const EXTENSIONS: { [ext: string]: FunctionRuntime } = { '.js': FunctionRuntime.NODE, '.cjs': FunctionRuntime.NODE, '.py': FunctionRuntime.PYTHON };
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A function's handler: a source file in a language the library has a runtime for. The file is read at synthesis
 * and shipped in the function's ConfigMap, so the manifests are self-contained.
 *
 * A handler is the book's `handler(context)`: `context.json` is the parsed JSON body (or null), `context.body`
 * the body text, `context.headers` (lowercase names), `context.query` (first value per name), `context.method`,
 * `context.path`; it returns a JSON value (200), nothing (204), or `context.response(status, body, headers)`.
 */
export class FunctionCode {
  /**
   * A handler file. The runtime comes from the extension: `.js`/`.cjs` → Node (a CommonJS module that exports the
   * handler), `.py` → Python (a module that defines it).
   *
   * @param file the path of the handler file (relative paths: to the working directory of the synthesis)
   */
  public static fromFile(file: string, options: FunctionCodeOptions = {}): FunctionCode {
    return new FunctionCode((scope, prop) => {
      if (typeof file !== 'string' || file === '') throw propError(scope, prop, 'a handler file path (FunctionCode.fromFile(path))', file);
      const runtime = EXTENSIONS[path.extname(file).toLowerCase()];
      if (runtime === undefined) {
        throw propError(scope, prop, `a handler file of a supported runtime (${Object.keys(EXTENSIONS).join(', ')}: Node or Python)`, file);
      }
      let source: string;
      try {
        source = fs.readFileSync(file, 'utf8');
      } catch (e: any) {
        throw propError(scope, prop, `an existing, readable handler file (${e.code ?? e.message})`, file);
      }
      return bind(scope, prop, runtime, source, options, file);
    });
  }

  /**
   * A handler given as source text.
   *
   * @param source the module's source
   * @param runtime its language
   */
  public static fromInline(source: string, runtime: FunctionRuntime, options: FunctionCodeOptions = {}): FunctionCode {
    return new FunctionCode((scope, prop) => {
      if (typeof source !== 'string' || source.trim() === '') throw propError(scope, prop, 'handler source text', source);
      if (!Object.values(FunctionRuntime).includes(runtime)) {
        throw propError(scope, `${prop}.runtime`, `a supported FunctionRuntime (${Object.values(FunctionRuntime).map((r) => `'${r}'`).join(', ')})`, runtime);
      }
      return bind(scope, prop, runtime, source, options, 'the inline source');
    });
  }

  private constructor(private readonly binder: (scope: IConstruct, prop: string) => BoundFunctionCode) {}

  /** @internal */
  public _bind(scope: IConstruct, prop: string): BoundFunctionCode {
    return this.binder(scope, prop);
  }
}

function bind(scope: IConstruct, prop: string, runtime: FunctionRuntime, source: string, options: FunctionCodeOptions,
  where: string): BoundFunctionCode {
  if (options === null || typeof options !== 'object') throw propError(scope, prop, 'FunctionCodeOptions ({ handler })', options);
  const handlerName = options.handler ?? 'handler';
  if (typeof handlerName !== 'string' || !IDENTIFIER.test(handlerName)) throw propError(scope, `${prop}.handler`, 'an identifier (letters, digits, _)', handlerName);
  // A textual check (the runtime checks again when it loads the module): catches the wrong file or a renamed handler.
  const defined = runtime === FunctionRuntime.PYTHON
    ? new RegExp(`^(async\\s+)?def\\s+${handlerName}\\s*\\(`, 'm').test(source) || new RegExp(`^${handlerName}\\s*=`, 'm').test(source)
    : new RegExp(`\\bexports\\.${handlerName}\\s*=|\\bmodule\\.exports\\s*=\\s*\\{[^}]*\\b${handlerName}\\b`).test(source);
  if (!defined) {
    const how = runtime === FunctionRuntime.PYTHON ? `'def ${handlerName}(context):'` : `'exports.${handlerName} = …' or 'module.exports = { ${handlerName} }'`;
    throw propError(scope, prop, `a ${runtime} handler file that defines the handler (${how}) — ${where} does not`, handlerName);
  }
  return { runtime, source, handlerName, fileName: runtime === FunctionRuntime.PYTHON ? 'handler.py' : 'handler.js' };
}
