import * as kplus from 'cdk8s-plus-27';
import { BoundShardedCacheProxy, ShardedCacheProxyHost } from './_host';
import { RestrictedWorkloads } from '../../blocks/_restricted-workload';
import { containerResources } from '../../core/_resources';
import { Availability } from '../../core/availability';
import { PropCheck } from '../../core/errors';
import { ContainerImages, ImageKey } from '../../core/images';
import { RecommendedLabels } from '../../core/labels';

/** The book's `shard-router`: a replicated twemproxy Deployment `<baseName>-proxy` behind the Service `<baseName>`. */
export function bindSharedTier(host: ShardedCacheProxyHost, replicas: number, exposeStats: boolean): BoundShardedCacheProxy {
  const scope = host.scope;
  PropCheck.integer(scope, 'proxy.replicas', 1, 100, 2, replicas);
  const name = `${host.baseName}-proxy`;
  const labelOptions = { name: 'twemproxy', instance: host.baseName, component: 'proxy' };
  const selector = RecommendedLabels.selector(labelOptions);
  const labels = RecommendedLabels.of(labelOptions);
  const user = ContainerImages.user(ImageKey.TWEMPROXY);
  const deployment = RestrictedWorkloads.deployment(scope, 'Proxy', {
    name, labels, selector, replicas, uid: user.uid, gid: user.gid, strategy: Availability.surgeOnly(),
  });
  host.addProxy(deployment, {
    id: 'Proxy',
    exposeStats,
    exposeListen: true,
    resources: containerResources({ cpu: ['100m', '1000m'], memory: ['64Mi', '256Mi'] }),
  });
  RestrictedWorkloads.availability(scope, deployment, selector, labels, { replicas });
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
