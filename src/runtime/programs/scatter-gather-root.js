'use strict';
// scatter-gather root (cdk8s-distributed-patterns, ScatterGather). Zero dependencies: Node built-ins only.
//
//   node root.js config.json
//
// For each request under config.path it calls every leaf shard in parallel (one deadline per fan-out, optional
// hedged second request to another replica of a slow shard, an immediate failover to another replica after a
// replica failure), merges the JSON answers with the configured strategy, and answers with the merged JSON, or
// with an error status when shards are missing and the policy says fail.
// With a partition (config.partition) each shard gets its own terms of a query parameter instead, and a shard that
// has none of the request's terms is not called.
// Reserved paths: /healthz (alive), /readyz (503 while draining), /metrics (Prometheus text format).
// Env: LISTEN_HOST binds one address (default: every interface). SIGTERM/SIGINT: /readyz turns 503, requests are
// still served for drainMs, then the listener closes and the process exits once in-flight requests are answered.
//
// Every read is bounded: a client has requestTimeoutMs to send its whole request (headers and body, then 408), a
// body is at most maxRequestBodyBytes (413) and the bodies being read at once at most maxConcurrentRequests of them
// (503), a leaf answer at most maxLeafResponseBytes (the replica failed). A fan-out slot is taken only once the
// request is complete; beyond maxConcurrentRequests fan-outs, and while the process's RSS is above 90 % of
// memoryLimitBytes, the root answers 503 with Retry-After.

const dns = require('dns');
const fs = require('fs');
const http = require('http');
const net = require('net');
const v8 = require('v8');

const STRATEGIES = ['concatArrays', 'mergeObjects', 'sum', 'topK', 'unionStrings', 'intersection'];
// The separators of the terms of a partitioned query parameter.
const TERM_SEPARATORS = /[\s,]+/;
const RESERVED_PATHS = ['/healthz', '/readyz', '/metrics'];
// Histogram buckets in seconds, for the root's requests and each shard's answers.
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// Request headers that belong to one connection and are not forwarded to the leaves.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization',
  'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'expect']);
// Recent answer latencies kept per shard for percentile hedging, how many are needed before the percentile is
// trusted, and how often (in new samples) it is recomputed.
const LATENCY_WINDOW = 1024;
const PERCENTILE_MIN_SAMPLES = 20;
const PERCENTILE_EVERY = 16;
// Hedge budget: a token bucket that gains maxPercent/100 per primary leaf call; a hedge spends one token.
// The burst lets the first hedges go out before the bucket has filled.
const HEDGE_BURST = 10;
// Failover bound, separate from the hedge budget: per shard, a bucket of maxConcurrentRequests tokens that gains
// half a token per primary call; a failover spends one. A failover goes only to a replica not marked failed, at
// most one per shard call, so a shard whose every replica fails costs at most 1.5× its requests over time.
const FAILOVER_PER_PRIMARY = 0.5;
// At most one log line per failing shard per this many ms (the rest is counted in /metrics).
const SHARD_LOG_EVERY_MS = 10000;
// Memory: new fan-outs are refused (503) while the RSS is above this fraction of memoryLimitBytes. The RSS is
// sampled every RSS_SAMPLE_MS and after every leaf answer of at least RSS_SAMPLE_BYTES.
const SHED_FRACTION = 0.9;
const RSS_SAMPLE_MS = 100;
const RSS_SAMPLE_BYTES = 65536;
const RSS_MIN_GAP_MS = 10;
// A leaf answer of HEAP_CHECK_BYTES or more is parsed only if the V8 heap has room for PARSE_FACTOR times its size
// below HEAP_FRACTION of the heap limit (JSON of many tiny values parses to up to ~20 times its size: [{},{},…]);
// else its fan-out is answered 503 and lets go of what it holds.
const PARSE_FACTOR = 24;
const HEAP_FRACTION = 0.9;
const HEAP_CHECK_BYTES = 1024;
// Before a fan-out is refused for memory, the heap's garbage is collected (node --expose-gc, as the container runs
// the root), at most once per GC_EVERY_MS.
const GC_EVERY_MS = 1000;
const EMPTY = Buffer.alloc(0);

// ---------------------------------------------------------------------------------------------------------------
// Config

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function show(v) {
  return v === undefined ? 'undefined' : JSON.stringify(v);
}

function configError(key, expectation, value) {
  return new Error('config: ' + key + ' must be ' + expectation + ', got ' + show(value));
}

function integer(obj, prefix, key, min, max) {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw configError(prefix + key, 'an integer from ' + min + ' to ' + max, v);
  }
  return v;
}

function oneOf(obj, prefix, key, allowed) {
  const v = obj[key];
  if (allowed.indexOf(v) < 0) throw configError(prefix + key, 'one of ' + allowed.map(show).join(', '), v);
  return v;
}

function onlyKeys(obj, prefix, allowed) {
  for (const k of Object.keys(obj)) {
    if (allowed.indexOf(k) < 0) throw new Error('config: unknown key ' + show(prefix + k));
  }
}

// Checks a parsed config.json and returns it normalized; throws 'config: <key> must be ..., got <value>'.
function loadConfig(c) {
  if (!isPlainObject(c)) throw configError('the config', 'a JSON object', c);
  onlyKeys(c, '', ['port', 'path', 'shards', 'merge', 'partition', 'timeoutMs', 'missingShards', 'hedge', 'maxRequestBodyBytes',
    'maxLeafResponseBytes', 'maxConcurrentRequests', 'requestTimeoutMs', 'memoryLimitBytes', 'dnsRefreshMs', 'drainMs']);
  const port = integer(c, '', 'port', 1, 65535);
  const path = c.path;
  if (typeof path !== 'string' || path.charAt(0) !== '/' || path.indexOf('?') >= 0 || path.indexOf('#') >= 0
    || (path !== '/' && RESERVED_PATHS.some(function (r) { return path === r || path.indexOf(r + '/') === 0; }))) {
    throw configError('path', 'an absolute URL path without query, not under /healthz, /readyz or /metrics', path);
  }
  if (!Array.isArray(c.shards) || c.shards.length < 1) throw configError('shards', 'a non-empty array', c.shards);
  const shards = c.shards.map(function (s, i) {
    const prefix = 'shards[' + i + '].';
    if (!isPlainObject(s)) throw configError('shards[' + i + ']', 'an object', s);
    onlyKeys(s, prefix, ['index', 'host', 'port']);
    if (s.index !== i) throw configError(prefix + 'index', 'its position ' + i, s.index);
    if (typeof s.host !== 'string' || s.host.length === 0 || s.host.length > 253 || /[\s/:@?#]/.test(s.host)) {
      throw configError(prefix + 'host', 'a host name or IPv4 address', s.host);
    }
    return { index: i, host: s.host, port: integer(s, prefix, 'port', 1, 65535) };
  });
  const timeoutMs = integer(c, '', 'timeoutMs', 1, 3600000);
  if (!isPlainObject(c.merge)) throw configError('merge', 'an object', c.merge);
  const strategy = oneOf(c.merge, 'merge.', 'strategy', STRATEGIES);
  let merge;
  if (strategy === 'topK') {
    onlyKeys(c.merge, 'merge.', ['strategy', 'field', 'k', 'order']);
    if (typeof c.merge.field !== 'string' || c.merge.field.length === 0 || c.merge.field.split('.').indexOf('') >= 0) {
      throw configError('merge.field', 'a non-empty field name (dots separate nested fields)', c.merge.field);
    }
    merge = {
      strategy: strategy,
      field: c.merge.field,
      k: integer(c.merge, 'merge.', 'k', 1, 100000),
      order: oneOf(c.merge, 'merge.', 'order', ['descending', 'ascending']),
    };
  } else {
    onlyKeys(c.merge, 'merge.', ['strategy']);
    merge = { strategy: strategy };
  }
  const partition = c.partition === undefined ? undefined : loadPartition(c.partition, shards.length);
  if (strategy === 'intersection' && partition === undefined) {
    throw configError('partition', 'given with merge.strategy "intersection" (shards answering the same request hold disjoint documents)', c.partition);
  }
  const missingShards = oneOf(c, '', 'missingShards', ['fail', 'partial']);
  if (!isPlainObject(c.hedge)) throw configError('hedge', 'an object', c.hedge);
  const mode = oneOf(c.hedge, 'hedge.', 'mode', ['none', 'after', 'percentile']);
  let hedge;
  if (mode === 'none') {
    onlyKeys(c.hedge, 'hedge.', ['mode']);
    hedge = { mode: mode };
  } else if (mode === 'after') {
    onlyKeys(c.hedge, 'hedge.', ['mode', 'delayMs', 'maxPercent']);
    hedge = { mode: mode, delayMs: integer(c.hedge, 'hedge.', 'delayMs', 1, timeoutMs - 1), maxPercent: integer(c.hedge, 'hedge.', 'maxPercent', 1, 100) };
  } else {
    onlyKeys(c.hedge, 'hedge.', ['mode', 'percentile', 'minDelayMs', 'maxPercent']);
    const p = c.hedge.percentile;
    if (typeof p !== 'number' || !(p > 0 && p < 100)) throw configError('hedge.percentile', 'a number greater than 0 and less than 100', p);
    hedge = {
      mode: mode,
      percentile: p,
      minDelayMs: integer(c.hedge, 'hedge.', 'minDelayMs', 1, timeoutMs - 1),
      maxPercent: integer(c.hedge, 'hedge.', 'maxPercent', 1, 100),
    };
  }
  return {
    port: port,
    path: path,
    shards: shards,
    merge: merge,
    partition: partition,
    timeoutMs: timeoutMs,
    missingShards: missingShards,
    hedge: hedge,
    maxRequestBodyBytes: integer(c, '', 'maxRequestBodyBytes', 0, 1073741824),
    maxLeafResponseBytes: integer(c, '', 'maxLeafResponseBytes', 1, 1073741824),
    maxConcurrentRequests: integer(c, '', 'maxConcurrentRequests', 1, 1000000),
    requestTimeoutMs: integer(c, '', 'requestTimeoutMs', 1, 3600000),
    // 0: no limit known, no shedding on memory
    memoryLimitBytes: integer(c, '', 'memoryLimitBytes', 0, 1099511627776),
    dnsRefreshMs: integer(c, '', 'dnsRefreshMs', 100, 3600000),
    drainMs: integer(c, '', 'drainMs', 0, 3600000),
  };
}

// A term partition: { mode: 'queryTerms', parameter, rule: 'hash' } or { ..., rule: 'assignment', assignment:
// { term: shard } } naming every shard (a shard no term names would never be called).
function loadPartition(p, shardCount) {
  if (!isPlainObject(p)) throw configError('partition', 'an object', p);
  oneOf(p, 'partition.', 'mode', ['queryTerms']);
  const rule = oneOf(p, 'partition.', 'rule', ['hash', 'assignment']);
  onlyKeys(p, 'partition.', rule === 'hash' ? ['mode', 'parameter', 'rule'] : ['mode', 'parameter', 'rule', 'assignment']);
  if (typeof p.parameter !== 'string' || !/^[A-Za-z0-9._~-]{1,64}$/.test(p.parameter)) {
    throw configError('partition.parameter', 'a query parameter name', p.parameter);
  }
  if (rule === 'hash') return { mode: 'queryTerms', parameter: p.parameter, rule: rule };
  const a = p.assignment;
  if (!isPlainObject(a) || Object.keys(a).length === 0) throw configError('partition.assignment', 'a non-empty object', a);
  const table = {};
  const named = new Set();
  for (const term of Object.keys(a)) {
    if (term.length === 0 || TERM_SEPARATORS.test(term)) throw configError('partition.assignment', 'terms without commas or white space', term);
    const shard = integer(a, 'partition.assignment.', term, 0, shardCount - 1);
    setOwn(table, term, shard);
    named.add(shard);
  }
  for (let i = 0; i < shardCount; i++) {
    if (!named.has(i)) throw configError('partition.assignment', 'an object naming every shard (none names shard ' + i + ')', a);
  }
  return { mode: 'queryTerms', parameter: p.parameter, rule: rule, assignment: table };
}

// The 32-bit FNV-1a hash of a term's UTF-8 bytes (RequestPartition.shardOfTerm computes the same).
function fnv1a(term) {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(term, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

// Splits a request URL by the partition: { urls: [url or null per shard], terms: [[term] per shard] }, or
// { error } (400) when the parameter has no term or a term is assigned to no shard. Each shard called gets the
// URL with the parameter's occurrences replaced by one, at the first one's place, holding its own terms
// (comma-separated, percent-encoded); the rest of the query is kept byte for byte.
function partitionUrl(partition, shardCount, url) {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const pairs = q < 0 ? [] : url.slice(q + 1).split('&');
  const terms = [];
  const seen = new Set();
  let at = -1;
  const rest = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    let name;
    let value;
    try {
      name = decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
      value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
    } catch (e) {
      return { error: 'the query is not valid percent-encoding' };
    }
    if (name !== partition.parameter) { rest.push(pair); continue; }
    if (at < 0) at = rest.length;
    for (const t of value.split(TERM_SEPARATORS)) {
      if (t.length > 0 && !seen.has(t)) { seen.add(t); terms.push(t); }
    }
  }
  if (terms.length === 0) {
    return { error: 'the query parameter ' + show(partition.parameter) + ' has no terms (terms are separated by commas or white space)' };
  }
  const byShard = [];
  for (let i = 0; i < shardCount; i++) byShard.push([]);
  const unassigned = [];
  for (const t of terms) {
    const shard = partition.rule === 'hash' ? fnv1a(t) % shardCount : has(partition.assignment, t) ? partition.assignment[t] : undefined;
    if (shard === undefined) unassigned.push(t); else byShard[shard].push(t);
  }
  if (unassigned.length > 0) {
    return { error: 'no shard answers for the term' + (unassigned.length > 1 ? 's ' : ' ') + unassigned.map(show).join(', ') + ' (the partition assigns terms to shards by a table)' };
  }
  const urls = byShard.map(function (own) {
    if (own.length === 0) return null;
    const parts = rest.slice();
    parts.splice(at, 0, encodeURIComponent(partition.parameter) + '=' + own.map(encodeURIComponent).join(','));
    return path + '?' + parts.join('&');
  });
  return { urls: urls, terms: byShard };
}

// ---------------------------------------------------------------------------------------------------------------
// Merge

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'string') return 'a string';
  return 'a ' + typeof v;
}

// Own-property assignment that is safe for keys such as "__proto__" (JSON.parse makes them own properties).
function setOwn(obj, key, value) {
  Object.defineProperty(obj, key, { value: value, enumerable: true, writable: true, configurable: true });
}

function has(obj, key) {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

function deepMerge(target, source) {
  for (const key of Object.keys(source)) {
    const v = source[key];
    if (isPlainObject(v)) {
      setOwn(target, key, deepMerge(has(target, key) && isPlainObject(target[key]) ? target[key] : {}, v));
    } else {
      setOwn(target, key, v);
    }
  }
  return target;
}

function fieldOf(item, path) {
  let v = item;
  for (const part of path) {
    if (!isPlainObject(v) || !has(v, part)) return undefined;
    v = v[part];
  }
  return v;
}

function isNumberMap(v) {
  return isPlainObject(v) && Object.keys(v).every(function (k) { return typeof v[k] === 'number' && Number.isFinite(v[k]); });
}

// Merges the answers (in shard order: [{ shard, value }]) with the strategy. An answer that does not fit the
// strategy is not dropped silently: its shard is returned in 'rejected' with the reason and counts as missing.
// Returns { value, rejected: [{ shard, reason }] }.
function mergeAnswers(merge, answers) {
  const rejected = [];
  function reject(a, reason) {
    rejected.push({ shard: a.shard, reason: 'bad answer: ' + reason, timeout: false });
  }
  switch (merge.strategy) {
    case 'concatArrays': {
      const out = [];
      for (const a of answers) {
        if (!Array.isArray(a.value)) { reject(a, describe(a.value) + ', concatArrays needs an array'); continue; }
        for (const item of a.value) out.push(item);
      }
      return { value: out, rejected: rejected };
    }
    case 'mergeObjects': {
      const out = {};
      for (const a of answers) {
        if (!isPlainObject(a.value)) { reject(a, describe(a.value) + ', mergeObjects needs an object'); continue; }
        deepMerge(out, a.value);
      }
      return { value: out, rejected: rejected };
    }
    case 'sum': {
      let kind = null;
      let total = 0;
      const totals = {};
      for (const a of answers) {
        const k = typeof a.value === 'number' && Number.isFinite(a.value) ? 'number' : isNumberMap(a.value) ? 'object' : null;
        if (k === null) { reject(a, describe(a.value) + ', sum needs a number or an object of numbers'); continue; }
        if (kind !== null && k !== kind) {
          reject(a, describe(a.value) + ', other shards answered ' + (kind === 'number' ? 'a number' : 'an object of numbers'));
          continue;
        }
        kind = k;
        if (k === 'number') {
          total += a.value;
        } else {
          for (const key of Object.keys(a.value)) setOwn(totals, key, (has(totals, key) ? totals[key] : 0) + a.value[key]);
        }
      }
      return { value: kind === 'object' ? totals : total, rejected: rejected };
    }
    case 'topK': {
      const path = merge.field.split('.');
      const items = [];
      let type = null;
      for (const a of answers) {
        if (!Array.isArray(a.value)) { reject(a, describe(a.value) + ', topK needs an array of objects'); continue; }
        let problem = null;
        for (let i = 0; i < a.value.length && problem === null; i++) {
          const key = fieldOf(a.value[i], path);
          const t = typeof key === 'number' && Number.isFinite(key) ? 'number' : typeof key === 'string' ? 'string' : null;
          if (t === null) problem = 'item ' + i + ' has no number or string at ' + show(merge.field);
          else if (type !== null && t !== type) problem = 'item ' + i + ' has a ' + t + ' at ' + show(merge.field) + ', other items a ' + type;
          else type = t;
        }
        if (problem !== null) { reject(a, problem); continue; }
        for (const item of a.value) items.push({ key: fieldOf(item, path), item: item });
      }
      const sign = merge.order === 'ascending' ? 1 : -1;
      // Array.prototype.sort is stable: equal keys keep shard order, then the leaf's own order.
      items.sort(function (x, y) { return x.key === y.key ? 0 : (x.key < y.key ? -sign : sign); });
      return { value: items.slice(0, merge.k).map(function (x) { return x.item; }), rejected: rejected };
    }
    case 'intersection': {
      let common = null;
      for (const a of answers) {
        if (!Array.isArray(a.value) || !a.value.every(function (s) { return typeof s === 'string'; })) {
          reject(a, (Array.isArray(a.value) ? 'an array with a non-string' : describe(a.value)) + ', intersection needs an array of strings');
          continue;
        }
        if (common === null) {
          common = new Set(a.value);
        } else {
          const own = new Set(a.value);
          const prev = common;
          common = new Set();
          for (const s of prev) if (own.has(s)) common.add(s);
        }
      }
      return { value: common === null ? [] : Array.from(common).sort(), rejected: rejected };
    }
    case 'unionStrings': {
      const set = new Set();
      for (const a of answers) {
        if (!Array.isArray(a.value) || !a.value.every(function (s) { return typeof s === 'string'; })) {
          reject(a, (Array.isArray(a.value) ? 'an array with a non-string' : describe(a.value)) + ', unionStrings needs an array of strings');
          continue;
        }
        for (const s of a.value) set.add(s);
      }
      return { value: Array.from(set).sort(), rejected: rejected };
    }
    default:
      throw new Error('unknown merge strategy ' + show(merge.strategy));
  }
}

// The response for one fan-out: result = { answers: [{ shard, value }], failures: [{ shard, reason, timeout }],
// called? (the shards called; every shard when absent), terms? ([[term] per shard], with a partition) }.
// Returns { status, headers, body, missing } where missing lists every shard called that did not contribute.
function buildResponse(config, result) {
  const merged = mergeAnswers(config.merge, result.answers);
  const missing = result.failures.concat(merged.rejected).sort(function (a, b) { return a.shard - b.shard; });
  const total = result.called === undefined ? config.shards.length : result.called;
  const answered = total - missing.length;
  const terms = result.terms;
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'x-scatter-gather-shards': answered + '/' + total,
  };
  if (missing.length > 0) headers['x-scatter-gather-missing'] = missing.map(function (m) { return m.shard; }).join(',');
  if (missing.length > 0 && terms) {
    headers['x-scatter-gather-missing-terms'] = missing.map(function (m) { return terms[m.shard].map(encodeURIComponent).join(','); }).join(',');
  }
  if (missing.length > 0 && (config.missingShards === 'fail' || answered === 0)) {
    const allTimedOut = missing.every(function (m) { return m.timeout; });
    return {
      status: allTimedOut ? 504 : 502,
      headers: headers,
      body: JSON.stringify({
        error: answered === 0 ? 'no shard answered' : 'missing shards',
        missing: missing.map(function (m) { return terms ? { shard: m.shard, terms: terms[m.shard], reason: m.reason } : { shard: m.shard, reason: m.reason }; }),
      }),
      missing: missing,
    };
  }
  return { status: 200, headers: headers, body: JSON.stringify(merged.value), missing: missing };
}

// ---------------------------------------------------------------------------------------------------------------
// ---------------------------------------------------------------------------------------------------------------
// Metrics (Prometheus text exposition format 0.0.4)

function newHistogram() {
  return { counts: BUCKETS.map(function () { return 0; }), inf: 0, sum: 0, count: 0 };
}

function observe(h, seconds) {
  h.sum += seconds;
  h.count++;
  for (let i = 0; i < BUCKETS.length; i++) {
    if (seconds <= BUCKETS[i]) { h.counts[i]++; return; }
  }
  h.inf++;
}

function createMetrics(shardCount) {
  const shards = [];
  for (let i = 0; i < shardCount; i++) {
    shards.push({ primary: 0, hedge: 0, failover: 0, hedgeWins: 0, replicaFailures: 0, timeouts: 0, errors: 0, skipped: 0, latency: newHistogram() });
  }
  return {
    requests: new Map(),
    duration: newHistogram(),
    inflight: 0,
    rejectedOverload: 0,
    rejectedMemory: 0,
    rejectedTooLarge: 0,
    rejectedBodies: 0,
    rejectedNoTerms: 0,
    partial: 0,
    hedgesThrottled: 0,
    failoversThrottled: 0,
    collections: 0,
    rss: 0,
    shards: shards,
  };
}

function renderMetrics(m) {
  const out = [];
  function head(name, type, help) {
    out.push('# HELP ' + name + ' ' + help);
    out.push('# TYPE ' + name + ' ' + type);
  }
  function histogram(name, labels, h) {
    const prefix = labels ? labels + ',' : '';
    let cumulative = 0;
    for (let i = 0; i < BUCKETS.length; i++) {
      cumulative += h.counts[i];
      out.push(name + '_bucket{' + prefix + 'le="' + BUCKETS[i] + '"} ' + cumulative);
    }
    out.push(name + '_bucket{' + prefix + 'le="+Inf"} ' + (cumulative + h.inf));
    out.push(name + '_sum' + (labels ? '{' + labels + '}' : '') + ' ' + h.sum);
    out.push(name + '_count' + (labels ? '{' + labels + '}' : '') + ' ' + h.count);
  }
  function perShard(name, type, help, value) {
    head(name, type, help);
    m.shards.forEach(function (s, i) { out.push(name + '{shard="' + i + '"} ' + value(s)); });
  }
  head('scatter_gather_requests_total', 'counter', 'Fan-out requests answered by the root, by HTTP status code.');
  for (const code of Array.from(m.requests.keys()).sort()) out.push('scatter_gather_requests_total{code="' + code + '"} ' + m.requests.get(code));
  head('scatter_gather_request_duration_seconds', 'histogram', 'Time from a fan-out request to its merged answer.');
  histogram('scatter_gather_request_duration_seconds', '', m.duration);
  head('scatter_gather_inflight_requests', 'gauge', 'Fan-outs in flight.');
  out.push('scatter_gather_inflight_requests ' + m.inflight);
  head('scatter_gather_resident_memory_bytes', 'gauge', 'The root\'s resident set size at the last sample (0 when no memory limit is configured).');
  out.push('scatter_gather_resident_memory_bytes ' + m.rss);
  head('scatter_gather_forced_collections_total', 'counter', 'Garbage collections the root ran itself before refusing a fan-out for memory.');
  out.push('scatter_gather_forced_collections_total ' + m.collections);
  head('scatter_gather_rejected_requests_total', 'counter', 'Requests refused (503) by reason: before the fan-out, or memory while its answers were read.');
  out.push('scatter_gather_rejected_requests_total{reason="overload"} ' + m.rejectedOverload);
  out.push('scatter_gather_rejected_requests_total{reason="memory"} ' + m.rejectedMemory);
  out.push('scatter_gather_rejected_requests_total{reason="body_too_large"} ' + m.rejectedTooLarge);
  out.push('scatter_gather_rejected_requests_total{reason="bodies_in_flight"} ' + m.rejectedBodies);
  head('scatter_gather_partition_rejected_requests_total', 'counter', 'Requests answered 400 by the partition: no term in the query parameter, or a term assigned to no shard.');
  out.push('scatter_gather_partition_rejected_requests_total ' + m.rejectedNoTerms);
  head('scatter_gather_partial_responses_total', 'counter', 'Answers sent without some shards (missingShards: partial).');
  out.push('scatter_gather_partial_responses_total ' + m.partial);
  head('scatter_gather_hedges_throttled_total', 'counter', 'Hedges not sent because the hedge budget was spent.');
  out.push('scatter_gather_hedges_throttled_total ' + m.hedgesThrottled);
  head('scatter_gather_failovers_throttled_total', 'counter', 'Failovers not sent because the shard\'s failover bound was spent.');
  out.push('scatter_gather_failovers_throttled_total ' + m.failoversThrottled);
  head('scatter_gather_shard_requests_total', 'counter', 'Requests sent to a shard, by kind (primary, hedge after the delay, failover after a replica failure).');
  m.shards.forEach(function (s, i) {
    out.push('scatter_gather_shard_requests_total{shard="' + i + '",kind="primary"} ' + s.primary);
    out.push('scatter_gather_shard_requests_total{shard="' + i + '",kind="hedge"} ' + s.hedge);
    out.push('scatter_gather_shard_requests_total{shard="' + i + '",kind="failover"} ' + s.failover);
  });
  perShard('scatter_gather_shard_hedge_wins_total', 'counter', 'Shard answers that came from the hedged (or failover) request.', function (s) { return s.hedgeWins; });
  perShard('scatter_gather_shard_replica_failures_total', 'counter',
    'Leaf requests a replica failed: refused or reset, 5xx or 429, an answer cut off, too large or not JSON (each is failed over when a replica is left).',
    function (s) { return s.replicaFailures; });
  perShard('scatter_gather_shard_skipped_total', 'counter', 'Fan-outs that did not call the shard: the request had none of its terms (a partition).', function (s) { return s.skipped; });
  perShard('scatter_gather_shard_timeouts_total', 'counter', 'Shards that gave no answer within the timeout.', function (s) { return s.timeouts; });
  perShard('scatter_gather_shard_errors_total', 'counter', 'Shards missing from an answer for another reason than the timeout: every replica tried failed, another status, or an answer the merge rejects.',
    function (s) { return s.errors; });
  head('scatter_gather_shard_duration_seconds', 'histogram', 'Time from the fan-out to the shard\'s first good answer.');
  m.shards.forEach(function (s, i) { histogram('scatter_gather_shard_duration_seconds', 'shard="' + i + '"', s.latency); });
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------------------
// Leaf addresses: every ready replica of a shard (its headless Service resolves to all of them), refreshed in the
// background.

function createResolver(refreshMs, now, lookup) {
  const entries = new Map();
  const retryMs = Math.min(1000, refreshMs);
  function refresh(host, e) {
    if (e.busy) return;
    e.busy = true;
    lookup(host, { all: true }, function (err, list) {
      e.busy = false;
      const t = now();
      if (!err && Array.isArray(list) && list.length > 0) {
        const seen = new Set();
        e.addresses = [];
        for (const a of list) if (!seen.has(a.address)) { seen.add(a.address); e.addresses.push(a.address); }
        e.at = t;
        e.error = null;
      } else {
        e.error = new Error('dns lookup of ' + host + ' failed: ' + (err ? (err.code || err.message) : 'no address'));
        e.failedAt = t;
        // Keep stale addresses; try again after retryMs rather than on every request.
        if (e.addresses.length > 0) e.at = t - refreshMs + retryMs;
      }
      const waiting = e.waiting;
      e.waiting = [];
      for (const w of waiting) w();
    });
  }
  function addresses(host, cb) {
    if (net.isIP(host)) return cb(null, [host]);
    let e = entries.get(host);
    if (!e) {
      e = { addresses: [], at: -Infinity, failedAt: -Infinity, error: null, busy: false, waiting: [] };
      entries.set(host, e);
    }
    if (e.addresses.length > 0) {
      if (now() - e.at >= refreshMs) refresh(host, e);
      return cb(null, e.addresses);
    }
    if (e.error !== null && now() - e.failedAt < retryMs) return cb(e.error);
    e.waiting.push(function () { return e.addresses.length > 0 ? cb(null, e.addresses) : cb(e.error); });
    refresh(host, e);
  }
  // After a refused connection: look the name up again on the next request (a replaced pod has a new address).
  function invalidate(host) {
    const e = entries.get(host);
    if (e && e.addresses.length > 0 && e.at > -Infinity) e.at = Math.min(e.at, now() - refreshMs);
  }
  return { addresses: addresses, invalidate: invalidate };
}

// ---------------------------------------------------------------------------------------------------------------
// Leaf requests

function noop() {}

// A leaf failure: replica when it is the replica's, not the request's (refused or reset, 5xx or 429, an answer cut
// off, larger than maxLeafResponseBytes or not JSON) — the root fails over to another replica and skips this
// address; connect when nothing answered (the name is looked up again).
function leafError(where, what, replica, connect) {
  return { message: where + ' ' + what, replica: replica, connect: connect, memory: false };
}

// Sends one request to one replica (address) of a shard: cb(err, value) at most once, value the parsed JSON;
// returns cancel(). memory.room(bytes) says whether an answer of that size may be parsed (else err.memory);
// memory.large() runs after an answer of RSS_SAMPLE_BYTES or more (the root samples its memory).
// A kept-alive socket the leaf closed while it was idle fails before any answer: the request is sent once more,
// on another socket (the leaf never saw it).
function createHttpTransport(config, agent, memory) {
  const max = config.maxLeafResponseBytes;
  return function send(shard, address, request, cb) {
    let finished = false;
    let req = null;
    function fail(what, replica, connect) {
      if (finished) return;
      finished = true;
      cb(leafError(shard.host + ' (' + address + ':' + shard.port + ')', what, replica, connect));
    }
    function onResponse(res) {
      if (finished) { res.resume(); return; }
      const status = res.statusCode || 0;
      if (status < 200 || status > 299) {
        // 5xx and 429 are the replica's trouble: another replica may answer; any other status is the request's
        const replica = status >= 500 || status === 429;
        fail('answered status ' + status, replica, false);
        req.destroy();
        return;
      }
      if (Number(res.headers['content-length']) > max) {
        fail('answered more than ' + max + ' bytes', true, false);
        req.destroy();
        return;
      }
      let first = null;
      let chunks = null;
      let size = 0;
      res.on('data', function (chunk) {
        if (finished) return;
        size += chunk.length;
        if (size > max) {
          first = chunks = null;
          fail('answered more than ' + max + ' bytes', true, false);
          req.destroy();
          return;
        }
        if (first === null) first = chunk;
        else if (chunks === null) chunks = [first, chunk];
        else chunks.push(chunk);
      });
      res.on('end', function () {
        if (finished) return;
        if (size >= HEAP_CHECK_BYTES && !memory.room(size)) {
          first = chunks = null;
          finished = true;
          return cb({ message: 'the root has no memory left to parse ' + size + ' bytes from ' + shard.host, replica: false, connect: false, memory: true });
        }
        const body = chunks !== null ? Buffer.concat(chunks, size) : first !== null ? first : EMPTY;
        first = chunks = null;
        let value;
        try {
          value = JSON.parse(body.toString('utf8'));
        } catch (e) {
          return fail('answered no JSON: ' + e.message, true, false);
        }
        finished = true;
        if (size >= RSS_SAMPLE_BYTES) memory.large();
        cb(null, value);
      });
      res.on('error', function () { fail('cut its answer off after ' + size + ' bytes', true, false); });
      res.on('close', function () { if (!res.complete) fail('cut its answer off after ' + size + ' bytes', true, false); });
    }
    function attempt(again) {
      try {
        req = http.request({
          agent: agent,
          host: address,
          port: shard.port,
          method: request.method,
          path: request.url,
          headers: request.headers,
          setHost: false,
        }, onResponse);
        req.setHeader('host', shard.hostHeader);
      } catch (e) {
        // e.g. a header value Node refuses to send: fail this shard, not the process
        return fail('request not sent: ' + e.message, false, false);
      }
      const r = req;
      r.on('error', function (e) {
        if (finished || r !== req) return;
        const code = e.code || e.message;
        if (!again && r.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE')) return attempt(true);
        fail(code, true, code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH');
      });
      r.end(request.body.length > 0 ? request.body : undefined);
    }
    attempt(false);
    return function cancel() {
      finished = true;
      if (req !== null) req.destroy();
    };
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The root

function log(level, msg, fields) {
  const line = { time: new Date().toISOString(), level: level, msg: msg };
  if (fields) for (const k of Object.keys(fields)) line[k] = fields[k];
  process.stdout.write(JSON.stringify(line) + '\n');
}

// The process's resident memory that is its own (anonymous: heap, buffers, stacks), in bytes: what a memory
// cgroup cannot reclaim. The resident set minus its file-backed part (the node binary, shared libraries), read
// from /proc/self/statm; the whole resident set where that file does not exist.
const PAGE = 4096;
function anonymousRss() {
  try {
    const f = fs.readFileSync('/proc/self/statm', 'latin1').split(' ');
    return (Number(f[1]) - Number(f[2])) * PAGE;
  } catch (e) {
    return process.memoryUsage.rss();
  }
}

// The leaf request of a client request: method, URL, body, and the end-to-end headers (hop-by-hop ones and those
// the connection header names are dropped; content-length is set for a body).
function leafRequest(method, url, headers, body) {
  const forwarded = {};
  let named = null;
  if (headers.connection !== undefined) {
    named = String(headers.connection).toLowerCase().split(',').map(function (s) { return s.trim(); });
  }
  for (const k in headers) {
    const lk = k.toLowerCase();
    if (!HOP_BY_HOP.has(lk) && (named === null || named.indexOf(lk) < 0)) forwarded[lk] = headers[k];
  }
  if (body.length > 0 || (method !== 'GET' && method !== 'HEAD')) forwarded['content-length'] = String(body.length);
  return { method: method, url: url, headers: forwarded, body: body };
}

// options (for tests): now() in ms, transport(shard, address, request, cb) -> cancel, lookup (dns.lookup), log,
// rss() (the resident set size in bytes), heap ({ used() in bytes, limit }), gc() (a full collection).
function createRoot(config, options) {
  options = options || {};
  const now = options.now || function () { return performance.now(); };
  const logger = options.log || log;
  const metrics = createMetrics(config.shards.length);
  const hedging = config.hedge.mode !== 'none';
  const budget = { tokens: HEDGE_BURST, perCall: hedging ? config.hedge.maxPercent / 100 : 0 };
  const refreshMs = config.dnsRefreshMs;
  const failoverCap = config.maxConcurrentRequests;
  const shards = config.shards.map(function (s) {
    return {
      index: s.index, host: s.host, port: s.port, hostHeader: s.host + ':' + s.port, next: 0,
      // address -> when a request to it failed: the address is skipped for one dnsRefreshMs
      failed: new Map(),
      failovers: failoverCap,
      window: new Float64Array(LATENCY_WINDOW), samples: 0, sinceSort: 0,
      percentileMs: hedging && config.hedge.mode === 'percentile' ? config.hedge.minDelayMs : 0,
      lastLog: -Infinity, suppressed: 0,
    };
  });
  const resolver = createResolver(refreshMs, now, options.lookup || dns.lookup);
  const rss = options.rss || anonymousRss;
  const heap = options.heap || { used: function () { return v8.getHeapStatistics().used_heap_size; }, limit: v8.getHeapStatistics().heap_size_limit };
  const shedAt = Math.floor(config.memoryLimitBytes * SHED_FRACTION);
  const heapRoom = Math.floor(heap.limit * HEAP_FRACTION);
  let sampledAt = -Infinity;
  // Samples the resident memory (at most every RSS_MIN_GAP_MS unless forced: reading it costs a few syscalls).
  function sampleMemory(force) {
    if (shedAt === 0) return;
    const t = now();
    if (force !== true && t - sampledAt < RSS_MIN_GAP_MS) return;
    sampledAt = t;
    metrics.rss = rss();
  }
  const collect = options.gc || (typeof global.gc === 'function' ? global.gc : null);
  let collectedAt = -Infinity;
  // Collects the garbage (when allowed and not done within GC_EVERY_MS); true if it did.
  function collectGarbage() {
    if (collect === null || now() - collectedAt < GC_EVERY_MS) return false;
    collectedAt = now();
    collect();
    metrics.collections++;
    return true;
  }
  const memory = {
    room: function (bytes) {
      if (heap.used() + PARSE_FACTOR * bytes <= heapRoom) return true;
      return collectGarbage() && heap.used() + PARSE_FACTOR * bytes <= heapRoom;
    },
    large: sampleMemory,
  };
  // Above SHED_FRACTION of the memory limit (after a collection, when one is allowed).
  function memoryHigh() {
    if (shedAt === 0 || metrics.rss <= shedAt) return false;
    if (collectGarbage()) sampleMemory(true);
    return metrics.rss > shedAt;
  }
  // Sockets per replica: a fan-out has at most one request in flight per replica, so maxConcurrentRequests
  // sockets never queue; as many are kept alive for the next burst. Idle ones close after 4s (before the 5s
  // keep-alive timeout of Node's and many servers' defaults, so a request rarely meets a socket being closed).
  const agent = new http.Agent({
    keepAlive: true,
    scheduling: 'lifo',
    maxSockets: config.maxConcurrentRequests,
    maxFreeSockets: config.maxConcurrentRequests,
    timeout: 4000,
  });
  const transport = options.transport || createHttpTransport(config, agent, memory);
  // Bytes of request bodies being read (not yet fanned out), bounded like the bodies of the fan-outs in flight.
  const bodyBudget = Math.max(config.maxRequestBodyBytes, config.maxRequestBodyBytes * config.maxConcurrentRequests);
  const state = { draining: false, server: null, sampler: null, bodyBytes: 0 };

  function record(shard, ms) {
    shard.window[shard.samples % LATENCY_WINDOW] = ms;
    shard.samples++;
    if (config.hedge.mode !== 'percentile') return;
    shard.sinceSort++;
    if (shard.samples >= PERCENTILE_MIN_SAMPLES && shard.sinceSort >= PERCENTILE_EVERY) {
      shard.sinceSort = 0;
      const n = Math.min(shard.samples, LATENCY_WINDOW);
      const sorted = Array.from(shard.window.subarray(0, n)).sort(function (a, b) { return a - b; });
      const at = Math.min(n - 1, Math.max(0, Math.ceil(config.hedge.percentile / 100 * n) - 1));
      shard.percentileMs = Math.max(config.hedge.minDelayMs, sorted[at]);
    }
  }

  // The delay after which a shard's hedge goes out: fixed, or the shard's observed percentile (at least minDelayMs).
  function hedgeDelay(shard) {
    return config.hedge.mode === 'after' ? config.hedge.delayMs : shard.percentileMs;
  }

  // The replica for an attempt: round robin over the addresses that are neither marked failed (within one
  // dnsRefreshMs) nor tried by this call. When every address is marked, a primary goes to the one marked longest
  // ago (a probe: a shard whose replicas all fail gets one request per fan-out, no failover); a hedge or a
  // failover goes nowhere (null).
  function pick(shard, list, tried, primary) {
    const n = list.length;
    const marks = shard.failed.size > 0;
    const t = marks ? now() : 0;
    let probe = null;
    let probeAt = Infinity;
    for (let k = 0; k < n; k++) {
      const i = (shard.next + k) % n;
      const a = list[i];
      if (tried !== null && tried.indexOf(a) >= 0) continue;
      if (marks) {
        const at = shard.failed.get(a);
        if (at !== undefined) {
          if (t - at < refreshMs) {
            if (at < probeAt) { probe = a; probeAt = at; }
            continue;
          }
          shard.failed.delete(a);
        }
      }
      if (primary) shard.next = (i + 1) % n;
      return a;
    }
    return primary ? probe : null;
  }

  function markFailed(shard, address) {
    const t = now();
    if (shard.failed.size >= 64) {
      // addresses that left the name are never picked again: drop the expired marks
      shard.failed.forEach(function (at, a) { if (t - at >= refreshMs) shard.failed.delete(a); });
    }
    shard.failed.set(address, t);
  }

  // One shard of one fan-out: the primary request, a hedge after the hedge delay (hedging only), a failover at once
  // after a replica failure (whatever the hedge policy), all bounded by the fan-out's deadline.
  function newCall(fanout, shard, request) {
    return { fanout: fanout, shard: shard, request: request, list: null, tried: [], attempts: [], inflight: 0, hedged: false, failedOver: false, done: false, lastError: null, hedgeTimer: null };
  }

  function startCall(call) {
    resolver.addresses(call.shard.host, function (err, list) {
      if (call.done) return;
      if (err) return endCall(call, { ok: false, reason: err.message, timeout: false, cancelled: false, memory: false, ms: 0, value: undefined });
      call.list = list;
      launch(call, 'primary', pick(call.shard, list, null, true));
      if (hedging && !call.done) call.hedgeTimer = setTimeout(hedgeNow, hedgeDelay(call.shard), call);
    });
  }

  function launch(call, kind, address) {
    const shard = call.shard;
    const sm = metrics.shards[shard.index];
    if (kind === 'primary') {
      sm.primary++;
      budget.tokens = Math.min(HEDGE_BURST, budget.tokens + budget.perCall);
      shard.failovers = Math.min(failoverCap, shard.failovers + FAILOVER_PER_PRIMARY);
    } else {
      sm[kind]++;
    }
    call.tried.push(address);
    call.inflight++;
    const attempt = { call: call, address: address, kind: kind, cancel: noop, finished: false };
    call.attempts.push(attempt);
    const cancel = transport(shard, address, call.request, function (err, value) { attemptDone(attempt, err, value); });
    if (!attempt.finished) attempt.cancel = cancel;
  }

  function attemptDone(attempt, err, value) {
    if (attempt.finished) return;
    attempt.finished = true;
    const call = attempt.call;
    call.inflight--;
    if (call.done) return;
    const shard = call.shard;
    if (!err) {
      if (shard.failed.size > 0) shard.failed.delete(attempt.address);
      const ms = now() - call.fanout.started;
      record(shard, ms);
      if (attempt.kind !== 'primary') metrics.shards[shard.index].hedgeWins++;
      return endCall(call, { ok: true, value: value, ms: ms, reason: '', timeout: false, cancelled: false, memory: false });
    }
    call.lastError = err;
    if (err.memory === true) {
      // the root is short of memory: this fan-out lets go of every answer it holds and is answered 503
      endCall(call, { ok: false, reason: err.message, timeout: false, cancelled: false, memory: true, ms: 0, value: undefined });
      return cancelFanout(call.fanout, 'the root is short of memory', true);
    }
    const replica = err.replica === true;
    if (replica) {
      metrics.shards[shard.index].replicaFailures++;
      markFailed(shard, attempt.address);
      if (err.connect === true) resolver.invalidate(shard.host);
    }
    if (call.inflight > 0) return; // another replica of the shard is still answering
    if (replica && !call.failedOver) {
      const next = pick(shard, call.list, call.tried, false);
      if (next !== null) {
        if (shard.failovers >= 1) {
          shard.failovers -= 1;
          call.failedOver = true;
          return launch(call, 'failover', next);
        }
        metrics.failoversThrottled++;
      }
    }
    endCall(call, { ok: false, reason: err.message, timeout: false, cancelled: false, memory: false, ms: 0, value: undefined });
  }

  function hedgeNow(call) {
    call.hedgeTimer = null;
    if (call.done || call.hedged || call.inflight === 0) return;
    const next = pick(call.shard, call.list, call.tried, false);
    if (next === null) return;
    if (budget.tokens < 1) { metrics.hedgesThrottled++; return; }
    budget.tokens -= 1;
    call.hedged = true;
    launch(call, 'hedge', next);
  }

  function endCall(call, result) {
    if (call.done) return;
    call.done = true;
    if (call.hedgeTimer !== null) { clearTimeout(call.hedgeTimer); call.hedgeTimer = null; }
    for (const a of call.attempts) {
      if (!a.finished) { a.finished = true; call.inflight--; a.cancel(); }
    }
    const fanout = call.fanout;
    fanout.results[call.shard.index] = result;
    if (--fanout.remaining === 0) finishFanout(fanout);
  }

  function onDeadline(fanout) {
    fanout.deadline = null;
    for (const call of fanout.calls) {
      if (call === null || call.done) continue;
      record(call.shard, config.timeoutMs);
      // a replica that did not answer in time (hung, or partitioned away) is skipped like a failed one
      for (const a of call.attempts) if (!a.finished) markFailed(call.shard, a.address);
      const reason = 'no answer within ' + config.timeoutMs + 'ms' + (call.lastError ? ' (last error: ' + call.lastError.message + ')' : '');
      endCall(call, { ok: false, reason: reason, timeout: true, cancelled: false, memory: false, ms: config.timeoutMs, value: undefined });
    }
  }

  function cancelFanout(fanout, why, memoryShort) {
    for (const call of fanout.calls) {
      if (call !== null && !call.done) endCall(call, { ok: false, reason: why, timeout: false, cancelled: true, memory: memoryShort === true, ms: 0, value: undefined });
    }
    // the answers already in are let go of too
    if (memoryShort === true) for (let i = 0; i < fanout.results.length; i++) if (fanout.results[i] && fanout.results[i].ok) fanout.results[i].value = undefined;
  }

  function noteFailure(shard, reason) {
    const t = now();
    if (t - shard.lastLog < SHARD_LOG_EVERY_MS) { shard.suppressed++; return; }
    logger('warn', 'shard failed', { shard: shard.index, host: shard.host, reason: reason, suppressed: shard.suppressed });
    shard.lastLog = t;
    shard.suppressed = 0;
  }

  function finishFanout(fanout) {
    if (fanout.deadline !== null) { clearTimeout(fanout.deadline); fanout.deadline = null; }
    const answers = [];
    const failures = [];
    let memoryShort = false;
    for (let i = 0; i < shards.length; i++) {
      const r = fanout.results[i];
      const sm = metrics.shards[i];
      if (r === undefined) { sm.skipped++; continue; } // not called: none of its terms
      if (r.memory) memoryShort = true;
      if (r.ok) {
        observe(sm.latency, r.ms / 1000);
        answers.push({ shard: i, value: r.value });
      } else {
        // a cancelled call (the client went away) is not the shard's failure, nor the root's lack of memory
        if (!r.cancelled && !r.memory) {
          if (r.timeout) sm.timeouts++; else sm.errors++;
          noteFailure(shards[i], r.reason);
        }
        failures.push({ shard: i, reason: r.reason, timeout: r.timeout });
      }
    }
    const called = fanout.calls.length - fanout.skipped;
    if (memoryShort) return fanout.done({ answers: [], failures: failures, memoryShort: true, called: called, terms: fanout.terms });
    fanout.done({ answers: answers, failures: failures, called: called, terms: fanout.terms });
  }

  // Fans a leaf request out to the shards: requests is one leaf request for every shard, or an array of one per
  // shard (null: the shard is not called); terms (with a partition) the terms of each shard. done({ answers:
  // [{ shard, value }], failures: [{ shard, reason, timeout }], called, terms }) once, in shard order. Returns the
  // fan-out (for cancelFanout).
  function fanOut(requests, done, terms) {
    const n = shards.length;
    const fanout = { done: done, started: now(), results: new Array(n), remaining: 0, skipped: 0, calls: new Array(n), deadline: null, terms: terms };
    for (let i = 0; i < n; i++) {
      const request = Array.isArray(requests) ? requests[i] : requests;
      fanout.calls[i] = request === null ? null : newCall(fanout, shards[i], request);
      if (request === null) fanout.skipped++; else fanout.remaining++;
    }
    if (fanout.remaining === 0) { finishFanout(fanout); return fanout; }
    fanout.deadline = setTimeout(onDeadline, config.timeoutMs, fanout);
    for (let i = 0; i < n; i++) if (fanout.calls[i] !== null) startCall(fanout.calls[i]);
    return fanout;
  }

  // The leaf requests of a client request: one for every shard, or with a partition { requests: [request or null
  // per shard], terms } — or { error } (the request cannot be partitioned: 400).
  function leafRequests(method, url, headers, body) {
    const request = leafRequest(method, url, headers, body);
    if (config.partition === undefined) return { requests: request, terms: undefined };
    const split = partitionUrl(config.partition, shards.length, url);
    if (split.error !== undefined) return { error: split.error };
    return {
      requests: split.urls.map(function (u) { return u === null ? null : { method: request.method, url: u, headers: request.headers, body: request.body }; }),
      terms: split.terms,
    };
  }

  // The fan-out as a promise. request = { method, url, headers, body (Buffer), onCancel(fn)? }; resolves to the
  // fan-out's result, or { error } when the partition refuses the request.
  function scatter(request) {
    return new Promise(function (resolve) {
      const leaf = leafRequests(request.method, request.url, request.headers || {}, request.body || EMPTY);
      if (leaf.error !== undefined) return resolve({ error: leaf.error });
      const fanout = fanOut(leaf.requests, resolve, leaf.terms);
      if (request.onCancel) request.onCancel(function (why) { cancelFanout(fanout, why); });
    });
  }

  function send(res, status, headers, body) {
    if (state.draining) headers.connection = 'close';
    res.writeHead(status, headers);
    res.end(body);
  }

  function sendJson(res, status, value, extra) {
    send(res, status, Object.assign({ 'content-type': 'application/json; charset=utf-8' }, extra || {}), JSON.stringify(value));
  }

  function countRequest(status, startedAt) {
    metrics.requests.set(status, (metrics.requests.get(status) || 0) + 1);
    observe(metrics.duration, (now() - startedAt) / 1000);
  }

  function matches(path) {
    return config.path === '/' || path === config.path || path.indexOf(config.path + '/') === 0;
  }

  function shed(res, reason, message, close) {
    const extra = { 'retry-after': '1' };
    if (close) extra.connection = 'close';
    sendJson(res, 503, { error: 'overloaded: ' + message }, extra);
    return reason;
  }

  // A complete request: take a fan-out slot (or answer 503), fan out, answer the merge.
  function admit(req, res, body, startedAt) {
    if (metrics.inflight >= config.maxConcurrentRequests) {
      metrics.rejectedOverload++;
      return shed(res, 'overload', config.maxConcurrentRequests + ' fan-outs in flight', false);
    }
    if (memoryHigh()) {
      metrics.rejectedMemory++;
      return shed(res, 'memory', 'resident memory ' + Math.round(metrics.rss / 1048576) + ' MiB is above ' + Math.round(shedAt / 1048576) + ' MiB, 90 % of the limit', false);
    }
    const leaf = leafRequests(req.method || 'GET', req.url || '/', req.headers, body);
    if (leaf.error !== undefined) {
      metrics.rejectedNoTerms++;
      countRequest(400, startedAt);
      return sendJson(res, 400, { error: leaf.error });
    }
    metrics.inflight++;
    const fanout = fanOut(leaf.requests, function (result) {
      metrics.inflight--;
      if (res.destroyed) {
        // the client went away (nginx's 499): nothing to answer, not a shard failure of ours
        countRequest(499, startedAt);
        return;
      }
      if (result.memoryShort) {
        metrics.rejectedMemory++;
        countRequest(503, startedAt);
        return shed(res, 'memory', 'the root has no memory left to parse the answers', false);
      }
      let out;
      try {
        out = buildResponse(config, result);
      } catch (err) {
        logger('error', 'merge failed', { error: String(err && err.stack || err) });
        countRequest(500, startedAt);
        return sendJson(res, 500, { error: 'internal error' });
      }
      for (const m of out.missing) {
        if (m.reason.indexOf('bad answer: ') === 0) {
          metrics.shards[m.shard].errors++;
          noteFailure(shards[m.shard], m.reason);
        }
      }
      if (out.status === 200 && out.missing.length > 0) metrics.partial++;
      countRequest(out.status, startedAt);
      send(res, out.status, out.headers, out.body);
    }, leaf.terms);
    // 'close' before the answer is out: the client went away, the leaf requests are cancelled.
    if (fanout.remaining > 0) res.on('close', function () { if (!res.writableFinished) cancelFanout(fanout, 'the client went away'); });
  }

  function handler(req, res) {
    const url = req.url || '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path === '/healthz') return send(res, 200, { 'content-type': 'text/plain; charset=utf-8' }, 'ok\n');
    if (path === '/readyz') {
      return send(res, state.draining ? 503 : 200, { 'content-type': 'text/plain; charset=utf-8' }, state.draining ? 'draining\n' : 'ready\n');
    }
    if (path === '/metrics') {
      return send(res, 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }, renderMetrics(metrics));
    }
    if (!matches(path)) return sendJson(res, 404, { error: 'not found: the root fans out requests under ' + config.path });
    const startedAt = now();
    const length = req.headers['content-length'];
    if (length === undefined && req.headers['transfer-encoding'] === undefined) {
      // no body (HTTP/1.1: neither content-length nor transfer-encoding): the request is complete
      req.resume();
      return admit(req, res, EMPTY, startedAt);
    }
    const tooLarge = function () {
      metrics.rejectedTooLarge++;
      sendJson(res, 413, { error: 'request body larger than ' + config.maxRequestBodyBytes + ' bytes' }, { connection: 'close' });
    };
    if (Number(length) > config.maxRequestBodyBytes) return tooLarge();
    // The body is read before a fan-out slot is taken: a slow client holds its socket (until requestTimeoutMs),
    // never a slot. Bodies being read count against their own budget.
    const chunks = [];
    let size = 0;
    let held = 0;
    let over = false;
    const release = function () { state.bodyBytes -= held; held = 0; };
    req.on('data', function (chunk) {
      if (over) return;
      size += chunk.length;
      if (size > config.maxRequestBodyBytes) { over = true; release(); return tooLarge(); }
      if (state.bodyBytes + chunk.length > bodyBudget) {
        over = true;
        release();
        metrics.rejectedBodies++;
        return shed(res, 'bodies', 'request bodies being read hold ' + bodyBudget + ' bytes', true);
      }
      state.bodyBytes += chunk.length;
      held += chunk.length;
      chunks.push(chunk);
    });
    req.on('end', function () {
      release();
      if (over) return;
      admit(req, res, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size), startedAt);
    });
    req.on('close', release);
  }

  // Listens on host (every interface when empty) and config.port; cb(err, server) once listening or on failure.
  function listen(host, cb) {
    const server = http.createServer({
      // a client has requestTimeoutMs to send its headers and its body (then 408 and the connection closes),
      // checked every 250 ms at most
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(250, config.requestTimeoutMs),
      // longer than the idle timeouts of common load balancers, so they never reuse a connection the root closes
      keepAliveTimeout: 65000,
    }, handler);
    state.server = server;
    if (shedAt > 0 && state.sampler === null) {
      sampleMemory(true);
      state.sampler = setInterval(sampleMemory, RSS_SAMPLE_MS, true);
      state.sampler.unref();
    }
    const failed = function (e) { cb(e, server); };
    server.once('error', failed);
    const opts = { port: config.port };
    if (host) opts.host = host;
    server.listen(opts, function () {
      server.removeListener('error', failed);
      cb(null, server);
    });
    return server;
  }

  // Drain: /readyz answers 503 at once, requests are still served for drainMs (the time endpoints take to drop the
  // pod), then the listener closes; done() runs when the last connection is gone (or after the hard limit).
  function shutdown(done) {
    if (state.draining) return;
    state.draining = true;
    logger('info', 'draining', { drainMs: config.drainMs });
    setTimeout(function () {
      const server = state.server;
      const hard = setTimeout(function () { done(); }, config.timeoutMs + 5000);
      hard.unref();
      if (state.sampler !== null) { clearInterval(state.sampler); state.sampler = null; }
      if (!server) return done();
      server.close(function () { clearTimeout(hard); done(); });
      server.closeIdleConnections();
    }, config.drainMs);
  }

  return {
    config: config,
    metrics: metrics,
    state: state,
    shards: shards,
    scatter: scatter,
    handler: handler,
    listen: listen,
    shutdown: shutdown,
    hedgeDelay: hedgeDelay,
    hedgeBudget: budget,
    agent: agent,
    renderMetrics: function () { return renderMetrics(metrics); },
  };
}

function main(argv, env) {
  const file = argv[2];
  if (!file || argv.length > 3) {
    process.stderr.write('usage: node root.js <config.json>\n');
    process.exit(2);
  }
  let config;
  try {
    config = loadConfig(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (e) {
    log('error', 'bad config', { file: file, error: e.message });
    process.exit(1);
  }
  const root = createRoot(config);
  root.listen(env.LISTEN_HOST || '', function (err, server) {
    if (err) {
      log('error', 'cannot listen', { host: env.LISTEN_HOST || '*', port: config.port, error: err.message });
      process.exit(1);
    }
    const a = server.address();
    log('info', 'listening', {
      address: a.address, port: a.port, shards: config.shards.length, merge: config.merge.strategy,
      partition: config.partition === undefined ? 'none' : config.partition.rule,
      timeoutMs: config.timeoutMs, missingShards: config.missingShards, hedge: config.hedge.mode,
      maxConcurrentRequests: config.maxConcurrentRequests, memoryLimitBytes: config.memoryLimitBytes, node: process.version,
    });
  });
  const stop = function (signal) {
    log('info', 'signal', { signal: signal });
    root.shutdown(function () { log('info', 'stopped'); process.exit(0); });
  };
  process.on('SIGTERM', function () { stop('SIGTERM'); });
  process.on('SIGINT', function () { stop('SIGINT'); });
}

module.exports = {
  loadConfig: loadConfig,
  mergeAnswers: mergeAnswers,
  buildResponse: buildResponse,
  createRoot: createRoot,
  createResolver: createResolver,
  createMetrics: createMetrics,
  renderMetrics: renderMetrics,
  leafRequest: leafRequest,
  partitionUrl: partitionUrl,
  main: main,
  STRATEGIES: STRATEGIES,
  BUCKETS: BUCKETS,
};

if (require.main === module) main(process.argv, process.env);
