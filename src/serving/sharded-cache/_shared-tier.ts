import * as kplus from 'cdk8s-plus-27';
import { BoundShardedCacheProxy, ShardedCacheProxyHost } from './_host';
import { applyPodOptions } from '../../blocks/_pod-options';
import { RestrictedWorkloads } from '../../blocks/_restricted-workload';
import { resourcesOr } from '../../core/_resources';
import { Availability } from '../../core/availability';
import { PropCheck } from '../../core/errors';
import { ContainerImages, ImageKey } from '../../core/images';
import { RecommendedLabels } from '../../core/labels';

/** The default resources of a shared-tier proxy (it serves many clients, so more than an ambassador). */
export const SHARED_TIER_RESOURCES = { cpu: ['100m', '1000m'], memory: ['64Mi', '256Mi'] } as const;

/** The book's `shard-router`: a replicated twemproxy Deployment `<baseName>-proxy` behind the Service `<baseName>`. */
export function bindSharedTier(host: ShardedCacheProxyHost, replicas: number, exposeStats: boolean): BoundShardedCacheProxy {
  const scope = host.scope;
  PropCheck.integer(scope, 'proxy.replicas', 1, 100, 2, replicas);
  PropCheck.boolean(scope, 'proxy.exposeStats', false, exposeStats);
  const name = `${host.baseName}-proxy`;
  const selector = RecommendedLabels.selector(host.proxyLabels);
  const labels = RecommendedLabels.of(host.proxyLabels);
  const user = ContainerImages.user(ImageKey.TWEMPROXY);
  const deployment = RestrictedWorkloads.deployment(scope, 'Proxy', {
    name, labels, selector, replicas, uid: user.uid, gid: user.gid, strategy: Availability.surgeOnly(),
  });
  host.addProxy(deployment, {
    id: 'Proxy',
    containerName: 'twemproxy',
    exposeStats,
    exposeListen: true,
    resources: resourcesOr(host.proxyResources, SHARED_TIER_RESOURCES),
  });
  applyPodOptions(deployment, host.pod);
  RestrictedWorkloads.availability(scope, deployment, selector, labels, { replicas, pod: host.pod });
  // The name clients use is the cache's base name.
  const service = new kplus.Service(scope, 'Service', {
    metadata: { name: host.baseName, labels },
    selector: kplus.Pods.select(scope, 'ProxyPods', { labels: selector }),
    ports: [{ name: host.portName, port: host.port, targetPort: host.port }],
  });
  const endpoint = `${service.name}:${host.port}`;
  return {
    endpoint,
    deployment,
    service,
    addClient: () => {
      throw new Error(`${PropCheck.where(scope)}: addClient needs ShardedCacheProxy.ambassador(); with the shared tier clients use '${endpoint}'`);
    },
  };
}
