import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { where } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';

// Internal: a pod of yours that the library adds a container to (the twemproxy ambassador of
// AmbassadorShardedRedis, a ShardedCache client) is kept passing Pod Security `restricted`. An ordinary
// `kplus.Deployment` has no seccomp profile and keeps its containers' capabilities, so a restricted namespace would
// reject it although the library's own container passes.
//
// Hardening adds what is missing, by JSON patch: seccomp `RuntimeDefault` and `runAsNonRoot: true` on the pod, and
// `allowPrivilegeEscalation: false` and `capabilities.drop: [ALL]` on every container. It never rewrites what the
// pod states: a field that breaks `restricted` on purpose (privileged, uid 0, a host namespace, a hostPath volume,
// an added capability, …) fails with the exact fix instead. Containers added later are checked at synthesis.
//
// The rules are those of the Pod Security Standards, `restricted` profile, for Kubernetes 1.27:
// https://kubernetes.io/docs/concepts/security/pod-security-standards/

/** The volume types `restricted` allows. */
const VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
/** The sysctls `baseline` allows. */
const SAFE_SYSCTLS = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports'];
const SELINUX_TYPES = ['', 'container_t', 'container_init_t', 'container_kvm_t'];
const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'];

/** Who hardens: for the message. */
export interface HostPodCaller {
  /** The construct whose method adds to the pod. */
  readonly owner: IConstruct;
  /** The method, e.g. `addAmbassadorTo()`. */
  readonly method: string;
}

/** A field that breaks `restricted` and that hardening must not rewrite: what it is and how to fix it. */
interface Violation {
  readonly what: string;
  readonly fix: string;
}

/**
 * Adds a container to `workload` with `add` and hardens the pod (see above), or throws the first violation it may
 * not fix — before `add` runs, so a failed call leaves the workload as it was. Registers a check at synthesis that
 * the finished pod (containers added later included) still passes. Returns what `add` returns.
 */
export function addToHardenedPod<T>(caller: HostPodCaller, workload: kplus.AbstractPod, add: () => T): T {
  const obj = ApiObject.of(workload);
  const pointer = RestrictedSecurity.podSpecPointer(obj.kind);
  const check = () => {
    const { spec, metadata } = podOf(obj, pointer);
    const violation = violations(spec, metadata)[0];
    if (violation) throw new Error(message(caller, workload, violation));
    return spec;
  };
  // cdk8s-plus refuses to render a pod without containers: such a pod is checked once it has the library's.
  if (workload.containers.length > 0) check();
  const added = add();
  for (const patch of hardeningPatches(check(), pointer)) obj.addJsonPatch(patch);
  caller.owner.node.addValidation({
    validate: () => {
      const final = podOf(obj, pointer);
      return [...violations(final.spec, final.metadata), ...unhardened(final.spec, caller)].map((v) => message(caller, workload, v));
    },
  });
  return added;
}

function podOf(obj: ApiObject, pointer: string): { spec: any; metadata: any } {
  const json = obj.toJson();
  const at = (p: string) => p.split('/').slice(1).reduce((o: any, k) => o?.[k], json);
  return { spec: at(pointer) ?? {}, metadata: at(pointer.replace(/\/spec$/, '/metadata')) ?? {} };
}

function message(caller: HostPodCaller, workload: kplus.AbstractPod, v: Violation): string {
  return `${where(caller.owner)}: ${caller.method} keeps '${workload.node.path}' passing Pod Security restricted, but ${v.what}: ${v.fix} `
    + '(or pass \'hardenPod: false\' and run the pod where restricted is not enforced)';
}

/** The JSON patches that add what `restricted` needs and the pod does not say. */
function hardeningPatches(spec: any, pointer: string): JsonPatch[] {
  const patches: JsonPatch[] = [];
  const psc = spec.securityContext;
  if (psc === undefined) {
    patches.push(JsonPatch.add(`${pointer}/securityContext`, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }));
  } else {
    if (psc.runAsNonRoot === undefined) patches.push(JsonPatch.add(`${pointer}/securityContext/runAsNonRoot`, true));
    if (psc.seccompProfile === undefined) patches.push(JsonPatch.add(`${pointer}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }));
  }
  for (const list of CONTAINER_LISTS) {
    (spec[list] ?? []).forEach((c: any, i: number) => {
      const at = `${pointer}/${list}/${i}/securityContext`;
      const sc = c.securityContext;
      if (sc === undefined) {
        patches.push(JsonPatch.add(at, { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }));
        return;
      }
      if (sc.allowPrivilegeEscalation === undefined) patches.push(JsonPatch.add(`${at}/allowPrivilegeEscalation`, false));
      if (sc.capabilities === undefined) patches.push(JsonPatch.add(`${at}/capabilities`, { drop: ['ALL'] }));
      else if (!dropsAll(sc.capabilities)) patches.push(JsonPatch.add(`${at}/capabilities/drop`, ['ALL']));
    });
  }
  return patches;
}

function dropsAll(capabilities: any): boolean {
  return (capabilities?.drop ?? []).some((d: string) => capName(d) === 'ALL');
}

function capName(c: string): string {
  return String(c).toUpperCase().replace(/^CAP_/, '');
}

/** What hardening would have added but the finished pod lacks: a container added after the method. */
function unhardened(spec: any, caller: HostPodCaller): Violation[] {
  const later = `add your containers before calling ${caller.method}, or add it with RestrictedSecurity.addContainer`;
  const out: Violation[] = [];
  const psc = spec.securityContext ?? {};
  for (const list of CONTAINER_LISTS) {
    for (const c of spec[list] ?? []) {
      const sc = c.securityContext ?? {};
      if (sc.allowPrivilegeEscalation !== false) out.push({ what: `container '${c.name}' (added after ${caller.method}) does not set allowPrivilegeEscalation: false`, fix: later });
      else if (!dropsAll(sc.capabilities)) out.push({ what: `container '${c.name}' (added after ${caller.method}) does not drop ALL capabilities`, fix: later });
      else if (psc.runAsNonRoot !== true && sc.runAsNonRoot !== true) out.push({ what: `container '${c.name}' does not run with runAsNonRoot: true`, fix: later });
    }
  }
  return out;
}

/** The fields of the pod that break `restricted` on purpose, in the order the standard lists them. */
function violations(spec: any, metadata: any): Violation[] {
  const out: Violation[] = [];
  const psc = spec.securityContext ?? {};
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (spec[f] === true) out.push({ what: `the pod sets ${f}: true`, fix: `remove ${f} (a pod in a host namespace is never restricted)` });
  }
  if (psc.windowsOptions?.hostProcess === true) out.push({ what: 'the pod sets windowsOptions.hostProcess: true', fix: 'remove it' });
  (spec.volumes ?? []).forEach((v: any) => {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (type !== undefined && !VOLUME_TYPES.includes(type)) {
      out.push({ what: `volume '${v.name}' is of type ${type}`, fix: `use one of ${VOLUME_TYPES.join(', ')} (a ${type} volume is never restricted)` });
    }
  });
  for (const s of psc.sysctls ?? []) {
    if (!SAFE_SYSCTLS.includes(s.name)) out.push({ what: `the pod sets the sysctl '${s.name}'`, fix: `remove it (only ${SAFE_SYSCTLS.join(', ')} are allowed)` });
  }
  for (const [k, v] of Object.entries(metadata.annotations ?? {})) {
    if (k.startsWith('container.apparmor.security.beta.kubernetes.io/') && v !== 'runtime/default' && !String(v).startsWith('localhost/')) {
      out.push({ what: `the annotation '${k}' sets the AppArmor profile '${v}'`, fix: 'use runtime/default or a localhost/ profile' });
    }
  }
  out.push(...securityContextViolations('the pod', psc));
  for (const list of CONTAINER_LISTS) {
    for (const c of spec[list] ?? []) {
      const who = `container '${c.name}'`;
      const sc = c.securityContext ?? {};
      if (sc.privileged === true) out.push({ what: `${who} sets privileged: true`, fix: `remove privileged from ${who}` });
      if (sc.allowPrivilegeEscalation === true) out.push({ what: `${who} sets allowPrivilegeEscalation: true`, fix: `set allowPrivilegeEscalation: false on ${who}` });
      for (const cap of sc.capabilities?.add ?? []) {
        if (capName(cap) !== 'NET_BIND_SERVICE') out.push({ what: `${who} adds the capability ${cap}`, fix: `remove it from ${who} (restricted allows only NET_BIND_SERVICE)` });
      }
      if (sc.procMount !== undefined && sc.procMount !== 'Default') out.push({ what: `${who} sets procMount: ${sc.procMount}`, fix: 'remove it' });
      (c.ports ?? []).forEach((p: any) => {
        if (p.hostPort) out.push({ what: `${who} sets hostPort ${p.hostPort}`, fix: 'remove the hostPort (expose the port with a Service)' });
      });
      out.push(...securityContextViolations(who, sc));
    }
  }
  return out;
}

/** The fields the pod and its containers share (runAsNonRoot, runAsUser, seccomp, SELinux, hostProcess). */
function securityContextViolations(who: string, sc: any): Violation[] {
  const out: Violation[] = [];
  if (sc.runAsNonRoot === false) out.push({ what: `${who} sets runAsNonRoot: false`, fix: `set ensureNonRoot: true and a non-root user on ${who}` });
  if (sc.runAsUser === 0) out.push({ what: `${who} runs as uid 0`, fix: `give ${who} a non-root uid (a user the image has, e.g. 1000)` });
  const seccomp = sc.seccompProfile?.type;
  if (seccomp !== undefined && seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
    out.push({ what: `${who} sets the seccomp profile ${seccomp}`, fix: 'use RuntimeDefault or Localhost' });
  }
  const se = sc.seLinuxOptions;
  if (se !== undefined && (!SELINUX_TYPES.includes(se.type ?? '') || se.user || se.role)) {
    out.push({ what: `${who} sets seLinuxOptions ${JSON.stringify(se)}`, fix: 'remove user and role, and use a container_t type' });
  }
  if (who !== 'the pod' && sc.windowsOptions?.hostProcess === true) out.push({ what: `${who} sets windowsOptions.hostProcess: true`, fix: 'remove it' });
  return out;
}
