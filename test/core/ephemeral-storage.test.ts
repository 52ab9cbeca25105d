// Issue 23: every container the library makes (over every example, on this line) has an ephemeral-storage request
// and limit (request ≤ limit), and every emptyDir a sizeLimit: a memory-backed one within the memory limit of a
// container that mounts it, the disk-backed ones of a pod within the pod's ephemeral-storage limit (the sum of its
// containers' limits, what the kubelet evicts on).
import { Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parseAllDocuments } from 'yaml';
import { exampleNames, synthExample } from '../../scripts/synth-examples';
import { RequestSplitter } from '../../src';
import { assertValid, synthValid } from '../harness';

interface Container {
  name: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: Array<{ name: string }>;
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Array<{ name: string; emptyDir?: { medium?: string; sizeLimit?: string } }>;
}

/** Bytes of a quantity as cdk8s writes them ('64Mi', '1Gi', '512Ki', '1024'). */
function bytes(q: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|Ti)?$/.exec(String(q));
  if (!m) throw new Error(`unexpected quantity ${q}`);
  return Number(m[1]) * { '': 1, 'Ki': 1024, 'Mi': 1024 ** 2, 'Gi': 1024 ** 3, 'Ti': 1024 ** 4 }[m[2] ?? '']!;
}

/** Every pod spec inside `obj` (Deployments, StatefulSets, Jobs, CronJobs, Knative Services, ...), with a path. */
function podSpecs(obj: unknown, at: string, out: Array<{ at: string; spec: PodSpec }>): Array<{ at: string; spec: PodSpec }> {
  if (obj === null || typeof obj !== 'object') return out;
  if (Array.isArray((obj as PodSpec).containers)) out.push({ at, spec: obj as PodSpec });
  for (const [k, v] of Object.entries(obj as object)) podSpecs(v, `${at}.${k}`, out);
  return out;
}

const pods = exampleNames().flatMap((name) => {
  const objects = parseAllDocuments(synthExample(name)).map((d) => d.toJS());
  assertValid(objects);
  return objects.flatMap((o) => podSpecs(o.spec, `${name}: ${o.kind}/${o.metadata?.name}`, []));
});

test('the examples have pods to check', () => {
  expect(pods.length).toBeGreaterThan(30);
});

describe.each(pods.map((p) => [p.at, p.spec] as const))('%s', (_at, spec) => {
  const all = [...spec.initContainers ?? [], ...spec.containers];

  test('every container has an ephemeral-storage request and limit, request ≤ limit', () => {
    for (const c of all) {
      const request = c.resources?.requests?.['ephemeral-storage'];
      const limit = c.resources?.limits?.['ephemeral-storage'];
      expect({ container: c.name, request: typeof request, limit: typeof limit }).toEqual({ container: c.name, request: 'string', limit: 'string' });
      expect(bytes(request!)).toBeLessThanOrEqual(bytes(limit!));
      expect(bytes(request!)).toBeGreaterThan(0);
    }
  });

  test('every emptyDir has a sizeLimit, within the memory or ephemeral storage it counts against', () => {
    const podLimit = all.reduce((sum, c) => sum + bytes(c.resources?.limits?.['ephemeral-storage'] ?? '0'), 0);
    let disk = 0;
    for (const v of spec.volumes ?? []) {
      if (v.emptyDir === undefined) continue;
      expect({ volume: v.name, sizeLimit: typeof v.emptyDir.sizeLimit }).toEqual({ volume: v.name, sizeLimit: 'string' });
      const size = bytes(v.emptyDir.sizeLimit!);
      if (v.emptyDir.medium === 'Memory') {
        const mounters = all.filter((c) => c.volumeMounts?.some((m) => m.name === v.name));
        const most = Math.max(...mounters.map((c) => bytes(c.resources?.limits?.memory ?? '0')));
        expect({ volume: v.name, fits: size <= most }).toEqual({ volume: v.name, fits: true });
      } else {
        disk += size;
      }
    }
    expect({ disk, fitsPodLimit: disk <= podLimit }).toEqual({ disk, fitsPodLimit: true });
  });
});

describe('a user\'s resources and the library\'s ephemeral storage', () => {
  const backends = [
    { name: 'web', host: 'web', port: 80, weight: 9 },
    { name: 'experiment', host: 'experiment', port: 80, weight: 1 },
  ];
  const nginxOf = (resources?: kplus.ContainerResources) => {
    const chart = Testing.chart();
    new RequestSplitter(chart, 'split', { backends, resources });
    const spec: PodSpec = synthValid(chart).find((o) => o.kind === 'Deployment').spec.template.spec;
    return spec.containers.find((c) => c.name === 'nginx')!.resources as any;
  };

  test('by default nginx gets room for its temp files: request 32Mi, limit 192Mi; its /tmp emptyDir is 128Mi', () => {
    const chart = Testing.chart();
    new RequestSplitter(chart, 'split', { backends });
    const spec: PodSpec = synthValid(chart).find((o) => o.kind === 'Deployment').spec.template.spec;
    expect(spec.volumes!.filter((v) => v.emptyDir).map((v) => v.emptyDir)).toEqual([{ sizeLimit: '128Mi' }]);
    const r = nginxOf();
    expect([r.requests['ephemeral-storage'], r.limits['ephemeral-storage']]).toEqual(['32Mi', '192Mi']);
  });

  test('resources without ephemeralStorage keep the library\'s ephemeral storage for the daemon, and the rest as given', () => {
    const r = nginxOf({ cpu: { request: kplus.Cpu.millis(20) }, memory: { limit: Size.mebibytes(100) } });
    expect(r).toEqual({ requests: { 'cpu': '20m', 'ephemeral-storage': '32Mi' }, limits: { 'memory': '100Mi', 'ephemeral-storage': '192Mi' } });
  });

  test('the user\'s ephemeralStorage is written as given, in Mi (cdk8s-plus could only write whole Gi)', () => {
    const r = nginxOf({ ephemeralStorage: { request: Size.mebibytes(100), limit: Size.mebibytes(300) } });
    expect(r).toEqual({ requests: { 'ephemeral-storage': '100Mi' }, limits: { 'ephemeral-storage': '300Mi' } });
    expect(nginxOf({ ephemeralStorage: { limit: Size.gibibytes(2) } })).toEqual({ limits: { 'ephemeral-storage': '2Gi' } });
  });
});
