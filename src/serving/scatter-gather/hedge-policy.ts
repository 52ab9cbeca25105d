import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { PropCheck } from '../../core/errors';
import { propError } from '../../core/prop-error';

/**
 * Options for `HedgePolicy.after`.
 */
export interface HedgeOptions {
  /**
   * The hedge budget: hedges are at most this percentage of primary leaf requests (a token bucket with a burst of
   * 10), so a slow cluster is not flooded with duplicates.
   *
   * @default 10
   */
  readonly maxPercent?: number;
}

/**
 * Options for `HedgePolicy.percentile`.
 */
export interface PercentileHedgeOptions {
  /** The percentile of the shard's recent answer latencies after which the hedge goes out, e.g. 95. */
  readonly percentile: number;
  /**
   * The shortest hedge delay, also used until a shard has 20 answers.
   *
   * @default Duration.millis(5)
   */
  readonly minDelay?: Duration;
  /**
   * The hedge budget, as in `HedgeOptions.maxPercent`.
   *
   * @default 10
   */
  readonly maxPercent?: number;
}

/**
 * The hedging modes, as named in the root's config.
 */
export enum HedgeMode {
  /** `HedgePolicy.none()`. */
  NONE = 'none',
  /** `HedgePolicy.after(delay)`. */
  AFTER = 'after',
  /** `HedgePolicy.percentile(options)`. */
  PERCENTILE = 'percentile',
}

/**
 * Hedged requests, the straggler control: when a shard has not answered after a delay, the root sends the same
 * request to another replica of that shard and takes the first answer. After a connection error or an error
 * status from the primary, the hedge goes out at once (a failover).
 *
 * Hedging sends some requests twice: the leaves must treat the fanned-out requests as idempotent (reads).
 *
 * @see https://research.google/pubs/the-tail-at-scale/
 */
export class HedgePolicy {
  /** Never send a second request; a slow shard is waited for until the timeout. */
  public static none(): HedgePolicy {
    return new HedgePolicy(HedgeMode.NONE, () => ({ mode: HedgeMode.NONE }));
  }

  /** Hedge after a fixed delay, e.g. a healthy leaf's p95 latency. Must be less than the timeout. */
  public static after(delay: Duration, options: HedgeOptions = {}): HedgePolicy {
    return new HedgePolicy(HedgeMode.AFTER, (scope, timeoutMs) => {
      const delayMs = hedgeDelay(scope, delay, timeoutMs);
      return { mode: HedgeMode.AFTER, delayMs, maxPercent: hedgeBudget(scope, optionsOf(scope, 'HedgeOptions', options).maxPercent) };
    });
  }

  /**
   * Hedge after the shard's own recent latency percentile (e.g. 95: about 5 % of requests are hedged), measured
   * by the root over the last 1024 answers of that shard and never below `minDelay`.
   */
  public static percentile(options: PercentileHedgeOptions): HedgePolicy {
    return new HedgePolicy(HedgeMode.PERCENTILE, (scope, timeoutMs) => {
      const o = optionsOf(scope, 'PercentileHedgeOptions', options);
      const minDelayMs = hedgeDelay(scope, o.minDelay ?? Duration.millis(5), timeoutMs);
      const maxPercent = hedgeBudget(scope, o.maxPercent);
      if (typeof o.percentile !== 'number' || !(o.percentile > 0 && o.percentile < 100)) {
        throw propError(scope, 'hedge.percentile', 'a number greater than 0 and less than 100', o.percentile);
      }
      return { mode: HedgeMode.PERCENTILE, percentile: o.percentile, minDelayMs, maxPercent };
    });
  }

  private constructor(
    /** The mode in the root's config. */
    public readonly mode: HedgeMode,
    private readonly config: (scope: IConstruct, timeoutMs: number) => { [key: string]: any }) {}

  /** @internal The policy's part of the root's config (checks its options against the timeout, naming `scope`). */
  public _toConfig(scope: IConstruct, timeoutMs: number): { [key: string]: any } {
    return this.config(scope, timeoutMs);
  }
}

/** A hedge delay: whole milliseconds, less than the timeout. */
function hedgeDelay(scope: IConstruct, delay: Duration, timeoutMs: number): number {
  const delayMs = PropCheck.wholeMillis(scope, 'hedge', 1, 3_600_000, Duration.millis(1), delay);
  if (delayMs >= timeoutMs) throw propError(scope, 'hedge', `a delay less than 'timeout' (${timeoutMs}ms)`, `${delayMs}ms`);
  return delayMs;
}

function hedgeBudget(scope: IConstruct, maxPercent?: number): number {
  return PropCheck.integer(scope, 'hedge.maxPercent', 1, 100, 10, maxPercent);
}

/** The options of a hedge factory, as a JavaScript or Python caller may pass them: an object, or nothing. */
function optionsOf<T extends object>(scope: IConstruct, type: string, options: T | undefined): Partial<T> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw propError(scope, 'hedge', `a HedgePolicy whose options are a ${type} object`, options);
  return options;
}
