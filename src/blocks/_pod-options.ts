import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { isLabelKey, isLabelValue } from '../core/_syntax';
import { ResourceNames } from '../core/names';
import { PodOptions } from '../core/pod-options';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';

// Internal: `PodOptions` checked once per construct and applied to every pod template it makes. Every field is a
// JSON patch on the pod spec (cdk8s-plus-27 has no setter for most of them after construction), in the L1 shape:
// the L1 object maps patched fields through its typed converters, so the user's `kplus.k8s.*` structs are written
// exactly as the API spells them.

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const OPERATORS = ['Exists', 'Equal'];
const WHEN_UNSATISFIABLE = ['DoNotSchedule', 'ScheduleAnyway'];

const POD_OPTION_FIELDS = ['imagePullSecrets', 'serviceAccount', 'automountServiceAccountToken', 'nodeSelector', 'tolerations', 'affinity',
  'topologySpreadConstraints', 'priorityClassName', 'labels', 'annotations'];

/** Label keys the library owns on every pod: pod options may not set them. */
const OWNED_LABEL_PREFIX = 'app.kubernetes.io/';

/**
 * Checks `options` (given as the construct prop `prop`) and returns them. Every message names the construct, the
 * field and the value.
 */
export function checkPodOptions(scope: IConstruct, prop: string, options: PodOptions | undefined): PodOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw propError(scope, prop, 'a PodOptions object', options);
  const at = (field: string) => `${prop}.${field}`;
  // A misspelt field (`nodeselector`) would otherwise be dropped without a word.
  for (const key of Object.keys(options)) {
    if (!POD_OPTION_FIELDS.includes(key)) throw propError(scope, prop, `a PodOptions object with fields among ${POD_OPTION_FIELDS.map((f) => `'${f}'`).join(', ')}`, key);
  }
  (options.imagePullSecrets ?? []).forEach((s, i) => {
    const name = (s as any)?.name;
    if (!ResourceNames.isDnsSubdomain(name)) throw propError(scope, at(`imagePullSecrets[${i}]`), 'a Secret (kplus.Secret.fromSecretName(...)) whose name is a DNS-1123 subdomain', name ?? s);
  });
  const sa = options.serviceAccount;
  if (sa !== undefined && !ResourceNames.isDnsSubdomain((sa as any)?.name)) {
    throw propError(scope, at('serviceAccount'), 'a ServiceAccount (kplus.ServiceAccount.fromServiceAccountName(...)) whose name is a DNS-1123 subdomain', (sa as any)?.name ?? sa);
  }
  if (options.automountServiceAccountToken === true && sa === undefined) {
    throw propError(scope, at('automountServiceAccountToken'), 'false or unset without \'serviceAccount\' (a token is mounted only for a ServiceAccount you name)', true);
  }
  checkLabels(scope, at('nodeSelector'), options.nodeSelector, false);
  (options.tolerations ?? []).forEach((t, i) => checkToleration(scope, at(`tolerations[${i}]`), t));
  (options.topologySpreadConstraints ?? []).forEach((c, i) => {
    const p = at(`topologySpreadConstraints[${i}]`);
    if (!Number.isInteger(c?.maxSkew) || c.maxSkew < 1) throw propError(scope, `${p}.maxSkew`, 'an integer of at least 1', c?.maxSkew);
    if (!isLabelKey(c.topologyKey)) throw propError(scope, `${p}.topologyKey`, 'a node label key (e.g. \'topology.kubernetes.io/zone\')', c.topologyKey);
    if (!WHEN_UNSATISFIABLE.includes(c.whenUnsatisfiable)) throw propError(scope, `${p}.whenUnsatisfiable`, `one of ${WHEN_UNSATISFIABLE.map((w) => `'${w}'`).join(', ')}`, c.whenUnsatisfiable);
  });
  if (options.priorityClassName !== undefined && !ResourceNames.isDnsSubdomain(options.priorityClassName)) {
    throw propError(scope, at('priorityClassName'), 'a PriorityClass name (a DNS-1123 subdomain)', options.priorityClassName);
  }
  checkLabels(scope, at('labels'), options.labels, true);
  for (const key of Object.keys(options.annotations ?? {})) {
    if (!isLabelKey(key)) throw propError(scope, at('annotations'), 'annotation keys of the form [prefix/]name (name: at most 63 alphanumerics, \'-\', \'_\', \'.\')', key);
    const v = options.annotations![key];
    if (typeof v !== 'string') throw propError(scope, at(`annotations.${key}`), 'a string', v);
  }
  return options;
}

function checkLabels(scope: IConstruct, prop: string, labels: { [key: string]: string } | undefined, podLabels: boolean) {
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (!isLabelKey(key)) throw propError(scope, prop, 'label keys of the form [prefix/]name (name: at most 63 alphanumerics, \'-\', \'_\', \'.\')', key);
    if (podLabels && key.startsWith(OWNED_LABEL_PREFIX)) {
      throw propError(scope, prop, `free of '${OWNED_LABEL_PREFIX}*' keys (the library sets them on every pod; set 'partOf' for app.kubernetes.io/part-of)`, key);
    }
    if (!isLabelValue(value)) throw propError(scope, `${prop}.${key}`, 'a label value (at most 63 characters: alphanumerics, \'-\', \'_\' and \'.\', starting and ending with an alphanumeric)', value);
  }
}

function checkToleration(scope: IConstruct, prop: string, t: kplus.k8s.Toleration) {
  if (t === null || typeof t !== 'object') throw propError(scope, prop, 'a toleration ({ key, operator, value, effect })', t);
  if (t.operator !== undefined && !OPERATORS.includes(t.operator)) throw propError(scope, `${prop}.operator`, `one of ${OPERATORS.map((o) => `'${o}'`).join(', ')}`, t.operator);
  if (t.effect !== undefined && !EFFECTS.includes(t.effect)) throw propError(scope, `${prop}.effect`, `one of ${EFFECTS.map((e) => `'${e}'`).join(', ')} (or unset: every effect)`, t.effect);
  if (t.key !== undefined && !isLabelKey(t.key)) throw propError(scope, `${prop}.key`, 'a taint key of the form [prefix/]name', t.key);
  if (t.key === undefined && t.operator !== 'Exists') throw propError(scope, `${prop}.operator`, '\'Exists\' when no key is given (an empty key tolerates every taint only with Exists)', t.operator);
  if (t.operator === 'Exists' && t.value !== undefined) throw propError(scope, `${prop}.value`, 'unset with operator \'Exists\'', t.value);
  if (t.value !== undefined && !isLabelValue(t.value)) throw propError(scope, `${prop}.value`, 'a label value', t.value);
  if (t.tolerationSeconds !== undefined) {
    if (t.effect !== 'NoExecute') throw propError(scope, `${prop}.tolerationSeconds`, 'unset unless the effect is \'NoExecute\'', t.tolerationSeconds);
    if (!Number.isInteger(t.tolerationSeconds) || t.tolerationSeconds < 0) throw propError(scope, `${prop}.tolerationSeconds`, 'a whole number of seconds of at least 0', t.tolerationSeconds);
  }
}

/**
 * Applies checked pod options to a workload the library made (Deployment, StatefulSet, Job, CronJob): pod labels
 * and annotations through the L2, everything else as JSON patches on the pod spec. `spread` says whether the
 * library spread the workload itself (then a `topologySpreadConstraints` option replaces that spread).
 */
export function applyPodOptions(workload: kplus.Workload, options: PodOptions): void {
  for (const [k, v] of Object.entries(options.labels ?? {})) workload.podMetadata.addLabel(k, v);
  for (const [k, v] of Object.entries(options.annotations ?? {})) workload.podMetadata.addAnnotation(k, v);
  const obj = ApiObject.of(workload);
  const spec = RestrictedSecurity.podSpecPointer(obj.kind);
  for (const [field, value] of podSpecFields(options)) obj.addJsonPatch(JsonPatch.add(`${spec}/${field}`, value));
}

/**
 * Applies checked pod options to a pod template given as API JSON (e.g. the `jobTargetRef.template` of a KEDA
 * ScaledJob, which no L1 converts): labels and annotations into its metadata, the rest into its spec.
 */
export function applyPodOptionsToTemplate(template: { metadata?: any; spec: any }, options: PodOptions): void {
  if (options.labels || options.annotations) {
    template.metadata = template.metadata ?? {};
    if (options.labels) template.metadata.labels = { ...template.metadata.labels, ...options.labels };
    if (options.annotations) template.metadata.annotations = { ...template.metadata.annotations, ...options.annotations };
  }
  for (const [field, value] of podSpecFields(options, true)) template.spec[field] = value;
}

/** The pod spec fields the options set, in a fixed order; `api` converts the L1 structs to the API's JSON. */
function podSpecFields(o: PodOptions, api = false): Array<[string, any]> {
  const out: Array<[string, any]> = [];
  if (o.imagePullSecrets?.length) out.push(['imagePullSecrets', o.imagePullSecrets.map((s) => ({ name: s.name }))]);
  if (o.serviceAccount) {
    out.push(['serviceAccountName', o.serviceAccount.name]);
    out.push(['automountServiceAccountToken', o.automountServiceAccountToken ?? false]);
  }
  if (o.nodeSelector && Object.keys(o.nodeSelector).length > 0) out.push(['nodeSelector', sorted(o.nodeSelector)]);
  if (o.tolerations?.length) out.push(['tolerations', api ? o.tolerations.map((t) => kplus.k8s.toJson_Toleration(t)) : o.tolerations]);
  if (o.affinity) out.push(['affinity', api ? kplus.k8s.toJson_Affinity(o.affinity) : o.affinity]);
  if (o.topologySpreadConstraints !== undefined) {
    out.push(['topologySpreadConstraints', api ? o.topologySpreadConstraints.map((c) => kplus.k8s.toJson_TopologySpreadConstraint(c)) : o.topologySpreadConstraints]);
  }
  if (o.priorityClassName) out.push(['priorityClassName', o.priorityClassName]);
  return out;
}

function sorted(m: { [key: string]: string }): { [key: string]: string } {
  const out: { [key: string]: string } = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k];
  return out;
}
