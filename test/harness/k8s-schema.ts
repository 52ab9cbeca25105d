/**
 * The Kubernetes object shapes, for the strict validator, per cdk8s-plus line (test/harness/line.ts).
 *
 * The 27 line (Kubernetes 1.27.1): `kubernetes-models` 4.4 carries the 1.27.1 OpenAPI schema twice: as precompiled
 * ajv validators (types, required fields, formats — but, like the OpenAPI it came from, they accept unknown fields)
 * and as `.d.ts` interfaces (every field of every definition). We read the interfaces with the TypeScript compiler
 * to learn the set of known fields of each definition — the `additionalProperties: false` the OpenAPI lacks — and
 * run the precompiled validators for everything else.
 *
 * A generated line (34: Kubernetes 1.34.4): the definitions of that exact release's OpenAPI document
 * (k8s.io/kubernetes api/openapi-spec/swagger.json, from the Go module; committed without descriptions under
 * lines/schemas/ by `npx projen line:34:schema`, and proven equal to the module's in tier 2). No npm package
 * carries the 1.34 schema: kubernetes-models 5.x is generated from Kubernetes 1.36.0 (merged with older releases
 * for removed APIs), so it would accept 1.35 and 1.36 fields. The known fields of each definition come from its
 * `properties`, and ajv checks types, required fields and formats against the same definitions.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import * as ts from 'typescript';
import { harnessLine } from './line';

/** A field's type, as far as strictness needs it. */
export type FieldType =
  | { readonly kind: 'ref'; readonly name: string }
  | { readonly kind: 'array'; readonly of: FieldType }
  | { readonly kind: 'map'; readonly of: FieldType }
  | { readonly kind: 'leaf' };

/** Definition name (e.g. `IIoK8sApiAppsV1DeploymentSpec`) → field name → type. */
export type ShapeMap = Record<string, Record<string, FieldType>>;

const MODEL_ROOTS = ['kubernetes-models', '@kubernetes-models/apimachinery'];

function packageDir(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}

function listDts(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules' && e.name !== '_schemas') listDts(p, out);
    else if (e.isFile() && e.name.endsWith('.d.ts') && e.name !== 'index.d.ts') out.push(p);
  }
  return out;
}

function typeOf(node: ts.TypeNode | undefined): FieldType {
  if (!node) return { kind: 'leaf' };
  if (ts.isTypeReferenceNode(node)) {
    const name = node.typeName.getText();
    if (name === 'Array' && node.typeArguments?.length === 1) return { kind: 'array', of: typeOf(node.typeArguments[0]) };
    if (/^I[A-Z]/.test(name)) return { kind: 'ref', name };
    return { kind: 'leaf' };
  }
  if (ts.isArrayTypeNode(node)) return { kind: 'array', of: typeOf(node.elementType) };
  if (ts.isTypeLiteralNode(node)) {
    const index = node.members.find(ts.isIndexSignatureDeclaration);
    if (index) return { kind: 'map', of: typeOf(index.type) };
  }
  return { kind: 'leaf' };
}

function parseAll(): ShapeMap {
  const all: ShapeMap = {};
  for (const root of MODEL_ROOTS) {
    for (const file of listDts(packageDir(root))) {
      const src = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const local: Record<string, Record<string, FieldType>> = {};
      const aliases: Record<string, string> = {};
      for (const st of src.statements) {
        if (ts.isInterfaceDeclaration(st)) {
          const fields: Record<string, FieldType> = {};
          for (const m of st.members) {
            if (ts.isPropertySignature(m) && m.name) {
              fields[m.name.getText().replace(/^"|"$/g, '')] = typeOf(m.type);
            }
          }
          local[st.name.text] = fields;
        } else if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause)) {
          for (const el of st.exportClause.elements) {
            if (el.propertyName) aliases[el.propertyName.getText()] = el.name.text;
          }
        }
      }
      for (const [name, fields] of Object.entries(local)) {
        all[aliases[name] ?? name] = fields;
      }
      // The top-level kinds (Deployment, Pod…) are reached through their file, not a full name.
      const rel = path.relative(packageDir(root), file).replace(/\.d\.ts$/, '');
      const top = Object.keys(local)[0];
      if (top) all[`file:${root}/${rel}`] = local[top];
    }
  }
  return all;
}

let cached: ShapeMap | undefined;

/** The 1.27 shape map, parsed once per machine (cached in the OS temp dir by package version). */
function modelShapes(): ShapeMap {
  if (cached) return cached;
  const version = JSON.parse(fs.readFileSync(path.join(packageDir('kubernetes-models'), 'package.json'), 'utf8')).version;
  const cacheFile = path.join(os.tmpdir(), `cdk8s-dp-k8s-shapes-${version}-v1.json`);
  if (fs.existsSync(cacheFile)) {
    cached = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as ShapeMap;
    return cached;
  }
  cached = parseAll();
  const tmp = `${cacheFile}.${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(cached));
  fs.renameSync(tmp, cacheFile);
  return cached;
}

/** The `kubernetes-models` module path of a built-in kind (`apps/v1` + `Deployment` → `apps/v1/Deployment`). */
export function modelPath(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

/** The shape of a built-in top-level kind, or undefined when this line's Kubernetes has no such apiVersion/kind. */
export function kindShape(apiVersion: string, kind: string): Record<string, FieldType> | undefined {
  return lineSchema().kindShape(apiVersion, kind);
}

/** The shape map of this line's Kubernetes (definition name → field name → type). */
export function shapes(): ShapeMap {
  return lineSchema().shapes();
}

/** One type error (required field, type, format) of an object against its kind's schema. */
export interface TypeError {
  readonly instancePath: string;
  readonly message: string;
}

/** A line's schema, as the validator uses it. */
export interface LineSchema {
  /** `1.27`, `1.34`. */
  readonly kubernetes: string;
  /** The definition names of a PodSpec and an ObjectMeta in `shapes()`. */
  readonly podSpecRef: string;
  readonly objectMetaRef: string;
  shapes(): ShapeMap;
  kindShape(apiVersion: string, kind: string): Record<string, FieldType> | undefined;
  /** Types, required fields and formats of a built-in object (whose kind `kindShape` knows). */
  typeErrors(obj: any): TypeError[];
}

/** The 27 line: kubernetes-models 4.4.2 (see the module comment). */
const MODELS_1_27: LineSchema = {
  kubernetes: '1.27',
  podSpecRef: 'IIoK8sApiCoreV1PodSpec',
  objectMetaRef: 'IIoK8sApimachineryPkgApisMetaV1ObjectMeta',
  shapes: modelShapes,
  kindShape: (apiVersion, kind) => modelShapes()[`file:kubernetes-models/${modelPath(apiVersion, kind)}`],
  typeErrors: (obj) => {
    let Model: any;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      Model = require(`kubernetes-models/${modelPath(obj.apiVersion, obj.kind)}`)[obj.kind];
    } catch {
      return [];
    }
    try {
      new Model(obj).validate();
      return [];
    } catch (e: any) {
      return (e.errors ?? [{ instancePath: '', message: String(e.message ?? e) }]).map((err: any) => ({
        instancePath: err.instancePath ?? '',
        message: `${err.message}${err.params ? ` ${JSON.stringify(err.params)}` : ''}`,
      }));
    }
  },
};

/** The committed schema of a generated line: an OpenAPI v2 document's definitions (lines/schemas/*.json). */
export interface OpenApiSchemaFile {
  readonly kubernetesVersion: string;
  readonly definitions: Record<string, any>;
}

/**
 * An OpenAPI document's definitions as the schema file keeps them: every documentation `description` (a string)
 * removed, nothing else changed. Used to write lines/schemas/ and, in tier 2, to prove them equal to the release's.
 */
export function compactDefinitions(definitions: Record<string, any>): Record<string, any> {
  const strip = (v: any): any => {
    if (Array.isArray(v)) return v.map(strip);
    if (!v || typeof v !== 'object') return v;
    const out: Record<string, any> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'description' && typeof x === 'string') continue;
      out[k] = strip(x);
    }
    return out;
  };
  return strip(definitions);
}

function openApiFieldType(p: any): FieldType {
  if (!p || typeof p !== 'object') return { kind: 'leaf' };
  if (typeof p.$ref === 'string') return { kind: 'ref', name: p.$ref.replace(/^#\/definitions\//, '') };
  if (p.type === 'array') return { kind: 'array', of: openApiFieldType(p.items) };
  if (p.type === 'object' && p.additionalProperties && typeof p.additionalProperties === 'object') {
    return { kind: 'map', of: openApiFieldType(p.additionalProperties) };
  }
  return { kind: 'leaf' };
}

/** A generated line's schema, from its OpenAPI definitions (see the module comment). */
export function openApiSchema(file: OpenApiSchemaFile): LineSchema {
  const defs = file.definitions;
  const shapeMap: ShapeMap = {};
  const kinds = new Map<string, string>();
  for (const [name, d] of Object.entries(defs)) {
    const fields: Record<string, FieldType> = {};
    for (const [f, p] of Object.entries<any>(d.properties ?? {})) fields[f] = openApiFieldType(p);
    shapeMap[name] = fields;
    for (const gvk of d['x-kubernetes-group-version-kind'] ?? []) {
      kinds.set(`${gvk.group ? `${gvk.group}/` : ''}${gvk.version}|${gvk.kind}`, name);
    }
  }
  // The wire forms the OpenAPI document names only by format: an IntOrString is an integer or a string, a
  // Quantity a string or a number (as cdk8s writes both).
  const patched = {
    ...defs,
    'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { anyOf: [{ type: 'string' }, { type: 'integer' }] },
    'io.k8s.apimachinery.pkg.api.resource.Quantity': { anyOf: [{ type: 'string' }, { type: 'number' }] },
  };
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  // The OpenAPI formats (the ajv-formats ones are not needed for what the library writes: names and quantities
  // are checked by the rules in validate.ts).
  for (const f of ['int32', 'int64', 'double', 'float', 'byte', 'date-time', 'int-or-string', 'date', 'uri', 'email', 'password']) {
    ajv.addFormat(f, true);
  }
  ajv.addSchema({ $id: 'k8s', definitions: patched });
  const validators = new Map<string, ValidateFunction>();
  const kindShapeOf = (apiVersion: string, kind: string) => {
    const name = kinds.get(`${apiVersion}|${kind}`);
    return name ? shapeMap[name] : undefined;
  };
  return {
    kubernetes: file.kubernetesVersion.split('.').slice(0, 2).join('.'),
    podSpecRef: 'io.k8s.api.core.v1.PodSpec',
    objectMetaRef: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    shapes: () => shapeMap,
    kindShape: kindShapeOf,
    typeErrors: (obj) => {
      const name = kinds.get(`${obj.apiVersion}|${obj.kind}`);
      if (!name) return [];
      let v = validators.get(name);
      if (!v) {
        v = ajv.getSchema(`k8s#/definitions/${name}`)!;
        validators.set(name, v);
      }
      if (v(obj)) return [];
      return (v.errors ?? []).map((err) => ({
        instancePath: err.instancePath ?? '',
        message: `${err.message}${err.params ? ` ${JSON.stringify(err.params)}` : ''}`,
      }));
    },
  };
}

let lineSchemaCache: LineSchema | undefined;

/** The schema of this test tree's line (test/harness/line.ts). */
export function lineSchema(): LineSchema {
  if (lineSchemaCache) return lineSchemaCache;
  const line = harnessLine();
  if (!line.schema) {
    lineSchemaCache = MODELS_1_27;
  } else {
    if (!fs.existsSync(line.schema)) throw new Error(`the ${line.id} line's schema ${line.schema} is missing (npx projen line:${line.id}:schema)`);
    const file = JSON.parse(fs.readFileSync(line.schema, 'utf8')) as OpenApiSchemaFile;
    if (!file.kubernetesVersion.startsWith(`${line.kubernetes}.`)) {
      throw new Error(`${line.schema} is Kubernetes ${file.kubernetesVersion}, but the ${line.id} line is ${line.kubernetes}`);
    }
    lineSchemaCache = openApiSchema(file);
  }
  return lineSchemaCache;
}
