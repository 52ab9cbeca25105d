'use strict';
// function runtime for Node (cdk8s-distributed-patterns, FunctionService / FunctionPipeline). Node built-ins only.
//
//   node function-runtime.js config.json
//
// Loads the user's handler file (config.handlerFile, export config.handlerName) and serves it over HTTP: every
// path but /healthz and /metrics calls `handler(context)` with `context.json` (the parsed JSON body, or null),
// `context.body` (text), `context.headers` (lowercase names), `context.query` (first value of each name),
// `context.method`, `context.path`, and `context.response(status, body, headers)` to answer a status of its own.
// A handler may be async. What it returns is the answer: a JSON value (200), nothing (204), or context.response().
//
// Bounds: a handler that takes longer than timeoutMs is answered 504 (its promise is abandoned); a body over
// maxBodyBytes 413; more than maxConcurrency requests at once 503 with Retry-After; a handler that throws 500.
//
// After a 2xx answer the event — what the handler returned, else the JSON it was given — goes on:
//   forward     (the decorator) POST the event to forward.url (env forward.urlEnv) and answer with its answer;
//   successors  (a pipeline, delivery "http") POST the event to each successor due — every successor without
//               `when`, and those whose `when` field (a dot path) is present and not null in the event — each
//               retried on connection errors, timeouts, 408, 429 and 5xx with exponential backoff up to
//               delivery.attempts, then posted to the dead-letter URL as an envelope; the answer waits for every
//               delivery, and is 502 when one could neither be delivered nor dead-lettered.
// Env: LISTEN_HOST binds one address (default: every interface). SIGTERM: stop accepting, finish, exit.

const fs = require('fs');
const path = require('path');
const http = require('http');
const crypto = require('crypto');

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const RETRIED_STATUS = [408, 429];
const TIMED_OUT = Symbol('timed out');

// ---------------------------------------------------------------------------------------------------------------
// Config

function show(v) {
  return v === undefined ? 'undefined' : JSON.stringify(v);
}

function configError(key, expectation, value) {
  return new Error('config: ' + key + ' must be ' + expectation + ', got ' + show(value));
}

function integer(obj, key, min, max) {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw configError(key, 'an integer from ' + min + ' to ' + max, v);
  return v;
}

function text(obj, key) {
  const v = obj[key];
  if (typeof v !== 'string' || v === '') throw configError(key, 'a non-empty string', v);
  return v;
}

/** Reads and checks the config; URLs named by env are looked up in `env`. */
function loadConfig(raw, env) {
  const c = typeof raw === 'string' ? JSON.parse(raw) : raw;
  if (c === null || typeof c !== 'object') throw configError('config', 'an object', c);
  const out = {
    name: text(c, 'name'),
    port: integer(c, 'port', 1, 65535),
    handlerFile: text(c, 'handlerFile'),
    handlerName: text(c, 'handlerName'),
    timeoutMs: integer(c, 'timeoutMs', 1, 86400000),
    maxBodyBytes: integer(c, 'maxBodyBytes', 0, 1073741824),
    maxConcurrency: integer(c, 'maxConcurrency', 1, 1000000),
    forward: undefined,
    successors: [],
    delivery: { attempts: 1, backoffMs: 0, attemptTimeoutMs: 1000, deadLetterUrl: undefined },
  };
  const urlOf = (o, key) => {
    const name = text(o, key);
    const url = env[name];
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw configError('env ' + name, 'an http(s) URL', url);
    return url;
  };
  if (c.forward !== undefined) {
    out.forward = { url: urlOf(c.forward, 'urlEnv'), timeoutMs: integer(c.forward, 'timeoutMs', 1, 86400000) };
  }
  const d = c.delivery;
  if (d !== undefined) {
    out.delivery = {
      attempts: integer(d, 'attempts', 1, 100),
      backoffMs: integer(d, 'backoffMs', 0, 3600000),
      attemptTimeoutMs: integer(d, 'attemptTimeoutMs', 1, 86400000),
      deadLetterUrl: d.deadLetterUrlEnv === undefined ? undefined : urlOf(d, 'deadLetterUrlEnv'),
    };
  }
  for (const s of c.successors || []) {
    out.successors.push({ name: text(s, 'name'), when: s.when === undefined ? undefined : text(s, 'when'), url: urlOf(s, 'urlEnv') });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The handler

/** An answer with a status of the handler's own (context.response). */
class FunctionResponse {
  constructor(status, body, headers) {
    if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error('context.response: status must be an integer from 100 to 599, got ' + show(status));
    this.status = status;
    this.body = body;
    this.headers = headers || {};
  }
}

/** Loads `handlerName` from the CommonJS module `file`. */
async function loadHandler(file, handlerName) {
  if (!fs.existsSync(file)) throw new Error('handler file ' + file + ' does not exist');
  const mod = require(path.resolve(file));
  const fn = mod && (typeof mod[handlerName] === 'function' ? mod[handlerName] : (mod.default && mod.default[handlerName]));
  if (typeof fn !== 'function') throw new Error('handler file ' + file + " does not export a function '" + handlerName + "'");
  return fn;
}

/** Whether the dot path `when` is present and not null in `event`. */
function isPresent(event, when) {
  let v = event;
  for (const part of when.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
    v = v[part];
  }
  return v !== undefined && v !== null;
}

/** The successors due for `event`: every required one, and the optional ones whose field is present. */
function route(successors, event) {
  if (event === undefined || event === null) return [];
  return successors.filter((s) => s.when === undefined || isPresent(event, s.when));
}

// ---------------------------------------------------------------------------------------------------------------
// Metrics (Prometheus text format)

function createMetrics(name) {
  const counters = new Map();
  const hist = { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
  const gauges = { in_flight: 0, abandoned: 0 };
  const label = (k, v) => k + '="' + String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
  function inc(metric, labels) {
    const key = metric + '{' + [label('function', name), ...Object.keys(labels).map((k) => label(k, labels[k]))].join(',') + '}';
    counters.set(key, (counters.get(key) || 0) + 1);
  }
  function observe(seconds) {
    BUCKETS.forEach((b, i) => { if (seconds <= b) hist.buckets[i]++; });
    hist.sum += seconds;
    hist.count++;
  }
  function render() {
    const fn = label('function', name);
    const lines = [];
    const families = [
      ['function_requests_total', 'counter', 'Requests answered, by status code.'],
      ['function_errors_total', 'counter', 'Requests that failed, by kind (exception, timeout, too_large, bad_json, overload, forward).'],
      ['function_deliveries_total', 'counter', 'Event deliveries to successors, by successor and outcome (delivered, retried, dead_lettered, failed).'],
    ];
    for (const [metric, type, help] of families) {
      lines.push('# HELP ' + metric + ' ' + help, '# TYPE ' + metric + ' ' + type);
      for (const [k, v] of [...counters.entries()].sort()) if (k.startsWith(metric + '{')) lines.push(k + ' ' + v);
    }
    lines.push('# HELP function_request_duration_seconds Time from request to answer.', '# TYPE function_request_duration_seconds histogram');
    BUCKETS.forEach((b, i) => lines.push('function_request_duration_seconds_bucket{' + fn + ',le="' + b + '"} ' + hist.buckets[i]));
    lines.push('function_request_duration_seconds_bucket{' + fn + ',le="+Inf"} ' + hist.count);
    lines.push('function_request_duration_seconds_sum{' + fn + '} ' + hist.sum, 'function_request_duration_seconds_count{' + fn + '} ' + hist.count);
    lines.push('# HELP function_in_flight Requests being handled.', '# TYPE function_in_flight gauge', 'function_in_flight{' + fn + '} ' + gauges.in_flight);
    lines.push('# HELP function_abandoned_handlers Handlers still running after their time bound.', '# TYPE function_abandoned_handlers gauge',
      'function_abandoned_handlers{' + fn + '} ' + gauges.abandoned);
    return lines.join('\n') + '\n';
  }
  return { inc, observe, render, gauges };
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP client

/** POSTs `body` (JSON text) to `url`; resolves { status, headers, body } or rejects on a network error/timeout. */
function post(url, body, headers, timeoutMs) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({
      host: u.hostname, port: u.port || 80, path: u.pathname + u.search, method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => { clearTimeout(timer); resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }); });
      res.on('error', (e) => { clearTimeout(timer); reject(e); });
    });
    const timer = setTimeout(() => req.destroy(new Error('timed out after ' + timeoutMs + 'ms')), timeoutMs);
    req.on('error', (e) => { clearTimeout(timer); reject(e); });
    req.end(body);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Delivers `body` to `url` with the retry policy; resolves { ok, status, error, attempts }. */
async function deliver(url, body, headers, d, onRetry) {
  let last = { ok: false, status: undefined, error: 'not sent', attempts: 0 };
  for (let attempt = 1; attempt <= d.attempts; attempt++) {
    if (attempt > 1) { onRetry(); await sleep(d.backoffMs * 2 ** (attempt - 2)); }
    try {
      const res = await post(url, body, { ...headers, 'x-function-attempt': String(attempt) }, d.attemptTimeoutMs);
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, error: undefined, attempts: attempt };
      last = { ok: false, status: res.status, error: 'status ' + res.status, attempts: attempt };
      if (res.status < 500 && !RETRIED_STATUS.includes(res.status)) return last;
    } catch (e) {
      last = { ok: false, status: undefined, error: String(e && e.message), attempts: attempt };
    }
  }
  return last;
}

// ---------------------------------------------------------------------------------------------------------------
// The server

function send(res, status, body, headers) {
  const h = { ...(headers || {}) };
  /** @type {string | Buffer} */
  let payload = '';
  if (body !== undefined && status !== 204) {
    payload = Buffer.isBuffer(body) ? body : JSON.stringify(body);
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json';
  }
  h['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(status, h);
  res.end(payload);
}

/** The server for `config` with the loaded `handler` (not listening yet). */
function createFunctionServer(config, handler, log) {
  const metrics = createMetrics(config.name);
  const g = metrics.gauges;
  const answer = (res, started, status, body, headers, errorKind) => {
    if (errorKind) metrics.inc('function_errors_total', { kind: errorKind });
    metrics.inc('function_requests_total', { code: status });
    metrics.observe((Date.now() - started) / 1000);
    send(res, status, body, headers);
  };

  async function onEvent(req, res, started, bodyText) {
    const url = new URL(req.url || '/', 'http://x');
    const ctype = String(req.headers['content-type'] || '');
    let json = null;
    if (bodyText !== '' && (ctype === '' || /json/i.test(ctype))) {
      try { json = JSON.parse(bodyText); } catch (e) {
        if (ctype !== '') return answer(res, started, 400, { error: 'invalid JSON body' }, undefined, 'bad_json');
      }
    }
    const query = {};
    for (const [k, v] of url.searchParams) if (!(k in query)) query[k] = v;
    const context = {
      json, body: bodyText, headers: { ...req.headers }, query, method: req.method, path: url.pathname,
      response: (status, body, headers) => new FunctionResponse(status, body, headers),
    };
    let result;
    g.in_flight++;
    let timer;
    try {
      const run = Promise.resolve().then(() => handler(context));
      const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(TIMED_OUT), config.timeoutMs); });
      result = await Promise.race([run, timeout]);
      if (result === TIMED_OUT) {
        g.abandoned++;
        run.then(() => g.abandoned--, () => g.abandoned--);
        return answer(res, started, 504, { error: 'handler timed out after ' + config.timeoutMs + 'ms' }, undefined, 'timeout');
      }
    } catch (e) {
      log('handler failed: ' + (e && e.stack ? e.stack : String(e)));
      return answer(res, started, 500, { error: 'handler failed' }, undefined, 'exception');
    } finally {
      clearTimeout(timer);
      g.in_flight--;
    }
    let status = 200;
    let body = result;
    let headers = {};
    if (result instanceof FunctionResponse) ({ status, body, headers } = result);
    else if (result === undefined || result === null) status = 204;
    if (status < 200 || status > 299) return answer(res, started, status, body, headers);
    const event = body === undefined || body === null ? json : body;
    const eventId = String(req.headers['x-function-event-id'] || crypto.randomUUID());

    if (config.forward) {
      try {
        const r = await post(config.forward.url + (url.search || ''), JSON.stringify(event), { 'x-function-event-id': eventId }, config.forward.timeoutMs);
        const h = {};
        if (r.headers['content-type']) h['content-type'] = String(r.headers['content-type']);
        return answer(res, started, r.status || 502, r.body, h);
      } catch (e) {
        const timedOut = /timed out/.test(String(e && e.message));
        return answer(res, started, timedOut ? 504 : 502, { error: 'the decorated service did not answer: ' + String(e && e.message) }, undefined, 'forward');
      }
    }
    const due = route(config.successors, event);
    if (due.length === 0) return answer(res, started, status, body, headers);
    const payload = JSON.stringify(event);
    const outcomes = await Promise.all(due.map(async (s) => {
      const onRetry = () => metrics.inc('function_deliveries_total', { successor: s.name, outcome: 'retried' });
      const r = await deliver(s.url, payload, { 'x-function-event-id': eventId, 'x-function-source': config.name }, config.delivery, onRetry);
      if (r.ok) { metrics.inc('function_deliveries_total', { successor: s.name, outcome: 'delivered' }); return { s, outcome: 'delivered' }; }
      log('delivery to ' + s.name + ' failed after ' + r.attempts + ' attempt(s): ' + r.error);
      if (config.delivery.deadLetterUrl) {
        const envelope = JSON.stringify({ event, eventId, function: config.name, successor: s.name, error: r.error, status: r.status === undefined ? null : r.status, attempts: r.attempts });
        const dl = await deliver(config.delivery.deadLetterUrl, envelope, { 'x-function-event-id': eventId, 'x-function-source': config.name }, config.delivery, () => {});
        if (dl.ok) { metrics.inc('function_deliveries_total', { successor: s.name, outcome: 'dead_lettered' }); return { s, outcome: 'dead_lettered' }; }
        log('dead-lettering the event for ' + s.name + ' failed: ' + dl.error);
      }
      metrics.inc('function_deliveries_total', { successor: s.name, outcome: 'failed' });
      return { s, outcome: 'failed', error: r.error };
    }));
    const names = (o) => outcomes.filter((x) => x.outcome === o).map((x) => x.s.name).join(',');
    headers = { ...headers, 'x-function-delivered': names('delivered'), 'x-function-dead-lettered': names('dead_lettered'), 'x-function-event-id': eventId };
    const failed = outcomes.filter((x) => x.outcome === 'failed');
    if (failed.length > 0) {
      return answer(res, started, 502, { error: 'delivery failed', successors: failed.map((x) => ({ name: x.s.name, error: x.error })) }, headers, 'delivery');
    }
    return answer(res, started, status, body, headers);
  }

  const server = http.createServer((req, res) => {
    const started = Date.now();
    const urlPath = (req.url || '/').split('?')[0];
    if (req.method === 'GET' && urlPath === '/healthz') {
      // Handlers past their bound still hold memory (and, in a loop, the event loop): once as many are abandoned as
      // may run at once the pod is unhealthy and the kubelet restarts it.
      const ok = g.abandoned < config.maxConcurrency;
      return send(res, ok ? 200 : 503, { status: ok ? 'ok' : 'too many abandoned handlers', abandoned: g.abandoned });
    }
    if (req.method === 'GET' && urlPath === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      return res.end(metrics.render());
    }
    if (g.in_flight >= config.maxConcurrency) {
      req.resume();
      return answer(res, started, 503, { error: 'too many requests in flight' }, { 'retry-after': '1' }, 'overload');
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > config.maxBodyBytes) {
      req.resume();
      return answer(res, started, 413, { error: 'body larger than ' + config.maxBodyBytes + ' bytes' }, { connection: 'close' }, 'too_large');
    }
    const chunks = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c) => {
      size += c.length;
      if (size > config.maxBodyBytes) { tooLarge = true; chunks.length = 0; } else if (!tooLarge) chunks.push(c);
    });
    req.on('end', () => {
      if (tooLarge) return answer(res, started, 413, { error: 'body larger than ' + config.maxBodyBytes + ' bytes' }, { connection: 'close' }, 'too_large');
      onEvent(req, res, started, Buffer.concat(chunks).toString('utf8')).catch((e) => {
        log('internal error: ' + (e && e.stack));
        if (!res.headersSent) answer(res, started, 500, { error: 'internal error' }, undefined, 'exception');
      });
    });
  });
  server.keepAliveTimeout = 65000;
  return { server, metrics };
}

async function main(argv, env) {
  const log = (m) => process.stderr.write(JSON.stringify({ time: new Date().toISOString(), msg: m }) + '\n');
  const config = loadConfig(fs.readFileSync(argv[2] || 'config.json', 'utf8'), env);
  const handler = await loadHandler(config.handlerFile, config.handlerName);
  const { server } = createFunctionServer(config, handler, log);
  server.listen(config.port, env.LISTEN_HOST || undefined, () => log('function ' + config.name + ' listening on ' + config.port));
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

module.exports = { loadConfig, loadHandler, isPresent, route, createMetrics, createFunctionServer, deliver, main };

if (require.main === module) {
  main(process.argv, process.env).catch((e) => {
    process.stderr.write('function runtime: ' + (e && e.message) + '\n');
    process.exit(1);
  });
}
