/**
 * Tier 2: kube-linter works and can fail. A Deployment with the usual mistakes gets the matching findings; the
 * same Deployment written carefully gets none.
 */
import { kubeLint, kubeLinterVersion } from '../harness/kube-linter';
import { stopAll } from '../harness/proc';

afterAll(async () => {
  await stopAll();
});

const bad = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:latest
`;

const good = `
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  namespace: default
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      serviceAccountName: web
      securityContext:
        runAsNonRoot: true
        runAsUser: 101
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: web
          image: nginx:1.27.4
          ports:
            - {name: http, containerPort: 8080}
          readinessProbe:
            httpGet: {path: /, port: http}
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {cpu: 500m, memory: 128Mi}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
`;

test('kube-linter is the pinned version', () => {
  expect(kubeLinterVersion()).toBe('v0.8.3');
});

test('reports the mistakes in a careless Deployment', () => {
  const r = kubeLint(bad);
  expect(r.ok).toBe(false);
  expect(r.checks).toEqual(expect.arrayContaining([
    'latest-tag', 'run-as-non-root', 'no-read-only-root-fs', 'unset-cpu-requirements', 'unset-memory-requirements',
  ]));
  expect(r.findings).toMatch(/Deployment\/default\/web \[latest-tag\]/);
});

test('passes a careful Deployment', () => {
  const r = kubeLint(good);
  expect(r.findings).toBe('');
  expect(r.ok).toBe(true);
});

test('include and exclude select checks', () => {
  expect(kubeLint(bad, { exclude: ['latest-tag'] }).checks).not.toContain('latest-tag');
  const withOptional = kubeLint(good, { include: ['required-label-owner'] });
  expect(withOptional.checks).toEqual(['required-label-owner']);
});

test('a text without Kubernetes objects is not ok', () => {
  const r = kubeLint('foo: [\n');
  expect(r.ok).toBe(false);
  expect(r.reports).toEqual([]);
  expect(r.findings).not.toBe('');
});
