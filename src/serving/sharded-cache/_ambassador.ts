import * as kplus from 'cdk8s-plus-27';
import { BoundShardedCacheProxy, ShardedCacheProxyHost } from './_host';
import { PropCheck } from '../../core/errors';

/** twemproxy in each client pod on 127.0.0.1: the cache makes nothing for it, `addClient` adds it. */
export function bindAmbassador(host: ShardedCacheProxyHost): BoundShardedCacheProxy {
  const clients: kplus.AbstractPod[] = [];
  host.scope.node.addValidation({
    validate: () => (clients.length === 0
      ? [`${PropCheck.where(host.scope)}: the ambassador proxy has no clients: call addClient(workload), or use ShardedCacheProxy.sharedTier()`]
      : []),
  });
  return {
    endpoint: `127.0.0.1:${host.port}`,
    addClient: (workload) => {
      if (clients.includes(workload)) throw new Error(`${PropCheck.where(host.scope)}: '${workload.node.path}' is already a client`);
      const container = host.addProxy(workload, { id: `Client${clients.length}`, exposeStats: false });
      clients.push(workload);
      return container;
    },
  };
}
