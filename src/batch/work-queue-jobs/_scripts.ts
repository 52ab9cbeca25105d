import { SCRIPTS_DIR } from './_worker-pod';
import { WorkQueueScripts } from '../../config/work-queue';

/** What the pods of one WorkQueueJobs run from the scripts ConfigMap. */
export interface ScriptNeeds {
  /** The worker container's `command` and `args`. */
  readonly workerArgv: readonly unknown[];
  /** A seeder Job runs `seed.sh` + `seed.lua`. */
  readonly seeder: boolean;
  /** The worker pods' init container runs `wait-seed.sh`. */
  readonly waitSeed: boolean;
  /** A reaper CronJob runs `reap.sh`. */
  readonly reaper: boolean;
}

/** The worker programs a worker may name, each with the files it reads beside it. */
const WORKER_PROGRAMS: { [file: string]: string[] } = {
  [WorkQueueScripts.WORKER_JS]: [WorkQueueScripts.WORKER_JS, WorkQueueScripts.CLIENT_JS],
  [WorkQueueScripts.WORKER_SH]: [WorkQueueScripts.WORKER_SH],
  [WorkQueueScripts.CLIENT_JS]: [WorkQueueScripts.CLIENT_JS],
  [WorkQueueScripts.CLIENT_PY]: [WorkQueueScripts.CLIENT_PY],
};

/** A worker program named by its path in the pod: `/etc/work-queue/scripts/<f>` or `$QUEUE_SCRIPTS_DIR/<f>`. */
const NAMED = new RegExp(`(?:${SCRIPTS_DIR.replace(/[.]/g, '\\.')}|\\$\\{?QUEUE_SCRIPTS_DIR\\}?)/(worker\\.js|worker\\.sh|client\\.js|client\\.py)(?![\\w.-])`, 'g');

/**
 * The data of the scripts ConfigMap: only what the pods run. `queue.lua` (every client and the reaper run it) and
 * `status.sh` (for people) always; the seeder's, the seed wait's and the reaper's scripts when those exist; the
 * worker programs the worker's command and args name by path (`worker.js` with the `client.js` it requires), or
 * all four when they name none (the worker's own program loads a client).
 */
export function scriptsFor(needs: ScriptNeeds): { [file: string]: string } {
  const named = new Set<string>();
  for (const arg of needs.workerArgv) {
    if (typeof arg !== 'string') continue;
    for (const m of arg.matchAll(NAMED)) for (const f of WORKER_PROGRAMS[m[1]]) named.add(f);
  }
  const worker = named.size > 0 ? named : new Set(Object.keys(WORKER_PROGRAMS));
  const keep = (f: string): boolean => {
    switch (f) {
      case WorkQueueScripts.SEED_SH:
      case WorkQueueScripts.SEED_LUA: return needs.seeder;
      case WorkQueueScripts.WAIT_SEED_SH: return needs.waitSeed;
      case WorkQueueScripts.REAP_SH: return needs.reaper;
      case WorkQueueScripts.QUEUE_LUA:
      case WorkQueueScripts.STATUS_SH: return true;
      default: return worker.has(f);
    }
  };
  const out: { [file: string]: string } = {};
  for (const [f, text] of Object.entries(WorkQueueScripts.files())) if (keep(f)) out[f] = text;
  return out;
}
