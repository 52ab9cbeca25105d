/**
 * KafkaWorkflow with `KafkaSecurity.saslSsl`: the embedded brokers' listeners are SASL_SSL (PLAIN) everywhere, the
 * Secrets are mounted as files (never in argv, env or a ConfigMap on the brokers), and every client the workflow
 * makes — the stream processor stages, a custom stage, the topics Job — connects with TLS and the client user.
 */
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parse } from 'yaml';
import {
  CustomStageEnv, FunctionCode, FunctionPipeline, FunctionRuntime, KafkaCluster, KafkaConfig, KafkaSecurity, KafkaWorkflow, PipelineDelivery,
} from '../../../src';
import { one, ofKind, synthValid } from '../../harness';

function secured(c: Chart, extra: { brokers?: number } = {}): KafkaWorkflow {
  const security = KafkaSecurity.saslSsl({
    tlsSecret: kplus.Secret.fromSecretName(c, 'Tls', 'orders-kafka-tls'),
    passwordsSecret: kplus.Secret.fromSecretName(c, 'Passwords', 'orders-kafka-passwords'),
  });
  const wf = new KafkaWorkflow(c, 'orders', { cluster: KafkaCluster.embedded({ security, ...extra }) });
  wf.addTopic('in', { partitions: 3, source: true });
  wf.addTopic('out', { partitions: 3, sink: true });
  wf.addFilter('keep', { input: 'in', output: 'out', condition: 'this.ok' });
  return wf;
}

function properties(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

const byName = (list: any[] | undefined) => Object.fromEntries((list ?? []).map((x: any) => [x.name, x]));

describe('KafkaWorkflow with KafkaSecurity.saslSsl', () => {
  test('the brokers: every listener SASL_SSL with PLAIN, PEM stores, the Secrets mounted read-only, no password in the ConfigMap', () => {
    // GIVEN
    const c = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    secured(c);

    // WHEN
    const objects = synthValid(c);

    // THEN
    expect(objects).toMatchSnapshot();
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'orders-kafka-config');
    const p = properties(cm.data['server.properties']);
    expect(p.listeners).toBe('SASL_SSL://:9092,CONTROLLER://:9093');
    expect(p['advertised.listeners']).toBe('SASL_SSL://@POD_NAME@.orders-kafka.@POD_NAMESPACE@.svc:9092');
    expect(p['listener.security.protocol.map']).toBe('CONTROLLER:SASL_SSL,SASL_SSL:SASL_SSL');
    expect(p['inter.broker.listener.name']).toBe('SASL_SSL');
    expect(p['sasl.enabled.mechanisms']).toBe('PLAIN');
    expect(p['sasl.mechanism.inter.broker.protocol']).toBe('PLAIN');
    expect(p['sasl.mechanism.controller.protocol']).toBe('PLAIN');
    expect(p['ssl.keystore.type']).toBe('PEM');
    expect(p['ssl.keystore.location']).toBe('/run/kafka-auth/keystore.pem');
    expect(p['ssl.truststore.type']).toBe('PEM');
    expect(p['ssl.truststore.location']).toBe('/run/secrets/kafka-tls/ca.crt');
    // the JAAS settings (with the passwords) are appended at start, never in the ConfigMap
    expect(Object.keys(p).filter((k) => k.includes('jaas'))).toEqual([]);
    expect(cm.data['start.sh']).toContain('/bin/sh /etc/kafka-workflow/kafka-auth.sh broker /run/secrets/kafka-tls /run/secrets/kafka-passwords /run/kafka-auth/server.properties /run/kafka-auth/keystore.pem');
    expect(cm.data['start.sh']).toContain('exec "$KAFKA_HOME/bin/kafka-server-start.sh" /run/kafka-auth/server.properties');
    expect(cm.data['kafka-auth.sh']).toMatch(/^#!\/bin\/sh\n/);

    const sts = one(objects, 'StatefulSet');
    expect(sts.metadata.annotations[KafkaSecurity.ANNOTATION]).toBe('sasl-ssl orders-kafka-tls orders-kafka-passwords');
    const volumes = byName(sts.spec.template.spec.volumes);
    expect(volumes['kafka-tls'].secret).toEqual({
      secretName: 'orders-kafka-tls',
      defaultMode: 0o440,
      items: [{ key: 'ca.crt', path: 'ca.crt' }, { key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }],
    });
    expect(volumes['kafka-passwords'].secret).toEqual({
      secretName: 'orders-kafka-passwords',
      defaultMode: 0o440,
      items: [{ key: 'broker-password', path: 'broker-password' }, { key: 'client-password', path: 'client-password' }],
    });
    expect(volumes['kafka-auth'].emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Mi' });
    const kafka = sts.spec.template.spec.containers[0];
    const mounts = Object.fromEntries(kafka.volumeMounts.map((m: any) => [m.name, m]));
    expect(mounts['kafka-tls']).toEqual({ name: 'kafka-tls', mountPath: '/run/secrets/kafka-tls', readOnly: true });
    expect(mounts['kafka-passwords']).toEqual({ name: 'kafka-passwords', mountPath: '/run/secrets/kafka-passwords', readOnly: true });
    expect(mounts['kafka-auth'].mountPath).toBe('/run/kafka-auth');
    // no Secret reaches the broker's environment or argv
    expect(JSON.stringify(kafka.env)).not.toContain('secretKeyRef');
    expect(kafka.command).toEqual(['/bin/sh', '/etc/kafka-workflow/start.sh']);
  });

  test('a stage: kafka_franz with TLS (the CA only) and SASL/PLAIN as the client user, the password from a secretKeyRef', () => {
    // GIVEN
    const c = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    secured(c);

    // WHEN
    const objects = synthValid(c);

    // THEN
    const config = parse(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'orders-keep-config').data['config.yaml']);
    const tls = { enabled: true, root_cas_file: '/run/secrets/kafka-ca/ca.crt' };
    const sasl = [{ mechanism: 'PLAIN', username: 'client', password: '${KAFKA_SASL_PASSWORD}' }];
    expect(config.input.kafka_franz.tls).toEqual(tls);
    expect(config.input.kafka_franz.sasl).toEqual(sasl);
    expect(config.output.reject_errored.kafka_franz.tls).toEqual(tls);
    expect(config.output.reject_errored.kafka_franz.sasl).toEqual(sasl);
    const dep = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'orders-keep');
    const bento = dep.spec.template.spec.containers[0];
    expect(bento.env).toEqual([{ name: 'KAFKA_SASL_PASSWORD', valueFrom: { secretKeyRef: { name: 'orders-kafka-passwords', key: 'client-password' } } }]);
    expect(bento.volumeMounts).toContainEqual({ name: 'kafka-ca', mountPath: '/run/secrets/kafka-ca', readOnly: true });
    // only the CA of the TLS Secret: the brokers' private key never reaches a client pod
    expect(byName(dep.spec.template.spec.volumes)['kafka-ca'].secret).toEqual({
      secretName: 'orders-kafka-tls', defaultMode: 0o444, items: [{ key: 'ca.crt', path: 'ca.crt' }],
    });
  });

  test('the topics Job: an init container writes the client properties from the password file; kafka-topics reads them', () => {
    // GIVEN
    const c = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    secured(c);

    // WHEN
    const objects = synthValid(c);

    // THEN
    const job = one(objects, 'Job');
    const spec = job.spec.template.spec;
    expect(spec.initContainers.map((i: any) => i.name)).toEqual(['kafka-auth']);
    const init = spec.initContainers[0];
    expect(init.command).toEqual(['/bin/sh', '/etc/kafka-workflow-topics/kafka-auth.sh', 'client', '/run/secrets/kafka-ca/ca.crt',
      '/run/secrets/kafka-client/password', '/run/kafka-auth/client.properties']);
    expect(init.env).toBeUndefined();
    const volumes = byName(spec.volumes);
    expect(volumes['kafka-client-password'].secret).toEqual({
      secretName: 'orders-kafka-passwords', defaultMode: 0o440, items: [{ key: 'client-password', path: 'password' }],
    });
    expect(volumes['kafka-auth'].emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Mi' });
    const main = spec.containers[0];
    expect(main.volumeMounts).toContainEqual({ name: 'kafka-auth', mountPath: '/run/kafka-auth', readOnly: true });
    expect(main.volumeMounts).toContainEqual({ name: 'kafka-ca', mountPath: '/run/secrets/kafka-ca', readOnly: true });
    expect(main.volumeMounts.map((m: any) => m.name)).not.toContain('kafka-client-password');
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'orders-topics');
    expect(cm.data['create-topics.sh']).toContain('--bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" --command-config /run/kafka-auth/client.properties "$@"');
    expect(cm.data['kafka-auth.sh']).toBe(objects.find((o) => o.metadata.name === 'orders-kafka-config').data['kafka-auth.sh']);
  });

  test('a custom stage finds the security settings in its environment', () => {
    // GIVEN
    const c = new Chart(Testing.app(), 'test');
    const wf = secured(c);
    wf.addCustom('mine', { inputs: ['out'], outputs: [], container: { image: 'example/mine:1.0' } });

    // WHEN
    const dep = synthValid(c).find((o) => o.kind === 'Deployment' && o.metadata.name === 'orders-mine');

    // THEN
    const env = byName(dep.spec.template.spec.containers[0].env);
    expect(env[CustomStageEnv.SECURITY_PROTOCOL].value).toBe('SASL_SSL');
    expect(env[CustomStageEnv.SASL_MECHANISM].value).toBe('PLAIN');
    expect(env[CustomStageEnv.SASL_USERNAME].value).toBe('client');
    expect(env[CustomStageEnv.SASL_PASSWORD].valueFrom).toEqual({ secretKeyRef: { name: 'orders-kafka-passwords', key: 'client-password' } });
    expect(env[CustomStageEnv.SSL_CA_FILE].value).toBe('/run/secrets/kafka-ca/ca.crt');
  });

  test('a function pipeline delivered through a secured cluster: its stages connect with TLS and SASL', () => {
    // GIVEN
    const c = new Chart(Testing.app(), 'test', { namespace: 'signup' });
    const security = KafkaSecurity.saslSsl({
      tlsSecret: kplus.Secret.fromSecretName(c, 'Tls', 'signup-kafka-tls'),
      passwordsSecret: kplus.Secret.fromSecretName(c, 'Passwords', 'signup-kafka-passwords'),
    });
    const pipeline = new FunctionPipeline(c, 'signup', {
      name: 'signup',
      delivery: PipelineDelivery.kafka({ cluster: KafkaCluster.embedded({ brokers: 1, security }) }),
    });
    pipeline.addFunction('hello', { code: FunctionCode.fromInline('def handler(context):\n    return context\n', FunctionRuntime.PYTHON) });

    // WHEN
    const objects = synthValid(c);

    // THEN every stream processor config of the pipeline's workflow has TLS and SASL on its inputs
    const configs = objects.filter((o) => o.kind === 'ConfigMap' && o.data?.['config.yaml']).map((o) => parse(o.data['config.yaml']));
    expect(configs.length).toBeGreaterThan(0);
    for (const config of configs) {
      expect(config.input.kafka_franz.tls).toEqual({ enabled: true, root_cas_file: '/run/secrets/kafka-ca/ca.crt' });
      expect(config.input.kafka_franz.sasl[0]).toMatchObject({ mechanism: 'PLAIN', username: 'client' });
    }
  });

  test('without security the output is PLAINTEXT, unannotated, and has no auth files', () => {
    // GIVEN
    const c = new Chart(Testing.app(), 'test');
    const wf = new KafkaWorkflow(c, 'orders', { cluster: KafkaCluster.embedded({ security: KafkaSecurity.none() }) });
    wf.addTopic('in', { source: true, sink: true });

    // WHEN
    const objects = synthValid(c);

    // THEN
    const sts = one(objects, 'StatefulSet');
    expect(sts.metadata.annotations?.[KafkaSecurity.ANNOTATION]).toBeUndefined();
    const cm = objects.find((o) => o.metadata.name === 'orders-kafka-config');
    expect(properties(cm.data['server.properties']).listeners).toBe('PLAINTEXT://:9092,CONTROLLER://:9093');
    expect(Object.keys(cm.data).sort()).toEqual(['server.properties', 'start.sh']);
    expect(ofKind(objects, 'Job')[0].spec.template.spec.initContainers).toBeUndefined();
  });

  test('KafkaConfig renders the SASL_SSL properties and refuses the overrides it sets', () => {
    const text = KafkaConfig.kraftServerProperties({
      controllers: ['k-0.k:9093'], advertisedHost: 'k-0.k', logDir: '/data', saslSsl: { keystore: '/a/keystore.pem', truststore: '/b/ca.crt' },
    });
    expect(properties(text).listeners).toBe('SASL_SSL://:9092,CONTROLLER://:9093');
    expect(() => KafkaConfig.kraftServerProperties({
      controllers: ['k-0.k:9093'],
      advertisedHost: 'k-0.k',
      logDir: '/data',
      saslSsl: { keystore: '/a/keystore.pem', truststore: '/b/ca.crt' },
      overrides: { 'listener.name.sasl_ssl.plain.sasl.jaas.config': 'x' },
    })).toThrow("broker setting 'listener.name.sasl_ssl.plain.sasl.jaas.config' must be a setting other than the SASL mechanisms");
    expect(KafkaConfig.saslSslOverrideProblem('ssl.keystore.location', '/x')?.setting).toBe('ssl.keystore.location');
    expect(KafkaConfig.saslSslOverrideProblem('num.network.threads', '3')).toBeUndefined();
  });
});
