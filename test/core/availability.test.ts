import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Availability, RecommendedLabels, RestrictedSecurity } from '../../src';
import { ofKind, one, synthValid } from '../harness';

function workload(replicas: number) {
  const chart = Testing.chart();
  const selector = RecommendedLabels.selector({ name: 'web', instance: 'shop', component: 'server' });
  const d = new kplus.Deployment(chart, 'web', { metadata: { name: 'web' }, replicas, select: false, securityContext: RestrictedSecurity.podSecurityContext(101, 101) });
  d.select(kplus.LabelSelector.of({ labels: selector }));
  for (const [k, v] of Object.entries(selector)) d.podMetadata.addLabel(k, v);
  RestrictedSecurity.addContainer(d, { name: 'web', image: 'nginxinc/nginx-unprivileged:1.27.3-alpine' }, { uid: 101, gid: 101 });
  RestrictedSecurity.applySeccomp(d);
  const pdb = Availability.apply(chart, d, { replicas, selector, name: 'web', labels: RecommendedLabels.of({ name: 'web', instance: 'shop' }) });
  return { chart, pdb, selector };
}

describe('Availability', () => {
  test('more than one replica: a PodDisruptionBudget and a spread over hostnames', () => {
    const { chart, pdb, selector } = workload(3);
    expect(pdb).toBeDefined();
    const objs = synthValid(chart);
    expect(objs).toMatchSnapshot();
    const p = one(objs, 'PodDisruptionBudget', 'web');
    expect(p.apiVersion).toBe('policy/v1');
    expect(p.spec).toEqual({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: selector } });
    expect(p.metadata.labels['app.kubernetes.io/managed-by']).toBe('cdk8s-distributed-patterns');
    expect(one(objs, 'Deployment').spec.template.spec.topologySpreadConstraints).toEqual([{
      maxSkew: 1,
      topologyKey: 'kubernetes.io/hostname',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: selector },
    }]);
  });

  test('one replica: no PDB (it would block every drain) and no spread', () => {
    const { chart, pdb } = workload(1);
    expect(pdb).toBeUndefined();
    const objs = synthValid(chart);
    expect(ofKind(objs, 'PodDisruptionBudget')).toEqual([]);
    expect(one(objs, 'Deployment').spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  test('minAvailable replaces maxUnavailable', () => {
    const chart = Testing.chart();
    Availability.podDisruptionBudget(chart, 'pdb', { name: 'x', selector: { a: 'b' }, minAvailable: 2 });
    expect(one(synthValid(chart), 'PodDisruptionBudget').spec).toEqual({ minAvailable: 2, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: { a: 'b' } } });
  });
});
