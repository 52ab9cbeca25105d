import { Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import { IConstruct } from 'constructs';
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

  /**
   * Returns the whole number of seconds of `value` (or `defaultValue`) after checking it is a `Duration` of whole
   * seconds in `[min, max]`.
   */
  public static wholeSeconds(scope: IConstruct, prop: string, min: number, max: number, defaultValue: Duration, value?: Duration): number {
    const d = value ?? defaultValue;
    const ms = PropCheck.millisOf(scope, prop, d);
    if (ms % 1000 !== 0 || ms / 1000 < min || ms / 1000 > max) {
      throw propError(scope, prop, `a whole number of seconds from ${min} to ${max}`, `${ms}ms`);
    }
    return ms / 1000;
  }

  /**
   * Returns the whole number of milliseconds of `value` (or `defaultValue`) after checking it is a `Duration` of
   * whole milliseconds in `[min, max]` (milliseconds).
   */
  public static wholeMillis(scope: IConstruct, prop: string, min: number, max: number, defaultValue: Duration, value?: Duration): number {
    const d = value ?? defaultValue;
    const ms = PropCheck.millisOf(scope, prop, d);
    if (!Number.isInteger(ms) || ms < min || ms > max) {
      throw propError(scope, prop, `a duration of whole milliseconds from ${PropCheck.showMillis(min)} to ${PropCheck.showMillis(max)}`, `${ms}ms`);
    }
    return ms;
  }

  /**
   * Returns the whole number of MiB of `value` (or `defaultValue`) after checking it is a `Size` of whole MiB in
   * `[min, max]`.
   */
  public static wholeMebibytes(scope: IConstruct, prop: string, min: number, max: number, defaultValue: Size, value?: Size): number {
    const s = value ?? defaultValue;
    if (!isSize(s)) throw propError(scope, prop, 'a Size (e.g. Size.mebibytes(64))', s);
    const mib = s.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    if (!Number.isInteger(mib) || mib < min || mib > max) {
      throw propError(scope, prop, `a whole number of MiB from ${min} to ${max}`, `${mib}Mi`);
    }
    return mib;
  }

  /**
   * Returns the number of bytes of `value` (or `defaultValue`) after checking it is a `Size` of whole bytes in
   * `[min, max]`.
   */
  public static bytes(scope: IConstruct, prop: string, min: number, max: number, defaultValue: Size, value?: Size): number {
    const s = value ?? defaultValue;
    if (!isSize(s)) throw propError(scope, prop, 'a Size (e.g. Size.mebibytes(1))', s);
    const kib = s.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
    const b = kib * 1024;
    if (!Number.isInteger(b) || b < min || b > max) {
      throw propError(scope, prop, `a size of whole bytes from ${min} to ${max} bytes`, `${b} bytes`);
    }
    return b;
  }

  /** How a value is shown in a message: strings quoted, everything else as JSON. */
  public static show(value: any): string {
    return showValue(value);
  }

  private static millisOf(scope: IConstruct, prop: string, d: Duration): number {
    if (!isDuration(d)) throw propError(scope, prop, 'a Duration (e.g. Duration.seconds(30))', d);
    // Not integral: a fractional duration gets this message, not cdk8s' own "must be a whole number of millis".
    return d.toMilliseconds({ integral: false });
  }

  private static showMillis(ms: number): string {
    if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
    if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
    if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
    return `${ms}ms`;
  }
}

// Duck-typed, not `instanceof`: a JavaScript or Python caller may pass a string or a number, and an app may load
// a second copy of cdk8s; what matters is that the value converts.
function isDuration(d: any): d is Duration {
  return d !== null && typeof d === 'object' && typeof d.toMilliseconds === 'function';
}

function isSize(s: any): s is Size {
  return s !== null && typeof s === 'object' && typeof s.toMebibytes === 'function' && typeof s.toKibibytes === 'function';
}
