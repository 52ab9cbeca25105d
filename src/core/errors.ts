import { IConstruct } from 'constructs';
import { propError } from './prop-error';

/**
 * Prop checks that throw one clear error: the construct, its path, the prop, the value and what is allowed.
 *
 * Every message reads `<Construct> '<path>': '<prop>' must be …, got <value>`, e.g.
 * `ShardedCache 'app/cache': 'shards' must be an integer from 1 to 1024, got 0`.
 */
export class PropCheck {
  /**
   * The message for a prop whose value is not allowed (throw it as `new Error(message)`).
   *
   * @param scope the construct whose prop is wrong
   * @param prop the prop's name as the user wrote it
   * @param expectation what is allowed, completing "must be …" (e.g. "an integer from 1 to 1024")
   * @param value the value the user gave
   */
  public static message(scope: IConstruct, prop: string, expectation: string, value: any): string {
    return `${PropCheck.where(scope)}: '${prop}' must be ${expectation}, got ${PropCheck.show(value)}`;
  }

  /**
   * The prefix of every message: the construct's class and path, e.g. `ShardedCache 'app/cache'`.
   */
  public static where(scope: IConstruct): string {
    return `${scope.constructor.name} '${scope.node.path}'`;
  }

  /**
   * Returns `value` (or `defaultValue` when undefined) after checking it is an integer in `[min, max]`.
   */
  public static integer(scope: IConstruct, prop: string, min: number, max: number, defaultValue: number, value?: number): number {
    const v = value ?? defaultValue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw propError(scope, prop, `an integer from ${min} to ${max}`, v);
    }
    return v;
  }

  /**
   * Returns `value` (or `defaultValue`) after checking it is one of `allowed`.
   */
  public static oneOf(scope: IConstruct, prop: string, allowed: string[], defaultValue: string, value?: string): string {
    const v = value ?? defaultValue;
    if (!allowed.includes(v)) {
      throw propError(scope, prop, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, v);
    }
    return v;
  }

  /** How a value is shown in a message: strings quoted, everything else as JSON. */
  public static show(value: any): string {
    if (typeof value === 'string') return `'${value}'`;
    if (value === undefined) return 'undefined';
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
}
