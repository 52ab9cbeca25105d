// Shared checks of the serving patterns' tests: every pod option reaches a pod template, and the label rule holds
// on an object (issue 16). Not a test file itself.
import { Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { PodOptions } from '../../src';

/** Every pod option, with values the checks below recognise (its own spread replaces the library's). */
export function everyPodOption(scope: Construct): PodOptions {
  return {
    imagePullSecrets: [kplus.Secret.fromSecretName(scope, 'pull-secret', 'regcred')],
    serviceAccount: kplus.ServiceAccount.fromServiceAccountName(scope, 'service-account', 'search-reader'),
    automountServiceAccountToken: true,
    nodeSelector: { 'node-pool': 'serving' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'serving', effect: 'NoSchedule' }],
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] } } },
    topologySpreadConstraints: [{ maxSkew: 2, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' }],
    priorityClassName: 'serving-high',
    labels: { team: 'search' },
    annotations: { 'example.com/owner': 'search-team' },
  };
}

/** Asserts that a Deployment's pod template carries every option of `everyPodOption`, and only its spread. */
export function expectEveryPodOption(deployment: any): void {
  const t = deployment.spec.template;
  expect(t.metadata.labels.team).toBe('search');
  expect(t.metadata.annotations['example.com/owner']).toBe('search-team');
  expect(t.spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
  expect(t.spec.serviceAccountName).toBe('search-reader');
  expect(t.spec.automountServiceAccountToken).toBe(true);
  expect(t.spec.nodeSelector).toEqual({ 'node-pool': 'serving' });
  expect(t.spec.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'serving', effect: 'NoSchedule' }]);
  expect(t.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0])
    .toEqual({ key: 'zone', operator: 'In', values: ['a', 'b'] });
  expect(t.spec.topologySpreadConstraints).toEqual([{ maxSkew: 2, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' }]);
  expect(t.spec.priorityClassName).toBe('serving-high');
}

/**
 * Asserts that the Deployments of `objs` are exactly `names` (every pod template the pattern makes), each with every
 * option of `everyPodOption`, and that the `pdbs` PodDisruptionBudgets stay when the options bring their own spread.
 */
export function expectEveryPodOptionOn(objs: any[], names: string[], pdbs: number): void {
  const deployments = objs.filter((o) => o.kind === 'Deployment');
  expect(deployments.map((d) => d.metadata.name)).toEqual(names);
  deployments.forEach(expectEveryPodOption);
  expect(objs.filter((o) => o.kind === 'PodDisruptionBudget')).toHaveLength(pdbs);
}

/** The recommended labels an object of one component must have. */
export interface LabelRule {
  readonly name: string;
  readonly instance: string;
  readonly component: string;
  readonly partOf: string;
  /** The image tag of the component's main container. */
  readonly version: string;
}

/**
 * Asserts the label rule on an object (and on its pod template and selector, for a workload): every recommended
 * label on the object and its pods; the selector has name, instance and component, never the version.
 */
export function expectLabelRule(obj: any, rule: LabelRule): void {
  const expected = {
    'app.kubernetes.io/name': rule.name,
    'app.kubernetes.io/instance': rule.instance,
    'app.kubernetes.io/component': rule.component,
    'app.kubernetes.io/part-of': rule.partOf,
    'app.kubernetes.io/version': rule.version,
    'app.kubernetes.io/managed-by': 'cdk8s-distributed-patterns',
  };
  expect(obj.metadata.labels).toMatchObject(expected);
  const selector = obj.spec?.selector?.matchLabels ?? (obj.kind === 'Service' ? obj.spec.selector : undefined);
  if (obj.spec?.template) expect(obj.spec.template.metadata.labels).toMatchObject(expected);
  if (selector) {
    expect(selector).toMatchObject({ 'app.kubernetes.io/name': rule.name, 'app.kubernetes.io/instance': rule.instance, 'app.kubernetes.io/component': rule.component });
    expect(selector['app.kubernetes.io/version']).toBeUndefined();
    expect(selector['app.kubernetes.io/part-of']).toBeUndefined();
  }
}

/** Container resources from millicores and MiB. */
export function resources(cpuRequest: number, cpuLimit: number, memoryRequest: number, memoryLimit: number): kplus.ContainerResources {
  return {
    cpu: { request: kplus.Cpu.millis(cpuRequest), limit: kplus.Cpu.millis(cpuLimit) },
    memory: { request: Size.mebibytes(memoryRequest), limit: Size.mebibytes(memoryLimit) },
  };
}

/** A chart `test` in an App whose context sets `key` to `value` (app-wide part-of, registry mirrors, …). */
export function chartWithContext(key: string, value: unknown): Chart {
  const app = Testing.app();
  app.node.setContext(key, value);
  return new Chart(app, 'test');
}
