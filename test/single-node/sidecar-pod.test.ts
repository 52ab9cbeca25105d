import { App, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  ConfigChecksum, GitCredentials, NginxConfig, Sidecar, SidecarPod, SidecarPodProps, TlsVersion,
} from '../../src';
import { ofKind, one, synthValid } from '../harness';

const CHECKSUM = ConfigChecksum.ANNOTATION;

function legacy(props: Partial<SidecarPodProps> = {}) {
  const chart = Testing.chart();
  const pod = new SidecarPod(chart, 'legacy', { image: 'example/legacy-app:2.3.1', port: 8080, ...props });
  const tls = kplus.Secret.fromSecretName(chart, 'tls', 'legacy-tls');
  return { chart, pod, tls };
}

function podSpec(objs: any[]) {
  return one(objs, 'Deployment').spec.template.spec;
}

function container(objs: any[], name: string) {
  const spec = podSpec(objs);
  const found = [...spec.containers, ...(spec.initContainers ?? [])].filter((c: any) => c.name === name);
  expect(found).toHaveLength(1);
  return found[0];
}

describe('SidecarPod with the HTTPS terminator', () => {
  test('nginx terminates TLS on 8443, proxies to the app on 127.0.0.1:8080, and the Service exposes only HTTPS', () => {
    // GIVEN a legacy plain-HTTP app
    const { chart, pod, tls } = legacy();
    // WHEN the HTTPS preset is added and the pod exposed
    const added = pod.addSidecar(Sidecar.httpsTerminator({ secret: tls }));
    const service = pod.exposeViaService();
    const objs = synthValid(chart);

    // THEN
    expect(objs).toMatchSnapshot();
    expect(pod.containers).toEqual(['app', 'https']);
    expect(added.container.name).toBe('https');
    expect(added.configMap?.name).toBe('legacy-https');
    expect(pod.service).toBe(service);
    const spec = podSpec(objs);
    expect(spec.containers.map((c: any) => c.name)).toEqual(['app', 'https']);
    expect(spec.shareProcessNamespace).toBeUndefined();

    const app = container(objs, 'app');
    expect(app.image).toBe('example/legacy-app:2.3.1');
    expect(app.ports).toEqual([{ containerPort: 8080, name: 'http' }]);
    expect(app.readinessProbe.tcpSocket).toEqual({ port: 8080 });
    expect(app.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(app.volumeMounts).toEqual([{ mountPath: '/tmp', name: 'app-tmp' }]);

    const https = container(objs, 'https');
    expect(https.image).toBe('nginxinc/nginx-unprivileged:1.27.3-alpine');
    expect(https.command).toEqual(['nginx', '-c', '/etc/nginx/tls-proxy/nginx.conf', '-e', 'stderr']);
    expect(https.args).toBeUndefined();
    expect(https.ports).toEqual([{ containerPort: 8443, name: 'https' }]);
    expect(https.readinessProbe.tcpSocket).toEqual({ port: 8443 });
    expect(https.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: 101,
      runAsNonRoot: true,
      runAsUser: 101,
    });
    expect(https.volumeMounts).toEqual([
      { mountPath: '/etc/nginx/tls-proxy', name: 'https-config', readOnly: true },
      { mountPath: '/etc/nginx/tls', name: 'https-tls', readOnly: true },
      { mountPath: '/tmp', name: 'https-tmp' },
    ]);
    expect(spec.volumes).toEqual(expect.arrayContaining([
      { name: 'https-config', configMap: { name: 'legacy-https' } },
      { name: 'https-tls', secret: { secretName: 'legacy-tls', defaultMode: 0o440 } },
      { name: 'https-tmp', emptyDir: {} },
    ]));

    // The config is the shared renderer's, proxying to the app's port on loopback.
    const cm = one(objs, 'ConfigMap', 'legacy-https');
    expect(cm.data).toEqual({ 'nginx.conf': NginxConfig.tlsProxy({ upstreamHost: '127.0.0.1', upstreamPort: 8080 }) });
    expect(cm.data['nginx.conf']).toContain('server 127.0.0.1:8080;');
    // The checksum of that config is on the pod template, so a config change rolls the pods.
    expect(one(objs, 'Deployment').spec.template.metadata.annotations[CHECKSUM]).toBe(ConfigChecksum.of([added.configMap!]));

    // The Service targets the terminator, not the app's plain port.
    const svc = one(objs, 'Service', 'legacy');
    expect(svc.spec.ports).toEqual([{ name: 'https', port: 443, targetPort: 8443 }]);
    expect(svc.spec.selector).toEqual(one(objs, 'Deployment').spec.selector.matchLabels);
    expect(svc.spec.type).toBe('ClusterIP');
    // One replica: no PDB, no spread.
    expect(ofKind(objs, 'PodDisruptionBudget')).toEqual([]);
    expect(spec.topologySpreadConstraints).toBeUndefined();
  });

  test('redirect port, TLS 1.3, HSTS, own ports; the Service exposes HTTPS and the redirect', () => {
    const { chart, pod, tls } = legacy({ port: 5000 });
    pod.addSidecar(Sidecar.httpsTerminator({
      secret: tls, port: 9443, servicePort: 8443, redirectHttpPort: 9080, minTlsVersion: TlsVersion.TLS_1_3, hstsMaxAge: Duration.days(1),
    }));
    pod.exposeViaService({ serviceType: kplus.ServiceType.LOAD_BALANCER });
    const objs = synthValid(chart);
    expect(container(objs, 'https').ports).toEqual([{ containerPort: 9443, name: 'https' }, { containerPort: 9080, name: 'http-redirect' }]);
    const conf = one(objs, 'ConfigMap', 'legacy-https').data['nginx.conf'];
    expect(conf).toBe(NginxConfig.tlsProxy({
      upstreamHost: '127.0.0.1',
      upstreamPort: 5000,
      httpsPort: 9443,
      redirectHttpPort: 9080,
      publicHttpsPort: 8443,
      minTlsVersion: TlsVersion.TLS_1_3,
      hstsMaxAge: Duration.days(1),
    }));
    expect(conf).toContain('return 301 https://$host:8443$request_uri;');
    const svc = one(objs, 'Service');
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.spec.ports).toEqual([{ name: 'https', port: 8443, targetPort: 9443 }, { name: 'http-redirect', port: 80, targetPort: 9080 }]);
  });

  test('a changed nginx config changes the checksum (the pods roll)', () => {
    const sum = (redirect?: number) => {
      const { chart, pod, tls } = legacy();
      pod.addSidecar(Sidecar.httpsTerminator({ secret: tls, redirectHttpPort: redirect }));
      return one(synthValid(chart), 'Deployment').spec.template.metadata.annotations[CHECKSUM];
    };
    expect(sum()).toMatch(/^[0-9a-f]{64}$/);
    expect(sum()).toBe(sum());
    expect(sum(8081)).not.toBe(sum());
  });

  test('the app port can still be exposed on purpose', () => {
    const { chart, pod, tls } = legacy();
    pod.addSidecar(Sidecar.httpsTerminator({ secret: tls }));
    pod.exposeViaService({ ports: [8443, 8080] });
    expect(one(synthValid(chart), 'Service').spec.ports).toEqual([
      { name: 'https', port: 443, targetPort: 8443 },
      { name: 'http', port: 8080, targetPort: 8080 },
    ]);
  });

  test('more than one replica: PodDisruptionBudget and spread', () => {
    const { chart, pod, tls } = legacy({ replicas: 3, strategy: kplus.DeploymentStrategy.recreate() });
    pod.addSidecar(Sidecar.httpsTerminator({ secret: tls }));
    const objs = synthValid(chart);
    expect(pod.podDisruptionBudget).toBeDefined();
    expect(one(objs, 'PodDisruptionBudget', 'legacy').spec).toEqual({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: pod.selector } });
    expect(podSpec(objs).topologySpreadConstraints).toEqual([{
      maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: pod.selector },
    }]);
    expect(one(objs, 'Deployment').spec.replicas).toBe(3);
    expect(one(objs, 'Deployment').spec.strategy).toEqual({ type: 'Recreate' });
  });
});

describe('SidecarPod with config sync', () => {
  test('git-sync checks the repository out into a volume the app reads; an init container clones first', () => {
    const { chart, pod } = legacy();
    const added = pod.addSidecar(Sidecar.configSync({
      repository: 'https://github.com/example/app-config.git', ref: 'main', period: Duration.seconds(30), webhookUrl: 'http://127.0.0.1:8080/-/reload',
    }));
    pod.exposeViaService();
    const objs = synthValid(chart);
    expect(objs).toMatchSnapshot();
    const args = [
      '--repo=https://github.com/example/app-config.git', '--ref=main', '--period=30s', '--root=/git', '--link=current', '--depth=1',
    ];
    const sync = container(objs, 'config-sync');
    expect(sync.image).toBe('registry.k8s.io/git-sync/git-sync:v4.3.0');
    // The sidecar notifies the app after each checkout; the one-time initial clone does not.
    expect(sync.args).toEqual([...args, '--webhook-url=http://127.0.0.1:8080/-/reload']);
    expect(sync.env).toBeUndefined();
    expect(sync.securityContext).toMatchObject({ runAsUser: 65533, runAsGroup: 65533, readOnlyRootFilesystem: true });
    expect(sync.volumeMounts).toEqual([{ mountPath: '/git', name: 'config-sync', readOnly: false }, { mountPath: '/tmp', name: 'config-sync-tmp' }]);
    expect(sync.readinessProbe).toBeUndefined();
    const init = container(objs, 'config-sync-init');
    expect(init.args).toEqual([...args, '--one-time']);
    expect(podSpec(objs).initContainers.map((c: any) => c.name)).toEqual(['config-sync-init']);
    expect(added.initContainer?.name).toBe('config-sync-init');
    // The app sees the checkout read-only at /config (current checkout: /config/current).
    expect(container(objs, 'app').volumeMounts).toEqual([
      { mountPath: '/tmp', name: 'app-tmp' },
      { mountPath: '/config', name: 'config-sync', readOnly: true },
    ]);
    expect(podSpec(objs).volumes).toContainEqual({ name: 'config-sync', emptyDir: { sizeLimit: '256Mi' } });
    // No HTTPS terminator: the Service exposes the app's port.
    expect(one(objs, 'Service').spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 8080 }]);
    expect(ofKind(objs, 'ConfigMap')).toEqual([]);
    expect(one(objs, 'Deployment').spec.template.metadata.annotations).toBeUndefined();
  });

  test('basic-auth credentials come from a Secret as env; no initial sync on request', () => {
    const { chart, pod } = legacy();
    const secret = kplus.Secret.fromSecretName(chart, 'git', 'git-token');
    pod.addSidecar(Sidecar.configSync({
      repository: 'https://git.example.com/ops/config.git',
      credentials: GitCredentials.basicAuth(secret, 'user', 'token'),
      initialSync: false,
      mountPath: '/etc/app',
      link: 'live',
      depth: 0,
      containerName: 'git',
    }));
    const objs = synthValid(chart);
    const git = container(objs, 'git');
    expect(git.env).toEqual([
      { name: 'GITSYNC_USERNAME', valueFrom: { secretKeyRef: { name: 'git-token', key: 'user' } } },
      { name: 'GITSYNC_PASSWORD', valueFrom: { secretKeyRef: { name: 'git-token', key: 'token' } } },
    ]);
    expect(git.args).toContain('--link=live');
    expect(git.args).toContain('--depth=0');
    expect(podSpec(objs).initContainers).toBeUndefined();
    expect(container(objs, 'app').volumeMounts).toContainEqual({ mountPath: '/etc/app', name: 'git', readOnly: true });
  });

  test('an SSH key and known_hosts are mounted from a Secret, group-readable only', () => {
    const { chart, pod } = legacy();
    const secret = kplus.Secret.fromSecretName(chart, 'git', 'git-ssh');
    pod.addSidecar(Sidecar.configSync({ repository: 'git@github.com:example/app-config.git', credentials: GitCredentials.sshKey(secret) }));
    const objs = synthValid(chart);
    const sync = container(objs, 'config-sync');
    expect(sync.args.slice(-3)).toEqual(['--ssh-key-file=/etc/git-secret/ssh', '--ssh-known-hosts=true', '--ssh-known-hosts-file=/etc/git-secret/known_hosts']);
    expect(sync.volumeMounts).toContainEqual({ mountPath: '/etc/git-secret', name: 'config-sync-ssh', readOnly: true });
    expect(podSpec(objs).volumes).toContainEqual({
      name: 'config-sync-ssh',
      secret: { secretName: 'git-ssh', defaultMode: 0o440, items: [{ key: 'known_hosts', path: 'known_hosts' }, { key: 'ssh', path: 'ssh' }] },
    });
  });
});

describe('SidecarPod with the process inspector', () => {
  test('shares the PID namespace; listens on 127.0.0.1 only and stays out of the Service', () => {
    const { chart, pod } = legacy();
    const added = pod.addSidecar(Sidecar.processInspector());
    pod.exposeViaService();
    const objs = synthValid(chart);
    expect(objs).toMatchSnapshot();
    expect(podSpec(objs).shareProcessNamespace).toBe(true);
    const inspector = container(objs, 'process-inspector');
    expect(inspector.image).toBe('ncabatoff/process-exporter:0.8.7');
    expect(inspector.args).toEqual(['-config.path=/etc/process-exporter/config.yml', '-web.listen-address=127.0.0.1:9256', '-children=false']);
    expect(inspector.ports).toBeUndefined();
    expect(inspector.securityContext).toMatchObject({ runAsUser: 65534, runAsGroup: 65534, readOnlyRootFilesystem: true });
    expect(inspector.volumeMounts).toEqual([{ mountPath: '/etc/process-exporter', name: 'process-inspector-config', readOnly: true }]);
    expect(one(objs, 'ConfigMap', 'legacy-process-inspector').data['config.yml']).toBe('process_names:\n  - name: "{{.Comm}}"\n    cmdline:\n      - \'.+\'\n');
    expect(added.configMap?.name).toBe('legacy-process-inspector');
    expect(one(objs, 'Service').spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 8080 }]);
  });

  test('expose: true listens on the pod IP and adds the port to the Service', () => {
    const { chart, pod } = legacy();
    pod.addSidecar(Sidecar.processInspector({ expose: true, port: 9300 }));
    pod.exposeViaService();
    const objs = synthValid(chart);
    const inspector = container(objs, 'process-inspector');
    expect(inspector.args).toContain('-web.listen-address=:9300');
    expect(inspector.ports).toEqual([{ containerPort: 9300, name: 'metrics' }]);
    expect(one(objs, 'Service').spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 8080 }, { name: 'metrics', port: 9300, targetPort: 9300 }]);
  });
});

describe('SidecarPod with any container and shared volumes', () => {
  test('a shared volume mounted by the app and a sidecar at their own paths', () => {
    const { chart, pod } = legacy({ volumes: [{ name: 'logs', sizeLimit: Size.mebibytes(64) }], mounts: [{ volume: 'logs', path: '/var/log/app' }], env: { B: '2', A: '1' } });
    const added = pod.addSidecar(Sidecar.container({
      name: 'log-shipper',
      image: 'example/shipper:1.0.0',
      uid: 2000,
      args: ['--dir=/logs'],
      mounts: [{ volume: 'logs', path: '/logs', readOnly: true }],
      ports: [{ number: 2020, name: 'shipper', expose: true, servicePort: 80 }],
      writableDirs: [],
    }));
    pod.exposeViaService();
    const objs = synthValid(chart);
    expect(added.volumes).toEqual([]);
    expect(container(objs, 'app').env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
    expect(container(objs, 'app').volumeMounts).toContainEqual({ mountPath: '/var/log/app', name: 'logs', readOnly: false });
    const shipper = container(objs, 'log-shipper');
    expect(shipper.volumeMounts).toEqual([{ mountPath: '/logs', name: 'logs', readOnly: true }]);
    expect(shipper.securityContext).toMatchObject({ runAsUser: 2000, runAsGroup: 2000 });
    expect(podSpec(objs).volumes).toContainEqual({ name: 'logs', emptyDir: { sizeLimit: '64Mi' } });
    expect(one(objs, 'Service').spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 8080 }, { name: 'shipper', port: 80, targetPort: 2020 }]);
    expect(pod.node.validate()).toEqual([]);
  });

  test('shareProcessNamespace on request', () => {
    const { chart } = legacy({ shareProcessNamespace: true });
    expect(podSpec(synthValid(chart)).shareProcessNamespace).toBe(true);
  });
});

describe('SidecarPod bad input', () => {
  const where = "SidecarPod 'test/legacy'";

  test('fails when two containers have the same name', () => {
    const { pod } = legacy();
    expect(() => pod.addSidecar(Sidecar.container({ name: 'app', image: 'example/x:1.0', uid: 2000 })))
      .toThrow(`${where}: 'name' must be unique among the pod's containers (app), got 'app'`);
    const { pod: p2, tls } = legacy();
    p2.addSidecar(Sidecar.httpsTerminator({ secret: tls }));
    expect(() => p2.addSidecar(Sidecar.httpsTerminator({ secret: tls, port: 9443 })))
      .toThrow(`${where}: 'containerName' must be unique among the pod's containers (app, https), got 'https'`);
  });

  test('fails when the app and a sidecar claim the same container port', () => {
    const { pod, tls } = legacy({ port: 8443 });
    expect(() => pod.addSidecar(Sidecar.httpsTerminator({ secret: tls })))
      .toThrow(`${where}: 'port' must be a port no other container of the pod listens on (the containers share one network; container 'app' has 8443), got 8443`);
    const { pod: p2 } = legacy();
    expect(() => p2.addSidecar(Sidecar.container({ name: 'other', image: 'example/x:1.0', uid: 2000, ports: [{ number: 8080, name: 'other' }] })))
      .toThrow(`${where}: 'port' must be a port no other container of the pod listens on (the containers share one network; container 'app' has 8080), got 8080`);
    const { pod: p3 } = legacy();
    expect(() => p3.addSidecar(Sidecar.container({ name: 'other', image: 'example/x:1.0', uid: 2000, ports: [{ number: 9000, name: 'http' }] })))
      .toThrow(`${where}: 'ports.name' must be unique in the pod (container 'app' has a port named 'http'), got 'http'`);
  });

  test('fails when a shared volume is mounted by nobody', () => {
    // GIVEN a volume no container mounts
    const { chart, pod } = legacy({ volumes: [{ name: 'scratch' }] });
    // THEN the construct reports it, and synthesis fails
    const message = `${where}: 'volumes' must be mounted by at least one container (no container mounts this one), got 'scratch'`;
    expect(pod.node.validate()).toEqual([message]);
    expect(() => (chart.node.root as App).synthYaml()).toThrow(message);
  });

  test('fails when a container mounts twice at one path', () => {
    expect(() => legacy({ volumes: [{ name: 'a' }, { name: 'b' }], mounts: [{ volume: 'a', path: '/data' }, { volume: 'b', path: '/data' }] }))
      .toThrow(`${where}: 'mounts.path' must be a path mounted once in container 'app', got '/data'`);
    expect(() => legacy({ volumes: [{ name: 'a' }], mounts: [{ volume: 'a', path: '/tmp' }] }))
      .toThrow(`${where}: 'writableDirs' must be a path mounted once in container 'app', got '/tmp'`);
    const { pod } = legacy();
    expect(() => pod.addSidecar(Sidecar.configSync({ repository: 'https://example.com/c.git', mountPath: '/tmp' })))
      .toThrow(`${where}: 'mountPath' must be a path mounted once in container 'app', got '/tmp'`);
    expect(() => legacy({ mounts: [{ volume: 'nope', path: '/x' }] }))
      .toThrow(`${where}: 'mounts.volume' must be a shared volume of the pod (none), got 'nope'`);
    expect(() => legacy({ volumes: [{ name: 'a' }], mounts: [{ volume: 'a', path: 'relative' }] }))
      .toThrow(`${where}: 'mounts.path' must be an absolute path without spaces, ':' or '..', got 'relative'`);
  });

  test('fails when the HTTPS terminator has no Secret, or nothing to proxy to', () => {
    const { pod } = legacy();
    expect(() => pod.addSidecar(Sidecar.httpsTerminator({} as any)))
      .toThrow(`${where}: 'secret' must be a kubernetes.io/tls Secret with tls.crt and tls.key (the HTTPS terminator needs a certificate), got undefined`);
    const { pod: noPort, tls } = legacy({ port: undefined });
    expect(() => noPort.addSidecar(Sidecar.httpsTerminator({ secret: tls })))
      .toThrow(`${where}: 'appPort' must be the app port to proxy to (the pod has no 'port'), got undefined`);
    const { pod: p3, tls: t3 } = legacy();
    expect(() => p3.addSidecar(Sidecar.httpsTerminator({ secret: t3, appPort: 9999 })))
      .toThrow(`${where}: 'appPort' must be a port of the app container (8080), got 9999`);
    const { pod: p4, tls: t4 } = legacy();
    expect(() => p4.addSidecar(Sidecar.httpsTerminator({ secret: t4, port: 443 })))
      .toThrow(`${where}: 'port' must be an integer from 1024 to 65535, got 443`);
  });

  test('fails when git-sync has no repository', () => {
    const { pod } = legacy();
    expect(() => pod.addSidecar(Sidecar.configSync({} as any)))
      .toThrow(`${where}: 'repository' must be a git repository URL (https://…, ssh://…, git@host:path or file://…), got undefined`);
    expect(() => pod.addSidecar(Sidecar.configSync({ repository: '' })))
      .toThrow(`${where}: 'repository' must be a git repository URL (https://…, ssh://…, git@host:path or file://…), got ''`);
    const secret = kplus.Secret.fromSecretName(pod, 's', 'x');
    expect(() => pod.addSidecar(Sidecar.configSync({ repository: 'https://example.com/c.git', credentials: GitCredentials.sshKey(secret) })))
      .toThrow(`${where}: 'credentials' must be GitCredentials.basicAuth(...) for an http(s) repository, got 'GitCredentials.sshKey(...)'`);
    expect(() => pod.addSidecar(Sidecar.configSync({ repository: 'git@github.com:example/c.git', credentials: GitCredentials.basicAuth(secret) })))
      .toThrow(`${where}: 'credentials' must be GitCredentials.sshKey(...) for a repository that is not http(s), got 'GitCredentials.basicAuth(...)'`);
    expect(() => pod.addSidecar(Sidecar.configSync({ repository: 'https://example.com/c.git', webhookUrl: 'localhost:8080/reload' })))
      .toThrow(`${where}: 'webhookUrl' must be an http:// or https:// URL, got 'localhost:8080/reload'`);
    expect(() => pod.addSidecar(Sidecar.configSync({ repository: 'https://example.com/c.git', period: Duration.millis(500) })))
      .toThrow(`${where}: 'period' must be a whole number of seconds from 1 to 2147483647, got '500ms'`);
  });

  test('fails when names are invalid', () => {
    expect(() => legacy({ name: 'Legacy_App' }))
      .toThrow(`${where}: 'name' must be a DNS-1123 label of at most 63 characters (lowercase letters, digits and '-', starting and ending with a letter or digit), got 'Legacy_App'`);
    expect(() => legacy({ appContainerName: 'App' }))
      .toThrow(`${where}: 'appContainerName' must be a DNS-1123 label of at most 63 characters (lowercase letters, digits and '-', starting and ending with a letter or digit), got 'App'`);
    expect(() => legacy({ volumes: [{ name: 'my volume' }] }))
      .toThrow(`${where}: 'volumes.name' must be a DNS-1123 label of at most 63 characters (lowercase letters, digits and '-', starting and ending with a letter or digit), got 'my volume'`);
    expect(() => legacy({ volumes: [{ name: 'a' }, { name: 'a' }] }))
      .toThrow(`${where}: 'volumes.name' must be unique among the shared volumes, got 'a'`);
    expect(() => legacy({ portName: 'a-very-long-port-name' }))
      .toThrow(`${where}: 'portName' must be a port name (an IANA service name: at most 15 characters, lowercase letters, digits and single '-', with a letter), got 'a-very-long-port-name'`);
    const { pod: p0 } = legacy();
    expect(() => p0.addSidecar(Sidecar.container({ name: 'other', image: 'example/x:1.0', uid: 2000, ports: [{ number: 9000, name: 'Metrics' }] })))
      .toThrow(`${where}: 'ports.name' must be a port name (an IANA service name: at most 15 characters, lowercase letters, digits and single '-', with a letter), got 'Metrics'`);
    expect(() => p0.addSidecar(Sidecar.container({ name: 'other', image: 'example/x:1.0', uid: 2000, ports: [{ number: 9000 } as any] })))
      .toThrow(`${where}: 'ports.name' must be a port name (every port of the pod is named), got undefined`);
    const { pod, tls } = legacy();
    expect(() => pod.addSidecar(Sidecar.httpsTerminator({ secret: tls, containerName: 'TLS' })))
      .toThrow(`${where}: 'containerName' must be a DNS-1123 label of at most 63 characters (lowercase letters, digits and '-', starting and ending with a letter or digit), got 'TLS'`);
  });

  test('fails on other bad input', () => {
    expect(() => legacy({ image: 'example/legacy-app' }))
      .toThrow(`${where}: 'image' must be an image pinned to a tag or digest other than 'latest' (e.g. 'redis:7.2.5-alpine'), got 'example/legacy-app'`);
    expect(() => legacy({ replicas: 0 })).toThrow(`${where}: 'replicas' must be an integer from 1 to 1000, got 0`);
    expect(() => legacy({ uid: 0 })).toThrow(`${where}: 'uid' must be an integer from 1 to 2147483647, got 0`);
    const { pod } = legacy({ shareProcessNamespace: false });
    expect(() => pod.addSidecar(Sidecar.processInspector()))
      .toThrow(`${where}: 'shareProcessNamespace' must be true or unset with Sidecar.processInspector() (it inspects the other containers' processes), got false`);
    const { pod: p2, tls } = legacy();
    p2.exposeViaService();
    expect(() => p2.addSidecar(Sidecar.httpsTerminator({ secret: tls })))
      .toThrow(`${where}: addSidecar() must come before exposeViaService(): the Service's ports are fixed when it is made`);
    expect(() => p2.exposeViaService()).toThrow(`${where}: exposeViaService() was already called`);
    const { pod: p3 } = legacy();
    expect(() => p3.exposeViaService({ ports: [9999] })).toThrow(`${where}: 'ports' must be container ports of the pod (8080), got 9999`);
    const { pod: p4 } = legacy({ port: undefined });
    expect(() => p4.exposeViaService()).toThrow(`${where}: 'ports' must be given: no container port is marked to be exposed, got undefined`);
  });
});
