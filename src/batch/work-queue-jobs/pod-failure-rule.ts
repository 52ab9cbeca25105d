import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { propError } from '../../core/prop-error';

/**
 * One rule of a Job's `podFailurePolicy` (Kubernetes 1.26+, beta and on by default in 1.27).
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-failure-policy
 */
export class PodFailureRule {
  /**
   * Pods killed by a disruption (drain, preemption, eviction: the `DisruptionTarget` condition) do not count
   * towards `backoffLimit`: their items go back on the queue by the lease, so nothing is lost.
   */
  public static ignoreDisruptions(): PodFailureRule {
    return new PodFailureRule('Ignore', undefined, undefined);
  }

  /**
   * Fail the whole Job, without retries, when a container exits with one of `exitCodes` (e.g. a worker's "bad
   * configuration" code).
   *
   * @param exitCodes exit codes from 1 to 255
   * @param containerName only this container's exit code counts; default: any container's
   */
  public static failJobOnExitCodes(exitCodes: number[], containerName?: string): PodFailureRule {
    return new PodFailureRule('FailJob', [...exitCodes], containerName);
  }

  /**
   * Retry, without counting towards `backoffLimit`, when a container exits with one of `exitCodes`.
   *
   * @param exitCodes exit codes from 1 to 255
   * @param containerName only this container's exit code counts; default: any container's
   */
  public static ignoreExitCodes(exitCodes: number[], containerName?: string): PodFailureRule {
    return new PodFailureRule('Ignore', [...exitCodes], containerName);
  }

  private constructor(
    private readonly action: string,
    private readonly exitCodes: number[] | undefined,
    private readonly containerName: string | undefined,
  ) {}

  /**
   * The rule as the Job spec holds it; `scope` is the construct whose `podFailurePolicy[index]` this is, and
   * `containerNames` the containers of its pod.
   *
   * @internal
   */
  public _toKube(scope: IConstruct, index: number, containerNames: string[]): kplus.k8s.PodFailurePolicyRule {
    if (this.exitCodes === undefined) {
      return { action: this.action, onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] };
    }
    const prop = `podFailurePolicy[${index}]`;
    const codes = this.exitCodes;
    if (codes.length === 0 || codes.length > 255 || codes.some((c) => !Number.isInteger(c) || c < 1 || c > 255)) {
      throw propError(scope, `${prop}.exitCodes`, 'from 1 to 255 exit codes, each an integer from 1 to 255', codes);
    }
    if (this.containerName !== undefined && !containerNames.includes(this.containerName)) {
      throw propError(scope, `${prop}.containerName`, `one of the pod's containers (${containerNames.map((n) => `'${n}'`).join(', ')})`, this.containerName);
    }
    return {
      action: this.action,
      onExitCodes: { containerName: this.containerName, operator: 'In', values: [...new Set(codes)].sort((a, b) => a - b) },
      onPodConditions: [],
    };
  }
}
