import { IConstruct } from 'constructs';

// Internal (not exported from the package index): the wording of every prop error, in one place. `errors.ts`
// (the public `PropCheck`) builds on this module; this module imports nothing of the library.

/** How a value is shown in a message: strings quoted, everything else as JSON. */
export function showValue(value: any): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** The prefix of every message: the construct's class and path, e.g. `ShardedCache 'app/cache'`. */
export function where(scope: IConstruct): string {
  return `${scope.constructor.name} '${scope.node.path}'`;
}

/** `<Construct> '<path>': '<prop>' must be <expectation>, got <value>`. */
export function propMessage(scope: IConstruct, prop: string, expectation: string, value: any): string {
  return mustBeMessage(where(scope), prop, expectation, value);
}

/** `<where>: '<prop>' must be <expectation>, got <value>`, for a `where` that is not a construct (a renderer). */
export function mustBeMessage(whereText: string, prop: string, expectation: string, value: any): string {
  return `${whereText}: '${prop}' must be ${expectation}, got ${showValue(value)}`;
}

/** The error for a prop whose value is not allowed. */
export function propError(scope: IConstruct, prop: string, expectation: string, value: any): Error {
  return new Error(propMessage(scope, prop, expectation, value));
}
