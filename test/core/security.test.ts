import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { RestrictedSecurity } from '../../src';
import { checkRestricted, one, synthValid } from '../harness';

function restrictedDeployment() {
  const chart = Testing.chart();
  const d = new kplus.Deployment(chart, 'web', {
    metadata: { name: 'web' },
    securityContext: RestrictedSecurity.podSecurityContext(101, 101),
  });
  const c = RestrictedSecurity.addContainer(d, { name: 'nginx', image: 'nginxinc/nginx-unprivileged:1.27.3-alpine', portNumber: 8080 }, { uid: 101, gid: 101 });
  RestrictedSecurity.addInitContainer(d, { name: 'init', image: 'busybox:1.36.1', command: ['true'] }, { uid: 101, gid: 101 });
  RestrictedSecurity.addWritableDirs(d, c, { paths: ['/tmp', '/var/cache/nginx'], memory: true });
  RestrictedSecurity.applySeccomp(d);
  return { chart, d };
}

describe('RestrictedSecurity', () => {
  test('a workload built with it passes Pod Security restricted and the strict schema', () => {
    // GIVEN a Deployment with a container and an init container added through the helpers
    const { chart } = restrictedDeployment();
    // WHEN synthesized (synthValid runs the strict validator and the restricted checker)
    const objs = synthValid(chart);
    // THEN the fields restricted needs are there
    const spec = one(objs, 'Deployment').spec.template.spec;
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 101, runAsGroup: 101, fsGroup: 101, seccompProfile: { type: 'RuntimeDefault' } });
    for (const c of [...spec.containers, ...spec.initContainers]) {
      expect(c.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        privileged: false,
        readOnlyRootFilesystem: true,
        runAsGroup: 101,
        runAsNonRoot: true,
        runAsUser: 101,
      });
    }
    expect(spec.containers[0].volumeMounts).toEqual([
      { mountPath: '/tmp', name: 'nginx-tmp' },
      { mountPath: '/var/cache/nginx', name: 'nginx-var-cache-nginx' },
    ]);
    expect(spec.volumes).toEqual([
      { emptyDir: { medium: 'Memory', sizeLimit: '16Mi' }, name: 'nginx-tmp' },
      { emptyDir: { medium: 'Memory', sizeLimit: '16Mi' }, name: 'nginx-var-cache-nginx' },
    ]);
  });

  test('without the seccomp patch the restricted checker fails (the patch is what makes it pass)', () => {
    const chart = Testing.chart();
    const d = new kplus.Deployment(chart, 'web', { securityContext: RestrictedSecurity.podSecurityContext(101, 101) });
    RestrictedSecurity.addContainer(d, { name: 'nginx', image: 'nginx:1.27.3' }, { uid: 101, gid: 101 });
    const findings = Testing.synth(chart).flatMap(checkRestricted);
    expect(findings.map((f) => f.message)).toContain("restricted: container 'nginx' has no RuntimeDefault or Localhost seccomp profile (pod or container)");
  });

  test('pod spec pointers per kind', () => {
    expect(RestrictedSecurity.podSpecPointer('Pod')).toBe('/spec');
    expect(RestrictedSecurity.podSpecPointer('StatefulSet')).toBe('/spec/template/spec');
    expect(RestrictedSecurity.podSpecPointer('CronJob')).toBe('/spec/jobTemplate/spec/template/spec');
    expect(() => RestrictedSecurity.podSpecPointer('Service')).toThrow('no pod template in a Service');
  });

  test('applies to a bare Pod and a Job', () => {
    const chart = Testing.chart();
    const pod = new kplus.Pod(chart, 'pod', { metadata: { name: 'p' }, securityContext: RestrictedSecurity.podSecurityContext(1000, 1000) });
    RestrictedSecurity.addContainer(pod, { name: 'main', image: 'node:22.11.0-alpine3.20' }, { uid: 1000, gid: 1000 });
    RestrictedSecurity.applySeccomp(pod);
    const job = new kplus.Job(chart, 'job', { metadata: { name: 'j' }, securityContext: RestrictedSecurity.podSecurityContext(1000, 1000) });
    RestrictedSecurity.addContainer(job, { name: 'main', image: 'node:22.11.0-alpine3.20' }, { uid: 1000, gid: 1000 });
    RestrictedSecurity.applySeccomp(job);
    const objs = synthValid(chart);
    expect(one(objs, 'Pod').spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(one(objs, 'Job').spec.template.spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  });

  test('fails when a uid is root or ids are not integers', () => {
    expect(() => RestrictedSecurity.podSecurityContext(0, 0)).toThrow('uid must be a non-root integer uid from 1 to 2147483647, got 0');
    expect(() => RestrictedSecurity.containerSecurityContext({ uid: 1000, gid: -1 })).toThrow('gid must be an integer from 0 to 2147483647, got -1');
  });

  test('fails when a writable dir is relative or the list is wrong', () => {
    const { d } = restrictedDeployment();
    expect(() => RestrictedSecurity.addWritableDirs(d, d.containers[0], { paths: ['tmp'] })).toThrow("writable dir must be an absolute path, got 'tmp'");
    expect(() => RestrictedSecurity.dropAllCapabilities(d, 'sidecars', 0)).toThrow("list must be 'containers' or 'initContainers', got 'sidecars'");
  });
});
