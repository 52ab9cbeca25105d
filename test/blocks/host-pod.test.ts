import { ApiObject, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { addToHardenedPod } from '../../src/blocks/_host-pod';
import { checkRestricted, one } from '../harness';

/** A user's Deployment, and the owner construct that adds a container to it. */
function setup(patches: JsonPatch[] = []) {
  const chart = Testing.chart();
  const owner = new Construct(chart, 'owner');
  const d = new kplus.Deployment(chart, 'web', { metadata: { name: 'web' } });
  d.addContainer({ name: 'main', image: 'node:22.11.0-alpine3.20', securityContext: { user: 1000 } });
  ApiObject.of(d).addJsonPatch(...patches);
  const harden = () => addToHardenedPod({ owner, method: 'addX()' }, d, () => d.addContainer({ name: 'lib', image: 'node:22.11.0-alpine3.20', securityContext: { user: 1000 } }));
  return { chart, d, harden };
}
const spec = '/spec/template/spec';

describe('addToHardenedPod', () => {
  test('adds only what is missing: pod seccomp and every container\'s capabilities (the rest cdk8s-plus already says)', () => {
    const { chart, harden } = setup();
    harden();
    const d = one(Testing.synth(chart), 'Deployment', 'web');
    expect(checkRestricted(d)).toEqual([]);
    expect(d.spec.template.spec.securityContext).toEqual({ fsGroupChangePolicy: 'Always', runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    for (const c of d.spec.template.spec.containers) expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'] });
  });

  test('fills a pod and a container that say nothing at all (no securityContext)', () => {
    const { chart, harden } = setup([JsonPatch.remove(`${spec}/securityContext`), JsonPatch.remove(`${spec}/containers/0/securityContext`)]);
    harden();
    const d = one(Testing.synth(chart), 'Deployment', 'web');
    expect(d.spec.template.spec.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(d.spec.template.spec.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(checkRestricted(d)).toEqual([]);
  });

  test.each([
    ['hostPID (patched in the L1 spelling hostPid)', [JsonPatch.add(`${spec}/hostPid`, true)], 'the pod sets hostPID: true: remove hostPID'],
    ['a pod seccomp Unconfined', [JsonPatch.add(`${spec}/securityContext/seccompProfile`, { type: 'Unconfined' })], 'the pod sets the seccomp profile Unconfined: use RuntimeDefault or Localhost'],
    ['a container seccomp Unconfined', [JsonPatch.add(`${spec}/containers/0/securityContext/seccompProfile`, { type: 'Unconfined' })], "container 'main' sets the seccomp profile Unconfined"],
    ['a procMount', [JsonPatch.add(`${spec}/containers/0/securityContext/procMount`, 'Unmasked')], "container 'main' sets procMount: Unmasked"],
    ['an SELinux user', [JsonPatch.add(`${spec}/securityContext/seLinuxOptions`, { user: 'system_u' })], 'the pod sets seLinuxOptions {"user":"system_u"}: remove user and role'],
    ['a hostProcess container', [JsonPatch.add(`${spec}/containers/0/securityContext/windowsOptions`, { hostProcess: true })], "container 'main' sets windowsOptions.hostProcess: true"],
    ['an AppArmor profile', [JsonPatch.add('/spec/template/metadata/annotations', { 'container.apparmor.security.beta.kubernetes.io/main': 'unconfined' })], "the annotation 'container.apparmor.security.beta.kubernetes.io/main' sets the AppArmor profile 'unconfined'"],
  ])('fails when the pod has %s, naming the field and the fix, before anything is added', (_what, patches, message) => {
    const { d, harden } = setup(patches);
    expect(harden).toThrow(`Construct 'test/owner': addX() keeps 'test/web' passing Pod Security restricted, but ${message}`);
    expect(d.containers.map((c) => c.name)).toEqual(['main']);
  });

  test('fails at synthesis when a container added later breaks restricted', () => {
    const { chart, d, harden } = setup();
    harden();
    d.addContainer({ name: 'late', image: 'node:22.11.0-alpine3.20', securityContext: { user: 1000, allowPrivilegeEscalation: true } });
    const errors = chart.node.findAll().flatMap((c) => c.node.validate());
    expect(errors).toEqual([
      "Construct 'test/owner': addX() keeps 'test/web' passing Pod Security restricted, but container 'late' sets allowPrivilegeEscalation: true: set allowPrivilegeEscalation: false on container 'late' (or pass 'hardenPod: false' and run the pod where restricted is not enforced)",
      "Construct 'test/owner': addX() keeps 'test/web' passing Pod Security restricted, but container 'late' (added after addX()) does not set allowPrivilegeEscalation: false: add your containers before calling addX(), or add it with RestrictedSecurity.addContainer (or pass 'hardenPod: false' and run the pod where restricted is not enforced)",
    ]);
  });

  test('a pod with no container yet is checked once the library\'s container is in it', () => {
    const chart = Testing.chart();
    const owner = new Construct(chart, 'owner');
    const d = new kplus.Deployment(chart, 'empty', { metadata: { name: 'empty' }, hostNetwork: true });
    expect(() => addToHardenedPod({ owner, method: 'addX()' }, d, () => d.addContainer({ name: 'lib', image: 'node:22.11.0-alpine3.20', securityContext: { user: 1000 } })))
      .toThrow('but the pod sets hostNetwork: true');
  });
});
