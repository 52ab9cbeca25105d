import { BROKER_SETTINGS, SettingRule, strimziForbiddenPrefix, TOPIC_SETTINGS } from './_kafka-settings';
import { showValue } from '../core/prop-error';

/**
 * Options for `KafkaConfig.kraftServerProperties`.
 */
export interface KraftServerPropertiesOptions {
  /**
   * The controller quorum: `host:port` of the controller listener of node 0, 1, … (node ids are the StatefulSet
   * ordinals).
   */
  readonly controllers: string[];
  /**
   * The host name the broker advertises to clients. May hold the placeholders of `KafkaConfig.PLACEHOLDERS`,
   * replaced by the start script.
   */
  readonly advertisedHost: string;
  /**
   * The client (PLAINTEXT) port.
   *
   * @default 9092
   */
  readonly port?: number;
  /**
   * The controller port.
   *
   * @default 9093
   */
  readonly controllerPort?: number;
  /** Where the broker keeps its log (data) segments. */
  readonly logDir: string;
  /**
   * Broker settings added to, or replacing, the defaults (`num.network.threads`, `log.retention.hours`, …).
   *
   * @default - none
   */
  readonly overrides?: { [key: string]: string };
  /**
   * SASL_SSL on every listener (client, inter-broker and controller), PLAIN as the mechanism, the PEM keystore and
   * truststore at these paths. The JAAS settings with the passwords are not rendered here: the start script appends
   * them (`KafkaStartScriptOptions`).
   *
   * @default - PLAINTEXT listeners without authentication
   */
  readonly saslSsl?: KraftSaslSslOptions;
}

/**
 * Options for `KraftServerPropertiesOptions.saslSsl`: where the broker finds its PEM stores.
 */
export interface KraftSaslSslOptions {
  /** The PEM keystore: the private key (PKCS#8), then the certificate chain. */
  readonly keystore: string;
  /** The PEM truststore: the CA certificate(s) the brokers' certificates are signed by. */
  readonly truststore: string;
}

/**
 * Options for `KafkaConfig.startScript`: a SASL_SSL node's files.
 */
export interface KafkaStartScriptOptions {
  /**
   * A writable (memory-backed) directory for the rendered `server.properties` (which then holds the passwords) and
   * the PEM keystore (`keystore.pem`).
   */
  readonly authDir: string;
  /** The mounted TLS Secret: `tls.crt`, `tls.key`, `ca.crt`. */
  readonly tlsDir: string;
  /** The mounted passwords Secret: `broker-password`, `client-password`. */
  readonly passwordsDir: string;
  /** The path of the mounted `programs/kafka-auth/write-config.sh`. */
  readonly program: string;
}

/**
 * Options for `KafkaConfig.createTopicsScript`.
 */
export interface CreateTopicsScriptOptions {
  /**
   * The client properties file every `kafka-topics.sh` call reads (`--command-config`), e.g. for SASL_SSL.
   *
   * @default - none: a PLAINTEXT client
   */
  readonly commandConfig?: string;
}

/**
 * A topic for `KafkaConfig.createTopicsScript`.
 */
export interface KafkaTopicDefinition {
  /** The topic name. */
  readonly name: string;
  /** Number of partitions. */
  readonly partitions: number;
  /** Replication factor. */
  readonly replicationFactor: number;
  /**
   * Topic-level settings (`retention.ms`, `cleanup.policy`, …).
   *
   * @default - the broker's defaults
   */
  readonly config?: { [key: string]: string };
}

/** The keys KafkaConfig renders and that an override must not change (the node identity and the listeners). */
const RESERVED_SASL_SSL = ['sasl.enabled.mechanisms', 'sasl.mechanism.inter.broker.protocol', 'sasl.mechanism.controller.protocol',
  'ssl.keystore.type', 'ssl.keystore.location', 'ssl.keystore.key', 'ssl.keystore.certificate.chain', 'ssl.key.password',
  'ssl.truststore.type', 'ssl.truststore.location', 'ssl.truststore.certificates', 'ssl.client.auth', 'security.inter.broker.protocol'];
const RESERVED = ['process.roles', 'node.id', 'controller.quorum.voters', 'controller.quorum.bootstrap.servers', 'listeners',
  'advertised.listeners', 'controller.listener.names', 'inter.broker.listener.name', 'listener.security.protocol.map', 'log.dirs'];

/**
 * Kafka's rules for a topic name: 1 to 249 characters from `[a-zA-Z0-9._-]`, not `.` or `..`.
 *
 * @see https://github.com/apache/kafka/blob/trunk/clients/src/main/java/org/apache/kafka/common/internals/Topic.java
 */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Kafka broker (KRaft) configuration and the shell scripts the embedded cluster's pods run: pure functions from
 * options to text.
 *
 * @see https://kafka.apache.org/documentation/#brokerconfigs
 * @see https://kafka.apache.org/documentation/#kraft_config
 */
export class KafkaConfig {
  /** The placeholders the start script replaces in `server.properties`: the node id, the pod name, its namespace. */
  public static readonly PLACEHOLDERS = ['@NODE_ID@', '@POD_NAME@', '@POD_NAMESPACE@'];

  /**
   * `server.properties` of a combined controller+broker KRaft node with a static quorum
   * (`controller.quorum.voters`), `@NODE_ID@` in place of its id. Replication defaults follow the quorum size:
   * with 3 or more nodes every internal topic has 3 replicas and `min.insync.replicas=2`, so one node can be
   * down without stopping writes with `acks=all`; with fewer, what the nodes allow. Topics are never created
   * automatically: the workflow's topic list is the truth.
   */
  public static kraftServerProperties(options: KraftServerPropertiesOptions): string {
    const nodes = options.controllers.length;
    if (nodes < 1) throw new Error('\'controllers\' must list at least one host:port, got none');
    options.controllers.forEach((c) => {
      if (!/^[A-Za-z0-9.@-]+:[0-9]{1,5}$/.test(c)) throw new Error(`'controllers' entries must be host:port, got '${c}'`);
    });
    const port = options.port ?? 9092;
    const controllerPort = options.controllerPort ?? 9093;
    if (port === controllerPort) throw new Error(`the client and controller ports must differ, got ${port} for both`);
    const defaults = KafkaConfig.replicationDefaults(nodes);
    const tls = options.saslSsl;
    if (tls !== undefined) {
      for (const [what, p] of [['keystore', tls.keystore], ['truststore', tls.truststore]]) {
        if (typeof p !== 'string' || !/^\/[A-Za-z0-9._/-]*$/.test(p)) throw new Error(`'saslSsl.${what}' must be an absolute path of [A-Za-z0-9._/-], got ${showValue(p)}`);
      }
    }
    const client = tls !== undefined ? 'SASL_SSL' : 'PLAINTEXT';
    const props: Array<[string, string]> = [
      ['process.roles', 'broker,controller'],
      ['node.id', '@NODE_ID@'],
      ['controller.quorum.voters', options.controllers.map((c, i) => `${i}@${c}`).join(',')],
      ['listeners', `${client}://:${port},CONTROLLER://:${controllerPort}`],
      ['advertised.listeners', `${client}://${options.advertisedHost}:${port}`],
      ['controller.listener.names', 'CONTROLLER'],
      ['inter.broker.listener.name', client],
      ['listener.security.protocol.map', `CONTROLLER:${client},${client}:${client}`],
      ...(tls === undefined ? [] : [
        ['sasl.enabled.mechanisms', 'PLAIN'],
        ['sasl.mechanism.inter.broker.protocol', 'PLAIN'],
        ['sasl.mechanism.controller.protocol', 'PLAIN'],
        ['ssl.keystore.type', 'PEM'],
        ['ssl.keystore.location', tls.keystore],
        ['ssl.truststore.type', 'PEM'],
        ['ssl.truststore.location', tls.truststore],
      ] as Array<[string, string]>),
      ['log.dirs', options.logDir],
      ['auto.create.topics.enable', 'false'],
      ['default.replication.factor', defaults['default.replication.factor']],
      ['min.insync.replicas', defaults['min.insync.replicas']],
      ['offsets.topic.replication.factor', defaults['offsets.topic.replication.factor']],
      ['transaction.state.log.replication.factor', defaults['transaction.state.log.replication.factor']],
      ['transaction.state.log.min.isr', defaults['transaction.state.log.min.isr']],
      ['share.coordinator.state.topic.replication.factor', defaults['share.coordinator.state.topic.replication.factor']],
      ['share.coordinator.state.topic.min.isr', defaults['share.coordinator.state.topic.min.isr']],
    ];
    const overrides = options.overrides ?? {};
    for (const key of Object.keys(overrides).sort()) {
      const value = overrides[key];
      const problem = KafkaConfig.kraftOverrideProblem(key, value)
        ?? (tls !== undefined ? KafkaConfig.saslSslOverrideProblem(key, value) : undefined);
      if (problem) throw new Error(`broker setting '${problem.setting}' must be ${problem.expectation}, got ${showValue(problem.value)}`);
      const at = props.findIndex(([k]) => k === key);
      if (at >= 0) props[at] = [key, value];
      else props.push([key, value]);
    }
    return [
      '# Kafka KRaft node (combined controller+broker), generated by cdk8s-distributed-patterns.',
      '# The start script replaces @NODE_ID@ (the StatefulSet ordinal), @POD_NAME@ and @POD_NAMESPACE@.',
      ...props.map(([k, v]) => `${k}=${escapeValue(v)}`),
      '',
    ].join('\n');
  }

  /**
   * The start script of an embedded node: writes `server.properties` from the template with the placeholders
   * replaced (the node id is the ordinal at the end of the pod name), formats the log dir on first start
   * (`kafka-storage.sh format --ignore-formatted`, so a restart keeps the data), then runs the broker.
   * Needs `POD_NAME`, `POD_NAMESPACE` and `KAFKA_CLUSTER_ID` in its environment; `KAFKA_HOME` defaults to
   * `/opt/kafka` (the Apache Kafka image).
   *
   * With `options` (a SASL_SSL node), the rendered file goes to `options.authDir`, and the kafka-auth program
   * writes the PEM keystore there and appends the listeners' JAAS settings with the passwords, read from the
   * mounted Secrets.
   *
   * @param template the path of the mounted `server.properties` template
   * @param runDir a writable directory for the rendered file
   * @param options a SASL_SSL node's files
   */
  public static startScript(template: string, runDir: string, options?: KafkaStartScriptOptions): string {
    const paths: Array<[string, string]> = [['template', template], ['runDir', runDir]];
    if (options !== undefined) {
      paths.push(['authDir', options.authDir], ['tlsDir', options.tlsDir], ['passwordsDir', options.passwordsDir], ['program', options.program]);
    }
    for (const [what, p] of paths) {
      if (typeof p !== 'string' || !/^\/[A-Za-z0-9._/-]*$/.test(p)) throw new Error(`'${what}' must be an absolute path of [A-Za-z0-9._/-], got ${showValue(p)}`);
    }
    const rendered = `${options?.authDir ?? runDir}/server.properties`;
    return [
      '#!/bin/sh',
      '# Starts one KRaft node of a KafkaWorkflow embedded cluster (generated by cdk8s-distributed-patterns).',
      'set -eu',
      ': "${POD_NAME:?}" "${POD_NAMESPACE:?}" "${KAFKA_CLUSTER_ID:?}"',
      'KAFKA_HOME="${KAFKA_HOME:-/opt/kafka}"',
      'node_id="${POD_NAME##*-}"',
      'case "$node_id" in',
      '  \'\'|*[!0-9]*) echo "cannot read the node id from pod name \'$POD_NAME\'" >&2; exit 1 ;;',
      'esac',
      'sed -e "s/@NODE_ID@/$node_id/g" -e "s/@POD_NAME@/$POD_NAME/g" -e "s/@POD_NAMESPACE@/$POD_NAMESPACE/g" \\',
      `  ${template} > ${rendered}`,
      ...(options === undefined ? [] : [
        `/bin/sh ${options.program} broker ${options.tlsDir} ${options.passwordsDir} ${rendered} ${options.authDir}/keystore.pem`,
      ]),
      `"$KAFKA_HOME/bin/kafka-storage.sh" format --ignore-formatted --cluster-id "$KAFKA_CLUSTER_ID" --config ${rendered}`,
      `exec "$KAFKA_HOME/bin/kafka-server-start.sh" ${rendered}`,
      '',
    ].join('\n');
  }

  /**
   * A script that brings the cluster's topics to the declared ones with the Kafka CLI: one
   * `kafka-topics.sh --describe`, then for each topic
   * - missing: `--create --if-not-exists` with its partitions, replication factor and settings;
   * - fewer partitions than declared: `--alter --partitions` (Kafka adds partitions; a keyed message's partition
   *   changes for most keys from then on);
   * - more partitions than declared: an error on stderr, and the script exits 1 after the other topics (Kafka
   *   cannot remove partitions: declare the count it has, or delete the topic, losing its messages);
   * - settings declared: set with `kafka-configs.sh --alter --add-config` (a setting no longer declared is left
   *   as it is);
   * - another replication factor: said on stderr, not changed (`kafka-reassign-partitions.sh` changes it).
   *
   * Run again it changes nothing. Needs `KAFKA_BOOTSTRAP_SERVERS`; `KAFKA_HOME` defaults to `/opt/kafka`. Fails
   * (non-zero) when the cluster cannot be reached or a topic cannot be brought to its declaration, so that the Job
   * retries.
   */
  public static createTopicsScript(topics: KafkaTopicDefinition[], options: CreateTopicsScriptOptions = {}): string {
    const commandConfig = options.commandConfig;
    if (commandConfig !== undefined && (typeof commandConfig !== 'string' || !/^\/[A-Za-z0-9._/-]*$/.test(commandConfig))) {
      throw new Error(`'commandConfig' must be an absolute path of [A-Za-z0-9._/-], got ${showValue(commandConfig)}`);
    }
    const configArg = commandConfig !== undefined ? ` --command-config ${commandConfig}` : '';
    const lines = [
      '#!/bin/sh',
      '# Creates the topics of a KafkaWorkflow, or brings them to their declared partitions and settings',
      '# (generated by cdk8s-distributed-patterns).',
      'set -eu',
      ': "${KAFKA_BOOTSTRAP_SERVERS:?}"',
      'KAFKA_HOME="${KAFKA_HOME:-/opt/kafka}"',
      `topics() { "$KAFKA_HOME/bin/kafka-topics.sh" --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS"${configArg} "$@"; }`,
      `configs() { "$KAFKA_HOME/bin/kafka-configs.sh" --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS"${configArg} "$@"; }`,
      '# one line per topic: "Topic: <name><TAB>TopicId: …<TAB>PartitionCount: <n><TAB>ReplicationFactor: <n><TAB>Configs: …"',
      'described="$(topics --describe --exclude-internal)"',
      'failed=0',
      'field() {',
      '  printf \'%s\\n\' "$described" | awk -F \'\\t\' -v t="Topic: $1" -v f="$2: " \\',
      '    \'$1 == t { for (i = 2; i <= NF; i++) if (index($i, f) == 1) { print substr($i, length(f) + 1); exit } }\'',
      '}',
      '# ensure <name> <partitions> <replication factor> <settings for --add-config, or ""> [--config k=v …]',
      'ensure() {',
      '  name="$1"; partitions="$2"; rf="$3"; settings="$4"; shift 4',
      '  current="$(field "$name" PartitionCount)"',
      '  if [ -z "$current" ]; then',
      '    topics --create --if-not-exists --topic "$name" --partitions "$partitions" --replication-factor "$rf" "$@"',
      '    echo "topic $name: created"',
      '    return 0',
      '  fi',
      '  if [ "$current" -lt "$partitions" ]; then',
      '    topics --alter --topic "$name" --partitions "$partitions"',
      '    echo "topic $name: partitions increased from $current to $partitions"',
      '  elif [ "$current" -gt "$partitions" ]; then',
      '    echo "topic $name: has $current partitions, $partitions declared: Kafka cannot decrease partitions; declare $current or more, or delete the topic (its messages are lost) and run this again" >&2',
      '    failed=1',
      '  else',
      '    echo "topic $name: exists with the declared $partitions partitions"',
      '  fi',
      '  current_rf="$(field "$name" ReplicationFactor)"',
      '  if [ "$current_rf" != "$rf" ]; then',
      '    echo "topic $name: replication factor $current_rf, $rf declared: not changed (kafka-reassign-partitions.sh changes it)" >&2',
      '  fi',
      '  if [ -n "$settings" ]; then',
      '    configs --alter --entity-type topics --entity-name "$name" --add-config "$settings" >/dev/null',
      '    echo "topic $name: settings set: $settings"',
      '  fi',
      '}',
    ];
    const seen = new Set<string>();
    for (const t of topics) {
      KafkaConfig.checkTopicName(t.name);
      if (seen.has(t.name)) throw new Error(`topic '${t.name}' is listed twice`);
      seen.add(t.name);
      if (!Number.isInteger(t.partitions) || t.partitions < 1) throw new Error(`topic '${t.name}': partitions must be an integer of at least 1, got ${t.partitions}`);
      if (!Number.isInteger(t.replicationFactor) || t.replicationFactor < 1) throw new Error(`topic '${t.name}': replication factor must be an integer of at least 1, got ${t.replicationFactor}`);
      const config = t.config ?? {};
      const keys = Object.keys(config).sort();
      keys.forEach((key) => KafkaConfig.checkTopicConfig(t.name, key, config[key]));
      // kafka-configs.sh splits --add-config at commas: a list value goes in brackets
      const settings = keys.map((key) => `${key}=${config[key].includes(',') ? `[${config[key]}]` : config[key]}`).join(',');
      const args = [`ensure ${shellQuote(t.name)} ${t.partitions} ${t.replicationFactor} ${shellQuote(settings)}`];
      for (const key of keys) args.push(`--config ${shellQuote(`${key}=${config[key]}`)}`);
      lines.push(args.join(' '));
    }
    lines.push('exit "$failed"', '');
    return lines.join('\n');
  }

  /**
   * Why Kafka would reject `name` as a topic name, or undefined when it accepts it.
   */
  public static topicNameProblem(name: string): string | undefined {
    if (typeof name !== 'string' || name.length === 0) return 'is empty';
    if (name === '.' || name === '..') return `cannot be '${name}'`;
    if (name.length > 249) return `is ${name.length} characters, more than 249`;
    if (!TOPIC_NAME.test(name)) return 'has characters outside [a-zA-Z0-9._-]';
    return undefined;
  }

  /** Throws when Kafka would reject `name` as a topic name. */
  public static checkTopicName(name: string): void {
    const problem = KafkaConfig.topicNameProblem(name);
    if (problem) throw new Error(`topic name '${name}' ${problem}`);
  }

  /**
   * Kafka's collision rule: `.` and `_` map to the same metric names, so two topics that differ only there cannot
   * both exist. Returns the name both map to.
   */
  public static collisionName(name: string): string {
    return name.replace(/\./g, '_');
  }

  /**
   * The brokers' replication defaults for `nodes` nodes, as both cluster kinds write them: internal topics with
   * `min(3, nodes)` replicas, and `min.insync.replicas` of `max(1, min(2, nodes - 1))` — with 3 or more nodes one
   * node can be down without stopping `acks=all` writes.
   */
  public static replicationDefaults(nodes: number): { [key: string]: string } {
    const rf = String(Math.min(3, nodes));
    const minIsr = String(Math.max(1, Math.min(2, nodes - 1)));
    return {
      'default.replication.factor': rf,
      'min.insync.replicas': minIsr,
      'offsets.topic.replication.factor': rf,
      'transaction.state.log.replication.factor': rf,
      'transaction.state.log.min.isr': minIsr,
      'share.coordinator.state.topic.replication.factor': rf,
      'share.coordinator.state.topic.min.isr': minIsr,
    };
  }

  /**
   * The brokers' `min.insync.replicas` for `nodes` nodes with `settings` (checked already): the setting, else the
   * default of `replicationDefaults`. A topic without its own `min.insync.replicas` needs at least this many
   * replicas, or every `acks=all` write to it fails with NOT_ENOUGH_REPLICAS.
   */
  public static brokerMinInsyncReplicas(nodes: number, settings?: { [key: string]: string }): number {
    return Number(settings?.['min.insync.replicas'] ?? KafkaConfig.replicationDefaults(nodes)['min.insync.replicas']);
  }

  /**
   * What is wrong with one broker setting (for `server.properties`, or a Strimzi `Kafka`'s `spec.kafka.config`), or
   * undefined: its name must be dotted lowercase words, its value a one-line string, and the settings the library
   * depends on (`min.insync.replicas`, the internal topics' replication, …) must have values Kafka accepts.
   */
  public static brokerSettingProblem(key: string, value: string): KafkaSettingProblem | undefined {
    return formProblem(key, value, false) ?? ruleProblem(BROKER_SETTINGS, key, value);
  }

  /**
   * What `kraftServerProperties` refuses in an override, or undefined: a broker setting problem, or a setting the
   * node sets itself (its roles, id, quorum, listeners and log dir).
   */
  public static kraftOverrideProblem(key: string, value: string): KafkaSettingProblem | undefined {
    // every reserved key is a well-formed name: checking it first says the more useful thing
    if (RESERVED.includes(key)) {
      return { setting: key, expectation: 'a setting other than the node\'s roles, id, quorum, listeners and log dir (the cluster sets them)', value: key };
    }
    return KafkaConfig.brokerSettingProblem(key, value);
  }

  /**
   * What a SASL_SSL node (`KraftServerPropertiesOptions.saslSsl`) refuses in an override besides
   * `kraftOverrideProblem`, or undefined: the SASL mechanisms, the key and trust stores and the listeners' own
   * settings (`listener.name.*`: their JAAS settings hold the passwords), which the node sets itself.
   */
  public static saslSslOverrideProblem(key: string, _value: string): KafkaSettingProblem | undefined {
    if (typeof key === 'string' && (RESERVED_SASL_SSL.includes(key) || key.startsWith('listener.name.'))) {
      return { setting: key, expectation: 'a setting other than the SASL mechanisms, the key and trust stores and the listeners\' own (the cluster sets them with security)', value: key };
    }
    return undefined;
  }

  /**
   * What Strimzi refuses in `spec.kafka.config`, or undefined: a broker setting problem, or a setting Strimzi sets
   * itself (`listeners`, `node.id`, `ssl.*`, `controller.*`, …: its `FORBIDDEN_PREFIXES`, with its exceptions).
   */
  public static strimziSettingProblem(key: string, value: string): KafkaSettingProblem | undefined {
    const prefix = typeof key === 'string' ? strimziForbiddenPrefix(key) : undefined;
    if (prefix !== undefined) {
      return { setting: key, expectation: `a setting Strimzi lets you set (it sets '${prefix}${prefix.endsWith('.') ? '*' : ''}' itself)`, value: key };
    }
    return KafkaConfig.brokerSettingProblem(key, value);
  }

  /**
   * What is wrong with a cluster's broker settings together, for `nodes` nodes (each setting checked already), or
   * undefined: a replication factor above the nodes, a `min.insync.replicas` above the consumer offsets topic's
   * replication factor (every offset commit would fail), an internal topic's min ISR above its replication factor.
   * Settings not given take `replicationDefaults(nodes)`.
   */
  public static brokerSettingsProblem(settings: { [key: string]: string }, nodes: number): KafkaSettingProblem | undefined {
    const all: { [key: string]: string } = { ...KafkaConfig.replicationDefaults(nodes), ...settings };
    const n = (key: string) => Number(all[key]);
    for (const key of ['default.replication.factor', 'offsets.topic.replication.factor', 'transaction.state.log.replication.factor',
      'share.coordinator.state.topic.replication.factor']) {
      if (n(key) > nodes) return { setting: key, expectation: `at most the brokers (${nodes})`, value: all[key] };
    }
    if (n('min.insync.replicas') > n('offsets.topic.replication.factor')) {
      return {
        setting: 'min.insync.replicas',
        expectation: `at most offsets.topic.replication.factor (${all['offsets.topic.replication.factor']}): the consumer offsets topic takes the brokers' min.insync.replicas, and every offset commit would fail with NOT_ENOUGH_REPLICAS`,
        value: all['min.insync.replicas'],
      };
    }
    for (const [isr, rf] of [['transaction.state.log.min.isr', 'transaction.state.log.replication.factor'],
      ['share.coordinator.state.topic.min.isr', 'share.coordinator.state.topic.replication.factor']]) {
      if (n(isr) > n(rf)) return { setting: isr, expectation: `at most ${rf} (${all[rf]})`, value: all[isr] };
    }
    return undefined;
  }

  /**
   * What Kafka refuses in one topic setting (`kafka-topics.sh --config`, or a `KafkaTopic`'s `spec.config`), or
   * undefined: a name Kafka 4.3 does not know (Kafka refuses it: `Unknown topic config name`), or a value its
   * validator refuses (`retention.ms` an integer of at least -1, `cleanup.policy` a list of `compact` and `delete`,
   * `compression.type` one of Kafka's codecs, `segment.bytes` at least 1 MiB, …).
   */
  public static topicSettingProblem(key: string, value: string): KafkaSettingProblem | undefined {
    const form = formProblem(key, value, true);
    if (form) return form;
    if (!Object.prototype.hasOwnProperty.call(TOPIC_SETTINGS, key)) {
      return { setting: key, expectation: 'a topic setting Kafka 4.3 knows (KafkaConfig.topicSettingNames())', value: key };
    }
    return ruleProblem(TOPIC_SETTINGS, key, value);
  }

  /**
   * What is wrong with a topic's settings, or undefined: each setting (`topicSettingProblem`), then the rules
   * between them and the topic: its `min.insync.replicas` at most its replication factor (else every `acks=all`
   * write fails with NOT_ENOUGH_REPLICAS), `min.compaction.lag.ms` at most `max.compaction.lag.ms`, and
   * `remote.storage.enable=true` only on a cluster with tiered storage (`remoteStorage`: false when the cluster is
   * known to have none, undefined when unknown).
   */
  public static topicSettingsProblem(settings: { [key: string]: string }, replicationFactor: number,
    remoteStorage?: boolean): KafkaSettingProblem | undefined {
    for (const key of Object.keys(settings).sort()) {
      const p = KafkaConfig.topicSettingProblem(key, settings[key]);
      if (p) return p;
    }
    const minIsr = settings['min.insync.replicas'];
    if (minIsr !== undefined && Number(minIsr) > replicationFactor) {
      return {
        setting: 'min.insync.replicas',
        expectation: `at most the topic's replication factor (${replicationFactor}): with more, every acks=all write fails with NOT_ENOUGH_REPLICAS`,
        value: minIsr,
      };
    }
    const minLag = settings['min.compaction.lag.ms'];
    const maxLag = settings['max.compaction.lag.ms'];
    if (minLag !== undefined && maxLag !== undefined && BigInt(minLag) > BigInt(maxLag)) {
      return { setting: 'min.compaction.lag.ms', expectation: `at most max.compaction.lag.ms (${maxLag})`, value: minLag };
    }
    if (remoteStorage === false && /^true$/i.test(settings['remote.storage.enable'] ?? '')) {
      return {
        setting: 'remote.storage.enable',
        expectation: 'false or unset on a cluster without tiered storage (set remote.log.storage.system.enable=true in the cluster\'s config first)',
        value: settings['remote.storage.enable'],
      };
    }
    return undefined;
  }

  /** The topic settings `topicSettingProblem` knows: Kafka 4.3's topic-level settings. */
  public static topicSettingNames(): string[] {
    return Object.keys(TOPIC_SETTINGS);
  }

  /** Throws when Kafka would refuse a topic setting (`topicSettingProblem`). */
  public static checkTopicConfig(topic: string, key: string, value: string): void {
    const problem = KafkaConfig.topicSettingProblem(key, value);
    if (problem) throw new Error(`topic '${topic}': setting '${problem.setting}' must be ${problem.expectation}, got ${showValue(problem.value)}`);
  }
}

/**
 * A problem with a Kafka setting, as the `*Problem` methods of `KafkaConfig` report it: which setting, what it must
 * be, and the value given (the name itself, when the name is the problem).
 */
export interface KafkaSettingProblem {
  /** The setting. */
  readonly setting: string;
  /** What it must be, completing "must be …". */
  readonly expectation: string;
  /**
   * The value given (or the name, when the name is wrong).
   *
   * @default - none was given
   */
  readonly value?: any;
}

function formProblem(key: string, value: string, nonEmpty: boolean): KafkaSettingProblem | undefined {
  if (typeof key !== 'string' || !/^[a-z0-9]+([._-][a-z0-9]+)*$/.test(key)) return { setting: String(key), expectation: 'a setting name of dotted lowercase words', value: key };
  if (typeof value !== 'string' || /[\r\n]/.test(value) || (nonEmpty && value.length === 0)) {
    return { setting: key, expectation: `a ${nonEmpty ? 'non-empty ' : ''}one-line string`, value };
  }
  return undefined;
}

function ruleProblem(rules: { readonly [key: string]: SettingRule }, key: string, value: string): KafkaSettingProblem | undefined {
  const rule = Object.prototype.hasOwnProperty.call(rules, key) ? rules[key] : undefined;
  const expectation = rule?.(value);
  return expectation === undefined ? undefined : { setting: key, expectation, value };
}

/** A Java properties value: backslashes escaped, a leading space kept. */
function escapeValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/^ /, '\\ ');
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, '\'\\\'\'')}'`;
}
