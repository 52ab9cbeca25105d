import * as kplus from 'cdk8s-plus-27';
import { ConfigSync } from './_config-sync';
import { CustomContainer } from './_container';
import { SidecarHost, SidecarPreset } from './_host';
import { HttpsTerminator } from './_https-terminator';
import { ProcessInspector } from './_process-inspector';
import { ConfigSyncOptions, HttpsTerminatorOptions, ProcessInspectorOptions, SidecarContainerOptions } from './options';

/**
 * A sidecar for `SidecarPod.addSidecar`: one of the presets or any container.
 */
export class Sidecar {
  /**
   * nginx (unprivileged build) terminating TLS with the certificate of a Secret and proxying plain HTTP to the
   * app on `127.0.0.1`: the book's "adding HTTPS to a legacy service". The config is
   * `NginxConfig.tlsProxy` (TLS 1.2+, ECDHE+AEAD ciphers, X-Forwarded-* headers). The pod's NetworkPolicy then
   * admits the clients to the TLS (and redirect) port only, never to the app's plain port; where the app allows it,
   * bind it to `127.0.0.1` as well, so nothing outside the pod reaches it whatever the policy.
   */
  public static httpsTerminator(options: HttpsTerminatorOptions): Sidecar {
    return new Sidecar(new HttpsTerminator(options));
  }

  /**
   * git-sync keeping a git repository checked out in a volume the app reads: the book's "dynamic
   * configuration" sidecar.
   */
  public static configSync(options: ConfigSyncOptions): Sidecar {
    return new Sidecar(new ConfigSync(options));
  }

  /**
   * A process inspector: per-process CPU, memory, threads and open files of every container of the pod, as
   * Prometheus metrics (process-exporter, a maintained successor of the book's topz). Turns on
   * `shareProcessNamespace`, so it sees the other containers' processes.
   */
  public static processInspector(options: ProcessInspectorOptions = {}): Sidecar {
    return new Sidecar(new ProcessInspector(options));
  }

  /** Any container, run with the pod's restricted security context. */
  public static container(options: SidecarContainerOptions): Sidecar {
    return new Sidecar(new CustomContainer(options));
  }

  private constructor(private readonly preset: SidecarPreset) {}

  /**
   * Adds the sidecar's containers, volumes and config to `host`.
   *
   * @internal
   */
  public _bind(host: SidecarHost): AddedSidecar {
    return this.preset._bind(host);
  }
}

/**
 * What `SidecarPod.addSidecar` added.
 */
export interface AddedSidecar {
  /** The sidecar container. */
  readonly container: kplus.Container;
  /**
   * An init container that runs first (git-sync's initial clone).
   *
   * @default - none
   */
  readonly initContainer?: kplus.Container;
  /**
   * The ConfigMap holding its rendered config.
   *
   * @default - none
   */
  readonly configMap?: kplus.ConfigMap;
  /** The pod volumes it added (config, secret, shared and writable volumes). */
  readonly volumes: kplus.Volume[];
}

