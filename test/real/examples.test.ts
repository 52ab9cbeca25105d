// Tier 2: every example applied with `kubectl apply --dry-run=server --validate=strict` to a real kube-apiserver
// 1.27 in namespaces that enforce Pod Security `restricted`, with the CRDs the library targets installed (KEDA,
// prometheus-operator, Strimzi); and kube-linter over every example.
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { exampleNames, synthExample } from '../../scripts/synth-examples';
import { ApiServer, serverDryRun, startApiServer } from '../harness/apiserver';
import { kubeLint } from '../harness/kube-linter';
import { stopAll, TOOLS_DIR } from '../harness/proc';

jest.setTimeout(600_000);

/**
 * kube-linter checks the library deliberately does not satisfy, each with the reason.
 */
const KUBE_LINTER_EXCLUDES: Record<string, string> = {
  // The library spreads replicas with topologySpreadConstraints over kubernetes.io/hostname (maxSkew 1,
  // ScheduleAnyway), which kube-linter does not recognise: it only looks for podAntiAffinity.
  'no-anti-affinity': 'spread is by topologySpreadConstraints, which kube-linter does not read',
};

let api: ApiServer;

beforeAll(async () => {
  const crdRoot = path.join(TOOLS_DIR, 'crds');
  const crdDirs = fs.existsSync(crdRoot) ? fs.readdirSync(crdRoot).map((d) => path.join(crdRoot, d)) : [];
  if (crdDirs.length === 0) throw new Error(`no CRDs in ${crdRoot}: run 'npx projen install-test-tools'`);
  api = await startApiServer({ crdDirs });
});

afterAll(async () => {
  await api?.stop();
  await stopAll();
});

describe.each(exampleNames())('example %s', (name) => {
  const yaml = synthExample(name);
  const objects = parseAllDocuments(yaml).map((d) => d.toJS());

  test('every object is accepted by the API server (server-side dry run, restricted namespace)', async () => {
    const verdicts = await serverDryRun(api, objects);
    const rejected = verdicts.filter((v) => !v.accepted || v.warnings.some((w) => /PodSecurity/.test(w)));
    expect(rejected.map((v) => `${v.kind}/${v.name}: ${v.message} ${v.warnings.join(' ')}`)).toEqual([]);
    expect(verdicts).toHaveLength(objects.length);
    // … each in the example's own namespace, which the harness created enforcing Pod Security restricted
    const namespaces = [...new Set(verdicts.map((v) => v.namespace))];
    expect(namespaces).toEqual([objects[0].metadata.namespace]);
    const ns = await api.kubectl(['get', 'namespace', namespaces[0]!, '-o', 'json']);
    expect(ns.code).toBe(0);
    expect(JSON.parse(ns.stdout).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('kube-linter finds nothing (but the documented exclusions)', () => {
    const result = kubeLint(yaml, { exclude: Object.keys(KUBE_LINTER_EXCLUDES) });
    expect(result.reports.map((r) => `${r.check} ${r.object}: ${r.message}`)).toEqual([]);
  });
});
