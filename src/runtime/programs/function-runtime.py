# function runtime for Python (cdk8s-distributed-patterns, FunctionService / FunctionDecorator / FunctionPipeline).
# Python standard library only; the same config, answers, metrics and delivery rules as function-runtime.js.
#
#   python3 function-runtime.py config.json
#
# Loads the user's handler file (config handlerFile, function config handlerName) and serves it over HTTP: every
# path but /healthz and /metrics calls `handler(context)` with `context.json` (the parsed JSON body, or None),
# `context.body` (text), `context.headers` (lowercase names), `context.query` (first value of each name),
# `context.method`, `context.path`, and `context.response(status, body, headers)` to answer a status of its own.
# What it returns is the answer: a JSON value (200), None (204), or context.response().
#
# Bounds: a handler that takes longer than timeoutMs is answered 504 (its thread is abandoned: Python cannot stop
# it; /healthz turns 503 once maxConcurrency handlers are abandoned, so the kubelet restarts the pod); a body over
# maxBodyBytes 413; more than maxConcurrency requests at once 503 with Retry-After; a handler that raises 500.
#
# After a 2xx answer the event (what the handler returned, else the JSON it was given) goes on:
#   forward     (the decorator) POST the event to forward.url (env forward.urlEnv) and answer with its answer;
#   successors  (a pipeline) POST the event to each successor due (every successor without `when`, and those whose
#               `when` field, a dot path, is present and not None in the event), each retried on connection
#               errors, timeouts, 408, 429 and 5xx with exponential backoff up to delivery.attempts, then posted to
#               the dead-letter URL as an envelope; the answer waits for every delivery, and is 502 when one could
#               neither be delivered nor dead-lettered.
# Env: LISTEN_HOST binds one address (default: every interface). SIGTERM: stop accepting, exit.

import http.client
import http.server
import importlib.util
import json
import os
import signal
import sys
import threading
import time
import traceback
import urllib.parse
import uuid

BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
RETRIED_STATUS = (408, 429)


def log(msg):
    sys.stderr.write(json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "msg": msg}) + "\n")
    sys.stderr.flush()


# ---------------------------------------------------------------------------------------------------------------
# Config


class ConfigError(Exception):
    pass


def _show(v):
    return "undefined" if v is None else json.dumps(v)


def _integer(obj, key, lo, hi):
    v = obj.get(key)
    if not isinstance(v, int) or isinstance(v, bool) or v < lo or v > hi:
        raise ConfigError("config: %s must be an integer from %d to %d, got %s" % (key, lo, hi, _show(v)))
    return v


def _text(obj, key):
    v = obj.get(key)
    if not isinstance(v, str) or v == "":
        raise ConfigError("config: %s must be a non-empty string, got %s" % (key, _show(v)))
    return v


def load_config(raw, env):
    c = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(c, dict):
        raise ConfigError("config: config must be an object, got %s" % _show(c))

    def url_of(o, key):
        name = _text(o, key)
        url = env.get(name)
        if not isinstance(url, str) or not (url.startswith("http://") or url.startswith("https://")):
            raise ConfigError("config: env %s must be an http(s) URL, got %s" % (name, _show(url)))
        return url

    out = {
        "name": _text(c, "name"),
        "port": _integer(c, "port", 1, 65535),
        "handlerFile": _text(c, "handlerFile"),
        "handlerName": _text(c, "handlerName"),
        "timeoutMs": _integer(c, "timeoutMs", 1, 86400000),
        "maxBodyBytes": _integer(c, "maxBodyBytes", 0, 1073741824),
        "maxConcurrency": _integer(c, "maxConcurrency", 1, 1000000),
        "forward": None,
        "successors": [],
        "delivery": {"attempts": 1, "backoffMs": 0, "attemptTimeoutMs": 1000, "deadLetterUrl": None},
    }
    if c.get("forward") is not None:
        f = c["forward"]
        out["forward"] = {"url": url_of(f, "urlEnv"), "timeoutMs": _integer(f, "timeoutMs", 1, 86400000)}
    d = c.get("delivery")
    if d is not None:
        out["delivery"] = {
            "attempts": _integer(d, "attempts", 1, 100),
            "backoffMs": _integer(d, "backoffMs", 0, 3600000),
            "attemptTimeoutMs": _integer(d, "attemptTimeoutMs", 1, 86400000),
            "deadLetterUrl": url_of(d, "deadLetterUrlEnv") if d.get("deadLetterUrlEnv") is not None else None,
        }
    for s in c.get("successors") or []:
        out["successors"].append({
            "name": _text(s, "name"),
            "when": _text(s, "when") if s.get("when") is not None else None,
            "url": url_of(s, "urlEnv"),
        })
    return out


# ---------------------------------------------------------------------------------------------------------------
# The handler


class FunctionResponse:
    """An answer with a status of the handler's own (context.response)."""

    def __init__(self, status, body=None, headers=None):
        if not isinstance(status, int) or isinstance(status, bool) or status < 100 or status > 599:
            raise ValueError("context.response: status must be an integer from 100 to 599, got %s" % _show(status))
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


class Context:
    """What a handler gets: the book's `context` (context.json, …)."""

    def __init__(self, json_body, body, headers, query, method, path):
        self.json = json_body
        self.body = body
        self.headers = headers
        self.query = query
        self.method = method
        self.path = path

    @staticmethod
    def response(status, body=None, headers=None):
        return FunctionResponse(status, body, headers)


def load_handler(path, name):
    if not os.path.isfile(path):
        raise ConfigError("handler file %s does not exist" % path)
    spec = importlib.util.spec_from_file_location("function_handler", path)
    if spec is None or spec.loader is None:
        raise ConfigError("handler file %s cannot be loaded as a Python module" % path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    fn = getattr(mod, name, None)
    if not callable(fn):
        raise ConfigError("handler file %s does not define a function '%s'" % (path, name))
    return fn


def is_present(event, when):
    v = event
    for part in when.split("."):
        if not isinstance(v, dict):
            return False
        v = v.get(part)
    return v is not None


def route(successors, event):
    if event is None:
        return []
    return [s for s in successors if s["when"] is None or is_present(event, s["when"])]


# ---------------------------------------------------------------------------------------------------------------
# Metrics (Prometheus text format)


def _label(k, v):
    return '%s="%s"' % (k, str(v).replace("\\", "\\\\").replace('"', '\\"'))


class Metrics:
    def __init__(self, name):
        self.name = name
        self.lock = threading.Lock()
        self.counters = {}
        self.buckets = [0] * len(BUCKETS)
        self.sum = 0.0
        self.count = 0
        self.in_flight = 0
        self.abandoned = 0

    def inc(self, metric, labels):
        key = metric + "{" + ",".join([_label("function", self.name)] + [_label(k, v) for k, v in labels.items()]) + "}"
        with self.lock:
            self.counters[key] = self.counters.get(key, 0) + 1

    def observe(self, seconds):
        with self.lock:
            for i, b in enumerate(BUCKETS):
                if seconds <= b:
                    self.buckets[i] += 1
            self.sum += seconds
            self.count += 1

    def render(self):
        fn = _label("function", self.name)
        lines = []
        families = [
            ("function_requests_total", "counter", "Requests answered, by status code."),
            ("function_errors_total", "counter",
             "Requests that failed, by kind (exception, timeout, too_large, bad_json, overload, forward)."),
            ("function_deliveries_total", "counter",
             "Event deliveries to successors, by successor and outcome (delivered, retried, dead_lettered, failed)."),
        ]
        with self.lock:
            for metric, kind, help_text in families:
                lines += ["# HELP %s %s" % (metric, help_text), "# TYPE %s %s" % (metric, kind)]
                for k in sorted(self.counters):
                    if k.startswith(metric + "{"):
                        lines.append("%s %d" % (k, self.counters[k]))
            lines += ["# HELP function_request_duration_seconds Time from request to answer.",
                      "# TYPE function_request_duration_seconds histogram"]
            for i, b in enumerate(BUCKETS):
                lines.append('function_request_duration_seconds_bucket{%s,le="%s"} %d' % (fn, b, self.buckets[i]))
            lines.append('function_request_duration_seconds_bucket{%s,le="+Inf"} %d' % (fn, self.count))
            lines.append("function_request_duration_seconds_sum{%s} %s" % (fn, repr(self.sum)))
            lines.append("function_request_duration_seconds_count{%s} %d" % (fn, self.count))
            lines += ["# HELP function_in_flight Requests being handled.", "# TYPE function_in_flight gauge",
                      "function_in_flight{%s} %d" % (fn, self.in_flight)]
            lines += ["# HELP function_abandoned_handlers Handlers still running after their time bound.",
                      "# TYPE function_abandoned_handlers gauge", "function_abandoned_handlers{%s} %d" % (fn, self.abandoned)]
        return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# HTTP client


def post(url, body, headers, timeout_ms):
    """POSTs `body` (bytes) to `url`; returns (status, headers, body) or raises on a network error or timeout."""
    u = urllib.parse.urlsplit(url)
    conn_class = http.client.HTTPSConnection if u.scheme == "https" else http.client.HTTPConnection
    conn = conn_class(u.hostname, u.port, timeout=timeout_ms / 1000.0)
    try:
        h = {"content-type": "application/json", "content-length": str(len(body))}
        h.update(headers)
        conn.request("POST", (u.path or "/") + ("?" + u.query if u.query else ""), body=body, headers=h)
        res = conn.getresponse()
        data = res.read()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, data
    finally:
        conn.close()


def deliver(url, body, headers, d, on_retry):
    last = {"ok": False, "status": None, "error": "not sent", "attempts": 0}
    for attempt in range(1, d["attempts"] + 1):
        if attempt > 1:
            on_retry()
            time.sleep(d["backoffMs"] * (2 ** (attempt - 2)) / 1000.0)
        try:
            h = dict(headers)
            h["x-function-attempt"] = str(attempt)
            status, _, _ = post(url, body, h, d["attemptTimeoutMs"])
            if 200 <= status < 300:
                return {"ok": True, "status": status, "error": None, "attempts": attempt}
            last = {"ok": False, "status": status, "error": "status %d" % status, "attempts": attempt}
            if status < 500 and status not in RETRIED_STATUS:
                return last
        except Exception as e:  # noqa: BLE001 - every network failure is retried
            last = {"ok": False, "status": None, "error": str(e) or type(e).__name__, "attempts": attempt}
    return last


# ---------------------------------------------------------------------------------------------------------------
# The server


class _Abandon(Exception):
    pass


def make_server(config, handler):
    metrics = Metrics(config["name"])
    slots = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "function-runtime"
        # Headers and body are separate writes: without TCP_NODELAY a keep-alive client waits out its delayed ACK
        # (about 40 ms) on every answer.
        disable_nagle_algorithm = True

        def log_message(self, format, *args):  # noqa: A002 - the base class's name
            pass

        def send(self, status, body=None, headers=None):
            h = dict(headers or {})
            payload = b""
            if body is not None and status != 204:
                payload = body if isinstance(body, (bytes, bytearray)) else json.dumps(body).encode("utf-8")
                if not any(k.lower() == "content-type" for k in h):
                    h["content-type"] = "application/json"
            h["content-length"] = str(len(payload))
            self.send_response(status)
            for k, v in h.items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def answer(self, started, status, body=None, headers=None, error_kind=None):
            if error_kind:
                metrics.inc("function_errors_total", {"kind": error_kind})
            metrics.inc("function_requests_total", {"code": status})
            metrics.observe(time.monotonic() - started)
            self.send(status, body, headers)

        def do_GET(self):
            self.dispatch()

        def do_POST(self):
            self.dispatch()

        def do_PUT(self):
            self.dispatch()

        def do_DELETE(self):
            self.dispatch()

        def do_PATCH(self):
            self.dispatch()

        def dispatch(self):
            started = time.monotonic()
            url = urllib.parse.urlsplit(self.path)
            if self.command == "GET" and url.path == "/healthz":
                ok = metrics.abandoned < config["maxConcurrency"]
                return self.send(200 if ok else 503,
                                 {"status": "ok" if ok else "too many abandoned handlers", "abandoned": metrics.abandoned})
            if self.command == "GET" and url.path == "/metrics":
                text = metrics.render().encode("utf-8")
                self.send_response(200)
                self.send_header("content-type", "text/plain; version=0.0.4")
                self.send_header("content-length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)
                return None
            length = int(self.headers.get("content-length") or 0)
            if length > config["maxBodyBytes"]:
                self.close_connection = True
                return self.answer(started, 413, {"error": "body larger than %d bytes" % config["maxBodyBytes"]},
                                   {"connection": "close"}, "too_large")
            with slots:
                if metrics.in_flight >= config["maxConcurrency"]:
                    busy = True
                else:
                    busy = False
                    metrics.in_flight += 1
            if busy:
                self.close_connection = True
                return self.answer(started, 503, {"error": "too many requests in flight"}, {"retry-after": "1"}, "overload")
            try:
                body_bytes = self.rfile.read(length) if length > 0 else b""
                return self.on_event(started, url, body_bytes.decode("utf-8", "replace"))
            finally:
                with slots:
                    metrics.in_flight -= 1

        def on_event(self, started, url, body_text):
            ctype = self.headers.get("content-type") or ""
            json_body = None
            if body_text != "" and (ctype == "" or "json" in ctype.lower()):
                try:
                    json_body = json.loads(body_text)
                except ValueError:
                    if ctype != "":
                        return self.answer(started, 400, {"error": "invalid JSON body"}, None, "bad_json")
            query = {}
            for k, v in urllib.parse.parse_qsl(url.query, keep_blank_values=True):
                query.setdefault(k, v)
            headers = {k.lower(): v for k, v in self.headers.items()}
            context = Context(json_body, body_text, headers, query, self.command, url.path)
            box = {}

            def run():
                try:
                    box["result"] = handler(context)
                except BaseException as e:  # noqa: BLE001 - a handler's failure is an answer
                    box["error"] = e
                if box.get("abandoned"):
                    with slots:
                        metrics.abandoned -= 1

            worker = threading.Thread(target=run, daemon=True)
            worker.start()
            worker.join(config["timeoutMs"] / 1000.0)
            if worker.is_alive():
                with slots:
                    box["abandoned"] = True
                    metrics.abandoned += 1
                return self.answer(started, 504, {"error": "handler timed out after %dms" % config["timeoutMs"]},
                                   None, "timeout")
            if "error" in box:
                e = box["error"]
                log("handler failed: " + "".join(traceback.format_exception(type(e), e, e.__traceback__)))
                return self.answer(started, 500, {"error": "handler failed"}, None, "exception")
            result = box.get("result")
            status, body, out_headers = 200, result, {}
            if isinstance(result, FunctionResponse):
                status, body, out_headers = result.status, result.body, dict(result.headers)
            elif result is None:
                status = 204
            if status < 200 or status > 299:
                return self.answer(started, status, body, out_headers)
            event = json_body if body is None else body
            event_id = self.headers.get("x-function-event-id") or str(uuid.uuid4())

            if config["forward"] is not None:
                f = config["forward"]
                try:
                    target = f["url"] + ("?" + url.query if url.query else "")
                    st, rh, rb = post(target, json.dumps(event).encode("utf-8"), {"x-function-event-id": event_id}, f["timeoutMs"])
                    h = {"content-type": rh["content-type"]} if "content-type" in rh else {}
                    return self.answer(started, st, bytes(rb), h)
                except Exception as e:  # noqa: BLE001
                    timed_out = "timed out" in str(e)
                    return self.answer(started, 504 if timed_out else 502,
                                       {"error": "the decorated service did not answer: " + str(e)}, None, "forward")
            due = route(config["successors"], event)
            if not due:
                return self.answer(started, status, body, out_headers)
            payload = json.dumps(event).encode("utf-8")
            d = config["delivery"]
            outcomes = [None] * len(due)

            def one(i, s):
                def on_retry():
                    metrics.inc("function_deliveries_total", {"successor": s["name"], "outcome": "retried"})
                h = {"x-function-event-id": event_id, "x-function-source": config["name"]}
                r = deliver(s["url"], payload, h, d, on_retry)
                if r["ok"]:
                    metrics.inc("function_deliveries_total", {"successor": s["name"], "outcome": "delivered"})
                    outcomes[i] = (s, "delivered", None)
                    return
                log("delivery to %s failed after %d attempt(s): %s" % (s["name"], r["attempts"], r["error"]))
                if d["deadLetterUrl"]:
                    envelope = json.dumps({"event": event, "eventId": event_id, "function": config["name"],
                                           "successor": s["name"], "error": r["error"], "status": r["status"],
                                           "attempts": r["attempts"]}).encode("utf-8")
                    dl = deliver(d["deadLetterUrl"], envelope, h, d, lambda: None)
                    if dl["ok"]:
                        metrics.inc("function_deliveries_total", {"successor": s["name"], "outcome": "dead_lettered"})
                        outcomes[i] = (s, "dead_lettered", None)
                        return
                    log("dead-lettering the event for %s failed: %s" % (s["name"], dl["error"]))
                metrics.inc("function_deliveries_total", {"successor": s["name"], "outcome": "failed"})
                outcomes[i] = (s, "failed", r["error"])

            threads = [threading.Thread(target=one, args=(i, s), daemon=True) for i, s in enumerate(due)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

            def names(kind):
                return ",".join(o[0]["name"] for o in outcomes if o and o[1] == kind)

            out_headers.update({"x-function-delivered": names("delivered"), "x-function-dead-lettered": names("dead_lettered"),
                                "x-function-event-id": event_id})
            failed = [o for o in outcomes if o and o[1] == "failed"]
            if failed:
                return self.answer(started, 502, {"error": "delivery failed",
                                                  "successors": [{"name": o[0]["name"], "error": o[2]} for o in failed]},
                                   out_headers, "delivery")
            return self.answer(started, status, body, out_headers)

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server((os.environ.get("LISTEN_HOST") or "", config["port"]), Handler)
    return server, metrics


def main(argv, env):
    config = load_config(open(argv[1] if len(argv) > 1 else "config.json", encoding="utf-8").read(), env)
    handler = load_handler(config["handlerFile"], config["handlerName"])
    server, _ = make_server(config, handler)

    def stop(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log("function %s listening on %d" % (config["name"], config["port"]))
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    try:
        main(sys.argv, dict(os.environ))
    except ConfigError as err:
        sys.stderr.write("function runtime: %s\n" % err)
        sys.exit(1)
