import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { WorkQueueEnv } from '../../config/work-queue';
import { ConfigChecksum } from '../../core/checksum';
import { ContainerImages } from '../../core/images';
import { propError } from '../../core/prop-error';

// Internal: the pod every worker mode runs — the user's stages and worker with the contract in their environment,
// the shared work dir, a writable /tmp and one mounted ConfigMap (the scripts or the items), restricted by default.

/** Where the scripts ConfigMap is mounted. */
export const SCRIPTS_DIR = '/etc/work-queue/scripts';
/** Where the items ConfigMap is mounted (`SCRIPTS_DIR/../items`, as the scripts expect). */
export const ITEMS_DIR = '/etc/work-queue/items';
/** The emptyDir shared by the containers of a worker pod. */
export const WORK_DIR = '/var/run/work-queue';
/** The paths WorkQueueJobs mounts in worker containers. */
const RESERVED_PATHS = [WORK_DIR, '/tmp', SCRIPTS_DIR, ITEMS_DIR];

/** A ConfigMap every container of the pod mounts read-only. */
export interface MountedConfigMap {
  /** The construct id of its volume. */
  readonly id: string;
  readonly configMap: kplus.ConfigMap;
  readonly volumeName: string;
  readonly path: string;
}

/** What goes into a worker pod. */
export interface WorkerPodSpec {
  readonly worker: kplus.ContainerProps;
  /** Init containers of the user's, run in order after those `init` makes. */
  readonly stages: readonly kplus.ContainerProps[];
  /** The worker uid and gid (checked), when not the image's own. */
  readonly uid?: number;
  readonly gid?: number;
  readonly labels: { [key: string]: string };
  /** The contract's variables (after `WORK_DIR`), in every user container; the user may not set them. */
  readonly env: { [name: string]: kplus.EnvValue };
  readonly mounted: MountedConfigMap;
  /** The ConfigMaps whose checksum rolls the pod. */
  readonly checksummed: kplus.ConfigMap[];
  /** The library's init containers, given the mounted ConfigMap's volume and the work volume. */
  readonly init: (mountedVolume: kplus.Volume, workVolume: kplus.Volume) => kplus.k8s.Container[];
}

/** The worker pod template; prop errors name `scope`'s props (`worker`, `stages[i]`). */
export function workerPod(scope: Construct, spec: WorkerPodSpec): kplus.k8s.PodTemplateSpec {
  const ns = new Construct(scope, 'WorkerPod');
  const workVolume = kplus.Volume.fromEmptyDir(ns, 'Work', 'work');
  const tmpVolume = kplus.Volume.fromEmptyDir(ns, 'Tmp', 'tmp');
  const ownEnv: { [name: string]: kplus.EnvValue } = { [WorkQueueEnv.WORK_DIR]: kplus.EnvValue.fromValue(WORK_DIR), ...spec.env };
  const mounted = spec.mounted;
  const mountedVolume = kplus.Volume.fromConfigMap(ns, mounted.id, mounted.configMap, { name: mounted.volumeName });

  const userContainer = (p: kplus.ContainerProps, prop: string, defaultName: string): kplus.k8s.Container => {
    if (!p || typeof p.image !== 'string') throw propError(scope, prop, 'container props with an image', p);
    const c = new kplus.Container({
      ...p,
      name: p.name ?? defaultName,
      securityContext: {
        ensureNonRoot: true,
        privileged: false,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        user: spec.uid,
        group: spec.gid,
        ...p.securityContext,
      },
    });
    ContainerImages.checkPinned(scope, `${prop}.image`, c.image);
    for (const m of c.mounts) {
      if (RESERVED_PATHS.includes(m.path)) throw propError(scope, `${prop}.volumeMounts`, `free of the paths WorkQueueJobs mounts (${RESERVED_PATHS.join(', ')})`, m.path);
    }
    for (const name of Object.keys(c.env.variables)) {
      if (name in ownEnv) throw propError(scope, `${prop}.envVariables`, `free of the names WorkQueueJobs sets (${Object.keys(ownEnv).join(', ')})`, name);
    }
    for (const [name, value] of Object.entries(ownEnv)) c.env.addVariable(name, value);
    c.mount(WORK_DIR, workVolume);
    c.mount('/tmp', tmpVolume);
    c.mount(mounted.path, mountedVolume, { readOnly: true });
    return withDropAll(c);
  };

  const initContainers = spec.init(mountedVolume, workVolume);
  const containers: kplus.k8s.Container[] = [];
  const names = new Set<string>(initContainers.map((c) => c.name));
  const addUser = (p: kplus.ContainerProps, prop: string, defaultName: string, list: kplus.k8s.Container[]) => {
    const json = userContainer(p, prop, defaultName);
    if (names.has(json.name)) throw propError(scope, `${prop}.name`, 'a container name not used by another container of the pod', json.name);
    names.add(json.name);
    list.push(json);
  };
  spec.stages.forEach((s, i) => addUser(s, `stages[${i}]`, `stage-${i + 1}`, initContainers));
  addUser(spec.worker, 'worker', 'worker', containers);
  const volumes = new Map<string, kplus.Volume>();
  for (const v of [workVolume, tmpVolume, mountedVolume]) volumes.set(v.name, v);
  for (const p of [...spec.stages, spec.worker]) {
    for (const m of p.volumeMounts ?? []) {
      const known = volumes.get(m.volume.name);
      if (known !== undefined && known !== m.volume) throw propError(scope, 'worker', 'containers whose volumes have distinct names', m.volume.name);
      volumes.set(m.volume.name, m.volume);
    }
  }

  return {
    metadata: {
      labels: spec.labels,
      annotations: { [ConfigChecksum.ANNOTATION]: ConfigChecksum.of(spec.checksummed) },
    },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: spec.uid,
        runAsGroup: spec.gid,
        fsGroup: spec.gid,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      initContainers: initContainers.length > 0 ? initContainers : undefined,
      containers,
      volumes: [...volumes.values()].sort((a, b) => a.name.localeCompare(b.name)).map((v) => v._toKube()),
    },
  };
}

/** A container's spec with `capabilities: { drop: [ALL] }` (cdk8s-plus-27's `Capability` has no `ALL`). */
export function withDropAll(c: kplus.Container): kplus.k8s.Container {
  const k = c._toKube();
  return { ...k, securityContext: { ...k.securityContext, capabilities: { drop: ['ALL'] } } };
}
