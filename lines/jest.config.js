// Tier-1 jest config of a generated line (scripts/line.ts test <line>, `npx projen line:<line>:test`): the tests
// copied to lines/<line>/test/ run against the copy of src/ built on the line's cdk8s-plus, through the same harness,
// which validates against the line's Kubernetes schema (test/harness/line.ts). Snapshots are the line's own,
// committed under lines/snapshots/<line>/ (snapshot-resolver.js); like the main test task, a mismatch or a missing
// snapshot fails (--ci), and only an explicit `-u` writes them.
'use strict';
const fs = require('fs');
const path = require('path');

const line = process.env.CDK8S_DP_LINE;
if (!line || !/^[0-9]+$/.test(line)) throw new Error('lines/jest.config.js: set CDK8S_DP_LINE to a line of lines/lines.json (e.g. 34)');
const dir = path.join(__dirname, line);
// The snapshot root must exist for jest's roots (a new line has none yet).
fs.mkdirSync(path.join(__dirname, 'snapshots', line), { recursive: true });

module.exports = {
  rootDir: dir,
  roots: ['<rootDir>/test', path.join(__dirname, 'snapshots', line)],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/real/'],
  transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: path.join(dir, 'test', 'tsconfig.json') }] },
  snapshotResolver: path.join(__dirname, 'snapshot-resolver.js'),
  testTimeout: 30000,
  clearMocks: true,
  reporters: ['default'],
};
