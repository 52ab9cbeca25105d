import { createHash } from 'crypto';
import { programText } from '../runtime/_programs';

/**
 * The Redis keys of one work queue. Every key starts with the queue name, so several queues share one Redis.
 */
export interface WorkQueueKeyNames {
  /** The list of items waiting for a worker (`<queue>:pending`; seeded with LPUSH, taken from the right). */
  readonly pending: string;
  /** The list of items a worker has taken and not yet acknowledged (`<queue>:processing`). */
  readonly processing: string;
  /** The prefix of the lease keys: `<queue>:lease:<item>` holds the worker id and expires with the lease. */
  readonly leasePrefix: string;
  /**
   * The sorted set of items the reaper found in `processing` without a lease, scored by when it first saw them
   * (`<queue>:unleased`). An item is re-queued once it has had no lease for the grace period.
   */
  readonly unleased: string;
  /** The list of items whose worker command failed (`<queue>:failed`), for a person or a retry job to look at. */
  readonly failed: string;
  /** The hash of finished seed runs: run id → number of items pushed (`<queue>:seeds`). */
  readonly seeds: string;
  /** The hash of counters (`<queue>:stats`; `requeued`: items the reaper put back). */
  readonly stats: string;
}

/**
 * The environment variables of the worker contract and of the seeder and reaper containers.
 */
export class WorkQueueEnv {
  /** Host name or IP of the Redis that holds the queue. */
  public static readonly HOST = 'QUEUE_HOST';
  /** Its port. */
  public static readonly PORT = 'QUEUE_PORT';
  /** Its password (from a Secret; unset when Redis has none). */
  public static readonly PASSWORD = 'QUEUE_PASSWORD';
  /** The pending list. */
  public static readonly PENDING = 'QUEUE_PENDING';
  /** The processing list. */
  public static readonly PROCESSING = 'QUEUE_PROCESSING';
  /** The lease key prefix (the lease of item `x` is the key `${QUEUE_LEASE_PREFIX}x`). */
  public static readonly LEASE_PREFIX = 'QUEUE_LEASE_PREFIX';
  /** The lease, in whole seconds. */
  public static readonly LEASE_SECONDS = 'QUEUE_LEASE_SECONDS';
  /** The list failed items go to. */
  public static readonly FAILED = 'QUEUE_FAILED';
  /** How many items one worker takes before it exits (`0`: no limit). */
  public static readonly MAX_ITEMS = 'QUEUE_MAX_ITEMS';
  /**
   * When a worker exits: `drained` (pending and processing both empty: a parallel Job's workers wait for the
   * items of dead workers to come back) or `empty` (the pending list stayed empty for one take timeout: a KEDA
   * job exits and KEDA starts new ones when items arrive).
   */
  public static readonly EXIT_WHEN = 'QUEUE_EXIT_WHEN';
  /** The directory the scripts ConfigMap is mounted at (holds the reference workers `worker.sh`, `worker.js`). */
  public static readonly SCRIPTS_DIR = 'QUEUE_SCRIPTS_DIR';
  /** The worker's id, written as the lease value (the pod name). */
  public static readonly WORKER_ID = 'WORKER_ID';
  /** A writable directory shared by the containers of one worker pod. */
  public static readonly WORK_DIR = 'WORK_DIR';
  /** Indexed mode: the file holding this pod's item. */
  public static readonly WORK_ITEM_FILE = 'WORK_ITEM_FILE';
  /** Indexed mode: the file holding every item, one per line (line `JOB_COMPLETION_INDEX + 1` is this pod's). */
  public static readonly WORK_ITEMS_FILE = 'WORK_ITEMS_FILE';
  /** The reaper's hand-off grace, in seconds. */
  public static readonly GRACE_SECONDS = 'REAPER_GRACE_SECONDS';
  /** The seed run id. */
  public static readonly SEED_RUN = 'SEED_RUN';
  /** The number of items the seed run pushes (checked against the items file). */
  public static readonly SEED_COUNT = 'SEED_COUNT';
  /** The unleased sorted set (reaper only). */
  public static readonly UNLEASED = 'QUEUE_UNLEASED';
  /** The seeds hash (seeder only). */
  public static readonly SEEDS = 'QUEUE_SEEDS';
  /** The stats hash (reaper only). */
  public static readonly STATS = 'QUEUE_STATS';
  /**
   * The queue engine's command-line client the library's own scripts call (`redis-cli` or `valkey-cli`: the
   * valkey image ships no `redis-*` names). Seeder, reaper and seed wait only; a worker image brings its own.
   */
  public static readonly CLI = 'QUEUE_CLI';
}

/**
 * The scripts of the work queue, as text: the seeder (`seed.sh` + `seed.lua`), the reaper (`reap.sh` +
 * `reap.lua`, run with `$QUEUE_CLI --eval`) and two reference workers that follow the worker contract
 * (`worker.sh` for images with `redis-cli`, `worker.js` for images with Node.js 18+). Each is a real file under
 * the library's `runtime/programs/work-queue/`, linted (shellcheck, `luac -p`) or type-checked, and returned
 * byte for byte: the construct puts them in a ConfigMap, the tests run them against a real Redis.
 *
 * The scripts expect this layout (the ConfigMaps' mount points): `<dir>/scripts/<file>` and
 * `<dir>/items/items.txt`.
 */
export class WorkQueueScripts {
  /** The file name of the seeder's entry point. */
  public static readonly SEED_SH = 'seed.sh';
  /** The file name of the seeder's Lua script. */
  public static readonly SEED_LUA = 'seed.lua';
  /** The file name of the script that holds a parallel Job's workers until their seed run is on the queue. */
  public static readonly WAIT_SEED_SH = 'wait-seed.sh';
  /** The file name of the reaper's entry point. */
  public static readonly REAP_SH = 'reap.sh';
  /** The file name of the reaper's Lua script. */
  public static readonly REAP_LUA = 'reap.lua';
  /** The file name of the shell reference worker. */
  public static readonly WORKER_SH = 'worker.sh';
  /** The file name of the Node.js reference worker. */
  public static readonly WORKER_JS = 'worker.js';
  /** The file name of the items file (in the items ConfigMap). */
  public static readonly ITEMS_FILE = 'items.txt';
  /**
   * How long a reference worker blocks on an empty pending list before it checks whether to exit (written into
   * `worker.sh` and `worker.js`, whose `BLMOVE` uses it).
   */
  public static readonly TAKE_TIMEOUT_SECONDS = 5;

  /** The Redis keys of the queue `queueName`. */
  public static keys(queueName: string): WorkQueueKeyNames {
    return {
      pending: `${queueName}:pending`,
      processing: `${queueName}:processing`,
      leasePrefix: `${queueName}:lease:`,
      unleased: `${queueName}:unleased`,
      failed: `${queueName}:failed`,
      seeds: `${queueName}:seeds`,
      stats: `${queueName}:stats`,
    };
  }

  /** The items file: one item per line, in order, ending with a newline. */
  public static itemsText(items: string[]): string {
    return items.map((i) => `${i}\n`).join('');
  }

  /** The seed run id of a list of items: the first 16 hex digits of the SHA-256 of the items file. */
  public static seedRunId(items: string[]): string {
    return createHash('sha256').update(WorkQueueScripts.itemsText(items)).digest('hex').slice(0, 16);
  }

  /** Every script, by file name (the data of the scripts ConfigMap). */
  public static files(): { [file: string]: string } {
    return {
      [WorkQueueScripts.REAP_LUA]: WorkQueueScripts.reapLua(),
      [WorkQueueScripts.REAP_SH]: WorkQueueScripts.reapShell(),
      [WorkQueueScripts.SEED_LUA]: WorkQueueScripts.seedLua(),
      [WorkQueueScripts.SEED_SH]: WorkQueueScripts.seedShell(),
      [WorkQueueScripts.WAIT_SEED_SH]: WorkQueueScripts.waitSeedShell(),
      [WorkQueueScripts.WORKER_JS]: WorkQueueScripts.workerNode(),
      [WorkQueueScripts.WORKER_SH]: WorkQueueScripts.workerShell(),
    };
  }

  /**
   * The seeder's Lua script. KEYS: pending list, seeds hash. ARGV: run id, expected item count, the items file.
   * One atomic EVAL: when the run is recorded already it pushes nothing; else it checks the count, LPUSHes every
   * item in file order (so workers, taking from the right, get them first-in first-out) and records the run.
   */
  public static seedLua(): string {
    return program(WorkQueueScripts.SEED_LUA);
  }

  /**
   * The seeder's entry point (POSIX sh + `$QUEUE_CLI`, `redis-cli` or `valkey-cli`): waits up to two minutes for
   * the queue, then runs `seed.lua` with the items file as its last argument (`-x`). Exits non-zero on any error
   * reply.
   */
  public static seedShell(): string {
    return program(WorkQueueScripts.SEED_SH);
  }

  /**
   * The init container of a parallel Job's workers (POSIX sh + `$QUEUE_CLI`): waits until the seed run is recorded
   * in the seeds hash. Without it a worker that starts before the seeder finds the queue drained and exits, and
   * the Job completes with nothing done.
   */
  public static waitSeedShell(): string {
    return program(WorkQueueScripts.WAIT_SEED_SH);
  }

  /**
   * The reaper's Lua script, run with `$QUEUE_CLI --eval`. KEYS: pending, processing, unleased, stats. ARGV: lease
   * key prefix, grace seconds. One atomic pass over the processing list: an item with a lease is left alone; an
   * item without one is noted in `unleased` with the server's time, and once it has been without a lease for
   * the grace period (which covers a live worker between its BLMOVE and its SET of the lease) it is removed
   * from processing and pushed back on the right end of pending, where it is taken next. Returns a summary.
   */
  public static reapLua(): string {
    return program(WorkQueueScripts.REAP_LUA);
  }

  /** The reaper's entry point: one `$QUEUE_CLI --eval reap.lua`. Exits non-zero on any error reply. */
  public static reapShell(): string {
    return program(WorkQueueScripts.REAP_SH);
  }

  /**
   * The reference worker in POSIX sh for images with `redis-cli` 6.2+ (e.g. the redis image): follows the worker
   * contract and runs its arguments as the command for each item, with the item in `WORK_ITEM`. A command
   * that exits non-zero sends the item to the failed list.
   */
  public static workerShell(): string {
    return program(WorkQueueScripts.WORKER_SH);
  }

  /**
   * The reference worker in JavaScript for images with Node.js 18+ (no dependencies: it speaks RESP itself):
   * the same contract and usage as `worker.sh` (`node worker.js <command> [args...]`).
   */
  public static workerNode(): string {
    return program(WorkQueueScripts.WORKER_JS);
  }
}

/** A work-queue program: the file `runtime/programs/work-queue/<file>`, named as in the scripts ConfigMap. */
function program(file: string): string {
  return programText(`work-queue/${file}`);
}
