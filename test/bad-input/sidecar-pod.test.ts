// SidecarPod: every kind of prop it has, given wrong — as a TypeScript user might, and untyped as a JavaScript or
// Python caller would — fails at synthesis with the construct path, the prop and the value (issue 15).
import { App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AppContainerProps, GitCredentials, NetworkPeer, Sidecar, SidecarPod, SidecarPodProps } from '../../src';
import { BadInput, badInputs } from '../harness/bad-input';

const W = "SidecarPod 'test/legacy'";
const DNS_LABEL = "must be a DNS-1123 label of at most 63 characters (lowercase letters, digits and '-', starting and ending with a letter or digit)";
const PORT_NAME = "must be a port name (an IANA service name: at most 15 characters, lowercase letters, digits and single '-', with a letter)";

function pod(chart: Chart, props: Partial<SidecarPodProps> = {}, app: Partial<AppContainerProps> = {}): SidecarPod {
  return new SidecarPod(chart, 'legacy', { ...props, app: { image: 'example/legacy-app:2.3.1', port: 8080, ...app } } as SidecarPodProps);
}
/** A reference to the Secret `name` (one construct per name and chart). */
function secret(chart: Chart, name = 'git'): kplus.ISecret {
  return (chart.node.tryFindChild(`s-${name}`) as kplus.ISecret | undefined) ?? kplus.Secret.fromSecretName(chart, `s-${name}`, name);
}
function tls(chart: Chart): kplus.ISecret {
  return secret(chart, 'legacy-tls');
}
const untyped = (v: unknown): any => v;
const sidecar = (o: object) => Sidecar.container({ name: 'other', image: 'example/other:1.0.0', ...o } as any);
const sync = (o: object) => Sidecar.configSync({ repository: 'https://example.com/config.git', ...o } as any);

const cases: BadInput[] = [
  // ---- counts
  { class: 'count', what: 'replicas is 0', build: (c) => pod(c, { replicas: 0 }), message: `${W}: 'replicas' must be an integer from 1 to 1000, got 0` },
  { class: 'count', what: 'replicas is fractional', build: (c) => pod(c, { replicas: 1.5 }), message: `${W}: 'replicas' must be an integer from 1 to 1000, got 1.5` },
  { class: 'count', what: 'git-sync depth is negative', build: (c) => pod(c).addSidecar(sync({ depth: -1 })), message: `${W}: 'config-sync.depth' must be an integer from 0 to 1000000, got -1` },

  // ---- names
  { class: 'name', what: 'the base name is not a DNS label', build: (c) => pod(c, { name: 'Legacy_App' }), message: `${W}: 'name' ${DNS_LABEL}, got 'Legacy_App'` },
  { class: 'name', what: 'the app container name is not a DNS label', build: (c) => pod(c, { appContainerName: 'App' }), message: `${W}: 'appContainerName' ${DNS_LABEL}, got 'App'` },
  { class: 'name', what: 'a sidecar takes the app container\'s name', build: (c) => pod(c).addSidecar(sidecar({ name: 'app' })), message: `${W}: 'name' must be unique among the pod's containers (app), got 'app'` },
  {
    class: 'name',
    what: 'two HTTPS terminators have one name',
    build: (c) => {
      const p = pod(c);
      p.addSidecar(Sidecar.httpsTerminator({ secret: tls(c) }));
      p.addSidecar(Sidecar.httpsTerminator({ secret: tls(c), port: 9443 }));
    },
    message: `${W}: 'containerName' must be unique among the pod's containers (app, https), got 'https'`,
  },
  { class: 'name', what: 'a preset container name is not a DNS label', build: (c) => pod(c).addSidecar(Sidecar.httpsTerminator({ secret: tls(c), containerName: 'TLS' })), message: `${W}: 'containerName' ${DNS_LABEL}, got 'TLS'` },
  { class: 'name', what: 'a shared volume name is not a DNS label', build: (c) => pod(c, { volumes: [{ name: 'my volume' }] }), message: `${W}: 'volumes.name' ${DNS_LABEL}, got 'my volume'` },
  { class: 'name', what: 'two shared volumes have one name', build: (c) => pod(c, { volumes: [{ name: 'a' }, { name: 'a' }] }), message: `${W}: 'volumes.name' must be unique among the shared volumes, got 'a'` },
  { class: 'name', what: 'the git-sync link is not a DNS label', build: (c) => pod(c).addSidecar(sync({ link: 'Current' })), message: `${W}: 'config-sync.link' ${DNS_LABEL}, got 'Current'` },
  { class: 'name', what: 'the git ref has a space', build: (c) => pod(c).addSidecar(sync({ ref: 'my branch' })), message: `${W}: 'config-sync.ref' must be a branch, tag or commit, got 'my branch'` },

  // ---- images
  { class: 'image', what: 'the app image is not pinned', build: (c) => pod(c, {}, { image: 'example/legacy-app' }), message: `${W}: 'app.image' must be an image pinned to a tag or digest other than 'latest' (e.g. 'redis:7.2.5-alpine'), got 'example/legacy-app'` },
  { class: 'image', what: 'the app image has an uppercase repository', build: (c) => pod(c, {}, { image: 'Example/App:1.0' }), message: /SidecarPod 'test\/legacy': 'app\.image' must be a valid image reference .*, got 'Example\/App:1\.0'/ },
  { class: 'image', what: 'a sidecar image is :latest', build: (c) => pod(c).addSidecar(sidecar({ image: 'example/other:latest' })), message: `${W}: 'other.image' must be an image pinned to a tag or digest other than 'latest' (e.g. 'redis:7.2.5-alpine'), got 'example/other:latest'` },
  { class: 'image', what: 'a sidecar image has a short digest', build: (c) => pod(c).addSidecar(sidecar({ image: 'example/other@sha256:abc' })), message: /'other\.image' must be .*, got 'example\/other@sha256:abc'/ },
  { class: 'image', what: 'an image override is not pinned', build: (c) => pod(c, { images: { nginx: 'nginx' } }).addSidecar(Sidecar.httpsTerminator({ secret: tls(c) })), message: /SidecarPod 'test\/legacy': 'images\.nginx' must be .*, got 'nginx'/ },

  // ---- env
  { class: 'env', what: 'an app env name starts with a digit', build: (c) => pod(c, {}, { env: { '1BAD': kplus.EnvValue.fromValue('x') } }), message: `${W}: 'app.env' must be variable names of letters, digits, '_', '-' and '.', not starting with a digit, got '1BAD'` },
  { class: 'env', what: 'a sidecar env name has a space', build: (c) => pod(c).addSidecar(sidecar({ env: { 'A B': kplus.EnvValue.fromValue('x') } })), message: `${W}: 'other.env' must be variable names of letters, digits, '_', '-' and '.', not starting with a digit, got 'A B'` },

  // ---- sizes
  { class: 'size', what: 'a shared volume size limit is not whole MiB', build: (c) => pod(c, { volumes: [{ name: 'scratch', sizeLimit: Size.kibibytes(512) }] }), message: `${W}: 'volumes.scratch.sizeLimit' must be a whole number of MiB from 1 to 1048576, got '0.5Mi'` },
  { class: 'size', what: 'the git checkout size limit is 0', build: (c) => pod(c).addSidecar(sync({ sizeLimit: Size.mebibytes(0) })), message: `${W}: 'config-sync.sizeLimit' must be a whole number of MiB from 1 to 1048576, got '0Mi'` },

  // ---- durations
  { class: 'duration', what: 'the git-sync period is not whole seconds', build: (c) => pod(c).addSidecar(sync({ period: Duration.millis(500) })), message: `${W}: 'config-sync.period' must be a whole number of seconds from 1 to 2147483647, got '500ms'` },
  { class: 'duration', what: 'the HSTS max-age is not whole seconds', build: (c) => pod(c).addSidecar(Sidecar.httpsTerminator({ secret: tls(c), hstsMaxAge: Duration.millis(1500) })), message: `${W}: 'https.hstsMaxAge' must be a whole number of seconds from 1 to 2147483647, got '1500ms'` },

  // ---- ports
  { class: 'port', what: 'the app port is 0', build: (c) => pod(c, {}, { port: 0 }), message: `${W}: 'app.port' must be an integer from 1 to 65535, got 0` },
  { class: 'port', what: 'the app port name is too long', build: (c) => pod(c, {}, { portName: 'a-very-long-port-name' }), message: /SidecarPod 'test\/legacy': 'app\.portName' must be an IANA service name .*, got 'a-very-long-port-name'/ },
  { class: 'port', what: 'the app port name has a doubled dash', build: (c) => pod(c, {}, { portName: 'web--ui' }), message: /'app\.portName' must be an IANA service name .*, got 'web--ui'/ },
  {
    class: 'port',
    what: 'the HTTPS terminator takes the app\'s port',
    build: (c) => pod(c, {}, { port: 8443 }).addSidecar(Sidecar.httpsTerminator({ secret: tls(c) })),
    message: `${W}: 'https.port' must be a port no other container of the pod listens on (the containers share one network; container 'app' has 8443), got 8443`,
  },
  {
    class: 'port',
    what: 'a sidecar port clashes with the app\'s',
    build: (c) => pod(c).addSidecar(sidecar({ ports: [{ number: 8080, name: 'other' }] })),
    message: `${W}: 'other.ports[0].number' must be a port no other container of the pod listens on (the containers share one network; container 'app' has 8080), got 8080`,
  },
  { class: 'port', what: 'a sidecar port name clashes with the app\'s', build: (c) => pod(c).addSidecar(sidecar({ ports: [{ number: 9000, name: 'http' }] })), message: `${W}: 'other.ports[0].name' must be unique in the pod (container 'app' has a port named 'http'), got 'http'` },
  { class: 'port', what: 'a sidecar port name is uppercase', build: (c) => pod(c).addSidecar(sidecar({ ports: [{ number: 9000, name: 'Metrics' }] })), message: `${W}: 'other.ports[0].name' ${PORT_NAME}, got 'Metrics'` },
  { class: 'port', what: 'a sidecar port has no name', build: (c) => pod(c).addSidecar(sidecar({ ports: [{ number: 9000 }] })), message: `${W}: 'other.ports[0].name' must be a port name (every port of the pod is named), got undefined` },
  { class: 'port', what: 'a sidecar service port is out of range', build: (c) => pod(c).addSidecar(sidecar({ ports: [{ number: 9000, name: 'x', servicePort: 70000 }] })), message: `${W}: 'other.ports[0].servicePort' must be an integer from 1 to 65535, got 70000` },
  { class: 'port', what: 'the HTTPS port is privileged', build: (c) => pod(c).addSidecar(Sidecar.httpsTerminator({ secret: tls(c), port: 443 })), message: `${W}: 'https.port' must be an integer from 1024 to 65535, got 443` },
  { class: 'port', what: 'the redirect port is the HTTPS port', build: (c) => pod(c).addSidecar(Sidecar.httpsTerminator({ secret: tls(c), redirectHttpPort: 8443 })), message: `${W}: 'https.redirectHttpPort' must be different from 'httpsPort' (8443), got 8443` },
  { class: 'port', what: 'the terminator proxies to a port the app does not have', build: (c) => pod(c).addSidecar(Sidecar.httpsTerminator({ secret: tls(c), appPort: 9999 })), message: `${W}: 'https.appPort' must be a port of the app container (8080), got 9999` },
  { class: 'port', what: 'the terminator has no app port to proxy to', build: (c) => pod(c, {}, { port: undefined }).addSidecar(Sidecar.httpsTerminator({ secret: tls(c) })), message: `${W}: 'https.appPort' must be the app port to proxy to (the app has no 'port'), got undefined` },
  { class: 'port', what: 'the process inspector port is privileged', build: (c) => pod(c).addSidecar(Sidecar.processInspector({ port: 80 })), message: `${W}: 'process-inspector.port' must be an integer from 1024 to 65535, got 80` },
  { class: 'port', what: 'the Service exposes a port no container has', build: (c) => pod(c).exposeViaService({ ports: [9999] }), message: `${W}: 'ports' must be container ports of the pod (8080), got 9999` },
  { class: 'port', what: 'the Service has nothing to expose', build: (c) => pod(c, {}, { port: undefined }).exposeViaService(), message: `${W}: 'ports' must be given: no container port is marked to be exposed, got undefined` },
  { class: 'port', what: 'the Service is given no port', build: (c) => pod(c).exposeViaService({ ports: [] }), message: `${W}: 'ports' must be at least one container port, got []` },
  { class: 'port', what: 'a sidecar probe names no port and the sidecar has none', build: (c) => pod(c).addSidecar(sidecar({ readiness: kplus.Probe.fromTcpSocket() })), message: `${W}: 'other.readiness' must be a probe that names its port (the container has no 'ports'), got 'a probe without a port'` },

  // ---- secrets
  { class: 'secret', what: 'the HTTPS terminator has no Secret', build: (c) => pod(c).addSidecar(Sidecar.httpsTerminator({} as any)), message: `${W}: 'https.secret' must be a kubernetes.io/tls Secret with tls.crt and tls.key (the HTTPS terminator needs a certificate), got undefined` },
  { class: 'secret', what: 'the TLS Secret name is not a DNS subdomain', build: (c) => pod(c).addSidecar(Sidecar.httpsTerminator({ secret: secret(c, 'Legacy TLS') })), message: `${W}: 'https.secret' must be a Secret whose name is a DNS-1123 subdomain, got 'Legacy TLS'` },
  {
    class: 'secret',
    what: 'a git password is a Secret key with a space',
    build: (c) => pod(c).addSidecar(sync({ credentials: GitCredentials.basicAuth({ secret: secret(c), key: 'user' }, { secret: secret(c, 'git2'), key: 'pass word' }) })),
    message: `${W}: 'config-sync.credentials.password.key' must be a Secret key of at most 253 characters: letters, digits, '-', '_' and '.', got 'pass word'`,
  },
  {
    class: 'secret',
    what: 'a git SSH key\'s Secret name is not a DNS subdomain',
    build: (c) => pod(c).addSidecar(Sidecar.configSync({
      repository: 'git@github.com:example/c.git',
      credentials: GitCredentials.sshKey({ secret: kplus.Secret.fromSecretName(c, 'k', 'Deploy_Key'), key: 'ssh' }, { secret: secret(c), key: 'known_hosts' }),
    })),
    message: `${W}: 'config-sync.credentials.privateKey.secret' must be a Secret whose name is a DNS-1123 subdomain, got 'Deploy_Key'`,
  },
  {
    class: 'secret',
    what: 'the SSH key and known_hosts are one Secret key',
    build: (c) => pod(c).addSidecar(Sidecar.configSync({
      repository: 'git@github.com:example/c.git', credentials: GitCredentials.sshKey({ secret: secret(c), key: 'ssh' }, { secret: secret(c, 'git'), key: 'ssh' }),
    })),
    message: `${W}: 'config-sync.credentials.knownHosts' must be another key than the private key's, got 'ssh'`,
  },
  {
    class: 'secret',
    what: 'basic auth for an SSH repository',
    build: (c) => pod(c).addSidecar(Sidecar.configSync({
      repository: 'git@github.com:example/c.git', credentials: GitCredentials.basicAuth({ secret: secret(c), key: 'u' }, { secret: secret(c), key: 'p' }),
    })),
    message: `${W}: 'config-sync.credentials' must be GitCredentials.sshKey(...) for a repository that is not http(s), got 'GitCredentials.basicAuth(...)'`,
  },
  {
    class: 'secret',
    what: 'an SSH key for an https repository',
    build: (c) => pod(c).addSidecar(sync({ credentials: GitCredentials.sshKey({ secret: secret(c), key: 'ssh' }, { secret: secret(c), key: 'known_hosts' }) })),
    message: `${W}: 'config-sync.credentials' must be GitCredentials.basicAuth(...) for an http(s) repository, got 'GitCredentials.sshKey(...)'`,
  },

  // ---- choices
  { class: 'choice', what: 'the process inspector without a shared PID namespace', build: (c) => pod(c, { shareProcessNamespace: false }).addSidecar(Sidecar.processInspector()), message: `${W}: 'shareProcessNamespace' must be true or unset with Sidecar.processInspector() (it inspects the other containers' processes), got false` },
  { class: 'choice', what: 'the Service type is unknown', build: (c) => pod(c).exposeViaService({ serviceType: untyped('Public') }), message: `${W}: 'serviceType' must be a kplus.ServiceType ('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'), got 'Public'` },

  // ---- paths
  { class: 'path', what: 'the app mounts two volumes at one path', build: (c) => pod(c, { volumes: [{ name: 'a' }, { name: 'b' }], appMounts: [{ volume: 'a', path: '/data' }, { volume: 'b', path: '/data' }] }), message: `${W}: 'appMounts[1].path' must be a path mounted once in container 'app', got '/data'` },
  { class: 'path', what: 'a shared mount and a writable dir at one path', build: (c) => pod(c, { volumes: [{ name: 'a' }], appMounts: [{ volume: 'a', path: '/tmp' }] }), message: `${W}: 'app.writableDirs' must be a path mounted once in container 'app', got '/tmp'` },
  { class: 'path', what: 'the checkout is mounted where the app writes', build: (c) => pod(c).addSidecar(sync({ mountPath: '/tmp' })), message: `${W}: 'config-sync.mountPath' must be a path mounted once in container 'app', got '/tmp'` },
  { class: 'path', what: 'the app mounts a volume the pod does not have', build: (c) => pod(c, { appMounts: [{ volume: 'nope', path: '/x' }] }), message: `${W}: 'appMounts[0].volume' must be a shared volume of the pod (none), got 'nope'` },
  { class: 'path', what: 'a mount path is relative', build: (c) => pod(c, { volumes: [{ name: 'a' }], appMounts: [{ volume: 'a', path: 'relative' }] }), message: `${W}: 'appMounts[0].path' must be an absolute path without spaces, ':' or '..', got 'relative'` },
  { class: 'path', what: 'the app working directory is relative', build: (c) => pod(c, {}, { workingDir: 'srv' }), message: `${W}: 'app.workingDir' must be an absolute path without spaces, ':' or '..', got 'srv'` },
  { class: 'path', what: 'a sidecar writable dir climbs up', build: (c) => pod(c).addSidecar(sidecar({ writableDirs: ['/var/../etc'] })), message: `${W}: 'other.writableDirs' must be an absolute path without spaces, ':' or '..', got '/var/../etc'` },
  { class: 'path', what: 'the repository is empty', build: (c) => pod(c).addSidecar(Sidecar.configSync({ repository: '' })), message: `${W}: 'config-sync.repository' must be a git repository URL (https://…, ssh://…, git@host:path or file://…), got ''` },
  { class: 'path', what: 'the webhook is not a URL', build: (c) => pod(c).addSidecar(sync({ webhookUrl: 'localhost:8080/reload' })), message: `${W}: 'config-sync.webhookUrl' must be an http:// or https:// URL, got 'localhost:8080/reload'` },
  { class: 'path', what: 'a shared volume no container mounts', build: (c) => pod(c, { volumes: [{ name: 'scratch' }] }), message: `${W}: 'volumes' must be mounted by at least one container (no container mounts this one), got 'scratch'` },

  // ---- labels
  { class: 'label', what: 'part-of is not a label value', build: (c) => pod(c, { partOf: 'Shop App' }), message: `${W}: 'partOf' must be a label value (at most 63 characters: alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric), got 'Shop App'` },
  { class: 'label', what: 'a pod label overrides a library label', build: (c) => pod(c, { pod: { labels: { 'app.kubernetes.io/part-of': 'x' } } }), message: `${W}: 'pod.labels' must be free of 'app.kubernetes.io/*' keys (the library sets them on every pod; set 'partOf' for app.kubernetes.io/part-of), got 'app.kubernetes.io/part-of'` },

  // ---- resources
  {
    class: 'resources',
    what: 'the app memory request is above its limit',
    build: (c) => pod(c, {}, { resources: { memory: { request: Size.mebibytes(512), limit: Size.mebibytes(256) } } }),
    message: `${W}: 'app.resources.memory.request' must be at most the memory limit (256Mi), got '512Mi'`,
  },
  {
    class: 'resources',
    what: 'the HTTPS terminator CPU request is above its limit',
    build: (c) => pod(c).addSidecar(Sidecar.httpsTerminator({
      secret: tls(c), resources: { cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.millis(100) } },
    })),
    message: `${W}: 'https.resources.cpu.request' must be at most the CPU limit (100m), got '500m'`,
  },
  {
    class: 'resources',
    what: 'the git-sync memory limit is a plain string',
    build: (c) => pod(c).addSidecar(sync({ resources: { memory: { limit: untyped('256Mi') } } })),
    message: `${W}: 'config-sync.resources.memory.limit' must be a Size of whole bytes, more than 0 (e.g. Size.mebibytes(128)), got '256Mi'`,
  },
  {
    class: 'resources',
    what: 'the process inspector memory request is above its limit',
    build: (c) => pod(c).addSidecar(Sidecar.processInspector({ resources: { memory: { request: Size.mebibytes(64), limit: Size.mebibytes(32) } } })),
    message: `${W}: 'process-inspector.resources.memory.request' must be at most the memory limit (32Mi), got '64Mi'`,
  },

  // ---- pod options and security policy
  { class: 'policy', what: 'the app runs as root', build: (c) => pod(c, {}, { uid: 0 }), message: `${W}: 'app.uid' must be an integer from 1 to 2147483647, got 0` },
  { class: 'policy', what: 'a sidecar runs as root', build: (c) => pod(c).addSidecar(sidecar({ uid: 0 })), message: `${W}: 'other.uid' must be an integer from 1 to 2147483647, got 0` },
  { class: 'policy', what: 'a token is mounted without a ServiceAccount', build: (c) => pod(c, { pod: { automountServiceAccountToken: true } }), message: `${W}: 'pod.automountServiceAccountToken' must be false or unset without 'serviceAccount' (a token is mounted only for a ServiceAccount you name), got true` },
  { class: 'policy', what: 'a toleration has an unknown effect', build: (c) => pod(c, { pod: { tolerations: [{ key: 'k', operator: 'Exists', effect: 'Sometimes' }] } }), message: `${W}: 'pod.tolerations[0].effect' must be one of 'NoSchedule', 'PreferNoSchedule', 'NoExecute' (or unset: every effect), got 'Sometimes'` },
  { class: 'policy', what: 'an image pull Secret name is invalid', build: (c) => pod(c, { pod: { imagePullSecrets: [kplus.Secret.fromSecretName(c, 'p', 'Registry Creds')] } }), message: `${W}: 'pod.imagePullSecrets[0]' must be a Secret (kplus.Secret.fromSecretName(...)) whose name is a DNS-1123 subdomain, got 'Registry Creds'` },

  // ---- mutation after synthesis, and order
  {
    class: 'mutation',
    what: 'addSidecar() after app.synth()',
    build: (c) => {
      const p = pod(c);
      (c.node.root as App).synthYaml();
      p.addSidecar(Sidecar.processInspector());
    },
    message: `${W}: addSidecar() was called after the app was synthesized; it would be missing from the YAML already written (call it before app.synth())`,
  },
  {
    class: 'mutation',
    what: 'addSharedVolume() after app.synth()',
    build: (c) => {
      const p = pod(c);
      (c.node.root as App).synthYaml();
      p.addSharedVolume('late');
    },
    message: `${W}: addSharedVolume() was called after the app was synthesized`,
  },
  {
    class: 'mutation',
    what: 'exposeViaService() after app.synth()',
    build: (c) => {
      const p = pod(c);
      (c.node.root as App).synthYaml();
      p.exposeViaService();
    },
    message: `${W}: exposeViaService() was called after the app was synthesized`,
  },
  {
    class: 'mutation',
    what: 'addSidecar() after exposeViaService()',
    build: (c) => {
      const p = pod(c);
      p.exposeViaService();
      p.addSidecar(Sidecar.httpsTerminator({ secret: tls(c) }));
    },
    message: `${W}: addSidecar() must come before exposeViaService(): the Service's ports are fixed when it is made`,
  },
  {
    class: 'mutation',
    what: 'exposeViaService() twice',
    build: (c) => {
      const p = pod(c);
      p.exposeViaService();
      p.exposeViaService();
    },
    message: `${W}: exposeViaService() was already called`,
  },

  // ---- untyped (a JavaScript or Python caller)
  { class: 'untyped', what: 'no app container', build: (c) => new SidecarPod(c, 'legacy', untyped({})), message: `${W}: 'app' must be your container ({ image, port, … }: AppContainerProps), got undefined` },
  { class: 'untyped', what: 'props is null', build: (c) => new SidecarPod(c, 'legacy', untyped(null)), message: `${W}: 'props' must be a SidecarPodProps object ({ app, … }), got null` },
  { class: 'untyped', what: 'the app port is a string', build: (c) => pod(c, {}, { port: untyped('8080') }), message: `${W}: 'app.port' must be an integer from 1 to 65535, got '8080'` },
  { class: 'untyped', what: 'replicas is a string', build: (c) => pod(c, { replicas: untyped('3') }), message: `${W}: 'replicas' must be an integer from 1 to 1000, got '3'` },
  { class: 'untyped', what: 'an app env value is a plain string', build: (c) => pod(c, {}, { env: untyped({ MODE: 'prod' }) }), message: `${W}: 'app.env.MODE' must be a kplus.EnvValue (EnvValue.fromValue(...), EnvValue.fromSecretValue(...), …), got 'prod'` },
  { class: 'untyped', what: 'a sidecar env value is a number', build: (c) => pod(c).addSidecar(sidecar({ env: { PORT: 9000 } })), message: `${W}: 'other.env.PORT' must be a kplus.EnvValue (EnvValue.fromValue(...), EnvValue.fromSecretValue(...), …), got 9000` },
  { class: 'untyped', what: 'the app readiness probe is a string', build: (c) => pod(c, {}, { readiness: untyped('/healthz') }), message: `${W}: 'app.readiness' must be a kplus.Probe (Probe.fromHttpGet(...), fromTcpSocket(...), fromCommand(...)), got '/healthz'` },
  { class: 'untyped', what: 'the app args are one string', build: (c) => pod(c, {}, { args: untyped('--serve') }), message: `${W}: 'app.args' must be a list of strings, got '--serve'` },
  { class: 'untyped', what: 'the volumes are one string', build: (c) => pod(c, { volumes: untyped('scratch') }), message: `${W}: 'volumes' must be a list of SharedVolume ({ name, sizeLimit?, memory? }), got 'scratch'` },
  { class: 'untyped', what: 'a shared volume size limit is \'1Gb\'', build: (c) => pod(c, { volumes: [{ name: 'scratch', sizeLimit: untyped('1Gb') }] }), message: `${W}: 'volumes.scratch.sizeLimit' must be a Size (e.g. Size.mebibytes(64)), got '1Gb'` },
  { class: 'untyped', what: 'the git checkout size limit is \'1Gb\'', build: (c) => pod(c).addSidecar(sync({ sizeLimit: '1Gb' })), message: `${W}: 'config-sync.sizeLimit' must be a Size (e.g. Size.mebibytes(64)), got '1Gb'` },
  { class: 'untyped', what: 'the git-sync period is \'60s\'', build: (c) => pod(c).addSidecar(sync({ period: '60s' })), message: /SidecarPod 'test\/legacy': 'config-sync\.period' must be a Duration .*, got '60s'/ },
  { class: 'untyped', what: 'the git-sync depth is a string', build: (c) => pod(c).addSidecar(sync({ depth: '1' })), message: `${W}: 'config-sync.depth' must be an integer from 0 to 1000000, got '1'` },
  { class: 'untyped', what: 'a git password is a plain string', build: (c) => pod(c).addSidecar(sync({ credentials: GitCredentials.basicAuth({ secret: secret(c), key: 'u' }, untyped('hunter2')) })), message: `${W}: 'config-sync.credentials.password' must be a Secret key ({ secret: kplus.Secret.fromSecretName(...), key }: kplus.SecretValue), got '<a string, not shown>'` },
  { class: 'untyped', what: 'a git username is a bare Secret', build: (c) => pod(c).addSidecar(sync({ credentials: GitCredentials.basicAuth(untyped({ secret: 'git', key: 'u' }), { secret: secret(c), key: 'p' }) })), message: `${W}: 'config-sync.credentials.username' must be a Secret key ({ secret: kplus.Secret.fromSecretName(...), key }: kplus.SecretValue), got {"secret":"git","key":"u"}` },
  { class: 'untyped', what: 'the credentials are a plain object', build: (c) => pod(c).addSidecar(sync({ credentials: { username: 'u' } })), message: `${W}: 'config-sync.credentials' must be GitCredentials.basicAuth(...) or GitCredentials.sshKey(...), got {"username":"u"}` },
  { class: 'untyped', what: 'the minimum TLS version is \'TLSv1.0\'', build: (c) => pod(c).addSidecar(Sidecar.httpsTerminator({ secret: tls(c), minTlsVersion: untyped('TLSv1.0') })), message: `${W}: 'https.minTlsVersion' must be one of 'TLSv1.2', 'TLSv1.3', got 'TLSv1.0'` },
  { class: 'untyped', what: 'expose is \'yes\'', build: (c) => pod(c).addSidecar(Sidecar.processInspector({ expose: untyped('yes') })), message: `${W}: 'process-inspector.expose' must be true or false, got 'yes'` },
  { class: 'untyped', what: 'addSidecar() is given a plain object', build: (c) => pod(c).addSidecar(untyped({ name: 'x', image: 'example/x:1.0' })), message: `${W}: 'sidecar' must be a Sidecar (Sidecar.httpsTerminator(...), configSync(...), processInspector(...) or container(...)), got {"name":"x","image":"example/x:1.0"}` },
  { class: 'untyped', what: 'shareProcessNamespace is \'true\'', build: (c) => pod(c, { shareProcessNamespace: untyped('true') }), message: `${W}: 'shareProcessNamespace' must be true or false, got 'true'` },
  { class: 'untyped', what: 'a sidecar port number is a string', build: (c) => pod(c).addSidecar(sidecar({ ports: [{ number: '9000', name: 'x' }] })), message: `${W}: 'other.ports[0].number' must be an integer from 1 to 65535, got '9000'` },

  // ---- network policy (the options only widen the pod's traffic; a front door nobody may use is refused)
  { class: 'policy', what: 'networkPolicy is a string', build: (c) => pod(c, { networkPolicy: untyped('on') }), message: `${W}: 'networkPolicy' must be a NetworkPolicyOptions object, got 'on'` },
  { class: 'policy', what: 'a client peer that selects nothing', build: (c) => pod(c, { networkPolicy: { clients: [NetworkPeer.pods({})] } }), message: `${W}: 'networkPolicy.clients[0]' must be a peer that selects something: pod labels must not be empty` },
  { class: 'policy', what: 'monitoring is a label map', build: (c) => pod(c, { networkPolicy: { monitoring: untyped({ app: 'prometheus' }) } }), message: `${W}: 'networkPolicy.monitoring' must be a NetworkPeer (NetworkPeer.pods(...), .namespace(...), .ipBlock(...), …), got {"app":"prometheus"}` },
  { class: 'policy', what: 'no client may reach the Service (cuts the pod\'s front door)', build: (c) => pod(c, { networkPolicy: { clients: [] } }).exposeViaService(), message: `${W}: 'networkPolicy.clients' must be at least one peer: the Service exposes ports 8080, and no client could reach them (set 'networkPolicy.enabled' to false to emit no policy), got []` },
  { class: 'policy', what: 'no client may reach the HTTPS terminator\'s Service', build: (c) => { const p = pod(c, { networkPolicy: { clients: [] } }); p.addSidecar(Sidecar.httpsTerminator({ secret: tls(c) })); p.exposeViaService(); }, message: `${W}: 'networkPolicy.clients' must be at least one peer: the Service exposes ports 8443` },
  { class: 'port', what: 'the git repository\'s port is 99999 (its egress rule would name no port)', build: (c) => pod(c).addSidecar(sync({ repository: 'https://git.example.com:99999/config.git' })), message: `${W}: 'config-sync.repository' must be a git repository URL whose port is from 1 to 65535, got 'https://git.example.com:99999/config.git'` },
  { class: 'port', what: 'a remote webhook\'s port is 0', build: (c) => pod(c).addSidecar(sync({ webhookUrl: 'http://hooks.example.com:0/reload' })), message: `${W}: 'config-sync.webhookUrl' must be an http:// or https:// URL whose port is from 1 to 65535, got 'http://hooks.example.com:0/reload'` },
];

badInputs('SidecarPod', cases);
