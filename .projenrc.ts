import * as fs from 'fs';
import { cdk8s, javascript } from 'projen';

// The one place that defines package.json, tasks, tsconfig, eslint and the jsii targets.
// Edit this file and run `npx projen`; never edit the generated files by hand.

const CDK8S_VERSION = '2.70.106';
const CONSTRUCTS_VERSION = '10.8.1';
const CDK8S_PLUS_VERSION = '2.9.5';
// The current line (lines/lines.json, scripts/line.ts): the same src/ built against cdk8s-plus-34.
const CDK8S_PLUS_34_VERSION = '2.0.54';

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-distributed-patterns',
  description:
    "The patterns of Brendan Burns' Designing Distributed Systems as typed cdk8s constructs whose manifests run the real images, proven against the real daemons and a real kube-apiserver.",
  author: 'cdk8s-distributed-patterns maintainers',
  authorAddress: 'maintainers@users.noreply.h-seed-796836d3.example',
  repositoryUrl: 'https://github.com/maintainers/cdk8s-distributed-patterns.git',
  defaultReleaseBranch: 'main',
  keywords: ['cdk8s', 'kubernetes', 'distributed-systems', 'sidecar', 'ambassador', 'sharding', 'twemproxy', 'kafka'],
  license: 'Apache-2.0',
  stability: 'experimental',

  cdk8sVersion: CDK8S_VERSION,
  minNodeVersion: '20.0.0',
  // The toolchain runs on Node 24 LTS (scripts/node.sh); the release workflow too.
  workflowNodeVersion: '24.x',
  constructsVersion: CONSTRUCTS_VERSION,
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,

  peerDeps: [`cdk8s-plus-27@^${CDK8S_PLUS_VERSION}`],
  devDeps: [
    `cdk8s-plus-27@${CDK8S_PLUS_VERSION}`,
    // The strict tier-1 validator: the Kubernetes 1.27.1 OpenAPI schema as JSON, compiled by ajv.
    'kubernetes-models@4.4.2',
    // The current line (lines/lines.json): its copy of src/ is built against cdk8s-plus-34 (scripts/line.ts). Its
    // tier-1 schema is the 1.34.4 OpenAPI document itself (lines/schemas/), not kubernetes-models 5.x, which is
    // generated from Kubernetes 1.36.0 (test/harness/k8s-schema.ts).
    `cdk8s-plus-34@${CDK8S_PLUS_34_VERSION}`,
    // bench/hashing.bench.ts: the npm consistent-hash ring the model's build and lookup are measured against.
    'hashring@3.2.0',
    'ajv@^8',
    'ajv-formats@^3',
    'yaml@^2',
    '@types/node@^20',
  ],

  // jsii targets: JavaScript (implicit) and Python. Java and Go do not package on this machine: Maven Central has
  // no org.cdk8s:cdk8s-plus-27 (404) and its newest org.cdk8s:cdk8s is 2.70.47, and the Go module proxy answers
  // 403 "not available" for github.com/cdk8s-team/cdk8s-core-go and cdk8s-plus-go (see README, "Languages").
  publishToPypi: {
    distName: 'cdk8s-distributed-patterns',
    module: 'cdk8s_distributed_patterns',
  },
  // CI is .ci/run on our own machine (no build workflow). Releases: projen's release workflow publishes to npm and
  // PyPI from semantic versions (0.x: the API may still change between minors); the first release is 0.1.0.
  github: true,
  githubOptions: { pullRequestLint: false },
  release: true,
  releaseToNpm: true,
  majorVersion: 0,
  nextVersionCommand: 'bash scripts/next-version.sh',
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,

  jestOptions: {
    // A snapshot mismatch or a missing snapshot fails the test task; `test:update-snapshots` updates on purpose.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      // lines/<line>/ are the generated copies of the other lines (their own jest config: lines/jest.config.js).
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/real/', '<rootDir>/lines/'],
      modulePathIgnorePatterns: ['<rootDir>/lines/'],
      testTimeout: 30_000,
    },
  },
  tsconfigDev: {
    include: ['../examples/**/*.ts', '../scripts/**/*.ts', '../bench/**/*.ts', '../lines/adapters/**/*.ts'],
    compilerOptions: {},
  },
  // lines/<line>/: the generated package of each other cdk8s-plus line (scripts/line.ts).
  gitignore: ['/.tools/', '/test-reports/', '/dist/', '/.venv-pyproof/', 'dump.rdb', '/lines/[0-9]*/', '__pycache__/'],
  npmIgnoreOptions: { ignorePatterns: ['/examples/', '/scripts/', '/.ci/', '/tools/', '/bench/', '/docs/', '/lines/', '/API.python.md', '!/lib/runtime/programs/**'] },
});

// Programs that run in pods are real files under src/runtime/programs/ (read at synthesis, see
// src/runtime/_programs.ts): the compile task copies them next to the compiled library, byte for byte, and the
// test task type-checks the JavaScript ones; `lint:runtime` (needs the Debian tools) lints the sh and Lua ones.
project.compileTask.exec('node scripts/copy-runtime-programs.js');
const typecheckRuntime = project.addTask('typecheck:runtime', {
  description: 'Type-check the JavaScript programs that run in pods (// @ts-check, Node built-ins only)',
  exec: 'tsc -p test/runtime/typecheck/tsconfig.json',
});
project.testTask.prependSpawn(typecheckRuntime);
project.addTask('lint:runtime', {
  description: 'Lint the sh (shellcheck, POSIX) and Lua (luac -p) programs that run in pods',
  exec: 'bash scripts/lint-runtime.sh',
});

// Snapshots are updated only on purpose, by this task, in a commit that says why.
// (projen's own `test:update` task runs `jest --updateSnapshot`.)

// Synthesize every app under examples/ into dist/examples/<name>.k8s.yaml (deterministic).
project.addTask('examples', {
  description: 'Synthesize every examples/* app into dist/examples/*.k8s.yaml',
  exec: 'ts-node --project test/tsconfig.json scripts/synth-examples.ts',
});

// Benchmarks (not timed tests): every bench/*.bench.ts, each printing a table.
project.addTask('bench', {
  description: 'Run the benchmarks in bench/ and print their tables',
  exec: 'bash scripts/bench.sh',
  env: { TS_NODE_PROJECT: 'test/tsconfig.json' },
});

// Tier 2: the real daemons, a real kube-apiserver, a real Kafka broker (tools from scripts/install-test-tools.sh).
project.addTask('install-test-tools', {
  description: 'Install (once, cached under .tools/) the tier-2 tools',
  exec: 'bash scripts/install-test-tools.sh',
});
project.addTask('test:real', {
  description: 'Tier-2 suites: generated configs fed to the real daemons, examples applied to a real kube-apiserver',
  exec: 'jest --config test/real/jest.config.js --ci --runInBand',
  receiveArgs: true,
});

// One source, one package per cdk8s-plus line (docs/LINES.md): every line of lines/lines.json but the main one is
// generated from the same src/ into lines/<line>/ by scripts/line.ts, with its adapter (lines/adapters/<line>.ts).
const LINE_SCRIPT = 'ts-node --project test/tsconfig.json scripts/line.ts';
const lines = Object.keys(JSON.parse(fs.readFileSync('lines/lines.json', 'utf8'))).filter((k) => /^[0-9]+$/.test(k));
for (const line of lines) {
  project.addTask(`line:${line}:build`, {
    description: `Generate the ${line} line's copy of src/ (lines/${line}/), type-check it with its tests and examples, jsii-compile it`,
    exec: `${LINE_SCRIPT} build ${line}`,
  });
  project.addTask(`line:${line}:package`, {
    description: `The ${line} line's JavaScript and Python packages (lines/${line}/dist/js, lines/${line}/dist/python)`,
    exec: `${LINE_SCRIPT} package ${line}`,
  });
  project.addTask(`line:${line}:examples`, {
    description: `Synthesize the ${line} line's examples twice into lines/${line}/dist/examples/ (byte-identical)`,
    exec: `${LINE_SCRIPT} examples ${line}`,
  });
  project.addTask(`line:${line}:test`, {
    description: `Tier 1 of the ${line} line: the tests against its copy, its Kubernetes schema and its snapshots (lines/snapshots/${line}/; -u to update)`,
    exec: `${LINE_SCRIPT} test ${line}`,
    receiveArgs: true,
  });
  project.addTask(`line:${line}:snapshot-diff`, {
    description: `Compare the ${line} line's snapshots with the main line's: only the differences lines/lines.json lists`,
    exec: `${LINE_SCRIPT} snapshot-diff ${line}`,
  });
  project.addTask(`line:${line}:schema`, {
    description: `Write lines/schemas/ for the ${line} line from its Kubernetes release's OpenAPI document (kept by install-test-tools)`,
    exec: `${LINE_SCRIPT} schema ${line}`,
    receiveArgs: true,
  });
}

// The adapters are source too (the test task lints them with src/).
project.eslint?.addLintPattern('lines/adapters');
// An adapter imports its line's cdk8s-plus, a peer dependency of that line's package (a devDependency here).
project.eslint?.addOverride({ files: ['lines/adapters/**'], rules: { 'import/no-extraneous-dependencies': 'off' } });

// `build` packages JavaScript and Python everywhere (projen's default packages only JavaScript when CI is set).
const pkg = project.tasks.tryFind('package')!;
pkg.reset();
pkg.spawn(project.tasks.tryFind('package:js')!);
pkg.spawn(project.tasks.tryFind('package:python')!);

// The API reference in Python names too (jsii-docgen renders per language): API.python.md beside API.md.
project.tasks.tryFind('docgen')!.exec('jsii-docgen -l python -o API.python.md');

project.synth();
