import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { NginxConfig } from '../config/nginx';
import { VarnishConfig } from '../config/varnish';

// Internal: the readiness of the proxies the library runs in front of an app (ReplicatedService's cache and TLS
// tiers, SidecarPod's HTTPS terminator). Not exported from the package index.

/**
 * An HTTP(S) GET of a path the proxy answers itself (never passed upstream, so an outage behind it does not fail
 * it), every 10 s with a 1 s timeout, out after 3 failures. A hung proxy fails it where a TCP probe passes: the
 * kernel still completes the handshake of a SIGSTOPped process.
 */
function selfAnswered(path: string, port: number, scheme: kplus.ConnectionScheme): kplus.Probe {
  return kplus.Probe.fromHttpGet(path, {
    port,
    scheme,
    periodSeconds: Duration.seconds(10),
    timeoutSeconds: Duration.seconds(1),
    failureThreshold: 3,
  });
}

/** An nginx TLS proxy rendered with `healthPath: NginxConfig.TLS_TIER_HEALTH_PATH`: HTTPS GET of that path. */
export function nginxTlsReadiness(port: number): kplus.Probe {
  return selfAnswered(NginxConfig.TLS_TIER_HEALTH_PATH, port, kplus.ConnectionScheme.HTTPS);
}

/** A varnish rendered with `healthPath: VarnishConfig.CACHE_TIER_HEALTH_PATH`: HTTP GET of that path. */
export function varnishReadiness(port: number): kplus.Probe {
  return selfAnswered(VarnishConfig.CACHE_TIER_HEALTH_PATH, port, kplus.ConnectionScheme.HTTP);
}
