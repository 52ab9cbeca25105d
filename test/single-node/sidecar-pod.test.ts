import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AppContainerProps, ConfigChecksum, GitCredentials, NetworkPeer, NginxConfig, Sidecar, SidecarPod, SidecarPodProps, TlsVersion,
} from '../../src';
import { LINE } from '../../src/line';
import { ofKind, one, synthValid } from '../harness';
import { sidecarOf } from '../harness/sidecars';

const CHECKSUM = ConfigChecksum.ANNOTATION;

/**
 * The pod's app container(s) and the containers the library added beside them, in the order the 27 line lists them:
 * on a line with native sidecars those are init containers with `restartPolicy: Always` (test/harness/sidecars.ts).
 */
function appAndSidecars(spec: any): any[] {
  return [...spec.containers, ...(spec.initContainers ?? []).filter((c: any) => c.restartPolicy === 'Always')];
}

function legacy(props: Partial<SidecarPodProps> = {}, app: Partial<AppContainerProps> = {}) {
  const chart = Testing.chart();
  const pod = new SidecarPod(chart, 'legacy', { ...props, app: { image: 'example/legacy-app:2.3.1', port: 8080, ...app } });
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
    expect(appAndSidecars(spec).map((c: any) => c.name)).toEqual(['app', 'https']);
    // the app is a regular container on every line; the terminator a native sidecar where the line has them
    expect(spec.containers.map((c: any) => c.name)).toEqual(['app'].concat(LINE.nativeSidecars ? [] : ['https']));
    expect(sidecarOf(spec, 'https').name).toBe('https');
    expect(spec.shareProcessNamespace ?? false).toBe(false); // cdk8s-plus-34 writes the default explicitly

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
    // Readiness is an HTTPS GET of the path nginx answers itself: a hung nginx fails it (a TCP probe passes, since
    // the kernel completes the handshake of a stopped process); an outage of the app behind it does not.
    expect(https.readinessProbe).toEqual({
      httpGet: { path: '/healthz-tls', port: 8443, scheme: 'HTTPS' }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3,
    });
    expect(https.livenessProbe).toBeUndefined();
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
      { name: 'https-tmp', emptyDir: { sizeLimit: '32Mi' } },
    ]));

    // The config is the shared renderer's, proxying to the app's port on loopback.
    const cm = one(objs, 'ConfigMap', 'legacy-https');
    expect(cm.data).toEqual({ 'nginx.conf': NginxConfig.tlsProxy({ upstreamHost: '127.0.0.1', upstreamPort: 8080, healthPath: '/healthz-tls' }) });
    expect(cm.data['nginx.conf']).toContain('server 127.0.0.1:8080;');
    expect(cm.data['nginx.conf']).toContain('        location = /healthz-tls {\n            access_log off;\n            return 200 "ok\\n";\n        }');
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
    const { chart, pod, tls } = legacy({}, { port: 5000 });
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
      healthPath: '/healthz-tls',
    }));
    expect(conf).toContain('return 301 https://$host:8443$request_uri;');
    expect(container(objs, 'https').readinessProbe.httpGet).toEqual({ path: '/healthz-tls', port: 9443, scheme: 'HTTPS' });
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
    // the one-shot clone comes first: a native sidecar (34 line) would otherwise start before the checkout exists
    expect(podSpec(objs).initContainers.map((c: any) => c.name)).toEqual(LINE.nativeSidecars ? ['config-sync-init', 'config-sync'] : ['config-sync-init']);
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
      credentials: GitCredentials.basicAuth({ secret, key: 'user' }, { secret, key: 'token' }),
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
    expect((podSpec(objs).initContainers ?? []).filter((c: any) => c.restartPolicy !== 'Always')).toEqual([]);
    expect(container(objs, 'app').volumeMounts).toContainEqual({ mountPath: '/etc/app', name: 'git', readOnly: true });
  });

  test('an SSH key and known_hosts are mounted from a Secret, group-readable only', () => {
    const { chart, pod } = legacy();
    const secret = kplus.Secret.fromSecretName(chart, 'git', 'git-ssh');
    pod.addSidecar(Sidecar.configSync({
      repository: 'git@github.com:example/app-config.git', credentials: GitCredentials.sshKey({ secret, key: 'ssh' }, { secret, key: 'known_hosts' }),
    }));
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
    const { chart, pod } = legacy(
      { volumes: [{ name: 'logs', sizeLimit: Size.mebibytes(64) }], appMounts: [{ volume: 'logs', path: '/var/log/app' }] },
      { env: { B: kplus.EnvValue.fromValue('2'), A: kplus.EnvValue.fromValue('1') } },
    );
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

describe('SidecarPod: one vocabulary (app container, pod options, labels, secrets)', () => {
  test('the app container takes AppContainerProps: env from Secrets, workingDir, probes, uid 1000 by default', () => {
    // GIVEN an app with env from a Secret, a startup probe and a working directory
    const chart = Testing.chart();
    const secret = kplus.Secret.fromSecretName(chart, 'db', 'db-credentials');
    const pod = new SidecarPod(chart, 'legacy', {
      appContainerName: 'web',
      app: {
        image: 'example/legacy-app:2.3.1',
        port: 8080,
        portName: 'web',
        workingDir: '/srv',
        env: { DB_PASSWORD: kplus.EnvValue.fromSecretValue({ secret, key: 'password' }), MODE: kplus.EnvValue.fromValue('prod') },
        startup: kplus.Probe.fromHttpGet('/started'),
        liveness: kplus.Probe.fromHttpGet('/alive'),
      },
    });
    const objs = synthValid(chart);
    // THEN
    const web = container(objs, 'web');
    expect(pod.appContainer.name).toBe('web');
    expect(web.workingDir).toBe('/srv');
    expect(web.env).toEqual([
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-credentials', key: 'password' } } },
      { name: 'MODE', value: 'prod' },
    ]);
    expect(web.ports).toEqual([{ containerPort: 8080, name: 'web' }]);
    expect(web.readinessProbe.tcpSocket).toEqual({ port: 8080 });
    expect(web.startupProbe.httpGet).toEqual({ path: '/started', port: 8080, scheme: 'HTTP' });
    expect(web.livenessProbe.httpGet).toEqual({ path: '/alive', port: 8080, scheme: 'HTTP' });
    expect(web.imagePullPolicy).toBe('IfNotPresent');
    expect(web.resources).toEqual({ limits: { 'cpu': '1000m', 'memory': '512Mi', 'ephemeral-storage': '1Gi' }, requests: { 'cpu': '100m', 'memory': '128Mi', 'ephemeral-storage': '64Mi' } });
    expect(web.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000 });
    expect(podSpec(objs).securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, runAsNonRoot: true });
  });

  test('labels: name and instance the base name, component app, part-of the prop, version the app image tag', () => {
    // GIVEN a pod with an HTTPS terminator, part of the "shop" application
    const { chart, pod, tls } = legacy({ partOf: 'shop' });
    pod.addSidecar(Sidecar.httpsTerminator({ secret: tls }));
    pod.exposeViaService();
    const objs = synthValid(chart);
    // THEN every object of the pod carries the pod's labels; the sidecar's ConfigMap those of nginx
    const podLabels = {
      'app.kubernetes.io/name': 'legacy',
      'app.kubernetes.io/instance': 'legacy',
      'app.kubernetes.io/component': 'app',
      'app.kubernetes.io/part-of': 'shop',
      'app.kubernetes.io/version': '2.3.1',
      'app.kubernetes.io/managed-by': 'cdk8s-distributed-patterns',
    };
    expect(one(objs, 'Deployment').metadata.labels).toEqual(podLabels);
    expect(one(objs, 'Deployment').spec.template.metadata.labels).toEqual({ ...podLabels, 'cdk8s.io/metadata.addr': expect.any(String) });
    expect(one(objs, 'Service').metadata.labels).toEqual(podLabels);
    expect(one(objs, 'ConfigMap').metadata.labels).toEqual({ ...podLabels, 'app.kubernetes.io/name': 'nginx', 'app.kubernetes.io/component': 'sidecar', 'app.kubernetes.io/version': '1.27.3-alpine' });
    // Selectors never carry the version or part-of.
    expect(pod.selector).toEqual({ 'app.kubernetes.io/name': 'legacy', 'app.kubernetes.io/instance': 'legacy', 'app.kubernetes.io/component': 'app' });
    expect(one(objs, 'Deployment').spec.selector.matchLabels).toEqual(pod.selector);
    expect(one(objs, 'Service').spec.selector).toEqual(pod.selector);
  });

  test('part-of from the app-wide context; the base name without one', () => {
    const app = Testing.app();
    app.node.setContext('cdk8s-distributed-patterns:part-of', 'storefront');
    const chart = new Chart(app, 'test');
    new SidecarPod(chart, 'legacy', { app: { image: 'example/legacy-app:2.3.1' } });
    expect(one(synthValid(chart), 'Deployment').metadata.labels['app.kubernetes.io/part-of']).toBe('storefront');
    const { chart: plain } = legacy();
    expect(one(synthValid(plain), 'Deployment').metadata.labels['app.kubernetes.io/part-of']).toBe('legacy');
  });

  test('pod options reach the pod template; topologySpreadConstraints replace the library spread', () => {
    // GIVEN every pod option
    const chart = Testing.chart();
    const pullSecret = kplus.Secret.fromSecretName(chart, 'pull', 'registry-credentials');
    const sa = kplus.ServiceAccount.fromServiceAccountName(chart, 'sa', 'legacy-sa');
    const spread = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { team: 'web' } } }];
    const scheduling = {
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }] }] } } },
      topologySpreadConstraints: spread,
      priorityClassName: 'high',
    };
    const pod = new SidecarPod(chart, 'legacy', {
      app: { image: 'example/legacy-app:2.3.1', port: 8080 },
      replicas: 3,
      pod: {
        imagePullSecrets: [pullSecret],
        serviceAccount: sa,
        automountServiceAccountToken: true,
        ...scheduling,
        labels: { team: 'web' },
        annotations: { 'example.com/owner': 'web-team' },
      },
    });
    pod.addSidecar(Sidecar.processInspector());
    const objs = synthValid(chart);
    // THEN
    const tpl = one(objs, 'Deployment').spec.template;
    expect(tpl.metadata.labels.team).toBe('web');
    expect(tpl.metadata.annotations['example.com/owner']).toBe('web-team');
    expect(tpl.spec).toMatchObject({
      imagePullSecrets: [{ name: 'registry-credentials' }],
      serviceAccountName: 'legacy-sa',
      automountServiceAccountToken: true,
      ...scheduling,
      shareProcessNamespace: true,
    });
    // The PDB stays (three replicas); the selector is still the library's.
    expect(one(objs, 'PodDisruptionBudget').spec.selector.matchLabels).toEqual(pod.selector);
    expect(one(objs, 'Deployment').spec.selector.matchLabels).toEqual(pod.selector);
  });

  test('Sidecar.container takes the container vocabulary: env values, probes on its first port, uid 1000 by default', () => {
    const { chart, pod } = legacy();
    const secret = kplus.Secret.fromSecretName(chart, 'token', 'shipper-token');
    pod.addSidecar(Sidecar.container({
      name: 'shipper',
      image: 'example/shipper:1.0.0',
      env: { TOKEN: kplus.EnvValue.fromSecretValue({ secret, key: 'token' }) },
      ports: [{ number: 2020, name: 'shipper' }],
      readiness: kplus.Probe.fromHttpGet('/ready'),
      startup: kplus.Probe.fromTcpSocket(),
      workingDir: '/work',
      resources: { cpu: { request: kplus.Cpu.millis(20) }, memory: { request: Size.mebibytes(16), limit: Size.mebibytes(64) } },
    }));
    const shipper = container(synthValid(chart), 'shipper');
    expect(shipper.env).toEqual([{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'shipper-token', key: 'token' } } }]);
    expect(shipper.readinessProbe.httpGet).toEqual({ path: '/ready', port: 2020, scheme: 'HTTP' });
    expect(shipper.startupProbe.tcpSocket).toEqual({ port: 2020 });
    expect(shipper.workingDir).toBe('/work');
    expect(shipper.resources).toEqual({ limits: { 'memory': '64Mi', 'ephemeral-storage': '1Gi' }, requests: { 'cpu': '20m', 'memory': '16Mi', 'ephemeral-storage': '64Mi' } });
    expect(shipper.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000 });
    expect(shipper.volumeMounts).toEqual([{ mountPath: '/tmp', name: 'shipper-tmp' }]);
  });

  test('an SSH key and known_hosts from two Secrets: two volumes', () => {
    const { chart, pod } = legacy();
    const key = kplus.Secret.fromSecretName(chart, 'key', 'deploy-key');
    const hosts = kplus.Secret.fromSecretName(chart, 'hosts', 'github-known-hosts');
    pod.addSidecar(Sidecar.configSync({
      repository: 'git@github.com:example/app-config.git',
      credentials: GitCredentials.sshKey({ secret: key, key: 'id_ed25519' }, { secret: hosts, key: 'known_hosts' }),
      initialSync: false,
    }));
    const objs = synthValid(chart);
    const sync = container(objs, 'config-sync');
    expect(sync.args.slice(-3)).toEqual(['--ssh-key-file=/etc/git-secret/ssh', '--ssh-known-hosts=true', '--ssh-known-hosts-file=/etc/git-known-hosts/known_hosts']);
    expect(sync.volumeMounts).toEqual(expect.arrayContaining([
      { mountPath: '/etc/git-secret', name: 'config-sync-ssh', readOnly: true },
      { mountPath: '/etc/git-known-hosts', name: 'config-sync-known-hosts', readOnly: true },
    ]));
    expect(podSpec(objs).volumes).toEqual(expect.arrayContaining([
      { name: 'config-sync-ssh', secret: { secretName: 'deploy-key', defaultMode: 0o440, items: [{ key: 'id_ed25519', path: 'ssh' }] } },
      { name: 'config-sync-known-hosts', secret: { secretName: 'github-known-hosts', defaultMode: 0o440, items: [{ key: 'known_hosts', path: 'known_hosts' }] } },
    ]));
  });

  test('every preset\'s container takes resources (the defaults as documented)', () => {
    const { chart, pod, tls } = legacy();
    const r = {
      cpu: { request: kplus.Cpu.millis(5), limit: kplus.Cpu.millis(50) },
      memory: { request: Size.mebibytes(8), limit: Size.mebibytes(16) },
    };
    pod.addSidecar(Sidecar.httpsTerminator({ secret: tls, resources: r }));
    pod.addSidecar(Sidecar.configSync({ repository: 'https://example.com/c.git', resources: r }));
    pod.addSidecar(Sidecar.processInspector({ resources: r }));
    const objs = synthValid(chart);
    const expected = { limits: { cpu: '50m', memory: '16Mi' }, requests: { cpu: '5m', memory: '8Mi' } };
    for (const name of ['https', 'config-sync', 'config-sync-init', 'process-inspector']) expect(container(objs, name).resources).toMatchObject(expected);
    const { chart: c2, pod: p2, tls: t2 } = legacy();
    p2.addSidecar(Sidecar.httpsTerminator({ secret: t2 }));
    p2.addSidecar(Sidecar.configSync({ repository: 'https://example.com/c.git' }));
    p2.addSidecar(Sidecar.processInspector());
    const defaults = synthValid(c2);
    expect(container(defaults, 'https').resources).toMatchObject({ limits: { memory: '128Mi' }, requests: { cpu: '50m', memory: '32Mi' } });
    expect(container(defaults, 'config-sync').resources).toMatchObject({ limits: { memory: '256Mi' }, requests: { cpu: '10m', memory: '32Mi' } });
    expect(container(defaults, 'process-inspector').resources).toMatchObject({ limits: { memory: '128Mi' }, requests: { cpu: '10m', memory: '32Mi' } });
  });
});

describe('SidecarPod NetworkPolicy (issue 23)', () => {
  const SELECTOR = { 'app.kubernetes.io/component': 'app', 'app.kubernetes.io/instance': 'legacy', 'app.kubernetes.io/name': 'legacy' };
  const DNS = { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] };
  const ANYWHERE = [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }];

  test('the app alone: default deny, the clients (this namespace) to the app port, no egress; the Mermaid from the same graph', () => {
    const { chart, pod } = legacy();
    const objs = synthValid(chart);
    const policy = one(objs, 'NetworkPolicy', 'legacy');
    expect(policy.metadata.labels).toEqual(one(objs, 'Deployment').metadata.labels);
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: SELECTOR },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8080 }] }],
    });
    expect(pod.toMermaid()).toBe([
      'flowchart LR',
      '  %% SidecarPod test/legacy',
      '  n0["app + sidecars ×1<br/>legacy"]',
      '  n1(["every pod of this namespace"])',
      '  n1 -->|8080/TCP| n0',
      '',
    ].join('\n'));
  });

  test('behind the HTTPS terminator the app\'s plain port is not in the policy: the clients reach the TLS and redirect ports only', () => {
    const { chart, pod, tls } = legacy({ networkPolicy: { clients: [NetworkPeer.pods({ app: 'shop' })] } });
    pod.addSidecar(Sidecar.httpsTerminator({ secret: tls, redirectHttpPort: 8081 }));
    const objs = synthValid(chart);
    const spec = one(objs, 'NetworkPolicy').spec;
    expect(spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { app: 'shop' } } }], ports: [{ protocol: 'TCP', port: 8443 }, { protocol: 'TCP', port: 8081 }] }]);
    expect(JSON.stringify(spec)).not.toContain('8080');
    expect(spec.egress).toBeUndefined();
    // the same with a Service: the policy follows the ports the Service targets
    const withService = legacy();
    withService.pod.addSidecar(Sidecar.httpsTerminator({ secret: withService.tls }));
    withService.pod.exposeViaService();
    expect(one(synthValid(withService.chart), 'NetworkPolicy').spec.ingress).toEqual([{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8443 }] }]);
  });

  test('a sidecar port with expose: true is served too; one without is not', () => {
    const { chart, pod } = legacy();
    pod.addSidecar(Sidecar.container({ name: 'grpc', image: 'example/grpc-gateway:1.0.0', ports: [{ number: 9000, name: 'grpc', expose: true }, { number: 9001, name: 'admin' }] }));
    expect(one(synthValid(chart), 'NetworkPolicy').spec.ingress).toEqual([{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 9000 }] }]);
  });

  test('the app port exposed on purpose through the Service is open on purpose', () => {
    const { chart, pod, tls } = legacy();
    pod.addSidecar(Sidecar.httpsTerminator({ secret: tls }));
    pod.exposeViaService({ ports: [8443, 8080] });
    expect(one(synthValid(chart), 'NetworkPolicy').spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 8443 }, { protocol: 'TCP', port: 8080 }]);
  });

  test('git-sync reaches its repository (any address on the URL\'s port) and the DNS; a webhook on 127.0.0.1 needs nothing', () => {
    const { chart, pod } = legacy();
    pod.addSidecar(Sidecar.configSync({ repository: 'https://git.example.com/team/config.git', webhookUrl: 'http://127.0.0.1:8080/-/reload' }));
    const spec = one(synthValid(chart), 'NetworkPolicy').spec;
    expect(spec.egress).toEqual([{ to: ANYWHERE, ports: [{ protocol: 'TCP', port: 443 }] }, DNS]);
    expect(pod.toMermaid()).toContain('n0 -->|443/TCP| n1');
    expect(pod.toMermaid()).toContain('n1(["anywhere"])');
    expect(pod.toMermaid()).toContain('n0 -.->|53/UDP, 53/TCP| dns');
  });

  test.each([
    ['ssh://git@git.example.com:2222/team/config.git', ANYWHERE, 2222],
    ['git@github.com:team/config.git', ANYWHERE, 22],
    ['git://git.example.com/config.git', ANYWHERE, 9418],
    ['http://10.1.2.3/config.git', [{ ipBlock: { cidr: '10.1.2.3/32' } }], 80],
  ])('git-sync\'s egress for %s', (repository, to, port) => {
    const { chart, pod } = legacy();
    pod.addSidecar(Sidecar.configSync({ repository }));
    expect(one(synthValid(chart), 'NetworkPolicy').spec.egress[0]).toEqual({ to, ports: [{ protocol: 'TCP', port }] });
  });

  test('a file:// repository and no remote webhook: no egress at all; a remote webhook: its port', () => {
    const local = legacy();
    local.pod.addSidecar(Sidecar.configSync({ repository: 'file:///srv/config.git' }));
    expect(one(synthValid(local.chart), 'NetworkPolicy').spec.egress).toBeUndefined();
    const hook = legacy();
    hook.pod.addSidecar(Sidecar.configSync({ repository: 'file:///srv/config.git', webhookUrl: 'https://hooks.example.com:8443/reload' }));
    expect(one(synthValid(hook.chart), 'NetworkPolicy').spec.egress).toEqual([{ to: ANYWHERE, ports: [{ protocol: 'TCP', port: 8443 }] }, DNS]);
  });

  test('an exposed process inspector is open to monitoring only; the app\'s own egress in extraEgress (with DNS); enabled: false emits nothing', () => {
    const prometheus = NetworkPeer.pods({ 'app.kubernetes.io/name': 'prometheus' }, { 'kubernetes.io/metadata.name': 'monitoring' });
    const { chart, pod } = legacy({
      networkPolicy: { monitoring: prometheus, extraEgress: [{ peer: NetworkPeer.pods({ app: 'db' }), ports: [{ port: 5432 }] }] },
    });
    pod.addSidecar(Sidecar.processInspector({ expose: true }));
    const spec = one(synthValid(chart), 'NetworkPolicy').spec;
    expect(spec.ingress).toEqual([
      { from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8080 }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }], ports: [{ protocol: 'TCP', port: 9256 }] },
    ]);
    expect(spec.egress).toEqual([{ to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ protocol: 'TCP', port: 5432 }] }, DNS]);
    const off = legacy({ networkPolicy: { enabled: false } });
    off.pod.addSidecar(Sidecar.configSync({ repository: 'https://git.example.com/config.git' }));
    expect(ofKind(synthValid(off.chart), 'NetworkPolicy')).toEqual([]);
  });
});
