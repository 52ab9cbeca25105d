import { createHash } from 'crypto';
import { programText } from '../runtime/_programs';

/**
 * The Redis keys of one work queue. Every key starts with the queue name, so several queues share one Redis
 * (a name with a `{hash tag}` keeps them in one slot). Every change of them is one atomic run of `queue.lua`.
 */
export interface WorkQueueKeyNames {
  /** The list of items waiting for a worker (`<queue>:pending`; seeded with LPUSH, taken from the right). */
  readonly pending: string;
  /**
   * The lease index (`<queue>:leased`): a sorted set of leases, each the member `<item>\n<worker id>` scored by
   * when it runs out (ms). The member names the owner, so a settlement is one `ZREM` of exactly that member
   * (which does nothing for another worker), and the reaper finds the expired ones in O(log n + k).
   */
  readonly leased: string;
  /** The hash of attempts (`<queue>:attempts`): item → how often it was leased; gone once it is done or dead. */
  readonly attempts: string;
  /** The sorted set of items waiting out their retry backoff (`<queue>:delayed`), scored by when they are due (ms). */
  readonly delayed: string;
  /** The dead-letter list (`<queue>:dead`): items that failed on their last attempt, oldest first. */
  readonly deadLetters: string;
  /** The hash of finished seed runs: run id → number of items pushed (`<queue>:seeds`). */
  readonly seeds: string;
  /**
   * The hash of counters (`<queue>:stats`): `done`, `retried` (failed or expired, put back after the backoff),
   * `expired` (leases that ran out), `buried` (dead-lettered), `stale` (settlements refused: the lease was lost).
   */
  readonly stats: string;
}

/**
 * The environment variables of the worker contract and of the seeder, reaper and seed-wait containers.
 */
export class WorkQueueEnv {
  /** Host name or IP of the Redis that holds the queue. */
  public static readonly HOST = 'QUEUE_HOST';
  /** Its port. */
  public static readonly PORT = 'QUEUE_PORT';
  /** Its password (from a Secret; unset when Redis has none). */
  public static readonly PASSWORD = 'QUEUE_PASSWORD';
  /** The queue name, the prefix of its keys (`WorkQueueScripts.keys`). */
  public static readonly NAME = 'QUEUE_NAME';
  /** The pending list (seeder only). */
  public static readonly PENDING = 'QUEUE_PENDING';
  /** The lease, in whole seconds. */
  public static readonly LEASE_SECONDS = 'QUEUE_LEASE_SECONDS';
  /** How often an item is leased before it is dead-lettered. */
  public static readonly MAX_ATTEMPTS = 'QUEUE_MAX_ATTEMPTS';
  /** The delay before the first retry of a failed or expired item, in ms; it doubles with each further attempt. */
  public static readonly RETRY_BACKOFF_MS = 'QUEUE_RETRY_BACKOFF_MS';
  /** The longest retry delay, in ms. */
  public static readonly RETRY_BACKOFF_MAX_MS = 'QUEUE_RETRY_BACKOFF_MAX_MS';
  /** How many items a worker leases per round trip (the batch lease). */
  public static readonly TAKE_BATCH = 'QUEUE_TAKE_BATCH';
  /** How many items one worker takes before it exits (`0`: no limit). */
  public static readonly MAX_ITEMS = 'QUEUE_MAX_ITEMS';
  /**
   * When a worker exits: `drained` (nothing pending, leased or waiting to retry: a parallel Job's workers wait
   * for the items of dead workers to come back) or `empty` (nothing pending for 5 s: a KEDA job exits and KEDA
   * starts new ones when items arrive).
   */
  public static readonly EXIT_WHEN = 'QUEUE_EXIT_WHEN';
  /** The directory the scripts ConfigMap is mounted at (the clients, the reference workers, `queue.lua`). */
  public static readonly SCRIPTS_DIR = 'QUEUE_SCRIPTS_DIR';
  /** The worker's id, written as the lease owner (the pod name). */
  public static readonly WORKER_ID = 'WORKER_ID';
  /** A writable directory shared by the containers of one worker pod. */
  public static readonly WORK_DIR = 'WORK_DIR';
  /** Indexed mode: the file holding this pod's item. */
  public static readonly WORK_ITEM_FILE = 'WORK_ITEM_FILE';
  /** Indexed mode: the file holding every item, one per line (line `JOB_COMPLETION_INDEX + 1` is this pod's). */
  public static readonly WORK_ITEMS_FILE = 'WORK_ITEMS_FILE';
  /** The seed run id (the seeder, the seed wait, and a parallel Job's workers, which notice a queue that lost it). */
  public static readonly SEED_RUN = 'SEED_RUN';
  /** The number of items the seed run pushes (checked against the items file). */
  public static readonly SEED_COUNT = 'SEED_COUNT';
  /** How long the seed wait waits for the seed run before it fails, in seconds. */
  public static readonly SEED_WAIT_SECONDS = 'SEED_WAIT_SECONDS';
  /** The seeds hash (seeder and seed wait). */
  public static readonly SEEDS = 'QUEUE_SEEDS';
  /** The most expired leases and due retries one reaper run of `queue.lua` handles (reaper only). */
  public static readonly REAPER_BATCH = 'REAPER_BATCH';
  /**
   * The queue engine's command-line client the library's own scripts call (`redis-cli` or `valkey-cli`: the
   * valkey image ships no `redis-*` names). Seeder, reaper and seed wait only; a worker image brings its own.
   */
  public static readonly CLI = 'QUEUE_CLI';
}

/**
 * The scripts of the work queue, as text: `queue.lua`, the one atomic script every hand-off runs (take, renew,
 * reap, status); the seeder (`seed.sh` + `seed.lua`); the seed wait; the reaper (`reap.sh`); a status command
 * (`status.sh`); the in-process clients for Node.js (`client.js`) and Python (`client.py`, standard library
 * only); and two reference workers on the contract (`worker.sh` for images with `redis-cli`, `worker.js` for
 * images with Node.js 18+). Each is a real file under the library's `runtime/programs/work-queue/`, linted
 * (shellcheck, `luac -p`) or type-checked, and returned byte for byte: the construct puts them in a ConfigMap,
 * the tests run them against a real Redis.
 *
 * The scripts expect this layout (the ConfigMaps' mount points): `<dir>/scripts/<file>` and
 * `<dir>/items/items.txt`.
 */
export class WorkQueueScripts {
  /** The file name of the queue's atomic script (take, renew, reap, status), run by every client. */
  public static readonly QUEUE_LUA = 'queue.lua';
  /** The file name of the seeder's entry point. */
  public static readonly SEED_SH = 'seed.sh';
  /** The file name of the seeder's Lua script. */
  public static readonly SEED_LUA = 'seed.lua';
  /** The file name of the script that holds a parallel Job's workers until their seed run is on the queue. */
  public static readonly WAIT_SEED_SH = 'wait-seed.sh';
  /** The file name of the reaper's entry point. */
  public static readonly REAP_SH = 'reap.sh';
  /** The file name of the status command. */
  public static readonly STATUS_SH = 'status.sh';
  /** The file name of the Node.js client. */
  public static readonly CLIENT_JS = 'client.js';
  /** The file name of the Python client. */
  public static readonly CLIENT_PY = 'client.py';
  /** The file name of the shell reference worker. */
  public static readonly WORKER_SH = 'worker.sh';
  /** The file name of the Node.js reference worker. */
  public static readonly WORKER_JS = 'worker.js';
  /** The file name of the Indexed mode's item writer (in the items ConfigMap of that mode). */
  public static readonly ITEM_SH = 'item.sh';
  /** The file name of the items file (in the items ConfigMap). */
  public static readonly ITEMS_FILE = 'items.txt';
  /** How long an idle reference worker of `QUEUE_EXIT_WHEN=empty` finds nothing pending before it exits. */
  public static readonly TAKE_TIMEOUT_SECONDS = 5;
  /** The most expired leases and due retries one reaper run of `queue.lua` handles (bounds how long it blocks redis). */
  public static readonly REAPER_BATCH = 100;

  /** The Redis keys of the queue `queueName`. */
  public static keys(queueName: string): WorkQueueKeyNames {
    return {
      pending: `${queueName}:pending`,
      leased: `${queueName}:leased`,
      attempts: `${queueName}:attempts`,
      delayed: `${queueName}:delayed`,
      deadLetters: `${queueName}:dead`,
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

  /** Every script of the queue modes, by file name (the data of the scripts ConfigMap). */
  public static files(): { [file: string]: string } {
    const out: { [file: string]: string } = {};
    for (const f of SCRIPT_FILES) out[f] = program(f);
    return out;
  }

  /**
   * The queue's atomic script. KEYS: pending, leased, attempts, delayed, dead letters, stats, seeds
   * (`keys()` in that order). ARGV: op (`take`, `renew`, `reap`, `status`), worker id, lease ms, max attempts,
   * first backoff ms, longest backoff ms, the most leases reaped and retries made due per run, seed run (or
   * ''), items to take, then the settlements (`take`: item, `done` | `failed`, …) or the items held (`renew`).
   * A `take` settles, reaps (bounded), makes due retries pending (bounded) and leases, in one round trip.
   */
  public static queueLua(): string {
    return program(WorkQueueScripts.QUEUE_LUA);
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
   * in the seeds hash, failing at once on a refused password and after `SEED_WAIT_SECONDS`. Without it a worker
   * that starts before the seeder finds the queue drained and exits, and the Job completes with nothing done.
   */
  public static waitSeedShell(): string {
    return program(WorkQueueScripts.WAIT_SEED_SH);
  }

  /**
   * The reaper's entry point: `$QUEUE_CLI --eval queue.lua` with `reap`, again while a run stopped at its bound
   * (`REAPER_BATCH`): expired leases go back after the backoff, or to the dead letters after the last attempt.
   * Exits non-zero on any error reply.
   */
  public static reapShell(): string {
    return program(WorkQueueScripts.REAP_SH);
  }

  /** The status command: the queue's lengths and counters, then the first 100 dead letters. */
  public static statusShell(): string {
    return program(WorkQueueScripts.STATUS_SH);
  }

  /** The Node.js client (`WorkQueue.fromEnv().run(handler)`), which reads `queue.lua` beside it. */
  public static clientNode(): string {
    return program(WorkQueueScripts.CLIENT_JS);
  }

  /** The Python client (`WorkQueue.from_env().run(handler)`), which reads `queue.lua` beside it. */
  public static clientPython(): string {
    return program(WorkQueueScripts.CLIENT_PY);
  }

  /**
   * The reference worker in POSIX sh for images with `redis-cli` 6.2+ (e.g. the redis image): runs its arguments
   * as the command for each item, with the item in `WORK_ITEM`; two processes per item (one `redis-cli` that
   * settles the last item and leases the next, and the command).
   */
  public static workerShell(): string {
    return program(WorkQueueScripts.WORKER_SH);
  }

  /**
   * The reference worker in JavaScript for images with Node.js 18+, on `client.js`: `node worker.js <command>`
   * runs the command per item, `node worker.js --stdio <command>` runs it once and writes the items to its stdin.
   */
  public static workerNode(): string {
    return program(WorkQueueScripts.WORKER_JS);
  }

  /** The Indexed mode's init container: writes line `JOB_COMPLETION_INDEX + 1` of the items file to `WORK_ITEM_FILE`. */
  public static itemShell(): string {
    return program(WorkQueueScripts.ITEM_SH);
  }
}

/** The files of the scripts ConfigMap, in its (sorted) order. */
const SCRIPT_FILES = [
  WorkQueueScripts.CLIENT_JS, WorkQueueScripts.CLIENT_PY, WorkQueueScripts.QUEUE_LUA, WorkQueueScripts.REAP_SH,
  WorkQueueScripts.SEED_LUA, WorkQueueScripts.SEED_SH, WorkQueueScripts.STATUS_SH, WorkQueueScripts.WAIT_SEED_SH,
  WorkQueueScripts.WORKER_JS, WorkQueueScripts.WORKER_SH,
];

/** A work-queue program: the file `runtime/programs/work-queue/<file>`, named as in the scripts ConfigMap. */
function program(file: string): string {
  return programText(`work-queue/${file}`);
}
