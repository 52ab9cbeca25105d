/**
 * Where a container the library adds beside a user's app sits in a pod spec, on the line under test: a native
 * sidecar (an init container with `restartPolicy: Always`) on a line that has them, a regular container on 1.27.
 */
import { harnessLine } from './line';

/**
 * The container `name` the library added beside the app (a sidecar), from a pod `spec`, after checking it is where
 * this test tree's line puts sidecars: a native sidecar (an init container with `restartPolicy: Always`) on a line
 * that has them, a regular container (no `restartPolicy`) on 1.27. Returned without `restartPolicy`, so that one
 * expectation holds on every line.
 */
export function sidecarOf(spec: any, name: string): any {
  const line = harnessLine().id;
  const native = line !== '27';
  const [list, other] = native ? ['initContainers', 'containers'] : ['containers', 'initContainers'];
  const found = (spec[list] ?? []).find((c: any) => c.name === name);
  if (!found) {
    const elsewhere = (spec[other] ?? []).some((c: any) => c.name === name);
    throw new Error(`sidecar '${name}' is not in ${list} on line ${line}${elsewhere ? ` (it is in ${other})` : ''}`);
  }
  if (native && found.restartPolicy !== 'Always') throw new Error(`sidecar '${name}' on line ${line} has restartPolicy ${found.restartPolicy}, not Always`);
  if (!native && found.restartPolicy !== undefined) throw new Error(`sidecar '${name}' on line 27 has a restartPolicy`);
  const { restartPolicy: _native, ...container } = found;
  return container;
}

/** The names of every container of the pod, init containers first (the order kubelet starts them in). */
export function containerNames(spec: any): string[] {
  return [...(spec.initContainers ?? []), ...spec.containers].map((c: any) => c.name);
}
