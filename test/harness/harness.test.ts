// Proofs that the tier-1 checkers fail on bad objects: a checker that never fails is worth nothing.
import { harnessLine } from './line';
import { checkRestricted } from './pod-security';
import { validateObject, validateObjects } from './validate';

function goodDeployment(): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { 'app.kubernetes.io/name': 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'web' } },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 101, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: 'web',
            image: 'nginxinc/nginx-unprivileged:1.27.3-alpine',
            ports: [{ containerPort: 8080, name: 'http' }],
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
          }],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}

function mutate(f: (d: any) => void): any {
  const d = goodDeployment();
  f(d);
  return d;
}

const pod = (d: any) => d.spec.template.spec;
const container = (d: any) => d.spec.template.spec.containers[0];

describe(`strict ${harnessLine().kubernetes} validator`, () => {
  test('accepts a valid Deployment', () => {
    expect(validateObject(goodDeployment())).toEqual([]);
  });

  test.each([
    ['an unknown top-level field', (d: any) => { d.extra = 1; }, /unknown field 'extra'/],
    ['an unknown field deep in a container', (d: any) => { container(d).securityContext.runAsRoot = true; }, /unknown field 'runAsRoot'/],
    ['an unknown field in a probe', (d: any) => { container(d).readinessProbe = { httpGet: { path: '/', port: 80, hots: 'x' } }; }, /unknown field 'hots'/],
    ['a wrong type', (d: any) => { d.spec.replicas = 'two'; }, /must be integer|must be number/],
    ['a missing required field', (d: any) => { delete d.spec.selector; }, /selector/],
    ['a missing image', (d: any) => { delete container(d).image; }, /container has no image/],
    ['an unpinned image', (d: any) => { container(d).image = 'nginx:latest'; }, /not pinned/],
    ['a bad object name', (d: any) => { d.metadata.name = 'Web_App'; }, /not a DNS-1123 subdomain/],
    ['a too long name', (d: any) => { d.metadata.name = 'a'.repeat(254); }, /more than 253/],
    ['container port 70000', (d: any) => { container(d).ports[0].containerPort = 70000; }, /70000 is not in 1-65535/],
    ['a bad label value', (d: any) => { d.metadata.labels.x = 'bad value'; }, /label value 'bad value' is invalid/],
    ['a bad label key', (d: any) => { d.metadata.labels['a/b/c'] = 'x'; }, /more than one '\/'/],
    ['a selector that misses the template', (d: any) => { d.spec.selector.matchLabels.other = 'x'; }, /does not match the pod template/],
    ['a mount of no volume', (d: any) => { container(d).volumeMounts.push({ name: 'nope', mountPath: '/x' }); }, /names no volume/],
    ['a port name over 15 characters', (d: any) => { container(d).ports[0].name = 'a-very-long-port-name'; }, /IANA_SVC_NAME/],
  ])('rejects %s', (_what, f, message) => {
    const findings = validateObject(mutate(f));
    expect(findings.map((x) => x.message).join('\n')).toMatch(message);
  });

  test("rejects a kind the line's Kubernetes does not have", () => {
    const findings = validateObject({ apiVersion: 'extensions/v1beta1', kind: 'Deployment', metadata: { name: 'x' }, spec: {} });
    expect(findings.map((f) => f.message).join()).toContain(`not a Kubernetes ${harnessLine().kubernetes} kind`);
  });

  test('rejects a Service port out of range and a Service name that is not a DNS label', () => {
    const findings = validateObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'my.svc' }, spec: { ports: [{ port: 0 }] } });
    const text = findings.map((f) => f.message).join('\n');
    expect(text).toMatch(/not a DNS-1123 label/);
    expect(text).toMatch(/port 0 is not in 1-65535/);
  });

  test('rejects duplicate names per kind and namespace', () => {
    const findings = validateObjects([goodDeployment(), goodDeployment()]);
    expect(findings.map((f) => f.message)).toContain('name is not unique for its kind and namespace');
  });

  test('checks custom resources strictly at the top and in embedded pod templates', () => {
    const scaledJob = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledJob',
      metadata: { name: 'w' },
      spec: { jobTargetRef: { template: { spec: { containers: [{ name: 'w', image: 'busybox:1.36', bogus: 1 }] } } } },
      extra: true,
    };
    const text = validateObject(scaledJob).map((f) => f.message).join('\n');
    expect(text).toMatch(/unknown field 'extra'/);
    expect(text).toMatch(/unknown field 'bogus'/);
  });
});

describe('Pod Security restricted checker', () => {
  test('accepts a compliant Deployment', () => {
    expect(checkRestricted(goodDeployment())).toEqual([]);
  });

  // The rules added after 1.27 apply on the lines whose Kubernetes has them (test/harness/line.ts).
  const minor = Number(harnessLine().kubernetes.split('.')[1]);
  test.each([
    ['a probe that names a host', 34, (d: any) => { container(d).readinessProbe = { httpGet: { path: '/', port: 8080, host: '10.0.0.1' } }; }, /httpGet.host must not be set/],
    ['a preStop hook that names a host', 34, (d: any) => { container(d).lifecycle = { preStop: { tcpSocket: { port: 80, host: 'db' } } }; }, /tcpSocket.host must not be set/],
    ['an AppArmor profile field Unconfined', 30, (d: any) => { container(d).securityContext.appArmorProfile = { type: 'Unconfined' }; }, /AppArmor profile type 'Unconfined'/],
  ])(`%s: rejected from Kubernetes 1.%s (this line: 1.${minor})`, (_what, since, f, message) => {
    const text = checkRestricted(mutate(f as (d: any) => void)).map((x) => x.message).join('\n');
    if (minor >= (since as number)) expect(text).toMatch(message as RegExp);
    else expect(text).not.toMatch(message as RegExp);
  });

  test('a sysctl made safe after 1.27 (net.ipv4.tcp_keepalive_time, 1.29) is safe exactly from then', () => {
    const d = mutate((x: any) => { pod(x).securityContext.sysctls = [{ name: 'net.ipv4.tcp_keepalive_time', value: '600' }]; });
    expect(checkRestricted(d).some((x) => /not in the safe set/.test(x.message))).toBe(minor < 29);
  });

  test.each([
    ['a privileged container', (d: any) => { container(d).securityContext.privileged = true; }, /must not be privileged/],
    ['a hostPath volume', (d: any) => { pod(d).volumes.push({ name: 'h', hostPath: { path: '/' } }); }, /hostPath volumes are forbidden/],
    ['a missing seccomp profile', (d: any) => { delete pod(d).securityContext.seccompProfile; }, /no RuntimeDefault or Localhost seccomp/],
    ['seccomp Unconfined', (d: any) => { container(d).securityContext.seccompProfile = { type: 'Unconfined' }; }, /Unconfined is forbidden/],
    ['runAsNonRoot false', (d: any) => { pod(d).securityContext.runAsNonRoot = false; }, /runAsNonRoot must not be false/],
    ['runAsNonRoot missing', (d: any) => { delete pod(d).securityContext.runAsNonRoot; }, /must run with runAsNonRoot: true/],
    ['runAsUser 0', (d: any) => { container(d).securityContext.runAsUser = 0; }, /must not run as uid 0/],
    ['privilege escalation allowed', (d: any) => { delete container(d).securityContext.allowPrivilegeEscalation; }, /allowPrivilegeEscalation: false/],
    ['capabilities not dropped', (d: any) => { container(d).securityContext.capabilities.drop = []; }, /must drop ALL/],
    ['an added capability', (d: any) => { container(d).securityContext.capabilities.add = ['SYS_ADMIN']; }, /SYS_ADMIN' may not be added/],
    ['a baseline but not restricted capability', (d: any) => { container(d).securityContext.capabilities.add = ['CHOWN']; }, /only NET_BIND_SERVICE/],
    ['hostNetwork', (d: any) => { pod(d).hostNetwork = true; }, /hostNetwork must not be true/],
    ['a hostPort', (d: any) => { container(d).ports[0].hostPort = 8080; }, /hostPort 8080 is forbidden/],
    ['an unsafe sysctl', (d: any) => { pod(d).securityContext.sysctls = [{ name: 'kernel.msgmax', value: '1' }]; }, /not in the safe set/],
    ['a procMount', (d: any) => { container(d).securityContext.procMount = 'Unmasked'; }, /procMount must be Default/],
    ['an SELinux user', (d: any) => { pod(d).securityContext.seLinuxOptions = { user: 'root' }; }, /seLinuxOptions.user/],
    ['an init container running privileged', (d: any) => { pod(d).initContainers = [{ ...container(d), name: 'init', securityContext: { ...container(d).securityContext, privileged: true } }]; }, /'init' must not be privileged/],
  ])('rejects %s', (_what, f, message) => {
    const findings = checkRestricted(mutate(f));
    expect(findings.map((x) => x.message).join('\n')).toMatch(message);
  });

  test('checks the pod template of a CronJob and a custom resource', () => {
    const cron = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'c' },
      spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:1.36' }], restartPolicy: 'Never' } } } } },
    };
    expect(checkRestricted(cron).length).toBeGreaterThan(0);
    const scaledJob = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledJob', metadata: { name: 'w' }, spec: { jobTargetRef: { template: { spec: { containers: [{ name: 'w', image: 'busybox:1.36' }] } } } } };
    expect(checkRestricted(scaledJob).map((f) => f.message).join()).toMatch(/must drop ALL/);
  });
});
