import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { NginxConfig } from '../config/nginx';

// Internal: what every nginx TLS proxy the library runs shares (ReplicatedService's TLS tier, SidecarPod's HTTPS
// terminator). Not exported from the package index.

/**
 * The readiness probe of an nginx TLS proxy rendered with `healthPath: NginxConfig.TLS_TIER_HEALTH_PATH`: an HTTPS
 * GET of that path, which nginx answers itself (never passed upstream, so an outage behind it does not fail it),
 * every 10 s with a 1 s timeout, out after 3 failures. A hung nginx fails it where a TCP probe passes: the kernel
 * still completes the handshake of a SIGSTOPped process.
 */
export function nginxTlsReadiness(port: number): kplus.Probe {
  return kplus.Probe.fromHttpGet(NginxConfig.TLS_TIER_HEALTH_PATH, {
    port,
    scheme: kplus.ConnectionScheme.HTTPS,
    periodSeconds: Duration.seconds(10),
    timeoutSeconds: Duration.seconds(1),
    failureThreshold: 3,
  });
}
