import { ApiObject, Chart, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { applyPodOptions } from './_pod-options';
import { Availability } from '../core/availability';
import { PropCheck } from '../core/errors';
import { RecommendedLabels } from '../core/labels';
import { ResourceNames } from '../core/names';
import { PodOptions } from '../core/pod-options';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';

/**
 * Options for `StatefulShards`.
 */
export interface StatefulShardsProps {
  /** The StatefulSet and headless Service name (at most `ResourceNames.MAX_STATEFULSET` characters). */
  readonly name: string;
  /** Number of shards (pods). */
  readonly shards: number;
  /** `app.kubernetes.io/name` of the shard pods (e.g. `redis`, `memcached`). */
  readonly appName: string;
  /** `app.kubernetes.io/instance` (the owning construct's base name). */
  readonly instance: string;
  /** The shard container. */
  readonly container: kplus.ContainerProps;
  /** The non-root uid the container runs as. */
  readonly uid: number;
  /** Its gid. */
  readonly gid: number;
  /** The shard port (named after the protocol) the headless Service publishes. */
  readonly port: number;
  /** The port's name. */
  readonly portName: string;
  /** Paths the daemon writes to that are not the data dir (emptyDirs). */
  readonly writableDirs?: string[];
  /** The data directory. */
  readonly dataDir?: string;
  /**
   * A PersistentVolumeClaim per shard for `dataDir`, of this size.
   *
   * @default - an emptyDir (data lives as long as the pod)
   */
  readonly storage?: Size;
  /**
   * The StorageClass of the claims.
   *
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /** Labels added to every object. */
  readonly partOf?: string;
  /**
   * `app.kubernetes.io/component` of the shard pods (in the selector).
   *
   * @default "shard"
   */
  readonly component?: string;
  /**
   * `app.kubernetes.io/version` of every object (not in the selector).
   *
   * @default - no version label
   */
  readonly version?: string;
  /**
   * Pod options (checked by the caller), applied to the StatefulSet's pod template; a `topologySpreadConstraints`
   * option replaces the spread over hostnames.
   *
   * @default - none
   */
  readonly pod?: PodOptions;
}

/**
 * A set of shards: a StatefulSet with stable pod names (`<name>-<i>`) and a headless Service that gives each pod
 * the DNS name `<name>-<i>.<name>`, which proxies list. Used by the sharding patterns; public so you can build
 * your own.
 *
 * Restricted security, PodDisruptionBudget and spread (more than one shard), parallel pod management (shards are
 * independent), `publishNotReadyAddresses` so that a proxy can resolve every shard's name while it starts.
 */
export class StatefulShards extends Construct {
  /** The StatefulSet. */
  public readonly statefulSet: kplus.StatefulSet;
  /** The headless Service. */
  public readonly service: kplus.Service;
  /** The shard container. */
  public readonly container: kplus.Container;
  /** The StatefulSet name. */
  public readonly name: string;
  /** Number of shards. */
  public readonly shards: number;
  /** The selector labels of the shard pods. */
  public readonly selector: { [key: string]: string };
  /** The PodDisruptionBudget, when there is more than one shard. */
  public readonly podDisruptionBudget?: kplus.k8s.KubePodDisruptionBudget;
  /** The shard port. */
  public readonly port: number;

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: StatefulShardsProps) {
    super(scope, id);
    this.name = props.name;
    this.shards = props.shards;
    this.port = props.port;
    if (props.name.length > ResourceNames.MAX_STATEFULSET || !ResourceNames.isDnsLabel(props.name)) {
      throw propError(this, 'name', `a DNS-1123 label of at most ${ResourceNames.MAX_STATEFULSET} characters`, props.name);
    }
    const labelOptions = { name: props.appName, instance: props.instance, component: props.component ?? 'shard', partOf: props.partOf, version: props.version };
    this.selector = RecommendedLabels.selector(labelOptions);
    const labels = RecommendedLabels.of(labelOptions);

    this.service = new kplus.Service(this, 'Service', {
      metadata: { name: props.name, labels },
      clusterIP: 'None',
      ports: [{ name: props.portName, port: props.port, targetPort: props.port }],
      selector: kplus.Pods.select(this, 'Pods', { labels: this.selector }),
    });
    ApiObject.of(this.service).addJsonPatch(JsonPatch.add('/spec/publishNotReadyAddresses', true));

    this.statefulSet = new kplus.StatefulSet(this, 'Resource', {
      metadata: { name: props.name, labels },
      service: this.service,
      replicas: props.shards,
      select: false,
      podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
      securityContext: RestrictedSecurity.podSecurityContext(props.uid, props.gid),
    });
    RecommendedLabels.applyTo(this.statefulSet, labels, this.selector);

    this.container = RestrictedSecurity.addContainer(this.statefulSet, props.container, { uid: props.uid, gid: props.gid });
    if (props.writableDirs?.length) RestrictedSecurity.addWritableDirs(this.statefulSet, this.container, { paths: props.writableDirs });
    if (props.dataDir) {
      if (props.storage) {
        this.addClaim(props.dataDir, props.storage, props.storageClassName);
      } else {
        const data = kplus.Volume.fromEmptyDir(this, 'Data', 'data');
        this.container.mount(props.dataDir, data);
      }
    }
    RestrictedSecurity.applySeccomp(this.statefulSet);
    this.podDisruptionBudget = Availability.apply(this, this.statefulSet, {
      replicas: props.shards,
      selector: this.selector,
      name: props.name,
      labels,
      spread: props.pod?.topologySpreadConstraints === undefined,
    });
    if (props.pod !== undefined) applyPodOptions(this.statefulSet, props.pod);
  }

  /**
   * The stable DNS name of shard `i`: `<name>-<i>.<name>`, fully qualified when `namespace` is given.
   */
  public hostOf(ordinal: number, namespace?: string): string {
    if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal >= this.shards) {
      throw new Error(`${PropCheck.where(this)}: shard ordinal must be an integer from 0 to ${this.shards - 1}, got ${ordinal}`);
    }
    return ResourceNames.podDnsName(this.name, ordinal, this.service.name, { namespace: namespace ?? Chart.of(this).namespace });
  }

  /** The pod name of shard `i` (`<name>-<i>`), which twemproxy uses as the server's ring name. */
  public podNameOf(ordinal: number): string {
    return `${this.name}-${ordinal}`;
  }

  private addClaim(mountPath: string, storage: Size, storageClassName?: string) {
    // cdk8s-plus-27 has no volumeClaimTemplates: mount a volume named `data` and add the template by JSON patch.
    const obj = ApiObject.of(this.statefulSet);
    const index = this.statefulSet.containers.indexOf(this.container);
    const mount = { name: 'data', mountPath };
    // The volume comes from the claim template, so it must not be in the pod's volumes: patch the mount in.
    obj.addJsonPatch(this.container.mounts.length === 0
      ? JsonPatch.add(`/spec/template/spec/containers/${index}/volumeMounts`, [mount])
      : JsonPatch.add(`/spec/template/spec/containers/${index}/volumeMounts/-`, mount));
    obj.addJsonPatch(JsonPatch.add('/spec/volumeClaimTemplates', [{
      metadata: { name: 'data' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        ...(storageClassName ? { storageClassName } : {}),
        // A Quantity object: the L1 StatefulSet maps patched fields through its typed converters.
        resources: { requests: { storage: kplus.k8s.Quantity.fromString(`${storage.toMebibytes()}Mi`) } },
      },
    }]));
  }
}
