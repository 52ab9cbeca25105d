// Tier 2 for functions (issue 20): the book's three handlers — the request-defaulting decorator, the two-factor
// handler with a fake SMS provider on loopback, the sign-up pipeline with its required and optional handlers — run
// in the shipped runtimes (python3 and node) with the exact synthesized config of examples/functions-signup.ts;
// a handler that throws → 500, the event retried then dead-lettered; a successor that hangs (SIGSTOP) → every
// attempt bounded by the delivery timeout, then dead-lettered; a body over the limit → 413; metrics scraped. The
// Knative rendering is accepted by a real kube-apiserver with Knative Serving's CRDs installed, in a namespace
// that enforces Pod Security restricted.
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { SignupChart } from '../../examples/functions-signup';
import { FunctionCode, FunctionEngine, FunctionPipeline } from '../../src';
import { ApiServer, serverDryRun, startApiServer } from '../harness/apiserver';
import { FunctionProcess, metric, request, startFunction } from '../harness/functions';
import { stopAll, TOOLS_DIR } from '../harness/proc';

jest.setTimeout(300_000);

/** A loopback HTTP server recording what it gets; `answer` decides the reply. */
async function recorder(answer: (req: http.IncomingMessage, body: any) => { status: number; body: any } | undefined) {
  const got: Array<{ path: string; headers: http.IncomingHttpHeaders; body: any }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? JSON.parse(text) : undefined;
      got.push({ path: req.url ?? '', headers: req.headers, body });
      const a = answer(req, body);
      if (!a) return; // hang
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as any).port;
  return { got, url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

describe('the sign-up example in the shipped runtimes (exact synthesized config)', () => {
  const objs = Testing.synth(new SignupChart(Testing.app(), 'functions-signup'));
  let sms: Awaited<ReturnType<typeof recorder>>;
  let orders: Awaited<ReturnType<typeof recorder>>;
  const fn: Record<string, FunctionProcess> = {};

  beforeAll(async () => {
    sms = await recorder(() => ({ status: 202, body: { queued: true } }));
    orders = await recorder((_req, body) => ({ status: 201, body: { order: body } }));
    fn.dead = await startFunction(objs, 'signup-dead-letters');
    fn.mail = await startFunction(objs, 'signup-welcome-email');
    fn.sms = await startFunction(objs, 'signup-two-factor', { SMS_PROVIDER_URL: sms.url, SMS_PROVIDER_TOKEN: 'test-token' });
    fn.create = await startFunction(objs, 'signup-create-user', {
      FUNCTION_URL_WELCOME_EMAIL: fn.mail.url, FUNCTION_URL_TWO_FACTOR: fn.sms.url, FUNCTION_URL_DEAD_LETTER: fn.dead.url,
    });
    fn.defaults = await startFunction(objs, 'order-defaults', { FUNCTION_URL_TARGET: orders.url });
  });

  afterAll(async () => {
    await stopAll();
    await sms?.close();
    await orders?.close();
  });

  test('the runtimes are the synthesized ones: python3 for .py handlers, node for .js', () => {
    expect(fn.create.proc.child.spawnargs[0]).toBe('python3');
    expect(fn.mail.proc.child.spawnargs[0]).toBe('node');
    expect(fn.create.config.successors).toEqual([
      { name: 'welcome-email', urlEnv: 'FUNCTION_URL_WELCOME_EMAIL' },
      { name: 'two-factor', when: 'phone', urlEnv: 'FUNCTION_URL_TWO_FACTOR' },
    ]);
  });

  test('the decorator applies the defaults and answers with the decorated service\'s answer', async () => {
    const a = await request(`${fn.defaults.url}/orders?src=web`, 'POST', { name: 'ada', size: 'large' });
    expect(a.status).toBe(201);
    expect(a.json).toEqual({ order: { name: 'ada', color: 'blue', size: 'large' } });
    expect(orders.got.at(-1)!.path).toBe('/?src=web');
    expect(orders.got.at(-1)!.body).toEqual({ name: 'ada', color: 'blue', size: 'large' });
    // A request the handler rejects never reaches the service.
    const n = orders.got.length;
    expect((await request(`${fn.defaults.url}/`, 'POST', [1, 2])).status).toBe(400);
    expect(orders.got.length).toBe(n);
  });

  test('sign-up without a phone: the required handler only; with a phone: the 2FA handler sends a code by the provider', async () => {
    const a = await request(fn.create.url, 'POST', { email: 'ada@example.com' });
    expect(a.status).toBe(200);
    expect(a.json).toEqual({ id: expect.stringMatching(/^[0-9a-f]{12}$/), email: 'ada@example.com' });
    expect(a.headers['x-function-delivered']).toBe('welcome-email');
    expect(sms.got).toHaveLength(0);

    const b = await request(fn.create.url, 'POST', { email: 'bob@example.com', phone: '+15550100' });
    expect(b.status).toBe(200);
    expect(String(b.headers['x-function-delivered']).split(',').sort()).toEqual(['two-factor', 'welcome-email']);
    expect(sms.got).toHaveLength(1);
    expect(sms.got[0].path).toBe('/messages');
    expect(sms.got[0].headers.authorization).toBe('Bearer test-token');
    expect(sms.got[0].body).toEqual({ to: '+15550100', text: expect.stringMatching(/^Your code is \d{6}$/) });
  });

  test('a handler that throws: 500 to its caller, the event retried (3 attempts) and then dead-lettered', async () => {
    const a = await request(fn.create.url, 'POST', { email: 'carol@bounce.invalid' });
    // create-user's own answer stands; the undeliverable event went to the sink
    expect(a.status).toBe(200);
    expect(a.headers['x-function-dead-lettered']).toBe('welcome-email');
    const letters = (await request(fn.dead.url, 'GET')).json.letters;
    expect(letters.at(-1)).toMatchObject({
      event: { email: 'carol@bounce.invalid' }, function: 'signup-create-user', successor: 'welcome-email', status: 500, attempts: 3, error: 'status 500',
    });
    const mailMetrics = (await request(`${fn.mail.url}/metrics`, 'GET')).body;
    expect(metric(mailMetrics, 'function_errors_total', { kind: 'exception' })).toBe(3);
    const m = (await request(`${fn.create.url}/metrics`, 'GET')).body;
    expect(metric(m, 'function_deliveries_total', { successor: 'welcome-email', outcome: 'retried' })).toBe(2);
    expect(metric(m, 'function_deliveries_total', { successor: 'welcome-email', outcome: 'dead_lettered' })).toBe(1);
    // A handler that throws at the entry: 500, nothing delivered
    expect((await request(fn.create.url, 'POST', { email: 'x@example.com', fail: true })).status).toBe(500);
  });

  test('a body over the limit (1 MiB) → 413 without calling the handler', async () => {
    const a = await request(fn.create.url, 'POST', JSON.stringify({ email: 'big@example.com', pad: 'x'.repeat(1_100_000) }));
    expect(a.status).toBe(413);
    const m = (await request(`${fn.create.url}/metrics`, 'GET')).body;
    expect(metric(m, 'function_errors_total', { kind: 'too_large' })).toBe(1);
  });

  test('a successor that hangs (SIGSTOP): each of the 3 attempts ends at the 10 s delivery timeout, then the event is dead-lettered', async () => {
    // GIVEN welcome-email stopped, WHEN 4 sign-ups arrive at once
    process.kill(fn.mail.proc.pid, 'SIGSTOP');
    const t0 = Date.now();
    let answers;
    try {
      answers = await Promise.all([1, 2, 3, 4].map((i) => request(fn.create.url, 'POST', { email: `hang${i}@example.com` }, {}, 60_000)));
    } finally {
      process.kill(fn.mail.proc.pid, 'SIGCONT');
    }
    const took = Date.now() - t0;
    // THEN every client got an answer after 3 × 10 s + 200 + 400 ms of backoff (plus the dead letter), none hung
    expect(answers.map((a) => [a.status, a.headers['x-function-dead-lettered']])).toEqual([1, 2, 3, 4].map(() => [200, 'welcome-email']));
    expect(took).toBeGreaterThanOrEqual(30_500);
    expect(took).toBeLessThan(38_000); // slack for a loaded machine, short of a fourth attempt's 10 s
    const letters = (await request(fn.dead.url, 'GET')).json.letters.filter((l: any) => /^hang/.test(l.event.email));
    expect(letters).toHaveLength(4);
    expect(letters.every((l: any) => l.attempts === 3 && /timed out/.test(l.error))).toBe(true);
    console.log(`SIGSTOPped successor: 4/4 clients answered 200 (dead-lettered) after ${took} ms`);
  });

  test('metrics scraped: requests by code, the latency histogram, deliveries', async () => {
    const m = (await request(`${fn.create.url}/metrics`, 'GET')).body;
    expect(metric(m, 'function_requests_total', { function: 'signup-create-user', code: '200' })).toBeGreaterThanOrEqual(7);
    expect(metric(m, 'function_request_duration_seconds_count', { function: 'signup-create-user' })).toBeGreaterThanOrEqual(9);
    expect(metric(m, 'function_deliveries_total', { successor: 'two-factor', outcome: 'delivered' })).toBe(1);
    expect(m).toContain('function_request_duration_seconds_bucket{function="signup-create-user",le="+Inf"}');
  });
});

describe('the Knative rendering on a real kube-apiserver with Knative Serving v0.51.0 CRDs', () => {
  let api: ApiServer;
  const crdDir = path.join(TOOLS_DIR, 'crds', 'knative');

  beforeAll(async () => {
    if (!fs.existsSync(path.join(crdDir, 'service.yaml'))) throw new Error(`no Knative CRDs in ${crdDir}: run 'npx projen install-test-tools'`);
    api = await startApiServer({ crdDirs: [crdDir] });
  });
  afterAll(async () => {
    await api?.stop();
    await stopAll();
  });

  test('every object is accepted (strict server-side dry run, restricted namespace), and the revision pod passes Pod Security', async () => {
    const handlers = path.join(__dirname, '..', '..', 'examples', 'functions-signup');
    const chart = Testing.chart();
    const p = new FunctionPipeline(chart, 'signup', { name: 'signup', engine: FunctionEngine.KNATIVE, deadLetter: 'dead-letters' });
    p.addFunction('create-user', {
      code: FunctionCode.fromFile(path.join(handlers, 'create_user.py')),
      minScale: 0,
      maxScale: 20,
      concurrency: 50,
      knative: { concurrencyTarget: 20 },
      successors: [{ target: 'welcome-email' }],
    });
    p.addFunction('welcome-email', { code: FunctionCode.fromFile(path.join(handlers, 'welcome_email.js')), minScale: 0 });
    p.addFunction('dead-letters', { code: FunctionCode.fromFile(path.join(handlers, 'dead_letters.js')), minScale: 1, maxScale: 1 });
    const objs = Testing.synth(chart);
    expect(objs.filter((o) => o.apiVersion === 'serving.knative.dev/v1')).toHaveLength(3);
    const verdicts = await serverDryRun(api, objs);
    expect(verdicts.filter((v) => !v.accepted || v.warnings.length > 0).map((v) => `${v.kind}/${v.name}: ${v.message} ${v.warnings.join(' ')}`)).toEqual([]);
    const returned = verdicts.find((v) => v.kind === 'Service' && v.name === 'signup-create-user')!.returned;
    expect(returned.spec.template.spec.containerConcurrency).toBe(50);
    expect(returned.spec.template.metadata.annotations['autoscaling.knative.dev/min-scale']).toBe('0');
    // Pod Security is enforced on Pods: the revision's pod, as a Pod, in the restricted namespace.
    const pods = objs.filter((o) => o.apiVersion === 'serving.knative.dev/v1').map((o) => {
      const { containerConcurrency: _c, timeoutSeconds: _t, ...spec } = o.spec.template.spec;
      return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `${o.metadata.name}-revision-pod`, labels: o.spec.template.metadata.labels }, spec };
    });
    const podVerdicts = await serverDryRun(api, pods);
    expect(podVerdicts.filter((v) => !v.accepted || v.warnings.length > 0).map((v) => `${v.name}: ${v.message} ${v.warnings.join(' ')}`)).toEqual([]);
  });

  test('a field Knative does not declare is refused by the server (the CRD is really checking)', async () => {
    const bad = {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      metadata: { name: 'bad' },
      spec: { template: { spec: { containers: [{ image: 'node:22.11.0-alpine3.20', lifecycle: {} }] } } },
    };
    const [v] = await serverDryRun(api, [bad]);
    expect(v.accepted).toBe(false);
    expect(v.message).toMatch(/lifecycle/);
  });
});
