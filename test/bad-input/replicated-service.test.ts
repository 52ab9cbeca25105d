// ReplicatedService: bad input fails at synthesis with the construct path, the prop and the value (issue 15) —
// typed mistakes and the same props as a JavaScript or Python caller may pass them.
import { App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AppContainerProps, NetworkPeer, ReplicatedService, ReplicatedServiceProps } from '../../src';
import { BadInput, badInputs } from '../harness/bad-input';
import { chartWithContext } from '../serving/pod-template-checks';

const APP: AppContainerProps = { image: 'example/dictionary:1.0.0', port: 8080, readiness: kplus.Probe.fromHttpGet('/readyz') };
const AT = "ReplicatedService 'test/dictionary'";

/** A ReplicatedService with `props` over a valid app, `app` over the app's fields. */
function rs(chart: Chart, props: Partial<ReplicatedServiceProps> | any = {}, app: Partial<AppContainerProps> | any = {}): ReplicatedService {
  return new ReplicatedService(chart, 'dictionary', { ...props, app: { ...APP, ...app } });
}

const tls = (chart: Chart, name = 'dictionary-tls') => kplus.Secret.fromSecretName(chart, `tls-${name}`, name);
const mem = (request: number, limit: number) => ({ memory: { request: Size.mebibytes(request), limit: Size.mebibytes(limit) } });

const cases: BadInput[] = [
  // counts
  { class: 'count', what: 'replicas is 0', build: (c) => rs(c, { replicas: 0 }), message: `${AT}: 'replicas' must be an integer from 1 to 1000, got 0` },
  { class: 'count', what: 'replicas is fractional', build: (c) => rs(c, { replicas: 1.5 }), message: "'replicas' must be an integer from 1 to 1000, got 1.5" },
  { class: 'count', what: 'maxSurge is 0', build: (c) => rs(c, { maxSurge: 0 }), message: "'maxSurge' must be an integer from 1 to 1000, got 0" },
  {
    class: 'count',
    what: 'minAvailable would block every drain',
    build: (c) => rs(c, { replicas: 3, minAvailable: 3 }),
    message: "'minAvailable' must be less than 'replicas' (3): a PodDisruptionBudget that needs every replica up blocks every node drain, got 3",
  },
  {
    class: 'count',
    what: 'minAvailable reaches the autoscaler\'s minimum',
    build: (c) => rs(c, { autoscaling: { minReplicas: 2, maxReplicas: 5 }, minAvailable: 2 }),
    message: "'minAvailable' must be less than 'autoscaling.minReplicas' (2): a PodDisruptionBudget that needs every replica up blocks every node drain, got 2",
  },
  { class: 'count', what: 'the HPA minimum is above its maximum', build: (c) => rs(c, { autoscaling: { minReplicas: 5, maxReplicas: 3 } }), message: "'autoscaling.minReplicas' must be at most 'autoscaling.maxReplicas' (3), got 5" },
  { class: 'count', what: 'the HPA minimum is 0', build: (c) => rs(c, { autoscaling: { minReplicas: 0, maxReplicas: 3 } }), message: "'autoscaling.minReplicas' must be an integer from 1 to 1000, got 0" },
  {
    class: 'count',
    what: 'replicas are given beside autoscaling',
    build: (c) => rs(c, { autoscaling: { minReplicas: 2, maxReplicas: 3 }, replicas: 2 }),
    message: "'replicas' must be unset when 'autoscaling' is given (the HorizontalPodAutoscaler owns the replica count), got 2",
  },
  { class: 'count', what: 'the CPU target is 0%', build: (c) => rs(c, { autoscaling: { minReplicas: 1, maxReplicas: 3, cpuUtilizationPercent: 0 } }), message: "'autoscaling.cpuUtilizationPercent' must be an integer from 1 to 1000, got 0" },
  { class: 'count', what: 'the cache tier has 0 replicas', build: (c) => rs(c).addCacheTier({ replicas: 0 }), message: "'cacheTier.replicas' must be an integer from 1 to 1000, got 0" },
  { class: 'count', what: 'the TLS tier\'s rate limit is 0', build: (c) => rs(c).addTlsTier({ secret: tls(c), rateLimitPerSecond: 0 }), message: `${AT}: 'tlsTier.rateLimitPerSecond' must be an integer from 1 to 1000000, got 0` },
  { class: 'count', what: 'the TLS tier\'s rate limit is negative', build: (c) => rs(c).addTlsTier({ secret: tls(c), rateLimitPerSecond: -5 }), message: `${AT}: 'tlsTier.rateLimitPerSecond' must be an integer from 1 to 1000000, got -5` },
  { class: 'count', what: 'the TLS tier\'s rate limit is fractional', build: (c) => rs(c).addTlsTier({ secret: tls(c), rateLimitPerSecond: 0.5 }), message: `${AT}: 'tlsTier.rateLimitPerSecond' must be an integer from 1 to 1000000, got 0.5` },
  { class: 'count', what: 'the TLS tier\'s rate limit is a string', build: (c) => rs(c).addTlsTier({ secret: tls(c), rateLimitPerSecond: '10r/s' as any }), message: `${AT}: 'tlsTier.rateLimitPerSecond' must be an integer from 1 to 1000000, got '10r/s'` },
  { class: 'count', what: 'the TLS tier\'s burst is negative', build: (c) => rs(c).addTlsTier({ secret: tls(c), rateLimitPerSecond: 10, rateLimitBurst: -1 }), message: `${AT}: 'tlsTier.rateLimitBurst' must be an integer from 0 to 1000000, got -1` },
  { class: 'count', what: 'the TLS tier\'s burst is fractional', build: (c) => rs(c).addTlsTier({ secret: tls(c), rateLimitPerSecond: 10, rateLimitBurst: 1.5 }), message: `${AT}: 'tlsTier.rateLimitBurst' must be an integer from 0 to 1000000, got 1.5` },
  { class: 'count', what: 'the TLS tier has a burst without a rate', build: (c) => rs(c).addTlsTier({ secret: tls(c), rateLimitBurst: 5 }), message: `${AT}: 'tlsTier.rateLimitBurst' must be given only with 'tlsTier.rateLimitPerSecond', got 5` },
  { class: 'count', what: 'the TLS tier has 1001 replicas', build: (c) => rs(c).addTlsTier({ secret: tls(c), replicas: 1001 }), message: "'tlsTier.replicas' must be an integer from 1 to 1000, got 1001" },

  // names and labels
  { class: 'name', what: 'the name has uppercase letters', build: (c) => rs(c, { name: 'Dictionary' }), message: "'name' must be a DNS-1123 label of at most 57 characters (lowercase letters, digits and '-', starting and ending with a letter or digit), got 'Dictionary'" },
  { class: 'name', what: 'the name leaves no room for -cache', build: (c) => rs(c, { name: 'd'.repeat(58) }), message: "'name' must be a DNS-1123 label of at most 57 characters" },
  { class: 'name', what: 'the TLS Secret\'s name is not a DNS name', build: (c) => rs(c).addTlsTier({ secret: tls(c, 'Dictionary_TLS') }), message: "'tlsTier.secret' must be a Secret (kplus.Secret.fromSecretName(...)) whose name is a DNS-1123 subdomain, got 'Dictionary_TLS'" },
  { class: 'label', what: 'partOf is not a label value', build: (c) => rs(c, { partOf: 'my shop' }), message: "'partOf' must be a label value (at most 63 characters: alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric), got 'my shop'" },
  {
    class: 'label',
    what: 'the app-wide part-of is not a label value',
    build: () => rs(chartWithContext('cdk8s-distributed-patterns:part-of', '-shop')),
    message: "'context cdk8s-distributed-patterns:part-of' must be a label value",
  },
  { class: 'label', what: 'a pod label overrides the library\'s', build: (c) => rs(c, { pod: { labels: { 'app.kubernetes.io/name': 'x' } } }), message: "'pod.labels' must be free of 'app.kubernetes.io/*' keys (the library sets them on every pod; set 'partOf' for app.kubernetes.io/part-of), got 'app.kubernetes.io/name'" },
  { class: 'label', what: 'a nodeSelector value is invalid', build: (c) => rs(c, { pod: { nodeSelector: { pool: 'a b' } } }), message: "'pod.nodeSelector.pool' must be a label value" },

  // images
  { class: 'image', what: 'the app image is latest', build: (c) => rs(c, {}, { image: 'example/dictionary:latest' }), message: "'app.image' must be an image pinned to a tag or digest other than 'latest' (e.g. 'redis:7.2.5-alpine'), got 'example/dictionary:latest'" },
  { class: 'image', what: 'the app image has an uppercase repository', build: (c) => rs(c, {}, { image: 'Example/dictionary:1.0.0' }), message: "'app.image' must be a valid image reference ([registry/]repository[:tag][@digest]; the repository in lowercase), pinned to a tag or digest" },
  { class: 'image', what: 'the app image has a short digest', build: (c) => rs(c, {}, { image: 'example/dictionary@sha256:abc123' }), message: "'app.image' must be a valid image reference" },
  { class: 'image', what: 'the nginx override is not pinned', build: (c) => rs(c, { images: { nginx: 'nginx' } }).addTlsTier({ secret: tls(c) }), message: "'images.nginx' must be an image pinned to a tag or digest other than 'latest'" },
  { class: 'image', what: 'an image override has an unknown key', build: (c) => rs(c, { images: { ngnix: 'nginx:1.27.3' } }).addTlsTier({ secret: tls(c) }), message: "'images' must be keys among 'redis', 'valkey', 'memcached', 'nginx'" },
  { class: 'image', what: 'a pull secret has an invalid name', build: (c) => rs(c, { pod: { imagePullSecrets: [kplus.Secret.fromSecretName(c, 'pull', 'Reg_Cred')] } }), message: "'pod.imagePullSecrets[0]' must be a Secret (kplus.Secret.fromSecretName(...)) whose name is a DNS-1123 subdomain, got 'Reg_Cred'" },

  // env
  { class: 'env', what: 'an env name starts with a digit', build: (c) => rs(c, {}, { env: { '1LANG': kplus.EnvValue.fromValue('en') } }), message: "'app.env' must be variable names of letters, digits, '_', '-' and '.', not starting with a digit, got '1LANG'" },
  { class: 'env', what: 'an env name has a space', build: (c) => rs(c, {}, { env: { 'A B': kplus.EnvValue.fromValue('x') } }), message: "'app.env' must be variable names of letters, digits, '_', '-' and '.', not starting with a digit, got 'A B'" },

  // sizes and resources
  { class: 'size', what: 'the cache is a fraction of a MiB', build: (c) => rs(c).addCacheTier({ cacheSize: Size.kibibytes(1536) }), message: "'cacheTier.cacheSize' must be a whole number of MiB from 1 to 1048576, got '1.5Mi'" },
  {
    class: 'size',
    what: 'the cache does not fit its memory limit',
    build: (c) => rs(c).addCacheTier({ cacheSize: Size.gibibytes(1), resources: mem(1024, 1024) }),
    message: "'cacheTier.cacheSize' must be at most 'cacheTier.resources.memory.limit' (1024Mi) minus 64Mi that varnish needs beyond the cache (threads, workspaces, transient objects), got '1024Mi'",
  },
  { class: 'resources', what: 'the cache tier\'s memory request is above its limit', build: (c) => rs(c).addCacheTier({ resources: mem(2048, 1024) }), message: "'cacheTier.resources.memory.request' must be at most the memory limit (1024Mi), got '2048Mi'" },
  {
    class: 'resources',
    what: 'the TLS tier\'s CPU request is above its limit',
    build: (c) => rs(c).addTlsTier({ secret: tls(c), resources: { cpu: { request: kplus.Cpu.units(2), limit: kplus.Cpu.millis(500) } } }),
    message: "'tlsTier.resources.cpu.request' must be at most the CPU limit (500m), got '2'",
  },
  { class: 'resources', what: 'the app\'s memory request is above its limit', build: (c) => rs(c, {}, { resources: mem(1024, 512) }), message: "'app.resources.memory.request' must be at most the memory limit (512Mi), got '1024Mi'" },

  // durations and timings
  { class: 'duration', what: 'the preStop sleep is a fraction of a second', build: (c) => rs(c, { preStopSleep: Duration.millis(1500) }), message: "'preStopSleep' must be a whole number of seconds from 1 to 3600, got '1500ms'" },
  { class: 'duration', what: 'the grace period is a fraction of a second', build: (c) => rs(c, { terminationGracePeriod: Duration.millis(1500) }), message: "'terminationGracePeriod' must be a whole number of seconds from 0 to 86400, got '1500ms'" },
  { class: 'duration', what: 'a session affinity timeout without affinity', build: (c) => rs(c, { sessionAffinityTimeout: Duration.minutes(5) }), message: "'sessionAffinityTimeout' must be unset unless 'sessionAffinity' is true, got '300000ms'" },
  { class: 'duration', what: 'the session affinity timeout is over a day', build: (c) => rs(c, { sessionAffinity: true, sessionAffinityTimeout: Duration.hours(25) }), message: "'sessionAffinityTimeout' must be a whole number of seconds from 1 to 86400, got '90000000ms'" },
  { class: 'duration', what: 'the cache TTL is 0', build: (c) => rs(c).addCacheTier({ ttl: Duration.millis(0) }), message: "'cacheTier.ttl' must be a duration of whole milliseconds from 1ms to 8760h, got '0ms'" },
  { class: 'duration', what: 'the HSTS max-age is a fraction of a second', build: (c) => rs(c).addTlsTier({ secret: tls(c), hstsMaxAge: Duration.millis(1500) }), message: "'tlsTier.hstsMaxAge' must be a whole number of seconds from 1 to 2147483647, got '1500ms'" },
  {
    class: 'timing',
    what: 'the preStop sleep is as long as the grace period',
    build: (c) => rs(c, { preStopSleep: Duration.seconds(30) }),
    message: "'preStopSleep' must be shorter than the termination grace period (30s): the preStop hook counts against it, and the app needs time to stop after the sleep, got '30s'",
  },
  {
    class: 'timing',
    what: 'the preStop sleep is longer than a custom grace period',
    build: (c) => rs(c, { preStopSleep: Duration.seconds(20), terminationGracePeriod: Duration.seconds(10) }),
    message: "'preStopSleep' must be shorter than the termination grace period (10s)",
  },

  // ports
  { class: 'port', what: 'the app has no port', build: (c) => rs(c, {}, { port: undefined }), message: "'app.port' must be the port the container listens on (the Service sends requests to it), got undefined" },
  { class: 'port', what: 'the app port is out of range', build: (c) => rs(c, {}, { port: 70000 }), message: "'app.port' must be an integer from 1 to 65535, got 70000" },
  { class: 'port', what: 'the app port name is not an IANA name', build: (c) => rs(c, {}, { portName: 'HTTP' }), message: "'app.portName' must be an IANA service name" },
  { class: 'port', what: 'the Service port is 0', build: (c) => rs(c, { servicePort: 0 }), message: "'servicePort' must be an integer from 1 to 65535, got 0" },
  { class: 'port', what: 'the cache tier takes the app\'s port', build: (c) => rs(c).addCacheTier({ port: 8080 }), message: "'cacheTier.port' must be a port no other tier uses (the app listens on 8080), got 8080" },
  { class: 'port', what: 'the cache tier port needs a capability', build: (c) => rs(c).addCacheTier({ port: 80 }), message: "'cacheTier.port' must be an integer from 1024 to 65535, got 80" },
  {
    class: 'port',
    what: 'the TLS tier takes the cache tier\'s port',
    build: (c) => {
      const s = rs(c);
      s.addCacheTier();
      s.addTlsTier({ secret: tls(c), port: 6081 });
    },
    message: "'tlsTier.port' must be a port no other tier uses (the cache tier listens on 6081), got 6081",
  },
  { class: 'port', what: 'the redirect port is the HTTPS port', build: (c) => rs(c).addTlsTier({ secret: tls(c), redirectHttpPort: 8443 }), message: "'tlsTier.redirectHttpPort' must be different from 'tlsTier.port' (8443), got 8443" },
  {
    class: 'port',
    what: 'the HTTPS Service port is 80 beside the redirect',
    build: (c) => rs(c).addTlsTier({ secret: tls(c), redirectHttpPort: 8081, servicePort: 80 }),
    message: "'tlsTier.servicePort' must be other than 80 with 'tlsTier.redirectHttpPort' (the redirect is Service port 80), got 80",
  },

  // secrets
  { class: 'secret', what: 'the TLS tier has no Secret', build: (c) => rs(c).addTlsTier({} as any), message: "'tlsTier.secret' must be a kubernetes.io/tls Secret with tls.crt and tls.key (the edge certificate), got undefined" },
  {
    class: 'secret',
    what: 'an env Secret given by its name as a plain string',
    build: (c) => rs(c, {}, { env: { TOKEN: kplus.EnvValue.fromSecretValue({ secret: 'api' as any, key: 'token' }) } }),
    message: "'app.env.TOKEN' must be a reference to a Secret whose name is a DNS-1123 subdomain (kplus.Secret.fromSecretName(...)), got undefined",
  },
  {
    class: 'secret',
    what: 'an env Secret key with a slash',
    build: (c) => rs(c, {}, { env: { TOKEN: kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(c, 'api', 'api'), key: 'a/b' }) } }),
    message: "'app.env.TOKEN' must be a Secret key of at most 253 characters: letters, digits, '-', '_' and '.', got 'a/b'",
  },
  { class: 'secret', what: 'the ServiceAccount name is invalid', build: (c) => rs(c, { pod: { serviceAccount: kplus.ServiceAccount.fromServiceAccountName(c, 'sa', 'Reader!') } }), message: "'pod.serviceAccount' must be a ServiceAccount (kplus.ServiceAccount.fromServiceAccountName(...)) whose name is a DNS-1123 subdomain, got 'Reader!'" },
  { class: 'secret', what: 'a token is asked for without a ServiceAccount', build: (c) => rs(c, { pod: { automountServiceAccountToken: true } }), message: "'pod.automountServiceAccountToken' must be false or unset without 'serviceAccount'" },

  // choices and policies
  {
    class: 'policy',
    what: 'there is no readiness probe, and the message says why',
    build: (c) => rs(c, {}, { readiness: undefined }),
    message: `${AT}: 'app.readiness' must be a readiness probe (e.g. kplus.Probe.fromHttpGet('/readyz'): without one a starting or overloaded replica gets traffic it cannot serve, and a rolling update can take the service down), got undefined`,
  },
  { class: 'policy', what: 'the app runs as root', build: (c) => rs(c, {}, { uid: 0 }), message: "'app.uid' must be an integer from 1 to 2147483647, got 0" },
  {
    class: 'policy',
    what: 'ClientIP affinity behind a tier',
    build: (c) => rs(c, { sessionAffinity: true }).addCacheTier(),
    message: "'sessionAffinity' must be false with a tier in front of the app: every request would come from that tier's few pods, so ClientIP affinity would pin each of them to one replica (use cookie-based affinity at an ingress), got true",
  },
  {
    class: 'policy',
    what: 'an exposed app behind a tier',
    build: (c) => rs(c, { serviceType: kplus.ServiceType.LOAD_BALANCER }).addTlsTier({ secret: tls(c) }),
    message: "'serviceType' must be ClusterIP with a tier in front of the app (the app is then internal; give the outermost tier its serviceType), got 'LoadBalancer'",
  },
  { class: 'choice', what: 'an ExternalName Service type (it selects no pods)', build: (c) => rs(c, { serviceType: kplus.ServiceType.EXTERNAL_NAME }), message: "'serviceType' must be one of 'ClusterIP', 'NodePort', 'LoadBalancer', got 'ExternalName'" },
  { class: 'choice', what: 'an unknown TLS tier Service type', build: (c) => rs(c).addTlsTier({ secret: tls(c), serviceType: 'Public' as any }), message: "'tlsTier.serviceType' must be one of 'ClusterIP', 'NodePort', 'LoadBalancer', got 'Public'" },
  { class: 'choice', what: 'TLS 1.1', build: (c) => rs(c).addTlsTier({ secret: tls(c), minTlsVersion: 'TLSv1.1' as any }), message: "'tlsTier.minTlsVersion' must be one of 'TLSv1.2', 'TLSv1.3', got 'TLSv1.1'" },
  { class: 'choice', what: 'a toleration with an invalid effect', build: (c) => rs(c, { pod: { tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoRun' }] } }), message: "'pod.tolerations[0].effect' must be one of 'NoSchedule', 'PreferNoSchedule', 'NoExecute' (or unset: every effect), got 'NoRun'" },
  {
    class: 'policy',
    what: 'the cache tier cannot probe a TCP-only app',
    build: (c) => rs(c, {}, { readiness: kplus.Probe.fromTcpSocket() }).addCacheTier(),
    message: "'cacheTier.probePath' must be given: the app's readiness probe is not an HTTP GET, and varnish probes over HTTP, got undefined",
  },
  { class: 'path', what: 'the cache probe path is relative', build: (c) => rs(c).addCacheTier({ probePath: 'readyz' }), message: "'cacheTier.probePath' must be an absolute URL path without spaces or quotes, got 'readyz'" },
  { class: 'path', what: 'two writable dirs would share one emptyDir', build: (c) => rs(c, {}, { writableDirs: ['/tmp', '/tmp/'] }), message: "'app.writableDirs' must be paths that give distinct volume names (two make 'app-tmp'), got '/tmp/'" },
  { class: 'path', what: 'the root filesystem as a writable dir', build: (c) => rs(c, {}, { writableDirs: ['/'] }), message: "'app.writableDirs' must be directories other than '/' (the root filesystem stays read-only), got '/'" },
  { class: 'timing', what: 'the readiness period is half a second', build: (c) => rs(c, {}, { readiness: kplus.Probe.fromHttpGet('/readyz', { periodSeconds: Duration.millis(500) }) }), message: "'app.readiness.periodSeconds' must be a whole number of seconds from 0 to 86400, got '500ms'" },
  { class: 'timing', what: 'a liveness probe with a success threshold of 2', build: (c) => rs(c, {}, { liveness: kplus.Probe.fromTcpSocket({ successThreshold: 2 }) }), message: "'app.liveness.successThreshold' must be 1 (Kubernetes requires it for liveness and startup probes), got 2" },
  { class: 'path', what: 'a writable dir is relative', build: (c) => rs(c, {}, { writableDirs: ['data'] }), message: "'app.writableDirs' must be an absolute path without spaces, ':' or '..', got 'data'" },
  {
    class: 'policy',
    what: 'the cache tier after the TLS tier',
    build: (c) => {
      const s = rs(c);
      s.addTlsTier({ secret: tls(c) });
      s.addCacheTier();
    },
    message: `${AT}: addCacheTier() must come before addTlsTier(): the TLS tier proxies to the tier behind it`,
  },
  {
    class: 'policy',
    what: 'the TLS tier twice',
    build: (c) => {
      const s = rs(c);
      s.addTlsTier({ secret: tls(c) });
      s.addTlsTier({ secret: tls(c, 'other') });
    },
    message: `${AT}: addTlsTier() was already called`,
  },

  // mutation after synthesis
  {
    class: 'mutation',
    what: 'addCacheTier() after app.synth()',
    build: (c) => {
      const s = rs(c);
      synthApp(c);
      s.addCacheTier();
    },
    message: `${AT}: addCacheTier() was called after the app was synthesized; it would be missing from the YAML already written (call it before app.synth())`,
  },
  {
    class: 'mutation',
    what: 'addTlsTier() after app.synth()',
    build: (c) => {
      const s = rs(c);
      const secret = tls(c);
      synthApp(c);
      s.addTlsTier({ secret });
    },
    message: `${AT}: addTlsTier() was called after the app was synthesized`,
  },

  // untyped, as a JavaScript or Python caller passes them
  { class: 'untyped', what: 'replicas as a string', build: (c) => rs(c, { replicas: '3' }), message: "'replicas' must be an integer from 1 to 1000, got '3'" },
  { class: 'untyped', what: 'the HPA maximum as a string', build: (c) => rs(c, { autoscaling: { minReplicas: 1, maxReplicas: '10' } }), message: "'autoscaling.maxReplicas' must be an integer from 1 to 1000, got '10'" },
  { class: 'untyped', what: 'autoscaling as a string', build: (c) => rs(c, { autoscaling: 'on' }), message: "'autoscaling' must be a ReplicatedServiceAutoscaling ({ minReplicas, maxReplicas }), got 'on'" },
  { class: 'untyped', what: 'the cache size as \'1Gb\'', build: (c) => rs(c).addCacheTier({ cacheSize: '1Gb' as any }), message: "'cacheTier.cacheSize' must be a Size (e.g. Size.mebibytes(64)), got '1Gb'" },
  { class: 'untyped', what: 'a memory limit as \'1Gb\'', build: (c) => rs(c, {}, { resources: { memory: { limit: '1Gb' } } }), message: "'app.resources.memory.limit' must be a Size of whole bytes, more than 0 (e.g. Size.mebibytes(128)), got '1Gb'" },
  { class: 'untyped', what: 'the preStop sleep as \'10s\'', build: (c) => rs(c, { preStopSleep: '10s' }), message: "'preStopSleep' must be a Duration (e.g. Duration.seconds(30)), got '10s'" },
  { class: 'untyped', what: 'the grace period as a number', build: (c) => rs(c, { terminationGracePeriod: 30 }), message: "'terminationGracePeriod' must be a Duration (e.g. Duration.seconds(30)), got 30" },
  { class: 'untyped', what: 'the affinity timeout as a string without affinity', build: (c) => rs(c, { sessionAffinityTimeout: '5m' }), message: "'sessionAffinityTimeout' must be unset unless 'sessionAffinity' is true, got '5m'" },
  { class: 'untyped', what: 'the cache probe interval as \'5s\'', build: (c) => rs(c).addCacheTier({ probeInterval: '5s' as any }), message: "'cacheTier.probeInterval' must be a Duration (e.g. Duration.seconds(30)), got '5s'" },
  { class: 'untyped', what: 'sessionAffinity as \'yes\'', build: (c) => rs(c, { sessionAffinity: 'yes' }), message: "'sessionAffinity' must be true or false, got 'yes'" },
  { class: 'untyped', what: 'the app as null', build: (c) => new ReplicatedService(c, 'dictionary', { app: null } as any), message: "'app' must be your container ({ image, port, … }: AppContainerProps), got null" },
  { class: 'untyped', what: 'no props at all', build: (c) => new (ReplicatedService as any)(c, 'dictionary'), message: "'props' must be a ReplicatedServiceProps object ({ app: { image, port, readiness } }), got undefined" },
  { class: 'untyped', what: 'the readiness probe as a path', build: (c) => rs(c, {}, { readiness: '/readyz' }), message: "'app.readiness' must be a kplus.Probe (Probe.fromHttpGet(...), fromTcpSocket(...), fromCommand(...)), got '/readyz'" },
  { class: 'untyped', what: 'an env value as a plain string', build: (c) => rs(c, {}, { env: { LANG: 'en' } }), message: "'app.env.LANG' must be a kplus.EnvValue (EnvValue.fromValue(...), EnvValue.fromSecretValue(...), …), got 'en'" },
  { class: 'untyped', what: 'the uid as a string', build: (c) => rs(c, {}, { uid: '1000' }), message: "'app.uid' must be an integer from 1 to 2147483647, got '1000'" },
  { class: 'untyped', what: 'the TLS Secret as its name', build: (c) => rs(c).addTlsTier({ secret: 'dictionary-tls' } as any), message: "'tlsTier.secret' must be a kubernetes.io/tls Secret with tls.crt and tls.key (the edge certificate), got 'dictionary-tls'" },
  { class: 'untyped', what: 'the cache tier options as a string', build: (c) => rs(c).addCacheTier('big' as any), message: "'cacheTier' must be a CacheTierOptions object, got 'big'" },
  { class: 'untyped', what: 'the TLS tier options as null', build: (c) => rs(c).addTlsTier(null as any), message: "'tlsTier' must be a TlsTierOptions object, got null" },
  { class: 'untyped', what: 'the pod options as a string', build: (c) => rs(c, { pod: 'restricted' }), message: "'pod' must be a PodOptions object, got 'restricted'" },
  // network policy (the options only widen the service's own traffic, so no override can cut it)
  { class: 'policy', what: 'networkPolicy is a string', build: (c) => rs(c, { networkPolicy: 'on' }), message: `${AT}: 'networkPolicy' must be a NetworkPolicyOptions object, got 'on'` },
  { class: 'policy', what: 'a client peer that selects nothing', build: (c) => rs(c, { networkPolicy: { clients: [NetworkPeer.pods({})] } }), message: `${AT}: 'networkPolicy.clients[0]' must be a peer that selects something: pod labels must not be empty` },
  { class: 'policy', what: 'a monitoring namespace peer that selects nothing', build: (c) => rs(c, { networkPolicy: { monitoring: NetworkPeer.namespaces({}) } }), message: `${AT}: 'networkPolicy.monitoring' must be a peer that selects something: namespace labels must not be empty` },
  { class: 'policy', what: 'an extra egress block that excepts all of itself', build: (c) => rs(c, { networkPolicy: { extraEgress: [{ peer: NetworkPeer.ipBlock('10.0.0.0/8', ['10.0.0.0/8']) }] } }), message: `${AT}: 'networkPolicy.extraEgress[0].peer' must be a peer that selects something: 'except' 10.0.0.0/8 removes the whole of 10.0.0.0/8` },
  { class: 'policy', what: 'a client that is a label map', build: (c) => rs(c, { networkPolicy: { clients: [{ app: 'web' }] } }), message: `${AT}: 'networkPolicy.clients[0]' must be a NetworkPeer` },
  { class: 'untyped', what: 'networkPolicy.enabled as \'no\'', build: (c) => rs(c, { networkPolicy: { enabled: 'no' } }), message: `${AT}: 'networkPolicy.enabled' must be true or false, got 'no'` },
  { class: 'untyped', what: 'the image overrides as a string', build: (c) => rs(c, { images: 'nginx:1.27.3' }).addTlsTier({ secret: tls(c) }), message: "'images' must be an ImageOverrides object (e.g. { nginx: 'registry.example.com/nginx:1.27.3' }), got 'nginx:1.27.3'" },
];

/** Synthesizes the App of `chart` (as `cdk8s synth` does), so that later `add…()` calls come after it. */
function synthApp(chart: Chart): void {
  const app = chart.node.root as App;
  app.synth();
}

badInputs('ReplicatedService', cases);
