// The line adapter (src/line/index.ts on the 27 line, lines/adapters/<line>.ts in a generated line): the one module
// where the cdk8s-plus lines differ. This test runs on every line (scripts/line.ts copies it): each line's adapter
// has the same exports, and each behaves as its Kubernetes allows — a native sidecar on a line that has them, a
// regular container on 1.27 — with every object through the line's own strict schema and Pod Security.
import { ApiObject, Chart, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { addSidecarContainer, keepVolumes, LINE, lineFeatureProblem, statefulSet } from '../../src/line';
import { synthValid, validateObject } from '../harness';
import { harnessLine } from '../harness/line';

const UID = 1000;

function restrictedContainer(name: string, extra: Partial<kplus.ContainerProps> = {}): kplus.ContainerProps {
  return {
    name,
    image: 'busybox:1.36.1',
    command: ['sh', '-c', 'sleep 1'],
    securityContext: { ensureNonRoot: true, user: UID, group: UID, privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
    resources: { cpu: { request: kplus.Cpu.millis(10), limit: kplus.Cpu.millis(100) } },
    ...extra,
  };
}

/** seccomp RuntimeDefault and `drop: [ALL]` by JSON patch, as the library does (cdk8s-plus-27 has neither). */
function restrict(workload: kplus.AbstractPod, pointer: string, lists: Array<[string, number]>) {
  const obj = ApiObject.of(workload);
  obj.addJsonPatch(JsonPatch.add(`${pointer}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }));
  for (const [list, index] of lists) obj.addJsonPatch(JsonPatch.add(`${pointer}/${list}/${index}/securityContext/capabilities`, { drop: ['ALL'] }));
}

describe(`the line adapter (${LINE.cdk8sPlus})`, () => {
  test("is this test tree's line", () => {
    const line = harnessLine();
    expect(LINE.cdk8sPlus).toBe(line.cdk8sPlus);
    expect(`1.${LINE.kubernetesMinor}`).toBe(line.kubernetes);
    expect(LINE.packageName).toBe(line.packageName);
    expect(LINE.nativeSidecars).toBe(LINE.kubernetesMinor >= 29);
  });

  test('exports exactly the contract every adapter has', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(Object.keys(require('../../src/line')).sort()).toEqual(['LINE', 'addSidecarContainer', 'keepVolumes', 'lineFeatureProblem', 'statefulSet']);
  });

  test('a sidecar in a Job: a native sidecar (init container, restartPolicy Always, probed) where the line has them, else a regular container', () => {
    // GIVEN a Job whose app runs to completion, with a proxy beside it that has a readiness probe
    const chart = Testing.chart();
    const job = new kplus.Job(chart, 'job', {
      metadata: { name: 'work' },
      securityContext: { ensureNonRoot: true, user: UID, group: UID },
      containers: [restrictedContainer('app')],
    });
    // WHEN the adapter adds the sidecar
    const placed = addSidecarContainer(job, restrictedContainer('proxy', {
      command: ['sh', '-c', 'sleep 3600'],
      portNumber: 6379,
      readiness: kplus.Probe.fromTcpSocket({ port: 6379 }),
    }));
    restrict(job, '/spec/template/spec', [['containers', 0], [placed.list, placed.index]]);
    // THEN the pod spec has the line's shape, and passes the line's strict schema and Pod Security restricted
    const [obj] = synthValid(chart);
    const spec = obj.spec.template.spec;
    if (LINE.nativeSidecars) {
      expect(placed).toMatchObject({ list: 'initContainers', index: 0 });
      expect(spec.containers.map((c: any) => c.name)).toEqual(['app']);
      expect(spec.initContainers).toHaveLength(1);
      expect(spec.initContainers[0]).toMatchObject({ name: 'proxy', restartPolicy: 'Always', readinessProbe: { tcpSocket: { port: 6379 } } });
      // the Job completes when `app` exits: the only regular container (the spec says so, as Kubernetes >= 1.29 reads it)
      expect(spec.restartPolicy).toBe('Never');
    } else {
      expect(placed).toMatchObject({ list: 'containers', index: 1 });
      expect(spec.containers.map((c: any) => c.name)).toEqual(['app', 'proxy']);
      expect(spec.initContainers).toBeUndefined();
      expect(spec.containers[1].restartPolicy).toBeUndefined();
    }
  });

  test("the line's schema knows native sidecars exactly when the line has them", () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        initContainers: [{ name: 'proxy', image: 'busybox:1.36.1', restartPolicy: 'Always' }],
        containers: [{ name: 'app', image: 'busybox:1.36.1' }],
      },
    };
    const unknown = validateObject(pod).filter((f) => /unknown field 'restartPolicy'/.test(f.message));
    expect(unknown).toHaveLength(LINE.nativeSidecars ? 0 : 1);
  });

  test('a StatefulSet keeps its pod volumes when it has no claim templates of its own', () => {
    const chart = Testing.chart();
    const sts = statefulSet(chart, 'db', {
      metadata: { name: 'db' },
      securityContext: { ensureNonRoot: true, user: UID, group: UID },
      containers: [restrictedContainer('db', { portNumber: 6379 })],
    });
    sts.containers[0].mount('/data', kplus.Volume.fromEmptyDir(chart, 'data', 'data'));
    restrict(sts, '/spec/template/spec', [['containers', 0]]);
    const sets = synthValid(chart).filter((o) => o.kind === 'StatefulSet');
    expect(sets[0].spec.template.spec.volumes).toEqual([{ name: 'data', emptyDir: {} }]);
  });

  test("keepVolumes: a user's own StatefulSet the library adds a volume to keeps it", () => {
    const chart = Testing.chart();
    const sts = new kplus.StatefulSet(chart, 'users', {
      metadata: { name: 'users' },
      securityContext: { ensureNonRoot: true, user: UID, group: UID },
      containers: [restrictedContainer('db', { portNumber: 6379 })],
    });
    expect(keepVolumes(sts)).toBe(sts);
    expect(keepVolumes(sts)).toBe(sts); // twice is once
    sts.containers[0].mount('/data', kplus.Volume.fromEmptyDir(chart, 'data', 'data'));
    restrict(sts, '/spec/template/spec', [['containers', 0]]);
    const sets = synthValid(chart).filter((o) => o.kind === 'StatefulSet');
    expect(sets[0].spec.template.spec.volumes).toEqual([{ name: 'data', emptyDir: {} }]);
    // any other pod is handed back as it is
    const d = new kplus.Deployment(chart, 'd', { containers: [restrictedContainer('web')] });
    expect(keepVolumes(d)).toBe(d);
  });

  test('upstream: a plain StatefulSet of cdk8s-plus-34 2.0.54 drops its volumes (why the adapter has statefulSet())', () => {
    const chart = Testing.chart();
    const sts = new kplus.StatefulSet(chart, 'db', { metadata: { name: 'db' }, containers: [restrictedContainer('db', { portNumber: 6379 })] });
    sts.containers[0].mount('/data', kplus.Volume.fromEmptyDir(chart, 'data', 'data'));
    const volumes = Testing.synth(chart).find((o) => o.kind === 'StatefulSet').spec.template.spec.volumes;
    // When this fails on the 34 line, cdk8s-plus-34 fixed cdk8s-team/cdk8s-plus#6735: the adapter's workaround can go.
    if (LINE.cdk8sPlus === 'cdk8s-plus-34') expect(volumes).toBeUndefined();
    else expect(volumes).toEqual([{ name: 'data', emptyDir: {} }]);
  });

  test('a feature newer than the line is a clear error naming the line and the package', () => {
    const chart = new Chart(Testing.app(), 'app');
    expect(lineFeatureProblem(chart, 'a feature of 1.27', 27)).toBeUndefined();
    expect(lineFeatureProblem(chart, 'a feature of the line', LINE.kubernetesMinor)).toBeUndefined();
    const problem = lineFeatureProblem(chart, 'the future', LINE.kubernetesMinor + 1);
    expect(problem).toContain(`app: the future needs Kubernetes 1.${LINE.kubernetesMinor + 1} or newer`);
    expect(problem).toContain(`this is the ${LINE.cdk8sPlus} line (Kubernetes 1.${LINE.kubernetesMinor}, package ${LINE.packageName})`);
  });
});
