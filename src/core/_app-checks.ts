import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { where } from './prop-error';

// Internal: checks that need the whole App, registered once per App by every construct of the library (as a
// validation of the App root, which `app.synth()` runs before it writes anything):
//   - no two objects of one kind share a namespace and a name (case-insensitively), across every chart — one apply
//     would silently overwrite the other;
//   - after the App has been synthesized, a library construct refuses `add…()` calls, which would otherwise miss
//     the YAML already written.

const STATE = Symbol.for('cdk8s-distributed-patterns/app-checks');

interface AppState {
  synthesized: boolean;
}

function stateOf(root: IConstruct): AppState | undefined {
  return (root as any)[STATE];
}

/** Registers the App checks on the root of `scope`'s tree (once per App). */
export function registerAppChecks(scope: IConstruct): void {
  const root = scope.node.root;
  if (stateOf(root)) return;
  const state: AppState = { synthesized: false };
  Object.defineProperty(root, STATE, { value: state, enumerable: false });
  root.node.addValidation({
    validate: () => {
      state.synthesized = true;
      return nameCollisions(root);
    },
  });
}

/** Throws when the App of `scope` has been synthesized: `what` (e.g. `addClient()`) would miss the written YAML. */
export function assertNotSynthesized(scope: IConstruct, what: string): void {
  if (stateOf(scope.node.root)?.synthesized) {
    throw new Error(`${where(scope)}: ${what} was called after the app was synthesized; it would be missing from the YAML already written (call it before app.synth())`);
  }
}

/** One message per pair of objects of one kind with one namespace and name (names compared case-insensitively). */
export function nameCollisions(root: IConstruct): string[] {
  const seen = new Map<string, ApiObject>();
  const errors: string[] = [];
  for (const c of root.node.findAll()) {
    if (!(c instanceof ApiObject)) continue;
    const name = nameOf(c);
    if (name === undefined) continue;
    const group = c.apiVersion.includes('/') ? c.apiVersion.split('/')[0] : '';
    const namespace = c.metadata.namespace ?? Chart.of(c).namespace ?? 'default';
    const key = `${group}|${c.kind}|${namespace}|${name.toLowerCase()}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, c);
      continue;
    }
    errors.push(`two ${c.kind} objects named '${name}' in namespace '${namespace}': '${pathOf(first)}' and '${pathOf(c)}' (one apply would overwrite the other; give one of them another name or namespace)`);
  }
  return errors;
}

/** The path a user recognises: a cdk8s-plus object's, not that of its inner L1 (`…/Resource`). */
function pathOf(obj: ApiObject): string {
  return obj.node.path.replace(/\/Resource$/, '');
}

function nameOf(obj: ApiObject): string | undefined {
  const name = obj.name;
  if (typeof name === 'string' && !name.includes('${Token[')) return name;
  // A name produced lazily (e.g. a hash of the Job's content): resolve the object once.
  const resolved = obj.toJson()?.metadata?.name;
  return typeof resolved === 'string' ? resolved : undefined;
}
