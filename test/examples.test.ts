// Every example app: valid (strict 1.27 schema + Pod Security restricted), deterministic (two syntheses give
// identical bytes), in a namespace of its own, and snapshotted.
import { parseAllDocuments } from 'yaml';
import { assertValid } from './harness';
import { exampleNames, synthExample } from '../scripts/synth-examples';

// The namespaces each example's objects name, filled while the suites are collected (before any test runs).
const namespacesOf = new Map<string, unknown[]>();

describe.each(exampleNames())('example %s', (name) => {
  const yaml = synthExample(name);
  const objects = parseAllDocuments(yaml).map((d) => d.toJS());
  namespacesOf.set(name, [...new Set(objects.map((o) => o.metadata?.namespace))]);

  test('every object passes the strict validator and Pod Security restricted', () => {
    expect(objects.length).toBeGreaterThan(0);
    assertValid(objects);
  });

  test('synthesis is deterministic (byte-identical)', () => {
    expect(synthExample(name)).toBe(yaml);
  });

  test('runs in a namespace of its own: every object names it, not `default`, and no other example does', () => {
    const [namespace, ...others] = namespacesOf.get(name)!;
    expect(others).toEqual([]);
    expect(namespace).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(namespace).not.toBe('default');
    expect([...namespacesOf].filter(([n, ns]) => n !== name && ns.includes(namespace)).map(([n]) => n)).toEqual([]);
  });

  test('matches its snapshot', () => {
    expect(yaml).toMatchSnapshot();
  });
});
