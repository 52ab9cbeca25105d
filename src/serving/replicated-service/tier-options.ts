import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { TlsVersion } from '../../config/nginx';

/**
 * Options for `ReplicatedService.addCacheTier`.
 *
 * @see https://varnish-cache.org/docs/7.6/
 */
export interface CacheTierOptions {
  /**
   * The number of varnish replicas (each has its own cache).
   *
   * @default 2
   */
  readonly replicas?: number;
  /**
   * The container port varnish listens on (at least 1024).
   *
   * @default 6081
   */
  readonly port?: number;
  /**
   * The port of the cache tier's Service.
   *
   * @default 80
   */
  readonly servicePort?: number;
  /**
   * The cache size (`-s malloc,<size>`).
   *
   * @default Size.mebibytes(256)
   */
  readonly cacheSize?: Size;
  /**
   * The varnish container's resources. varnish needs memory beyond the cache (threads, workspaces, transient
   * objects): a memory limit must be at least `cacheSize` + 64Mi. Give the memory request equal to the limit, so
   * the cache is not something the pod is evicted for.
   *
   * @default - requests 100m CPU and cacheSize + 128Mi memory, limits 1 CPU and the same memory; ephemeral storage 128Mi request, 576Mi limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * How long responses without caching headers are cached.
   *
   * @default Duration.minutes(2)
   */
  readonly ttl?: Duration;
  /**
   * How long an expired object may still be served while it is refreshed or while the app is sick.
   *
   * @default Duration.hours(1)
   */
  readonly grace?: Duration;
  /**
   * The path varnish probes on the app (through the app's Service).
   *
   * @default - the path of the app's readiness probe (required when that is not an HTTP GET)
   */
  readonly probePath?: string;
  /**
   * How often varnish probes the app.
   *
   * @default Duration.seconds(5)
   */
  readonly probeInterval?: Duration;
}

/**
 * Options for `ReplicatedService.addTlsTier`.
 */
export interface TlsTierOptions {
  /**
   * The edge certificate: a `kubernetes.io/tls` Secret (`tls.crt`, `tls.key`). It is the tier's own, distinct
   * from any certificate inside the cluster.
   */
  readonly secret: kplus.ISecret;
  /**
   * The number of nginx replicas.
   *
   * @default 2
   */
  readonly replicas?: number;
  /**
   * The HTTPS container port (at least 1024).
   *
   * @default 8443
   */
  readonly port?: number;
  /**
   * The port of the TLS tier's Service.
   *
   * @default 443
   */
  readonly servicePort?: number;
  /**
   * A plain-HTTP container port that redirects to HTTPS (Service port 80).
   *
   * @default - no plain-HTTP port
   */
  readonly redirectHttpPort?: number;
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
   * The nginx container's resources.
   *
   * @default - requests 100m CPU and 64Mi memory, limits 1 CPU and 128Mi memory; ephemeral storage 32Mi request, 192Mi limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * The type of the TLS tier's Service (the one clients reach).
   *
   * @default kplus.ServiceType.CLUSTER_IP
   */
  readonly serviceType?: kplus.ServiceType;
  /**
   * A per-client request rate limit: requests per second each client address may make through each nginx replica
   * (a client that reaches two replicas gets twice the rate). Above it (and `rateLimitBurst`) nginx answers
   * `429 Too Many Requests` with `Retry-After: 1` and the request never reaches the tier behind. The client
   * address is the connection's: clients behind one NAT share a limit, and behind a `LoadBalancer` Service keep
   * the source address (`externalTrafficPolicy: Local`) or every client a node forwards counts as that node.
   *
   * @default - no rate limit
   * @see https://nginx.org/en/docs/http/ngx_http_limit_req_module.html
   */
  readonly rateLimitPerSecond?: number;
  /**
   * How many requests above `rateLimitPerSecond` a client may send at once before it is refused (served at once,
   * not delayed). Only with `rateLimitPerSecond`.
   *
   * @default 0 (every request above the rate is refused)
   */
  readonly rateLimitBurst?: number;
}

/**
 * One tier in front of the app, as added by `addCacheTier` or `addTlsTier`.
 */
export interface ServiceTier {
  /** The tier's Deployment. */
  readonly deployment: kplus.Deployment;
  /** The tier's Service. */
  readonly service: kplus.Service;
  /** The ConfigMap holding the tier's rendered config (VCL or nginx.conf). */
  readonly configMap: kplus.ConfigMap;
  /** The rendered config. */
  readonly configText: string;
  /** The container port. */
  readonly port: number;
  /** The Service port. */
  readonly servicePort: number;
  /** The Service name the tier sends its requests to (the cache tier's, else the app's). */
  readonly upstreamHost: string;
  /** That Service's port. */
  readonly upstreamPort: number;
  /**
   * The tier's PodDisruptionBudget (with more than one replica).
   *
   * @default - none
   */
  readonly podDisruptionBudget?: kplus.k8s.KubePodDisruptionBudget;
}
