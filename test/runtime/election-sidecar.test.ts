// Tier 1 for the election sidecar: the exact program text the ConfigMap holds, loaded as a module — config checks,
// the Lease's time format, and the election itself (acquire, renew, fencing tokens, the watchdog, release, the
// shard cap) against an in-memory Lease store with the API server's compare-and-swap on resourceVersion. Tier 2
// (test/real/ownership-election.test.ts) runs the program as its container does, against the real API server.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vm from 'vm';
import { electionSidecarProgram } from '../../src/runtime/election-sidecar';

const PROGRAM = electionSidecarProgram();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'election-rt-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function loadRuntime(): any {
  const file = path.join(tmp, `election-${Math.random().toString(36).slice(2)}.js`);
  fs.writeFileSync(file, PROGRAM);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file);
}
const rt = loadRuntime();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function config(over: Record<string, any> = {}): any {
  return {
    leases: ['leader'],
    leaseDurationSeconds: 2,
    renewDeadlineMs: 800,
    retryPeriodMs: 150,
    replicas: 2,
    port: 8089,
    stateDir: fs.mkdtempSync(path.join(tmp, 'state-')),
    onLoss: 'report',
    ...over,
  };
}

/** An in-memory Lease API with the API server's rules: create fails if it exists, update needs the current version. */
class FakeApi {
  public readonly leases = new Map<string, any>();
  private version = 1;
  request(method: string, p: string, body?: any): Promise<any> {
    const m = /\/leases(?:\/([^/]+))?$/.exec(p);
    if (!m) return Promise.resolve({ status: 404, json: { message: 'not found' } });
    const name = m[1] ?? body?.metadata?.name;
    const clone = (o: any) => JSON.parse(JSON.stringify(o));
    const cur = this.leases.get(name);
    if (method === 'GET') return Promise.resolve(cur ? { status: 200, json: clone(cur) } : { status: 404, json: { message: 'not found' } });
    if (method === 'POST') {
      if (cur) return Promise.resolve({ status: 409, json: { message: 'exists' } });
      const obj = { ...clone(body), metadata: { ...body.metadata, resourceVersion: String(this.version++) } };
      this.leases.set(name, obj);
      return Promise.resolve({ status: 201, json: clone(obj) });
    }
    if (method === 'PUT') {
      if (!cur) return Promise.resolve({ status: 404, json: { message: 'not found' } });
      if (body.metadata?.resourceVersion !== cur.metadata.resourceVersion) return Promise.resolve({ status: 409, json: { message: 'conflict' } });
      const obj = { ...clone(body), metadata: { ...body.metadata, resourceVersion: String(this.version++) } };
      this.leases.set(name, obj);
      return Promise.resolve({ status: 200, json: clone(obj) });
    }
    return Promise.resolve({ status: 405, json: {} });
  }
}

/** One pod's view of the API: can hang (no answer until `resume`) or refuse with a status. */
class PodApi {
  public hung = false;
  public refuse?: { status: number; message: string };
  private pending: Array<() => void> = [];
  constructor(private readonly store: FakeApi) {}
  request(method: string, p: string, body?: any): Promise<any> {
    if (this.hung) return new Promise((resolve) => this.pending.push(() => resolve({ status: 0, error: 'no answer' })));
    if (this.refuse && method !== 'GET') return Promise.resolve({ status: this.refuse.status, json: { message: this.refuse.message } });
    return this.store.request(method, p, body);
  }
  resume(): void {
    this.hung = false;
    for (const r of this.pending.splice(0)) r();
  }
}

const running: Array<{ e: any; api: PodApi }> = [];
// A failed test still stops its elections (their timers would keep the worker alive).
afterEach(async () => {
  for (const r of running.splice(0)) {
    r.api.resume();
    await r.e.stop();
  }
});

function election(store: FakeApi, id: string, over: Record<string, any> = {}) {
  const api = new PodApi(store);
  const lines: string[] = [];
  const cfg = rt.loadConfig(config(over));
  const e = rt.createElection(cfg, id, 'ns', { api, log: (l: string) => lines.push(l), podIp: '10.0.0.1' });
  running.push({ e, api });
  return { e, api, lines, cfg };
}

async function until(what: string, ok: () => boolean, timeoutMs = 5000): Promise<number> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs}ms`);
    await sleep(5);
  }
  return Date.now() - t0;
}

describe('the program text', () => {
  test('is plain JavaScript, the file byte for byte, Node built-ins only', () => {
    expect(() => new vm.Script(PROGRAM, { filename: 'election-sidecar.js' })).not.toThrow();
    expect(PROGRAM).toBe(fs.readFileSync(path.join(__dirname, '../../src/runtime/programs/election-sidecar.js'), 'utf8'));
    const required = [...PROGRAM.matchAll(/require\('([^']+)'\)/g)].map((m) => m[1]).sort();
    expect(required).toEqual(['fs', 'http', 'https', 'os', 'path', 'perf_hooks']);
    expect(PROGRAM.endsWith('if (require.main === module) main(process.argv, process.env);\n')).toBe(true);
  });
});

describe('loadConfig', () => {
  test.each([
    [{ leases: [] }, 'config: leases must be a non-empty array of Lease names, got []'],
    [{ leases: ['Bad_Name'] }, 'config: leases[0] must be a Kubernetes object name (DNS-1123 subdomain), got "Bad_Name"'],
    [{ leases: ['a', 'b'] }, 'config: leases must be one Lease name unless sharded, got ["a","b"]'],
    [{ renewDeadlineMs: 2000 }, 'config: renewDeadlineMs must be less than leaseDurationSeconds × 1000 (2000), got 2000'],
    [{ retryPeriodMs: 700 }, 'config: retryPeriodMs must be less than renewDeadlineMs / 1.2 (at most 666), got 700'],
    [{ onLoss: 'crash' }, 'config: onLoss must be "report" or "restart-app", got "crash"'],
    [{ sharded: true, leases: ['a-0', 'a-1'] }, 'config: membersLease must be a Kubernetes object name (DNS-1123 subdomain), got undefined'],
    [{ sharded: true, leases: ['a-0'], membersLease: 'a-m', endpoints: { name: 'a', ports: [{ name: 'http', port: 80 }] } }, 'config: endpoints must be unset when sharded'],
  ])('refuses %j', (over, message) => {
    expect(() => rt.loadConfig(config(over))).toThrow(message);
  });

  test('microTime: RFC 3339 with six fractional digits (metav1.MicroTime)', () => {
    expect(rt.microTime(Date.UTC(2024, 4, 1, 10, 0, 0, 123))).toBe('2024-05-01T10:00:00.123000Z');
  });
});

describe('the election', () => {
  test('one owner: acquire by create (token 0), renewals keep the token, a takeover after expiry raises it', async () => {
    // GIVEN two candidates on one Lease store
    const store = new FakeApi();
    const a = election(store, 'pod-a');
    const b = election(store, 'pod-b');
    a.e.start();
    await until('a owns', () => a.e.report().owner);
    b.e.start();
    expect(a.e.report()).toMatchObject({ identity: 'pod-a', lease: 'leader', owner: true, token: 0, lastToken: 0 });
    await sleep(400); // several renewals
    expect(a.e.report().token).toBe(0);
    expect(b.e.report()).toMatchObject({ owner: false, token: null, holder: 'pod-a' });
    expect(store.leases.get('leader').spec).toMatchObject({ holderIdentity: 'pod-a', leaseDurationSeconds: 2, leaseTransitions: 0 });
    // the state file says the same, with the local deadline
    const file = JSON.parse(fs.readFileSync(path.join(a.cfg.stateDir, 'ownership.json'), 'utf8'));
    expect(file).toMatchObject({ identity: 'pod-a', owner: true, token: 0 });
    expect(file.expiresAt).toBeGreaterThan(Date.now());
    expect(file.expiresAt).toBeLessThanOrEqual(Date.now() + 800);

    // WHEN a's API hangs (a slow or partitioned owner)
    const expiry = a.e.report().expiresAt; // its local deadline: the last renewal + the renew deadline
    const t0 = Date.now();
    a.api.hung = true;
    expect(expiry - t0).toBeLessThanOrEqual(800);
    // THEN a reports "not owner" from that deadline on, within the renew deadline (800 ms) of the hang — long before
    // b may take over (2 s lease). The report reads the clock, not a timer, so a loaded machine that delays this
    // test's polls cannot stretch it: no poll after the deadline sees "owner".
    await until('a reports not owner', () => {
      const r = a.e.report();
      if (r.owner) expect(Date.now()).toBeLessThanOrEqual(expiry + 1);
      return !r.owner;
    });
    await until('the loss logged', () => a.lines.some((l) => l.startsWith('lost ownership')));
    expect(a.lines.join('\n')).toMatch(/lost ownership of Lease "leader" \(fencing token 0\): no renewal succeeded within the renew deadline \(800ms\)/);
    // AND never two owners: when b is first seen owning, a has stopped
    await until('b owns', () => {
      const owns = b.e.report().owner;
      if (owns) expect(a.e.report().owner).toBe(false);
      return owns;
    });
    const takeoverMs = Date.now() - t0;
    expect(takeoverMs).toBeGreaterThanOrEqual(2000 - 2 * 180);
    expect(b.e.report().token).toBe(1);

    // WHEN a's API answers again THEN a stays a candidate: its lost term never resumes
    a.api.resume();
    await sleep(300);
    await until('a reads the Lease again', () => a.e.report().holder === 'pod-b');
    expect(a.e.report()).toMatchObject({ owner: false, lastToken: 0, holder: 'pod-b' });
    expect(b.e.report().owner).toBe(true);

    // WHEN b stops THEN it releases (holder cleared) and a takes over at once with token 2
    await b.e.stop();
    expect(store.leases.get('leader').spec.holderIdentity).toBeUndefined();
    expect(store.leases.get('leader').spec.leaseDurationSeconds).toBe(1);
    await until('a owns again', () => a.e.report().owner, 2000);
    expect(a.e.report().token).toBe(2);
    await a.e.stop();
  });

  test('renewals keep what others put on the Lease (labels, annotations): a PUT of the whole object as last seen', async () => {
    const store = new FakeApi();
    const a = election(store, 'pod-a');
    a.e.start();
    await until('a owns', () => a.e.report().owner);
    const cur = store.leases.get('leader');
    await store.request('PUT', '/apis/coordination.k8s.io/v1/namespaces/ns/leases/leader', { ...cur, metadata: { ...cur.metadata, labels: { team: 'sched' } } });
    // a conflict on the fast path, a read, then renewals on the new version (polled: a loaded machine's timers lag)
    await until('renewals on the new version', () => Number(store.leases.get('leader').metadata.resourceVersion) > Number(cur.metadata.resourceVersion) + 2);
    expect(a.e.report()).toMatchObject({ owner: true, token: 0 });
    expect(store.leases.get('leader').metadata.labels).toEqual({ team: 'sched' });
    expect(Number(store.leases.get('leader').metadata.resourceVersion)).toBeGreaterThan(Number(cur.metadata.resourceVersion) + 2);
    await a.e.stop();
    expect(store.leases.get('leader').metadata.labels).toEqual({ team: 'sched' });
  });

  test('a release with a stale version does not clear the Lease someone else holds now', async () => {
    const store = new FakeApi();
    const a = election(store, 'pod-a');
    a.e.start();
    await until('a owns', () => a.e.report().owner);
    a.api.hung = true;
    await until('a lost', () => !a.e.report().owner);
    // someone else takes the Lease (as an expired one is taken)
    const cur = store.leases.get('leader');
    await store.request('PUT', '/apis/coordination.k8s.io/v1/namespaces/ns/leases/leader', { ...cur, spec: { ...cur.spec, holderIdentity: 'pod-c', leaseTransitions: 1 } });
    a.api.resume();
    await a.e.stop();
    expect(store.leases.get('leader').spec.holderIdentity).toBe('pod-c');
  });

  test('onLoss restart-app: /watchdog fails once after a lost term, never after a release', async () => {
    const store = new FakeApi();
    const a = election(store, 'pod-a', { onLoss: 'restart-app' });
    const probe = () => {
      let status = 0;
      a.e.handle({ url: '/watchdog', method: 'GET' }, { writeHead: (s: number) => { status = s; }, end: () => undefined });
      return status;
    };
    a.e.start();
    await until('a owns', () => a.e.report().owner);
    expect(probe()).toBe(200);
    a.api.hung = true;
    await until('a lost', () => !a.e.report().owner);
    // the probe itself ends the expired term before it answers (no wait for the watchdog timer)
    expect([probe(), probe()]).toEqual([500, 200]);
    a.api.resume();
    await a.e.stop();
    expect(probe()).toBe(200);
  });

  test('a refused update (RBAC): a clear log line, never an owner', async () => {
    const store = new FakeApi();
    await store.request('POST', '/apis/coordination.k8s.io/v1/namespaces/ns/leases', { metadata: { name: 'leader' }, spec: {} });
    const a = election(store, 'pod-a');
    a.api.refuse = { status: 403, message: 'leases.coordination.k8s.io "leader" is forbidden: User "system:serviceaccount:ns:x" cannot update resource "leases"' };
    a.e.start();
    await until('the log line', () => a.lines.some((l) => l.startsWith('forbidden')));
    expect(a.lines.find((l) => l.startsWith('forbidden'))).toBe('forbidden: the API server refuses to update Lease "leader" in namespace "ns" (403: leases.coordination.k8s.io "leader" is forbidden: '
      + 'User "system:serviceaccount:ns:x" cannot update resource "leases"); the ServiceAccount\'s Role must allow get and update on the Lease and create on leases');
    await sleep(200);
    expect(a.e.report().owner).toBe(false);
    expect(a.lines.filter((l) => l.startsWith('forbidden'))).toHaveLength(1); // logged once, not every retry
    await a.e.stop();
  });

  test('sharded: two replicas split 6 shards 3/3; one stops (releases, leaves the members), the other takes all 6', async () => {
    const store = new FakeApi();
    const over = { sharded: true, leases: [0, 1, 2, 3, 4, 5].map((i) => `work-${i}`), membersLease: 'work-members', replicas: 2 };
    const a = election(store, 'pod-a', over);
    const b = election(store, 'pod-b', over);
    a.e.start();
    b.e.start();
    const both = () => [a.e.report().owned as number[], b.e.report().owned as number[]];
    await until('3/3', () => both()[0].length === 3 && both()[1].length === 3);
    const [oa, ob] = both();
    expect([...oa, ...ob].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    await until('a sees both members', () => a.e.report().members.length === 2);
    expect(a.e.report().members).toEqual(['pod-a', 'pod-b']);
    await b.e.stop();
    await until('a owns all 6', () => a.e.report().owned.length === 6, 5000);
    expect(JSON.parse(store.leases.get('work-members').metadata.annotations['cdk8s-distributed-patterns/members'])).not.toHaveProperty('pod-b');
    await a.e.stop();
  });

  test('sharded: a replica that joins late gets its share — the other gives up what is above ⌈shards / members⌉', async () => {
    const store = new FakeApi();
    const over = { sharded: true, leases: [0, 1, 2, 3, 4, 5].map((i) => `work-${i}`), membersLease: 'work-members', replicas: 2 };
    const a = election(store, 'pod-a', over);
    a.e.start();
    // alone: an even share (3) during its first lease duration, then all 6
    await until('a owns 3', () => a.e.report().owned.length === 3);
    await until('a owns all 6', () => a.e.report().owned.length === 6, 6000);
    const b = election(store, 'pod-b', over);
    b.e.start();
    await until('3/3', () => a.e.report().owned.length === 3 && b.e.report().owned.length === 3, 6000);
    expect([...a.e.report().owned, ...b.e.report().owned].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(a.lines.filter((l) => l.startsWith('released Lease'))).toHaveLength(3);
  });
});
