import * as kplus from 'cdk8s-plus-27';

// Internal (not exported from the package index).

/**
 * A probe that, when it names no port, probes `port` — cdk8s-plus would fall back to the container's
 * `portNumber` or 80, which is wrong for a container that declares named `ports` only.
 */
export function withDefaultPort(probe: kplus.Probe | undefined, port: number): kplus.Probe | undefined {
  if (probe === undefined) return undefined;
  const wrapped = Object.create(probe) as kplus.Probe;
  (wrapped as any)._toKube = (container: kplus.Container) => probe._toKube(new Proxy(container, {
    get: (target, key) => (key === 'portNumber' ? port : (target as any)[key]),
  }));
  return wrapped;
}
