import { Duration, Size } from 'cdk8s';
import { IConstruct } from 'constructs';
import { bytes, mebibytes, millis, ValueProblem, ValueProblems } from './_value-problems';
import { propError, propMessage, showValue, where } from './prop-error';

/**
 * Prop checks that throw one clear error: the construct, its path, the prop, the value and what is allowed.
 *
 * Every message reads `<Construct> '<path>': '<prop>' must be …, got <value>`, e.g.
 * `ShardedCache 'app/cache': 'shards' must be an integer from 1 to 1024, got 0`. Each kind of value (integers,
 * whole seconds, whole MiB, …) is checked here, in one wording, so every pattern says the same thing.
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
    return propMessage(scope, prop, expectation, value);
  }

  /**
   * The prefix of every message: the construct's class and path, e.g. `ShardedCache 'app/cache'`.
   */
  public static where(scope: IConstruct): string {
    return where(scope);
  }

  /**
   * Returns `value` (or `defaultValue` when undefined) after checking it is an integer in `[min, max]`.
   */
  public static integer(scope: IConstruct, prop: string, min: number, max: number, defaultValue: number, value?: number): number {
    const v = value ?? defaultValue;
    PropCheck.throwIf(scope, prop, ValueProblems.integer(min, max, v));
    return v;
  }

  /**
   * Returns `value` (or `defaultValue` when undefined) after checking it is `true` or `false`.
   */
  public static boolean(scope: IConstruct, prop: string, defaultValue: boolean, value?: boolean): boolean {
    const v = value ?? defaultValue;
    PropCheck.throwIf(scope, prop, ValueProblems.boolean(v));
    return v;
  }

  /**
   * Returns `value` (or `defaultValue`) after checking it is one of `allowed`.
   */
  public static oneOf(scope: IConstruct, prop: string, allowed: string[], defaultValue: string, value?: string): string {
    const v = value ?? defaultValue;
    PropCheck.throwIf(scope, prop, ValueProblems.oneOf(allowed, v));
    return v;
  }

  /**
   * Returns the whole number of seconds of `value` (or `defaultValue`) after checking it is a `Duration` of whole
   * seconds in `[min, max]`.
   */
  public static wholeSeconds(scope: IConstruct, prop: string, min: number, max: number, defaultValue: Duration, value?: Duration): number {
    const d = value ?? defaultValue;
    PropCheck.throwIf(scope, prop, ValueProblems.wholeSeconds(min, max, d));
    return millis(d) / 1000;
  }

  /**
   * Returns the whole number of milliseconds of `value` (or `defaultValue`) after checking it is a `Duration` of
   * whole milliseconds in `[min, max]` (milliseconds).
   */
  public static wholeMillis(scope: IConstruct, prop: string, min: number, max: number, defaultValue: Duration, value?: Duration): number {
    const d = value ?? defaultValue;
    PropCheck.throwIf(scope, prop, ValueProblems.wholeMillis(min, max, d));
    return millis(d);
  }

  /**
   * Returns the whole number of MiB of `value` (or `defaultValue`) after checking it is a `Size` of whole MiB in
   * `[min, max]`.
   */
  public static wholeMebibytes(scope: IConstruct, prop: string, min: number, max: number, defaultValue: Size, value?: Size): number {
    const s = value ?? defaultValue;
    PropCheck.throwIf(scope, prop, ValueProblems.wholeMebibytes(min, max, s));
    return mebibytes(s);
  }

  /**
   * Returns the number of bytes of `value` (or `defaultValue`) after checking it is a `Size` of whole bytes in
   * `[min, max]`.
   */
  public static bytes(scope: IConstruct, prop: string, min: number, max: number, defaultValue: Size, value?: Size): number {
    const s = value ?? defaultValue;
    PropCheck.throwIf(scope, prop, ValueProblems.bytes(min, max, s));
    return bytes(s);
  }

  /** How a value is shown in a message: strings quoted, everything else as JSON. */
  public static show(value: any): string {
    return showValue(value);
  }

  private static throwIf(scope: IConstruct, prop: string, problem: ValueProblem | undefined): void {
    if (problem) throw propError(scope, prop, problem.expectation, problem.got);
  }
}
