/**
 * A real Kafka broker and the stream processor for the tier-2 suites (both installed by scripts/install/30-kafka.sh
 * and 40-bento.sh):
 *
 * - `startKafka`: one JVM running Apache Kafka in KRaft mode as a combined broker+controller, listening on
 *   127.0.0.1 (or a given loopback address) on free ports, its log dir a fresh temp dir formatted with
 *   `kafka-storage format`; topics created before it is handed out; produce/consume through the console tools
 *   (one short JVM per call, about 1-2 s each: batch messages into one call).
 * - `startKafkaCluster`: the embedded cluster as the library renders it (its `server.properties`, the quorum of pod
 *   DNS names resolved by nss_wrapper), one JVM per node on its own 127.0.0.x; nodes SIGKILLed and restarted one by
 *   one; `kafkaHomeForScripts` gives the topics Job's script the CLI it calls.
 * - `runStreamProcessor`: `bento -c <file>` on a config text, its HTTP server moved to a free loopback port and
 *   ready when `/ready` answers 200 (input and output connected).
 * - `lintStreamConfig`: `bento lint`.
 *
 * Set `KAFKA_LOG_LEVEL=INFO` in the environment to see more of the broker in its log (default WARN).
 *
 * Every process is bounded and stopped by PID by `stopAll()` (see proc.ts).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { freeHost, nssWrapperEnv } from './daemons';
import { freePort, run, runAsync, RunResult, start, Started, tempDir, toolPath } from './proc';

/** A topic for `startKafka` / `KafkaBroker.createTopic`. */
export interface KafkaTopicSpec {
  readonly name: string;
  /** @default 1 */
  readonly partitions?: number;
  /** Topic-level configs (`--config k=v`), e.g. `{ 'cleanup.policy': 'compact' }`. */
  readonly config?: Record<string, string>;
}

/** Options for `startKafka`. */
export interface StartKafkaOptions {
  /** Topics to create before the broker is handed out. */
  readonly topics?: KafkaTopicSpec[];
  /** The loopback address to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** The host name the broker advertises to clients (e.g. a pod DNS name mapped by nss_wrapper). @default host */
  readonly advertisedHost?: string;
  /** Broker properties added to (or overriding) the defaults below. */
  readonly properties?: Record<string, string>;
  /** Wait this long for the broker to listen. @default 90_000 */
  readonly readyTimeoutMs?: number;
}

/** A record read back by `consumeRecords`. */
export interface KafkaRecord {
  /** The key, or null when the record has none. */
  readonly key: string | null;
  readonly value: string;
  readonly partition: number;
}

/** A message for `produce`: a value, or a key and a value (keyed records pick their partition by key hash). */
export type KafkaMessage = string | { readonly key: string; readonly value: string };

/** A running broker from `startKafka`. */
export interface KafkaBroker {
  /** `host:port` for clients. */
  readonly bootstrap: string;
  /** The broker's JVM (a new one after `restart`). */
  readonly process: Started;
  stop(): Promise<void>;
  /** SIGKILL the broker's JVM (no shutdown, no flush) and wait until it is gone. */
  kill(): Promise<void>;
  /** Start the broker again on the same log dir and ports (after `kill` or `stop`). */
  restart(): Promise<void>;
  createTopic(topic: KafkaTopicSpec): Promise<void>;
  /** The topic names (internal ones included). */
  listTopics(): Promise<string[]>;
  /** Send messages, one line each (values must not contain newlines or tabs), in one producer run. */
  produce(topic: string, messages: KafkaMessage[]): Promise<void>;
  /** Read up to `count` values from the beginning of `topic`; fewer when `timeoutMs` passes first. */
  consume(topic: string, count: number, timeoutMs: number): Promise<string[]>;
  /** As `consume`, with keys and partitions. */
  consumeRecords(topic: string, count: number, timeoutMs: number): Promise<KafkaRecord[]>;
}

const SEP = '\t';
/** What the console consumer prints for a null key. */
const NULL_KEY = '__kafka_null_key__';

/** Start a single-node KRaft Kafka (broker+controller) on loopback and create `opts.topics`. */
export async function startKafka(opts: StartKafkaOptions = {}): Promise<KafkaBroker> {
  const host = opts.host ?? '127.0.0.1';
  const advertised = opts.advertisedHost ?? host;
  const port = await freePort(host);
  let controllerPort = await freePort(host);
  while (controllerPort === port) controllerPort = await freePort(host);
  const dir = tempDir('kafka');
  const props: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@${host}:${controllerPort}`,
    'listeners': `PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${advertised}:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': path.join(dir, 'data'),
    'num.partitions': '1',
    'auto.create.topics.enable': 'false',
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    'group.initial.rebalance.delay.ms': '0',
    'log.flush.interval.messages': '1',
    ...opts.properties,
  };
  const propsFile = path.join(dir, 'server.properties');
  fs.writeFileSync(propsFile, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');

  // what `kafka-storage random-uuid` prints (16 random bytes, base64url), without starting a JVM for it
  const clusterId = crypto.randomBytes(16).toString('base64url');
  // `--cluster-id=<id>` in one argument: an id that starts with '-' (1 in 64) would be read as an option
  const fmt = run(toolPath('kafka-storage'), ['format', `--cluster-id=${clusterId}`, '-c', propsFile], { timeoutMs: 60_000 });
  if (fmt.code !== 0) throw new Error(`kafka-storage format failed (${fmt.code}):\n${fmt.stdout}${fmt.stderr}`);

  const launch = () => start({
    name: 'kafka',
    command: toolPath('kafka-server-start'),
    args: [propsFile],
    readyPort: { host, port },
    readyTimeoutMs: opts.readyTimeoutMs ?? 90_000,
  });
  let proc = await launch();
  const bootstrap = `${host}:${port}`;
  const tool = async (name: string, args: string[], input?: string, timeoutMs = 60_000) => {
    if (proc.exited) throw new Error(`${proc.exited}; log:\n${proc.logs().slice(-4000)}`);
    const r = await runAsync(toolPath(name), ['--bootstrap-server', bootstrap, ...args], { input, timeoutMs });
    return r;
  };

  const broker: KafkaBroker = {
    bootstrap,
    get process() { return proc; },
    stop: () => proc.stop(),
    async kill() {
      const gone = new Promise<void>((r) => (proc.exited ? r() : proc.child.once('exit', () => r())));
      try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* already gone */ }
      await gone;
    },
    async restart() {
      if (!proc.exited) throw new Error('restart: the broker is still running');
      proc = await launch();
    },
    async createTopic(t) {
      const args = ['--create', '--if-not-exists', '--topic', t.name, '--partitions', String(t.partitions ?? 1), '--replication-factor', '1'];
      for (const [k, v] of Object.entries(t.config ?? {})) args.push('--config', `${k}=${v}`);
      const r = await tool('kafka-topics', args);
      if (r.code !== 0) throw new Error(`kafka-topics --create ${t.name} failed (${r.code}):\n${r.stdout}${r.stderr}\nbroker log:\n${proc.logs().slice(-4000)}`);
    },
    async listTopics() {
      const r = await tool('kafka-topics', ['--list']);
      if (r.code !== 0) throw new Error(`kafka-topics --list failed (${r.code}):\n${r.stdout}${r.stderr}`);
      return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
    },
    async produce(topic, messages) {
      const keyed = messages.some((m) => typeof m !== 'string');
      const lines = messages.map((m) => {
        const [k, v] = typeof m === 'string' ? [undefined, m] : [m.key, m.value];
        if (/[\n\r\t]/.test(v) || (k !== undefined && /[\n\r\t]/.test(k))) throw new Error(`produce: message '${JSON.stringify(m)}' contains a newline or tab`);
        if (keyed && k === undefined) throw new Error('produce: mix of keyed and unkeyed messages in one call');
        return keyed ? `${k}${SEP}${v}` : v;
      });
      const args = ['--topic', topic, '--producer-property', 'acks=all', '--producer-property', 'linger.ms=0'];
      if (keyed) args.push('--property', 'parse.key=true', '--property', `key.separator=${SEP}`);
      const r = await tool('kafka-console-producer', args, lines.join('\n') + '\n');
      if (r.code !== 0 || /ERROR|Exception/.test(r.stderr)) {
        throw new Error(`kafka-console-producer to ${topic} failed (${r.code}):\n${r.stdout}${r.stderr}`);
      }
    },
    async consume(topic, count, timeoutMs) {
      return (await broker.consumeRecords(topic, count, timeoutMs)).map((r) => r.value);
    },
    async consumeRecords(topic, count, timeoutMs) {
      const args = ['--topic', topic, '--from-beginning', '--max-messages', String(count), '--timeout-ms', String(timeoutMs),
        '--property', 'print.key=true', '--property', 'print.partition=true', '--property', `key.separator=${SEP}`,
        '--property', `null.literal=${NULL_KEY}`];
      // the JVM start and the group join come on top of timeoutMs (which counts from the first poll)
      const r = await tool('kafka-console-consumer', args, undefined, timeoutMs + 60_000);
      if (r.code !== 0 && !/TimeoutException/.test(r.stderr)) {
        throw new Error(`kafka-console-consumer on ${topic} failed (${r.code}):\n${r.stdout}${r.stderr}`);
      }
      // line format (DefaultMessageFormatter): `Partition:<n>\t<key>\t<value>`
      return r.stdout.split('\n').filter((l) => l.startsWith('Partition:')).map((l) => {
        const [p, key, ...value] = l.split(SEP);
        return { partition: Number(p.slice('Partition:'.length)), key: key === NULL_KEY ? null : key, value: value.join(SEP) };
      });
    },
  };

  try {
    for (const t of opts.topics ?? []) await broker.createTopic(t);
  } catch (e) {
    await proc.stop();
    throw e;
  }
  return broker;
}

/** Options for `runStreamProcessor`. */
export interface StreamProcessorOptions {
  /** Environment for the config's `${VAR}` interpolations (e.g. `KAFKA_BOOTSTRAP`). */
  readonly env?: Record<string, string>;
  /** Wait until `/ready` answers 200 (input and output connected). @default true */
  readonly waitReady?: boolean;
  /** @default 60_000 */
  readonly readyTimeoutMs?: number;
  /** Extra `bento` arguments before `-c`, e.g. `['--log.level', 'debug']`. */
  readonly args?: string[];
  /** @default 'bento' */
  readonly name?: string;
}

/** A stream processor started by `runStreamProcessor`: the process, and the base URL of its HTTP server. */
export type StreamProcessor = Started & { readonly httpUrl: string };

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 1000 }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/**
 * Run `bento -c <config>` on a config text. Its HTTP server (probes, `/metrics`) is moved to a free port on
 * 127.0.0.1 (`--set http.address=…`), whatever the config says; waits until `/ready` answers 200.
 */
export async function runStreamProcessor(configYaml: string, opts: StreamProcessorOptions = {}): Promise<StreamProcessor> {
  const dir = tempDir('bento');
  const file = path.join(dir, 'config.yaml');
  fs.writeFileSync(file, configYaml);
  const httpPort = await freePort();
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const p = await start({
    name: opts.name ?? 'bento',
    command: toolPath('bento'),
    args: [...(opts.args ?? []), '--set', 'http.enabled=true', '--set', `http.address=127.0.0.1:${httpPort}`, '-c', file],
    env: opts.env,
    readyPort: { host: '127.0.0.1', port: httpPort },
    readyCheck: opts.waitReady === false ? undefined : async () => (await httpStatus(`${httpUrl}/ready`)) === 200,
    readyTimeoutMs: opts.readyTimeoutMs ?? 60_000,
  });
  return Object.assign(p, { httpUrl });
}

/** Options for `lintStreamConfig`. */
export interface LintStreamConfigOptions {
  /** Environment for `${VAR}` interpolations; without it, unset variables are not errors (`--skip-env-var-check`). */
  readonly env?: Record<string, string>;
  /** Report deprecated fields as errors (`--deprecated`). @default true */
  readonly deprecated?: boolean;
}

/** `bento lint` on a config text: ok when it exits 0; `output` holds the lint errors (`file(line,col) message`). */
export function lintStreamConfig(configYaml: string, opts: LintStreamConfigOptions = {}): { ok: boolean; output: string } {
  const dir = tempDir('bento-lint');
  const file = path.join(dir, 'config.yaml');
  fs.writeFileSync(file, configYaml);
  const args = ['lint'];
  if (opts.deprecated ?? true) args.push('--deprecated');
  if (!opts.env) args.push('--skip-env-var-check');
  args.push(file);
  const r = run(toolPath('bento'), args, { env: opts.env, timeoutMs: 60_000 });
  return { ok: r.code === 0, output: `${r.stdout}${r.stderr}`.split(file).join('config.yaml').trim() };
}

/**
 * Listens on host:port and pipes every connection to the broker: the bootstrap hop from the name a generated config
 * uses (a pod's DNS name, mapped by nss_wrapper to `host`) to the test broker, which then advertises its own address.
 */
export function startForwarder(host: string, port: number, to: { host: string; port: number }): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((client) => {
      const upstream = net.connect(to.port, to.host);
      client.pipe(upstream).pipe(client);
      const close = () => { client.destroy(); upstream.destroy(); };
      client.on('error', close);
      upstream.on('error', close);
    });
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** Options for `startKafkaCluster`. */
export interface StartKafkaClusterOptions {
  /**
   * `server.properties` as the library renders it (the embedded cluster's ConfigMap), its placeholders in: each node
   * gets it with `@NODE_ID@`, `@POD_NAME@` and `@POD_NAMESPACE@` replaced as the start script does, `log.dirs` moved
   * to a temp dir and the wildcard `listeners` bound to the node's own loopback address (same ports). The quorum
   * (`controller.quorum.voters`) and `advertised.listeners` stay as rendered: their pod DNS names resolve through
   * nss_wrapper to the nodes' addresses.
   */
  readonly serverProperties: string;
  /** The StatefulSet's name: node i is the pod `<statefulSet>-<i>`. */
  readonly statefulSet: string;
  /** How many nodes (the rendered quorum's size). */
  readonly nodes: number;
  /** The StatefulSet's `KAFKA_CLUSTER_ID`. */
  readonly clusterId: string;
  /** @default 'default' */
  readonly namespace?: string;
  /** Each node's `KAFKA_HEAP_OPTS`. @default '-Xms256m -Xmx320m' */
  readonly heapOpts?: string;
}

/** One node of a `startKafkaCluster` cluster. */
export interface KafkaClusterNode {
  readonly id: number;
  /** Its loopback address (its pod DNS names resolve to it). */
  readonly host: string;
  /** The node's JVM (a new one after `restart`). */
  readonly process: Started;
  readonly running: boolean;
  /** SIGKILL the node's JVM (no shutdown, no flush) and wait until it is gone. */
  kill(): Promise<void>;
  /** Start it again on the same log dir (after `kill`). */
  restart(): Promise<void>;
}

/** A partition as `kafka-topics.sh --describe` reports it. */
export interface KafkaPartitionState {
  readonly partition: number;
  /** The leader's node id, or -1 (none). */
  readonly leader: number;
  readonly replicas: number[];
  readonly isr: number[];
}

/** A running cluster from `startKafkaCluster`. */
export interface KafkaNodeCluster {
  readonly nodes: KafkaClusterNode[];
  /** The nss_wrapper environment every client of the cluster runs with (its pod DNS names → the nodes). */
  readonly env: Record<string, string>;
  /** The nodes' client addresses, `host:port,…` (by address: for the test's own tools). */
  readonly bootstrap: string;
  /** Run a Kafka CLI tool (`kafka-topics`, …) against the running nodes. */
  tool(name: string, args: string[], input?: string, timeoutMs?: number): Promise<RunResult>;
  /** The partitions of `topic` (leader, replicas, ISR). */
  describe(topic: string): Promise<KafkaPartitionState[]>;
  /** As `KafkaBroker.consume`, against the running nodes. */
  consume(topic: string, count: number, timeoutMs: number): Promise<string[]>;
}

/**
 * Start the embedded cluster the library renders: `nodes` combined controller+broker KRaft JVMs, each on its own
 * loopback address, from the rendered `server.properties` (see `serverProperties`), each log dir formatted with the
 * cluster id as the start script does. Resolves when every node listens on its client port (the quorum may still
 * be electing: a client retries, as the topics Job does).
 */
export async function startKafkaCluster(opts: StartKafkaClusterOptions): Promise<KafkaNodeCluster> {
  const namespace = opts.namespace ?? 'default';
  const listeners = /^listeners=PLAINTEXT:\/\/:([0-9]+),CONTROLLER:\/\/:([0-9]+)$/m.exec(opts.serverProperties);
  if (!listeners) throw new Error('startKafkaCluster: no wildcard PLAINTEXT/CONTROLLER listeners in the rendered server.properties');
  const [port, controllerPort] = [Number(listeners[1]), Number(listeners[2])];
  const voters = /^controller\.quorum\.voters=(.*)$/m.exec(opts.serverProperties)?.[1].split(',') ?? [];
  if (voters.length !== opts.nodes) throw new Error(`startKafkaCluster: the rendered quorum has ${voters.length} voters, ${opts.nodes} nodes asked for`);
  const hosts: string[] = [];
  for (let i = 0; i < opts.nodes; i++) hosts.push(await freeHost(port));
  // every name the nodes and their clients use: the quorum's, the advertised ones, the bootstrap ones
  const names: Record<string, string> = {};
  voters.forEach((v, i) => {
    const m = /^([0-9]+)@(.+):[0-9]+$/.exec(v);
    if (!m || Number(m[1]) !== i) throw new Error(`startKafkaCluster: voter '${v}' is not '${i}@host:port'`);
    names[m[2]] = hosts[i];
  });
  const render = (i: number, dataDir: string) => opts.serverProperties
    .replace(/@NODE_ID@/g, String(i)).replace(/@POD_NAME@/g, `${opts.statefulSet}-${i}`).replace(/@POD_NAMESPACE@/g, namespace)
    .replace(/^listeners=.*$/m, `listeners=PLAINTEXT://${hosts[i]}:${port},CONTROLLER://${hosts[i]}:${controllerPort}`)
    .replace(/^log\.dirs=.*$/m, `log.dirs=${dataDir}`);
  const files: string[] = [];
  for (let i = 0; i < opts.nodes; i++) {
    const dir = tempDir(`kafka-node-${i}`);
    const props = render(i, path.join(dir, 'data'));
    const advertised = /^advertised\.listeners=PLAINTEXT:\/\/(.+):[0-9]+$/m.exec(props)?.[1];
    if (advertised) names[advertised] = hosts[i];
    const file = path.join(dir, 'server.properties');
    fs.writeFileSync(file, props);
    files.push(file);
  }
  const env = { ...nssWrapperEnv(names), KAFKA_HEAP_OPTS: opts.heapOpts ?? '-Xms256m -Xmx320m' };
  for (const file of files) {
    const fmt = run(toolPath('kafka-storage'), ['format', '--ignore-formatted', `--cluster-id=${opts.clusterId}`, '--config', file], { env, timeoutMs: 90_000 });
    if (fmt.code !== 0) throw new Error(`kafka-storage format failed (${fmt.code}):\n${fmt.stdout}${fmt.stderr}`);
  }
  const launch = (i: number) => start({
    name: `kafka-${i}`,
    command: toolPath('kafka-server-start'),
    args: [files[i]],
    env,
    readyPort: { host: hosts[i], port },
    readyTimeoutMs: 120_000,
    maxLifeMs: 1_800_000,
  });
  const procs = await Promise.all(hosts.map((_, i) => launch(i)));
  const nodes: KafkaClusterNode[] = hosts.map((host, i) => ({
    id: i,
    host,
    get process() { return procs[i]; },
    get running() { return procs[i].exited === undefined; },
    async kill() {
      const p = procs[i];
      const gone = new Promise<void>((r) => (p.exited ? r() : p.child.once('exit', () => r())));
      try { process.kill(-p.pid, 'SIGKILL'); } catch { /* already gone */ }
      await gone;
    },
    async restart() {
      if (procs[i].exited === undefined) throw new Error(`restart: node ${i} is still running`);
      procs[i] = await launch(i);
    },
  }));
  const bootstrap = () => nodes.filter((n) => n.running).map((n) => `${n.host}:${port}`).join(',');
  const cluster: KafkaNodeCluster = {
    nodes,
    env,
    get bootstrap() { return bootstrap(); },
    tool: (name, args, input, timeoutMs = 90_000) => runAsync(toolPath(name), ['--bootstrap-server', bootstrap(), ...args],
      { input, timeoutMs, env: { ...env, KAFKA_HEAP_OPTS: '-Xmx256m' } }),
    async describe(topic) {
      const r = await cluster.tool('kafka-topics', ['--describe', '--topic', topic]);
      if (r.code !== 0) throw new Error(`kafka-topics --describe ${topic} failed (${r.code}):\n${r.stdout}${r.stderr}`);
      const ids = (s: string) => (s === '' ? [] : s.split(',').map(Number));
      return r.stdout.split('\n').map((l) => /\tPartition: ([0-9]+)\tLeader: (-?[0-9]+|none)\tReplicas: ([0-9,]*)\tIsr: ([0-9,]*)/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ partition: Number(m[1]), leader: m[2] === 'none' ? -1 : Number(m[2]), replicas: ids(m[3]), isr: ids(m[4]) }));
    },
    async consume(topic, count, timeoutMs) {
      const r = await cluster.tool('kafka-console-consumer', ['--topic', topic, '--from-beginning', '--max-messages', String(count),
        '--timeout-ms', String(timeoutMs)], undefined, timeoutMs + 90_000);
      if (r.code !== 0 && !/TimeoutException/.test(r.stderr)) throw new Error(`kafka-console-consumer on ${topic} failed (${r.code}):\n${r.stdout}${r.stderr}`);
      return r.stdout.split('\n').filter(Boolean);
    },
  };
  return cluster;
}

/**
 * A `KAFKA_HOME` for the scripts the library renders (the topics Job's): `bin/kafka-topics.sh` and
 * `bin/kafka-configs.sh`, the Kafka CLI of the installed tools.
 */
export function kafkaHomeForScripts(): string {
  const home = tempDir('kafka-home');
  fs.mkdirSync(path.join(home, 'bin'));
  fs.symlinkSync(toolPath('kafka-topics'), path.join(home, 'bin', 'kafka-topics.sh'));
  fs.writeFileSync(path.join(home, 'bin', 'kafka-configs.sh'),
    `#!/bin/sh\nexec ${JSON.stringify(toolPath('kafka-run-class'))} kafka.admin.ConfigCommand "$@"\n`, { mode: 0o755 });
  return home;
}
