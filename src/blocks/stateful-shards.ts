import { ApiObject, Chart, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { applyPodOptions, checkPodOptions } from './_pod-options';
import { dataSizeLimit } from '../core/_resources';
import { checkEnvNames, checkPinnedImage, checkResources } from '../core/_rules';
import { isPortName } from '../core/_syntax';
import { Availability } from '../core/availability';
import { PropCheck } from '../core/errors';
import { RecommendedLabels } from '../core/labels';
import { ResourceNames } from '../core/names';
import { PodOptions } from '../core/pod-options';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';
import * as line from '../line';

/** 1 PiB: the largest claim per shard. */
const MAX_STORAGE_MIB = 1024 * 1024 * 1024;

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
  /**
   * The shard container. Its image's tag is the pods' `app.kubernetes.io/version`.
   */
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
   * The StorageClass of the claims (a DNS-1123 subdomain).
   *
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * `app.kubernetes.io/part-of` of every object.
   *
   * @default - the app-wide `RecommendedLabels.PART_OF_CONTEXT_KEY`, else `instance`
   */
  readonly partOf?: string;
  /**
   * `app.kubernetes.io/component` of the shard pods (in the selector).
   *
   * @default "shard"
   */
  readonly component?: string;
  /**
   * `app.kubernetes.io/version` of every object (never in the selector).
   *
   * @default - the tag of the container's image
   */
  readonly version?: string;
  /**
   * Pod options of the StatefulSet's pods (pull secrets, ServiceAccount, scheduling, pod labels and annotations).
   * `topologySpreadConstraints` replace the default spread over hostnames.
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
    if (props.name === undefined || props.name.length > ResourceNames.MAX_STATEFULSET || !ResourceNames.isDnsLabel(props.name)) {
      throw propError(this, 'name', `a DNS-1123 label of at most ${ResourceNames.MAX_STATEFULSET} characters`, props.name);
    }
    this.name = props.name;
    // Required numbers: a missing one is reported as missing (its own value as the default), not as a 0.
    this.shards = PropCheck.integer(this, 'shards', 1, 1024, props.shards, props.shards);
    this.port = PropCheck.integer(this, 'port', 1, 65535, props.port, props.port);
    if (!isPortName(props.portName)) throw propError(this, 'portName', 'an IANA service name (at most 15 characters: lowercase letters, digits and single \'-\', with a letter)', props.portName);
    const uid = PropCheck.integer(this, 'uid', 1, 2147483647, props.uid, props.uid);
    const gid = PropCheck.integer(this, 'gid', 0, 2147483647, props.gid, props.gid);
    checkShardContainer(this, props.container);
    for (const [prop, dir] of [['dataDir', props.dataDir], ...(props.writableDirs ?? []).map((d) => ['writableDirs', d])] as Array<[string, unknown]>) {
      if (dir !== undefined && (typeof dir !== 'string' || !/^\/[^\s:]*$/.test(dir))) throw propError(this, prop, 'an absolute path without spaces or \':\'', dir);
    }
    if (props.storage !== undefined) {
      if (props.dataDir === undefined) throw propError(this, 'storage', 'unset without \'dataDir\' (the claim would be mounted nowhere)', '<a Size>');
      PropCheck.wholeMebibytes(this, 'storage', 1, MAX_STORAGE_MIB, props.storage, props.storage);
    }
    if (props.storageClassName !== undefined && !ResourceNames.isDnsSubdomain(props.storageClassName)) {
      throw propError(this, 'storageClassName', 'a StorageClass name (a DNS-1123 subdomain: lowercase letters, digits, \'-\' and \'.\')', props.storageClassName);
    }
    const pod = checkPodOptions(this, 'pod', props.pod);
    const labelOptions = {
      name: RecommendedLabels.checkValue(this, 'appName', props.appName),
      instance: RecommendedLabels.checkValue(this, 'instance', props.instance),
      component: RecommendedLabels.checkValue(this, 'component', props.component ?? 'shard'),
      partOf: RecommendedLabels.partOf(this, props.instance, props.partOf),
      version: props.version === undefined ? RecommendedLabels.versionOf(props.container.image) : RecommendedLabels.checkValue(this, 'version', props.version),
    };
    this.selector = RecommendedLabels.selector(labelOptions);
    const labels = RecommendedLabels.of(labelOptions);

    this.service = new kplus.Service(this, 'Service', {
      metadata: { name: props.name, labels },
      clusterIP: 'None',
      ports: [{ name: props.portName, port: this.port, targetPort: this.port }],
      selector: kplus.Pods.select(this, 'Pods', { labels: this.selector }),
    });
    ApiObject.of(this.service).addJsonPatch(JsonPatch.add('/spec/publishNotReadyAddresses', true));

    // Through the line adapter: cdk8s-plus-34 drops a StatefulSet's pod volumes when its claim templates come by
    // JSON patch, as ours do (docs/LINES.md, "StatefulSet volumes").
    this.statefulSet = line.statefulSet(this, 'Resource', {
      metadata: { name: props.name, labels },
      service: this.service,
      replicas: this.shards,
      select: false,
      podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
      securityContext: RestrictedSecurity.podSecurityContext(uid, gid),
    });
    RecommendedLabels.applyTo(this.statefulSet, labels, this.selector);

    this.container = RestrictedSecurity.addContainer(this.statefulSet, props.container, { uid, gid });
    if (props.writableDirs?.length) RestrictedSecurity.addWritableDirs(this.statefulSet, this.container, { paths: props.writableDirs });
    if (props.dataDir) {
      if (props.storage) {
        this.addClaim(props.dataDir, props.storage, props.storageClassName);
      } else {
        const data = kplus.Volume.fromEmptyDir(this, 'Data', 'data', { sizeLimit: dataSizeLimit(props.container) });
        this.container.mount(props.dataDir, data);
      }
    }
    RestrictedSecurity.applySeccomp(this.statefulSet);
    applyPodOptions(this.statefulSet, pod);
    this.podDisruptionBudget = Availability.apply(this, this.statefulSet, {
      replicas: this.shards, selector: this.selector, name: props.name, labels, spread: pod.topologySpreadConstraints === undefined,
    });
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

/** The shard container's image, env names and resources, by the rules every user container follows. */
function checkShardContainer(scope: Construct, c: kplus.ContainerProps): void {
  if (c === null || typeof c !== 'object') throw propError(scope, 'container', 'a kplus.ContainerProps ({ name, image, … })', c);
  checkPinnedImage(scope, 'container.image', c.image);
  checkEnvNames(scope, 'container.envVariables', c.envVariables);
  checkResources(scope, 'container.resources', c.resources);
}
