// ScatterGather: bad input fails at synthesis with the construct path, the prop and the value (issue 15) — typed
// mistakes and the same props as a JavaScript or Python caller may pass them.
import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AppContainerProps, HedgePolicy, MergeStrategy, NetworkPeer, RequestPartition, ScatterGather, ScatterGatherProps } from '../../src';
import { BadInput, badInputs } from '../harness/bad-input';
import { chartWithContext } from '../serving/pod-template-checks';

const LEAF: AppContainerProps = { image: 'ghcr.io/example/search-leaf:1.4.2', port: 9000 };
const AT = "ScatterGather 'test/search'";

function sg(chart: Chart, props: Partial<ScatterGatherProps> | any = {}, leaf: Partial<AppContainerProps> | any = {}): ScatterGather {
  return new ScatterGather(chart, 'search', { ...props, leaf: { ...LEAF, ...leaf } });
}

const cases: BadInput[] = [
  // counts
  { class: 'count', what: 'shards is 0', build: (c) => sg(c, { shards: 0 }), message: `${AT}: 'shards' must be an integer from 1 to 1000, got 0` },
  { class: 'count', what: 'shards is 1001', build: (c) => sg(c, { shards: 1001 }), message: "'shards' must be an integer from 1 to 1000, got 1001" },
  { class: 'count', what: 'replicasPerShard is 0', build: (c) => sg(c, { replicasPerShard: 0 }), message: "'replicasPerShard' must be an integer from 1 to 100, got 0" },
  { class: 'count', what: 'the root has 0 replicas', build: (c) => sg(c, { replicas: 0 }), message: "'replicas' must be an integer from 1 to 100, got 0" },
  { class: 'count', what: 'maxConcurrentRequests is 0', build: (c) => sg(c, { maxConcurrentRequests: 0 }), message: "'maxConcurrentRequests' must be an integer from 1 to 1000000, got 0" },
  { class: 'count', what: 'the hedge budget is 0 %', build: (c) => sg(c, { hedge: HedgePolicy.after(Duration.millis(10), { maxPercent: 0 }) }), message: "'hedge.maxPercent' must be an integer from 1 to 100, got 0" },
  { class: 'count', what: 'top-k keeps 0 items', build: (c) => sg(c, { merge: MergeStrategy.topK({ field: 'score', k: 0 }) }), message: "'merge.k' must be an integer from 1 to 100000, got 0" },
  { class: 'count', what: 'top-k without k', build: (c) => sg(c, { merge: MergeStrategy.topK({ field: 'score' } as any) }), message: "'merge.k' must be an integer from 1 to 100000, got undefined" },

  // names and labels
  { class: 'name', what: 'the name leaves no room for -shard-<i>', build: (c) => sg(c, { name: 'a'.repeat(56), shards: 10 }), message: "'name' must be a DNS-1123 label of at most 55 characters" },
  { class: 'name', what: 'the name ends with a dash', build: (c) => sg(c, { name: 'search-' }), message: "'name' must be a DNS-1123 label" },
  { class: 'label', what: 'partOf has a slash', build: (c) => sg(c, { partOf: 'shop/search' }), message: "'partOf' must be a label value (at most 63 characters: alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric), got 'shop/search'" },
  { class: 'label', what: 'a pod label sets part-of', build: (c) => sg(c, { pod: { labels: { 'app.kubernetes.io/part-of': 'shop' } } }), message: "'pod.labels' must be free of 'app.kubernetes.io/*' keys (the library sets them on every pod; set 'partOf' for app.kubernetes.io/part-of), got 'app.kubernetes.io/part-of'" },
  { class: 'label', what: 'an annotation key is invalid', build: (c) => sg(c, { pod: { annotations: { 'a b': 'x' } } }), message: "'pod.annotations' must be annotation keys of the form [prefix/]name" },

  // durations and timings
  { class: 'duration', what: 'the timeout is 0', build: (c) => sg(c, { timeout: Duration.millis(0) }), message: "'timeout' must be a duration of whole milliseconds from 1ms to 1h, got '0ms'" },
  { class: 'duration', what: 'the timeout is half a millisecond', build: (c) => sg(c, { timeout: Duration.millis(0.5) }), message: "'timeout' must be a duration of whole milliseconds from 1ms to 1h, got '0.5ms'" },
  { class: 'duration', what: 'the client timeout is 0', build: (c) => sg(c, { clientTimeout: Duration.millis(0) }), message: "'clientTimeout' must be a duration of whole milliseconds from 1ms to 1h, got '0ms'" },
  { class: 'duration', what: 'the client timeout is over an hour', build: (c) => sg(c, { clientTimeout: Duration.hours(2) }), message: "'clientTimeout' must be a duration of whole milliseconds from 1ms to 1h, got '7200000ms'" },
  { class: 'duration', what: 'the drain delay is over an hour', build: (c) => sg(c, { drainDelay: Duration.hours(2) }), message: "'drainDelay' must be a duration of whole milliseconds from 0ms to 1h, got '7200000ms'" },
  { class: 'duration', what: 'a fractional hedge delay', build: (c) => sg(c, { hedge: HedgePolicy.after(Duration.millis(0.5)) }), message: "'hedge' must be a duration of whole milliseconds from 1ms to 1h, got '0.5ms'" },
  { class: 'timing', what: 'the hedge delay equals the timeout', build: (c) => sg(c, { timeout: Duration.millis(500), hedge: HedgePolicy.after(Duration.millis(500)) }), message: "'hedge' must be a delay less than 'timeout' (500ms), got '500ms'" },
  { class: 'timing', what: 'the hedge delay is longer than the default timeout', build: (c) => sg(c, { hedge: HedgePolicy.after(Duration.seconds(2)) }), message: "'hedge' must be a delay less than 'timeout' (1000ms), got '2000ms'" },
  { class: 'timing', what: 'the percentile hedge\'s minDelay reaches the timeout', build: (c) => sg(c, { timeout: Duration.millis(5), hedge: HedgePolicy.percentile({ percentile: 95 }) }), message: "'hedge' must be a delay less than 'timeout' (5ms), got '5ms'" },

  { class: 'timing', what: 'the leaf readiness delay as a number', build: (c) => sg(c, {}, { readiness: kplus.Probe.fromHttpGet('/healthz', { initialDelaySeconds: 5 as any }) }), message: "'leaf.readiness.initialDelaySeconds' must be a Duration (e.g. Duration.seconds(30)), got 5" },
  { class: 'port', what: 'the leaf readiness probes port 0', build: (c) => sg(c, {}, { readiness: kplus.Probe.fromTcpSocket({ port: 0 }) }), message: "'leaf.readiness.port' must be an integer from 1 to 65535, got 0" },

  // sizes and resources
  { class: 'size', what: 'a request body limit over 1 GiB', build: (c) => sg(c, { maxRequestBodySize: Size.gibibytes(2) }), message: "'maxRequestBodySize' must be a size of whole bytes from 0 to 1073741824 bytes, got '2147483648 bytes'" },
  { class: 'size', what: 'a leaf answer limit of 0', build: (c) => sg(c, { maxLeafResponseSize: Size.kibibytes(0) }), message: "'maxLeafResponseSize' must be a size of whole bytes from 1 to 1073741824 bytes, got '0 bytes'" },
  { class: 'resources', what: 'the root\'s memory request is above its limit', build: (c) => sg(c, { rootResources: { memory: { request: Size.mebibytes(512), limit: Size.mebibytes(256) } } }), message: "'rootResources.memory.request' must be at most the memory limit (256Mi), got '512Mi'" },
  {
    class: 'resources',
    what: 'the leaf\'s CPU request is above its limit',
    build: (c) => sg(c, {}, { resources: { cpu: { request: kplus.Cpu.millis(1500), limit: kplus.Cpu.units(1) } } }),
    message: "'leaf.resources.cpu.request' must be at most the CPU limit (1), got '1500m'",
  },
  { class: 'size', what: 'the root\'s memory is not whole MiB', build: (c) => sg(c, { rootResources: { memory: { limit: Size.kibibytes(1000) } } }), message: "'rootResources.memory.limit' must be a whole number of MiB (e.g. Size.mebibytes(128)), got '1000Ki'" },

  // the root's memory (issue 22): the worst case must fit the limit it is given
  {
    class: 'resources',
    what: 'the root\'s memory limit cannot hold the fan-outs given',
    build: (c) => sg(c, { maxConcurrentRequests: 64, rootResources: { memory: { limit: Size.mebibytes(256) } } }),
    message: `${AT}: 'rootResources.memory.limit' must be at least 968Mi for 64 concurrent fan-outs (64Mi for Node + 64 × (3 × (4 × 1Mi + 32Ki) + 2 × 1Mi + 32Ki): maxConcurrentRequests × (shards × (4 × maxLeafResponseSize + 32Ki) + 2 × maxRequestBodySize + 32Ki)), got '256Mi'`,
  },
  {
    class: 'resources',
    what: 'the root\'s memory limit cannot hold one fan-out',
    build: (c) => sg(c, { shards: 8, maxLeafResponseSize: Size.mebibytes(16), rootResources: { memory: { limit: Size.mebibytes(256) } } }),
    message: "'rootResources.memory.limit' must be at least 579Mi for 1 concurrent fan-out (64Mi for Node + 1 × (8 × (4 × 16Mi + 32Ki) + 2 × 1Mi + 32Ki)",
  },
  { class: 'resources', what: 'the root\'s memory limit is below what Node needs', build: (c) => sg(c, { rootResources: { memory: { limit: Size.mebibytes(32) } } }), message: "'rootResources.memory.limit' must be at least 79Mi for 1 concurrent fan-out" },

  // ports
  { class: 'port', what: 'the leaf takes the root\'s port', build: (c) => sg(c, {}, { port: 8080 }), message: "'leaf.port' must be a port other than the root's 'port' (8080), got 8080" },
  { class: 'port', what: 'the root takes the leaf\'s port', build: (c) => sg(c, { port: 9000 }), message: "'leaf.port' must be a port other than the root's 'port' (9000), got 9000" },
  { class: 'port', what: 'the leaf port is out of range', build: (c) => sg(c, {}, { port: 70000 }), message: "'leaf.port' must be an integer from 1 to 65535, got 70000" },
  { class: 'port', what: 'the leaf has no port', build: (c) => sg(c, {}, { port: undefined }), message: "'leaf.port' must be the port the container listens on (the root sends requests to it), got undefined" },
  { class: 'port', what: 'the root port is 0', build: (c) => sg(c, { port: 0 }), message: "'port' must be an integer from 1 to 65535, got 0" },
  { class: 'port', what: 'the leaf port name has uppercase letters', build: (c) => sg(c, {}, { portName: 'Search' }), message: "'leaf.portName' must be an IANA service name" },

  // images
  { class: 'image', what: 'the leaf image is latest', build: (c) => sg(c, {}, { image: 'example/leaf:latest' }), message: "'leaf.image' must be an image pinned to a tag or digest other than 'latest' (e.g. 'redis:7.2.5-alpine'), got 'example/leaf:latest'" },
  { class: 'image', what: 'the leaf image has an uppercase repository', build: (c) => sg(c, {}, { image: 'ghcr.io/Example/leaf:1.0' }), message: "'leaf.image' must be a valid image reference" },
  { class: 'image', what: 'the node override is not pinned', build: (c) => sg(c, { images: { node: 'node' } }), message: "'images.node' must be an image pinned to a tag or digest other than 'latest'" },
  {
    class: 'image',
    what: 'an app-wide registry mirror has a scheme',
    build: () => sg(chartWithContext('cdk8s-distributed-patterns:registry-mirrors', { 'docker.io': 'https://harbor.example.com/dockerhub' })),
    message: "'context cdk8s-distributed-patterns:registry-mirrors.docker.io' must be a registry prefix without a scheme (e.g. 'harbor.example.com/dockerhub'), got 'https://harbor.example.com/dockerhub'",
  },

  // env
  { class: 'env', what: 'the leaf env sets SHARD_INDEX', build: (c) => sg(c, {}, { env: { SHARD_INDEX: kplus.EnvValue.fromValue('3') } }), message: "'leaf.env' must be free of 'SHARD_INDEX', 'SHARD_COUNT' (the construct sets them), got 'SHARD_INDEX'" },
  { class: 'env', what: 'a leaf env name has a slash', build: (c) => sg(c, {}, { env: { 'INDEX/DIR': kplus.EnvValue.fromValue('/data') } }), message: "'leaf.env' must be variable names of letters, digits, '_', '-' and '.', not starting with a digit, got 'INDEX/DIR'" },

  // paths
  { class: 'path', what: 'the leaf readiness path is relative', build: (c) => sg(c, { leafReadinessPath: 'readyz' }), message: "'leafReadinessPath' must be an absolute URL path (e.g. '/readyz'), got 'readyz'" },
  { class: 'path', what: 'the leaf readiness path has a space', build: (c) => sg(c, { leafReadinessPath: '/ready z' }), message: "'leafReadinessPath' must be an absolute URL path (e.g. '/readyz'), got '/ready z'" },
  {
    class: 'choice',
    what: 'a leaf readiness path and a leaf readiness probe',
    build: (c) => sg(c, { leafReadinessPath: '/readyz' }, { readiness: kplus.Probe.fromTcpSocket() }),
    message: `${AT}: 'leafReadinessPath' must be not given together with 'leaf.readiness' (both set the leaf's readiness probe), got '/readyz'`,
  },
  { class: 'path', what: 'the path is under /metrics', build: (c) => sg(c, { path: '/metrics' }), message: "'path' must be an absolute URL path without query or trailing '/', not under the root's /healthz, /readyz or /metrics, got '/metrics'" },
  { class: 'path', what: 'the path has a query', build: (c) => sg(c, { path: '/search?q=1' }), message: "'path' must be an absolute URL path without query or trailing '/', not under the root's /healthz, /readyz or /metrics, got '/search?q=1'" },
  { class: 'path', what: 'the path is relative', build: (c) => sg(c, { path: 'search' }), message: "'path' must be an absolute URL path without query or trailing '/'" },
  { class: 'path', what: 'the path ends with a slash', build: (c) => sg(c, { path: '/search/' }), message: "got '/search/'" },
  { class: 'path', what: 'a leaf writable dir has a colon', build: (c) => sg(c, {}, { writableDirs: ['/data:rw'] }), message: "'leaf.writableDirs' must be an absolute path without spaces, ':' or '..', got '/data:rw'" },

  // choices
  { class: 'choice', what: 'an unknown missing-shard policy', build: (c) => sg(c, { missingShards: 'ignore' }), message: "'missingShards' must be one of 'fail', 'partial', got 'ignore'" },
  { class: 'choice', what: 'the percentile is 100', build: (c) => sg(c, { hedge: HedgePolicy.percentile({ percentile: 100 }) }), message: "'hedge.percentile' must be a number greater than 0 and less than 100, got 100" },
  { class: 'choice', what: 'an unknown top-k order', build: (c) => sg(c, { merge: MergeStrategy.topK({ field: 'score', k: 3, order: 'up' as any }) }), message: "'merge.order' must be one of 'descending', 'ascending', got 'up'" },
  { class: 'choice', what: 'top-k with an empty field', build: (c) => sg(c, { merge: MergeStrategy.topK({ field: '', k: 10 }) }), message: "'merge.field' must be a non-empty field name (dots separate nested fields), got ''" },
  { class: 'choice', what: 'top-k with an empty nested field', build: (c) => sg(c, { merge: MergeStrategy.topK({ field: 'meta..score', k: 10 }) }), message: "'merge.field' must be a non-empty field name (dots separate nested fields), got 'meta..score'" },
  { class: 'choice', what: 'a toleration without a key that is not Exists', build: (c) => sg(c, { pod: { tolerations: [{ value: 'v' }] } }), message: "'pod.tolerations[0].operator' must be 'Exists' when no key is given" },
  { class: 'choice', what: 'a priority class with uppercase letters', build: (c) => sg(c, { pod: { priorityClassName: 'High' } }), message: "'pod.priorityClassName' must be a PriorityClass name (a DNS-1123 subdomain), got 'High'" },

  // policies and secrets
  { class: 'policy', what: 'the leaf runs as root', build: (c) => sg(c, {}, { uid: 0 }), message: "'leaf.uid' must be an integer from 1 to 2147483647, got 0" },
  { class: 'secret', what: 'a leaf env value references a Secret by a plain string', build: (c) => sg(c, {}, { env: { TOKEN: 'secret:api/token' } }), message: "'leaf.env.TOKEN' must be a kplus.EnvValue (EnvValue.fromValue(...), EnvValue.fromSecretValue(...), …), got 'secret:api/token'" },
  { class: 'secret', what: 'the ServiceAccount has an invalid name', build: (c) => sg(c, { pod: { serviceAccount: kplus.ServiceAccount.fromServiceAccountName(c, 'sa', 'Search_Reader') } }), message: "'pod.serviceAccount' must be a ServiceAccount (kplus.ServiceAccount.fromServiceAccountName(...)) whose name is a DNS-1123 subdomain, got 'Search_Reader'" },

  // untyped, as a JavaScript or Python caller passes them
  { class: 'untyped', what: 'the timeout as a number', build: (c) => sg(c, { timeout: 1000 }), message: "'timeout' must be a Duration (e.g. Duration.seconds(30)), got 1000" },
  { class: 'untyped', what: 'the drain delay as \'5s\'', build: (c) => sg(c, { drainDelay: '5s' }), message: "'drainDelay' must be a Duration (e.g. Duration.seconds(30)), got '5s'" },
  { class: 'untyped', what: 'the leaf answer limit as \'16Mb\'', build: (c) => sg(c, { maxLeafResponseSize: '16Mb' }), message: "'maxLeafResponseSize' must be a Size (e.g. Size.mebibytes(1)), got '16Mb'" },
  { class: 'untyped', what: 'shards as a string', build: (c) => sg(c, { shards: '4' }), message: "'shards' must be an integer from 1 to 1000, got '4'" },
  { class: 'untyped', what: 'the merge as its name', build: (c) => sg(c, { merge: 'topK' }), message: "'merge' must be a MergeStrategy (MergeStrategy.concatArrays(), .mergeObjects(), .sum(), .topK(...), .unionStrings(), .intersection()), got 'topK'" },
  { class: 'untyped', what: 'the hedge as a delay', build: (c) => sg(c, { hedge: '20ms' }), message: "'hedge' must be a HedgePolicy (HedgePolicy.none(), .after(delay), .percentile(...)), got '20ms'" },
  { class: 'untyped', what: 'the percentile hedge options as null', build: (c) => sg(c, { hedge: HedgePolicy.percentile(null as any) }), message: "'hedge' must be a HedgePolicy whose options are a PercentileHedgeOptions object, got null" },
  { class: 'untyped', what: 'the hedge budget as a string', build: (c) => sg(c, { hedge: HedgePolicy.after(Duration.millis(20), { maxPercent: '5' as any }) }), message: "'hedge.maxPercent' must be an integer from 1 to 100, got '5'" },
  { class: 'untyped', what: 'the hedge delay as a number', build: (c) => sg(c, { hedge: HedgePolicy.after(20 as any) }), message: "'hedge' must be a Duration (e.g. Duration.seconds(30)), got 20" },
  { class: 'untyped', what: 'the leaf as an image string', build: (c) => new ScatterGather(c, 'search', { leaf: 'example/leaf:1.0' } as any), message: "'leaf' must be your container ({ image, port, … }: AppContainerProps), got 'example/leaf:1.0'" },
  { class: 'untyped', what: 'no props at all', build: (c) => new (ScatterGather as any)(c, 'search'), message: "'props' must be a ScatterGatherProps object ({ leaf: { image, port } }), got undefined" },
  { class: 'untyped', what: 'the leaf uid as a string', build: (c) => sg(c, {}, { uid: '1000' }), message: "'leaf.uid' must be an integer from 1 to 2147483647, got '1000'" },
  { class: 'untyped', what: 'the leaf readiness as a path', build: (c) => sg(c, {}, { readiness: '/healthz' }), message: "'leaf.readiness' must be a kplus.Probe (Probe.fromHttpGet(...), fromTcpSocket(...), fromCommand(...)), got '/healthz'" },
  { class: 'untyped', what: 'the leaf command as a string', build: (c) => sg(c, {}, { command: 'node leaf.js' }), message: "'leaf.command' must be a list of strings, got 'node leaf.js'" },
  { class: 'untyped', what: 'the root resources as a number', build: (c) => sg(c, { rootResources: 256 }), message: "'rootResources' must be a kplus.ContainerResources ({ cpu, memory, ephemeralStorage }), got 256" },
  { class: 'untyped', what: 'the leaf readiness path as a number', build: (c) => sg(c, { leafReadinessPath: 8080 }), message: "'leafReadinessPath' must be an absolute URL path (e.g. '/readyz'), got 8080" },
  { class: 'untyped', what: 'the client timeout as \'10s\'', build: (c) => sg(c, { clientTimeout: '10s' }), message: "'clientTimeout' must be a Duration (e.g. Duration.seconds(30)), got '10s'" },
  { class: 'untyped', what: 'the path as a number', build: (c) => sg(c, { path: 42 }), message: "'path' must be an absolute URL path without query or trailing '/', not under the root's /healthz, /readyz or /metrics, got 42" },
  { class: 'untyped', what: 'a pod annotation value as a number', build: (c) => sg(c, { pod: { annotations: { 'example.com/cost': 3 } } }), message: "'pod.annotations.example.com/cost' must be a string, got 3" },
  // network policy (the options can only widen the pattern's own traffic, so no override can cut it)
  { class: 'policy', what: 'networkPolicy is a string', build: (c) => sg(c, { networkPolicy: 'on' }), message: `${AT}: 'networkPolicy' must be a NetworkPolicyOptions object, got 'on'` },
  { class: 'policy', what: 'networkPolicy.enabled is a string', build: (c) => sg(c, { networkPolicy: { enabled: 'no' } }), message: `${AT}: 'networkPolicy.enabled' must be true or false, got 'no'` },
  { class: 'policy', what: 'a client peer that selects nothing', build: (c) => sg(c, { networkPolicy: { clients: [NetworkPeer.pods({})] } }), message: `${AT}: 'networkPolicy.clients[0]' must be a peer that selects something: pod labels must not be empty` },
  { class: 'policy', what: 'a monitoring peer that selects nothing', build: (c) => sg(c, { networkPolicy: { monitoring: NetworkPeer.namespaces({}) } }), message: `${AT}: 'networkPolicy.monitoring' must be a peer that selects something: namespace labels must not be empty` },
  { class: 'policy', what: 'an extra egress IP block whose except removes it all', build: (c) => sg(c, { networkPolicy: { extraEgress: [{ peer: NetworkPeer.ipBlock('10.0.0.0/8', ['10.0.0.0/8']) }] } }), message: `${AT}: 'networkPolicy.extraEgress[0].peer' must be a peer that selects something: 'except' 10.0.0.0/8 removes the whole of 10.0.0.0/8, got '10.0.0.0/8'` },
  { class: 'policy', what: 'a client that is not a NetworkPeer', build: (c) => sg(c, { networkPolicy: { clients: [{ app: 'web' }] } }), message: `${AT}: 'networkPolicy.clients[0]' must be a NetworkPeer` },

  // term partitions (issue 18): every shard must be able to get work, and the intersection needs a partition
  {
    class: 'choice',
    what: 'an assignment that never names a shard',
    build: (c) => sg(c, {
      shards: 3, merge: MergeStrategy.intersection(), partition: RequestPartition.queryTermsByAssignment({ assignment: { cat: 0, dog: 2 } }),
    }),
    message: `${AT}: 'partition.assignment' must be a table naming every shard from 0 to 2 (a shard no term names would never be called; lower 'shards' or assign it terms), but it names no term for shard 1, got {"cat":0,"dog":2}`,
  },
  {
    class: 'choice',
    what: 'an assignment to a shard that does not exist',
    build: (c) => sg(c, { shards: 2, partition: RequestPartition.queryTermsByAssignment({ assignment: { cat: 0, dog: 1, eel: 2 } }) }),
    message: `${AT}: 'partition.assignment.eel' must be a shard index from 0 to 1, got 2`,
  },
  { class: 'choice', what: 'an empty assignment', build: (c) => sg(c, { partition: RequestPartition.queryTermsByAssignment({ assignment: {} }) }), message: `${AT}: 'partition.assignment' must be a non-empty table of term → shard index, got {}` },
  {
    class: 'choice',
    what: 'an assigned term with a space',
    build: (c) => sg(c, { shards: 1, partition: RequestPartition.queryTermsByAssignment({ assignment: { 'new york': 0 } }) }),
    message: `${AT}: 'partition.assignment' must be terms without commas or white space (they separate the terms of a query), got 'new york'`,
  },
  {
    class: 'choice',
    what: 'the intersection without a partition',
    build: (c) => sg(c, { merge: MergeStrategy.intersection() }),
    message: `${AT}: 'merge' must be a strategy that fits shards answering the same request: MergeStrategy.intersection() combines each shard's answer to its own part of the request, so it needs a 'partition' (RequestPartition.queryTermsByHash(...) or .queryTermsByAssignment(...)), got 'MergeStrategy.intersection()'`,
  },
  { class: 'choice', what: 'a partition parameter with an ampersand', build: (c) => sg(c, { partition: RequestPartition.queryTermsByHash({ parameter: 'q&x' }) }), message: `${AT}: 'partition.parameter' must be a query parameter name of 1 to 64 letters, digits, '-', '.', '_' or '~', got 'q&x'` },
  { class: 'untyped', what: 'the partition as a parameter name', build: (c) => sg(c, { partition: 'q' }), message: `${AT}: 'partition' must be a RequestPartition (RequestPartition.none(), .queryTermsByHash(...), .queryTermsByAssignment(...)), got 'q'` },
  { class: 'untyped', what: 'an assigned shard as a string', build: (c) => sg(c, { shards: 2, partition: RequestPartition.queryTermsByAssignment({ assignment: { cat: 0, dog: '1' as any } }) }), message: `${AT}: 'partition.assignment.dog' must be a shard index from 0 to 1, got '1'` },
  { class: 'untyped', what: 'the assignment options as null', build: (c) => sg(c, { partition: RequestPartition.queryTermsByAssignment(null as any) }), message: `${AT}: 'partition' must be a RequestPartition whose options are an object, got null` },
  { class: 'untyped', what: 'the parameter as a number', build: (c) => sg(c, { partition: RequestPartition.queryTermsByHash({ parameter: 1 as any }) }), message: `${AT}: 'partition.parameter' must be a query parameter name of 1 to 64 letters, digits, '-', '.', '_' or '~', got 1` },
];

badInputs('ScatterGather', cases);
