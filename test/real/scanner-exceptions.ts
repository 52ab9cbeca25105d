/**
 * The scanner findings the examples are allowed to have, per tool: check id → the reason it does not apply (or why
 * the library does not satisfy it). test/real/scanners.test.ts fails on any finding of a check not listed here, and
 * on a listed check that no longer finds anything (delete its line). The README's security section lists the same.
 *
 * `TODO-triage` marks a reason drafted from what the scanners found on the day the list was made (issue 23): the
 * pattern engineers fix most of them, the lead triages the rest and writes the final reason.
 */
import { ScannerName } from '../harness/scanners';

export const SCANNER_EXCEPTIONS: { readonly [tool in ScannerName]: { readonly [check: string]: string } } = {
  'checkov': {
    CKV2_K8S_6: 'TODO-triage: no NetworkPolicy selects the pod yet; the patterns are to emit one from their traffic graph (issue 23)',
    CKV_K8S_8: 'TODO-triage: workloads with a container without a liveness probe (redis, varnish, nginx, shards, leaves, stages, app containers); add one or say why a restart would not help',
    CKV_K8S_9: 'TODO-triage: no readiness probe on redis (adapter), the hit-counter app, config-sync and twemproxy containers',
    CKV_K8S_11: 'TODO-triage: no CPU limit on the config-sync sidecar (SidecarPod) and the https terminator (Sidecar.httpsTerminator)',
    CKV_K8S_15: 'TODO-triage: imagePullPolicy is IfNotPresent on most containers; images are pinned by tag, so Always only adds registry round trips',
    CKV_K8S_21: 'TODO-triage: examples use the default namespace; the issue asks that they run in their own namespace',
    CKV_K8S_35: 'TODO-triage: Secrets passed as env vars (redis passwords of the adapter, shards, work queue; the hit-counter app); issue 23 moves them to files where the daemon reads one',
    CKV_K8S_40: 'TODO-triage: the images\' own non-root UIDs are below 10000 (redis 999, nginx 101, 1000, memcached 11211 passes); checkov wants >= 10000',
    CKV_K8S_43: 'TODO-triage: images are pinned by tag, not digest; say whether ContainerImages takes a digest for users who pin by one',
  },
  'kube-score': {
    'container-image-pull-policy': 'TODO-triage: imagePullPolicy is IfNotPresent; images are pinned by tag (see checkov CKV_K8S_15)',
    'container-resources': 'TODO-triage: no CPU limit on config-sync (and its init container), the process inspector and the https terminator (see checkov CKV_K8S_11)',
    'container-security-context-user-group-id': 'TODO-triage: user and group IDs below 10000 (the images\' own: redis 999, nginx 101, 1000; see checkov CKV_K8S_40)',
    'deployment-has-host-podantiaffinity': 'TODO-triage: replicas are spread by topologySpreadConstraints over kubernetes.io/hostname, which kube-score does not read',
    'deployment-has-poddisruptionbudget': 'TODO-triage: hit-counter and web (core-restricted-web) have no PodDisruptionBudget',
    'deployment-replicas': 'TODO-triage: single-replica Deployments behind a Service in the examples (adapter cache, prometheus, the work-queue redis)',
    'horizontalpodautoscaler-replicas': "FunctionService's HPA scales from minScale, default 1 (one warm replica, no idle second one); set minScale >= 2 where a replica's restart must not interrupt the function",
    'networkpolicy-targets-pod': "the work-queue workers of KEDA mode are the pods of a ScaledJob (a KEDA custom resource), whose pod template kube-score does not read; the policy selects exactly those pods (tier 1 checks the labels, tier 2's cyclonus truth table the edges)",
    'deployment-strategy': 'TODO-triage: the work-queue redis uses strategy Recreate (one pod on its volume at a time), not RollingUpdate',
    'pod-networkpolicy': 'TODO-triage: no NetworkPolicy selects the pod yet (see checkov CKV2_K8S_6)',
    'pod-probes-identical': 'TODO-triage: readiness and liveness are the same probe on the sharded-cache proxy and shards and the sharded-http-service router',
    'statefulset-has-host-podantiaffinity': 'TODO-triage: spread by topologySpreadConstraints, which kube-score does not read',
  },
  'kube-linter': {
    'no-anti-affinity': 'spread is by topologySpreadConstraints, which kube-linter does not read',
  },
};

/** The reason listed for a check, if any. */
export function exceptionFor(tool: ScannerName, check: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(SCANNER_EXCEPTIONS[tool], check) ? SCANNER_EXCEPTIONS[tool][check] : undefined;
}
