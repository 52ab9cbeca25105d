import * as kplus from 'cdk8s-plus-27';

/**
 * Pod-level options every pattern takes (its `pod` prop) and applies to every pod template it makes: Deployments,
 * StatefulSets, Jobs, CronJobs and KEDA ScaledJobs, the user's containers and the library's own.
 *
 * Scheduling fields take the Kubernetes API's own shapes (the typed `kplus.k8s.*` structs), so a platform's
 * existing values carry over unchanged.
 */
export interface PodOptions {
  /**
   * Secrets holding registry credentials (`kubernetes.io/dockerconfigjson`), for private registries and mirrors.
   *
   * @default - none
   * @see https://kubernetes.io/docs/tasks/configure-pod-container/pull-image-private-registry/
   */
  readonly imagePullSecrets?: kplus.ISecret[];
  /**
   * The ServiceAccount the pods run as (workload identity, e.g. for workers that write to object storage).
   *
   * @default - the namespace's default ServiceAccount, with no token mounted
   */
  readonly serviceAccount?: kplus.IServiceAccount;
  /**
   * Mount the ServiceAccount's token into the pods. Only with `serviceAccount`: the library's own containers
   * never call the Kubernetes API (except where a pattern says so), so a token is mounted only when you ask.
   *
   * @default false
   */
  readonly automountServiceAccountToken?: boolean;
  /**
   * `nodeSelector`: labels a node must have.
   *
   * @default - any node
   */
  readonly nodeSelector?: { [key: string]: string };
  /**
   * `tolerations`.
   *
   * @default - none
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/
   */
  readonly tolerations?: kplus.k8s.Toleration[];
  /**
   * `affinity` (node affinity, pod affinity and anti-affinity).
   *
   * @default - none
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/
   */
  readonly affinity?: kplus.k8s.Affinity;
  /**
   * `topologySpreadConstraints`, replacing the library's default spread over hostnames (which it adds to every
   * workload of more than one replica). Give an empty list to spread nothing.
   *
   * @default - replicated workloads spread over `kubernetes.io/hostname`, max skew 1, `ScheduleAnyway`
   */
  readonly topologySpreadConstraints?: kplus.k8s.TopologySpreadConstraint[];
  /**
   * `priorityClassName`.
   *
   * @default - the cluster's default priority
   */
  readonly priorityClassName?: string;
  /**
   * Extra labels on every pod (not on the selectors: a selector never changes). The library's own
   * `app.kubernetes.io/*` labels cannot be overridden here.
   *
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Extra annotations on every pod.
   *
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
}
