// The App-wide checks every construct registers: one name per object of a kind and namespace across the App, and
// no add…() after the App has been synthesized.
import { App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ResourceNames } from '../../src';
import { assertNotSynthesized, nameCollisions } from '../../src/core/_app-checks';

class Pattern extends Construct {
  constructor(scope: Construct, id: string, name?: string) {
    super(scope, id);
    const base = ResourceNames.baseName(this, name);
    new kplus.ConfigMap(this, 'Config', { metadata: { name: base } });
  }
  public addThing(): void {
    assertNotSynthesized(this, 'addThing()');
    new kplus.ConfigMap(this, `Thing${this.node.children.length}`, {});
  }
}

describe('App checks', () => {
  test('fails when two charts in one namespace each hold a construct of the same name, naming both paths', () => {
    // GIVEN two charts of one app in the default namespace, each with a construct 'cache'
    const app = Testing.app();
    new Pattern(new Chart(app, 'one'), 'cache');
    new Pattern(new Chart(app, 'two'), 'cache');
    // WHEN synthesized, THEN the App check names both objects
    expect(() => app.synth()).toThrow("two ConfigMap objects named 'cache' in namespace 'default': 'one/cache/Config' and 'two/cache/Config' (one apply would overwrite the other; give one of them another name or namespace)");
  });

  test('fails when ids differ only in case (both derive the same name)', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    new Pattern(chart, 'Cache');
    new Pattern(chart, 'cache');
    expect(nameCollisions(app)).toEqual(["two ConfigMap objects named 'cache' in namespace 'default': 'c/Cache/Config' and 'c/cache/Config' (one apply would overwrite the other; give one of them another name or namespace)"]);
  });

  test('the same name in two namespaces, or of two kinds, is fine', () => {
    const app = Testing.app();
    new Pattern(new Chart(app, 'one', { namespace: 'a' }), 'cache');
    new Pattern(new Chart(app, 'two', { namespace: 'b' }), 'cache');
    new kplus.Secret(new Chart(app, 'three', { namespace: 'a' }), 's', { metadata: { name: 'cache' } });
    expect(() => app.synth()).not.toThrow();
  });

  test('fails when add…() is called after app.synth()', () => {
    const app = new App({ outdir: Testing.app().outdir });
    const p = new Pattern(new Chart(app, 'c'), 'p');
    p.addThing();
    app.synth();
    expect(() => p.addThing()).toThrow("Pattern 'c/p': addThing() was called after the app was synthesized; it would be missing from the YAML already written (call it before app.synth())");
  });
});
