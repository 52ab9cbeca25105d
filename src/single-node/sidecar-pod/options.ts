import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { GitCredentials } from './git-credentials';
import { TlsVersion } from '../../config/nginx';

// The options of the `Sidecar` presets (public types; the presets themselves are the internal `_*.ts` files).

/**
 * Where a container mounts a shared volume.
 */
export interface SharedMount {
  /** The name of a shared volume of the pod. */
  readonly volume: string;
  /** The absolute path in the container. */
  readonly path: string;
  /**
   * Mount it read-only.
   *
   * @default false
   */
  readonly readOnly?: boolean;
}

/**
 * A port a sidecar listens on.
 */
export interface SidecarPort {
  /** The container port. Every container of the pod shares one network namespace: ports are unique in the pod. */
  readonly number: number;
  /** The port name (an IANA service name: at most 15 characters, lowercase letters, digits, '-'). */
  readonly name: string;
  /**
   * Include the port in the Service made by `exposeViaService()` when no ports are named there.
   *
   * @default false
   */
  readonly expose?: boolean;
  /**
   * The Service port that targets it.
   *
   * @default - the container port
   */
  readonly servicePort?: number;
}

/**
 * Options for `Sidecar.container`: any container run next to the app, in the vocabulary of `AppContainerProps`
 * (with a list of ports, which a sidecar may have several of, and shared mounts).
 */
export interface SidecarContainerOptions {
  /** The container name (a DNS-1123 label, unique in the pod). */
  readonly name: string;
  /** The image, pinned to a tag or digest (never `latest`). */
  readonly image: string;
  /**
   * The non-root uid it runs as (`runAsUser`).
   *
   * @default 1000
   */
  readonly uid?: number;
  /**
   * The gid it runs as.
   *
   * @default - the uid
   */
  readonly gid?: number;
  /**
   * The entrypoint.
   *
   * @default - the image's
   */
  readonly command?: string[];
  /**
   * The arguments.
   *
   * @default - the image's
   */
  readonly args?: string[];
  /**
   * The working directory.
   *
   * @default - the image's
   */
  readonly workingDir?: string;
  /**
   * Environment variables: literals (`kplus.EnvValue.fromValue('x')`) or references to Secrets, ConfigMaps and
   * fields (`kplus.EnvValue.fromSecretValue({ secret, key })`).
   *
   * @default - none
   */
  readonly env?: { [name: string]: kplus.EnvValue };
  /**
   * The ports it listens on.
   *
   * @default - none
   */
  readonly ports?: SidecarPort[];
  /**
   * Shared volumes it mounts.
   *
   * @default - none
   */
  readonly mounts?: SharedMount[];
  /**
   * Paths it writes to (each gets its own emptyDir: the root filesystem is read-only).
   *
   * @default ['/tmp']
   */
  readonly writableDirs?: string[];
  /**
   * Resource requests and limits.
   *
   * @default - requests 10m CPU and 32Mi memory, limit 128Mi memory; ephemeral storage 16Mi request, 64Mi limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * A readiness probe (a probe that names no port probes the first of `ports`). A sidecar that is not ready takes
   * the whole pod out of its Service: give one only to a sidecar that serves the pod's traffic.
   *
   * @default - none
   */
  readonly readiness?: kplus.Probe;
  /**
   * A liveness probe (a probe that names no port probes the first of `ports`).
   *
   * @default - none
   */
  readonly liveness?: kplus.Probe;
  /**
   * A startup probe (a probe that names no port probes the first of `ports`).
   *
   * @default - none
   */
  readonly startup?: kplus.Probe;
}

/**
 * Options for `Sidecar.httpsTerminator`.
 */
export interface HttpsTerminatorOptions {
  /**
   * A `kubernetes.io/tls` Secret (keys `tls.crt` and `tls.key`), e.g. from cert-manager. nginx reads it at
   * start: roll the pods after a renewal.
   */
  readonly secret: kplus.ISecret;
  /**
   * The HTTPS container port (at least 1024: nginx runs unprivileged).
   *
   * @default 8443
   */
  readonly port?: number;
  /**
   * The Service port for HTTPS.
   *
   * @default 443
   */
  readonly servicePort?: number;
  /**
   * A plain-HTTP container port that redirects every request to HTTPS (Service port 80).
   *
   * @default - no plain-HTTP port
   */
  readonly redirectHttpPort?: number;
  /**
   * The app port nginx proxies to on `127.0.0.1`.
   *
   * @default - the pod's `port`
   */
  readonly appPort?: number;
  /**
   * The lowest TLS version accepted.
   *
   * @default TlsVersion.TLS_1_2
   */
  readonly minTlsVersion?: TlsVersion;
  /**
   * Send `Strict-Transport-Security` with this max-age.
   *
   * @default - no HSTS header
   */
  readonly hstsMaxAge?: Duration;
  /**
   * The container name.
   *
   * @default "https"
   */
  readonly containerName?: string;
  /**
   * Resource requests and limits.
   *
   * @default - requests 50m CPU and 32Mi memory, limit 128Mi memory; ephemeral storage 16Mi request, 64Mi limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly resources?: kplus.ContainerResources;
}

/**
 * Options for `Sidecar.configSync`.
 *
 * @see https://github.com/kubernetes/git-sync/tree/v4.3.0#parameters
 */
export interface ConfigSyncOptions {
  /** The repository URL (`https://…`, `ssh://…`, `git@host:path` or `file://…`). */
  readonly repository: string;
  /**
   * The branch, tag or commit to check out.
   *
   * @default "HEAD" (the remote's default branch)
   */
  readonly ref?: string;
  /**
   * How often to pull.
   *
   * @default Duration.seconds(60)
   */
  readonly period?: Duration;
  /**
   * Where the app container sees the checkout root (read-only); the current checkout is `<mountPath>/<link>`.
   *
   * @default "/config"
   */
  readonly mountPath?: string;
  /**
   * The name of the symlink that points to the current checkout (git-sync swaps it atomically).
   *
   * @default "current"
   */
  readonly link?: string;
  /**
   * Clone depth (0: the whole history).
   *
   * @default 1
   */
  readonly depth?: number;
  /**
   * Credentials.
   *
   * @default - anonymous
   */
  readonly credentials?: GitCredentials;
  /**
   * A URL git-sync POSTs to after each new checkout, e.g. the app's reload endpoint on `http://127.0.0.1`
   * (git-sync's `--webhook-url`).
   *
   * @default - none: the app watches the files itself
   */
  readonly webhookUrl?: string;
  /**
   * Clone once in an init container before the app starts, so the app never sees an empty directory.
   *
   * @default true
   */
  readonly initialSync?: boolean;
  /**
   * The container (and shared volume) name.
   *
   * @default "config-sync"
   */
  readonly containerName?: string;
  /**
   * A size limit for the checkout volume.
   *
   * @default Size.mebibytes(256)
   */
  readonly sizeLimit?: Size;
  /**
   * Resource requests and limits.
   *
   * @default - requests 10m CPU and 32Mi memory, limit 256Mi memory; ephemeral storage 32Mi request, `sizeLimit` + 64Mi limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly resources?: kplus.ContainerResources;
}

/**
 * Options for `Sidecar.processInspector`.
 */
export interface ProcessInspectorOptions {
  /**
   * The port of the metrics endpoint (`/metrics`).
   *
   * @default 9256
   */
  readonly port?: number;
  /**
   * Listen on the pod IP and include the port in the Service. Otherwise it listens on `127.0.0.1` only:
   * reachable from the pod's containers and through `kubectl port-forward`, not from the network.
   *
   * @default false
   */
  readonly expose?: boolean;
  /**
   * The container name.
   *
   * @default "process-inspector"
   */
  readonly containerName?: string;
  /**
   * Resource requests and limits.
   *
   * @default - requests 10m CPU and 32Mi memory, limit 128Mi memory; ephemeral storage 16Mi request, 64Mi limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly resources?: kplus.ContainerResources;
}
