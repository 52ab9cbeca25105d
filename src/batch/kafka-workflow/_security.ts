import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { KafkaSecurity } from './security';
import { ResourceNames } from '../../core/names';
import { propError } from '../../core/prop-error';
import { RestrictedSecurity } from '../../core/security';

// Internal: how a SASL_SSL embedded cluster and its clients get their files. The broker mounts both Secrets
// read-only and renders its config (with the passwords) and PEM keystore into a memory-backed emptyDir; a client
// mounts only the CA (`ca.crt` of the TLS Secret), and the client password as a file (topics Job) or a
// `secretKeyRef` variable (the stream processor reads its config from a file or its environment only).

/** The broker's mounted TLS Secret. */
export const KAFKA_TLS_DIR = '/run/secrets/kafka-tls';
/** The broker's mounted passwords Secret. */
export const KAFKA_PASSWORDS_DIR = '/run/secrets/kafka-passwords';
/** The memory-backed emptyDir of the rendered config, keystore or client properties. */
export const KAFKA_AUTH_DIR = '/run/kafka-auth';
/** A client's mounted CA. */
export const KAFKA_CA_DIR = '/run/secrets/kafka-ca';
export const KAFKA_CA_FILE = `${KAFKA_CA_DIR}/ca.crt`;
/** The topics Job's mounted client password. */
export const KAFKA_CLIENT_PASSWORD_DIR = '/run/secrets/kafka-client';
export const KAFKA_CLIENT_PASSWORD_FILE = `${KAFKA_CLIENT_PASSWORD_DIR}/password`;
/** The topics Job's client properties. */
export const KAFKA_CLIENT_PROPERTIES = `${KAFKA_AUTH_DIR}/client.properties`;
/** The variable holding the client password in a stage's container. */
export const KAFKA_SASL_PASSWORD_ENV = 'KAFKA_SASL_PASSWORD';

const TLS_KEYS = ['tls.crt', 'tls.key', 'ca.crt'];
const PASSWORD_KEYS = ['broker-password', 'client-password'];

/** Checks `cluster.security`: a `KafkaSecurity` from its factories whose Secrets have valid names; unset: none. */
export function checkKafkaSecurity(host: Construct, prop: string, value: KafkaSecurity | undefined): KafkaSecurity {
  if (value === undefined) return KafkaSecurity.none();
  if (!KafkaSecurity._isSecurity(value)) {
    throw propError(host, prop, 'a KafkaSecurity (KafkaSecurity.saslSsl({ tlsSecret, passwordsSecret }) or KafkaSecurity.none())', shown(value));
  }
  if (!value.enabled) return value;
  for (const [field, secret] of [['tlsSecret', value.tlsSecret], ['passwordsSecret', value.passwordsSecret]] as const) {
    const s: any = secret;
    if (s === undefined || s === null || typeof s !== 'object' || typeof s.name !== 'string') {
      throw propError(host, `${prop}.${field}`, 'a Secret (kplus.Secret.fromSecretName(scope, id, name))', shown(s));
    }
    if (!ResourceNames.isDnsSubdomain(s.name)) throw propError(host, `${prop}.${field}`, 'a Secret whose name is a DNS-1123 subdomain', s.name);
  }
  return value;
}

/** A value for a message: a construct by its class and name; a primitive by its type only (it may be a password). */
function shown(value: any): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value !== 'object') return `<a ${typeof value}, not shown>`;
  if ('node' in value) return `<a ${value.constructor.name} ${value.name ?? value.node.path}>`;
  return Object.keys(value).length === 0 ? {} : `<an object with ${Object.keys(value).sort().join(', ')}>`;
}

/** The broker's Secret volumes and its memory-backed auth dir, mounted on its container. */
export function mountBrokerSecurity(scope: Construct, container: kplus.Container, security: KafkaSecurity): void {
  const tls = kplus.Volume.fromSecret(scope, 'KafkaTlsVolume', security.tlsSecret!, {
    name: 'kafka-tls', items: Object.fromEntries(TLS_KEYS.map((k) => [k, { path: k }])), defaultMode: 0o440,
  });
  const passwords = kplus.Volume.fromSecret(scope, 'KafkaPasswordsVolume', security.passwordsSecret!, {
    name: 'kafka-passwords', items: Object.fromEntries(PASSWORD_KEYS.map((k) => [k, { path: k }])), defaultMode: 0o440,
  });
  const auth = kplus.Volume.fromEmptyDir(scope, 'KafkaAuthVolume', 'kafka-auth', { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: Size.mebibytes(1) });
  container.mount(KAFKA_TLS_DIR, tls, { readOnly: true });
  container.mount(KAFKA_PASSWORDS_DIR, passwords, { readOnly: true });
  container.mount(KAFKA_AUTH_DIR, auth);
}

/** Mounts the CA of the brokers' certificate (only `ca.crt` of the TLS Secret) on a client container. */
export function mountKafkaCa(scope: Construct, containers: kplus.Container[], security: KafkaSecurity): void {
  const ca = kplus.Volume.fromSecret(scope, 'KafkaCaVolume', security.tlsSecret!, {
    name: 'kafka-ca', items: { 'ca.crt': { path: 'ca.crt' } }, defaultMode: 0o444,
  });
  for (const c of containers) c.mount(KAFKA_CA_DIR, ca, { readOnly: true });
}

/** The client password as a `secretKeyRef` variable (for the stream processor, which cannot read it from a file). */
export function clientPasswordEnv(security: KafkaSecurity): kplus.EnvValue {
  return kplus.EnvValue.fromSecretValue({ secret: security.passwordsSecret!, key: 'client-password' });
}

/** Where the topics Job's init container finds its program, and what it runs as. */
export interface TopicsJobSecurityOptions {
  readonly image: string;
  /** The mounted scripts ConfigMap (`dir`), which holds the kafka-auth program as `program`. */
  readonly scripts: { readonly dir: string; readonly volume: kplus.Volume; readonly program: string };
  readonly user: { readonly uid: number; readonly gid: number };
  readonly resources: kplus.ContainerResources;
}

/**
 * The topics Job's client properties: an init container (the Kafka image's `sh`) runs the kafka-auth program in
 * client mode from the mounted password file into a memory-backed emptyDir the Job's container reads.
 */
export function wireTopicsJobSecurity(scope: Construct, job: kplus.Job, container: kplus.Container, security: KafkaSecurity,
  o: TopicsJobSecurityOptions): void {
  const password = kplus.Volume.fromSecret(scope, 'KafkaClientPasswordVolume', security.passwordsSecret!, {
    name: 'kafka-client-password', items: { 'client-password': { path: 'password' } }, defaultMode: 0o440,
  });
  const auth = kplus.Volume.fromEmptyDir(scope, 'KafkaClientAuthVolume', 'kafka-auth', { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: Size.mebibytes(1) });
  const init = RestrictedSecurity.addInitContainer(job, {
    name: 'kafka-auth',
    image: o.image,
    command: ['/bin/sh', `${o.scripts.dir}/${o.scripts.program}`, 'client', KAFKA_CA_FILE, KAFKA_CLIENT_PASSWORD_FILE, KAFKA_CLIENT_PROPERTIES],
    resources: o.resources,
  }, o.user);
  init.mount(o.scripts.dir, o.scripts.volume, { readOnly: true });
  init.mount(KAFKA_CLIENT_PASSWORD_DIR, password, { readOnly: true });
  init.mount(KAFKA_AUTH_DIR, auth);
  container.mount(KAFKA_AUTH_DIR, auth, { readOnly: true });
  mountKafkaCa(scope, [container], security);
}
