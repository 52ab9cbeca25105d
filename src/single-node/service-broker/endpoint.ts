import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ValueProblem } from '../../core/_value-problems';

/**
 * What a brokered service speaks: its default port, and whether the ambassador may speak TLS to its backend.
 */
export enum BrokeredProtocol {
  /**
   * MySQL or MariaDB (port 3306). TLS to the backend is refused: MySQL negotiates TLS inside its own protocol
   * (the server greets in clear text first), so a TLS proxy cannot speak it; your client's own TLS
   * (`ssl-mode=REQUIRED`) passes through the ambassador untouched.
   */
  MYSQL = 'mysql',
  /**
   * PostgreSQL (port 5432). TLS to the backend is refused: PostgreSQL negotiates TLS inside its own protocol
   * (`SSLRequest`); your client's own TLS (`sslmode=verify-full`) passes through the ambassador untouched.
   */
  POSTGRESQL = 'postgresql',
  /** Redis or Valkey (port 6379). TLS to the backend where it listens with TLS (`tls-port`, managed redis). */
  REDIS = 'redis',
  /** Any TCP protocol (no default port). TLS to the backend where it listens with TLS from the first byte. */
  TCP = 'tcp',
}

/**
 * Where a brokered service lives in one environment: a Service in the cluster, a managed endpoint, an address.
 */
export interface BrokerEndpoint {
  /**
   * The backend's host: a Service of this namespace (`mysql`), of another (`mysql.data`, `mysql.data.svc.cluster.local`),
   * an outside DNS name of three labels or more (`db.example.com`; a two-label name is `service.namespace`, as the pod's DNS search path reads it) or an IPv4 address. Without a port: that is `port`. nginx resolves a
   * name when it starts (a Service's ClusterIP is stable; an outside name whose addresses change needs a pod restart).
   */
  readonly host: string;
  /**
   * The backend's port.
   *
   * @default - the protocol's port (3306, 5432, 6379); required for `BrokeredProtocol.TCP`
   */
  readonly port?: number;
  /**
   * Speak TLS to the backend, verifying its certificate (against `tlsCa`) and its name (`tlsServerName`). The app
   * still speaks plain text to `localhost`. Only for `BrokeredProtocol.REDIS` and `BrokeredProtocol.TCP` (MySQL and
   * PostgreSQL negotiate TLS inside their protocol: use your client's own TLS through the ambassador).
   *
   * @default false
   */
  readonly tls?: boolean;
  /**
   * The name the backend's certificate must carry, also sent as SNI (only with `tls: true`).
   *
   * @default - `host`
   */
  readonly tlsServerName?: string;
  /**
   * The CA that signs the backend's certificate (only with `tls: true`).
   *
   * @default - the CA bundle of the nginx image (public CAs: a managed endpoint's certificate)
   */
  readonly tlsCa?: BrokerCa;
}

/**
 * A service the app reaches on `127.0.0.1:<localPort>`, and its endpoint in each environment.
 */
export interface BrokeredService {
  /**
   * The service's name, e.g. `db` or `cache`: lowercase letters, digits and '_', starting with a letter. The app
   * gets `<NAME>_HOST` (`127.0.0.1`) and `<NAME>_PORT` (`localPort`), e.g. `DB_HOST` and `DB_PORT`: the same in
   * every environment.
   */
  readonly name: string;
  /** What it speaks (its default ports, whether TLS to the backend is possible). */
  readonly protocol: BrokeredProtocol;
  /**
   * The port the app connects to on `127.0.0.1` (1024 or above: nginx runs unprivileged).
   *
   * @default - the protocol's port (3306, 5432, 6379); required for `BrokeredProtocol.TCP`
   */
  readonly localPort?: number;
  /**
   * Environment name (a DNS-1123 label, e.g. `dev`, `prod`) → where the service lives there. Every service names
   * the same environments.
   */
  readonly endpoints: { [environment: string]: BrokerEndpoint };
}

/**
 * The CA certificate (PEM) a brokered backend's certificate is verified against, from a Secret or a ConfigMap of
 * the namespace.
 */
export class BrokerCa {
  /** The key read when none is given. */
  public static readonly DEFAULT_KEY = 'ca.crt';
  /** The file name the key is mounted as. */
  public static readonly FILE = 'ca.crt';

  /** The key `key` of the Secret `secret`. */
  public static fromSecret(secret: kplus.ISecret, key: string = BrokerCa.DEFAULT_KEY): BrokerCa {
    return new BrokerCa('fromSecret', `the key ${key} of the Secret ${secret?.name}`, key, (scope, id, name) => kplus.Volume.fromSecret(scope, id, secret, { name, items: { [key]: { path: BrokerCa.FILE } } }), secret);
  }

  /** The key `key` of the ConfigMap `configMap` (e.g. the cluster's `kube-root-ca.crt`, key `ca.crt`). */
  public static fromConfigMap(configMap: kplus.IConfigMap, key: string = BrokerCa.DEFAULT_KEY): BrokerCa {
    return new BrokerCa('fromConfigMap', `the key ${key} of the ConfigMap ${configMap?.name}`, key, (scope, id, name) => kplus.Volume.fromConfigMap(scope, id, configMap, { name, items: { [key]: { path: BrokerCa.FILE } } }), configMap);
  }

  private constructor(
    private readonly factory: string,
    /** Where the certificate comes from, for docs and comments. */
    public readonly description: string,
    /** The key. */
    public readonly key: string,
    private readonly volume: (scope: Construct, id: string, name: string) => kplus.Volume,
    private readonly source: unknown) {}

  /** @internal What is wrong with the source or key, if anything. */
  public _problem(): ValueProblem | undefined {
    const s = this.source as { name?: unknown } | undefined;
    if (s === undefined || s === null || typeof s.name !== 'string') return { expectation: `BrokerCa.${this.factory}() of a kplus object with a name`, got: this.source };
    if (typeof this.key !== 'string' || !/^[-._a-zA-Z0-9]{1,253}$/.test(this.key)) return { expectation: "a key of letters, digits, '-', '_' and '.'", got: this.key };
    return undefined;
  }

  /** @internal The volume that mounts the certificate as `FILE`. */
  public _bind(scope: Construct, id: string, volumeName: string): kplus.Volume {
    return this.volume(scope, id, volumeName);
  }
}
