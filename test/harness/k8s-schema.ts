/**
 * The Kubernetes 1.27.1 object shapes, for the strict validator.
 *
 * `kubernetes-models` 4.4 carries the 1.27.1 OpenAPI schema twice: as precompiled ajv validators (types,
 * required fields, formats — but, like the OpenAPI it came from, they accept unknown fields) and as `.d.ts`
 * interfaces (every field of every definition). We read the interfaces with the TypeScript compiler to learn the
 * set of known fields of each definition — the `additionalProperties: false` the OpenAPI lacks — and run the
 * precompiled validators for everything else.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

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

/** The shape map, parsed once per machine (cached in the OS temp dir by package version). */
export function shapes(): ShapeMap {
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

/** The shape of a built-in top-level kind, or undefined when 1.27 has no such apiVersion/kind. */
export function kindShape(apiVersion: string, kind: string): Record<string, FieldType> | undefined {
  return shapes()[`file:kubernetes-models/${modelPath(apiVersion, kind)}`];
}
