import { ApiObject, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import * as line from '../line';
import { sizeQuantity, splitEphemeralStorage } from './_resources';

/**
 * Options for `RestrictedSecurity.containerSecurityContext`.
 */
export interface RestrictedContainerOptions {
  /** The non-root uid the container runs as (the image's own user). */
  readonly uid: number;
  /** The gid it runs as. */
  readonly gid: number;
  /**
   * Whether the root filesystem is read-only. Writable paths are emptyDir mounts
   * (`RestrictedSecurity.addWritableDirs`).
   *
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;
}

/**
 * Options for `RestrictedSecurity.addWritableDirs`.
 */
export interface WritableDirsOptions {
  /** Absolute paths the daemon writes to; each gets its own emptyDir. */
  readonly paths: string[];
  /**
   * A size limit for each emptyDir (a memory-backed one counts against the container's memory limit, a disk-backed
   * one against the pod's ephemeral storage).
   *
   * @default - 32Mi on disk, 16Mi in memory: temp files
   */
  readonly sizeLimit?: Size;
  /**
   * Back the emptyDirs with memory (tmpfs).
   *
   * @default false
   */
  readonly memory?: boolean;
}

/**
 * Security contexts that pass Pod Security `restricted`: non-root with the image's own uid, no privilege
 * escalation, all capabilities dropped, seccomp `RuntimeDefault`, read-only root filesystem with emptyDir
 * mounts where a daemon writes.
 *
 * cdk8s-plus-27 has no `seccompProfile`, so `applySeccomp` adds it with a JSON patch on the workload's object.
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export class RestrictedSecurity {
  /** The pod security context: runAsNonRoot, the uid and gid, fsGroup = gid (so mounted volumes are writable). */
  public static podSecurityContext(uid: number, gid: number): kplus.PodSecurityContextProps {
    checkIds(uid, gid);
    return { ensureNonRoot: true, user: uid, group: gid, fsGroup: gid };
  }

  /**
   * The container security context for `restricted`, as far as cdk8s-plus-27 can express it. It cannot drop
   * `ALL` capabilities (its `Capability` enum has no `ALL`): use `addContainer`, which adds that by JSON patch.
   */
  public static containerSecurityContext(options: RestrictedContainerOptions): kplus.ContainerSecurityContextProps {
    checkIds(options.uid, options.gid);
    return {
      ensureNonRoot: true,
      user: options.uid,
      group: options.gid,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: options.readOnlyRootFilesystem ?? true,
    };
  }

  /**
   * Sets `seccompProfile: RuntimeDefault` on the pod security context of a workload or pod (Pod, Deployment,
   * StatefulSet, DaemonSet, Job, CronJob), through a JSON patch: cdk8s-plus-27 has no such field.
   */
  public static applySeccomp(workload: IConstruct): void {
    const obj = ApiObject.of(workload);
    obj.addJsonPatch(JsonPatch.add(`${RestrictedSecurity.podSpecPointer(obj.kind)}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }));
  }

  /**
   * Adds a container to `pod` with the restricted security context (uid/gid, read-only root filesystem, no
   * privilege escalation), `imagePullPolicy: IfNotPresent` unless `props` says otherwise, ephemeral storage (request
   * 16Mi, limit 64Mi) unless `props.resources` has it, and, by JSON patch,
   * `capabilities: { drop: [ALL] }`. Returns the container.
   */
  public static addContainer(pod: kplus.AbstractPod, props: kplus.ContainerProps, options: RestrictedContainerOptions): kplus.Container {
    const securityContext = RestrictedSecurity.containerSecurityContext(options);
    const [own, eph] = splitEphemeralStorage(props);
    const container = line.keepVolumes(pod).addContainer({ ...RestrictedSecurity.pullPolicy(own), securityContext });
    RestrictedSecurity.dropAllCapabilities(pod, 'containers', pod.containers.length - 1);
    patchEphemeralStorage(pod, 'containers', pod.containers.length - 1, own.resources, eph);
    return container;
  }

  /**
   * @internal Like `addContainer`, for a container that runs beside a user's app for the pod's whole life (an
   * ambassador, exporter, adapter, git-sync, a terminator): through the line adapter, so it is a native sidecar (an
   * init container with `restartPolicy: Always`) on a line that has them and a regular container on 1.27. Returns
   * where it went: JSON patches that address it must use that list and index (docs/LINES.md).
   */
  public static _addSidecar(pod: kplus.AbstractPod, props: kplus.ContainerProps, options: RestrictedContainerOptions): line.SidecarPlacement {
    const securityContext = RestrictedSecurity.containerSecurityContext(options);
    const [own, eph] = splitEphemeralStorage(props);
    const placed = line.addSidecarContainer(line.keepVolumes(pod), { ...RestrictedSecurity.pullPolicy(own), securityContext });
    RestrictedSecurity.dropAllCapabilities(pod, placed.list, placed.index);
    patchEphemeralStorage(pod, placed.list, placed.index, own.resources, eph);
    return placed;
  }

  /**
   * `props` with `imagePullPolicy: IfNotPresent` unless they set one: every image the library runs is pinned to a
   * tag or digest, so pulling it again on every start (cdk8s-plus' default, `Always`) only adds a registry round
   * trip and a dependency on the registry being up when a pod restarts.
   */
  public static pullPolicy(props: kplus.ContainerProps): kplus.ContainerProps {
    return { ...props, imagePullPolicy: props.imagePullPolicy ?? kplus.ImagePullPolicy.IF_NOT_PRESENT };
  }

  /**
   * Like `addContainer`, for an init container.
   */
  public static addInitContainer(pod: kplus.AbstractPod, props: kplus.ContainerProps, options: RestrictedContainerOptions): kplus.Container {
    const securityContext = RestrictedSecurity.containerSecurityContext(options);
    const [own, eph] = splitEphemeralStorage(props);
    const container = line.keepVolumes(pod).addInitContainer({ ...RestrictedSecurity.pullPolicy(own), securityContext });
    RestrictedSecurity.dropAllCapabilities(pod, 'initContainers', pod.initContainers.length - 1);
    patchEphemeralStorage(pod, 'initContainers', pod.initContainers.length - 1, own.resources, eph);
    return container;
  }

  /**
   * Adds `capabilities: { drop: [ALL] }` to the container at `index` of `list` (`containers` or
   * `initContainers`) of a workload or pod, by JSON patch.
   */
  public static dropAllCapabilities(workload: IConstruct, list: string, index: number): void {
    if (list !== 'containers' && list !== 'initContainers') throw new Error(`list must be 'containers' or 'initContainers', got '${list}'`);
    const obj = ApiObject.of(workload);
    obj.addJsonPatch(JsonPatch.add(`${RestrictedSecurity.podSpecPointer(obj.kind)}/${list}/${index}/securityContext/capabilities`, { drop: ['ALL'] }));
  }

  /**
   * The JSON pointer of the pod spec inside an object of `kind`.
   */
  public static podSpecPointer(kind: string): string {
    switch (kind) {
      case 'Pod':
        return '/spec';
      case 'CronJob':
        return '/spec/jobTemplate/spec/template/spec';
      case 'Deployment':
      case 'StatefulSet':
      case 'DaemonSet':
      case 'ReplicaSet':
      case 'Job':
        return '/spec/template/spec';
      default:
        throw new Error(`no pod template in a ${kind}`);
    }
  }

  /**
   * Mounts one emptyDir per path into `container` (of `pod`), so a daemon can write there with a read-only root
   * filesystem. Volume names are derived from the container name and the path, deterministically.
   * Returns the volumes it adds.
   */
  public static addWritableDirs(pod: kplus.AbstractPod, container: kplus.Container, options: WritableDirsOptions): kplus.Volume[] {
    return options.paths.map((p) => {
      if (!p.startsWith('/')) throw new Error(`writable dir must be an absolute path, got '${p}'`);
      const suffix = p.replace(/[^a-z0-9]+/gi, '-').replace(/^-+|-+$/g, '').toLowerCase() || 'root';
      const name = `${container.name}-${suffix}`.slice(0, 63).replace(/-+$/, '');
      const volume = kplus.Volume.fromEmptyDir(pod, `writable-${name}`, name, {
        sizeLimit: options.sizeLimit ?? (options.memory ? Size.mebibytes(16) : Size.mebibytes(32)),
        medium: options.memory ? kplus.EmptyDirMedium.MEMORY : undefined,
      });
      container.mount(p, volume);
      return volume;
    });
  }
}

function checkIds(uid: number, gid: number) {
  if (!Number.isInteger(uid) || uid < 1 || uid > 2147483647) throw new Error(`uid must be a non-root integer uid from 1 to 2147483647, got ${uid}`);
  if (!Number.isInteger(gid) || gid < 0 || gid > 2147483647) throw new Error(`gid must be an integer from 0 to 2147483647, got ${gid}`);
}

/**
 * Writes `eph` into the resources of the container at `index` of `list`, by JSON patch; `rendered` are the
 * resources cdk8s-plus got (it writes its own default requests and limits when they are unset).
 */
function patchEphemeralStorage(workload: IConstruct, list: string, index: number, rendered: kplus.ContainerResources | undefined,
  eph: kplus.EphemeralStorageResources): void {
  const obj = ApiObject.of(workload);
  const at = `${RestrictedSecurity.podSpecPointer(obj.kind)}/${list}/${index}/resources`;
  const has = {
    requests: rendered === undefined || Boolean(rendered.cpu?.request?.amount) || rendered.memory?.request !== undefined,
    limits: rendered === undefined || Boolean(rendered.cpu?.limit?.amount) || rendered.memory?.limit !== undefined,
  };
  const values = { requests: eph.request, limits: eph.limit };
  if (!has.requests && !has.limits) {
    const all: { [key: string]: { [key: string]: kplus.k8s.Quantity } } = {};
    for (const k of ['requests', 'limits'] as const) if (values[k] !== undefined) all[k] = { 'ephemeral-storage': sizeQuantity(values[k]) };
    if (Object.keys(all).length > 0) obj.addJsonPatch(JsonPatch.add(at, all));
    return;
  }
  for (const k of ['requests', 'limits'] as const) {
    const v = values[k];
    if (v === undefined) continue;
    obj.addJsonPatch(has[k] ? JsonPatch.add(`${at}/${k}/ephemeral-storage`, sizeQuantity(v)) : JsonPatch.add(`${at}/${k}`, { 'ephemeral-storage': sizeQuantity(v) }));
  }
}

