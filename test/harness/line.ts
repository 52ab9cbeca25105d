/**
 * Which cdk8s-plus line this test tree validates. The main tree (test/) is the cdk8s-plus-27 line (Kubernetes
 * 1.27). A generated line (scripts/line.ts) copies test/ to lines/<line>/test/ and writes lines/<line>/line.json,
 * which this module reads: so the same harness picks that line's Kubernetes schema and Pod Security version.
 * `CDK8S_DP_LINE` (set by `npx projen line:<line>:test`) must agree with the tree, so that a run never validates
 * one line's objects against another line's schema.
 */
import * as fs from 'fs';
import * as path from 'path';

/** A line, as the harness needs it. */
export interface HarnessLine {
  /** `27`, `34`. */
  readonly id: string;
  /** `1.27`, `1.34`: the Kubernetes minor of the line (the schema, the Pod Security version). */
  readonly kubernetes: string;
  /** The patch release whose OpenAPI the line's schema is (generated lines). */
  readonly kubernetesVersion?: string;
  /** The cdk8s-plus package of the line. */
  readonly cdk8sPlus: string;
  /** The library's npm package for the line. */
  readonly packageName: string;
  /** The line's schema file (lines/schemas/…), absolute; undefined for the 27 line (kubernetes-models 4.4.2). */
  readonly schema?: string;
  /** The repository root (the main tree), absolute. */
  readonly repoRoot: string;
}

const MAIN: HarnessLine = {
  id: '27',
  kubernetes: '1.27',
  cdk8sPlus: 'cdk8s-plus-27',
  packageName: 'cdk8s-distributed-patterns',
  repoRoot: path.resolve(__dirname, '..', '..'),
};

let cached: HarnessLine | undefined;

/** The line of this test tree (see the module comment). */
export function harnessLine(): HarnessLine {
  if (cached) return cached;
  const file = path.join(__dirname, '..', '..', 'line.json');
  const line: HarnessLine = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : MAIN;
  const asked = process.env.CDK8S_DP_LINE;
  if (asked && asked !== line.id) {
    throw new Error(`CDK8S_DP_LINE=${asked}, but this test tree (${path.resolve(__dirname, '..')}) is the ${line.cdk8sPlus} line (${line.id}): `
      + `run the ${asked} line's tests with 'npx projen line:${asked}:test'`);
  }
  cached = line;
  return line;
}

/** The pod's containers by name in start order: native sidecars (init containers that keep running) first. */
export function runningContainerNames(spec: any): string[] {
  return [...(spec.initContainers ?? []).filter((c: any) => c.restartPolicy === 'Always'), ...(spec.containers ?? [])].map((c: any) => c.name);
}
