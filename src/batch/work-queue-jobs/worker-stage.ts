import { AppContainerProps } from '../../core/app-container';

/**
 * One stage of a multi-worker pod (`WorkQueueJobsProps.stages`): your container, with the name it has in the pod.
 * Stages run as init containers, in order, before the worker, so Kubernetes gives them no probes.
 */
export interface WorkerStageProps extends AppContainerProps {
  /**
   * The container's name in the pod (a DNS-1123 label; `PodFailureRule` exit-code rules may name it).
   *
   * @default - `stage-<n>`, n counting from 1
   */
  readonly name?: string;
}
