/**
 * Where a container the library adds beside a user's app sits in a pod spec, on the line under test: a native
 * sidecar (an init container with `restartPolicy: Always`) on a line that has them, a regular container on 1.27.
 */
import { LINE } from '../../src/line';

/** The container named `name` that the library added beside the app; fails unless it is where the line puts it. */
export function sidecarNamed(spec: any, name: string): any {
  const list: any[] = (LINE.nativeSidecars ? spec.initContainers : spec.containers) ?? [];
  const c = list.find((x) => x.name === name);
  if (!c) throw new Error(`no ${LINE.nativeSidecars ? 'native sidecar (init container)' : 'container'} '${name}' in ${JSON.stringify(spec).slice(0, 300)}`);
  if ((c.restartPolicy === 'Always') !== LINE.nativeSidecars) throw new Error(`container '${name}': restartPolicy ${c.restartPolicy} on the ${LINE.cdk8sPlus} line`);
  return c;
}

/** The names of every container of the pod, init containers first (the order kubelet starts them in). */
export function containerNames(spec: any): string[] {
  return [...(spec.initContainers ?? []), ...spec.containers].map((c: any) => c.name);
}
