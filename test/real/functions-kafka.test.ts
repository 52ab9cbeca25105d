/**
 * Tier 2: the sign-up pipeline of `examples/functions-signup-kafka.ts` delivered through Kafka, end to end on a real
 * KRaft broker (Kafka on loopback, as `kafka-workflow.test.ts` starts it): each function in its shipped runtime
 * (`startFunction`, the exact config.json), each function's stage in the stream processor (Bento) with its exact
 * synthesized config.
 *
 * What cannot hold off-cluster, and how it is bridged without touching a config: the broker's pod name
 * (`signup-kafka-0.signup-kafka:9092`) is mapped by nss_wrapper to a loopback forwarder, as in the workflow test;
 * the functions' Service URLs (`http://signup-create-user`, port 80) go through an HTTP proxy on loopback
 * (`HTTP_PROXY` in the stages' environment) that passes each call to the function process of that host name and
 * records it; the SMS provider's URL and token are the test's.
 */
import * as http from 'http';
import { Server } from 'net';
import { Testing } from 'cdk8s';
import { SignupKafkaChart } from '../../examples/functions-signup-kafka';
import { allocHost, nssWrapperEnv } from '../harness/daemons';
import { FunctionProcess, startFunction } from '../harness/functions';
import { KafkaBroker, lintStreamConfig, runStreamProcessor, startForwarder, startKafka } from '../harness/kafka';
import { runAsync, stopAll, toolPath } from '../harness/proc';

interface Call { readonly host: string; readonly body: any; readonly eventId: string; readonly source: string; readonly status: number }

const app = Testing.app();
const chart = new SignupKafkaChart(app, 'functions-signup-kafka');
const pipeline = chart.pipeline;
const objs = Testing.synth(chart);
const stageConfig = (fn: string): string => objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `signup-${fn}-stage-config`).data['config.yaml'];
const FUNCTIONS = ['create-user', 'welcome-email', 'two-factor'];
const DLQ = 'signup.dead-letter';
const HEADER_SEP = '|~|';

/** Polls `check` every 250 ms until it holds or `timeoutMs` passes; returns whether it held. */
async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return check();
}

/** An HTTP proxy that passes each call for `http://<host>/…` to the process of `targets[host]`, recording it. */
async function functionProxy(targets: Record<string, number>, calls: Call[]): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const host = String(req.headers.host ?? '').split(':')[0];
      const port = targets[host];
      const record = (status: number) => calls.push({
        host, body: JSON.parse(body.toString('utf8') || 'null'), eventId: String(req.headers['x-function-event-id']), source: String(req.headers['x-function-source']), status,
      });
      if (port === undefined) {
        record(502);
        res.writeHead(502);
        res.end();
        return;
      }
      const up = http.request({ host: '127.0.0.1', port, method: req.method, path: new URL(req.url ?? '/', 'http://x').pathname, headers: req.headers }, (r) => {
        record(r.statusCode ?? 0);
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => { record(502); res.writeHead(502); res.end(); });
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as any).port;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

let kafka: KafkaBroker;
let forwarder: Server;
let proxy: Awaited<ReturnType<typeof functionProxy>>;
let smsServer: http.Server;
const sms: Array<{ headers: http.IncomingHttpHeaders; body: any }> = [];
const calls: Call[] = [];
const fn: Record<string, FunctionProcess> = {};

beforeAll(async () => {
  // the broker, reached by the name the stage configs use
  expect(pipeline.workflow!.bootstrapServers).toEqual(['signup-kafka-0.signup-kafka:9092']);
  kafka = await startKafka();
  const [bHost, bPort] = kafka.bootstrap.split(':');
  const podAddress = allocHost();
  forwarder = await startForwarder(podAddress, 9092, { host: bHost, port: Number(bPort) });
  for (const t of pipeline.workflow!.topics) await kafka.createTopic({ name: t.topicName, partitions: t.partitions });

  // a fake SMS provider, the functions in their runtimes, the proxy in front of them
  smsServer = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      sms.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('{"queued":true}');
    });
  });
  await new Promise<void>((r) => smsServer.listen(0, '127.0.0.1', () => r()));
  const smsUrl = `http://127.0.0.1:${(smsServer.address() as any).port}`;
  fn['create-user'] = await startFunction(objs, 'signup-create-user');
  fn['welcome-email'] = await startFunction(objs, 'signup-welcome-email');
  fn['two-factor'] = await startFunction(objs, 'signup-two-factor', { SMS_PROVIDER_URL: smsUrl, SMS_PROVIDER_TOKEN: 'test-token' });
  proxy = await functionProxy(Object.fromEntries(FUNCTIONS.map((f) => [`signup-${f}`, fn[f].port])), calls);

  // every stage with its exact config
  const env = { ...nssWrapperEnv({ 'signup-kafka-0.signup-kafka': podAddress }), GODEBUG: 'netdns=cgo', HTTP_PROXY: proxy.url };
  await Promise.all(FUNCTIONS.map((f) => runStreamProcessor(stageConfig(f), { env, name: `bento-${f}-stage` })));
}, 240_000);

afterAll(async () => {
  forwarder?.close();
  await stopAll();
  await proxy?.close();
  await new Promise<void>((r) => (smsServer ? smsServer.close(() => r()) : r()));
});

test('every stage config passes bento lint', () => {
  for (const f of FUNCTIONS) expect({ f, ...lintStreamConfig(stageConfig(f)) }).toEqual({ f, ok: true, output: '' });
}, 60_000);

describe('sign-ups produced to the entry topic', () => {
  const signups = [
    { email: 'ann@example.com' },
    { email: 'bob@example.com', phone: '+15550100' },
    { email: 'cat@bounce.invalid' },
    { email: 'dan@example.com', fail: true },
    { name: 'no email' },
  ];
  const callsTo = (f: string) => calls.filter((c) => c.host === `signup-${f}`);
  let dead: Array<{ headers: Record<string, string>; value: any }> = [];

  beforeAll(async () => {
    expect(pipeline.entryTopic).toBe('signup.create-user');
    await kafka.produce('signup.create-user', signups.map((s) => ({ key: s.email ?? 'none', value: JSON.stringify(s) })));
    // 3 dead letters: cat's welcome mail (thrown 3 times), dan's sign-up (thrown 3 times), the one without email (400)
    const settled = await eventually(() => callsTo('welcome-email').length >= 5 && callsTo('create-user').length >= 7 && callsTo('two-factor').length >= 1, 90_000);
    expect(settled).toBe(true);
    const r = await runAsync(toolPath('kafka-console-consumer'), ['--bootstrap-server', kafka.bootstrap, '--topic', DLQ, '--from-beginning',
      '--max-messages', '3', '--timeout-ms', '60000', '--property', 'print.headers=true', '--property', 'print.key=false', '--property', `headers.separator=${HEADER_SEP}`], { timeoutMs: 120_000 });
    // line format: `<header>:<value><HEADER_SEP><header>:<value>\t<value>` (the error text has commas)
    dead = r.stdout.split('\n').filter((l) => l.includes('\t')).map((l) => {
      const [h, ...v] = l.split('\t');
      const headers = Object.fromEntries(h.split(HEADER_SEP).map((kv) => [kv.slice(0, kv.indexOf(':')), kv.slice(kv.indexOf(':') + 1)]));
      return { headers, value: JSON.parse(v.join('\t')) };
    });
  }, 240_000);

  test('the entry function is called once per sign-up, through its stage', () => {
    const ok = callsTo('create-user').filter((c) => c.status === 200).map((c) => c.body.email).sort();
    expect(ok).toEqual(['ann@example.com', 'bob@example.com', 'cat@bounce.invalid']);
    expect(calls.every((c) => c.source === 'kafka')).toBe(true);
  });

  test('the required handler is called for every created user; the optional one only when the event has a phone', async () => {
    expect(callsTo('welcome-email').map((c) => c.body.email).sort()).toEqual(['ann@example.com', 'bob@example.com', 'cat@bounce.invalid', 'cat@bounce.invalid', 'cat@bounce.invalid']);
    expect(callsTo('two-factor').map((c) => c.body)).toEqual([{ id: expect.any(String), email: 'bob@example.com', phone: '+15550100' }]);
    expect(await eventually(() => sms.length >= 1, 30_000)).toBe(true);
    expect(sms).toEqual([{ headers: expect.objectContaining({ authorization: 'Bearer test-token' }), body: { to: '+15550100', text: expect.stringMatching(/^Your code is \d{6}$/) } }]);
    // the event id goes along with the event, from topic to topic
    const bob = callsTo('create-user').find((c) => c.body.email === 'bob@example.com')!;
    expect(callsTo('two-factor')[0].eventId).toBe(bob.eventId);
    expect(callsTo('welcome-email').find((c) => c.body.email === 'bob@example.com')!.eventId).toBe(bob.eventId);
  });

  test('a throwing handler is tried deliveryAttempts (3) times, then its event is dead-lettered; a 400 at once', () => {
    // GIVEN the example's deliveryAttempts
    const attempts = 3;
    // THEN cat's welcome mail (500 each time) and dan's sign-up (500 each time) were tried exactly 3 times
    expect(callsTo('welcome-email').filter((c) => c.body.email === 'cat@bounce.invalid').map((c) => c.status)).toEqual(Array(attempts).fill(500));
    expect(callsTo('create-user').filter((c) => c.body.email === 'dan@example.com').map((c) => c.status)).toEqual(Array(attempts).fill(500));
    // and the sign-up without email (400: the same request would get the same answer) once
    expect(callsTo('create-user').filter((c) => c.body.email === undefined).map((c) => c.status)).toEqual([400]);
    // the dead-letter topic holds each event as its function got it, with the stage and the error in headers
    const byValue = (v: any) => dead.find((d) => JSON.stringify(d.value) === JSON.stringify(v));
    expect(dead).toHaveLength(3);
    const cat = dead.find((d) => d.value.email === 'cat@bounce.invalid')!;
    expect(cat.value).toEqual({ id: expect.any(String), email: 'cat@bounce.invalid' });
    expect(cat.headers).toEqual(expect.objectContaining({ dlq_stage: 'welcome-email-stage', dlq_topic: 'signup.welcome-email' }));
    expect(cat.headers.dlq_error).toMatch(/\(500\)/);
    expect(byValue({ email: 'dan@example.com', fail: true })!.headers).toEqual(expect.objectContaining({ dlq_stage: 'create-user-stage', dlq_topic: 'signup.create-user' }));
    expect(byValue({ name: 'no email' })!.headers.dlq_error).toMatch(/\(400\)/);
  });
});
