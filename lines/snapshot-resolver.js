// The snapshots of a generated line live beside its adapter, committed: lines/<line>/test/a/b.test.ts (generated,
// git-ignored) ↔ lines/snapshots/<line>/test/a/__snapshots__/b.test.ts.snap. The main line keeps jest's default
// (test/a/__snapshots__/b.test.ts.snap).
'use strict';
const path = require('path');

const snapshots = path.join(__dirname, 'snapshots');

module.exports = {
  resolveSnapshotPath(testPath, extension) {
    const rel = path.relative(__dirname, testPath).split(path.sep); // [line, 'test', ..., 'b.test.ts']
    const file = rel.pop();
    return path.join(snapshots, ...rel, '__snapshots__', `${file}${extension}`);
  },
  resolveTestPath(snapshotPath, extension) {
    const rel = path.relative(snapshots, snapshotPath).split(path.sep); // [line, 'test', ..., '__snapshots__', 'b.test.ts.snap']
    const file = rel.pop();
    rel.pop(); // __snapshots__
    return path.join(__dirname, ...rel, file.slice(0, -extension.length));
  },
  testPathForConsistencyCheck: path.join(__dirname, '34', 'test', 'core', 'example.test.ts'),
};
