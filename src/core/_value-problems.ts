import { Duration, Size, SizeRoundingBehavior } from 'cdk8s';

// Internal: the rule and the wording for each kind of value (integers, whole seconds, whole MiB, …), without a
// construct. `PropCheck` (constructs) turns a problem into `<Construct> '<path>': '<prop>' must be …, got …`; the
// renderers under config/ report the same problems for their options, so a prop passed through to a renderer is
// judged by one rule, in one wording, wherever it is checked.

/** What is wrong with a value: what it must be (completing "must be …") and the value as a message shows it. */
export interface ValueProblem {
  readonly expectation: string;
  readonly got: unknown;
}

/** The problem with a value, or undefined when it is allowed. */
export class ValueProblems {
  /** An integer in `[min, max]`. */
  public static integer(min: number, max: number, v: number): ValueProblem | undefined {
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return undefined;
    return { expectation: `an integer from ${min} to ${max}`, got: v };
  }

  /** One of `allowed`. */
  public static oneOf(allowed: string[], v: string): ValueProblem | undefined {
    if (allowed.includes(v)) return undefined;
    return { expectation: `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, got: v };
  }

  /** A `Duration` of whole seconds in `[min, max]` (seconds). */
  public static wholeSeconds(min: number, max: number, d: Duration): ValueProblem | undefined {
    if (!isDuration(d)) return notADuration(d);
    const ms = millis(d);
    if (ms % 1000 === 0 && ms / 1000 >= min && ms / 1000 <= max) return undefined;
    return { expectation: `a whole number of seconds from ${min} to ${max}`, got: `${ms}ms` };
  }

  /** A `Duration` of whole milliseconds in `[min, max]` (milliseconds). */
  public static wholeMillis(min: number, max: number, d: Duration): ValueProblem | undefined {
    if (!isDuration(d)) return notADuration(d);
    const ms = millis(d);
    if (Number.isInteger(ms) && ms >= min && ms <= max) return undefined;
    return { expectation: `a duration of whole milliseconds from ${showMillis(min)} to ${showMillis(max)}`, got: `${ms}ms` };
  }

  /** A `Size` of whole MiB in `[min, max]` (MiB). */
  public static wholeMebibytes(min: number, max: number, s: Size): ValueProblem | undefined {
    if (!isSize(s)) return { expectation: 'a Size (e.g. Size.mebibytes(64))', got: s };
    const mib = mebibytes(s);
    if (Number.isInteger(mib) && mib >= min && mib <= max) return undefined;
    return { expectation: `a whole number of MiB from ${min} to ${max}`, got: `${mib}Mi` };
  }

  /** A `Size` of whole bytes in `[min, max]` (bytes). */
  public static bytes(min: number, max: number, s: Size): ValueProblem | undefined {
    if (!isSize(s)) return { expectation: 'a Size (e.g. Size.mebibytes(1))', got: s };
    const b = bytes(s);
    if (Number.isInteger(b) && b >= min && b <= max) return undefined;
    return { expectation: `a size of whole bytes from ${min} to ${max} bytes`, got: `${b} bytes` };
  }

  /** `true` or `false` (a JavaScript or Python caller may pass `'false'`, which is truthy). */
  public static boolean(v: boolean): ValueProblem | undefined {
    return typeof v === 'boolean' ? undefined : { expectation: 'true or false', got: v };
  }

  /** A string matching `pattern`, described by `what`. */
  public static matches(pattern: RegExp, what: string, v: string): ValueProblem | undefined {
    if (typeof v === 'string' && pattern.test(v)) return undefined;
    return { expectation: what, got: v };
  }
}

/** The milliseconds of a duration, fractional ones included (cdk8s would throw its own message for those). */
export function millis(d: Duration): number {
  return d.toMilliseconds({ integral: false });
}

/** The MiB of a size, fractional ones included. */
export function mebibytes(s: Size): number {
  return s.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
}

/** The bytes of a size, fractional ones included. */
export function bytes(s: Size): number {
  return s.toKibibytes({ rounding: SizeRoundingBehavior.NONE }) * 1024;
}

function notADuration(d: unknown): ValueProblem {
  return { expectation: 'a Duration (e.g. Duration.seconds(30))', got: d };
}

function showMillis(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

// Duck-typed, not `instanceof`: a JavaScript or Python caller may pass a string or a number, and an app may load
// a second copy of cdk8s; what matters is that the value converts.
function isDuration(d: any): d is Duration {
  return d !== null && typeof d === 'object' && typeof d.toMilliseconds === 'function';
}

function isSize(s: any): s is Size {
  return s !== null && typeof s === 'object' && typeof s.toMebibytes === 'function' && typeof s.toKibibytes === 'function';
}
