// Synthesizes every app examples/<name>.ts into dist/examples/<name>.k8s.yaml.
// Each example exports `buildApp(): App`. Output is deterministic: the same sources give the same bytes.
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'dist', 'examples');

export function exampleNames(): string[] {
  const dir = path.join(root, 'examples');
  return fs.readdirSync(dir).filter((n) => n.endsWith('.ts') && !n.endsWith('.d.ts')).map((n) => n.replace(/\.ts$/, '')).sort();
}

export function synthExample(name: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(root, 'examples', `${name}.ts`));
  if (typeof mod.buildApp !== 'function') throw new Error(`examples/${name}.ts does not export buildApp()`);
  return mod.buildApp().synthYaml();
}

if (require.main === module) {
  fs.mkdirSync(outDir, { recursive: true });
  for (const name of exampleNames()) {
    const file = path.join(outDir, `${name}.k8s.yaml`);
    fs.writeFileSync(file, synthExample(name));
    console.log(`${path.relative(root, file)} (${fs.statSync(file).size} bytes)`);
  }
}
