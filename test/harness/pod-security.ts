/**
 * Pod Security Standards, `restricted` profile (which includes `baseline`), as published for Kubernetes 1.27, and,
 * for a line on a newer Kubernetes (test/harness/line.ts), the rules added since (each marked with its version):
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/
 *
 * Checked on every pod template of every object (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
 * CronJob, and custom resources that embed one).
 */
import { harnessLine } from './line';
import { Finding, podSpecsOf } from './validate';

const BASELINE_CAPS = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports']);
/** Safe sysctls added to baseline after 1.27, with the minor that added them. */
const LATER_SAFE_SYSCTLS: Array<[string, number]> = [
  ['net.ipv4.tcp_keepalive_time', 29], ['net.ipv4.tcp_fin_timeout', 29], ['net.ipv4.tcp_keepalive_intvl', 29],
  ['net.ipv4.tcp_keepalive_probes', 29], ['net.ipv4.tcp_rmem', 32], ['net.ipv4.tcp_wmem', 32],
];
const APPARMOR_TYPES = new Set(['RuntimeDefault', 'Localhost']);

/** The Kubernetes minor of this test tree's line (27, 34). */
function lineMinor(): number {
  return Number(harnessLine().kubernetes.split('.')[1]);
}
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);

function capName(c: string): string {
  return c.toUpperCase().replace(/^CAP_/, '');
}

/** Check one pod spec (+ its metadata, for AppArmor annotations) against `restricted`. */
export function checkPodSpec(spec: any, metadata: any, at: string): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  const bad = (p: string, message: string) => out.push({ path: `${at}${p}`, message });
  const psc = spec.securityContext ?? {};
  const minor = lineMinor();

  // ---- baseline ----
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[f] === true) bad(`/${f}`, `baseline: ${f} must not be true`);
  if (psc.windowsOptions?.hostProcess === true) bad('/securityContext/windowsOptions/hostProcess', 'baseline: hostProcess must not be true');
  (spec.volumes ?? []).forEach((v: any, i: number) => {
    if (v.hostPath) bad(`/volumes/${i}/hostPath`, 'baseline: hostPath volumes are forbidden');
    const type = Object.keys(v).find((k) => k !== 'name');
    if (type && !RESTRICTED_VOLUMES.has(type)) bad(`/volumes/${i}`, `restricted: volume type '${type}' is not allowed`);
  });
  (psc.sysctls ?? []).forEach((s: any, i: number) => {
    if (!SAFE_SYSCTLS.has(s.name) && !LATER_SAFE_SYSCTLS.some(([n, since]) => n === s.name && minor >= since)) bad(`/securityContext/sysctls/${i}`, `baseline: sysctl '${s.name}' is not in the safe set`);
  });
  const checkSeLinux = (o: any, p: string) => {
    if (!o) return;
    if (!SELINUX_TYPES.has(o.type ?? '') && !(minor >= 31 && o.type === 'container_engine_t')) bad(`${p}/type`, `baseline: seLinuxOptions.type '${o.type}' is not allowed`);
    if (o.user) bad(`${p}/user`, 'baseline: seLinuxOptions.user must not be set');
    if (o.role) bad(`${p}/role`, 'baseline: seLinuxOptions.role must not be set');
  };
  checkSeLinux(psc.seLinuxOptions, '/securityContext/seLinuxOptions');
  for (const [k, v] of Object.entries(metadata?.annotations ?? {})) {
    if (k.startsWith('container.apparmor.security.beta.kubernetes.io/') && v !== 'runtime/default' && !String(v).startsWith('localhost/')) {
      bad(`/metadata/annotations/${k}`, `baseline: AppArmor profile '${v}' is not allowed`);
    }
  }
  // baseline, 1.30+: the AppArmor fields (the annotations above are their older form).
  const checkAppArmor = (o: any, p: string) => {
    if (minor >= 30 && o?.appArmorProfile?.type !== undefined && !APPARMOR_TYPES.has(o.appArmorProfile.type)) {
      bad(`${p}/appArmorProfile/type`, `baseline: AppArmor profile type '${o.appArmorProfile.type}' is not allowed`);
    }
  };
  checkAppArmor(psc, '/securityContext');
  const podSeccomp = psc.seccompProfile?.type;
  if (podSeccomp === 'Unconfined') bad('/securityContext/seccompProfile/type', 'baseline: seccomp Unconfined is forbidden');
  if (podSeccomp !== undefined && podSeccomp !== 'RuntimeDefault' && podSeccomp !== 'Localhost') bad('/securityContext/seccompProfile/type', `restricted: seccomp type '${podSeccomp}' is not RuntimeDefault or Localhost`);
  if (psc.runAsUser === 0) bad('/securityContext/runAsUser', 'restricted: runAsUser must not be 0');
  if (psc.runAsNonRoot === false) bad('/securityContext/runAsNonRoot', 'restricted: runAsNonRoot must not be false');

  // ---- every container ----
  for (const group of ['initContainers', 'containers', 'ephemeralContainers']) {
    (spec[group] ?? []).forEach((c: any, i: number) => {
      const cp = `/${group}/${i}`;
      const sc = c.securityContext ?? {};
      if (sc.privileged === true) bad(`${cp}/securityContext/privileged`, `baseline: container '${c.name}' must not be privileged`);
      if (sc.windowsOptions?.hostProcess === true) bad(`${cp}/securityContext/windowsOptions/hostProcess`, 'baseline: hostProcess must not be true');
      if (sc.procMount !== undefined && sc.procMount !== 'Default') bad(`${cp}/securityContext/procMount`, `baseline: procMount must be Default, got '${sc.procMount}'`);
      checkSeLinux(sc.seLinuxOptions, `${cp}/securityContext/seLinuxOptions`);
      checkAppArmor(sc, `${cp}/securityContext`);
      // baseline, 1.34+: probes and lifecycle handlers may not name a host.
      if (minor >= 34) {
        const handlers: Array<[string, any]> = [
          ['livenessProbe', c.livenessProbe], ['readinessProbe', c.readinessProbe], ['startupProbe', c.startupProbe],
          ['lifecycle/postStart', c.lifecycle?.postStart], ['lifecycle/preStop', c.lifecycle?.preStop],
        ];
        for (const [name, h] of handlers) {
          for (const kind of ['httpGet', 'tcpSocket']) {
            if (h?.[kind]?.host) bad(`${cp}/${name}/${kind}/host`, `baseline (1.34): ${name} ${kind}.host must not be set, got '${h[kind].host}'`);
          }
        }
      }
      (c.ports ?? []).forEach((p: any, j: number) => {
        if (p.hostPort) bad(`${cp}/ports/${j}/hostPort`, `baseline: hostPort ${p.hostPort} is forbidden`);
      });
      const adds: string[] = sc.capabilities?.add ?? [];
      for (const cap of adds) {
        if (!BASELINE_CAPS.has(capName(cap))) bad(`${cp}/securityContext/capabilities/add`, `baseline: capability '${cap}' may not be added`);
        else if (capName(cap) !== 'NET_BIND_SERVICE') bad(`${cp}/securityContext/capabilities/add`, `restricted: only NET_BIND_SERVICE may be added, got '${cap}'`);
      }
      const drops: string[] = sc.capabilities?.drop ?? [];
      if (!drops.some((d) => capName(d) === 'ALL')) bad(`${cp}/securityContext/capabilities/drop`, `restricted: container '${c.name}' must drop ALL capabilities`);
      if (sc.allowPrivilegeEscalation !== false) bad(`${cp}/securityContext/allowPrivilegeEscalation`, `restricted: container '${c.name}' must set allowPrivilegeEscalation: false`);
      const nonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
      if (sc.runAsNonRoot === false) bad(`${cp}/securityContext/runAsNonRoot`, `restricted: container '${c.name}' sets runAsNonRoot: false`);
      else if (nonRoot !== true) bad(`${cp}/securityContext/runAsNonRoot`, `restricted: container '${c.name}' must run with runAsNonRoot: true (pod or container)`);
      if (sc.runAsUser === 0) bad(`${cp}/securityContext/runAsUser`, `restricted: container '${c.name}' must not run as uid 0`);
      const seccomp = sc.seccompProfile?.type ?? podSeccomp;
      if (sc.seccompProfile?.type === 'Unconfined') bad(`${cp}/securityContext/seccompProfile/type`, 'baseline: seccomp Unconfined is forbidden');
      else if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') bad(`${cp}/securityContext/seccompProfile`, `restricted: container '${c.name}' has no RuntimeDefault or Localhost seccomp profile (pod or container)`);
    });
  }
  return out;
}

/** Check every pod template of an object against Pod Security `restricted`. */
export function checkRestricted(obj: any): Finding[] {
  const id = `${obj?.kind}/${obj?.metadata?.namespace ?? '-'}/${obj?.metadata?.name}`;
  return podSpecsOf(obj).flatMap(({ path, spec, metadata }) =>
    checkPodSpec(spec, metadata, path).map((f) => ({ object: id, ...f })),
  );
}
