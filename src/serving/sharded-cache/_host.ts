import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AddClientOptions } from './options';
import { RecommendedLabelsOptions } from '../../core/labels';
import { PodOptions } from '../../core/pod-options';

// Internal: what a ShardedCacheProxy variant needs from the ShardedCache it serves, so the variants live in their
// own files without importing the construct (no import circle) and the construct never asks which variant it has.

/** Options for `ShardedCacheProxyHost.addProxy`. */
export interface ProxyContainerOptions {
  /** An id unique within the cache (volume ids derive from it). */
  readonly id: string;
  /** The container's name. */
  readonly containerName: string;
  /** Serve stats on the pod IP. */
  readonly exposeStats: boolean;
  /** Declare the listen port (named after the protocol) and probe it. */
  readonly exposeListen?: boolean;
  /** The proxy's resources (default: those of an ambassador in a client pod). */
  readonly resources?: kplus.ContainerResources;
}

/** The ShardedCache, as its proxy sees it. */
export interface ShardedCacheProxyHost {
  /** The cache: the scope of the proxy's objects, and the construct its errors name. */
  readonly scope: Construct;
  /** The cache's base name (the shared tier is `<baseName>-proxy` behind the Service `<baseName>`). */
  readonly baseName: string;
  /** The port twemproxy listens on. */
  readonly port: number;
  /** The protocol's port name (`memcached` or `redis`). */
  readonly portName: string;
  /** The recommended labels of the proxy's objects (twemproxy, component `proxy`, part-of, version). */
  readonly proxyLabels: RecommendedLabelsOptions;
  /** The checked pod options of the workloads the cache makes. */
  readonly pod: PodOptions;
  /** The user's `proxyResources`, if given. */
  readonly proxyResources?: kplus.ContainerResources;
  /** Adds the twemproxy container, with the cache's config, to `workload`. */
  addProxy(workload: kplus.AbstractPod, options: ProxyContainerOptions): kplus.Container;
}

/** A proxy bound to its cache: where clients connect, and what it made. */
export interface BoundShardedCacheProxy {
  /** `<host>:<port>` clients use. */
  readonly endpoint: string;
  /** The shared tier's Deployment and Service (none for the ambassador). */
  readonly deployment?: kplus.Deployment;
  readonly service?: kplus.Service;
  /** Adds the proxy to a client workload (ambassador only). */
  addClient(workload: kplus.AbstractPod, options: AddClientOptions): kplus.Container;
}
