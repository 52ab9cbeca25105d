import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';

// Internal: a user's pod that the library adds containers to (adapters, ambassadors) stays Pod Security
// `restricted`. The library's own containers always are; the user's pod may not be (a plain `kplus.Deployment` has no
// seccomp profile and keeps its capabilities), and a restricted namespace then rejects the whole workload. So:
//   - what can be made restricted without changing what the user asked for is set: the pod's seccomp profile
//     `RuntimeDefault` and `runAsNonRoot: true` where unset, and on every container already in the pod
//     `allowPrivilegeEscalation: false` where unset and `ALL` added to `capabilities.drop`;
//   - what the user asked for and restricted forbids (a privileged container, uid 0, an added capability,
//     host namespaces or ports, a hostPath volume, `Unconfined` seccomp …) fails at synthesis with the fix;
//   - at synthesis, the finished pod is checked again, so a container added after the construct (which could not
//     harden it) fails with the fix instead of slipping through.
// The rules are those of the Pod Security Standards for Kubernetes 1.27
// (https://kubernetes.io/docs/concepts/security/pod-security-standards/), as the test harness checks them.

const BASELINE_CAPABILITIES = ['NET_BIND_SERVICE'];
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const SAFE_SYSCTLS = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports'];
const SELINUX_TYPES = ['', 'container_t', 'container_init_t', 'container_kvm_t'];
const SECCOMP_TYPES = ['RuntimeDefault', 'Localhost'];

/** One way the pod breaks `restricted`. */
interface Finding {
  /** What is wrong, e.g. `container 'app' is privileged`. */
  readonly what: string;
  /** The exact fix. */
  readonly fix: string;
  /** Whether the hardening sets it (only for containers that were in the pod when it ran). */
  readonly fixable: boolean;
}

/** Options for `keepHostPodRestricted`. */
export interface HostPodOptions {
  /** The prop that named the workload (for messages), e.g. `workload`. */
  readonly prop: string;
  /** The prop that turns the hardening off (for the message), e.g. `hardenWorkload`. */
  readonly optOutProp: string;
  /** Harden the pod (default) or leave it as it is. */
  readonly harden: boolean;
}

/**
 * Hardens the pod of the user's `workload` (see above) before `owner` adds its containers to it, and registers the
 * synth-time check of the finished pod on `owner`. Throws the first thing restricted forbids that the user asked for.
 */
export function keepHostPodRestricted(owner: IConstruct, workload: kplus.AbstractPod, options: HostPodOptions): void {
  if (!options.harden) return;
  const obj = ApiObject.of(workload);
  const pointer = RestrictedSecurity.podSpecPointer(obj.kind);
  const { spec, metadata } = podOf(obj, pointer);
  const blocker = findings(spec, metadata).find((f) => !f.fixable);
  if (blocker) throw hostPodError(owner, obj, options, blocker);

  // The pod level: seccomp and runAsNonRoot, where the user set neither.
  const psc = spec.securityContext;
  if (psc === undefined) {
    obj.addJsonPatch(JsonPatch.add(`${pointer}/securityContext`, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }));
  } else {
    if (psc.seccompProfile === undefined) obj.addJsonPatch(JsonPatch.add(`${pointer}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }));
    if (psc.runAsNonRoot === undefined) obj.addJsonPatch(JsonPatch.add(`${pointer}/securityContext/runAsNonRoot`, true));
  }
  // Every container in the pod now: no privilege escalation, no capabilities but those the user added.
  for (const list of ['initContainers', 'containers']) {
    (spec[list] ?? []).forEach((c: any, i: number) => {
      const at = `${pointer}/${list}/${i}/securityContext`;
      const sc = c.securityContext;
      if (sc === undefined) {
        obj.addJsonPatch(JsonPatch.add(at, { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }));
        return;
      }
      if (sc.allowPrivilegeEscalation === undefined) obj.addJsonPatch(JsonPatch.add(`${at}/allowPrivilegeEscalation`, false));
      if (sc.capabilities === undefined) {
        obj.addJsonPatch(JsonPatch.add(`${at}/capabilities`, { drop: ['ALL'] }));
      } else if (!(sc.capabilities.drop ?? []).some((d: string) => capability(d) === 'ALL')) {
        obj.addJsonPatch(JsonPatch.add(`${at}/capabilities/drop`, [...sc.capabilities.drop ?? [], 'ALL']));
      }
    });
  }

  owner.node.addValidation({
    validate: () => {
      const finished = podOf(obj, pointer);
      const f = findings(finished.spec, finished.metadata)[0];
      if (f === undefined) return [];
      const late = f.fixable ? { ...f, fix: `${f.fix}; or add the container before this construct, which hardens the containers it finds (or with RestrictedSecurity.addContainer)` } : f;
      return [hostPodError(owner, obj, options, late).message];
    },
  });
}

function hostPodError(owner: IConstruct, obj: ApiObject, options: HostPodOptions, f: Finding): Error {
  return propError(owner, options.prop,
    `a workload whose pod can pass Pod Security restricted (${f.what}: ${f.fix}; or set '${options.optOutProp}: false' and run it where restricted is not enforced)`,
    `${obj.kind}/${obj.name}`);
}

function podOf(obj: ApiObject, pointer: string): { spec: any; metadata: any } {
  const json = obj.toJson();
  const parts = pointer.split('/').slice(1);
  let spec: any = json;
  for (const p of parts) spec = spec?.[p];
  // The template's metadata sits beside its spec (a Pod's is the object's own).
  let metadata: any = json;
  for (const p of parts.slice(0, -1)) metadata = metadata?.[p];
  return { spec: spec ?? {}, metadata: metadata?.metadata ?? {} };
}

function capability(c: string): string {
  return String(c).toUpperCase().replace(/^CAP_/, '');
}

/** Everything in `spec` that restricted forbids, in a fixed order (pod first, then containers). */
function findings(spec: any, metadata: any): Finding[] {
  const out: Finding[] = [];
  const never = (what: string, fix: string) => out.push({ what, fix, fixable: false });
  const psc = spec.securityContext ?? {};
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[f] === true) never(`the pod sets ${f}: true`, `remove ${f}`);
  (spec.volumes ?? []).forEach((v: any) => {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (type !== undefined && !RESTRICTED_VOLUMES.includes(type)) {
      never(`volume '${v.name}' is a ${type} volume`, `use one of ${RESTRICTED_VOLUMES.join(', ')} instead`);
    }
  });
  if (psc.runAsUser === 0) never('the pod runs as uid 0 (securityContext.runAsUser: 0)', 'run it as a non-root uid');
  if (psc.runAsNonRoot === false) never('the pod sets runAsNonRoot: false', 'remove it (or set it true) and run as a non-root uid');
  if (psc.seccompProfile !== undefined && !SECCOMP_TYPES.includes(psc.seccompProfile.type)) {
    never(`the pod's seccomp profile is ${psc.seccompProfile.type}`, 'use RuntimeDefault (or a Localhost profile)');
  }
  for (const s of psc.sysctls ?? []) if (!SAFE_SYSCTLS.includes(s.name)) never(`the pod sets sysctl ${s.name}`, 'remove it (only the safe sysctls are allowed)');
  if (psc.windowsOptions?.hostProcess === true) never('the pod is a Windows hostProcess pod', 'remove windowsOptions.hostProcess');
  checkSeLinux(psc.seLinuxOptions, 'the pod', never);
  for (const [k, v] of Object.entries(metadata.annotations ?? {})) {
    if (k.startsWith('container.apparmor.security.beta.kubernetes.io/') && v !== 'runtime/default' && !String(v).startsWith('localhost/')) {
      never(`annotation ${k} is '${v}'`, 'use runtime/default or a localhost/ profile');
    }
  }
  if (psc.seccompProfile === undefined) out.push({ what: 'the pod has no seccomp profile', fix: 'set securityContext.seccompProfile.type: RuntimeDefault', fixable: true });
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of spec[list] ?? []) {
      const name = `container '${c.name}'`;
      const sc = c.securityContext ?? {};
      if (sc.privileged === true) never(`${name} is privileged`, 'set its securityContext.privileged: false (restricted allows no privileged container)');
      if (sc.runAsUser === 0) never(`${name} runs as uid 0 (runAsUser: 0)`, 'run it as a non-root uid');
      if (sc.runAsNonRoot === false) never(`${name} sets runAsNonRoot: false`, 'remove it (or set it true) and run as a non-root uid');
      if (sc.allowPrivilegeEscalation === true) never(`${name} sets allowPrivilegeEscalation: true`, 'set it false');
      const extra = (sc.capabilities?.add ?? []).filter((a: string) => !BASELINE_CAPABILITIES.includes(capability(a)));
      if (extra.length > 0) never(`${name} adds capabilities ${extra.join(', ')}`, 'add none but NET_BIND_SERVICE');
      for (const p of c.ports ?? []) if (p.hostPort) never(`${name} uses hostPort ${p.hostPort}`, 'remove hostPort (reach it through a Service)');
      if (sc.procMount !== undefined && sc.procMount !== 'Default') never(`${name} sets procMount: ${sc.procMount}`, 'remove it');
      if (sc.windowsOptions?.hostProcess === true) never(`${name} is a Windows hostProcess container`, 'remove windowsOptions.hostProcess');
      if (sc.seccompProfile !== undefined && !SECCOMP_TYPES.includes(sc.seccompProfile.type)) never(`${name} has seccomp profile ${sc.seccompProfile.type}`, 'use RuntimeDefault (or a Localhost profile)');
      checkSeLinux(sc.seLinuxOptions, name, never);
      // What the hardening sets on the containers it finds:
      const fixable = (what: string, fix: string) => out.push({ what: `${name} ${what}`, fix, fixable: true });
      if (sc.allowPrivilegeEscalation === undefined) fixable('does not set allowPrivilegeEscalation: false', 'set it');
      if (!(sc.capabilities?.drop ?? []).some((d: string) => capability(d) === 'ALL')) fixable('does not drop ALL capabilities', 'set capabilities.drop: [ALL]');
      if (sc.runAsNonRoot === undefined && psc.runAsNonRoot !== true) fixable('may run as root (no runAsNonRoot: true on it or the pod)', 'set runAsNonRoot: true');
    }
  }
  // Unfixable findings first: they are what the user must change.
  return [...out.filter((f) => !f.fixable), ...out.filter((f) => f.fixable)];
}

function checkSeLinux(o: any, who: string, never: (what: string, fix: string) => void): void {
  if (!o) return;
  if (!SELINUX_TYPES.includes(o.type ?? '')) never(`${who} sets seLinuxOptions.type ${o.type}`, 'use one of container_t, container_init_t, container_kvm_t or none');
  if (o.user) never(`${who} sets seLinuxOptions.user`, 'remove it');
  if (o.role) never(`${who} sets seLinuxOptions.role`, 'remove it');
}
