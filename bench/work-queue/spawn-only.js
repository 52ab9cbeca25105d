'use strict';
// The ceiling of a worker that starts a process per item (bench/work-queue.bench.ts): the loop of worker.js with
// the queue taken out — spawn the command (as worker.js does: stdio inherited, the item in the env), wait for it
// to exit, again — SPAWN_COUNT times. Prints `<count> <ms>`: the spawns and the time the loop took.
const { spawn } = require('child_process');

const count = Number(process.env.SPAWN_COUNT);
const command = process.argv.slice(2);
(async () => {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    await new Promise((resolve, reject) => {
      const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env: { ...process.env, WORK_ITEM: `photos/${i}.jpg`, WORK_ITEM_ATTEMPT: '1' } });
      child.on('error', reject);
      child.on('exit', resolve);
    });
  }
  console.log(`${count} ${(performance.now() - t0).toFixed(3)}`);
})();
