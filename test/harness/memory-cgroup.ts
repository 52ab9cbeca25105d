/**
 * A memory cgroup for one process of a tier-2 test, the way a container's memory limit is enforced: the kernel
 * OOM-kills the process when it needs more than `limitBytes` it cannot reclaim, and the group's counters say
 * what it used. cgroup v2 (a child of the unified hierarchy whose memory controller is enabled: `memory.max`,
 * `memory.peak`, `memory.events`) or v1 (`/sys/fs/cgroup/memory`: `memory.limit_in_bytes`,
 * `memory.max_usage_in_bytes`, `memory.oom_control`). Where neither can be created (not root, a read-only
 * cgroupfs, no memory controller), `memoryCgroup` says why, and the caller bounds the process another way.
 */
import * as fs from 'fs';
import * as path from 'path';

/** A memory cgroup made by `memoryCgroup`. */
export interface MemoryCgroup {
  /** Its directory. */
  readonly dir: string;
  /** 1 or 2. */
  readonly version: number;
  /** The limit written. */
  readonly limitBytes: number;
  /** The command line that runs `command args…` inside the group (a shell moves itself in, then execs). */
  wrap(command: string, args: string[]): { command: string; args: string[] };
  /** The most memory the group has been charged, and how many processes the kernel OOM-killed in it. */
  usage(): { peakBytes: number; oomKills: number };
  /** Removes the group (its processes must be gone). */
  remove(): void;
}

const V1 = '/sys/fs/cgroup/memory';

function v2Root(): string | undefined {
  for (const dir of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
    try {
      if (fs.readFileSync(path.join(dir, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('memory')) return dir;
    } catch { /* not a v2 root */ }
  }
  return undefined;
}

/** A fresh memory cgroup limited to `limitBytes`, or `{ unavailable }` with the commands tried and their errors. */
export function memoryCgroup(name: string, limitBytes: number): MemoryCgroup | { unavailable: string } {
  const tried: string[] = [];
  const unique = `cdk8s-dp-${name}-${process.pid}-${Date.now()}`;
  const v2 = v2Root();
  if (v2 !== undefined) {
    const dir = path.join(v2, unique);
    try {
      const control = fs.readFileSync(path.join(v2, 'cgroup.subtree_control'), 'utf8');
      if (!control.split(/\s+/).includes('memory')) fs.writeFileSync(path.join(v2, 'cgroup.subtree_control'), '+memory');
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'memory.max'), String(limitBytes));
      fs.writeFileSync(path.join(dir, 'memory.swap.max'), '0');
      return group(dir, 2, limitBytes);
    } catch (e) {
      tried.push(`cgroup v2: mkdir ${dir} && echo ${limitBytes} > ${dir}/memory.max: ${(e as Error).message}`);
      try { fs.rmdirSync(dir); } catch { /* never made */ }
    }
  } else {
    tried.push('cgroup v2: no unified hierarchy with the memory controller (cat /sys/fs/cgroup/cgroup.controllers, /sys/fs/cgroup/unified/cgroup.controllers)');
  }
  if (fs.existsSync(V1)) {
    const dir = path.join(V1, unique);
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'memory.limit_in_bytes'), String(limitBytes));
      return group(dir, 1, limitBytes);
    } catch (e) {
      tried.push(`cgroup v1: mkdir ${dir} && echo ${limitBytes} > ${dir}/memory.limit_in_bytes: ${(e as Error).message}`);
      try { fs.rmdirSync(dir); } catch { /* never made */ }
    }
  } else {
    tried.push(`cgroup v1: no ${V1}`);
  }
  return { unavailable: tried.join('; ') };
}

function group(dir: string, version: number, limitBytes: number): MemoryCgroup {
  const read = (file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
  return {
    dir,
    version,
    limitBytes,
    wrap: (command, args) => ({
      command: '/bin/sh',
      args: ['-c', `echo $$ > ${path.join(dir, 'cgroup.procs')} && exec "$0" "$@"`, command, ...args],
    }),
    usage: () => {
      if (version === 2) {
        const events = /^oom_kill (\d+)$/m.exec(read('memory.events'));
        const peak = fs.existsSync(path.join(dir, 'memory.peak')) ? Number(read('memory.peak')) : Number(read('memory.current'));
        return { peakBytes: peak, oomKills: events ? Number(events[1]) : 0 };
      }
      const kills = /^oom_kill (\d+)$/m.exec(read('memory.oom_control'));
      return { peakBytes: Number(read('memory.max_usage_in_bytes')), oomKills: kills ? Number(kills[1]) : 0 };
    },
    remove: () => {
      try { fs.rmdirSync(dir); } catch { /* still busy or gone: the OS removes nothing, but it is empty and harmless */ }
    },
  };
}

/** The peak resident set of a process (`VmHWM` in /proc/<pid>/status), in bytes; 0 once it is gone. */
export function peakRss(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
