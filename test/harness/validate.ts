/**
 * The strict tier-1 validator: every object against the Kubernetes schema of this test tree's line (1.27.1 for
 * cdk8s-plus-27, 1.34.4 for the 34 line: test/harness/line.ts, k8s-schema.ts) with unknown fields rejected, plus
 * the rules the schema misses.
 */
import { FieldType, lineSchema } from './k8s-schema';
import { harnessLine } from './line';

/** One problem found in one object. */
export interface Finding {
  /** `Kind/namespace/name` of the object. */
  readonly object: string;
  /** JSON pointer of the field. */
  readonly path: string;
  readonly message: string;
}

/**
 * Groups whose kinds are custom resources the library targets. Tier 1 checks their metadata and any pod
 * templates they embed; their schemas are checked for real in tier 2, where the CRDs are installed.
 */
export const CUSTOM_RESOURCE_GROUPS = ['keda.sh', 'monitoring.coreos.com', 'kafka.strimzi.io', 'gateway.networking.k8s.io', 'serving.knative.dev'];

/**
 * The group-versions a 1.27 API server serves by default. `kubernetes-models` also carries removed ones
 * (extensions/v1beta1, policy/v1beta1, batch/v1beta1, autoscaling/v2beta2 …) which 1.27 refuses.
 */
export const SERVED_1_27 = new Set([
  'v1', 'admissionregistration.k8s.io/v1', 'apiextensions.k8s.io/v1', 'apiregistration.k8s.io/v1', 'apps/v1',
  'authentication.k8s.io/v1', 'authorization.k8s.io/v1', 'autoscaling/v1', 'autoscaling/v2', 'batch/v1',
  'certificates.k8s.io/v1', 'coordination.k8s.io/v1', 'discovery.k8s.io/v1', 'events.k8s.io/v1',
  'flowcontrol.apiserver.k8s.io/v1beta2', 'flowcontrol.apiserver.k8s.io/v1beta3', 'networking.k8s.io/v1',
  'node.k8s.io/v1', 'policy/v1', 'rbac.authorization.k8s.io/v1', 'scheduling.k8s.io/v1', 'storage.k8s.io/v1',
]);

/**
 * The group-versions a 1.34 API server serves by default (tier 2 checks this list against the real 1.34.4
 * server's discovery). flowcontrol v1beta2/v1beta3 are gone (1.29 has v1, 1.32 removed v1beta3); resource.k8s.io/v1
 * is new (GA in 1.34). The OpenAPI document also has the beta and alpha versions that are off by default.
 */
export const SERVED_1_34 = new Set([
  'v1', 'admissionregistration.k8s.io/v1', 'apiextensions.k8s.io/v1', 'apiregistration.k8s.io/v1', 'apps/v1',
  'authentication.k8s.io/v1', 'authorization.k8s.io/v1', 'autoscaling/v1', 'autoscaling/v2', 'batch/v1',
  'certificates.k8s.io/v1', 'coordination.k8s.io/v1', 'discovery.k8s.io/v1', 'events.k8s.io/v1',
  'flowcontrol.apiserver.k8s.io/v1', 'networking.k8s.io/v1', 'node.k8s.io/v1', 'policy/v1',
  'rbac.authorization.k8s.io/v1', 'resource.k8s.io/v1', 'scheduling.k8s.io/v1', 'storage.k8s.io/v1',
]);

/** The group-versions this line's API server serves by default. */
export function servedGroupVersions(): Set<string> {
  const k8s = harnessLine().kubernetes;
  if (k8s === '1.27') return SERVED_1_27;
  if (k8s === '1.34') return SERVED_1_34;
  throw new Error(`no served group-versions for Kubernetes ${k8s} in test/harness/validate.ts`);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const IANA_SVC_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Kinds whose `metadata.name` must be a DNS-1123 label (63), not only a subdomain (253). */
const LABEL_NAMED_KINDS = new Set(['Service', 'Namespace', 'StatefulSet']);

function objectId(o: any): string {
  return `${o?.kind ?? '?'}/${o?.metadata?.namespace ?? '-'}/${o?.metadata?.name ?? '?'}`;
}

/** DNS-1123 subdomain check with its real length limit; returns an error message or undefined. */
export function checkSubdomain(value: unknown, max = 253): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return `must be a non-empty string, got ${JSON.stringify(value)}`;
  if (value.length > max) return `'${value}' is ${value.length} characters, more than ${max}`;
  if (!DNS1123_SUBDOMAIN.test(value)) return `'${value}' is not a DNS-1123 subdomain`;
  return undefined;
}

/** DNS-1123 label check (63 characters); returns an error message or undefined. */
export function checkLabel(value: unknown, max = 63): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return `must be a non-empty string, got ${JSON.stringify(value)}`;
  if (value.length > max) return `'${value}' is ${value.length} characters, more than ${max}`;
  if (!DNS1123_LABEL.test(value)) return `'${value}' is not a DNS-1123 label`;
  return undefined;
}

function checkLabelKey(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return `label key '${key}' has more than one '/'`;
  const name = parts[parts.length - 1];
  if (parts.length === 2) {
    const prefixErr = checkSubdomain(parts[0]);
    if (prefixErr) return `label key prefix ${prefixErr}`;
  }
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) return `label key '${key}' has an invalid name part`;
  return undefined;
}

function checkLabelValue(value: unknown): string | undefined {
  if (typeof value !== 'string') return `label value must be a string, got ${JSON.stringify(value)}`;
  if (value === '') return undefined;
  if (value.length > 63 || !LABEL_NAME.test(value)) return `label value '${value}' is invalid`;
  return undefined;
}

/** Reject every field that is not in the line's definition, recursively. */
function strictWalk(value: any, type: FieldType, ptr: string, out: Array<{ path: string; message: string }>) {
  if (value === null || value === undefined) return;
  switch (type.kind) {
    case 'leaf':
      return;
    case 'array':
      if (Array.isArray(value)) value.forEach((v, i) => strictWalk(v, type.of, `${ptr}/${i}`, out));
      return;
    case 'map':
      if (typeof value === 'object') for (const [k, v] of Object.entries(value)) strictWalk(v, type.of, `${ptr}/${k}`, out);
      return;
    case 'ref': {
      const fields = lineSchema().shapes()[type.name];
      if (!fields || typeof value !== 'object' || Array.isArray(value)) return;
      // Definitions with no fields are free-form (RawExtension, JSON, FieldsV1).
      if (Object.keys(fields).length === 0) return;
      for (const [k, v] of Object.entries(value)) {
        const ft = fields[k];
        if (!ft) out.push({ path: `${ptr}/${k}`, message: `unknown field '${k}'` });
        else strictWalk(v, ft, `${ptr}/${k}`, out);
      }
    }
  }
}

function walkTop(obj: any, fields: Record<string, FieldType>, out: Array<{ path: string; message: string }>) {
  for (const [k, v] of Object.entries(obj)) {
    const ft = fields[k];
    if (!ft) out.push({ path: `/${k}`, message: `unknown field '${k}'` });
    else strictWalk(v, ft, `/${k}`, out);
  }
}

/** Every pod spec inside an object (Pod, templates, CronJob's job template, and CRDs that embed one), with its pointer. */
export function podSpecsOf(obj: any): Array<{ path: string; spec: any; metadata: any }> {
  const found: Array<{ path: string; spec: any; metadata: any }> = [];
  const visit = (v: any, ptr: string) => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, `${ptr}/${i}`));
      return;
    }
    if (Array.isArray(v.containers) && ptr !== '') {
      // `v` is a PodSpec; its parent holds the pod metadata.
      found.push({ path: ptr, spec: v, metadata: undefined });
      return;
    }
    for (const [k, x] of Object.entries(v)) {
      if (k === 'spec' && x && typeof x === 'object' && Array.isArray((x as any).containers)) {
        found.push({ path: `${ptr}/spec`, spec: x, metadata: v.metadata });
      } else if (k !== 'status') {
        visit(x, `${ptr}/${k}`);
      }
    }
  };
  if (obj?.kind === 'Pod') return obj.spec ? [{ path: '/spec', spec: obj.spec, metadata: obj.metadata }] : [];
  visit(obj, '');
  return found;
}

function checkPorts(obj: any, out: Array<{ path: string; message: string }>) {
  const inRange = (p: any) => typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535;
  for (const { path: p, spec } of podSpecsOf(obj)) {
    for (const group of ['initContainers', 'containers', 'ephemeralContainers']) {
      const list: any[] = spec[group] ?? [];
      const names = new Set<string>();
      list.forEach((c, i) => {
        const cp = `${p}/${group}/${i}`;
        if (typeof c.image !== 'string' || c.image.trim() === '') out.push({ path: `${cp}/image`, message: 'container has no image' });
        else if (/:latest$/.test(c.image) || !/[:@]/.test(c.image.split('/').pop() ?? '')) out.push({ path: `${cp}/image`, message: `image '${c.image}' is not pinned to a tag or digest (or uses 'latest')` });
        const nameErr = checkLabel(c.name);
        if (nameErr) out.push({ path: `${cp}/name`, message: `container name ${nameErr}` });
        if (names.has(c.name)) out.push({ path: `${cp}/name`, message: `duplicate container name '${c.name}'` });
        names.add(c.name);
        const portNames = new Set<string>();
        (c.ports ?? []).forEach((port: any, j: number) => {
          if (!inRange(port.containerPort)) out.push({ path: `${cp}/ports/${j}/containerPort`, message: `port ${port.containerPort} is not in 1-65535` });
          if (port.hostPort !== undefined && port.hostPort !== 0 && !inRange(port.hostPort)) out.push({ path: `${cp}/ports/${j}/hostPort`, message: `port ${port.hostPort} is not in 1-65535` });
          if (port.name !== undefined) {
            if (port.name.length > 15 || !IANA_SVC_NAME.test(port.name) || !/[a-z]/.test(port.name)) out.push({ path: `${cp}/ports/${j}/name`, message: `port name '${port.name}' is not an IANA_SVC_NAME (at most 15 characters, lowercase alphanumerics and '-', at least one letter)` });
            if (portNames.has(port.name)) out.push({ path: `${cp}/ports/${j}/name`, message: `duplicate port name '${port.name}'` });
            portNames.add(port.name);
          }
        });
        // A StatefulSet's claim templates are volumes of its pods too.
        const claims: string[] = (obj.kind === 'StatefulSet' ? obj.spec?.volumeClaimTemplates ?? [] : []).map((t: any) => t.metadata?.name);
        for (const vm of c.volumeMounts ?? []) {
          if (!(spec.volumes ?? []).some((v: any) => v.name === vm.name) && !claims.includes(vm.name)) out.push({ path: `${cp}/volumeMounts`, message: `volume mount '${vm.name}' names no volume of the pod` });
        }
      });
    }
    const vnames = new Set<string>();
    (spec.volumes ?? []).forEach((v: any, i: number) => {
      const err = checkLabel(v.name);
      if (err) out.push({ path: `${p}/volumes/${i}/name`, message: `volume name ${err}` });
      if (vnames.has(v.name)) out.push({ path: `${p}/volumes/${i}/name`, message: `duplicate volume name '${v.name}'` });
      vnames.add(v.name);
    });
  }
  if (obj.kind === 'Service') {
    (obj.spec?.ports ?? []).forEach((port: any, j: number) => {
      if (!inRange(port.port)) out.push({ path: `/spec/ports/${j}/port`, message: `port ${port.port} is not in 1-65535` });
      if (typeof port.targetPort === 'number' && !inRange(port.targetPort)) out.push({ path: `/spec/ports/${j}/targetPort`, message: `port ${port.targetPort} is not in 1-65535` });
      if ((obj.spec.ports.length > 1) && !port.name) out.push({ path: `/spec/ports/${j}/name`, message: 'a Service with several ports must name each one' });
    });
  }
}

function checkMetadata(obj: any, out: Array<{ path: string; message: string }>) {
  const md = obj.metadata;
  if (!md || typeof md !== 'object') {
    out.push({ path: '/metadata', message: 'object has no metadata' });
    return;
  }
  const nameErr = LABEL_NAMED_KINDS.has(obj.kind) ? checkLabel(md.name) : checkSubdomain(md.name);
  if (nameErr) out.push({ path: '/metadata/name', message: `name ${nameErr}` });
  if (md.namespace !== undefined) {
    const nsErr = checkLabel(md.namespace);
    if (nsErr) out.push({ path: '/metadata/namespace', message: `namespace ${nsErr}` });
  }
  const labelMaps: Array<[string, any]> = [['/metadata/labels', md.labels]];
  for (const { path: p, metadata } of podSpecsOf(obj)) labelMaps.push([`${p.replace(/\/spec$/, '')}/metadata/labels`, metadata?.labels]);
  if (obj.spec?.selector?.matchLabels) labelMaps.push(['/spec/selector/matchLabels', obj.spec.selector.matchLabels]);
  if (obj.kind === 'Service' && obj.spec?.selector) labelMaps.push(['/spec/selector', obj.spec.selector]);
  for (const [p, labels] of labelMaps) {
    for (const [k, v] of Object.entries(labels ?? {})) {
      const err = checkLabelKey(k) ?? checkLabelValue(v);
      if (err) out.push({ path: `${p}/${k}`, message: err });
    }
  }
  for (const k of Object.keys(md.annotations ?? {})) {
    const err = checkLabelKey(k);
    if (err) out.push({ path: `/metadata/annotations/${k}`, message: err.replace('label key', 'annotation key') });
  }
  // A workload's selector must select its own pod template.
  const sel = obj.spec?.selector?.matchLabels;
  const tmplLabels = obj.spec?.template?.metadata?.labels;
  if (sel && obj.spec?.template) {
    for (const [k, v] of Object.entries(sel)) {
      if (tmplLabels?.[k] !== v) out.push({ path: `/spec/selector/matchLabels/${k}`, message: `selector ${k}=${v} does not match the pod template's labels` });
    }
  }
}

/** A Knative revision's pod spec is a PodSpec plus the revision's own fields (knative.dev/serving RevisionSpec). */
const KNATIVE_REVISION_FIELDS = ['containerConcurrency', 'timeoutSeconds', 'idleTimeoutSeconds', 'responseStartTimeoutSeconds'];
function withoutRevisionFields(group: string, spec: any): any {
  if (group !== 'serving.knative.dev') return spec;
  const out = { ...spec };
  for (const k of KNATIVE_REVISION_FIELDS) delete out[k];
  return out;
}

/** Validate one object; returns its findings (empty when valid). */
export function validateObject(obj: any): Finding[] {
  const id = objectId(obj);
  const out: Array<{ path: string; message: string }> = [];
  if (!obj || typeof obj !== 'object' || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
    return [{ object: id, path: '', message: 'object has no apiVersion and kind' }];
  }
  const group = obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '';
  const schema = lineSchema();
  const shape = servedGroupVersions().has(obj.apiVersion) ? schema.kindShape(obj.apiVersion, obj.kind) : undefined;
  if (shape) {
    walkTop(obj, shape, out);
    for (const err of schema.typeErrors(obj)) out.push({ path: err.instancePath, message: err.message });
  } else if (!CUSTOM_RESOURCE_GROUPS.includes(group)) {
    out.push({ path: '/kind', message: `${obj.apiVersion} ${obj.kind} is not a Kubernetes ${schema.kubernetes} kind nor a custom resource the library targets` });
  } else {
    const allowedTop = new Set(['apiVersion', 'kind', 'metadata', 'spec']);
    for (const k of Object.keys(obj)) if (!allowedTop.has(k)) out.push({ path: `/${k}`, message: `unknown field '${k}'` });
    if (obj.metadata) strictWalk(obj.metadata, { kind: 'ref', name: schema.objectMetaRef }, '/metadata', out);
    // Pod templates embedded in a custom resource are checked against the line's PodSpec.
    for (const { path: p, spec } of podSpecsOf(obj)) strictWalk(withoutRevisionFields(group, spec), { kind: 'ref', name: schema.podSpecRef }, p, out);
  }
  checkMetadata(obj, out);
  checkPorts(obj, out);
  return out.map((f) => ({ object: id, ...f }));
}

/** Validate a set of objects (one app's output): each object, plus names unique per kind+namespace. */
export function validateObjects(objs: any[]): Finding[] {
  const findings = objs.flatMap(validateObject);
  const seen = new Set<string>();
  for (const o of objs) {
    const key = `${o?.apiVersion?.split('/')[0]}|${o?.kind}|${o?.metadata?.namespace ?? ''}|${o?.metadata?.name}`;
    if (seen.has(key)) findings.push({ object: objectId(o), path: '/metadata/name', message: 'name is not unique for its kind and namespace' });
    seen.add(key);
  }
  return findings;
}
