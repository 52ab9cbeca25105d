'use strict';
// bench/work-queue.bench.ts: a no-op worker on the library's Node client, in-process (QUEUE_TAKE_BATCH items per
// round trip). Env: the worker contract, CLIENT_JS (the client's path).
const { WorkQueue } = require(process.env.CLIENT_JS);
const q = WorkQueue.fromEnv();
q.run(() => undefined).then(() => q.close());
