import * as kplus from 'cdk8s-plus-34';
import { Construct, IConstruct } from 'constructs';

// The line adapter of the cdk8s-plus-34 line (Kubernetes 1.34, the package `cdk8s-distributed-patterns-34`).
// scripts/line.ts puts this file in place of src/line/index.ts in the generated copy of src/ (lines/34/src/line/);
// it has exactly the exports of src/line/index.ts (the 27 line's adapter), with the same signatures — see the
// rules there: it imports cdk8s, cdk8s-plus-34 and constructs only.

/** What a line is. */
export interface LineInfo {
  /** The cdk8s-plus package the line is built on (`cdk8s-plus-34`). */
  readonly cdk8sPlus: string;
  /** The npm package (and Python distribution) of this library for the line. */
  readonly packageName: string;
  /** The Kubernetes minor version the line targets (34 for 1.34). */
  readonly kubernetesMinor: number;
  /**
   * Whether containers the library adds beside a user's app are native sidecars (init containers with
   * `restartPolicy: Always`: they start before the app, are probed, stop after it and never block a Job's
   * completion) or regular containers.
   */
  readonly nativeSidecars: boolean;
}

/** This line. */
export const LINE: LineInfo = {
  cdk8sPlus: 'cdk8s-plus-34',
  packageName: 'cdk8s-distributed-patterns-34',
  kubernetesMinor: 34,
  nativeSidecars: true,
};

/** The container lists of a pod spec. */
export type ContainerList = 'containers' | 'initContainers';

/** Where `addSidecarContainer` put a container: its list and index, for the JSON patches that address it. */
export interface SidecarPlacement {
  readonly container: kplus.Container;
  readonly list: ContainerList;
  readonly index: number;
}

/**
 * Adds a container that runs beside the user's app for the pod's whole life (an ambassador, exporter, adapter,
 * git-sync, a terminator). On this line it is a native sidecar (Kubernetes 1.29 beta, on by default; GA in 1.33):
 * an init container with `restartPolicy: Always`, which starts (and, with a startup probe, is started) before the
 * app's containers, may have readiness, liveness and startup probes, keeps running beside the app, is stopped
 * after the app's containers, and does not keep a Job's pod from completing.
 */
export function addSidecarContainer(pod: kplus.AbstractPod, props: kplus.ContainerProps): SidecarPlacement {
  const container = pod.addInitContainer({ ...props, restartPolicy: kplus.ContainerRestartPolicy.ALWAYS });
  return { container, list: 'initContainers', index: pod.initContainers.length - 1 };
}

/**
 * cdk8s-plus-34 2.0.54 drops every pod volume of a StatefulSet that has no `volumeClaimTemplates` of its own
 * (`StatefulSet._filterPodSpecVolumes` returns undefined when there are none: cdk8s-team/cdk8s-plus#6735,
 * cdk8s-team/cdk8s#2760 and #2858; the fix, cdk8s-team/cdk8s-plus#6750, is not released). The library adds its
 * claim templates by JSON patch (one code path on every line), so without this every StatefulSet of the library
 * would lose its emptyDir and ConfigMap volumes. When the StatefulSet has claim templates of its own (a user's
 * `addVolumeClaimTemplate`), upstream's filter is right and is kept.
 */
class VolumeKeepingStatefulSet extends kplus.StatefulSet {
  public _toPodSpec(): kplus.k8s.PodSpec {
    return withPodVolumes(this, super._toPodSpec());
  }
}

/** `spec` (a StatefulSet's pod spec from cdk8s-plus-34) with the pod volumes upstream's filter dropped. */
function withPodVolumes(sts: kplus.StatefulSet, spec: kplus.k8s.PodSpec): kplus.k8s.PodSpec {
  if ((sts.volumeClaimTemplates?.length ?? 0) > 0) return spec;
  // The pod spec of Workload (StatefulSet's base), before StatefulSet's filter.
  const unfiltered: kplus.k8s.PodSpec = Object.getPrototypeOf(kplus.StatefulSet.prototype)._toPodSpec.call(sts);
  return { ...spec, volumes: unfiltered.volumes };
}

const KEPT = Symbol.for('cdk8s-distributed-patterns.line.keepVolumes');

/**
 * `pod`, ready for the library to add containers and volumes to it. A user's own cdk8s-plus-34 StatefulSet
 * (`AdapterMonitoring({ workload })`, `addAmbassadorTo(statefulSet)`) has the upstream bug of `statefulSet()`:
 * the volumes the library mounts into it would be dropped. This gives that one object the same fix (its pod spec
 * keeps its volumes when it has no claim templates of its own); any other pod is returned as it is.
 */
export function keepVolumes<T extends kplus.AbstractPod>(pod: T): T {
  if (pod instanceof kplus.StatefulSet && !(pod instanceof VolumeKeepingStatefulSet) && !(pod as any)[KEPT]) {
    const sts: kplus.StatefulSet = pod;
    const upstream = sts._toPodSpec.bind(sts);
    Object.defineProperty(sts, '_toPodSpec', { value: () => withPodVolumes(sts, upstream()), configurable: true });
    Object.defineProperty(sts, KEPT, { value: true });
  }
  return pod;
}

/**
 * A StatefulSet. On this line one that keeps its pod volumes (see `VolumeKeepingStatefulSet`): upstream
 * cdk8s-plus-34 2.0.54 drops them when the claim templates come by JSON patch.
 */
export function statefulSet(scope: Construct, id: string, props: kplus.StatefulSetProps): kplus.StatefulSet {
  return new VolumeKeepingStatefulSet(scope, id, props);
}

/**
 * Why `feature` cannot be used on this line — it needs Kubernetes `1.<sinceMinor>` or newer — or undefined when
 * it can. The message names the line and the package to use instead; a construct throws it with its path.
 */
export function lineFeatureProblem(scope: IConstruct, feature: string, sinceMinor: number): string | undefined {
  if (LINE.kubernetesMinor >= sinceMinor) return undefined;
  return `${scope.node.path}: ${feature} needs Kubernetes 1.${sinceMinor} or newer, and this is the ${LINE.cdk8sPlus} line `
    + `(Kubernetes 1.${LINE.kubernetesMinor}, package ${LINE.packageName}); use the package of a newer line`;
}
