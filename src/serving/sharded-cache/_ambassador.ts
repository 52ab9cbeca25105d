import * as kplus from 'cdk8s-plus-27';
import { BoundShardedCacheProxy, ShardedCacheProxyHost } from './_host';
import { addToHardenedPod } from '../../blocks/_host-pod';
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
    addClient: (workload, options) => {
      if (!(workload instanceof kplus.AbstractPod)) throw new Error(`${PropCheck.where(host.scope)}: addClient() needs a kplus workload (Deployment, StatefulSet, Job, Pod …), got ${PropCheck.show(workload)}`);
      if (clients.includes(workload)) throw new Error(`${PropCheck.where(host.scope)}: '${workload.node.path}' is already a client`);
      const harden = PropCheck.boolean(host.scope, 'hardenPod', true, options.hardenPod);
      const add = () => host.addProxy(workload, { id: `Client${clients.length}`, containerName: options.containerName ?? 'twemproxy', exposeStats: false, resources: host.proxyResources });
      const container = harden ? addToHardenedPod({ owner: host.scope, method: 'addClient()' }, workload, add) : add();
      clients.push(workload);
      return container;
    },
  };
}
