'use strict';
// scatter-gather root (cdk8s-distributed-patterns, ScatterGather). Zero dependencies: Node built-ins only.
//
//   node root.js config.json
//
// For each request under config.path it calls every leaf shard in parallel (per-shard deadline, optional hedged
// second request to another replica of the shard), merges the JSON answers with the configured strategy, and
// answers with the merged JSON, or with an error status when shards are missing and the policy says fail.
// Reserved paths: /healthz (alive), /readyz (503 while draining), /metrics (Prometheus text format).
// Env: LISTEN_HOST binds one address (default: every interface). SIGTERM/SIGINT: /readyz turns 503, requests are
// still served for drainMs, then the listener closes and the process exits once in-flight requests are answered.

const dns = require('dns');
const fs = require('fs');
const http = require('http');
const net = require('net');

const STRATEGIES = ['concatArrays', 'mergeObjects', 'sum', 'topK', 'unionStrings'];
const RESERVED_PATHS = ['/healthz', '/readyz', '/metrics'];
// Histogram buckets in seconds, for the root's requests and each shard's answers.
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// Request headers that belong to one connection and are not forwarded to the leaves.
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te',
  'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'expect'];
// Recent answer latencies kept per shard for percentile hedging, how many are needed before the percentile is
// trusted, and how often (in new samples) it is recomputed.
const LATENCY_WINDOW = 1024;
const PERCENTILE_MIN_SAMPLES = 20;
const PERCENTILE_EVERY = 16;
// Hedge budget: a token bucket that gains maxPercent/100 per primary leaf call; a hedge spends one token.
// The burst lets the first hedges go out before the bucket has filled.
const HEDGE_BURST = 10;
// At most one log line per failing shard per this many ms (the rest is counted in /metrics).
const SHARD_LOG_EVERY_MS = 10000;

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
  onlyKeys(c, '', ['port', 'path', 'shards', 'merge', 'timeoutMs', 'missingShards', 'hedge', 'maxRequestBodyBytes',
    'maxLeafResponseBytes', 'maxConcurrentRequests', 'dnsRefreshMs', 'drainMs']);
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
    timeoutMs: timeoutMs,
    missingShards: missingShards,
    hedge: hedge,
    maxRequestBodyBytes: integer(c, '', 'maxRequestBodyBytes', 0, 1073741824),
    maxLeafResponseBytes: integer(c, '', 'maxLeafResponseBytes', 1, 1073741824),
    maxConcurrentRequests: integer(c, '', 'maxConcurrentRequests', 1, 1000000),
    dnsRefreshMs: integer(c, '', 'dnsRefreshMs', 100, 3600000),
    drainMs: integer(c, '', 'drainMs', 0, 3600000),
  };
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

// The response for one fan-out: result = { answers: [{ shard, value }], failures: [{ shard, reason, timeout }] }.
// Returns { status, headers, body, missing } where missing lists every shard that did not contribute.
function buildResponse(config, result) {
  const merged = mergeAnswers(config.merge, result.answers);
  const missing = result.failures.concat(merged.rejected).sort(function (a, b) { return a.shard - b.shard; });
  const total = config.shards.length;
  const answered = total - missing.length;
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'x-scatter-gather-shards': answered + '/' + total,
  };
  if (missing.length > 0) headers['x-scatter-gather-missing'] = missing.map(function (m) { return m.shard; }).join(',');
  if (missing.length > 0 && (config.missingShards === 'fail' || answered === 0)) {
    const allTimedOut = missing.every(function (m) { return m.timeout; });
    return {
      status: allTimedOut ? 504 : 502,
      headers: headers,
      body: JSON.stringify({
        error: answered === 0 ? 'no shard answered' : 'missing shards',
        missing: missing.map(function (m) { return { shard: m.shard, reason: m.reason }; }),
      }),
      missing: missing,
    };
  }
  return { status: 200, headers: headers, body: JSON.stringify(merged.value), missing: missing };
}

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
    shards.push({ primary: 0, hedge: 0, failover: 0, hedgeWins: 0, timeouts: 0, errors: 0, latency: newHistogram() });
  }
  return {
    requests: new Map(),
    duration: newHistogram(),
    inflight: 0,
    rejectedOverload: 0,
    rejectedTooLarge: 0,
    partial: 0,
    hedgesThrottled: 0,
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
  head('scatter_gather_requests_total', 'counter', 'Fan-out requests answered by the root, by HTTP status code.');
  for (const code of Array.from(m.requests.keys()).sort()) out.push('scatter_gather_requests_total{code="' + code + '"} ' + m.requests.get(code));
  head('scatter_gather_request_duration_seconds', 'histogram', 'Time from a fan-out request to its merged answer.');
  histogram('scatter_gather_request_duration_seconds', '', m.duration);
  head('scatter_gather_inflight_requests', 'gauge', 'Fan-outs in flight.');
  out.push('scatter_gather_inflight_requests ' + m.inflight);
  head('scatter_gather_rejected_requests_total', 'counter', 'Requests refused before the fan-out, by reason.');
  out.push('scatter_gather_rejected_requests_total{reason="overload"} ' + m.rejectedOverload);
  out.push('scatter_gather_rejected_requests_total{reason="body_too_large"} ' + m.rejectedTooLarge);
  head('scatter_gather_partial_responses_total', 'counter', 'Answers sent without some shards (missingShards: partial).');
  out.push('scatter_gather_partial_responses_total ' + m.partial);
  head('scatter_gather_hedges_throttled_total', 'counter', 'Hedges not sent because the hedge budget was spent.');
  out.push('scatter_gather_hedges_throttled_total ' + m.hedgesThrottled);
  head('scatter_gather_shard_requests_total', 'counter', 'Requests sent to a shard, by kind (primary, hedge after the delay, failover after an error).');
  m.shards.forEach(function (s, i) {
    out.push('scatter_gather_shard_requests_total{shard="' + i + '",kind="primary"} ' + s.primary);
    out.push('scatter_gather_shard_requests_total{shard="' + i + '",kind="hedge"} ' + s.hedge);
    out.push('scatter_gather_shard_requests_total{shard="' + i + '",kind="failover"} ' + s.failover);
  });
  head('scatter_gather_shard_hedge_wins_total', 'counter', 'Shard answers that came from the hedged (or failover) request.');
  m.shards.forEach(function (s, i) { out.push('scatter_gather_shard_hedge_wins_total{shard="' + i + '"} ' + s.hedgeWins); });
  head('scatter_gather_shard_timeouts_total', 'counter', 'Shards that gave no answer within the timeout.');
  m.shards.forEach(function (s, i) { out.push('scatter_gather_shard_timeouts_total{shard="' + i + '"} ' + s.timeouts); });
  head('scatter_gather_shard_errors_total', 'counter', 'Shards that failed: connection error, non-2xx status, no JSON, or an answer the merge rejects.');
  m.shards.forEach(function (s, i) { out.push('scatter_gather_shard_errors_total{shard="' + i + '"} ' + s.errors); });
  head('scatter_gather_shard_duration_seconds', 'histogram', 'Time from the fan-out to the shard\'s first good answer.');
  m.shards.forEach(function (s, i) { histogram('scatter_gather_shard_duration_seconds', 'shard="' + i + '"', s.latency); });
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------------------
// Leaf addresses: every ready replica of a shard (its headless Service resolves to all of them), refreshed in the
// background; a hedge goes to a different replica than its primary.

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
    const t = now();
    if (e.addresses.length > 0) {
      if (t - e.at >= refreshMs) refresh(host, e);
      return cb(null, e.addresses);
    }
    if (e.error !== null && t - e.failedAt < retryMs) return cb(e.error);
    e.waiting.push(function () { return e.addresses.length > 0 ? cb(null, e.addresses) : cb(e.error); });
    refresh(host, e);
  }
  // After a connection error: look the name up again on the next request.
  function invalidate(host) {
    const e = entries.get(host);
    if (e && e.addresses.length > 0 && e.at > -Infinity) e.at = Math.min(e.at, now() - refreshMs);
  }
  return { addresses: addresses, invalidate: invalidate };
}

// Sends one request to one replica of a shard. attempt 0 picks the next replica round-robin and remembers it in
// slot; attempt 1 (hedge or failover) picks the replica after it. cb(err, value) at most once; returns cancel().
function createHttpTransport(config, resolver, agent) {
  return function send(shard, request, attempt, slot, cb) {
    let req = null;
    let finished = false;
    function done(err, value) {
      if (finished) return;
      finished = true;
      cb(err, value);
    }
    resolver.addresses(shard.host, function (err, list) {
      if (finished) return;
      if (err) return done(err);
      let i;
      if (attempt === 0 || slot.index < 0) {
        i = shard.next % list.length;
        shard.next = (shard.next + 1) % 1048576;
        slot.index = i;
      } else {
        i = (slot.index + 1) % list.length;
      }
      const address = list[i];
      const where = shard.host + ' (' + address + ':' + shard.port + ')';
      try {
        req = http.request({
          agent: agent,
          host: address,
          port: shard.port,
          method: request.method,
          path: request.url,
          headers: request.leafHeaders(shard),
        }, onResponse);
      } catch (e) {
        // e.g. a header value Node refuses to send: fail this shard, not the process
        return done(new Error(where + ' request not sent: ' + e.message));
      }
      function onResponse(res) {
        const chunks = [];
        let size = 0;
        res.on('data', function (chunk) {
          if (finished) return;
          size += chunk.length;
          if (size > config.maxLeafResponseBytes) {
            done(new Error(where + ' answered more than ' + config.maxLeafResponseBytes + ' bytes'));
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', function () {
          if (finished) return;
          if (res.statusCode < 200 || res.statusCode > 299) return done(new Error(where + ' answered status ' + res.statusCode));
          let value;
          try {
            value = JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
          } catch (e) {
            return done(new Error(where + ' answered no JSON: ' + e.message));
          }
          done(null, value);
        });
        res.on('error', function (e) { done(new Error(where + ' ' + (e.code || e.message))); });
        res.on('close', function () { if (!res.complete) done(new Error(where + ' cut its answer off')); });
      }
      req.on('error', function (e) {
        if (finished) return;
        if (e.code === 'ECONNREFUSED' || e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH') resolver.invalidate(shard.host);
        done(new Error(where + ' ' + (e.code || e.message)));
      });
      req.end(request.body.length > 0 ? request.body : undefined);
    });
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

// options (for tests): now() in ms, transport(shard, request, attempt, slot, cb) -> cancel, lookup (dns.lookup), log.
function createRoot(config, options) {
  options = options || {};
  const now = options.now || function () { return performance.now(); };
  const logger = options.log || log;
  const metrics = createMetrics(config.shards.length);
  const hedging = config.hedge.mode !== 'none';
  const budget = { tokens: HEDGE_BURST, perCall: hedging ? config.hedge.maxPercent / 100 : 0 };
  const shards = config.shards.map(function (s) {
    return {
      index: s.index, host: s.host, port: s.port, hostHeader: s.host + ':' + s.port, next: 0,
      window: new Float64Array(LATENCY_WINDOW), samples: 0, sinceSort: 0,
      percentileMs: hedging && config.hedge.mode === 'percentile' ? config.hedge.minDelayMs : 0,
      lastLog: -Infinity, suppressed: 0,
    };
  });
  const resolver = createResolver(config.dnsRefreshMs, now, options.lookup || dns.lookup);
  const agent = new http.Agent({ keepAlive: true, scheduling: 'lifo', maxFreeSockets: 1024 });
  const transport = options.transport || createHttpTransport(config, resolver, agent);
  const state = { draining: false, server: null };

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

  function takeToken(sm, kind) {
    if (budget.tokens < 1) { metrics.hedgesThrottled++; return false; }
    budget.tokens -= 1;
    sm[kind]++;
    return true;
  }

  // Calls one shard: the primary request, a hedge after the hedge delay (or at once after a primary error), all
  // bounded by the shard deadline. Resolves { shard, ok, value?, reason?, timeout, ms, by }.
  function callShard(shard, request) {
    return new Promise(function (resolve) {
      const started = now();
      const sm = metrics.shards[shard.index];
      const slot = { index: -1 };
      const attempts = [];
      let done = false;
      let hedgeTimer = null;
      let deadline = null;
      let lastError = null;
      function finish(result) {
        if (done) return;
        done = true;
        if (deadline !== null) clearTimeout(deadline);
        if (hedgeTimer !== null) clearTimeout(hedgeTimer);
        for (const a of attempts) {
          if (!a.finished) { a.finished = true; if (a.cancel) a.cancel(); }
        }
        result.shard = shard.index;
        resolve(result);
      }
      function launch(kind) {
        const a = { finished: false, cancel: null };
        attempts.push(a);
        if (kind === 'primary') {
          sm.primary++;
          budget.tokens = Math.min(HEDGE_BURST, budget.tokens + budget.perCall);
        }
        const cancel = transport(shard, request, kind === 'primary' ? 0 : 1, slot, function (err, value) {
          if (a.finished || done) return;
          a.finished = true;
          if (!err) {
            const ms = now() - started;
            record(shard, ms);
            if (kind !== 'primary') sm.hedgeWins++;
            return finish({ ok: true, value: value, timeout: false, ms: ms, by: kind });
          }
          lastError = err;
          if (kind === 'primary' && attempts.length === 1 && hedging && takeToken(sm, 'failover')) {
            if (hedgeTimer !== null) { clearTimeout(hedgeTimer); hedgeTimer = null; }
            return launch('failover');
          }
          if (attempts.every(function (x) { return x.finished; })) {
            finish({ ok: false, reason: err.message, timeout: false, ms: now() - started, by: kind });
          }
        });
        if (a.finished) return; // answered synchronously
        a.cancel = cancel;
      }
      request.cancels.push(function (why) { finish({ ok: false, reason: why, timeout: false, cancelled: true, ms: now() - started, by: 'none' }); });
      deadline = setTimeout(function () {
        record(shard, config.timeoutMs);
        finish({
          ok: false,
          timeout: true,
          reason: 'no answer within ' + config.timeoutMs + 'ms' + (lastError ? ' (last error: ' + lastError.message + ')' : ''),
          ms: config.timeoutMs,
          by: 'none',
        });
      }, config.timeoutMs);
      launch('primary');
      if (hedging && !done && attempts.length === 1) {
        hedgeTimer = setTimeout(function () {
          hedgeTimer = null;
          if (!done && attempts.length === 1 && takeToken(sm, 'hedge')) launch('hedge');
        }, hedgeDelay(shard));
      }
    });
  }

  function noteFailure(shard, reason) {
    const t = now();
    if (t - shard.lastLog < SHARD_LOG_EVERY_MS) { shard.suppressed++; return; }
    logger('warn', 'shard failed', { shard: shard.index, host: shard.host, reason: reason, suppressed: shard.suppressed });
    shard.lastLog = t;
    shard.suppressed = 0;
  }

  // Fans request out to every shard. request = { method, url, headers, body (Buffer) }.
  // Resolves { answers: [{ shard, value }], failures: [{ shard, reason, timeout }] } in shard order.
  function scatter(request) {
    const forwarded = {};
    const headers = request.headers || {};
    const connectionTokens = String(headers.connection || '').toLowerCase().split(',').map(function (s) { return s.trim(); });
    for (const k of Object.keys(headers)) {
      const lk = k.toLowerCase();
      if (HOP_BY_HOP.indexOf(lk) < 0 && connectionTokens.indexOf(lk) < 0) forwarded[lk] = headers[k];
    }
    const body = request.body || Buffer.alloc(0);
    if (body.length > 0 || (request.method !== 'GET' && request.method !== 'HEAD')) forwarded['content-length'] = String(body.length);
    const leafRequest = {
      method: request.method,
      url: request.url,
      body: body,
      cancels: [],
      leafHeaders: function (shard) { return Object.assign({ host: shard.hostHeader }, forwarded); },
    };
    if (request.onCancel) request.onCancel(function (why) { for (const c of leafRequest.cancels) c(why); });
    return Promise.all(shards.map(function (s) { return callShard(s, leafRequest); })).then(function (results) {
      const answers = [];
      const failures = [];
      for (const r of results) {
        const sm = metrics.shards[r.shard];
        if (r.ok) {
          observe(sm.latency, r.ms / 1000);
          answers.push({ shard: r.shard, value: r.value });
        } else {
          // a cancelled call (the client went away) is not the shard's failure
          if (!r.cancelled) {
            if (r.timeout) sm.timeouts++; else sm.errors++;
            noteFailure(shards[r.shard], r.reason);
          }
          failures.push({ shard: r.shard, reason: r.reason, timeout: r.timeout });
        }
      }
      return { answers: answers, failures: failures };
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
    if (metrics.inflight >= config.maxConcurrentRequests) {
      metrics.rejectedOverload++;
      return sendJson(res, 503, { error: 'overloaded: ' + config.maxConcurrentRequests + ' fan-outs in flight' }, { 'retry-after': '1' });
    }
    const tooLarge = function () {
      metrics.rejectedTooLarge++;
      sendJson(res, 413, { error: 'request body larger than ' + config.maxRequestBodyBytes + ' bytes' }, { connection: 'close' });
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > config.maxRequestBodyBytes) return tooLarge();
    const startedAt = now();
    metrics.inflight++;
    let released = false;
    const release = function () { if (!released) { released = true; metrics.inflight--; } };
    const cancelHooks = [];
    // 'close' comes after the answer, or earlier when the client goes away: then the leaf requests are cancelled.
    res.on('close', function () {
      if (!res.writableFinished) for (const c of cancelHooks) c('the client went away');
      release();
    });
    const chunks = [];
    let size = 0;
    let over = false;
    req.on('data', function (chunk) {
      if (over) return;
      size += chunk.length;
      if (size > config.maxRequestBodyBytes) { over = true; release(); tooLarge(); return; }
      chunks.push(chunk);
    });
    req.on('end', function () {
      if (over) return;
      scatter({
        method: req.method,
        url: url,
        headers: req.headers,
        body: Buffer.concat(chunks, size),
        onCancel: function (fn) { cancelHooks.push(fn); },
      }).then(function (result) {
        if (res.destroyed) {
          // the client went away (nginx's 499): nothing to answer, not a shard failure of ours
          countRequest(499, startedAt);
          return release();
        }
        const out = buildResponse(config, result);
        for (const m of out.missing) {
          if (m.reason.indexOf('bad answer: ') === 0) {
            metrics.shards[m.shard].errors++;
            noteFailure(shards[m.shard], m.reason);
          }
        }
        if (out.status === 200 && out.missing.length > 0) metrics.partial++;
        countRequest(out.status, startedAt);
        release();
        send(res, out.status, out.headers, out.body);
      }, function (err) {
        logger('error', 'fan-out failed', { error: String(err && err.stack || err) });
        countRequest(500, startedAt);
        release();
        if (!res.destroyed) sendJson(res, 500, { error: 'internal error' });
      });
    });
  }

  // Listens on host (every interface when empty) and config.port; cb(err, server) once listening or on failure.
  function listen(host, cb) {
    const server = http.createServer(handler);
    // Longer than the idle timeouts of common load balancers, so they never reuse a connection the root closes.
    server.keepAliveTimeout = 65000;
    server.headersTimeout = 66000;
    state.server = server;
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
      timeoutMs: config.timeoutMs, missingShards: config.missingShards, hedge: config.hedge.mode, node: process.version,
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
  main: main,
  STRATEGIES: STRATEGIES,
  BUCKETS: BUCKETS,
};

if (require.main === module) main(process.argv, process.env);
