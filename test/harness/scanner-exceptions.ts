/**
 * The scanner findings the examples are allowed to have, per tool: check id → the reason it does not apply (or why
 * the library does not satisfy it). test/real/scanners.test.ts fails on any finding of a check not listed here, and
 * on a listed check that no longer finds anything (delete its line). The README's security section lists the same.
 */
import { ScannerName } from './scanners';

export const SCANNER_EXCEPTIONS: { readonly [tool in ScannerName]: { readonly [check: string]: string } } = {
  'checkov': {
    CKV2_K8S_6: "only the examples' own client workloads (sharded-cache's web Deployment and its cache-warming Job, core-restricted-web's web): the user's pods, which the library does not isolate — every pod a pattern makes has its policy (ambassador-sharded-redis's example shows a user's own policy for its client)",
    CKV_K8S_8: "no liveness probe on the user's own containers in the examples (app, leaf, shard, web, counter, the Kafka stages' images: the patterns take `liveness` from you, who know what a hung app looks like) and on daemons that exit on a fatal error, which the kubelet restarts without a probe (redis and mariadb of the adapter examples, varnish, the TLS tier's nginx, core-restricted-web's nginx); a liveness probe that fails under load restarts a busy process and turns overload into an outage — each has readiness instead",
    CKV_K8S_9: "no readiness probe on containers that are not Service backends: the exporters (scraped by Prometheus, which marks a dead target itself), the twemproxy ambassador and git-sync beside an app (the pod's readiness is the app's; on the 34 line they are native sidecars, started before it), and the example's hit-counter client (serves nothing)",
    CKV_K8S_11: 'no CPU limit on the config-sync (git-sync) and HTTPS terminator sidecars: a CFS quota throttles a git clone or a burst of TLS handshakes into timeouts; they have CPU requests and memory limits, and the `resources` option of each sidecar sets a CPU limit where a namespace requires one',
    CKV_K8S_15: 'imagePullPolicy IfNotPresent: every image is pinned by an exact tag (never latest; a digest where you give one), so Always only adds registry round trips and makes a registry outage a pod-start outage',
    CKV_K8S_35: "Secrets as env where the consumer reads only env: the queue's seeder and reaper (`REDISCLI_AUTH`, which redis-cli reads itself), the 2FA function's provider token (a handler reads env), mariadb's and the adapter example's own redis (the user's containers); every redis the library runs reads its password from a file",
    CKV_K8S_40: "the images' own non-root uids (redis 999, nginx 101, bento and the runtimes 1000): restricted Pod Security requires non-root, not >= 10000, and another uid would not own the images' files; `uid` props take your uid where your image supports it",
    CKV_K8S_43: 'images are pinned by exact tag, not digest; `ContainerImages` overrides take `{ digest }` (and a registry mirror) for platforms that pin by digest',
  },
  'kube-score': {
    'container-image-pull-policy': 'imagePullPolicy IfNotPresent on tag-pinned images (see checkov CKV_K8S_15)',
    'container-resources': 'no CPU limit on git-sync (and its initial clone), the process inspector and the HTTPS terminator (see checkov CKV_K8S_11)',
    'container-security-context-user-group-id': "user and group IDs below 10000: the images' own (see checkov CKV_K8S_40)",
    'deployment-has-host-podantiaffinity': 'replicas are spread by topologySpreadConstraints over kubernetes.io/hostname (maxSkew 1), which kube-score does not read',
    'deployment-has-poddisruptionbudget': "the examples' own client Deployments (hit-counter, web): the user's workloads; every Deployment a pattern makes with more than one replica has its PDB",
    'deployment-replicas': "single-replica Deployments that are one by nature: a database (adapter-mysql's shop-db), the adapter example's redis, the work-queue's redis (one writer on its volume), the functions' dead-letter sink, the sidecar example's prometheus",
    'horizontalpodautoscaler-replicas': "FunctionService's HPA scales from minScale, default 1 (one warm replica, no idle second one); set minScale >= 2 where a replica's restart must not interrupt the function",
    'networkpolicy-targets-pod': "the work-queue workers of KEDA mode are the pods of a ScaledJob (a KEDA custom resource), whose pod template kube-score does not read; the policy selects exactly those pods (tier 1 checks the labels, tier 2's cyclonus truth table the edges)",
    'deployment-strategy': 'the work-queue redis uses strategy Recreate: its volume is ReadWriteOnce and a rolling update would start a second redis writing the same append-only file',
    'pod-networkpolicy': 'the examples\' own client workloads (see checkov CKV2_K8S_6)',
    'pod-probes-identical': "readiness and liveness ask the same endpoint with different timings (readiness every 5 s takes the pod out of the Service; liveness every 10 s restarts it only after 30 s): kube-score compares the handler only. Truly identical on twemproxy (a TCP port: it has no health endpoint) and on the ownership-election example's ingest app (the user's probes)",
    'statefulset-has-host-podantiaffinity': 'spread by topologySpreadConstraints, which kube-score does not read',
  },
  'kube-linter': {
    'no-anti-affinity': 'spread is by topologySpreadConstraints, which kube-linter does not read',
  },
};

/** The reason listed for a check, if any. */
export function exceptionFor(tool: ScannerName, check: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(SCANNER_EXCEPTIONS[tool], check) ? SCANNER_EXCEPTIONS[tool][check] : undefined;
}

/** The README's table of the exceptions (between `<!-- scanners:exceptions -->` markers; tier 1 checks it). */
export function exceptionsTable(): string {
  const rows = ['| tool | check | why it is not satisfied |', '|---|---|---|'];
  for (const [tool, checks] of Object.entries(SCANNER_EXCEPTIONS)) {
    for (const [check, why] of Object.entries(checks)) rows.push(`| ${tool} | \`${check}\` | ${why.replace(/\|/g, '\\|')} |`);
  }
  return rows.join('\n');
}
