// The comparison behind `scripts/line.ts snapshot-diff`: a line's snapshots against the main line's, entry by entry,
// as data rather than as text, so that a difference the adapter makes on purpose — a native sidecar is an init
// container with `restartPolicy: Always` on the 34 line and a regular container on the 27 line — is recognised
// wherever it lands, and every other difference still fails.
//
// A snapshot file is a CommonJS module of `exports[name] = \`…\``; each value is either the YAML of an App
// (examples) or pretty-format's print of plain data (the tests' `toMatchSnapshot()` of objects), which
// `parsePrettyFormat` reads back.
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

/** The entries of a `.snap` file's text: name → the snapshot's text. */
export function snapEntries(text: string): Map<string, string> {
  const exports: Record<string, string> = {};
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('exports', text)(exports);
  return new Map(Object.entries(exports));
}

/**
 * Reads pretty-format's output (jest's `snapshotFormat: { escapeString: false, printBasicPrototype: false }`) of
 * plain data: objects, arrays, strings, numbers, booleans, null and undefined. Strings are not escaped in that
 * format, so a string ends at a `"` followed by a line end (or `,` and a line end) — which is how the printer
 * lays every value out. Throws on anything else.
 */
export function parsePrettyFormat(text: string): unknown {
  // Strings are not escaped, so where one ends can be ambiguous (a config file inside holding `",` and a line that
  // looks like the next key): take the first end that fits the layout, and when the rest does not parse, the next
  // end of the latest string that has one, and so on (bounded).
  const choices = new Map<number, number>();
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const taken: number[] = [];
    try {
      return parseOnce(text, choices, taken);
    } catch (e) {
      let k = taken.length - 1;
      while (k >= 0 && (e as any).exhausted?.has(taken[k])) k--;
      if (k < 0) throw e;
      const start = taken[k];
      choices.set(start, (choices.get(start) ?? 0) + 1);
      for (const s of [...choices.keys()]) if (s > start) choices.delete(s);
    }
  }
  throw new Error('pretty-format: too ambiguous to read');
}

function parseOnce(text: string, choices: Map<number, number>, taken: number[]): unknown {
  const exhausted = new Set<number>();
  let i = 0;
  const fail = (what: string): never => {
    const e: any = new Error(`pretty-format: ${what} at offset ${i}: ${JSON.stringify(text.slice(i, i + 40))}`);
    e.exhausted = exhausted;
    throw e;
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const literal = (word: string, v: unknown) => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return { ok: true, v };
    }
    return { ok: false, v: undefined };
  };
  let depth = 0;
  // A string ends at a `"` after which the layout goes on as the printer writes it: `: ` (a key), or `,` and a line
  // end followed by the next item at this depth or the close of the enclosing collection (a value), or the end.
  const str = (key = false): string => {
    const start = i;
    i++; // "
    let j = i;
    const item = new RegExp(`^ {${2 * depth}}(?:"[^"\\n]*": |[\\[{"0-9tfnuIN-])`);
    const close = new RegExp(`^ {${Math.max(0, 2 * (depth - 1))}}[}\\]]`);
    let skip = choices.get(start) ?? 0;
    if (!key) taken.push(start);
    for (;;) {
      const q = text.indexOf('"', j);
      if (q < 0) {
        exhausted.add(start);
        fail('an unterminated string');
      }
      const rest = text.slice(q + 1);
      const next = rest.startsWith(',\n') ? rest.slice(2) : undefined;
      if (key ? rest.startsWith(': ') : rest === '' || rest === ',' || (next !== undefined && (item.test(next) || close.test(next) || next === ''))) {
        if (skip === 0) {
          const s = text.slice(i, q);
          i = q + 1;
          return s;
        }
        skip--;
      }
      j = q + 1;
    }
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      depth++;
      const o: Record<string, unknown> = {};
      for (;;) {
        ws();
        if (text[i] === '}') {
          i++;
          depth--;
          return o;
        }
        if (text[i] !== '"') fail('a key');
        const k = str(true);
        if (text[i] !== ':') fail("':'");
        i++;
        o[k] = value();
        ws();
        if (text[i] === ',') i++;
      }
    }
    if (c === '[') {
      i++;
      depth++;
      const a: unknown[] = [];
      for (;;) {
        ws();
        if (text[i] === ']') {
          i++;
          depth--;
          return a;
        }
        a.push(value());
        ws();
        if (text[i] === ',') i++;
      }
    }
    if (c === '"') return str();
    for (const [w, v] of [['undefined', undefined], ['null', null], ['true', true], ['false', false]] as const) {
      const r = literal(w, v);
      if (r.ok) return r.v;
    }
    const m = /^-?(?:\d+\.?\d*(?:e[+-]?\d+)?|Infinity|NaN)/.exec(text.slice(i));
    if (!m) return fail('a value');
    i += m[0].length;
    return Number(m[0]);
  };
  const v = value();
  ws();
  if (i !== text.length) fail('trailing text');
  return v;
}

/** A snapshot's text as data: the documents of a YAML App, or pretty-format's data. */
export function snapshotData(text: string): unknown {
  const t = text.replace(/^\n/, '').replace(/\n$/, '');
  if (t.startsWith('"') && t.endsWith('"')) {
    // A string snapshot: the YAML of an App (examples), or a config file, compared as text.
    const s = t.slice(1, -1);
    return /^(---\n)?apiVersion: /.test(s) ? parseAllDocuments(s).map((d) => d.toJS()) : s;
  }
  const data = parsePrettyFormat(t);
  // Read back exactly: printing the data as jest does gives the snapshot's text again.
  if (printAsJest(data) !== t) throw new Error('pretty-format: the snapshot does not print back from what was read');
  return data;
}

/** `data` printed as jest's snapshots print it (jest-snapshot's own pretty-format, its default snapshotFormat). */
function printAsJest(data: unknown): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pf = require(require.resolve('pretty-format', { paths: [path.dirname(require.resolve('jest-snapshot'))] }));
  return pf.format(data, { escapeString: false, printBasicPrototype: false, indent: 2, printFunctionName: false });
}

/**
 * `data` with every pod spec's native sidecars (init containers with `restartPolicy: Always`) written as regular
 * containers — what the 27 line writes for them — and every pod spec's containers in name order on both sides (a
 * line puts the library's sidecars in another list, so their position among the containers cannot be compared).
 */
export function asRegularSidecars(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(asRegularSidecars);
  if (data === null || typeof data !== 'object') return data;
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) o[k] = asRegularSidecars(v);
  if (Array.isArray(o.containers)) {
    const init = Array.isArray(o.initContainers) ? (o.initContainers as any[]) : [];
    const native = init.filter((c) => c?.restartPolicy === 'Always').map(({ restartPolicy: _always, ...c }) => c);
    const rest = init.filter((c) => c?.restartPolicy !== 'Always');
    o.containers = [...(o.containers as any[]), ...native].sort((a, b) => String(a?.name).localeCompare(String(b?.name)));
    if (Array.isArray(o.initContainers)) {
      if (rest.length > 0) o.initContainers = rest;
      else delete o.initContainers;
    }
    // cdk8s-plus lists a pod's volumes in the order its containers mount them, init containers first, so a sidecar
    // that becomes an init container moves its volumes too; the list is keyed by name (its order means nothing).
    if (Array.isArray(o.volumes)) o.volumes = [...(o.volumes as any[])].sort((a, b) => String(a?.name).localeCompare(String(b?.name)));
  }
  return o;
}

/** The first path where `a` and `b` differ, with both values, or undefined when they are equal. */
export function firstDifference(a: unknown, b: unknown, at = ''): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object' || Array.isArray(a) !== Array.isArray(b)) {
    return `${at || '/'}: ${JSON.stringify(a)?.slice(0, 200)} vs ${JSON.stringify(b)?.slice(0, 200)}`;
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  for (const k of [...new Set([...ka, ...kb])]) {
    const d = firstDifference((a as any)[k], (b as any)[k], `${at}/${k}`);
    if (d) return d;
  }
  return undefined;
}
