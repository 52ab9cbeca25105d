import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { WorkQueueEnv, WorkQueueScripts } from '../../src';

describe('WorkQueueScripts', () => {
  test('the keys of a queue all start with its name', () => {
    expect(WorkQueueScripts.keys('thumbs')).toEqual({
      pending: 'thumbs:pending',
      leased: 'thumbs:leased',
      attempts: 'thumbs:attempts',
      delayed: 'thumbs:delayed',
      deadLetters: 'thumbs:dead',
      seeds: 'thumbs:seeds',
      stats: 'thumbs:stats',
    });
  });

  test('every client passes the keys in the order queue.lua reads them (KEYS[1..7])', () => {
    const keys = Object.values(WorkQueueScripts.keys('q')).map((k) => k.replace(/^q/, ''));
    // pending, leased, attempts, delayed, dead, stats, seeds
    const order = [':pending', ':leased', ':attempts', ':delayed', ':dead', ':stats', ':seeds'];
    expect([...keys].sort()).toEqual([...order].sort());
    const lua = WorkQueueScripts.queueLua();
    expect(lua).toContain('local pending, leased, attempts, delayed = KEYS[1], KEYS[2], KEYS[3], KEYS[4]');
    expect(lua).toContain('local dead, stats, seeds = KEYS[5], KEYS[6], KEYS[7]');
    const sh = order.map((k) => `"$n${k}"`).join(' ');
    for (const f of ['worker.sh', 'reap.sh', 'status.sh']) {
      expect({ f, ok: WorkQueueScripts.files()[f].replace(/ \\\n\s*/g, ' ').includes(sh) }).toEqual({ f, ok: true });
    }
    expect(WorkQueueScripts.clientNode()).toContain(`[${order.map((k) => `n + '${k}'`).join(', ')}]`);
    expect(WorkQueueScripts.clientPython()).toContain(`(${order.map((k) => `"${k}"`).join(', ')})`);
  });

  test('the items file is one item per line with a final newline; the run id is its hash', () => {
    expect(WorkQueueScripts.itemsText(['a b', 'c'])).toBe('a b\nc\n');
    expect(WorkQueueScripts.seedRunId(['a b', 'c'])).toBe('721a7916ccfa5684'); // printf 'a b\nc\n' | sha256sum
    expect(WorkQueueScripts.seedRunId(['a b', 'c'])).toMatch(/^[0-9a-f]{16}$/);
    expect(WorkQueueScripts.seedRunId(['c', 'a b'])).not.toBe(WorkQueueScripts.seedRunId(['a b', 'c']));
  });

  test('the scripts ConfigMap data: every script by file name', () => {
    expect(Object.keys(WorkQueueScripts.files())).toEqual([
      'client.js', 'client.py', 'queue.lua', 'reap.sh', 'seed.lua', 'seed.sh', 'status.sh', 'wait-seed.sh', 'worker.js', 'worker.sh',
    ]);
    expect(WorkQueueScripts.files()).toMatchSnapshot();
  });

  test('each script is its file under src/runtime/programs/work-queue/, byte for byte, and the only ones there (with item.sh)', () => {
    const dir = path.join(__dirname, '../../src/runtime/programs/work-queue');
    const files = WorkQueueScripts.files();
    for (const [file, text] of Object.entries(files)) expect({ file, text }).toEqual({ file, text: fs.readFileSync(path.join(dir, file), 'utf8') });
    expect(fs.readdirSync(dir).filter((f) => !f.startsWith('.') && f !== '__pycache__').sort()).toEqual([...Object.keys(files), 'item.sh'].sort());
    expect(files).toEqual({
      'client.js': WorkQueueScripts.clientNode(),
      'client.py': WorkQueueScripts.clientPython(),
      'queue.lua': WorkQueueScripts.queueLua(),
      'reap.sh': WorkQueueScripts.reapShell(),
      'seed.lua': WorkQueueScripts.seedLua(),
      'seed.sh': WorkQueueScripts.seedShell(),
      'status.sh': WorkQueueScripts.statusShell(),
      'wait-seed.sh': WorkQueueScripts.waitSeedShell(),
      'worker.js': WorkQueueScripts.workerNode(),
      'worker.sh': WorkQueueScripts.workerShell(),
    });
    expect(WorkQueueScripts.itemShell()).toBe(fs.readFileSync(path.join(dir, 'item.sh'), 'utf8'));
  });

  test('the shell scripts parse with sh -n, the Node programs with node --check, the Python client with python3', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wq-scripts-'));
    try {
      for (const [file, text] of Object.entries({ ...WorkQueueScripts.files(), 'item.sh': WorkQueueScripts.itemShell() })) fs.writeFileSync(path.join(dir, file), text);
      for (const f of ['seed.sh', 'reap.sh', 'wait-seed.sh', 'worker.sh', 'status.sh', 'item.sh']) {
        const r = spawnSync('sh', ['-n', path.join(dir, f)], { encoding: 'utf8' });
        expect({ f, status: r.status, stderr: r.stderr }).toEqual({ f, status: 0, stderr: '' });
      }
      const bad = path.join(dir, 'bad.sh');
      fs.writeFileSync(bad, 'if true; then\n');
      expect(spawnSync('sh', ['-n', bad]).status).not.toBe(0); // the check can fail
      for (const f of ['worker.js', 'client.js']) {
        const r = spawnSync(process.execPath, ['--check', path.join(dir, f)], { encoding: 'utf8' });
        expect({ f, status: r.status }).toEqual({ f, status: 0 });
      }
      const py = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read())', path.join(dir, 'client.py')], { encoding: 'utf8' });
      expect({ status: py.status, stderr: py.stderr }).toEqual({ status: 0, stderr: '' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every hand-off is one run of queue.lua: the clients and worker.sh call it and nothing else on the queue', () => {
    const sh = WorkQueueScripts.workerShell();
    // worker.sh: a redis-cli --eval of queue.lua to take (settling the last item) and to renew; no other command
    expect(sh.match(/--eval "\$lua"/g)).toHaveLength(3);
    expect(sh).not.toMatch(/\b(BLMOVE|LREM|RPUSH|EXPIRE|SET|DEL) /);
    for (const text of [WorkQueueScripts.clientNode(), WorkQueueScripts.clientPython()]) {
      expect(text).toContain("'EVALSHA'".replace(/'/g, text === WorkQueueScripts.clientPython() ? '"' : "'"));
      expect(text).not.toMatch(/BLMOVE|LREM|RPUSH/);
    }
    for (const v of [WorkQueueEnv.HOST, WorkQueueEnv.PORT, WorkQueueEnv.NAME, WorkQueueEnv.LEASE_SECONDS, WorkQueueEnv.MAX_ATTEMPTS,
      WorkQueueEnv.RETRY_BACKOFF_MS, WorkQueueEnv.RETRY_BACKOFF_MAX_MS, WorkQueueEnv.MAX_ITEMS, WorkQueueEnv.EXIT_WHEN, WorkQueueEnv.PASSWORD,
      WorkQueueEnv.WORKER_ID, WorkQueueEnv.SEED_RUN]) {
      expect({ v, sh: sh.includes(v), js: WorkQueueScripts.clientNode().includes(v), py: WorkQueueScripts.clientPython().includes(v) })
        .toEqual({ v, sh: true, js: true, py: true });
    }
  });

  test('the reaper runs queue.lua with the engine\'s client --eval; the seeder one EVAL of the items file', () => {
    expect(WorkQueueScripts.reapShell()).toContain('"${QUEUE_CLI:-redis-cli}" -e -h "$QUEUE_HOST" -p "$QUEUE_PORT" --eval "$dir/queue.lua"');
    expect(WorkQueueScripts.seedShell())
      .toContain('cli -x EVAL "$(cat "$dir/seed.lua")" 2 "$QUEUE_PENDING" "$QUEUE_SEEDS" "$SEED_RUN" "$SEED_COUNT" < "$dir/../items/items.txt"');
    expect(WorkQueueScripts.seedLua()).toContain("redis.call('HGET', KEYS[2], ARGV[1])");
    expect(WorkQueueScripts.queueLua()).toContain("redis.call('TIME')");
  });

  test('the scripts that run in the engine\'s image call its client only as $QUEUE_CLI (valkey has no redis-cli)', () => {
    for (const f of ['seed.sh', 'reap.sh', 'wait-seed.sh', 'status.sh']) {
      const code = WorkQueueScripts.files()[f].split('\n').filter((l) => !l.startsWith('#')).join('\n');
      expect({ f, bare: code.replace(/"\$\{QUEUE_CLI:-redis-cli\}"/g, '').match(/redis-cli|valkey-cli/g) }).toEqual({ f, bare: null });
      expect(code).toContain(WorkQueueEnv.CLI);
    }
  });

  test.each([
    ['seed.sh', { QUEUE_PENDING: 'q:pending', QUEUE_SEEDS: 'q:seeds', SEED_RUN: 'r1', SEED_COUNT: '1' }, /^-e -h h -p 7 PING\n-e -h h -p 7 -x EVAL /],
    ['reap.sh', { QUEUE_NAME: 'q' }, /^-e -h h -p 7 --eval \n$/],
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
        + 'case "$*" in *PING*) echo PONG ;; *HEXISTS*) echo 1 ;; *reap*) printf "0\\n0\\n0\\n0\\n" ;; *) echo ok ;; esac\n', { mode: 0o755 });
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
