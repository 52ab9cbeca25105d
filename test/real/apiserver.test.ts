/**
 * Proofs that the kube-apiserver harness can fail: a real 1.27 API server rejects what a cluster would reject
 * (Pod Security `restricted`, strict field validation, invalid values) and admits a compliant pod.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiServer, DryRunVerdict, serverDryRun, startApiServer } from '../harness/apiserver';
import { stopAll, tempDir } from '../harness/proc';

let api: ApiServer;

beforeAll(async () => {
  const crdDir = tempDir('crds');
  fs.writeFileSync(path.join(crdDir, 'widgets.yaml'), JSON.stringify(widgetCrd()));
  const t0 = Date.now();
  api = await startApiServer({ crdDirs: [crdDir] });
  // eslint-disable-next-line no-console
  console.log(`kube-apiserver ready with CRDs in ${Date.now() - t0}ms at ${api.url}`);
}, 240_000);

afterAll(() => stopAll());

const compliantContainer = (extra: object = {}) => ({
  name: 'app',
  image: 'registry.k8s.io/pause:3.9',
  securityContext: {
    runAsNonRoot: true,
    runAsUser: 1000,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  },
  ...extra,
});

const pod = (name: string, container: object) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [container] },
});

const deployment = (name: string, container: object, specExtra: object = {}, podSpecExtra: object = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [container], ...podSpecExtra } },
    ...specExtra,
  },
});

async function one(obj: object): Promise<DryRunVerdict> {
  const [v] = await serverDryRun(api, [obj]);
  return v;
}

test('the restricted namespace enforces Pod Security restricted', async () => {
  const r = await api.kubectl(['get', 'namespace', api.namespace, '-o', 'jsonpath={.metadata.labels}']);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
  const v = await api.kubectl(['version', '-o', 'json']);
  expect(JSON.parse(v.stdout).serverVersion.gitVersion).toMatch(/^v1\.27\./);
});

test('admits a compliant pod', async () => {
  const v = await one(pod('good', compliantContainer()));
  expect(v.message).toBe('');
  expect(v).toMatchObject({ kind: 'Pod', name: 'good', namespace: 'restricted', accepted: true, warnings: [] });
});

test('rejects a privileged pod', async () => {
  // Otherwise compliant: allowPrivilegeEscalation=false with privileged=true would fail validation first.
  const c = compliantContainer();
  const { allowPrivilegeEscalation: _, ...rest } = c.securityContext;
  const v = await one(pod('privileged', { ...c, securityContext: { ...rest, privileged: true } }));
  expect(v.accepted).toBe(false);
  expect(v.message).toMatch(/violates PodSecurity "restricted:v1\.27":.*privileged \(container "app" must not set securityContext\.privileged=true\)/);
});

test('rejects a pod without a seccompProfile', async () => {
  const c = compliantContainer();
  const { seccompProfile: _, ...noSeccomp } = c.securityContext;
  const v = await one(pod('no-seccomp', { ...c, securityContext: noSeccomp }));
  expect(v.accepted).toBe(false);
  expect(v.message).toMatch(/violates PodSecurity.*seccompProfile/);
});

test('rejects an unknown field (strict field validation)', async () => {
  const v = await one(deployment('unknown-field', compliantContainer(), { replicaz: 2 }));
  expect(v.accepted).toBe(false);
  expect(v.message).toMatch(/unknown field "spec\.replicaz"/);
});

test('rejects a container port out of range', async () => {
  const v = await one(pod('bad-port', compliantContainer({ ports: [{ containerPort: 70000 }] })));
  expect(v.accepted).toBe(false);
  expect(v.message).toMatch(/containerPort: Invalid value: 70000/);
});

test('rejects a Deployment whose pod template violates restricted, through the pod check', async () => {
  const v = await one(deployment('root', { name: 'app', image: 'registry.k8s.io/pause:3.9' }));
  expect(v.accepted).toBe(false);
  // The Deployment alone is admitted with a warning; the Pod built from its template is rejected.
  expect(v.warnings.join('\n')).toMatch(/would violate PodSecurity "restricted:v1\.27"/);
  expect(v.podTemplate?.accepted).toBe(false);
  expect(v.message).toMatch(/pod template: .*violates PodSecurity "restricted:v1\.27"/);
});

test('admits a compliant Deployment, its pod template, and custom resources of an installed CRD', async () => {
  const verdicts = await serverDryRun(api, [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web' } },
    deployment('web', compliantContainer(), {}, { serviceAccountName: 'web' }),
    { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 3 } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } },
  ]);
  // The pod check runs under the ServiceAccount the objects bring (created for real after its dry-run).
  expect(verdicts[1].podTemplate).toBeDefined();
  for (const v of verdicts) expect(v).toMatchObject({ accepted: true, message: '' });
  expect(verdicts[1].podTemplate).toMatchObject({ accepted: true, warnings: [] });
  expect(verdicts[3].namespace).toBeUndefined();
});

test('rejects a custom resource that breaks its CRD schema', async () => {
  const v = await one({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 'big' } });
  expect(v.accepted).toBe(false);
  expect(v.message).toMatch(/spec\.size/);
});

function widgetCrd() {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [{
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
          },
        },
      }],
    },
  };
}
