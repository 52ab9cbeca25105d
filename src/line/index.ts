import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';

// Internal (not exported from the package index): the line adapter, the one module where the cdk8s-plus lines
// this library is built for differ. This file is the cdk8s-plus-27 line's (Kubernetes 1.27, the package
// `cdk8s-distributed-patterns`). The build of another line (scripts/line.ts, lines/lines.json) generates that
// line's package from this same src/, with `cdk8s-plus-27` imports rewritten and this file replaced by
// lines/adapters/<line>.ts — so every adapter has exactly these exports, with these signatures
// (test/line/adapter.test.ts checks it on every line).
//
// Rules: an adapter imports cdk8s, its cdk8s-plus line and constructs only — nothing of the library (it is the
// bottom floor, below core/) — and holds no pattern logic: only what a line has or lacks.

/** What a line is. */
export interface LineInfo {
  /** The cdk8s-plus package the line is built on (`cdk8s-plus-27`). */
  readonly cdk8sPlus: string;
  /** The npm package (and Python distribution) of this library for the line. */
  readonly packageName: string;
  /** The Kubernetes minor version the line targets (27 for 1.27). */
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
  cdk8sPlus: 'cdk8s-plus-27',
  packageName: 'cdk8s-distributed-patterns',
  kubernetesMinor: 27,
  nativeSidecars: false,
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
 * git-sync, a terminator). On this line (Kubernetes 1.27 has no native sidecars) it is a regular container: it
 * starts with the app, not before, and a Job's pod completes only when it exits too.
 */
export function addSidecarContainer(pod: kplus.AbstractPod, props: kplus.ContainerProps): SidecarPlacement {
  const container = pod.addContainer(props);
  return { container, list: 'containers', index: pod.containers.length - 1 };
}

/**
 * A StatefulSet. On this line, cdk8s-plus-27's own (it has no claim templates; the library adds them by JSON patch).
 */
export function statefulSet(scope: Construct, id: string, props: kplus.StatefulSetProps): kplus.StatefulSet {
  return new kplus.StatefulSet(scope, id, props);
}

/**
 * `pod`, ready for the library to add containers and volumes to it — a user's workload included. On this line
 * nothing to do.
 */
export function keepVolumes<T extends kplus.AbstractPod>(pod: T): T {
  return pod;
}

/**
 * Why `feature` cannot be used on this line — it needs Kubernetes `1.<sinceMinor>` or newer — or undefined when
 * it can. The message names the line and the package to use instead; a construct throws it with its path.
 */
export function lineFeatureProblem(scope: IConstruct, feature: string, sinceMinor: number): string | undefined {
  if (LINE.kubernetesMinor >= sinceMinor) return undefined;
  return `${scope.node.path}: ${feature} needs Kubernetes 1.${sinceMinor} or newer, and this is the ${LINE.cdk8sPlus} line `
    + `(Kubernetes 1.${LINE.kubernetesMinor}, package ${LINE.packageName}); use the package of a newer line `
    + '(cdk8s-distributed-patterns-34 for Kubernetes 1.34)';
}
