// Every example app: valid (strict 1.27 schema + Pod Security restricted), deterministic (two syntheses give
// identical bytes), and snapshotted.
import { parseAllDocuments } from 'yaml';
import { assertValid } from './harness';
import { exampleNames, synthExample } from '../scripts/synth-examples';

describe.each(exampleNames())('example %s', (name) => {
  const yaml = synthExample(name);
  const objects = parseAllDocuments(yaml).map((d) => d.toJS());

  test('every object passes the strict validator and Pod Security restricted', () => {
    expect(objects.length).toBeGreaterThan(0);
    assertValid(objects);
  });

  test('synthesis is deterministic (byte-identical)', () => {
    expect(synthExample(name)).toBe(yaml);
  });

  test('matches its snapshot', () => {
    expect(yaml).toMatchSnapshot();
  });
});
