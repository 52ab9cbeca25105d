import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { WorkQueueEnv, WorkQueueScripts } from '../../src';

describe('WorkQueueScripts', () => {
  test('the keys of a queue all start with its name', () => {
    expect(WorkQueueScripts.keys('thumbs')).toEqual({
      pending: 'thumbs:pending',
      processing: 'thumbs:processing',
      leasePrefix: 'thumbs:lease:',
      unleased: 'thumbs:unleased',
      failed: 'thumbs:failed',
      seeds: 'thumbs:seeds',
      stats: 'thumbs:stats',
    });
  });

  test('the items file is one item per line with a final newline; the run id is its hash', () => {
    expect(WorkQueueScripts.itemsText(['a b', 'c'])).toBe('a b\nc\n');
    expect(WorkQueueScripts.seedRunId(['a b', 'c'])).toBe('721a7916ccfa5684'); // printf 'a b\nc\n' | sha256sum
    expect(WorkQueueScripts.seedRunId(['a b', 'c'])).toMatch(/^[0-9a-f]{16}$/);
    expect(WorkQueueScripts.seedRunId(['c', 'a b'])).not.toBe(WorkQueueScripts.seedRunId(['a b', 'c']));
  });

  test('the scripts ConfigMap data: every script by file name', () => {
    expect(Object.keys(WorkQueueScripts.files())).toEqual(['reap.lua', 'reap.sh', 'seed.lua', 'seed.sh', 'wait-seed.sh', 'worker.js', 'worker.sh']);
    expect(WorkQueueScripts.files()).toMatchSnapshot();
  });

  test('each script is its file under src/runtime/programs/work-queue/, byte for byte, and the only one there', () => {
    const dir = path.join(__dirname, '../../src/runtime/programs/work-queue');
    const files = WorkQueueScripts.files();
    for (const [file, text] of Object.entries(files)) expect({ file, text }).toEqual({ file, text: fs.readFileSync(path.join(dir, file), 'utf8') });
    expect(fs.readdirSync(dir).filter((f) => !f.startsWith('.')).sort()).toEqual(Object.keys(files));
    expect(files).toEqual({
      'reap.lua': WorkQueueScripts.reapLua(),
      'reap.sh': WorkQueueScripts.reapShell(),
      'seed.lua': WorkQueueScripts.seedLua(),
      'seed.sh': WorkQueueScripts.seedShell(),
      'wait-seed.sh': WorkQueueScripts.waitSeedShell(),
      'worker.js': WorkQueueScripts.workerNode(),
      'worker.sh': WorkQueueScripts.workerShell(),
    });
  });

  test('the shell scripts parse with sh -n, the Node worker with node --check', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wq-scripts-'));
    try {
      for (const [file, text] of Object.entries(WorkQueueScripts.files())) fs.writeFileSync(path.join(dir, file), text);
      for (const f of ['seed.sh', 'reap.sh', 'wait-seed.sh', 'worker.sh']) {
        const r = spawnSync('sh', ['-n', path.join(dir, f)], { encoding: 'utf8' });
        expect({ f, status: r.status, stderr: r.stderr }).toEqual({ f, status: 0, stderr: '' });
      }
      const bad = path.join(dir, 'bad.sh');
      fs.writeFileSync(bad, 'if true; then\n');
      expect(spawnSync('sh', ['-n', bad]).status).not.toBe(0); // the check can fail
      const r = spawnSync(process.execPath, ['--check', path.join(dir, 'worker.js')], { encoding: 'utf8' });
      expect(r.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each([
    ['worker.sh', WorkQueueScripts.workerShell(), (c: string) => `cli ${c} `,
      `cli BLMOVE "$QUEUE_PENDING" "$QUEUE_PROCESSING" RIGHT LEFT ${WorkQueueScripts.TAKE_TIMEOUT_SECONDS}`],
    ['worker.js', WorkQueueScripts.workerNode(), (c: string) => `call('${c}'`,
      `call('BLMOVE', E.pending, E.processing, 'RIGHT', 'LEFT', '${WorkQueueScripts.TAKE_TIMEOUT_SECONDS}')`],
  ])('%s follows the contract: BLMOVE with the take timeout, SET EX lease, EXPIRE renewals, RPUSH failed, LREM then DEL', (_name, text, cmd, take) => {
    const order = ['BLMOVE', 'SET', 'EXPIRE', 'RPUSH', 'LREM', 'DEL'].map((c) => text.indexOf(cmd(c)));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((x, y) => x - y)).toEqual(order);
    expect(text).toContain(take);
    for (const v of [WorkQueueEnv.HOST, WorkQueueEnv.PORT, WorkQueueEnv.PENDING, WorkQueueEnv.PROCESSING,
      WorkQueueEnv.LEASE_PREFIX, WorkQueueEnv.LEASE_SECONDS, WorkQueueEnv.FAILED, WorkQueueEnv.MAX_ITEMS,
      WorkQueueEnv.EXIT_WHEN, WorkQueueEnv.PASSWORD, WorkQueueEnv.WORKER_ID]) {
      expect(text).toContain(v);
    }
  });

  test('the reaper runs one Lua script with the engine\'s client --eval; the seeder one EVAL of the items file', () => {
    expect(WorkQueueScripts.reapShell()).toContain('"${QUEUE_CLI:-redis-cli}" -e -h "$QUEUE_HOST" -p "$QUEUE_PORT" --eval "$dir/reap.lua"');
    expect(WorkQueueScripts.reapShell()).toContain('"$QUEUE_PENDING" "$QUEUE_PROCESSING" "$QUEUE_UNLEASED" "$QUEUE_STATS" , "$QUEUE_LEASE_PREFIX" "$REAPER_GRACE_SECONDS"');
    expect(WorkQueueScripts.seedShell())
      .toContain('cli -x EVAL "$(cat "$dir/seed.lua")" 2 "$QUEUE_PENDING" "$QUEUE_SEEDS" "$SEED_RUN" "$SEED_COUNT" < "$dir/../items/items.txt"');
    expect(WorkQueueScripts.seedLua()).toContain("redis.call('HGET', KEYS[2], ARGV[1])");
    expect(WorkQueueScripts.reapLua()).toContain("redis.call('TIME')");
  });

  test('the scripts that run in the engine\'s image call its client only as $QUEUE_CLI (valkey has no redis-cli)', () => {
    for (const f of ['seed.sh', 'reap.sh', 'wait-seed.sh']) {
      const code = WorkQueueScripts.files()[f].split('\n').filter((l) => !l.startsWith('#')).join('\n');
      expect({ f, bare: code.replace(/"\$\{QUEUE_CLI:-redis-cli\}"/g, '').match(/redis-cli|valkey-cli/g) }).toEqual({ f, bare: null });
      expect(code).toContain(WorkQueueEnv.CLI);
    }
  });

  test.each([
    ['seed.sh', { QUEUE_PENDING: 'q:pending', QUEUE_SEEDS: 'q:seeds', SEED_RUN: 'r1', SEED_COUNT: '1' }, /^-e -h h -p 7 PING\n-e -h h -p 7 -x EVAL /],
    ['reap.sh', { QUEUE_PENDING: 'q:p', QUEUE_PROCESSING: 'q:x', QUEUE_UNLEASED: 'q:u', QUEUE_STATS: 'q:s', QUEUE_LEASE_PREFIX: 'q:l:', REAPER_GRACE_SECONDS: '2' }, /^-e -h h -p 7 --eval /],
    ['wait-seed.sh', { QUEUE_SEEDS: 'q:seeds', SEED_RUN: 'r1' }, /^-e -h h -p 7 HEXISTS q:seeds r1\n$/],
  ])('%s runs the client named by QUEUE_CLI', (file, env, calls) => {
    // GIVEN a stand-in client that logs its arguments and answers like the server
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wq-cli-'));
    try {
      fs.mkdirSync(path.join(dir, 'scripts'));
      fs.mkdirSync(path.join(dir, 'items'));
      for (const [f, text] of Object.entries(WorkQueueScripts.files())) fs.writeFileSync(path.join(dir, 'scripts', f), text);
      fs.writeFileSync(path.join(dir, 'items', 'items.txt'), 'a\n');
      const cli = path.join(dir, 'valkey-cli');
      fs.writeFileSync(cli, `#!/bin/sh\necho "$*" | cut -c1-60 | sed 's/ EVAL .*/ EVAL /; s/ --eval .*/ --eval /' >> "${dir}/calls"\n`
        + 'case "$*" in *PING*) echo PONG ;; *HEXISTS*) echo 1 ;; *) echo ok ;; esac\n', { mode: 0o755 });
      // WHEN the script runs with QUEUE_CLI naming it
      const r = spawnSync('sh', [path.join(dir, 'scripts', file)], {
        encoding: 'utf8', env: { PATH: process.env.PATH, QUEUE_CLI: cli, QUEUE_HOST: 'h', QUEUE_PORT: '7', ...env },
      });
      // THEN it called that client, with the host and port
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      expect(fs.readFileSync(path.join(dir, 'calls'), 'utf8')).toMatch(calls);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
