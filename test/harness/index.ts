/**
 * The tier-1 harness every test that synthesizes goes through: synthesize, then run the strict 1.27 validator
 * and the Pod Security `restricted` checker on every object. A finding fails the test with the object, the
 * field and the reason.
 */
import { Chart, Testing, App } from 'cdk8s';
import { checkRestricted } from './pod-security';
import { Finding, validateObjects } from './validate';
import { nameCollisions } from '../../src/core/_app-checks';

export { validateObject, validateObjects } from './validate';
export { checkRestricted } from './pod-security';

function format(findings: Finding[]): string {
  return findings.map((f) => `  ${f.object} ${f.path}: ${f.message}`).join('\n');
}

/** Throw when any object breaks the strict schema or Pod Security `restricted`. */
export function assertValid(objects: any[]): void {
  const findings = [...validateObjects(objects), ...objects.flatMap(checkRestricted)];
  if (findings.length > 0) {
    throw new Error(`${findings.length} finding(s) in the synthesized objects:\n${format(findings)}`);
  }
}

/** Throw when two objects of one kind share a namespace and name anywhere in the App (the library's App check). */
export function assertNoCollisions(chart: Chart): void {
  const errors = nameCollisions(chart.node.root);
  if (errors.length > 0) throw new Error(`name collisions:\n  ${errors.join('\n  ')}`);
}

/** Synthesize a chart, validate every object strictly, and return the objects. */
export function synthValid(chart: Chart): any[] {
  const objects = Testing.synth(chart);
  assertValid(objects);
  assertNoCollisions(chart);
  return objects;
}

/** Synthesize every chart of an app, validate every object strictly, and return them in order. */
export function synthAppValid(app: App): any[] {
  const objects = app.charts.flatMap((c) => c.toJson());
  assertValid(objects);
  for (const c of app.charts) assertNoCollisions(c);
  return objects;
}

/** The objects of a kind (and name, if given). */
export function ofKind(objects: any[], kind: string, name?: string): any[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
}

/** The one object of a kind (and name); throws when there is not exactly one. */
export function one(objects: any[], kind: string, name?: string): any {
  const found = ofKind(objects, kind, name);
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` '${name}'` : ''}, found ${found.length}: ${objects.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ')}`);
  return found[0];
}
