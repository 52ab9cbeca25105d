import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { WorkerStageProps } from './worker-stage';
import { checkAppContainer, CheckedAppContainer } from '../../blocks/_app-container';
import { applyPodOptionsToTemplate } from '../../blocks/_pod-options';
import { WorkQueueEnv } from '../../config/work-queue';
import { kubeContainer, newContainer, ResourceQuantities } from '../../core/_resources';
import { AppContainerProps } from '../../core/app-container';
import { ConfigChecksum } from '../../core/checksum';
import { ResourceNames } from '../../core/names';
import { PodOptions } from '../../core/pod-options';
import { propError } from '../../core/prop-error';
import { RestrictedSecurity } from '../../core/security';

// Internal: the pod every worker mode runs — the user's stages and worker with the contract in their environment,
// the shared work dir, a writable /tmp and one mounted ConfigMap (the scripts or the items), restricted, with the
// pod options. Built as API-shaped L1 structs: the same template is the worker Job's and KEDA's `jobTargetRef`.

/** Where the scripts ConfigMap is mounted. */
export const SCRIPTS_DIR = '/etc/work-queue/scripts';
/** Where the items ConfigMap is mounted (`SCRIPTS_DIR/../items`, as the scripts expect). */
export const ITEMS_DIR = '/etc/work-queue/items';
/** The emptyDir shared by the containers of a worker pod. */
export const WORK_DIR = '/var/run/work-queue';
/** The paths WorkQueueJobs mounts in worker containers besides `/tmp` (which is always writable). */
const RESERVED_PATHS = [WORK_DIR, SCRIPTS_DIR, ITEMS_DIR];
/** The worker's resources when `worker.resources` is unset. */
/** A worker's default resources; its ephemeral storage covers the work and tmp emptyDirs (`WORK_SIZE_LIMIT`, `TMP_SIZE_LIMIT`). */
export const WORKER_RESOURCES: ResourceQuantities = { cpu: ['1000m', '1500m'], memory: ['512Mi', '2048Mi'], ephemeralStorage: ['256Mi', '2Gi'] };
/** The size limit of a worker's work dir (the item it fetched and what it writes for it). */
export const WORK_SIZE_LIMIT = Size.gibibytes(1);
/** The size limit of a worker's /tmp. */
export const TMP_SIZE_LIMIT = Size.mebibytes(512);
/** The size limit of each of a worker's (or stage's) own writable dirs. */
export const WRITABLE_DIR_SIZE_LIMIT = Size.mebibytes(256);

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
  readonly worker: AppContainerProps;
  /** Init containers of the user's, run in order after those `init` makes. */
  readonly stages: readonly WorkerStageProps[];
  readonly labels: { [key: string]: string };
  /** The contract's variables (after `WORK_DIR`), in every user container; the user may not set them. */
  readonly env: { [name: string]: kplus.EnvValue };
  readonly mounted: MountedConfigMap;
  /** The ConfigMaps whose checksum rolls the pod. */
  readonly checksummed: kplus.ConfigMap[];
  /** The library's init containers, given the mounted ConfigMap's volume and the work volume. */
  readonly init: (mountedVolume: kplus.Volume, workVolume: kplus.Volume) => kplus.k8s.Container[];
  /** The checked pod options. */
  readonly pod: PodOptions;
}

/** The worker pod template; prop errors name `scope`'s props (`worker`, `stages[i]`). */
export function workerPod(scope: Construct, spec: WorkerPodSpec): kplus.k8s.PodTemplateSpec {
  const ns = new Construct(scope, 'WorkerPod');
  const workVolume = kplus.Volume.fromEmptyDir(ns, 'Work', 'work', { sizeLimit: WORK_SIZE_LIMIT });
  const tmpVolume = kplus.Volume.fromEmptyDir(ns, 'Tmp', 'tmp', { sizeLimit: TMP_SIZE_LIMIT });
  const ownEnv: { [name: string]: kplus.EnvValue } = { [WorkQueueEnv.WORK_DIR]: kplus.EnvValue.fromValue(WORK_DIR), ...spec.env };
  const mounted = spec.mounted;
  const mountedVolume = kplus.Volume.fromConfigMap(ns, mounted.id, mounted.configMap, { name: mounted.volumeName });
  const volumes = new Map<string, kplus.Volume>();
  for (const v of [workVolume, tmpVolume, mountedVolume]) volumes.set(v.name, v);

  const userContainer = (prop: string, checked: CheckedAppContainer): kplus.k8s.Container => {
    const c = newContainer({ ...checked.props, securityContext: RestrictedSecurity.containerSecurityContext(checked) });
    for (const [name, value] of Object.entries(ownEnv)) c.env.addVariable(name, value);
    c.mount(WORK_DIR, workVolume);
    c.mount('/tmp', tmpVolume);
    c.mount(mounted.path, mountedVolume, { readOnly: true });
    for (const dir of checked.writableDirs) {
      if (dir === '/tmp') continue;
      if (RESERVED_PATHS.some((p) => dir === p || dir.startsWith(`${p}/`))) {
        throw propError(scope, `${prop}.writableDirs`, `free of the paths WorkQueueJobs mounts (${RESERVED_PATHS.join(', ')}; /tmp is always writable)`, dir);
      }
      const suffix = dir.replace(/[^a-z0-9]+/gi, '-').replace(/^-+|-+$/g, '').toLowerCase() || 'root';
      const name = `${c.name}-${suffix}`.slice(0, 63).replace(/-+$/, '');
      if (volumes.has(name)) throw propError(scope, `${prop}.writableDirs`, `paths that give distinct volume names (two make '${name}')`, dir);
      const volume = kplus.Volume.fromEmptyDir(ns, `Writable-${name}`, name, { sizeLimit: WRITABLE_DIR_SIZE_LIMIT });
      volumes.set(name, volume);
      c.mount(dir, volume);
    }
    return withDropAll(c);
  };

  const reserved = Object.keys(ownEnv);
  const initContainers = spec.init(mountedVolume, workVolume);
  const containers: kplus.k8s.Container[] = [];
  const names = new Set<string>(initContainers.map((c) => c.name));
  const addUser = (prop: string, name: string, c: AppContainerProps, list: kplus.k8s.Container[]): CheckedAppContainer => {
    if (!ResourceNames.isDnsLabel(name)) throw propError(scope, `${prop}.name`, 'a container name (a DNS-1123 label: at most 63 lowercase letters, digits and \'-\')', name);
    if (names.has(name)) throw propError(scope, `${prop}.name`, 'a container name not used by another container of the pod', name);
    names.add(name);
    const checked = checkAppContainer(scope, prop, c, { name, reservedEnv: reserved, defaultResources: WORKER_RESOURCES });
    list.push(userContainer(prop, checked));
    return checked;
  };
  spec.stages.forEach((s, i) => {
    const prop = `stages[${i}]`;
    for (const probe of ['readiness', 'liveness', 'startup'] as const) {
      if (s?.[probe] !== undefined) throw propError(scope, `${prop}.${probe}`, 'unset (stages run as init containers, which Kubernetes gives no probes)', describeProbe(s[probe]));
    }
    addUser(prop, s?.name ?? `stage-${i + 1}`, s, initContainers);
  });
  const worker = addUser('worker', 'worker', spec.worker, containers);

  const template: kplus.k8s.PodTemplateSpec = {
    metadata: {
      labels: { ...spec.labels },
      annotations: { [ConfigChecksum.ANNOTATION]: ConfigChecksum.of(spec.checksummed) },
    },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: worker.uid,
        runAsGroup: worker.gid,
        fsGroup: worker.gid,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      initContainers: initContainers.length > 0 ? initContainers : undefined,
      containers,
      volumes: [...volumes.values()].sort((a, b) => a.name.localeCompare(b.name)).map((v) => v._toKube()),
    },
  };
  // The options' structs are converted to the API's spelling, which the L1 converter of the Job spec (or the
  // ScaledJob's jobTargetRef) leaves unchanged: they hold no Quantity or IntOrString.
  applyPodOptionsToTemplate(template as { metadata?: any; spec: any }, spec.pod);
  return template;
}

/**
 * A container's spec with `capabilities: { drop: [ALL] }` (cdk8s-plus-27's `Capability` has no `ALL`) and its ephemeral
 * storage (`newContainer`).
 */
export function withDropAll(c: kplus.Container): kplus.k8s.Container {
  const k = kubeContainer(c);
  return { ...k, securityContext: { ...k.securityContext, capabilities: { drop: ['ALL'] } } };
}

function describeProbe(p: unknown): unknown {
  return p !== null && typeof p === 'object' && typeof (p as any)._toKube === 'function' ? 'a probe' : p;
}
