/**
 * Tier 2: a KafkaWorkflow's embedded cluster with `KafkaSecurity.saslSsl`, run by the real broker (Kafka 4.3.1) on
 * loopback.
 *
 * The broker runs the synthesized `start.sh`, `kafka-auth.sh` and `server.properties` template, with only the
 * listeners' bind address (`:9092` → a loopback address), the log dir and the mount paths moved into a temp dir;
 * everything else — the SASL_SSL listeners, PLAIN on the client, inter-broker and controller listeners, the PEM
 * stores, the JAAS settings the start script appends from the password files — is the generated text. The
 * certificate is made with openssl for the names the docs ask for (`*.<base>-kafka.<ns>.svc` and
 * `*.<base>-kafka.<ns>.svc.cluster.local`), and nss_wrapper maps the pod's DNS names to the loopback address, so
 * hostname verification runs as in a cluster. Then: the topics Job's script creates the topics with the client
 * properties the Job's init program writes; a client with the right password produces and consumes over TLS; one
 * with a wrong password, one over TLS without credentials, and a plaintext one are refused; the generated stage
 * config (Bento) filters a topic over TLS+SASL.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { KafkaCluster, KafkaSecurity, KafkaWorkflow } from '../../src';
import { allocHost, nssWrapperEnv } from '../harness/daemons';
import { runStreamProcessor } from '../harness/kafka';
import { issueCertificate, makeCa } from '../harness/pki';
import { run, runAsync, start, Started, stopAll, tempDir, toolPath } from '../harness/proc';

const NS = 'shop';
const POD = 'orders-kafka-0';
const ADVERTISED = `${POD}.orders-kafka.${NS}.svc`;
const QUORUM = `${ADVERTISED}.cluster.local`;
const BROKER_PASSWORD = 'broker-Secret-1';
const CLIENT_PASSWORD = 'client-Secret-2';

function testWorkflow(): any[] {
  const c = new Chart(Testing.app(), 'test', { namespace: NS });
  const security = KafkaSecurity.saslSsl({
    tlsSecret: kplus.Secret.fromSecretName(c, 'Tls', 'orders-kafka-tls'),
    passwordsSecret: kplus.Secret.fromSecretName(c, 'Passwords', 'orders-kafka-passwords'),
  });
  const wf = new KafkaWorkflow(c, 'orders', { cluster: KafkaCluster.embedded({ brokers: 1, security }) });
  wf.addTopic('in', { partitions: 1, source: true });
  wf.addTopic('out', { partitions: 1, sink: true });
  wf.addTopic('plain', { partitions: 1, source: true, sink: true });
  wf.addFilter('keep', { input: 'in', output: 'out', condition: 'this.ok' });
  return Testing.synth(c);
}

const objects = testWorkflow();
const configMap = (name: string) => objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name).data;

/** A loopback address whose 9092 and 9093 are both free now (other suites bind 127.0.0.x too). */
async function freeBrokerHost(): Promise<string> {
  const free = (host: string, port: number) => new Promise<boolean>((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
  for (let i = 0; i < 100; i++) {
    const host = allocHost();
    if (await free(host, 9092) && await free(host, 9093)) return host;
  }
  throw new Error('no 127.0.0.x with 9092 and 9093 free');
}

/** CA and a broker certificate for the names the docs ask for, its key PKCS#8 (openssl's default). */
function makeCertificates(dir: string): void {
  makeCa(dir, 'ca', 'cdk8s-dp-kafka-test-ca');
  issueCertificate(dir, {
    ca: 'ca',
    name: 'tls',
    cn: 'orders-kafka',
    extendedKeyUsage: 'serverAuth,clientAuth',
    altNames: [`DNS:*.orders-kafka.${NS}.svc`, `DNS:*.orders-kafka.${NS}.svc.cluster.local`],
  });
  fs.rmSync(path.join(dir, 'ca.key'));
}

let dir: string;
let host: string;
let nssEnv: Record<string, string>;
let broker: Started;
let home: string;
const bootstrap = `${ADVERTISED}:9092`;

/** The generated text with the pod's absolute paths moved under `dir`. */
function relocate(text: string): string {
  return text.replace(/\/etc\/kafka-workflow-topics\//g, `${dir}/topics/`)
    .replace(/\/etc\/kafka-workflow\//g, `${dir}/config/`)
    .replace(/\/run\/secrets\/kafka-tls\b/g, `${dir}/secrets/tls`)
    .replace(/\/run\/secrets\/kafka-passwords\b/g, `${dir}/secrets/passwords`)
    .replace(/\/run\/secrets\/kafka-ca\b/g, `${dir}/secrets/tls`)
    .replace(/\/run\/secrets\/kafka-client\b/g, `${dir}/secrets/client`)
    .replace(/\/run\/kafka-auth\b/g, `${dir}/auth`)
    .replace(/\/var\/run\/kafka\b/g, `${dir}/run`);
}

/** A Kafka CLI call (one JVM) against the broker's advertised name with a client properties file. */
function cli(tool: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}) {
  return runAsync(toolPath(tool), ['--bootstrap-server', bootstrap, ...args], {
    env: { ...nssEnv, KAFKA_HEAP_OPTS: '-Xmx256m' }, input: opts.input, timeoutMs: opts.timeoutMs ?? 120_000,
  });
}

/** A client properties file: `base` plus short timeouts, so a refused client gives up within the test. */
function clientConfig(name: string, lines: string[]): string {
  const file = path.join(dir, `${name}.properties`);
  fs.writeFileSync(file, [...lines, 'request.timeout.ms=10000', 'default.api.timeout.ms=20000', ''].join('\n'));
  return file;
}

let goodConfig: string;

beforeAll(async () => {
  dir = tempDir('kafka-auth');
  for (const d of ['config', 'topics', 'secrets/tls', 'secrets/passwords', 'secrets/client', 'auth', 'run', 'data', 'home/bin']) {
    fs.mkdirSync(path.join(dir, d), { recursive: true });
  }
  makeCertificates(path.join(dir, 'secrets/tls'));
  // as `kubectl create secret --from-file` leaves them: with a trailing line break
  fs.writeFileSync(path.join(dir, 'secrets/passwords/broker-password'), `${BROKER_PASSWORD}\n`);
  fs.writeFileSync(path.join(dir, 'secrets/passwords/client-password'), `${CLIENT_PASSWORD}\n`);
  fs.writeFileSync(path.join(dir, 'secrets/client/password'), `${CLIENT_PASSWORD}\n`);
  host = await freeBrokerHost();
  nssEnv = nssWrapperEnv({ [ADVERTISED]: host, [QUORUM]: host });
  home = path.join(dir, 'home');
  for (const [tool, script] of [['kafka-storage', 'kafka-storage.sh'], ['kafka-server-start', 'kafka-server-start.sh'], ['kafka-topics', 'kafka-topics.sh']]) {
    fs.symlinkSync(toolPath(tool), path.join(home, 'bin', script));
  }

  // the broker's ConfigMap as synthesized; only the bind address and the log dir change in the template
  const brokerFiles = configMap('orders-kafka-config');
  const template = brokerFiles['server.properties'];
  expect(template).toMatch(/^listeners=SASL_SSL:\/\/:9092,CONTROLLER:\/\/:9093$/m);
  expect(template).toContain(`controller.quorum.voters=0@${QUORUM}:9093`);
  fs.writeFileSync(path.join(dir, 'config/server.properties'), relocate(template)
    .replace(/^listeners=.*$/m, `listeners=SASL_SSL://${host}:9092,CONTROLLER://${host}:9093`)
    .replace(/^log\.dirs=.*$/m, `log.dirs=${dir}/data`));
  fs.writeFileSync(path.join(dir, 'config/kafka-auth.sh'), brokerFiles['kafka-auth.sh']);
  fs.writeFileSync(path.join(dir, 'config/start.sh'), relocate(brokerFiles['start.sh']));
  const sts = objects.find((o) => o.kind === 'StatefulSet');
  const env = Object.fromEntries(sts.spec.template.spec.containers[0].env
    .filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));

  // WHEN the broker runs its start script
  broker = await start({
    name: 'kafka-auth-broker',
    command: '/bin/sh',
    args: [path.join(dir, 'config/start.sh')],
    env: { ...nssEnv, KAFKA_HOME: home, KAFKA_CLUSTER_ID: env.KAFKA_CLUSTER_ID, POD_NAME: POD, POD_NAMESPACE: NS, KAFKA_HEAP_OPTS: '-Xms256m -Xmx512m' },
    readyPort: { host, port: 9092 },
    readyTimeoutMs: 150_000,
  });

  // the topics Job: its init program writes the client properties, then its script creates the topics
  const job = objects.find((o) => o.kind === 'Job');
  const topicFiles = configMap('orders-topics');
  fs.writeFileSync(path.join(dir, 'topics/kafka-auth.sh'), topicFiles['kafka-auth.sh']);
  fs.writeFileSync(path.join(dir, 'topics/create-topics.sh'), relocate(topicFiles['create-topics.sh']));
  const init = job.spec.template.spec.initContainers[0];
  const written = run('/bin/sh', init.command.slice(1).map(relocate), { timeoutMs: 30_000 });
  expect(written.stderr).toBe('');
  expect(written.code).toBe(0);
  goodConfig = path.join(dir, 'auth/client.properties');
  expect(fs.readFileSync(goodConfig, 'utf8')).toContain(`username="client" password="${CLIENT_PASSWORD}";`);
  fs.appendFileSync(goodConfig, 'request.timeout.ms=10000\ndefault.api.timeout.ms=60000\n');
  const jobEnv = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
  // the broker may still be electing itself when its port opens: the Job retries (backoffLimit), so do we, bounded
  let created = { code: -1 as number | null, stdout: '', stderr: '' };
  for (let i = 0; i < 5 && created.code !== 0; i++) {
    created = await runAsync('/bin/sh', [path.join(dir, 'topics/create-topics.sh')], {
      env: { ...nssEnv, KAFKA_BOOTSTRAP_SERVERS: jobEnv.KAFKA_BOOTSTRAP_SERVERS, KAFKA_HOME: home, KAFKA_HEAP_OPTS: '-Xmx256m' }, timeoutMs: 120_000,
    });
  }
  if (created.code !== 0) throw new Error(`create-topics.sh failed:\n${created.stdout}${created.stderr}\nbroker log:\n${broker.logs().slice(-4000)}`);
  expect(created.stdout.split('\n').filter((l) => l.endsWith(': created')).sort()).toEqual(['topic in: created', 'topic out: created', 'topic plain: created']);
}, 420_000);

afterAll(async () => {
  await stopAll();
});

describe('the embedded cluster with KafkaSecurity.saslSsl, on the real broker', () => {
  test('the broker runs the generated config: SASL_SSL listeners, JAAS from the password files, no password in its argv', () => {
    const rendered = fs.readFileSync(path.join(dir, 'auth/server.properties'), 'utf8');
    expect(rendered).toContain(`user_client="${CLIENT_PASSWORD}"`);
    expect(rendered).toMatch(/^listener\.name\.controller\.plain\.sasl\.jaas\.config=.* username="broker" password="broker-Secret-1" user_broker="broker-Secret-1";$/m);
    expect(fs.readFileSync(path.join(dir, 'auth/keystore.pem'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----[\s\S]*-----BEGIN CERTIFICATE-----/);
    // the rendered files are the owner's only (umask 077)
    const mode = (f: string) => (fs.statSync(path.join(dir, f)).mode % 0o1000).toString(8);
    expect(mode('auth/keystore.pem')).toBe('600');
    expect(mode('auth/client.properties')).toBe('600');
    // no process of the broker carries a password in its argv
    const args = run('ps', ['-eo', 'args'], { timeoutMs: 10_000 }).stdout;
    expect(args).toContain(path.join(dir, 'auth/server.properties'));
    expect(args).not.toContain(BROKER_PASSWORD);
    expect(args).not.toContain(CLIENT_PASSWORD);
  });

  test('a client with the right password produces and consumes over TLS', async () => {
    const produced = await cli('kafka-console-producer', ['--topic', 'plain', '--command-config', goodConfig, '--producer-property', 'acks=all'],
      { input: 'hello\nworld\n' });
    expect(`${produced.code} ${produced.stderr}`).toBe('0 ');
    const consumed = await cli('kafka-console-consumer', ['--topic', 'plain', '--from-beginning', '--max-messages', '2', '--timeout-ms', '60000',
      '--command-config', goodConfig]);
    expect(consumed.stdout.split('\n').filter(Boolean)).toEqual(['hello', 'world']);
  }, 240_000);

  test('a wrong password is refused with an authentication error', async () => {
    const bad = clientConfig('wrong-password', [
      'security.protocol=SASL_SSL', 'sasl.mechanism=PLAIN', 'ssl.truststore.type=PEM', `ssl.truststore.location=${dir}/secrets/tls/ca.crt`,
      'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="client" password="not-the-password";',
    ]);
    const r = await cli('kafka-topics', ['--list', '--command-config', bad]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Authentication failed: Invalid username or password/);
    expect(r.stdout).not.toMatch(/^in$/m);
  }, 120_000);

  test('a client user trying the broker user\'s name with its own password is refused', async () => {
    const bad = clientConfig('wrong-user', [
      'security.protocol=SASL_SSL', 'sasl.mechanism=PLAIN', 'ssl.truststore.type=PEM', `ssl.truststore.location=${dir}/secrets/tls/ca.crt`,
      `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="${CLIENT_PASSWORD}";`,
    ]);
    const r = await cli('kafka-topics', ['--list', '--command-config', bad]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Authentication failed/);
  }, 120_000);

  test('a TLS client without credentials and a plaintext client are refused', async () => {
    const tlsOnly = clientConfig('tls-only', ['security.protocol=SSL', 'ssl.truststore.type=PEM', `ssl.truststore.location=${dir}/secrets/tls/ca.crt`]);
    const plain = clientConfig('plaintext', ['security.protocol=PLAINTEXT']);
    for (const config of [tlsOnly, plain]) {
      const r = await cli('kafka-topics', ['--list', '--command-config', config]);
      expect(r.code).not.toBe(0);
      expect(r.stdout).not.toMatch(/^in$/m);
    }
    // the control: the same call with the right credentials lists the topics
    const ok = await cli('kafka-topics', ['--list', '--command-config', goodConfig]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('\n')).toEqual(expect.arrayContaining(['in', 'out', 'plain']));
  }, 240_000);

  test('a client that does not trust the CA is refused the TLS handshake', async () => {
    const other = path.join(dir, 'other-ca');
    fs.mkdirSync(other);
    const r0 = run(toolPath('openssl'), ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'k', '-out', 'ca.crt',
      '-days', '1', '-subj', '/CN=other'], { cwd: other, timeoutMs: 30_000 });
    expect(r0.code).toBe(0);
    const untrusting = clientConfig('untrusting', [
      'security.protocol=SASL_SSL', 'sasl.mechanism=PLAIN', 'ssl.truststore.type=PEM', `ssl.truststore.location=${other}/ca.crt`,
      `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="client" password="${CLIENT_PASSWORD}";`,
    ]);
    const r = await cli('kafka-topics', ['--list', '--command-config', untrusting]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/SSL handshake failed|SSLHandshakeException/);
  }, 120_000);

  test('the generated stage config connects with TLS and SASL/PLAIN and filters the topic', async () => {
    // GIVEN the stage's Bento config as synthesized (its CA path moved into the temp dir), the password in its env
    const config = relocate(configMap('orders-keep-config')['config.yaml']);
    expect(config).toContain(`${QUORUM}:9092`);
    const bento = await runStreamProcessor(config, { env: { ...nssEnv, GODEBUG: 'netdns=cgo', KAFKA_SASL_PASSWORD: CLIENT_PASSWORD }, name: 'bento-keep', readyTimeoutMs: 90_000 });

    // WHEN messages arrive
    const produced = await cli('kafka-console-producer', ['--topic', 'in', '--command-config', goodConfig, '--producer-property', 'acks=all'],
      { input: '{"ok":true,"n":1}\n{"ok":false,"n":2}\n{"ok":true,"n":3}\n' });
    expect(produced.code).toBe(0);

    // THEN the kept ones are on the output topic
    const consumed = await cli('kafka-console-consumer', ['--topic', 'out', '--from-beginning', '--max-messages', '2', '--timeout-ms', '90000',
      '--command-config', goodConfig], { timeoutMs: 180_000 });
    // (the topic has several partitions: Kafka orders messages within one partition only)
    expect(consumed.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l).n).sort((a: number, b: number) => a - b)).toEqual([1, 3]);
    expect(bento.exited).toBeUndefined();
    expect(run('ps', ['-eo', 'args'], { timeoutMs: 10_000 }).stdout).not.toContain(CLIENT_PASSWORD);
  }, 300_000);
});
