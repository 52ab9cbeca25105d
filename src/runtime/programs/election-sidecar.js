'use strict';
// election sidecar (cdk8s-distributed-patterns, OwnershipElection). Zero dependencies: Node built-ins only.
//
//   node election-sidecar.js config.json
//
// Holds a coordination.k8s.io/v1 Lease (or one Lease per shard) through the Kubernetes API, the way the book's
// chapter 9 describes a renewable lock: acquire by create or compare-and-swap on the Lease's resourceVersion,
// renew every retry period, release on shutdown. It tells the app beside it whether this pod is the owner — on
// http://127.0.0.1:<port>/ownership and in <stateDir>/ownership.json — with the fencing token (the Lease's
// leaseTransitions, raised by one for every new term) so the app can refuse work stamped by an older owner.
//
// The watchdog: an owner whose last successful renewal was sent more than renewDeadlineMs ago reports "not
// owner" at once — before any other candidate can take the Lease, because candidates wait leaseDurationSeconds
// (> renewDeadlineMs) from the moment *they* last saw the Lease change. A term that was lost never resumes: the
// next ownership is a new term with a higher token.
//
// Expiry is judged on the local monotonic clock only (as client-go's leaderelection does): the times written
// into the Lease are for people, never compared across machines.
//
// Env: POD_NAME (the identity), POD_NAMESPACE, POD_IP (published as the owner Service's endpoint),
// KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT (set by the kubelet), ELECTION_SERVICE_ACCOUNT_DIR (where the
// token, ca.crt and namespace are; default /var/run/secrets/kubernetes.io/serviceaccount), LISTEN_HOST (default:
// every address, so the kubelet can probe). SIGTERM/SIGINT: report "not owner", release, exit 0.

const fs = require('fs');
const http = require('http');
const https = require('https');
const path = require('path');
const perf = require('perf_hooks');

const DEFAULT_SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const STATE_FILE = 'ownership.json';
const MEMBERS_ANNOTATION = 'cdk8s-distributed-patterns/members';
const LEASE_API = '/apis/coordination.k8s.io/v1/namespaces/';
// client-go's wait.JitterUntil factor: candidates retry after retryPeriod × [1, 1.2).
const JITTER = 1.2;
// The token file is re-read this often (the kubelet rotates projected tokens well before they expire).
const TOKEN_REFRESH_MS = 60000;
// The same problem is logged at most once per this many ms.
const LOG_EVERY_MS = 30000;
// Shutdown gives up after this long (the pod's grace period is longer).
const SHUTDOWN_MS = 5000;

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

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function objectName(v, key) {
  if (typeof v !== 'string' || v.length > 253 || !NAME.test(v)) throw configError(key, 'a Kubernetes object name (DNS-1123 subdomain)', v);
  return v;
}

/** Checks a parsed config.json and returns it normalized. */
function loadConfig(raw) {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw configError('config', 'an object', raw);
  if (!Array.isArray(raw.leases) || raw.leases.length === 0) throw configError('leases', 'a non-empty array of Lease names', raw.leases);
  const leases = raw.leases.map(function (n, i) { return objectName(n, 'leases[' + i + ']'); });
  if (new Set(leases).size !== leases.length) throw configError('leases', 'distinct names', raw.leases);
  const sharded = raw.sharded === true;
  if (raw.sharded !== undefined && typeof raw.sharded !== 'boolean') throw configError('sharded', 'true or false', raw.sharded);
  if (!sharded && leases.length !== 1) throw configError('leases', 'one Lease name unless sharded', raw.leases);
  const membersLease = sharded ? objectName(raw.membersLease, 'membersLease') : undefined;
  if (membersLease !== undefined && leases.indexOf(membersLease) >= 0) throw configError('membersLease', 'a name other than the shard leases', membersLease);
  const leaseDurationSeconds = integer(raw, 'leaseDurationSeconds', 1, 86400);
  const renewDeadlineMs = integer(raw, 'renewDeadlineMs', 1, 86400000);
  const retryPeriodMs = integer(raw, 'retryPeriodMs', 1, 86400000);
  // client-go's rules: leaseDuration > renewDeadline > retryPeriod × 1.2.
  if (renewDeadlineMs >= leaseDurationSeconds * 1000) throw configError('renewDeadlineMs', 'less than leaseDurationSeconds × 1000 (' + leaseDurationSeconds * 1000 + ')', renewDeadlineMs);
  if (renewDeadlineMs <= retryPeriodMs * JITTER) throw configError('retryPeriodMs', 'less than renewDeadlineMs / ' + JITTER + ' (at most ' + (Math.ceil(renewDeadlineMs / JITTER) - 1) + ')', retryPeriodMs);
  const replicas = integer(raw, 'replicas', 1, 10000);
  const port = integer(raw, 'port', 1, 65535);
  if (typeof raw.stateDir !== 'string' || raw.stateDir.charAt(0) !== '/') throw configError('stateDir', 'an absolute path', raw.stateDir);
  if (['report', 'restart-app'].indexOf(raw.onLoss) < 0) throw configError('onLoss', '"report" or "restart-app"', raw.onLoss);
  let endpoints;
  if (raw.endpoints !== undefined && raw.endpoints !== null) {
    if (sharded) throw configError('endpoints', 'unset when sharded (one owner per shard, not one endpoint)', raw.endpoints);
    const ep = raw.endpoints;
    if (typeof ep !== 'object' || !Array.isArray(ep.ports) || ep.ports.length === 0) throw configError('endpoints', '{ name, ports: [{ name, port, protocol }] }', ep);
    endpoints = {
      name: objectName(ep.name, 'endpoints.name'),
      ports: ep.ports.map(function (p, i) {
        if (p === null || typeof p !== 'object' || typeof p.name !== 'string') throw configError('endpoints.ports[' + i + ']', '{ name, port, protocol }', p);
        return { name: p.name, port: integer(p, 'port', 1, 65535), protocol: p.protocol || 'TCP' };
      }),
    };
  }
  return {
    leases: leases,
    sharded: sharded,
    membersLease: membersLease,
    replicas: replicas,
    leaseDurationSeconds: leaseDurationSeconds,
    renewDeadlineMs: renewDeadlineMs,
    retryPeriodMs: retryPeriodMs,
    port: port,
    stateDir: raw.stateDir,
    onLoss: raw.onLoss,
    endpoints: endpoints,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Time

/** Monotonic milliseconds: deadlines and expiry never follow the wall clock. */
function now() {
  return perf.performance.now();
}

/** A metav1.MicroTime: RFC 3339 with exactly six fractional digits, in UTC. */
function microTime(ms) {
  const iso = new Date(ms).toISOString(); // 2024-05-01T10:00:00.123Z
  return iso.slice(0, 23) + '000Z';
}

function sleep(ms, signal) {
  return new Promise(function (resolve) {
    const t = setTimeout(resolve, Math.max(0, ms));
    if (signal) signal.push(function () { clearTimeout(t); resolve(undefined); });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The Kubernetes API (HTTPS, the pod's ServiceAccount token and CA)

function createApi(options) {
  const saDir = options.saDir;
  const agent = new https.Agent({ keepAlive: true, maxSockets: 4 });
  let token = '';
  let ca;
  let readAt = -Infinity;

  function credentials() {
    if (now() - readAt > TOKEN_REFRESH_MS || !token) {
      token = fs.readFileSync(path.join(saDir, 'token'), 'utf8').trim();
      ca = fs.readFileSync(path.join(saDir, 'ca.crt'));
      readAt = now();
    }
  }

  /** Resolves to { status, json } — status 0 when no answer came (error or timeout). Never rejects. */
  function request(method, urlPath, body) {
    return new Promise(function (resolve) {
      try {
        credentials();
      } catch (e) {
        resolve({ status: 0, json: undefined, error: 'cannot read the ServiceAccount token or CA in ' + saDir + ': ' + e.message });
        return;
      }
      const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const headers = { Authorization: 'Bearer ' + token, Accept: 'application/json' };
      if (data) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = String(data.length);
      }
      let done = false;
      const finish = function (r) { if (!done) { done = true; resolve(r); } };
      const req = https.request({ host: options.host, port: options.port, path: urlPath, method: method, headers: headers, ca: ca, agent: agent }, function (res) {
        const chunks = [];
        res.on('data', function (c) { chunks.push(c); });
        res.on('end', function () {
          let json;
          try { json = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch (e) { json = undefined; }
          finish({ status: res.statusCode || 0, json: json });
        });
        res.on('error', function (e) { finish({ status: 0, json: undefined, error: e.message }); });
      });
      req.setTimeout(options.timeoutMs, function () { req.destroy(new Error('no answer within ' + options.timeoutMs + 'ms')); });
      req.on('error', function (e) { finish({ status: 0, json: undefined, error: e.message }); });
      req.end(data);
    });
  }

  return { request: request, close: function () { agent.destroy(); } };
}

// ---------------------------------------------------------------------------------------------------------------
// The election

/**
 * One election process: an elector per Lease, the membership heartbeat when sharded, the report (HTTP and file).
 * deps: { api, log, env }.
 */
function createElection(cfg, identity, namespace, deps) {
  const api = deps.api;
  const log = deps.log;
  const podIp = deps.podIp;
  const L = cfg.leaseDurationSeconds * 1000;
  const D = cfg.renewDeadlineMs;
  const P = cfg.retryPeriodMs;
  const startedAt = now();
  const lastLogged = new Map();
  const wakeups = [];
  let stopping = false;
  let watchdogFailures = 0;

  function logOnce(key, line) {
    const t = now();
    const last = lastLogged.get(key);
    if (last !== undefined && t - last < LOG_EVERY_MS) return;
    lastLogged.set(key, t);
    log(line);
  }

  /** Why an API answer is not the one wanted, for the log: a clear line for the RBAC and auth answers. */
  function problem(verb, what, r) {
    if (r.status === 0) {
      logOnce(verb + what + '0', 'cannot ' + verb + ' ' + what + ': ' + r.error);
      return;
    }
    const msg = (r.json && r.json.message) || '';
    if (r.status === 403) {
      logOnce(verb + what + '403', 'forbidden: the API server refuses to ' + verb + ' ' + what + ' in namespace "' + namespace + '" (403: ' + msg
        + '); the ServiceAccount\'s Role must allow get and update on the Lease and create on leases');
    } else if (r.status === 401) {
      logOnce(verb + what + '401', 'unauthorized: the API server rejects the ServiceAccount token (401: ' + msg + ')');
    } else {
      logOnce(verb + what + r.status, 'cannot ' + verb + ' ' + what + ' (' + r.status + ': ' + msg + ')');
    }
  }

  function leasePath(name) {
    return LEASE_API + encodeURIComponent(namespace) + '/leases' + (name === undefined ? '' : '/' + encodeURIComponent(name));
  }

  // ---- electors

  const electors = cfg.leases.map(function (name, shard) {
    return {
      lease: name,
      shard: shard,
      owner: false,
      token: null,
      lastToken: null,
      renewedAt: 0, // monotonic time the last successful write was *sent*
      rv: undefined,
      meta: undefined,
      spec: undefined,
      observedRaw: undefined,
      observedAt: 0,
      timer: undefined,
      busy: Promise.resolve(),
    };
  });

  /** Owner now: a term that is running, renewed within the renew deadline, and not shutting down. */
  function isOwner(e) {
    return !stopping && e.owner && now() < e.renewedAt + D;
  }

  function ownedCount() {
    return electors.filter(isOwner).length;
  }

  function observe(e, obj) {
    e.meta = obj.metadata || {};
    e.rv = e.meta.resourceVersion;
    e.spec = obj.spec || {};
    const raw = JSON.stringify(e.spec);
    if (raw !== e.observedRaw) {
      e.observedRaw = raw;
      e.observedAt = now();
    }
  }

  function armWatchdog(e) {
    if (e.timer) clearTimeout(e.timer);
    e.timer = setTimeout(function () {
      e.timer = undefined;
      if (!e.owner) return;
      if (now() >= e.renewedAt + D) lose(e, 'no renewal succeeded within the renew deadline (' + D + 'ms)', true);
      else armWatchdog(e); // fired early (timers run on the event loop's cached clock, which lags under load)
    }, Math.max(0, e.renewedAt + D - now()) + 1);
  }

  function become(e, obj, sentAt) {
    observe(e, obj);
    e.owner = true;
    e.renewedAt = sentAt;
    e.token = e.spec.leaseTransitions || 0;
    e.lastToken = e.token;
    armWatchdog(e);
    log('became owner of Lease "' + e.lease + '" (fencing token ' + e.token + ')');
    changed();
    if (cfg.endpoints) publishEndpoints(e);
  }

  function renewed(e, obj, sentAt) {
    observe(e, obj);
    if (!e.owner) return; // the term was lost while the request was in flight: it does not resume
    e.renewedAt = sentAt;
    armWatchdog(e);
    changed();
  }

  /** Ends the term; `abrupt` (not a release) makes the watchdog endpoint fail once with onLoss "restart-app". */
  function lose(e, why, abrupt) {
    if (!e.owner) return;
    e.owner = false;
    e.token = null;
    if (e.timer) clearTimeout(e.timer);
    e.timer = undefined;
    log('lost ownership of Lease "' + e.lease + '" (fencing token ' + e.lastToken + '): ' + why);
    if (abrupt && cfg.onLoss === 'restart-app') watchdogFailures = 1;
    changed();
    if (cfg.endpoints) withdrawEndpoints();
  }

  function leaseBody(metadata, spec) {
    return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: metadata, spec: spec };
  }

  /** Ends every term whose renew deadline has passed (the watchdog timer does too; this runs before any answer). */
  function checkDeadlines() {
    for (const e of electors) {
      if (e.owner && now() >= e.renewedAt + D) lose(e, 'no renewal succeeded within the renew deadline (' + D + 'ms)', true);
    }
  }

  /** One try: renew (fast path on the last resourceVersion), else read, then create or compare-and-swap. */
  async function attempt(e, mayAcquire) {
    checkDeadlines();
    const wall = Date.now();
    const sentAt = now();
    if (e.owner && e.rv !== undefined) {
      const spec = Object.assign({}, e.spec, { holderIdentity: identity, leaseDurationSeconds: cfg.leaseDurationSeconds, renewTime: microTime(wall) });
      // The whole object as last seen (labels and annotations others put on the Lease stay), at its version.
      const r = await api.request('PUT', leasePath(e.lease), leaseBody(e.meta, spec));
      if (r.status === 200) {
        renewed(e, r.json, sentAt);
        return;
      }
      if (r.status !== 409) {
        problem('update', 'Lease "' + e.lease + '"', r);
        return;
      }
    }
    const g = await api.request('GET', leasePath(e.lease));
    if (g.status === 404) {
      if (!mayAcquire || e.owner) return;
      const spec = { holderIdentity: identity, leaseDurationSeconds: cfg.leaseDurationSeconds, acquireTime: microTime(wall), renewTime: microTime(wall), leaseTransitions: 0 };
      const c = await api.request('POST', leasePath(), leaseBody({ name: e.lease, namespace: namespace }, spec));
      if (c.status === 201 || c.status === 200) become(e, c.json, sentAt);
      else if (c.status !== 409) problem('create', 'Lease "' + e.lease + '"', c);
      return;
    }
    if (g.status !== 200 || !g.json) {
      problem('get', 'Lease "' + e.lease + '"', g);
      return;
    }
    observe(e, g.json);
    const spec = e.spec;
    const holder = spec.holderIdentity || '';
    if (e.owner && holder !== identity) {
      lose(e, 'the Lease is held by "' + holder + '"', true);
      return;
    }
    let next;
    if (e.owner) {
      next = Object.assign({}, spec, { leaseDurationSeconds: cfg.leaseDurationSeconds, renewTime: microTime(wall) });
    } else {
      if (!mayAcquire) return;
      // A holder (another pod, or an earlier term of this one) keeps the Lease until it has not changed for its
      // duration, measured from when this process saw it change.
      const ttl = (spec.leaseDurationSeconds || cfg.leaseDurationSeconds) * 1000;
      if (holder !== '' && now() < e.observedAt + ttl) return;
      next = { holderIdentity: identity, leaseDurationSeconds: cfg.leaseDurationSeconds, acquireTime: microTime(wall), renewTime: microTime(wall), leaseTransitions: (spec.leaseTransitions || 0) + 1 };
    }
    const u = await api.request('PUT', leasePath(e.lease), leaseBody(g.json.metadata, next));
    if (u.status === 200) {
      if (e.owner) renewed(e, u.json, sentAt);
      else become(e, u.json, sentAt);
    } else if (u.status !== 409) {
      problem('update', 'Lease "' + e.lease + '"', u);
    }
  }

  /** Gives the Lease up (holder cleared, duration 1 s), by compare-and-swap on the version this term wrote. */
  async function release(e) {
    if (!e.owner || e.rv === undefined) return;
    lose(e, 'released', false);
    const spec = Object.assign({}, e.spec, { leaseDurationSeconds: 1, renewTime: microTime(Date.now()) });
    delete spec.holderIdentity;
    const r = await api.request('PUT', leasePath(e.lease), leaseBody(e.meta, spec));
    if (r.status === 200) {
      observe(e, r.json);
      log('released Lease "' + e.lease + '"');
    } else if (r.status === 409) {
      log('did not release Lease "' + e.lease + '": it changed since this term wrote it (someone else holds it now)');
    } else {
      problem('release', 'Lease "' + e.lease + '"', r);
    }
  }

  // ---- sharded ownership: membership and the cap

  const members = { rv: undefined, seen: new Map(), live: [identity], beat: 0 };

  function cap() {
    let live = members.live.length;
    // Just started: the other replicas may not have beaten yet; do not take more than an even share meanwhile.
    if (now() - startedAt < L) live = Math.max(live, cfg.replicas);
    return Math.ceil(electors.length / Math.max(1, live));
  }

  /** Beats in the members Lease (a map identity → counter in an annotation); retries a lost compare-and-swap. */
  async function heartbeat() {
    for (let i = 0; i < 3; i++) {
      if (await beat()) return;
    }
  }

  /** One read-modify-write of the members Lease; false when another member wrote first (409). */
  async function beat() {
    const g = await api.request('GET', leasePath(cfg.membersLease));
    let obj;
    let map = {};
    if (g.status === 404) {
      obj = { name: cfg.membersLease, namespace: namespace };
    } else if (g.status === 200 && g.json) {
      obj = g.json.metadata;
      try { map = JSON.parse((obj.annotations || {})[MEMBERS_ANNOTATION] || '{}') || {}; } catch (err) { map = {}; }
    } else {
      problem('get', 'Lease "' + cfg.membersLease + '"', g);
      return true;
    }
    const t = now();
    for (const id of Object.keys(map)) {
      const s = members.seen.get(id);
      if (!s || s.value !== map[id]) members.seen.set(id, { value: map[id], at: t });
    }
    const next = {};
    for (const id of Object.keys(map).sort()) {
      const s = members.seen.get(id);
      if (id === identity || !s || t - s.at < 3 * L) next[id] = map[id]; // entries silent for 3 leases are dropped
    }
    if (!stopping) next[identity] = (typeof map[identity] === 'number' ? map[identity] : 0) + 1;
    else delete next[identity];
    members.live = Object.keys(next).filter(function (id) {
      if (id === identity) return !stopping;
      const s = members.seen.get(id);
      return s !== undefined && t - s.at < L;
    });
    const meta = Object.assign({}, obj, { annotations: Object.assign({}, obj.annotations || {}, { [MEMBERS_ANNOTATION]: JSON.stringify(next) }) });
    const body = leaseBody(meta, g.status === 200 ? g.json.spec || {} : {});
    const r = g.status === 404 ? await api.request('POST', leasePath(), body) : await api.request('PUT', leasePath(cfg.membersLease), body);
    if (r.status === 409) return false;
    if (r.status !== 200 && r.status !== 201) problem(g.status === 404 ? 'create' : 'update', 'Lease "' + cfg.membersLease + '"', r);
    return true;
  }

  async function rebalance() {
    const owned = electors.filter(isOwner);
    const over = owned.length - cap();
    // One at a time, the highest shards first: the shares move gradually, never all at once.
    if (over > 0 && !stopping) await release(owned[owned.length - 1]);
  }

  // ---- the owner Service's endpoints

  const endpointsState = { written: undefined };

  function endpointsPath() {
    return '/api/v1/namespaces/' + encodeURIComponent(namespace) + '/endpoints/' + encodeURIComponent(cfg.endpoints.name);
  }

  async function publishEndpoints(e) {
    for (let i = 0; i < 3; i++) {
      const g = await api.request('GET', endpointsPath());
      if (g.status !== 200 || !g.json) {
        problem('get', 'Endpoints "' + cfg.endpoints.name + '"', g);
        return;
      }
      if (!isOwner(e)) return; // never publish for a term that ended while reading
      const body = {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: g.json.metadata,
        subsets: [{
          addresses: [{ ip: podIp, targetRef: { kind: 'Pod', name: identity, namespace: namespace } }],
          ports: cfg.endpoints.ports,
        }],
      };
      const r = await api.request('PUT', endpointsPath(), body);
      if (r.status === 200) {
        endpointsState.written = r.json;
        log('published ' + podIp + ' as the endpoint of Service "' + cfg.endpoints.name + '"');
        if (!isOwner(e)) withdrawEndpoints();
        return;
      }
      if (r.status !== 409) {
        problem('update', 'Endpoints "' + cfg.endpoints.name + '"', r);
        return;
      }
    }
  }

  /** Clears the endpoint this pod wrote — only if nobody wrote since (compare-and-swap on our version). */
  async function withdrawEndpoints() {
    const w = endpointsState.written;
    if (!w) return;
    endpointsState.written = undefined;
    const r = await api.request('PUT', endpointsPath(), { apiVersion: 'v1', kind: 'Endpoints', metadata: w.metadata });
    if (r.status !== 200 && r.status !== 409) problem('update', 'Endpoints "' + cfg.endpoints.name + '"', r);
  }

  // ---- the report

  function electorReport(e) {
    const owner = isOwner(e);
    return {
      shard: e.shard,
      lease: e.lease,
      owner: owner,
      token: owner ? e.token : null,
      lastToken: e.lastToken,
      holder: e.spec ? e.spec.holderIdentity || null : null,
      leaseTransitions: e.spec ? e.spec.leaseTransitions || 0 : null,
      expiresAt: owner ? Math.floor(Date.now() + (e.renewedAt + D - now())) : null,
    };
  }

  function report() {
    if (!cfg.sharded) {
      const r = electorReport(electors[0]);
      delete r.shard;
      return Object.assign({ identity: identity }, r);
    }
    const shards = electors.map(electorReport);
    return {
      identity: identity,
      owned: shards.filter(function (s) { return s.owner; }).map(function (s) { return s.shard; }),
      shards: shards,
      members: members.live.slice().sort(),
    };
  }

  const stateFile = path.join(cfg.stateDir, STATE_FILE);
  function changed() {
    try {
      const tmp = stateFile + '.tmp';
      fs.writeFileSync(tmp, JSON.stringify(report()) + '\n', { mode: 0o644 });
      fs.renameSync(tmp, stateFile);
    } catch (err) {
      logOnce('state', 'cannot write ' + stateFile + ': ' + err.message);
    }
  }

  function handle(req, res) {
    const url = new URL(req.url || '/', 'http://sidecar');
    const send = function (status, body) {
      const text = typeof body === 'string' ? body + '\n' : JSON.stringify(body) + '\n';
      res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
    // A process that was paused answers only after its expired terms are ended (logged, file, watchdog).
    checkDeadlines();
    switch (url.pathname) {
      case '/ownership':
        return send(200, report());
      case '/owner': {
        // 200 when this pod owns the Lease (sharded: ?shard=<i>), 503 when it does not.
        let e = electors[0];
        if (cfg.sharded) {
          const s = Number(url.searchParams.get('shard'));
          if (!Number.isInteger(s) || s < 0 || s >= electors.length) return send(400, 'shard must be an integer from 0 to ' + (electors.length - 1));
          e = electors[s];
        }
        return isOwner(e) ? send(200, 'owner') : send(503, 'not owner');
      }
      case '/healthz':
        return send(200, 'ok');
      case '/watchdog':
        // The app's liveness probe with onLoss "restart-app": fails once after each lost term, so the kubelet
        // restarts the app, then passes again.
        if (watchdogFailures > 0) {
          watchdogFailures--;
          return send(500, 'ownership lost: restart the app');
        }
        return send(200, 'ok');
      default:
        return send(404, 'not found');
    }
  }

  // ---- the loops

  // Acquisitions in flight count against the cap: the electors of one process try at the same time.
  let acquiring = 0;

  async function electorLoop(e) {
    while (!stopping) {
      const mayAcquire = !stopping && (!cfg.sharded || e.owner || ownedCount() + acquiring < cap());
      const counted = cfg.sharded && mayAcquire && !e.owner;
      if (counted) acquiring++;
      e.busy = attempt(e, mayAcquire);
      await e.busy;
      if (counted) acquiring--;
      if (stopping) break;
      await sleep(e.owner ? P : P * (1 + Math.random() * (JITTER - 1)), wakeups);
    }
  }

  let membersBusy = Promise.resolve();
  async function membersLoop() {
    while (!stopping) {
      membersBusy = heartbeat().then(rebalance);
      await membersBusy;
      if (stopping) break;
      await sleep(P * (1 + Math.random() * (JITTER - 1)), wakeups);
    }
  }

  function start() {
    changed();
    log('identity "' + identity + '" in namespace "' + namespace + '", Lease' + (electors.length > 1 ? 's ' : ' ') + cfg.leases.map(function (n) { return '"' + n + '"'; }).join(', ')
      + ', lease ' + L + 'ms, renew deadline ' + D + 'ms, retry ' + P + 'ms');
    if (cfg.sharded) membersLoop();
    for (const e of electors) electorLoop(e);
  }

  async function stop() {
    if (stopping) return;
    stopping = true;
    for (const w of wakeups.splice(0)) w();
    // Report "not owner" first (the app stops acting), then wait for the tries in flight, then release.
    for (const e of electors) if (e.owner) changed();
    await Promise.all(electors.map(function (e) { return e.busy; }).concat([membersBusy]));
    await Promise.all(electors.map(release));
    if (cfg.sharded) await heartbeat();
    changed();
  }

  return { start: start, stop: stop, report: report, handle: handle, isOwner: isOwner, electors: electors };
}

// ---------------------------------------------------------------------------------------------------------------
// main

function main(argv, env) {
  const file = argv[2];
  if (!file || argv.length > 3) {
    process.stderr.write('usage: node election-sidecar.js <config.json>\n');
    process.exit(2);
  }
  const log = function (line) { process.stdout.write(new Date().toISOString() + ' election: ' + line + '\n'); };
  let cfg;
  try {
    cfg = loadConfig(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (e) {
    process.stderr.write('election: ' + e.message + '\n');
    process.exit(2);
  }
  const saDir = env.ELECTION_SERVICE_ACCOUNT_DIR || DEFAULT_SA_DIR;
  const identity = env.POD_NAME || require('os').hostname();
  let namespace = env.POD_NAMESPACE;
  if (!namespace) {
    try { namespace = fs.readFileSync(path.join(saDir, 'namespace'), 'utf8').trim(); } catch (e) { namespace = ''; }
  }
  const host = env.KUBERNETES_SERVICE_HOST;
  const apiPort = Number(env.KUBERNETES_SERVICE_PORT || 443);
  if (!host || !namespace || !identity) {
    process.stderr.write('election: KUBERNETES_SERVICE_HOST, POD_NAMESPACE (or ' + saDir + '/namespace) and POD_NAME must be set\n');
    process.exit(2);
  }
  if (cfg.endpoints && !env.POD_IP) {
    process.stderr.write('election: POD_IP must be set to publish the owner Service\'s endpoint\n');
    process.exit(2);
  }
  const api = createApi({ host: host, port: apiPort, saDir: saDir, timeoutMs: cfg.renewDeadlineMs });
  const election = createElection(cfg, identity, namespace, { api: api, log: log, podIp: env.POD_IP });
  const server = http.createServer(election.handle);
  server.on('error', function (e) {
    process.stderr.write('election: cannot listen on port ' + cfg.port + ': ' + e.message + '\n');
    process.exit(1);
  });
  server.listen(cfg.port, env.LISTEN_HOST || undefined, function () {
    election.start();
  });
  let stopped = false;
  const stop = function (signal) {
    if (stopped) return;
    stopped = true;
    log(signal + ': releasing');
    setTimeout(function () { process.exit(0); }, SHUTDOWN_MS).unref();
    election.stop().then(function () {
      api.close();
      server.close();
      process.exit(0);
    });
  };
  process.on('SIGTERM', function () { stop('SIGTERM'); });
  process.on('SIGINT', function () { stop('SIGINT'); });
}

module.exports = {
  loadConfig: loadConfig,
  microTime: microTime,
  createApi: createApi,
  createElection: createElection,
  main: main,
};

if (require.main === module) main(process.argv, process.env);
