import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

// Internal: container resources written the way a manifest reads, so no call site depends on a parameter order.

/** Requests and limits as Kubernetes quantities: CPU `'100m'` or `'1'`, memory `'128Mi'` or `'1Gi'`. */
export interface ResourceQuantities {
  /** `[request, limit]`; the limit may be omitted (no CPU limit). */
  readonly cpu: readonly [string, string?];
  /** `[request, limit]`. */
  readonly memory: readonly [string, string];
}

/** `{ cpu: ['100m', '1'], memory: ['128Mi', '512Mi'] }` as cdk8s-plus `ContainerResources`. */
export function containerResources(q: ResourceQuantities): kplus.ContainerResources {
  return {
    cpu: { request: cpu(q.cpu[0]), limit: q.cpu[1] === undefined ? undefined : cpu(q.cpu[1]) },
    memory: { request: memory(q.memory[0]), limit: memory(q.memory[1]) },
  };
}

function cpu(q: string): kplus.Cpu {
  const m = /^(\d+)(m?)$/.exec(q);
  if (!m) throw new Error(`CPU quantity must be '<n>m' or '<n>', got '${q}'`);
  return m[2] === 'm' ? kplus.Cpu.millis(Number(m[1])) : kplus.Cpu.units(Number(m[1]));
}

function memory(q: string): Size {
  const m = /^(\d+)(Mi|Gi)$/.exec(q);
  if (!m) throw new Error(`memory quantity must be '<n>Mi' or '<n>Gi', got '${q}'`);
  return m[2] === 'Mi' ? Size.mebibytes(Number(m[1])) : Size.gibibytes(Number(m[1]));
}
