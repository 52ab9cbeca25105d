import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { NetworkPeer, OwnershipElection, OwnershipElectionProps, OwnershipLossAction } from '../../src';
import { one, synthValid } from '../harness';
import { harnessLine } from '../harness/line';
import { sidecarOf } from '../harness/sidecars';

const APP = { image: 'ghcr.io/acme/scheduler:2.1.0', port: 8080 };

function synth(props: Partial<OwnershipElectionProps> = {}) {
  const chart = Testing.chart();
  const election = new OwnershipElection(chart, 'scheduler', { app: APP, ...props });
  return { chart, election, objs: synthValid(chart) };
}

/** The sidecar runtime, loaded from the program text of a synthesized ConfigMap. */
function runtimeFrom(configMap: any): any {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'election-cm-'));
  const file = path.join(dir, 'election-sidecar.js');
  fs.writeFileSync(file, configMap.data['election-sidecar.js']);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const rt = require(file);
  fs.rmSync(dir, { recursive: true, force: true });
  return rt;
}

const SELECTOR = {
  'app.kubernetes.io/component': 'owner-candidate',
  'app.kubernetes.io/instance': 'scheduler',
  'app.kubernetes.io/name': 'scheduler',
};

describe('OwnershipElection', () => {
  test('defaults: 3 replicas, one Lease, least-privilege RBAC, restricted (snapshot)', () => {
    // GIVEN / WHEN the defaults
    const { objs, election } = synth();
    // THEN the objects, strictly valid (synthValid) and as snapshotted
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/scheduler', 'Role/scheduler', 'RoleBinding/scheduler', 'ConfigMap/scheduler-election',
      'Deployment/scheduler', 'PodDisruptionBudget/scheduler', 'NetworkPolicy/scheduler',
    ]);
    expect(objs).toMatchSnapshot();
    expect(election.leaseNames).toEqual(['scheduler']);
    expect(election.replicas).toBe(3);
    expect(election.shardCount).toBe(1);
    expect(election.ownershipUrl).toBe('http://127.0.0.1:8089/ownership');
    expect(election.ownershipFile).toBe('/var/run/election/ownership.json');
    expect(election.ownerService).toBeUndefined();
  });

  test('the Role: get/update on the named Lease only, create on leases (create has no resourceNames), bound to the ServiceAccount', () => {
    const { objs } = synth();
    expect(one(objs, 'Role').rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['scheduler'], verbs: ['get', 'update'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    ]);
    expect(one(objs, 'RoleBinding')).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'scheduler' },
      subjects: [{ kind: 'ServiceAccount', name: 'scheduler' }],
    });
    expect(one(objs, 'ServiceAccount').automountServiceAccountToken).toBe(false);
  });

  test('the pod: the app and the sidecar; the token projected into the sidecar only; the state emptyDir shared read-only', () => {
    const { objs } = synth();
    const d = one(objs, 'Deployment', 'scheduler');
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.selector.matchLabels).toEqual(SELECTOR);
    expect(d.spec.strategy).toEqual({ rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }, type: 'RollingUpdate' });
    const spec = d.spec.template.spec;
    expect(d.spec.template.metadata.labels).toMatchObject({ ...SELECTOR, 'app.kubernetes.io/part-of': 'scheduler', 'app.kubernetes.io/version': '2.1.0' });
    expect(spec.serviceAccountName).toBe('scheduler');
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.containers.map((c: any) => c.name)).toEqual(harnessLine().id === '27' ? ['app', 'election'] : ['app']);
    const app = spec.containers[0];
    const sidecar = sidecarOf(spec, 'election');
    // the app: its env tells it where to ask; it mounts the state read-only and holds no token
    expect(app.env).toEqual([
      { name: 'ELECTION_URL', value: 'http://127.0.0.1:8089/ownership' },
      { name: 'ELECTION_FILE', value: '/var/run/election/ownership.json' },
    ]);
    expect(app.volumeMounts).toEqual([{ mountPath: '/tmp', name: 'app-tmp' }, { mountPath: '/var/run/election', name: 'election-state', readOnly: true }]);
    expect(app.livenessProbe).toBeUndefined();
    expect(app.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    // the sidecar: node runs the program from the ConfigMap with the pod's identity from the downward API
    expect(sidecar.image).toBe('node:22.11.0-alpine3.20');
    expect(sidecar.imagePullPolicy).toBe('IfNotPresent');
    expect(sidecar.command).toEqual(['node', '/etc/election/election-sidecar.js', '/etc/election/config.json']);
    expect(sidecar.env).toEqual([
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ]);
    expect(sidecar.ports).toEqual([{ containerPort: 8089, name: 'election' }]);
    expect(sidecar.readinessProbe).toEqual({ failureThreshold: 1, httpGet: { path: '/healthz', port: 8089, scheme: 'HTTP' }, periodSeconds: 5 });
    expect(sidecar.livenessProbe).toEqual({ failureThreshold: 3, httpGet: { path: '/healthz', port: 8089, scheme: 'HTTP' }, periodSeconds: 10 });
    expect(sidecar.volumeMounts).toEqual([
      { mountPath: '/etc/election', name: 'election-config', readOnly: true },
      { mountPath: '/var/run/election', name: 'election-state' },
      { mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', name: 'election-token', readOnly: true },
    ]);
    expect(sidecar.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(spec.volumes).toEqual([
      { emptyDir: { sizeLimit: '1024Mi' }, name: 'app-tmp' },
      { emptyDir: { medium: 'Memory', sizeLimit: '1Mi' }, name: 'election-state' },
      { configMap: { name: 'scheduler-election' }, name: 'election-config' },
      {
        name: 'election-token',
        projected: {
          defaultMode: 0o444,
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { items: [{ key: 'ca.crt', path: 'ca.crt' }], name: 'kube-root-ca.crt' } },
            { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
          ],
        },
      },
    ]);
    expect(d.spec.template.metadata.annotations['cdk8s-distributed-patterns/config-checksum']).toMatch(/^[0-9a-f]{64}$/);
    expect(one(objs, 'PodDisruptionBudget').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: SELECTOR }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    expect(spec.topologySpreadConstraints[0].labelSelector.matchLabels).toEqual(SELECTOR);
  });

  test('config.json holds the timings and the Lease, and the runtime in the ConfigMap accepts it unchanged', () => {
    const { objs, election } = synth({ leaseDuration: Duration.seconds(20), renewDeadline: Duration.millis(12500), retryPeriod: Duration.seconds(3), leaseName: 'scheduler-leader' });
    const cm = one(objs, 'ConfigMap', 'scheduler-election');
    expect(Object.keys(cm.data).sort()).toEqual(['config.json', 'election-sidecar.js']);
    expect(cm.data['election-sidecar.js']).toBe(OwnershipElection.sidecarProgram());
    expect(cm.data['config.json']).toBe(election.sidecarConfig);
    const config = JSON.parse(cm.data['config.json']);
    expect(config).toEqual({
      leases: ['scheduler-leader'],
      sharded: false,
      replicas: 3,
      leaseDurationSeconds: 20,
      renewDeadlineMs: 12500,
      retryPeriodMs: 3000,
      port: 8089,
      stateDir: '/var/run/election',
      onLoss: 'report',
    });
    expect(runtimeFrom(cm).loadConfig(config)).toMatchObject({ leases: ['scheduler-leader'], renewDeadlineMs: 12500 });
    expect(one(objs, 'Role').rules[0].resourceNames).toEqual(['scheduler-leader']);
  });

  test('sharded: N Leases and the members Lease in the Role and the config', () => {
    const { objs, election } = synth({ shards: 4, replicas: 2 });
    expect(election.leaseNames).toEqual(['scheduler-0', 'scheduler-1', 'scheduler-2', 'scheduler-3']);
    expect(election.shardCount).toBe(4);
    expect(one(objs, 'Role').rules[0].resourceNames).toEqual(['scheduler-0', 'scheduler-1', 'scheduler-2', 'scheduler-3', 'scheduler-members']);
    const config = JSON.parse(one(objs, 'ConfigMap').data['config.json']);
    expect(config).toMatchObject({ leases: election.leaseNames, sharded: true, membersLease: 'scheduler-members', replicas: 2 });
    expect(runtimeFrom(one(objs, 'ConfigMap')).loadConfig(config).sharded).toBe(true);
  });

  test('ownerService: a Service without selector, its Endpoints (written by the owner), POD_IP, and the Endpoints rule', () => {
    const { objs, election } = synth({ ownerService: true });
    const svc = one(objs, 'Service', 'scheduler');
    expect(svc.spec.selector).toBeUndefined();
    expect(svc.metadata.annotations).toEqual({ 'ignore-check.kube-linter.io/dangling-service': "no selector on purpose: the owner's election sidecar writes this Service's Endpoints" });
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 8080 }]);
    expect(one(objs, 'Endpoints', 'scheduler').subsets).toBeUndefined();
    expect(election.ownerService?.name).toBe('scheduler');
    expect(one(objs, 'Role').rules[2]).toEqual({ apiGroups: [''], resources: ['endpoints'], resourceNames: ['scheduler'], verbs: ['get', 'update'] });
    const sidecar = sidecarOf(one(objs, 'Deployment').spec.template.spec, 'election');
    expect(sidecar.env[2]).toEqual({ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
    expect(JSON.parse(one(objs, 'ConfigMap').data['config.json']).endpoints).toEqual({ name: 'scheduler', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] });
    // the clients may reach the app port
    expect(one(objs, 'NetworkPolicy').spec.ingress).toEqual([{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
  });

  test('the NetworkPolicy: default deny, egress to the Kubernetes API on 443 and 6443 only; the Mermaid from the same graph', () => {
    const { objs, election } = synth();
    expect(one(objs, 'NetworkPolicy').spec).toEqual({
      podSelector: { matchLabels: SELECTOR },
      policyTypes: ['Ingress', 'Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }], ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] }],
    });
    expect(election.toMermaid()).toBe([
      'flowchart LR',
      '  %% OwnershipElection test/scheduler',
      '  n0["replicas ×3 (one owner)<br/>scheduler"]',
      '  n1(["anywhere"])',
      '  n0 -->|443/TCP, 6443/TCP| n1',
      '',
    ].join('\n'));
    const off = synth({ networkPolicy: { enabled: false } }).objs;
    expect(off.filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
    const clients = synth({ ownerService: true, networkPolicy: { clients: [NetworkPeer.pods({ app: 'web' })] } }).objs;
    expect(one(clients, 'NetworkPolicy').spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
  });

  test('onLoss RESTART_APP: the app\'s liveness probe is the sidecar\'s /watchdog', () => {
    const { objs } = synth({ onLoss: OwnershipLossAction.RESTART_APP });
    const app = one(objs, 'Deployment').spec.template.spec.containers[0];
    expect(app.livenessProbe).toEqual({ failureThreshold: 1, httpGet: { path: '/watchdog', port: 8089, scheme: 'HTTP' }, periodSeconds: 1, timeoutSeconds: 1 });
    expect(JSON.parse(one(objs, 'ConfigMap').data['config.json']).onLoss).toBe('restart-app');
    expect(one(objs, 'Deployment').metadata.annotations['ignore-check.kube-linter.io/liveness-port']).toMatch(/the election sidecar's \/watchdog/);
  });

  test('the user\'s container, pod options, part-of and image overrides reach the pod', () => {
    const secret = kplus.Secret.fromSecretName(Testing.chart(), 'pull', 'regcred');
    const { objs } = synth({
      app: { ...APP, uid: 2000, env: { MODE: kplus.EnvValue.fromValue('batch') }, args: ['--shards'] },
      pod: { imagePullSecrets: [secret], nodeSelector: { pool: 'control' }, labels: { team: 'sched' } },
      partOf: 'platform',
      images: { node: 'mirror.example/node:22.11.0-alpine3.20' },
      sidecarPort: 9000,
    });
    const d = one(objs, 'Deployment');
    const spec = d.spec.template.spec;
    expect(spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(spec.nodeSelector).toEqual({ pool: 'control' });
    expect(d.spec.template.metadata.labels).toMatchObject({ 'team': 'sched', 'app.kubernetes.io/part-of': 'platform' });
    expect(spec.securityContext).toMatchObject({ runAsUser: 2000, runAsGroup: 2000, fsGroup: 2000 });
    expect(spec.containers[0].args).toEqual(['--shards']);
    expect(spec.containers[0].env.map((e: any) => e.name)).toEqual(['MODE', 'ELECTION_URL', 'ELECTION_FILE']);
    expect(spec.containers[0].env[1].value).toBe('http://127.0.0.1:9000/ownership');
    expect(sidecarOf(spec, 'election').image).toBe('mirror.example/node:22.11.0-alpine3.20');
    expect(sidecarOf(spec, 'election').ports).toEqual([{ containerPort: 9000, name: 'election' }]);
  });

  test('the largest retry period for a renew deadline is accepted (client-go: renewDeadline > retryPeriod × 1.2)', () => {
    const largest = synth({ renewDeadline: Duration.seconds(10), retryPeriod: Duration.millis(8333) }).election;
    expect(JSON.parse(largest.sidecarConfig).retryPeriodMs).toBe(8333);
    expect(() => synth({ renewDeadline: Duration.seconds(10), retryPeriod: Duration.millis(8334) })).toThrow("got '8334ms'");
  });

  describe.each([
    ['replicas is 1', { replicas: 1 }, /'replicas' must be an integer from 2 to 100 \(with one replica there is nothing to elect: the book's first advice is "determining if you even need master election"/],
    ['the renew deadline is not below the lease', { leaseDuration: Duration.seconds(10), renewDeadline: Duration.seconds(10) }, "'renewDeadline' must be less than 'leaseDuration' (10000ms)"],
    ['the retry period is too close to the renew deadline', { renewDeadline: Duration.seconds(10), retryPeriod: Duration.millis(8500) }, "'retryPeriod' must be less than 'renewDeadline' / 1.2 (at most 8333ms)"],
    ['the lease name is not an object name', { leaseName: 'Leader_1' }, "'leaseName' must be a Kubernetes object name"],
    ['shards is 0', { shards: 0 }, "'shards' must be an integer from 1 to 1000, got 0"],
    ['the lease duration is not whole seconds', { leaseDuration: Duration.millis(2500) }, "'leaseDuration' must be"],
    ['ownerService with shards', { ownerService: true, shards: 3 }, "'ownerService' must be false with 'shards'"],
  ] as Array<[string, Partial<OwnershipElectionProps>, string | RegExp]>)('fails when %s', (_name, props, message) => {
    test('with a clear message', () => {
      expect(() => synth(props)).toThrow(message);
    });
  });
});
