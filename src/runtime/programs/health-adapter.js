// The health adapter of cdk8s-distributed-patterns (AdapterMonitoring): /healthz, /readyz and /livez over
// a check of the app's native protocol. Generated; configured by HEALTH_* environment variables.
'use strict';
(function healthAdapterMain() {
    const http = require('http');
    const net = require('net');
    const crypto = require('crypto');
    const env = process.env;
    const fatal = (message) => {
        process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'error', message })}\n`);
        process.exit(2);
    };
    const intEnv = (name, fallback) => {
        const raw = env[name];
        if (raw === undefined || raw === '') {
            if (fallback === undefined)
                return fatal(`${name} is required`);
            return fallback;
        }
        const n = Number(raw);
        if (!Number.isInteger(n) || n < 1)
            return fatal(`${name} must be a positive integer, got '${raw}'`);
        return n;
    };
    const port = intEnv('HEALTH_PORT');
    const listenHost = env.HEALTH_LISTEN_HOST || '0.0.0.0';
    const kind = env.HEALTH_CHECK || '';
    const targetHost = env.HEALTH_TARGET_HOST || 'localhost';
    const targetPort = intEnv('HEALTH_TARGET_PORT');
    const timeoutMs = intEnv('HEALTH_TIMEOUT_MS', 1000);
    const target = `${targetHost}:${targetPort}`;
    const log = (level, message, extra = {}) => {
        process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, check: kind, target, ...extra })}\n`);
    };
    // Every read is bounded, so an app that floods the probed port cannot grow the adapter past its memory limit:
    // one check reads at most MAX_REPLY_BYTES in all, and one reply line (redis) or protocol message (postgres, mysql) is
    // at most MAX_MESSAGE_BYTES; more fails the check (503) and closes the connection. The TCP checks read into one
    // buffer allocated here (one check runs at a time), so a flood allocates nothing either; the HTTP check reads the
    // status line and headers only (at most MAX_HEADER_BYTES) and never the body.
    const MAX_REPLY_BYTES = 1024 * 1024;
    const MAX_MESSAGE_BYTES = 64 * 1024;
    const MAX_HEADER_BYTES = 16 * 1024;
    const readBuffer = Buffer.alloc(64 * 1024);
    /**
     * Opens a TCP connection to the app and hands it to `talk`, which returns the handler of what the app sends and
     * resolves the check. Everything is bounded by the timeout and by MAX_REPLY_BYTES; the socket is always destroyed.
     */
    const withSocket = (talk) => new Promise((resolve, reject) => {
        let finished = false;
        let received = 0;
        let onData = (_chunk) => undefined;
        const done = (err) => {
            if (finished)
                return;
            finished = true;
            clearTimeout(timer);
            socket.destroy();
            if (err)
                reject(err);
            else
                resolve();
        };
        const socket = net.connect({
            host: targetHost,
            port: targetPort,
            // The app's bytes land in readBuffer and are valid only during the callback: handlers copy what they keep.
            onread: {
                buffer: readBuffer,
                callback: (n, buf) => {
                    if (finished)
                        return false;
                    received += n;
                    if (received > MAX_REPLY_BYTES) {
                        done(new Error(`the app sent more than ${MAX_REPLY_BYTES} bytes without completing the check`));
                        return false;
                    }
                    onData(buf.subarray(0, n));
                    return !finished;
                },
            },
        });
        const timer = setTimeout(() => done(new Error(`no answer within ${timeoutMs}ms`)), timeoutMs);
        socket.once('error', (err) => done(err));
        socket.once('close', () => done(new Error('connection closed by the app')));
        socket.once('connect', () => {
            onData = talk(socket, done) || onData;
        });
    });
    const tcpCheck = () => withSocket((_socket, done) => done());
    const redisCheck = () => withSocket((socket, done) => {
        const resp = (...args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
        const password = env.HEALTH_REDIS_PASSWORD;
        const username = env.HEALTH_REDIS_USERNAME;
        const expected = [];
        let payload = '';
        if (password) {
            payload += username ? resp('AUTH', username, password) : resp('AUTH', password);
            expected.push('+OK');
        }
        payload += resp('PING');
        expected.push('+PONG');
        let pending = Buffer.alloc(0);
        socket.write(payload);
        return (chunk) => {
            // A reply line may end in a later chunk: what is kept of it is at most MAX_MESSAGE_BYTES (checked below).
            let rest = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
            let eol;
            while ((eol = rest.indexOf('\r\n')) >= 0) {
                if (eol > MAX_MESSAGE_BYTES) {
                    done(new Error(`redis sent a reply line longer than ${MAX_MESSAGE_BYTES} bytes`));
                    return;
                }
                const line = rest.subarray(0, eol).toString('utf8');
                rest = rest.subarray(eol + 2);
                const want = expected.shift();
                if (line !== want) {
                    done(new Error(line.startsWith('-') ? `redis answered ${line.slice(1)}` : `redis answered '${line.slice(0, 200)}', expected '${want}'`));
                    return;
                }
                if (expected.length === 0) {
                    done();
                    return;
                }
            }
            if (rest.length > MAX_MESSAGE_BYTES) {
                done(new Error(`redis sent a reply line longer than ${MAX_MESSAGE_BYTES} bytes`));
                return;
            }
            pending = Buffer.from(rest); // a copy: `chunk` is the shared read buffer
        };
    });
    const httpCheck = () => new Promise((resolve, reject) => {
        const path = env.HEALTH_HTTP_PATH || '/';
        let settled = false;
        const finish = (err) => {
            if (settled)
                return;
            settled = true;
            clearTimeout(timer);
            req.destroy();
            if (err)
                reject(err);
            else
                resolve();
        };
        const req = http.get({
            host: targetHost, port: targetPort, path, agent: false, maxHeaderSize: MAX_HEADER_BYTES, headers: { 'user-agent': 'cdk8s-dp-health-adapter' },
        }, (res) => {
            // The status is the answer: the body is never read (finish destroys the request).
            const status = res.statusCode ?? 0;
            finish(status >= 200 && status < 400 ? undefined : new Error(`GET ${path} answered ${status}`));
        });
        const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs}ms`)), timeoutMs);
        req.once('error', (err) => finish(err));
    });
    // PostgreSQL frontend/backend protocol 3.0: startup, authentication (trust, password, md5, SCRAM-SHA-256), one
    // simple query, terminate. No TLS: the adapter talks to the app over the pod's loopback interface.
    const postgresCheck = () => withSocket((socket, done) => {
        const user = env.HEALTH_PG_USER || '';
        const password = env.HEALTH_PG_PASSWORD || '';
        const database = env.HEALTH_PG_DATABASE || user;
        const query = env.HEALTH_SQL_QUERY || 'SELECT 1';
        if (!user) {
            done(new Error('HEALTH_PG_USER is empty'));
            return;
        }
        const cstr = (s) => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
        const int32 = (n) => {
            const b = Buffer.alloc(4);
            b.writeInt32BE(n);
            return b;
        };
        const message = (type, body) => Buffer.concat([Buffer.from(type, 'ascii'), int32(body.length + 4), body]);
        const startup = Buffer.concat([int32(196608), cstr('user'), cstr(user), cstr('database'), cstr(database),
            cstr('application_name'), cstr('cdk8s-dp-health-adapter'), Buffer.from([0])]);
        socket.write(Buffer.concat([int32(startup.length + 4), startup]));
        let buffer = Buffer.alloc(0);
        let queried = false;
        let failure;
        let scram;
        const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();
        const errorText = (body) => {
            const fields = {};
            let i = 0;
            while (i < body.length && body[i] !== 0) {
                const code = String.fromCharCode(body[i]);
                const end = body.indexOf(0, i + 1);
                fields[code] = body.subarray(i + 1, end).toString('utf8');
                i = end + 1;
            }
            return `postgres ${fields.S ?? 'ERROR'} ${fields.C ?? ''}: ${fields.M ?? 'unknown error'}`.replace(/ {2}/g, ' ');
        };
        const authenticate = (body) => {
            const code = body.readInt32BE(0);
            if (code === 0)
                return; // AuthenticationOk
            if (code === 3) { // cleartext password
                socket.write(message('p', cstr(password)));
            }
            else if (code === 5) { // MD5: md5(md5(password + user) + salt)
                const inner = crypto.createHash('md5').update(password + user).digest('hex');
                const outer = crypto.createHash('md5').update(Buffer.concat([Buffer.from(inner), body.subarray(4, 8)])).digest('hex');
                socket.write(message('p', cstr(`md5${outer}`)));
            }
            else if (code === 10) { // SASL: the mechanisms the server offers
                const mechanisms = body.subarray(4).toString('utf8').split('\0').filter(Boolean);
                if (!mechanisms.includes('SCRAM-SHA-256'))
                    throw new Error(`postgres offers only SASL ${mechanisms.join(', ')}`);
                const nonce = crypto.randomBytes(18).toString('base64');
                const clientFirstBare = `n=,r=${nonce}`;
                scram = { nonce, clientFirstBare };
                const first = Buffer.from(`n,,${clientFirstBare}`, 'utf8');
                socket.write(message('p', Buffer.concat([cstr('SCRAM-SHA-256'), int32(first.length), first])));
            }
            else if (code === 11) { // SASL continue: server-first-message
                if (!scram)
                    throw new Error('postgres sent SASL continue before SASL');
                const serverFirst = body.subarray(4).toString('utf8');
                const attrs = {};
                for (const part of serverFirst.split(','))
                    attrs[part.slice(0, 1)] = part.slice(2);
                if (!attrs.r || !attrs.r.startsWith(scram.nonce) || !attrs.s || !attrs.i)
                    throw new Error('postgres sent an invalid SCRAM server-first message');
                const salted = crypto.pbkdf2Sync(password, Buffer.from(attrs.s, 'base64'), Number(attrs.i), 32, 'sha256');
                const clientKey = hmac(salted, 'Client Key');
                const storedKey = crypto.createHash('sha256').update(clientKey).digest();
                const clientFinalNoProof = `c=biws,r=${attrs.r}`;
                const authMessage = `${scram.clientFirstBare},${serverFirst},${clientFinalNoProof}`;
                const signature = hmac(storedKey, authMessage);
                // The proof is ClientKey XOR ClientSignature (RFC 5802).
                const proof = Buffer.from(clientKey.map((b, k) => b ^ signature[k]));
                scram.serverSignature = hmac(hmac(salted, 'Server Key'), authMessage);
                socket.write(message('p', Buffer.from(`${clientFinalNoProof},p=${proof.toString('base64')}`, 'utf8')));
            }
            else if (code === 12) { // SASL final: check the server's signature
                const v = /(?:^|,)v=([^,]+)/.exec(body.subarray(4).toString('utf8'));
                if (!scram?.serverSignature || !v || !crypto.timingSafeEqual(Buffer.from(v[1], 'base64'), scram.serverSignature)) {
                    throw new Error('postgres SCRAM server signature does not match');
                }
            }
            else {
                throw new Error(`postgres asks for an authentication method this adapter does not speak (code ${code})`);
            }
        };
        return (chunk) => {
            // What is kept is less than one message (at most MAX_MESSAGE_BYTES) plus the chunk.
            buffer = Buffer.concat([buffer, chunk]);
            try {
                while (buffer.length >= 5) {
                    const length = buffer.readInt32BE(1);
                    const type = String.fromCharCode(buffer[0]);
                    if (length < 4 || length > MAX_MESSAGE_BYTES)
                        throw new Error(`postgres sent a ${/^[A-Za-z]$/.test(type) ? `'${type}'` : `type ${buffer[0]}`} message of ${length} bytes (the adapter reads messages of 4 to ${MAX_MESSAGE_BYTES} bytes)`);
                    if (buffer.length < length + 1)
                        break;
                    const body = buffer.subarray(5, length + 1);
                    buffer = buffer.subarray(length + 1);
                    if (type === 'R') {
                        authenticate(body);
                    }
                    else if (type === 'E') {
                        failure = new Error(errorText(body));
                        if (!queried) {
                            done(failure);
                            return;
                        } // startup/authentication errors end the session
                    }
                    else if (type === 'Z') { // ReadyForQuery
                        if (!queried) {
                            queried = true;
                            socket.write(message('Q', cstr(query)));
                        }
                        else {
                            socket.write(message('X', Buffer.alloc(0)));
                            done(failure);
                            return;
                        }
                    }
                    // S (parameter status), K (key data), N (notice), T/D/C/I (query results) need no answer.
                }
                buffer = Buffer.from(buffer); // a copy: `chunk` is the shared read buffer
            }
            catch (err) {
                done(err instanceof Error ? err : new Error(String(err)));
            }
        };
    });
    // MySQL / MariaDB client/server protocol 4.1: the server's handshake v10, the client's HandshakeResponse41
    // (mysql_native_password, or caching_sha2_password: fast path, and full authentication with the server's RSA
    // key), one COM_QUERY read to its end (OK, or the result set's EOF), COM_QUIT. An ERR packet anywhere is the
    // check's failure, with the server's code and message. No TLS: the adapter talks over the pod's loopback.
    const mysqlCheck = () => withSocket((socket, done) => {
        const user = env.HEALTH_MYSQL_USER || '';
        const password = env.HEALTH_MYSQL_PASSWORD || '';
        const database = env.HEALTH_MYSQL_DATABASE || '';
        const query = env.HEALTH_SQL_QUERY || 'SELECT 1';
        if (!user) {
            done(new Error('HEALTH_MYSQL_USER is empty'));
            return;
        }
        const sha1 = (...parts) => { const h = crypto.createHash('sha1'); parts.forEach((p) => h.update(p)); return h.digest(); };
        const sha256 = (...parts) => { const h = crypto.createHash('sha256'); parts.forEach((p) => h.update(p)); return h.digest(); };
        const xor = (a, b) => Buffer.from(a.map((x, k) => x ^ b[k % b.length]));
        const scramble = (plugin, nonce) => {
            if (password === '')
                return Buffer.alloc(0);
            if (plugin === 'mysql_native_password')
                return xor(sha1(password), sha1(nonce, sha1(sha1(password))));
            if (plugin === 'caching_sha2_password')
                return xor(sha256(password), sha256(sha256(sha256(password)), nonce));
            throw new Error(`mysql asks for the authentication plugin '${plugin}', which this adapter does not speak (mysql_native_password, caching_sha2_password)`);
        };
        const cstr = (str) => Buffer.concat([Buffer.from(str, 'utf8'), Buffer.from([0])]);
        const send = (seq, payload) => {
            const header = Buffer.alloc(4);
            header.writeUIntLE(payload.length, 0, 3);
            header[3] = seq & 0xff;
            socket.write(Buffer.concat([header, payload]));
        };
        const errorText = (p) => {
            const code = p.readUInt16LE(1);
            const text = p[3] === 0x23 ? p.subarray(9).toString('utf8') : p.subarray(3).toString('utf8');
            return `mysql error ${code}${p[3] === 0x23 ? ` (${p.subarray(4, 9).toString('ascii')})` : ''}: ${text}`;
        };
        const isEof = (p) => p[0] === 0xfe && p.length < 9;
        let buffer = Buffer.alloc(0);
        let phase = 'handshake';
        let plugin = '';
        let nonce = Buffer.alloc(0);
        let columns = 0;
        const onPacket = (seq, p) => {
            if (p[0] === 0xff && phase !== 'handshake')
                throw new Error(errorText(p));
            if (phase === 'handshake') {
                if (p[0] === 0xff)
                    throw new Error(errorText(p));
                if (p[0] !== 10)
                    throw new Error(`mysql sent handshake protocol ${p[0]}, expected 10`);
                let i = p.indexOf(0, 1) + 1; // after the server version
                i += 4; // connection id
                const part1 = p.subarray(i, i + 8);
                i += 9; // + filler
                const capsLow = p.readUInt16LE(i);
                i += 2 + 1 + 2; // capabilities (low), charset, status
                const capsHigh = p.length > i + 1 ? p.readUInt16LE(i) : 0;
                i += 2;
                const authLength = p[i];
                i += 1 + 10; // reserved
                const caps = capsLow | (capsHigh << 16);
                const part2Length = Math.max(13, authLength - 8);
                const part2 = p.subarray(i, i + part2Length);
                i += part2Length;
                nonce = Buffer.concat([part1, part2]).subarray(0, 20);
                plugin = (caps & 0x80000) ? p.subarray(i, p.indexOf(0, i) < 0 ? p.length : p.indexOf(0, i)).toString('ascii') : 'mysql_native_password';
                if (!(caps & 0x200))
                    throw new Error('mysql does not speak protocol 4.1');
                const auth = scramble(plugin === 'caching_sha2_password' ? plugin : 'mysql_native_password', nonce);
                if (plugin !== 'caching_sha2_password')
                    plugin = 'mysql_native_password';
                // LONG_PASSWORD | LONG_FLAG | PROTOCOL_41 | TRANSACTIONS | SECURE_CONNECTION | MULTI_RESULTS | PLUGIN_AUTH (| CONNECT_WITH_DB)
                const flags = 0x1 | 0x4 | 0x200 | 0x2000 | 0x8000 | 0x20000 | 0x80000 | (database ? 0x8 : 0);
                const head = Buffer.alloc(32);
                head.writeUInt32LE(flags >>> 0, 0);
                head.writeUInt32LE(16 * 1024 * 1024, 4);
                head[8] = 45; // utf8mb4_general_ci
                send(seq + 1, Buffer.concat([head, cstr(user), Buffer.from([auth.length]), auth,
                    ...(database ? [cstr(database)] : []), cstr(plugin)]));
                phase = 'auth';
            }
            else if (phase === 'auth') {
                if (p[0] === 0x00) { // OK: authenticated
                    phase = 'query';
                    send(0, Buffer.concat([Buffer.from([0x03]), Buffer.from(query, 'utf8')]));
                }
                else if (p[0] === 0xfe) { // auth switch request
                    const end = p.indexOf(0, 1);
                    plugin = p.subarray(1, end).toString('ascii');
                    nonce = p.subarray(end + 1, end + 21);
                    send(seq + 1, scramble(plugin, nonce));
                }
                else if (p[0] === 0x01 && plugin === 'caching_sha2_password') { // more data
                    if (p[1] === 0x03)
                        return; // fast authentication succeeded; an OK follows
                    if (p[1] === 0x04) {
                        send(seq + 1, Buffer.from([0x02])); // full authentication: ask for the server's public key
                        phase = 'rsa';
                        return;
                    }
                    throw new Error(`mysql sent an unexpected caching_sha2_password answer ${p[1]}`);
                }
                else {
                    throw new Error(`mysql sent an unexpected authentication packet 0x${p[0].toString(16)}`);
                }
            }
            else if (phase === 'rsa') {
                const key = p.subarray(1).toString('ascii');
                const secret = xor(cstr(password), nonce);
                send(seq + 1, crypto.publicEncrypt({ key, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING }, secret));
                phase = 'auth';
            }
            else if (phase === 'query') {
                if (p[0] === 0x00) {
                    finish();
                    return;
                }
                columns = p[0] < 0xfb ? p[0] : p[0] === 0xfc ? p.readUInt16LE(1) : p.readUIntLE(1, 3);
                phase = 'columns';
            }
            else if (phase === 'columns') {
                if (columns > 0) {
                    columns--;
                    return;
                }
                if (!isEof(p))
                    throw new Error('mysql sent a column definition after the announced columns');
                phase = 'rows';
            }
            else if (phase === 'rows') {
                if (isEof(p))
                    finish();
            }
        };
        const finish = () => {
            phase = 'done';
            send(0, Buffer.from([0x01])); // COM_QUIT
            done();
        };
        // What the server sends (withSocket's bounded reads; the chunk is copied, its buffer is reused).
        return (chunk) => {
            buffer = Buffer.concat([buffer, chunk]);
            try {
                while (buffer.length >= 4 && phase !== 'done') {
                    const length = buffer.readUIntLE(0, 3);
                    if (length > MAX_MESSAGE_BYTES)
                        throw new Error(`mysql sent a packet of ${length} bytes, more than ${MAX_MESSAGE_BYTES}`);
                    if (buffer.length < length + 4)
                        return;
                    const seq = buffer[3];
                    const payload = buffer.subarray(4, length + 4);
                    buffer = buffer.subarray(length + 4);
                    onPacket(seq, payload);
                }
            }
            catch (err) {
                done(err instanceof Error ? err : new Error(String(err)));
            }
        };
    });
    const checks = { tcp: tcpCheck, redis: redisCheck, http: httpCheck, postgres: postgresCheck, mysql: mysqlCheck };
    const runCheck = checks[kind];
    if (!runCheck)
        fatal(`HEALTH_CHECK must be one of ${Object.keys(checks).join(', ')}, got '${kind}'`);
    let inflight;
    let lastOk;
    const check = () => {
        if (!inflight) {
            const started = Date.now();
            inflight = runCheck()
                .then(() => ({ ok: true, body: { status: 'ok', check: kind, target, latencyMs: Date.now() - started } }))
                .catch((err) => ({ ok: false, body: { status: 'fail', check: kind, target, error: err.message || String(err), latencyMs: Date.now() - started } }))
                .then((result) => {
                inflight = undefined;
                if (result.ok !== lastOk)
                    log(result.ok ? 'info' : 'warning', result.ok ? 'app is healthy' : 'app is unhealthy', result.body);
                lastOk = result.ok;
                return result;
            });
        }
        return inflight;
    };
    // The adapter's own clients are bounded too: request headers at most MAX_HEADER_BYTES and within 10 s, bodies
    // never read (Node discards them), at most MAX_CLIENTS connections at once (a probe is one).
    const MAX_CLIENTS = 256;
    const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: 10_000, requestTimeout: 10_000 }, (req, res) => {
        const path = (req.url || '/').split('?')[0];
        const reply = (status, body) => {
            const text = `${JSON.stringify(body)}\n`;
            res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
            res.end(req.method === 'HEAD' ? undefined : text);
        };
        if (req.method !== 'GET' && req.method !== 'HEAD') {
            reply(405, { status: 'error', error: `method ${req.method} not allowed` });
        }
        else if (path === '/livez') {
            reply(200, { status: 'ok' });
        }
        else if (path === '/readyz' || path === '/healthz') {
            void check().then((result) => reply(result.ok ? 200 : 503, result.body));
        }
        else {
            reply(404, { status: 'error', error: `no such endpoint: ${path} (try /healthz, /readyz, /livez)` });
        }
    });
    server.keepAliveTimeout = 65_000;
    server.maxConnections = MAX_CLIENTS;
    server.on('error', (err) => fatal(`cannot listen on ${listenHost}:${port}: ${err.message}`));
    server.listen(port, listenHost, () => log('info', `listening on ${listenHost}:${port}`, { timeoutMs }));
    const stop = () => {
        server.close(() => process.exit(0));
        setTimeout(() => process.exit(0), 2000).unref(); // do not wait for slow clients
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
})();
