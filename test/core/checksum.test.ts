import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { ConfigChecksum, RestrictedSecurity } from '../../src';
import { one, synthValid } from '../harness';

function build(data: { [key: string]: string }, extra?: (cm: kplus.ConfigMap) => void) {
  const chart = Testing.chart();
  const cm = new kplus.ConfigMap(chart, 'config', { metadata: { name: 'proxy-config' }, data });
  const d = new kplus.Deployment(chart, 'proxy', { metadata: { name: 'proxy' }, securityContext: RestrictedSecurity.podSecurityContext(101, 101) });
  RestrictedSecurity.addContainer(d, { name: 'proxy', image: 'nginxinc/nginx-unprivileged:1.27.3-alpine' }, { uid: 101, gid: 101 });
  RestrictedSecurity.applySeccomp(d);
  ConfigChecksum.annotate(d, [cm]);
  extra?.(cm);
  return one(synthValid(chart), 'Deployment').spec.template.metadata.annotations[ConfigChecksum.ANNOTATION];
}

describe('ConfigChecksum', () => {
  test('the annotation is the SHA-256 of the data, computed at synthesis', () => {
    const sum = build({ 'nutcracker.yml': 'a: 1\n' });
    expect(sum).toMatch(/^[0-9a-f]{64}$/);
    // data added after annotate() is included
    expect(build({ 'nutcracker.yml': 'a: 1\n' }, (cm) => cm.addData('extra', 'x'))).not.toBe(sum);
  });

  test('a config change changes the checksum; the same config gives the same checksum', () => {
    expect(build({ 'nutcracker.yml': 'a: 1\n' })).toBe(build({ 'nutcracker.yml': 'a: 1\n' }));
    expect(build({ 'nutcracker.yml': 'a: 2\n' })).not.toBe(build({ 'nutcracker.yml': 'a: 1\n' }));
  });

  test('key order does not matter; key/value boundaries do', () => {
    const chart = Testing.chart();
    const a = new kplus.ConfigMap(chart, 'a', { metadata: { name: 'a' }, data: { x: '1', y: '2' } });
    const b = new kplus.ConfigMap(chart, 'b', { metadata: { name: 'a' }, data: { y: '2', x: '1' } });
    const c = new kplus.ConfigMap(chart, 'c', { metadata: { name: 'a' }, data: { x: '12', y: '' } });
    expect(ConfigChecksum.of([a])).toBe(ConfigChecksum.of([b]));
    expect(ConfigChecksum.of([a])).not.toBe(ConfigChecksum.of([c]));
  });
});
