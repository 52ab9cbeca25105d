import { IConstruct } from 'constructs';
import { propError } from '../../core/prop-error';

/**
 * The request partitions, as named in the root's config.
 */
export enum RequestPartitionMode {
  /** `RequestPartition.none()`: every shard gets the same request. */
  NONE = 'none',
  /** `RequestPartition.queryTermsByHash(...)`: each term goes to the shard its hash names. */
  QUERY_TERMS_BY_HASH = 'queryTermsByHash',
  /** `RequestPartition.queryTermsByAssignment(...)`: each term goes to the shard an explicit table names. */
  QUERY_TERMS_BY_ASSIGNMENT = 'queryTermsByAssignment',
}

/**
 * Options for `RequestPartition.queryTermsByHash`.
 */
export interface QueryTermsOptions {
  /**
   * The query parameter that holds the terms (`/search?q=kubernetes,pods`). Its value is split on commas and white
   * space (`+` and `%20` decode to a space); empty terms are dropped and a repeated term counts once. The parameter
   * may be given more than once: the terms of every occurrence count.
   *
   * @default "q"
   */
  readonly parameter?: string;
}

/**
 * Options for `RequestPartition.queryTermsByAssignment`.
 */
export interface QueryTermAssignmentOptions extends QueryTermsOptions {
  /**
   * Which shard answers for which term: term → shard index (0-based). Terms match exactly (case-sensitive). Every
   * shard must be named by at least one term — a shard no term names would never be called. A request with a term
   * that is not in the table is answered 400, naming the term.
   */
  readonly assignment: { [term: string]: number };
}

/** The root's config of a partition: `undefined` for none (the config then has no `partition` key). */
type PartitionConfig = { [key: string]: any } | undefined;

const PARAMETER = /^[A-Za-z0-9._~-]{1,64}$/;

/**
 * How the root splits a request over the shards (the book's *root distribution*, ch. 7): every shard gets the same
 * request (`none()`, the default), or each shard gets its own part of the request — the terms of a query, one term
 * per leaf as in the book's distributed document search, the root merging (e.g. intersecting) what they answer.
 *
 * With a term partition the root reads the query parameter's terms, groups them by shard, and sends each shard the
 * same request with that parameter replaced by the shard's own terms, comma-separated
 * (`/search?q=pods,nodes&limit=5` → shard 1 gets `/search?q=pods&limit=5`). **A shard with no term in the request is
 * not called**: it is neither answered nor missing, and `x-scatter-gather-shards` counts only the shards called.
 * A request whose parameter has no term is answered 400 (an intersection over no set is undefined). Timeouts,
 * hedging, failover, metrics and the `missingShards` policy work on the shards called exactly as without a
 * partition. A leaf given several terms answers for all of them together (for `MergeStrategy.intersection()`: the
 * documents that hold every one of its terms).
 */
export class RequestPartition {
  /** Every shard gets the same request (scatter/gather over a sharded corpus). */
  public static none(): RequestPartition {
    return new RequestPartition(RequestPartitionMode.NONE, (scope, _shards, merge) => {
      if (merge.requiresPartition) {
        throw propError(scope, 'merge', `a strategy that fits shards answering the same request: ${merge.name} combines each shard's answer to its own part of the request, so it needs a 'partition' (RequestPartition.queryTermsByHash(...) or .queryTermsByAssignment(...))`, merge.name);
      }
      return undefined;
    });
  }

  /**
   * Each term of a query parameter goes to the shard `RequestPartition.shardOfTerm(term, shards)` names: the 32-bit
   * FNV-1a hash of the term's UTF-8 bytes, modulo the number of shards. Give the same function to the leaves when
   * they load the postings of their terms.
   */
  public static queryTermsByHash(options: QueryTermsOptions = {}): RequestPartition {
    return new RequestPartition(RequestPartitionMode.QUERY_TERMS_BY_HASH, (scope) => {
      const parameter = checkParameter(scope, options);
      return { mode: 'queryTerms', parameter, rule: 'hash' };
    });
  }

  /** Each term of a query parameter goes to the shard an explicit table names (every shard named at least once). */
  public static queryTermsByAssignment(options: QueryTermAssignmentOptions): RequestPartition {
    return new RequestPartition(RequestPartitionMode.QUERY_TERMS_BY_ASSIGNMENT, (scope, shards) => {
      const parameter = checkParameter(scope, options);
      const table = options.assignment;
      if (table === null || typeof table !== 'object' || Array.isArray(table) || Object.keys(table).length === 0) {
        throw propError(scope, 'partition.assignment', 'a non-empty table of term → shard index', table);
      }
      const assignment: { [term: string]: number } = {};
      for (const term of Object.keys(table).sort()) {
        if (term.length === 0 || /[\s,]/.test(term)) {
          throw propError(scope, 'partition.assignment', 'terms without commas or white space (they separate the terms of a query)', term);
        }
        const shard = table[term];
        if (typeof shard !== 'number' || !Number.isInteger(shard) || shard < 0 || shard >= shards) {
          throw propError(scope, `partition.assignment.${term}`, `a shard index from 0 to ${shards - 1}`, shard);
        }
        assignment[term] = shard;
      }
      const named = new Set(Object.values(assignment));
      const idle = Array.from({ length: shards }, (_, i) => i).filter((i) => !named.has(i));
      if (idle.length > 0) {
        throw propError(scope, 'partition.assignment',
          `a table naming every shard from 0 to ${shards - 1} (a shard no term names would never be called; lower 'shards' or assign it terms), but it names no term for shard ${idle.join(', ')}`,
          assignment);
      }
      return { mode: 'queryTerms', parameter, rule: 'assignment', assignment };
    });
  }

  /**
   * The shard of a term under `queryTermsByHash`: the 32-bit FNV-1a hash of its UTF-8 bytes, modulo `shards`
   * (exactly what the root computes).
   */
  public static shardOfTerm(term: string, shards: number): number {
    if (typeof term !== 'string') throw new Error(`RequestPartition.shardOfTerm: 'term' must be a string, got ${JSON.stringify(term)}`);
    if (!Number.isInteger(shards) || shards < 1) throw new Error(`RequestPartition.shardOfTerm: 'shards' must be an integer of at least 1, got ${shards}`);
    let h = 0x811c9dc5;
    for (const b of Buffer.from(term, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0; // eslint-disable-line no-bitwise
    return h % shards;
  }

  private constructor(
    /** Which partition this is. */
    public readonly mode: RequestPartitionMode,
    private readonly config: (scope: IConstruct, shards: number, merge: { name: string; requiresPartition: boolean }) => PartitionConfig) {}

  /**
   * @internal The partition's part of the root's config (`undefined`: none), checked against the number of shards
   * and the merge, naming `scope`.
   */
  public _toConfig(scope: IConstruct, shards: number, merge: { name: string; requiresPartition: boolean }): PartitionConfig {
    return this.config(scope, shards, merge);
  }
}

function checkParameter(scope: IConstruct, options: QueryTermsOptions | undefined): string {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw propError(scope, 'partition', 'a RequestPartition whose options are an object', options);
  }
  const parameter = options.parameter ?? 'q';
  if (typeof parameter !== 'string' || !PARAMETER.test(parameter)) {
    throw propError(scope, 'partition.parameter', "a query parameter name of 1 to 64 letters, digits, '-', '.', '_' or '~'", parameter);
  }
  return parameter;
}
