// The pod options block: every field reaches the pod spec of every kind of workload the library makes, in the
// API's spelling, and bad values fail with the construct path, the field and the value.
import { Cron, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { PodOptions } from '../../src';
import { applyPodOptions, applyPodOptionsToTemplate, checkPodOptions } from '../../src/blocks/_pod-options';
import { RestrictedWorkloads } from '../../src/blocks/_restricted-workload';
import { RestrictedSecurity } from '../../src/core/security';
import { synthValid } from '../harness';

class Host extends Construct {}

const everything = (): PodOptions => ({
  imagePullSecrets: [kplus.Secret.fromSecretName(new Host(Testing.chart(), 'x'), 'pull', 'regcred')],
  serviceAccount: kplus.ServiceAccount.fromServiceAccountName(new Host(Testing.chart(), 'y'), 'sa', 'uploader'),
  automountServiceAccountToken: true,
  nodeSelector: { 'kubernetes.io/arch': 'amd64', 'node-pool': 'batch' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }, { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }],
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] } } },
  topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'x' } } }],
  priorityClassName: 'batch-low',
  labels: { team: 'search' },
  annotations: { 'example.com/owner': 'search-team' },
});

function workloads(scope: Construct) {
  const labels = { 'app.kubernetes.io/name': 'w', 'app.kubernetes.io/instance': 'w' };
  const d = RestrictedWorkloads.deployment(scope, 'D', { name: 'd', labels, selector: labels, uid: 1000 });
  const j = RestrictedWorkloads.job(scope, 'J', { name: 'j', labels, uid: 1000 });
  const c = RestrictedWorkloads.cronJob(scope, 'C', { name: 'c', labels, uid: 1000, schedule: Cron.daily(), activeDeadline: Duration.seconds(60) });
  for (const w of [d, j, c]) RestrictedSecurity.addContainer(w, { name: 'main', image: 'busybox:1.36' }, { uid: 1000, gid: 1000 });
  return [d, j, c];
}

describe('pod options', () => {
  test('reach the pod spec and pod metadata of Deployments, Jobs and CronJobs, in the API spelling', () => {
    // GIVEN every option, applied to one workload of each kind
    const chart = Testing.chart();
    const host = new Host(chart, 'host');
    const options = checkPodOptions(host, 'pod', everything());
    for (const w of workloads(host)) applyPodOptions(w, options);
    // WHEN synthesized (strict schema + restricted)
    const objs = synthValid(chart);
    // THEN each pod template has them
    const templates = [
      objs.find((o) => o.kind === 'Deployment').spec.template,
      objs.find((o) => o.kind === 'Job').spec.template,
      objs.find((o) => o.kind === 'CronJob').spec.jobTemplate.spec.template,
    ];
    for (const t of templates) {
      expect(t.metadata.labels.team).toBe('search');
      expect(t.metadata.annotations['example.com/owner']).toBe('search-team');
      expect(t.spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
      expect(t.spec.serviceAccountName).toBe('uploader');
      expect(t.spec.automountServiceAccountToken).toBe(true);
      expect(t.spec.nodeSelector).toEqual({ 'kubernetes.io/arch': 'amd64', 'node-pool': 'batch' });
      expect(t.spec.tolerations).toEqual([
        { key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' },
        { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
      ]);
      expect(t.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0]).toEqual({ key: 'zone', operator: 'In', values: ['a', 'b'] });
      expect(t.spec.topologySpreadConstraints).toEqual([{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'x' } } }]);
      expect(t.spec.priorityClassName).toBe('batch-low');
    }
  });

  test('a pod template given as API JSON (a KEDA ScaledJob) gets the same fields, converted', () => {
    const template = { metadata: { labels: { a: 'b' } }, spec: { containers: [] } };
    applyPodOptionsToTemplate(template, everything());
    expect(template.metadata.labels).toEqual({ a: 'b', team: 'search' });
    expect((template.spec as any).tolerations[1]).toEqual({ operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 });
    expect((template.spec as any).affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toHaveLength(1);
  });

  test('without options nothing is added', () => {
    const chart = Testing.chart();
    const host = new Host(chart, 'host');
    for (const w of workloads(host)) applyPodOptions(w, checkPodOptions(host, 'pod', undefined));
    const d = synthValid(chart).find((o) => o.kind === 'Deployment').spec.template.spec;
    expect(d.serviceAccountName).toBeUndefined();
    expect(d.automountServiceAccountToken).toBe(false);
    expect(d.imagePullSecrets).toBeUndefined();
  });

  describe('fails when', () => {
    const check = (o: any) => () => checkPodOptions(new Host(Testing.chart(), 'host'), 'pod', o);
    const chart = () => new Host(Testing.chart(), 'z');
    test.each([
      ['an imagePullSecrets name is not a Secret name', { imagePullSecrets: [kplus.Secret.fromSecretName(chart(), 's', 'Reg_Cred')] }, "Host 'test/host': 'pod.imagePullSecrets[0]' must be a Secret (kplus.Secret.fromSecretName(...)) whose name is a DNS-1123 subdomain, got 'Reg_Cred'"],
      ['a ServiceAccount name is invalid', { serviceAccount: kplus.ServiceAccount.fromServiceAccountName(chart(), 's', 'Uploader!') }, "'pod.serviceAccount' must be a ServiceAccount (kplus.ServiceAccount.fromServiceAccountName(...)) whose name is a DNS-1123 subdomain, got 'Uploader!'"],
      ['a token is asked for without a ServiceAccount', { automountServiceAccountToken: true }, "'pod.automountServiceAccountToken' must be false or unset without 'serviceAccount' (a token is mounted only for a ServiceAccount you name), got true"],
      ['a toleration has an invalid effect', { tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoRun' }] }, "'pod.tolerations[0].effect' must be one of 'NoSchedule', 'PreferNoSchedule', 'NoExecute' (or unset: every effect), got 'NoRun'"],
      ['a toleration has an invalid operator', { tolerations: [{ key: 'k', operator: 'In' }] }, "'pod.tolerations[0].operator' must be one of 'Exists', 'Equal', got 'In'"],
      ['an Exists toleration has a value', { tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] }, "'pod.tolerations[0].value' must be unset with operator 'Exists', got 'v'"],
      ['tolerationSeconds without NoExecute', { tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }] }, "'pod.tolerations[0].tolerationSeconds' must be unset unless the effect is 'NoExecute', got 5"],
      ['a keyless toleration is not Exists', { tolerations: [{ value: 'v' }] }, "'pod.tolerations[0].operator' must be 'Exists' when no key is given"],
      ['a nodeSelector key is invalid', { nodeSelector: { 'bad key': 'x' } }, "'pod.nodeSelector' must be label keys of the form [prefix/]name (name: at most 63 alphanumerics, '-', '_', '.'), got 'bad key'"],
      ['a nodeSelector value is invalid', { nodeSelector: { pool: 'a b' } }, "'pod.nodeSelector.pool' must be a label value"],
      ['a pod label would override the library\'s', { labels: { 'app.kubernetes.io/name': 'x' } }, "'pod.labels' must be free of 'app.kubernetes.io/*' keys (the library sets them on every pod; set 'partOf' for app.kubernetes.io/part-of), got 'app.kubernetes.io/name'"],
      ['a pod label value is invalid', { labels: { team: '-search' } }, "'pod.labels.team' must be a label value"],
      ['an annotation key is invalid', { annotations: { 'a b': 'x' } }, "'pod.annotations' must be annotation keys of the form [prefix/]name"],
      ['an annotation value is not a string', { annotations: { a: 3 } }, "'pod.annotations.a' must be a string, got 3"],
      ['a priorityClassName is invalid', { priorityClassName: 'High' }, "'pod.priorityClassName' must be a PriorityClass name (a DNS-1123 subdomain), got 'High'"],
      ['a spread constraint has maxSkew 0', { topologySpreadConstraints: [{ maxSkew: 0, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }] }, "'pod.topologySpreadConstraints[0].maxSkew' must be an integer of at least 1, got 0"],
      ['a spread constraint has a bad whenUnsatisfiable', { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'Never' }] }, "'pod.topologySpreadConstraints[0].whenUnsatisfiable' must be one of 'DoNotSchedule', 'ScheduleAnyway', got 'Never'"],
      ['the options are not an object (an untyped caller)', 'pods', "'pod' must be a PodOptions object, got 'pods'"],
    ])('%s', (_what, options, message) => {
      expect(check(options)).toThrow(message);
    });
  });
});
