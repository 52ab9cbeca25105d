import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { FLAT_SHARD_IDS, ReplicatedShards } from '../blocks/_replicated-shards';
import { RestrictedWorkloads } from '../blocks/_restricted-workload';
import { NginxRouterConfig, ShardKey } from '../config/nginx-router';
import { containerResources } from '../core/_resources';
import { Availability } from '../core/availability';
import { ConfigChecksum } from '../core/checksum';
import { PropCheck } from '../core/errors';
import { ContainerImages, ImageKey, ImageOverrides } from '../core/images';
import { RecommendedLabels } from '../core/labels';
import { ResourceNames } from '../core/names';
import { withDefaultPort } from '../core/probe-port';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';

/**
 * Properties for `ShardedService`.
 */
export interface ShardedServiceProps {
  /**
   * Base name: shards are `<name>-shard-<i>`, the router `<name>-router`, the Service clients use `<name>`.
   * At most 52 characters.
   *
   * @default - derived from the construct path
   */
  readonly name?: string;
  /** The shard image (pinned tag or digest). Each shard pod gets `SHARD_INDEX` and `SHARD_COUNT` in its env. */
  readonly image: string;
  /** The port the shard container serves HTTP on. */
  readonly port: number;
  /** The non-root uid the shard image runs as. */
  readonly uid: number;
  /**
   * Its gid.
   *
   * @default - the uid
   */
  readonly gid?: number;
  /** How Kubernetes knows a shard pod can take traffic (required: a router must not send to a cold shard). */
  readonly readiness: kplus.Probe;
  /**
   * Number of shards.
   *
   * @default 3
   */
  readonly shards?: number;
  /**
   * Pods per shard (each shard is a replicated service of its own).
   *
   * @default 1
   */
  readonly replicasPerShard?: number;
  /**
   * What the router hashes.
   *
   * @default ShardKey.requestUri()
   */
  readonly shardKey?: ShardKey;
  /**
   * Router replicas.
   *
   * @default 2
   */
  readonly routerReplicas?: number;
  /**
   * The port of the Service clients use.
   *
   * @default 80
   */
  readonly servicePort?: number;
  /**
   * Resources of each shard container.
   *
   * @default - 100m/500m CPU, 128Mi memory
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Paths the shard image writes to: each gets an emptyDir (the root filesystem is read-only).
   *
   * @default - none
   */
  readonly writableDirs?: string[];
  /**
   * Extra environment of the shard containers.
   *
   * @default - only SHARD_INDEX and SHARD_COUNT
   */
  readonly env?: { [name: string]: string };
  /**
   * Image overrides (`nginx` for the router).
   *
   * @default - the default image table
   */
  readonly images?: ImageOverrides;
}

const ROUTER_PORT = 8080;
const ROUTER_CONFIG_DIR = '/etc/nginx/router';

/**
 * The book's consistent HTTP sharding proxy: N shards of your image, each a Deployment and a Service, behind a
 * replicated nginx router whose upstream uses `hash <key> consistent`, so the same key always reaches the same
 * shard and removing a shard moves only the keys it held.
 */
export class ShardedService extends Construct {
  /** The Service clients use (the router). */
  public readonly service: kplus.Service;
  /** The router Deployment. */
  public readonly router: kplus.Deployment;
  /** The router config. */
  public readonly config: kplus.ConfigMap;
  /** The rendered nginx.conf. */
  public readonly configText: string;
  /** The shard Deployments, in order. */
  public readonly shardDeployments: kplus.Deployment[] = [];
  /** The shard Services, in order. */
  public readonly shardServices: kplus.Service[] = [];

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: ShardedServiceProps) {
    super(scope, id);
    // `<name>-shard-<i>` (up to 4 digits) must stay a DNS label.
    const baseName = ResourceNames.baseName(this, props.name, ResourceNames.MAX_LABEL - '-shard-1023'.length);
    const shards = PropCheck.integer(this, 'shards', 1, 1024, 3, props.shards);
    const replicasPerShard = PropCheck.integer(this, 'replicasPerShard', 1, 100, 1, props.replicasPerShard);
    const routerReplicas = PropCheck.integer(this, 'routerReplicas', 1, 100, 2, props.routerReplicas);
    const port = PropCheck.integer(this, 'port', 1, 65535, 8080, props.port);
    const servicePort = PropCheck.integer(this, 'servicePort', 1, 65535, 80, props.servicePort);
    ContainerImages.checkPinned(this, 'image', props.image);
    if (props.readiness === undefined) throw propError(this, 'readiness', 'a probe (a router must not send requests to a shard that is not ready)', undefined);
    if (props.shardKey !== undefined && !(props.shardKey instanceof ShardKey)) {
      throw propError(this, 'shardKey', 'ShardKey.requestUri(), ShardKey.header(name), ShardKey.queryArgument(name) or ShardKey.cookie(name)', props.shardKey);
    }
    for (const k of Object.keys(props.env ?? {})) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || k === 'SHARD_INDEX' || k === 'SHARD_COUNT') throw propError(this, 'env', 'names that are C identifiers other than SHARD_INDEX and SHARD_COUNT', k);
    }
    const uid = PropCheck.integer(this, 'uid', 1, 2147483647, 0, props.uid);
    const gid = PropCheck.integer(this, 'gid', 0, 2147483647, uid, props.gid);

    const env: { [k: string]: kplus.EnvValue } = {};
    for (const [k, v] of Object.entries(props.env ?? {})) env[k] = kplus.EnvValue.fromValue(v);
    for (const shard of ReplicatedShards.add(this, {
      baseName,
      shards,
      replicas: replicasPerShard,
      appName: baseName,
      instance: baseName,
      uid,
      gid,
      port,
      portName: 'http',
      ids: FLAT_SHARD_IDS,
      addContainer: (d, i) => {
        const container = RestrictedSecurity.addContainer(d, {
          name: 'shard',
          image: props.image,
          ports: [{ number: port, name: 'http' }],
          readiness: withDefaultPort(props.readiness, port),
          envVariables: { ...env, SHARD_INDEX: kplus.EnvValue.fromValue(`${i}`), SHARD_COUNT: kplus.EnvValue.fromValue(`${shards}`) },
          resources: props.resources ?? containerResources({ cpu: ['100m', '500m'], memory: ['128Mi', '128Mi'] }),
        }, { uid, gid });
        if (props.writableDirs?.length) RestrictedSecurity.addWritableDirs(d, container, { paths: props.writableDirs });
        return container;
      },
    })) {
      this.shardDeployments.push(shard.deployment);
      this.shardServices.push(shard.service);
    }

    // ---- the router ----
    this.configText = NginxRouterConfig.render({
      shards: this.shardServices.map((s) => ({ host: s.name, port })),
      key: props.shardKey,
      port: ROUTER_PORT,
      runDir: '/tmp',
    });
    const routerName = `${baseName}-router`;
    const labelOptions = { name: 'nginx', instance: baseName, component: 'router' };
    const selector = RecommendedLabels.selector(labelOptions);
    const labels = RecommendedLabels.of(labelOptions);
    this.config = new kplus.ConfigMap(this, 'RouterConfig', { metadata: { name: routerName, labels }, data: { 'nginx.conf': this.configText } });
    const user = ContainerImages.user(ImageKey.NGINX);
    this.router = RestrictedWorkloads.deployment(this, 'Router', {
      name: routerName,
      labels,
      selector,
      replicas: routerReplicas,
      uid: user.uid,
      gid: user.gid,
      strategy: Availability.surgeOnly(),
    });
    const nginx = RestrictedSecurity.addContainer(this.router, {
      name: 'nginx',
      image: ContainerImages.resolve(this, ImageKey.NGINX, props.images),
      command: ['nginx', '-c', `${ROUTER_CONFIG_DIR}/nginx.conf`, '-e', 'stderr'],
      ports: [{ number: ROUTER_PORT, name: 'http' }],
      readiness: kplus.Probe.fromHttpGet(NginxRouterConfig.HEALTH_PATH, { port: ROUTER_PORT, periodSeconds: Duration.seconds(5) }),
      liveness: kplus.Probe.fromHttpGet(NginxRouterConfig.HEALTH_PATH, { port: ROUTER_PORT, periodSeconds: Duration.seconds(10) }),
      resources: containerResources({ cpu: ['100m', '1000m'], memory: ['64Mi', '128Mi'] }),
    }, user);
    nginx.mount(ROUTER_CONFIG_DIR, kplus.Volume.fromConfigMap(this, 'RouterConfigVolume', this.config, { name: 'router-config' }), { readOnly: true });
    RestrictedSecurity.addWritableDirs(this.router, nginx, { paths: ['/tmp'] });
    ConfigChecksum.annotate(this.router, [this.config]);
    RestrictedWorkloads.availability(this, this.router, selector, labels, { replicas: routerReplicas });
    this.service = new kplus.Service(this, 'Service', {
      metadata: { name: baseName, labels },
      selector: kplus.Pods.select(this, 'RouterPods', { labels: selector }),
      ports: [{ name: 'http', port: servicePort, targetPort: ROUTER_PORT }],
    });
  }
}
