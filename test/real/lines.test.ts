// Tier 2 of the other cdk8s-plus lines (lines/lines.json; today 34): a real kube-apiserver of the line's Kubernetes
// (1.34.4, scripts/install/21-kube-current.sh) with the current CRDs (KEDA, prometheus-operator, Strimzi 1.x:
// scripts/install/61-crds-current.sh) and namespaces enforcing Pod Security `restricted` at that version:
//   - every example of the line (generated copy lines/<line>/, `npx projen line:<line>:build`) passes
//     `kubectl apply --dry-run=server --validate=strict`, CRD objects included, and the server keeps every field;
//   - the 27 line's examples too (forward compatibility), with every warning reported;
//   - a Job whose sidecar the line's adapter made a native sidecar is admitted with its restartPolicy kept, and so is
//     the sharded-cache example's cache-warming Job (its twemproxy ambassador: the worker is its only container);
//   - the server serves exactly the group-versions tier 1 allows, and tier 1's schema is this release's OpenAPI.
// The warnings of every dry run are written to test-reports/line-<line>-warnings.txt.
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { exampleNames as mainExampleNames, synthExample as mainSynthExample } from '../../scripts/synth-examples';
import { ApiServer, ApiServerVersion, droppedFields, DryRunVerdict, serverDryRun, startApiServer } from '../harness/apiserver';
import { stopAll, TOOLS_DIR } from '../harness/proc';

jest.setTimeout(900_000);

const root = path.resolve(__dirname, '..', '..');
const config = JSON.parse(fs.readFileSync(path.join(root, 'lines', 'lines.json'), 'utf8'));
const lines = Object.keys(config).filter((k) => /^[0-9]+$/.test(k));

afterAll(async () => {
  await stopAll();
});

describe.each(lines)('line %s', (line) => {
  const c = config[line];
  const dir = path.join(root, 'lines', line);
  const version = c.kubernetes as ApiServerVersion;
  if (!fs.existsSync(path.join(dir, 'line.json'))) throw new Error(`lines/${line} is not generated: run 'npx projen line:${line}:build'`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lineExamples: { exampleNames(): string[]; synthExample(name: string): string } = require(path.join(dir, 'scripts', 'synth-examples.ts'));
  const report: string[] = [];
  let api: ApiServer;

  const record = (what: string, verdicts: DryRunVerdict[]) => {
    for (const v of verdicts) {
      for (const w of [...v.warnings, ...(v.podTemplate?.warnings ?? [])]) report.push(`${what} ${v.kind}/${v.name}: ${w}`);
    }
  };

  beforeAll(async () => {
    const crdRoot = path.join(TOOLS_DIR, 'crds-current');
    const crdDirs = fs.existsSync(crdRoot) ? fs.readdirSync(crdRoot).map((d) => path.join(crdRoot, d)) : [];
    if (crdDirs.length === 0) throw new Error(`no CRDs in ${crdRoot}: run 'npx projen install-test-tools'`);
    api = await startApiServer({ version, crdDirs });
  });

  afterAll(async () => {
    await api?.stop();
    fs.mkdirSync(path.join(root, 'test-reports'), { recursive: true });
    fs.writeFileSync(path.join(root, 'test-reports', `line-${line}-warnings.txt`), report.length ? `${report.join('\n')}\n` : '');
    console.log(`line ${line} on kube-apiserver ${c.kubernetesVersion}: ${report.length} warning(s)${report.length ? `\n  ${report.join('\n  ')}` : ''}`);
  });

  test(`the server is Kubernetes ${c.kubernetesVersion} and serves exactly the group-versions tier 1 allows`, async () => {
    const v = await api.kubectl(['version', '-o', 'json']);
    expect(JSON.parse(v.stdout).serverVersion.gitVersion).toBe(`v${c.kubernetesVersion}`);
    const r = await api.kubectl(['api-versions']);
    const crdGroups = ['keda.sh', 'monitoring.coreos.com', 'kafka.strimzi.io', 'gateway.networking.k8s.io'];
    const served = r.stdout.split('\n').filter((l) => l && !crdGroups.includes(l.split('/')[0])).sort();
    // The line's own harness (its copy of test/harness/validate.ts) holds the list tier 1 validates with.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const validate = require(path.join(dir, 'test', 'harness', 'validate.ts'));
    expect(served).toEqual([...validate.servedGroupVersions()].sort());
  });

  test("tier 1's schema of the line is this release's OpenAPI document (its definitions)", () => {
    const swagger = path.join(TOOLS_DIR, `k8s-${c.kubernetes}`, 'swagger.json');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { schemaFileText } = require('../../scripts/line');
    expect(schemaFileText(c, fs.readFileSync(swagger, 'utf8'))).toBe(fs.readFileSync(path.join(root, c.schema), 'utf8'));
  });

  describe.each(lineExamples.exampleNames())(`the ${line} line's example %s`, (name) => {
    test(`is accepted by kube-apiserver ${c.kubernetesVersion} (server-side dry run, restricted v${c.kubernetes}), every field kept`, async () => {
      const objects = parseAllDocuments(lineExamples.synthExample(name)).map((d) => d.toJS());
      const verdicts = await serverDryRun(api, objects);
      record(`[${line}] ${name}`, verdicts);
      const rejected = verdicts.filter((v) => !v.accepted || v.warnings.some((w) => /PodSecurity/.test(w)));
      expect(rejected.map((v) => `${v.kind}/${v.name}: ${v.message} ${v.warnings.join(' ')}`)).toEqual([]);
      expect(verdicts).toHaveLength(objects.length);
      const dropped = verdicts.flatMap((v, i) => droppedFields(objects[i], v.returned).map((p) => `${v.kind}/${v.name} ${p}`));
      expect(dropped).toEqual([]);
    });
  });

  describe.each(mainExampleNames())('the 27 line\'s example %s (forward compatibility)', (name) => {
    test(`is accepted by kube-apiserver ${c.kubernetesVersion} too (restricted v${c.kubernetes}); warnings are reported`, async () => {
      const objects = parseAllDocuments(mainSynthExample(name)).map((d) => d.toJS());
      const verdicts = await serverDryRun(api, objects);
      record(`[27 on ${c.kubernetes}] ${name}`, verdicts);
      const rejected = verdicts.filter((v) => !v.accepted || v.warnings.some((w) => /PodSecurity/.test(w)));
      expect(rejected.map((v) => `${v.kind}/${v.name}: ${v.message} ${v.warnings.join(' ')}`)).toEqual([]);
    });
  });

  test("a Job with a sidecar from the line's adapter: a native sidecar the server admits, restartPolicy kept", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Testing, ApiObject, JsonPatch } = require('cdk8s');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const kplus = require(c.cdk8sPlus);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const adapter = require(path.join(dir, 'src', 'line', 'index.ts'));
    const chart = Testing.chart();
    const sc = { ensureNonRoot: true, user: 1000, group: 1000, privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true };
    const job = new kplus.Job(chart, 'job', {
      metadata: { name: 'work' },
      securityContext: { ensureNonRoot: true, user: 1000, group: 1000 },
      containers: [{ name: 'app', image: 'busybox:1.36.1', command: ['sh', '-c', 'echo done'], securityContext: sc }],
    });
    const placed = adapter.addSidecarContainer(job, {
      name: 'proxy',
      image: 'busybox:1.36.1',
      command: ['sh', '-c', 'sleep 3600'],
      portNumber: 8080,
      securityContext: sc,
      readiness: kplus.Probe.fromTcpSocket({ port: 8080 }),
    });
    const obj = ApiObject.of(job);
    obj.addJsonPatch(JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }));
    for (const [list, i] of [['containers', 0], [placed.list, placed.index]]) {
      obj.addJsonPatch(JsonPatch.add(`/spec/template/spec/${list}/${i}/securityContext/capabilities`, { drop: ['ALL'] }));
    }
    const objects = Testing.synth(chart);
    const verdicts = await serverDryRun(api, objects);
    record(`[${line}] native-sidecar Job`, verdicts);
    expect(verdicts.map((v) => [v.kind, v.accepted, v.message, v.podTemplate?.accepted])).toEqual([['Job', true, '', true]]);
    const returned = verdicts[0].returned.spec.template.spec;
    expect(adapter.LINE.nativeSidecars).toBe(true);
    expect(returned.initContainers.map((x: any) => [x.name, x.restartPolicy])).toEqual([['proxy', 'Always']]);
    expect(returned.containers.map((x: any) => x.name)).toEqual(['app']);
    expect(droppedFields(objects[0], verdicts[0].returned)).toEqual([]);
  });

  test("the line's sharded-cache example: its cache-warming Job's ambassador is a native sidecar the server admits, so the worker is the Job's only container", async () => {
    const objects = parseAllDocuments(lineExamples.synthExample('sharded-cache')).map((d) => d.toJS());
    const job = objects.find((o) => o.kind === 'Job' && o.metadata.name === 'sessions-warm');
    const twemproxyConfig = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'sessions-twemproxy');
    const verdicts = await serverDryRun(api, [twemproxyConfig, job]);
    record(`[${line}] sharded-cache Job`, verdicts);
    expect(verdicts.map((v) => [v.kind, v.accepted, v.message, v.podTemplate?.accepted ?? null])).toEqual([['ConfigMap', true, '', null], ['Job', true, '', true]]);
    // the Pod built from the Job's template passed Pod Security restricted with no warning
    expect([...verdicts[1].warnings, ...(verdicts[1].podTemplate?.warnings ?? [])].filter((w) => /PodSecurity/.test(w))).toEqual([]);
    const returned = verdicts[1].returned;
    expect(returned.spec.template.spec.initContainers.map((x: any) => [x.name, x.restartPolicy])).toEqual([['twemproxy', 'Always']]);
    expect(returned.spec.template.spec.containers.map((x: any) => x.name)).toEqual(['warm']);
    expect(returned.spec.template.spec.restartPolicy).toBe('Never');
    expect(droppedFields(job, returned)).toEqual([]);
  });
});
