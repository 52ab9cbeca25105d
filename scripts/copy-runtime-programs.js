// Copies src/runtime/programs/ (the programs that run in pods) to lib/runtime/programs/, byte for byte, so the
// compiled library reads the same files at synthesis as the sources do. Run by the compile task after jsii.
'use strict';
const fs = require('fs');
const path = require('path');

const from = path.join(__dirname, '..', 'src', 'runtime', 'programs');
const to = path.join(__dirname, '..', 'lib', 'runtime', 'programs');
fs.rmSync(to, { recursive: true, force: true });
let n = 0;
(function copy(dir, out) {
  fs.mkdirSync(out, { recursive: true });
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const src = path.join(dir, e.name);
    if (e.isDirectory()) copy(src, path.join(out, e.name));
    else if (!e.name.startsWith('.')) { fs.copyFileSync(src, path.join(out, e.name)); n++; } // lint configs (.shellcheckrc) stay behind
  }
})(from, to);
console.log(`copied ${n} runtime programs to ${path.relative(process.cwd(), to)}`);
