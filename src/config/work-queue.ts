import { createHash } from 'crypto';

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
}

/**
 * The scripts of the work queue, as text: the seeder (`seed.sh` + `seed.lua`), the reaper (`reap.sh` +
 * `reap.lua`, run with `redis-cli --eval`) and two reference workers that follow the worker contract
 * (`worker.sh` for images with `redis-cli`, `worker.js` for images with Node.js 18+). Pure functions: the
 * construct puts them in a ConfigMap, the tests run them against a real Redis.
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
  /** How long a reference worker blocks on an empty pending list before it checks whether to exit. */
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
    return `-- WorkQueueJobs seeder: push every item once per seed run, atomically.
-- KEYS[1] pending list, KEYS[2] seeds hash; ARGV[1] run id, ARGV[2] expected count, ARGV[3] items (one per line)
local done = redis.call('HGET', KEYS[2], ARGV[1])
if done then
  return 'run ' .. ARGV[1] .. ' already seeded (' .. done .. ' items): nothing pushed'
end
local items = {}
for item in string.gmatch(ARGV[3], '[^\\n]+') do
  items[#items + 1] = item
end
if #items ~= tonumber(ARGV[2]) then
  return redis.error_reply('run ' .. ARGV[1] .. ': the items file holds ' .. #items .. ' items, expected ' .. ARGV[2])
end
for i = 1, #items, 1000 do
  redis.call('LPUSH', KEYS[1], unpack(items, i, math.min(i + 999, #items)))
end
redis.call('HSET', KEYS[2], ARGV[1], #items)
return 'run ' .. ARGV[1] .. ' seeded: ' .. #items .. ' items pushed'
`;
  }

  /**
   * The seeder's entry point (POSIX sh + redis-cli): waits up to two minutes for Redis, then runs `seed.lua`
   * with the items file as its last argument (`redis-cli -x`). Exits non-zero on any error reply.
   */
  public static seedShell(): string {
    return `#!/bin/sh
# WorkQueueJobs seeder: one atomic EVAL of seed.lua pushes every item of ../items/items.txt, once per seed run.
# Env: QUEUE_HOST QUEUE_PORT QUEUE_PENDING QUEUE_SEEDS SEED_RUN SEED_COUNT [REDISCLI_AUTH]
set -eu
dir=$(dirname -- "$0")
cli() { redis-cli -e -h "$QUEUE_HOST" -p "$QUEUE_PORT" "$@"; }
tries=0
until out=$(cli PING 2>&1) && [ "$out" = PONG ]; do
  case "$out" in *NOAUTH*|*WRONGPASS*|*"invalid password"*) echo "seed: $out" >&2; exit 1 ;; esac
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "seed: $QUEUE_HOST:$QUEUE_PORT did not answer PING after $tries tries: $out" >&2
    exit 1
  fi
  sleep 2
done
if ! out=$(cli -x EVAL "$(cat "$dir/seed.lua")" 2 "$QUEUE_PENDING" "$QUEUE_SEEDS" "$SEED_RUN" "$SEED_COUNT" < "$dir/../items/items.txt" 2>&1); then
  echo "seed: $out" >&2
  exit 1
fi
echo "seed: $out"
`;
  }

  /**
   * The init container of a parallel Job's workers (POSIX sh + redis-cli): waits until the seed run is recorded
   * in the seeds hash. Without it a worker that starts before the seeder finds the queue drained and exits, and
   * the Job completes with nothing done.
   */
  public static waitSeedShell(): string {
    return `#!/bin/sh
# WorkQueueJobs: hold a parallel Job's workers until their seed run is on the queue (the seeds hash has it).
# Env: QUEUE_HOST QUEUE_PORT QUEUE_SEEDS SEED_RUN [REDISCLI_AUTH]
set -u
said=
until out=$(redis-cli -e -h "$QUEUE_HOST" -p "$QUEUE_PORT" HEXISTS "$QUEUE_SEEDS" "$SEED_RUN" 2>&1) && [ "$out" = 1 ]; do
  if [ "$said" != "$out" ]; then echo "wait-seed: run $SEED_RUN not seeded yet ($out)"; said=$out; fi
  sleep 2
done
echo "wait-seed: run $SEED_RUN is seeded"
`;
  }

  /**
   * The reaper's Lua script, run with `redis-cli --eval`. KEYS: pending, processing, unleased, stats. ARGV: lease
   * key prefix, grace seconds. One atomic pass over the processing list: an item with a lease is left alone; an
   * item without one is noted in `unleased` with the server's time, and once it has been without a lease for
   * the grace period (which covers a live worker between its BLMOVE and its SET of the lease) it is removed
   * from processing and pushed back on the right end of pending, where it is taken next. Returns a summary.
   */
  public static reapLua(): string {
    return `-- WorkQueueJobs reaper: put items whose lease expired back on the queue, atomically.
-- KEYS[1] pending, KEYS[2] processing, KEYS[3] unleased (zset), KEYS[4] stats; ARGV[1] lease prefix, ARGV[2] grace seconds
local now = tonumber(redis.call('TIME')[1])
local grace = tonumber(ARGV[2])
local held = redis.call('LRANGE', KEYS[2], 0, -1)
local seen = {}
local requeued, leased, waiting = 0, 0, 0
for _, item in ipairs(held) do
  if not seen[item] then
    seen[item] = true
    if redis.call('EXISTS', ARGV[1] .. item) == 1 then
      redis.call('ZREM', KEYS[3], item)
      leased = leased + 1
    else
      local since = redis.call('ZSCORE', KEYS[3], item)
      if not since then
        since = now
        redis.call('ZADD', KEYS[3], now, item)
      end
      if now - tonumber(since) >= grace then
        local removed = redis.call('LREM', KEYS[2], 0, item)
        for _ = 1, removed do
          redis.call('RPUSH', KEYS[1], item)
        end
        redis.call('ZREM', KEYS[3], item)
        requeued = requeued + removed
      else
        waiting = waiting + 1
      end
    end
  end
end
for _, item in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  if not seen[item] then
    redis.call('ZREM', KEYS[3], item)
  end
end
if requeued > 0 then
  redis.call('HINCRBY', KEYS[4], 'requeued', requeued)
end
return 'requeued ' .. requeued .. ', leased ' .. leased .. ', in grace ' .. waiting
`;
  }

  /** The reaper's entry point: one `redis-cli --eval reap.lua`. Exits non-zero on any error reply. */
  public static reapShell(): string {
    return `#!/bin/sh
# WorkQueueJobs reaper: one atomic run of reap.lua (redis-cli --eval) re-queues the items whose lease expired.
# Env: QUEUE_HOST QUEUE_PORT QUEUE_PENDING QUEUE_PROCESSING QUEUE_UNLEASED QUEUE_STATS QUEUE_LEASE_PREFIX
#      REAPER_GRACE_SECONDS [REDISCLI_AUTH]
set -eu
dir=$(dirname -- "$0")
if ! out=$(redis-cli -e -h "$QUEUE_HOST" -p "$QUEUE_PORT" --eval "$dir/reap.lua" \\
    "$QUEUE_PENDING" "$QUEUE_PROCESSING" "$QUEUE_UNLEASED" "$QUEUE_STATS" , "$QUEUE_LEASE_PREFIX" "$REAPER_GRACE_SECONDS" 2>&1); then
  echo "reap: $out" >&2
  exit 1
fi
echo "reap: $out"
`;
  }

  /**
   * The reference worker in POSIX sh for images with `redis-cli` 6.2+ (e.g. the redis image): follows the worker
   * contract and runs its arguments as the command for each item, with the item in `WORK_ITEM`. A command
   * that exits non-zero sends the item to the failed list.
   */
  public static workerShell(): string {
    return `#!/bin/sh
# WorkQueueJobs reference worker (POSIX sh + redis-cli 6.2+). Usage: worker.sh <command> [args...]
# For each item: BLMOVE pending -> processing, SET the lease, run the command with WORK_ITEM=<item> while
# renewing the lease, then acknowledge (LREM processing, DEL lease); a failing command also RPUSHes the item
# to the failed list first. Exits when QUEUE_MAX_ITEMS items are done, or per QUEUE_EXIT_WHEN.
set -u
if [ "$#" -eq 0 ]; then echo "usage: worker.sh <command> [args...]" >&2; exit 2; fi
if [ -n "\${QUEUE_PASSWORD:-}" ]; then export REDISCLI_AUTH="$QUEUE_PASSWORD"; fi
id=\${WORKER_ID:-$(hostname)}
max=\${QUEUE_MAX_ITEMS:-0}
renew=$((QUEUE_LEASE_SECONDS / 3))
if [ "$renew" -lt 1 ]; then renew=1; fi
cli() { redis-cli -e -h "$QUEUE_HOST" -p "$QUEUE_PORT" "$@"; }
taken=0
failed=0
while [ "$max" -eq 0 ] || [ "$taken" -lt "$max" ]; do
  if ! item=$(cli BLMOVE "$QUEUE_PENDING" "$QUEUE_PROCESSING" RIGHT LEFT ${WorkQueueScripts.TAKE_TIMEOUT_SECONDS}); then
    echo "worker $id: BLMOVE failed: $item" >&2; exit 1
  fi
  if [ -z "$item" ]; then
    if [ "$QUEUE_EXIT_WHEN" = empty ]; then break; fi
    left=$(cli EVAL "return redis.call('LLEN', KEYS[1]) + redis.call('LLEN', KEYS[2])" 2 "$QUEUE_PENDING" "$QUEUE_PROCESSING") \\
      || { echo "worker $id: EVAL failed: $left" >&2; exit 1; }
    if [ "$left" = 0 ]; then break; fi
    continue
  fi
  lease="$QUEUE_LEASE_PREFIX$item"
  cli SET "$lease" "$id" EX "$QUEUE_LEASE_SECONDS" > /dev/null || { echo "worker $id: SET lease failed" >&2; exit 1; }
  # the renewer ticks every second (a killed renewer leaves at most a 1 s sleep behind, holding no pipe)
  (n=0; while sleep 1 < /dev/null > /dev/null 2>&1; do
    kill -0 $$ 2> /dev/null || exit 0
    n=$((n + 1))
    if [ "$n" -ge "$renew" ]; then n=0; cli EXPIRE "$lease" "$QUEUE_LEASE_SECONDS" > /dev/null; fi
  done) &
  renewer=$!
  WORK_ITEM=$item "$@"
  rc=$?
  kill "$renewer" 2> /dev/null
  wait "$renewer" 2> /dev/null
  if [ "$rc" -ne 0 ]; then
    echo "worker $id: command failed ($rc) for item: $item" >&2
    cli RPUSH "$QUEUE_FAILED" "$item" > /dev/null || exit 1
    failed=$((failed + 1))
  fi
  cli LREM "$QUEUE_PROCESSING" 1 "$item" > /dev/null || exit 1
  cli DEL "$lease" > /dev/null || exit 1
  taken=$((taken + 1))
done
echo "worker $id: $taken items, $failed failed"
`;
  }

  /**
   * The reference worker in JavaScript for images with Node.js 18+ (no dependencies: it speaks RESP itself):
   * the same contract and usage as `worker.sh` (`node worker.js <command> [args...]`).
   */
  public static workerNode(): string {
    return `'use strict';
// WorkQueueJobs reference worker (Node.js 18+, no dependencies). Usage: node worker.js <command> [args...]
// For each item: BLMOVE pending -> processing, SET the lease, run the command with WORK_ITEM=<item> while
// renewing the lease, then acknowledge (LREM processing, DEL lease); a failing command also RPUSHes the item
// to the failed list first. Exits when QUEUE_MAX_ITEMS items are done, or per QUEUE_EXIT_WHEN.
const net = require('net');
const os = require('os');
const { spawn } = require('child_process');

function need(name) {
  const v = process.env[name];
  if (v === undefined || v === '') { console.error('worker: ' + name + ' is not set'); process.exit(2); }
  return v;
}
function die(message) { console.error('worker ' + id + ': ' + message); process.exit(1); }

const id = process.env.WORKER_ID || os.hostname();
const E = {
  host: need('QUEUE_HOST'), port: Number(need('QUEUE_PORT')), pending: need('QUEUE_PENDING'),
  processing: need('QUEUE_PROCESSING'), leasePrefix: need('QUEUE_LEASE_PREFIX'), failed: need('QUEUE_FAILED'),
  lease: Number(need('QUEUE_LEASE_SECONDS')), max: Number(process.env.QUEUE_MAX_ITEMS || '0'),
  exitWhen: need('QUEUE_EXIT_WHEN'),
};
const command = process.argv.slice(2);
if (command.length === 0) { console.error('usage: node worker.js <command> [args...]'); process.exit(2); }

// A minimal RESP2 client: one connection, one command at a time in order.
function parse(buf, i) {
  const eol = buf.indexOf('\\r\\n', i);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[i]);
  const line = buf.toString('utf8', i + 1, eol);
  if (type === '+') return { value: line, end: eol + 2 };
  if (type === '-') return { value: new Error(line), end: eol + 2 };
  if (type === ':') return { value: Number(line), end: eol + 2 };
  if (type === '$') {
    const n = Number(line);
    if (n < 0) return { value: null, end: eol + 2 };
    if (buf.length < eol + 2 + n + 2) return undefined;
    return { value: buf.toString('utf8', eol + 2, eol + 2 + n), end: eol + 2 + n + 2 };
  }
  if (type === '*') {
    const n = Number(line);
    if (n < 0) return { value: null, end: eol + 2 };
    const out = [];
    let at = eol + 2;
    for (let k = 0; k < n; k++) {
      const r = parse(buf, at);
      if (!r) return undefined;
      out.push(r.value);
      at = r.end;
    }
    return { value: out, end: at };
  }
  throw new Error('bad RESP type ' + JSON.stringify(type));
}
const sock = net.connect({ host: E.host, port: E.port });
let buf = Buffer.alloc(0);
const waiting = [];
sock.on('data', (d) => {
  buf = Buffer.concat([buf, d]);
  while (waiting.length > 0) {
    const r = parse(buf, 0);
    if (!r) return;
    buf = buf.subarray(r.end);
    const w = waiting.shift();
    if (r.value instanceof Error) w.reject(r.value); else w.resolve(r.value);
  }
});
sock.on('error', (e) => die('connection to ' + E.host + ':' + E.port + ' failed: ' + e.message));
sock.on('close', () => { if (waiting.length > 0) die('connection closed'); });
function call(...args) {
  return new Promise((resolve, reject) => {
    waiting.push({ resolve, reject });
    sock.write('*' + args.length + '\\r\\n' + args.map((a) => {
      const s = String(a);
      return '$' + Buffer.byteLength(s) + '\\r\\n' + s + '\\r\\n';
    }).join(''));
  });
}
function run(item) {
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env: { ...process.env, WORK_ITEM: item } });
    child.on('error', (e) => { console.error('worker ' + id + ': ' + e.message); resolve(127); });
    child.on('exit', (code, signal) => resolve(code === null ? 128 + (os.constants.signals[signal] || 0) : code));
  });
}

async function main() {
  if (process.env.QUEUE_PASSWORD) await call('AUTH', process.env.QUEUE_PASSWORD);
  let done = 0;
  let failed = 0;
  while (E.max === 0 || done < E.max) {
    const item = await call('BLMOVE', E.pending, E.processing, 'RIGHT', 'LEFT', '${WorkQueueScripts.TAKE_TIMEOUT_SECONDS}');
    if (item === null) {
      if (E.exitWhen === 'empty') break;
      const left = await call('EVAL', "return redis.call('LLEN', KEYS[1]) + redis.call('LLEN', KEYS[2])", '2', E.pending, E.processing);
      if (left === 0) break;
      continue;
    }
    const lease = E.leasePrefix + item;
    await call('SET', lease, id, 'EX', String(E.lease));
    const renew = setInterval(() => { call('EXPIRE', lease, String(E.lease)).catch((e) => die('EXPIRE failed: ' + e.message)); },
      Math.max(1, Math.floor(E.lease / 3)) * 1000);
    const rc = await run(item);
    clearInterval(renew);
    if (rc !== 0) {
      console.error('worker ' + id + ': command failed (' + rc + ') for item: ' + item);
      await call('RPUSH', E.failed, item);
      failed++;
    }
    await call('LREM', E.processing, '1', item);
    await call('DEL', lease);
    done++;
  }
  console.log('worker ' + id + ': ' + done + ' items, ' + failed + ' failed');
  sock.end();
}
main().catch((e) => die(e.message));
`;
  }
}
