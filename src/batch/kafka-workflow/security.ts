import * as kplus from 'cdk8s-plus-27';

/**
 * Options for `KafkaSecurity.saslSsl`.
 */
export interface KafkaSaslSslOptions {
  /**
   * The brokers' certificate: keys `tls.crt` (the certificate chain, PEM), `tls.key` (its private key, PKCS#8 PEM:
   * `BEGIN PRIVATE KEY`) and `ca.crt` (the CA that signed it, PEM) — the Secret a cert-manager `Certificate` writes
   * with `privateKey.encoding: PKCS8`. The certificate must name every broker as clients and the other brokers
   * reach it: `*.<base>-kafka.<namespace>.svc` (the advertised hosts) and `*.<base>-kafka.<namespace>.svc.cluster.local`
   * (the controller quorum), with Kafka's default hostname verification.
   */
  readonly tlsSecret: kplus.ISecret;
  /**
   * The SASL/PLAIN passwords: keys `broker-password` (user `broker`: the brokers themselves, inter-broker and
   * controller traffic) and `client-password` (user `client`: the workflow's stages and topics Job). Each one line,
   * without `"` or `\`.
   */
  readonly passwordsSecret: kplus.ISecret;
}

/**
 * How the embedded cluster's listeners are secured: SASL_SSL on every listener, or explicitly none.
 *
 * With `saslSsl`, the client listener (9092, also the inter-broker listener) and the KRaft controller listener
 * (9093) both speak TLS with the certificate of `tlsSecret` and authenticate with SASL/PLAIN against the
 * passwords of `passwordsSecret`: a client without the CA, without credentials, with a wrong password or in
 * plaintext is refused. PLAIN rather than SCRAM because PLAIN's users live in the broker's config, so the controller
 * listener can use it before any metadata exists, and a changed password takes effect at the next restart (SCRAM's
 * credentials live in the cluster metadata, can be seeded only at the first format, and KRaft's controller listener
 * cannot use them); TLS keeps the password off the wire. Passwords are read from the Secrets mounted as files by
 * the start script (`programs/kafka-auth/write-config.sh`), never placed in argv, a ConfigMap or the broker's
 * environment; the stream processor, which reads its config only from a file or its environment, takes the client
 * password from a `secretKeyRef` environment variable.
 *
 * There is no authorizer: every authenticated user may do anything (no ACLs yet).
 *
 * The library cannot make the Secrets itself (its output is deterministic and holds no secret): create them out of
 * band (cert-manager, `kubectl create secret`, Sealed Secrets, External Secrets). A secured broker StatefulSet
 * carries the annotation `distributed-patterns.dev/kafka-security: sasl-ssl <tls secret> <passwords secret>`; an
 * unsecured one says `PLAINTEXT` in its listeners.
 */
export class KafkaSecurity {
  /** The annotation naming a secured cluster's Secrets: `sasl-ssl <tls secret> <passwords secret>`. */
  public static readonly ANNOTATION = 'distributed-patterns.dev/kafka-security';
  /** The SASL user of the brokers themselves. */
  public static readonly BROKER_USER = 'broker';
  /** The SASL user of the workflow's clients (stages, topics Job). */
  public static readonly CLIENT_USER = 'client';

  /**
   * TLS and SASL/PLAIN on every listener, with the certificate and passwords of the given Secrets.
   */
  public static saslSsl(options: KafkaSaslSslOptions): KafkaSecurity {
    return new KafkaSecurity(options ?? {} as KafkaSaslSslOptions);
  }

  /**
   * PLAINTEXT without authentication: anything that reaches the brokers can read and write every topic (the
   * workflow's NetworkPolicies still limit who reaches them). The default.
   */
  public static none(): KafkaSecurity {
    return new KafkaSecurity(undefined);
  }

  /**
   * It is a `KafkaSecurity` (duck-typed: a JavaScript or Python caller may pass anything).
   *
   * @internal
   */
  public static _isSecurity(x: any): x is KafkaSecurity {
    return x instanceof KafkaSecurity;
  }

  /** The brokers' certificate Secret (unset for `none()`). */
  public readonly tlsSecret?: kplus.ISecret;
  /** The passwords Secret (unset for `none()`). */
  public readonly passwordsSecret?: kplus.ISecret;

  /** @internal Made by `saslSsl` (whatever its options hold: a JavaScript caller may give none). */
  public readonly _saslSsl: boolean;

  private constructor(options: KafkaSaslSslOptions | undefined) {
    this._saslSsl = options !== undefined;
    this.tlsSecret = options?.tlsSecret;
    this.passwordsSecret = options?.passwordsSecret;
  }

  /** Whether clients must use TLS and authenticate. */
  public get enabled(): boolean {
    return this._saslSsl;
  }

  /** @internal The value of the annotation (a secured cluster). */
  public _annotation(): string {
    return `sasl-ssl ${this.tlsSecret!.name} ${this.passwordsSecret!.name}`;
  }
}
