import { IConstruct } from 'constructs';
import { PropCheck } from '../../core/errors';
import { propError } from '../../core/prop-error';

/**
 * The order of a top-k merge.
 */
export enum SortOrder {
  /** Largest first (scores, counts). */
  DESCENDING = 'descending',
  /** Smallest first (distances, ranks). */
  ASCENDING = 'ascending',
}

/**
 * Options for `MergeStrategy.topK`.
 */
export interface TopKOptions {
  /**
   * The field of each item to rank by: a number or a string in every item (strings compare by code unit).
   * Dots separate nested fields (`meta.score`).
   */
  readonly field: string;
  /** How many items the merged answer keeps (1 to 100000). */
  readonly k: number;
  /**
   * The order.
   *
   * @default SortOrder.DESCENDING
   */
  readonly order?: SortOrder;
}

/**
 * The merge strategies, as named in the root's config.
 */
export enum MergeStrategyKind {
  /** `MergeStrategy.concatArrays()`. */
  CONCAT_ARRAYS = 'concatArrays',
  /** `MergeStrategy.mergeObjects()`. */
  MERGE_OBJECTS = 'mergeObjects',
  /** `MergeStrategy.sum()`. */
  SUM = 'sum',
  /** `MergeStrategy.topK(options)`. */
  TOP_K = 'topK',
  /** `MergeStrategy.unionStrings()`. */
  UNION_STRINGS = 'unionStrings',
  /** `MergeStrategy.intersection()`. */
  INTERSECTION = 'intersection',
}

/**
 * How the root merges the JSON answers of the leaf shards into one answer.
 *
 * Answers are merged in shard order. A shard whose answer does not have the shape the strategy needs is not dropped
 * silently: it counts as a missing shard, with the reason, and the `missingShards` policy applies.
 */
export class MergeStrategy {
  /** Each leaf answers a JSON array; the answer is their concatenation, in shard order. */
  public static concatArrays(): MergeStrategy {
    return MergeStrategy.plain(MergeStrategyKind.CONCAT_ARRAYS);
  }

  /**
   * Each leaf answers a JSON object; the answer is their deep merge (nested objects merged key by key; where two
   * shards give a key different non-object values, the higher shard index wins).
   */
  public static mergeObjects(): MergeStrategy {
    return MergeStrategy.plain(MergeStrategyKind.MERGE_OBJECTS);
  }

  /**
   * Each leaf answers a number (the answer is the sum) or an object of numbers (the answer sums each key), e.g.
   * counts per term.
   */
  public static sum(): MergeStrategy {
    return MergeStrategy.plain(MergeStrategyKind.SUM);
  }

  /**
   * Each leaf answers a JSON array of objects; the answer is the `k` items with the largest (or smallest) `field`
   * over all shards. Ties keep shard order, then each leaf's own order.
   */
  public static topK(options: TopKOptions): MergeStrategy {
    return new MergeStrategy(MergeStrategyKind.TOP_K, (scope) => {
      const o = options ?? ({} as TopKOptions);
      if (typeof o.field !== 'string' || o.field.length === 0 || o.field.split('.').includes('')) {
        throw propError(scope, 'merge.field', 'a non-empty field name (dots separate nested fields)', o.field);
      }
      // No default: a missing `k` is reported as missing, not as a default value.
      if (typeof o.k !== 'number') throw propError(scope, 'merge.k', 'an integer from 1 to 100000', o.k);
      const k = PropCheck.integer(scope, 'merge.k', 1, 100_000, o.k, o.k);
      const order = PropCheck.oneOf(scope, 'merge.order', Object.values(SortOrder), SortOrder.DESCENDING, o.order);
      return { strategy: MergeStrategyKind.TOP_K, field: o.field, k, order };
    });
  }

  /** Each leaf answers a JSON array of strings; the answer is their union, deduplicated and sorted. */
  public static unionStrings(): MergeStrategy {
    return MergeStrategy.plain(MergeStrategyKind.UNION_STRINGS);
  }

  /**
   * Each leaf answers a JSON array of strings (document ids); the answer is their intersection, deduplicated and
   * sorted: the book's distributed document search, each leaf answering for its own terms of the query. It needs a
   * `RequestPartition` other than `none()` (shards asked the same request over a sharded corpus hold disjoint
   * documents, so their intersection would be empty). Only the shards called count (a shard with no term of the
   * request is not called); with `MissingShards.PARTIAL`, the answer is the intersection of the shards that
   * answered — a superset of the full answer, since the missing shards' terms did not filter it.
   */
  public static intersection(): MergeStrategy {
    return new MergeStrategy(MergeStrategyKind.INTERSECTION, () => ({ strategy: MergeStrategyKind.INTERSECTION }), true);
  }

  private static plain(strategy: MergeStrategyKind): MergeStrategy {
    return new MergeStrategy(strategy, () => ({ strategy }));
  }

  private constructor(
    /** The strategy's name in the root's config. */
    public readonly strategy: MergeStrategyKind,
    private readonly config: (scope: IConstruct) => { [key: string]: any },
    private readonly partitioned: boolean = false) {}

  /** @internal What a `RequestPartition` checks: the strategy's call, and whether it needs each shard asked its own part. */
  public get _partitionNeeds(): { name: string; requiresPartition: boolean } {
    return { name: `MergeStrategy.${this.strategy}()`, requiresPartition: this.partitioned };
  }

  /** @internal The strategy's part of the root's config (checks its options, naming `scope`). */
  public _toConfig(scope: IConstruct): { [key: string]: any } {
    return this.config(scope);
  }
}
