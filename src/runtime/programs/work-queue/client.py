"""WorkQueueJobs client for Python 3.8+ (standard library only; it speaks RESP itself).

Your worker calls it in-process::

    import sys, os
    sys.path.insert(0, os.environ["QUEUE_SCRIPTS_DIR"])
    from client import WorkQueue

    def handle(item, attempt, lost):   # lost: set when the item's lease was lost (Event-like: is_set(), wait())
        ...                            # return: done; raise: failed (retried after the backoff, then dead-lettered)

    WorkQueue.from_env().run(handle)    # returns when the queue is drained

Every hand-off is one atomic run of queue.lua (beside this file): it settles the items you finished and leases
the next ones in one round trip; ``batch`` leases up to that many per round trip. A thread renews the leases of
the items you hold (on its own connection). A lost connection is retried with backoff for as long as it takes;
only a refused password or a queue that lost its seed run raise. To vendor it: copy client.py and queue.lua.
"""
import hashlib
import os
import random
import socket
import sys
import threading
import time

TRANSIENT = ("LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "CLUSTERDOWN", "READONLY")
FATAL = ("NOAUTH", "WRONGPASS", "NOPERM")
REAP_PER_TAKE = 100  # expired leases and due retries one take reaps at most
REAP_EVERY = 10  # a busy worker's takes reap on every tenth call; an idle worker's on every call
MAX_BACKOFF = 5.0
IDLE_POLL = 1.0
TAKE_TIMEOUT = 5.0


class QueueError(Exception):
    """A failure no retry fixes. ``code``: ``EAUTH`` (password refused), ``ELOST`` (seed run lost), ``ECONFIG``."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


class Lost:
    """Set when an item's lease was lost: ``threading.Event``'s ``is_set``/``wait``/``set``/``clear``. The Event is
    made only when someone waits on it (making one costs more than the rest of a no-op item's hand-off)."""

    __slots__ = ("_set", "_event")
    _lock = threading.Lock()

    def __init__(self):
        self._set = False
        self._event = None

    def is_set(self):
        return self._set

    isSet = is_set

    def set(self):
        with Lost._lock:
            self._set = True
            if self._event is not None:
                self._event.set()

    def clear(self):
        with Lost._lock:
            self._set = False
            if self._event is not None:
                self._event.clear()

    def wait(self, timeout=None):
        if self._set:
            return True
        with Lost._lock:
            if self._event is None:
                self._event = threading.Event()
                if self._set:
                    self._event.set()
            event = self._event
        return event.wait(timeout)


class ReplyError(Exception):
    """An error reply of the server."""


def _bulk(a):
    """One argument as a RESP bulk string (bytes as they are, anything else as its UTF-8 text)."""
    b = a if isinstance(a, bytes) else str(a).encode("utf-8")
    return b"$%d\r\n%s\r\n" % (len(b), b)


class Encoded:
    """A run of RESP arguments that never change, encoded once (``Connection`` sends it as its ``n`` arguments)."""

    __slots__ = ("n", "raw")

    def __init__(self, args):
        self.n, self.raw = len(args), b"".join(_bulk(a) for a in args)


class Connection:
    """A RESP2 connection that reconnects: ``call`` retries a command until the server answers it. An argument may
    be an ``Encoded`` run."""

    def __init__(self, host, port, password, log):
        self.host, self.port, self.password, self.log = host, port, password, log
        self.sock = None
        self.file = None
        self.failures = 0

    def _open(self):
        if self.sock is not None:
            return
        sock = socket.create_connection((self.host, self.port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(None)
        self.sock, self.file = sock, sock.makefile("rb")
        if self.password:
            try:
                self._send(["AUTH", self.password])
            except Exception:
                self._drop()
                raise

    def _drop(self):
        for c in (self.file, self.sock):
            try:
                if c is not None:
                    c.close()
            except OSError:
                pass
        self.sock = self.file = None

    def _send(self, args):
        n, out = 0, [b""]
        for a in args:
            if isinstance(a, Encoded):
                n += a.n
                out.append(a.raw)
            else:
                n += 1
                out.append(_bulk(a))
        out[0] = b"*%d\r\n" % n
        self.sock.sendall(b"".join(out))
        return self._read()

    def _read(self):
        line = self.file.readline()
        if not line.endswith(b"\r\n"):
            raise ConnectionError("connection closed")
        t, rest = line[:1], line[1:-2]
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.file.read(n + 2)
            if len(data) != n + 2:
                raise ConnectionError("connection closed")
            return data[:-2].decode("utf-8")
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        if t == b":":
            return int(rest)
        if t == b"+":
            return rest.decode("utf-8")
        if t == b"-":
            raise ReplyError(rest.decode("utf-8"))
        raise ConnectionError("bad RESP type %r" % t)

    def call(self, args):
        while True:
            try:
                self._open()
                v = self._send(args)
                if self.failures:
                    self.log("queue %s:%s answers again" % (self.host, self.port))
                self.failures = 0
                return v
            except ReplyError as e:
                message = str(e)
                if message.startswith(FATAL) or "invalid password" in message:
                    raise QueueError("the queue refused the password: " + message, "EAUTH")
                if not message.startswith(TRANSIENT):
                    raise
                self._retry(message)
            except (OSError, ConnectionError) as e:
                self._drop()
                self._retry(str(e))

    def _retry(self, why):
        if self.failures == 0:
            self.log("queue %s:%s unavailable (%s); retrying" % (self.host, self.port, why))
        self.failures += 1
        ms = min(MAX_BACKOFF, 0.05 * 2 ** min(self.failures, 10))
        time.sleep(ms / 2 + random.random() * ms / 2)

    def close(self):
        self._drop()


class WorkQueue:
    """A worker's view of one queue: take, settle, renew (see the module's doc)."""

    @staticmethod
    def from_env(env=None):
        """The options from the worker contract's environment (``QUEUE_*``, ``WORKER_ID``, ``SEED_RUN``)."""
        env = os.environ if env is None else env

        def need(k):
            v = env.get(k, "")
            if v == "":
                raise QueueError(k + " is not set", "ECONFIG")
            return v

        def num(k, d):
            return float(env[k]) if env.get(k) else d

        return WorkQueue(
            host=need("QUEUE_HOST"), port=int(need("QUEUE_PORT")), name=need("QUEUE_NAME"),
            password=env.get("QUEUE_PASSWORD") or None, worker_id=env.get("WORKER_ID") or None,
            lease_seconds=num("QUEUE_LEASE_SECONDS", 300), max_attempts=int(num("QUEUE_MAX_ATTEMPTS", 3)),
            retry_backoff_ms=int(num("QUEUE_RETRY_BACKOFF_MS", 10000)),
            retry_backoff_max_ms=int(num("QUEUE_RETRY_BACKOFF_MAX_MS", 300000)),
            seed_run=env.get("SEED_RUN") or None, batch=int(num("QUEUE_TAKE_BATCH", 1)),
        )

    def __init__(self, host, port, name, password=None, worker_id=None, lease_seconds=300, max_attempts=3,
                 retry_backoff_ms=10000, retry_backoff_max_ms=300000, seed_run=None, batch=1, log=None):
        self.id = worker_id or socket.gethostname()
        self.log = log or (lambda m: print("worker %s: %s" % (self.id, m), file=sys.stderr, flush=True))
        self._address = (host, port, password)
        self.conn = Connection(host, port, password, self.log)
        self._renew_conn = None
        self.keys = [name + k for k in (":pending", ":leased", ":attempts", ":delayed", ":dead", ":stats", ":seeds")]
        self.lease_seconds = lease_seconds
        self.rules = [str(int(lease_seconds * 1000)), str(max_attempts), str(retry_backoff_ms), str(retry_backoff_max_ms)]
        self.seed_run = seed_run or ""
        self._takes = 0
        self._idle = False
        self.batch = batch
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "queue.lua"), "rb") as f:
            self.script = f.read()
        self.sha = hashlib.sha1(self.script).hexdigest()
        self._evalsha = Encoded(["EVALSHA", self.sha])
        self._fixed = {}  # (op, reap budget) -> queue.lua's keys and fixed arguments, encoded once
        self.held = {}  # item -> Lost, set when its lease is lost
        self.settle = []  # item, "done" | "failed", ...
        self.remaining = -1
        self.wait_ms = -1
        self._lock = threading.Lock()
        self._renewer = None
        self._stop = threading.Event()

    def _eval(self, conn, op, rest, cap=0):
        fixed = self._fixed.get((op, cap))
        if fixed is None:
            fixed = self._fixed[(op, cap)] = Encoded([len(self.keys)] + self.keys + [op, self.id] + self.rules + [cap, self.seed_run])
        try:
            return conn.call([self._evalsha, fixed] + rest)
        except ReplyError as e:
            if not str(e).startswith("NOSCRIPT"):
                raise
            return conn.call(["EVAL", self.script, fixed] + rest)

    def take(self, max_items=None):
        """Settles what ``done``/``failed`` recorded and leases up to ``max_items`` items: ``[(item, attempt, lost)]``."""
        n = self.batch if max_items is None else max_items
        with self._lock:
            settle, self.settle = self.settle, []
        cap = REAP_PER_TAKE if self._idle or self._takes % REAP_EVERY == 0 else 0
        self._takes += 1
        r = self._eval(self.conn, "take", [str(n)] + settle, cap)
        if r[0] > 0:
            self.log("%d settlement(s) refused: the lease had run out and the item went to another worker" % r[0])
        out = []
        with self._lock:
            for i in range(4, len(r), 2):
                lost = Lost()
                self.held[r[i]] = lost
                out.append((r[i], int(r[i + 1]), lost))
        self._idle = not out and n > 0
        if not out:
            self.remaining, self.wait_ms = r[1], r[2]
            if r[3] == 0:
                raise QueueError("the queue lost its seed run (restarted without persistence, or flushed): the items "
                                 "not yet done are gone", "ELOST")
        self._renewing()
        return out

    @property
    def drained(self):
        """Nothing pending, leased or waiting to retry (as of the last take that leased nothing)."""
        return self.remaining == 0

    def done(self, item):
        """Records ``item`` as done; sent with the next take (or ``flush``)."""
        self._release(item, "done")

    def failed(self, item):
        """Records ``item`` as failed: retried after the backoff, dead-lettered after its last attempt."""
        self._release(item, "failed")

    def _release(self, item, outcome):
        with self._lock:
            if self.held.pop(item, None) is not None:
                self.settle += [item, outcome]

    def flush(self):
        """Sends the recorded settlements now."""
        if self.settle:
            self.take(0)

    def _renewing(self):
        if self._renewer is None and self.held:
            self._renewer = threading.Thread(target=self._renew_loop, name="lease-renewer", daemon=True)
            self._renewer.start()

    def _renew_loop(self):
        every = max(1.0, self.lease_seconds / 3.0)
        while not self._stop.wait(every):
            try:
                self.renew()
            except Exception as e:  # noqa: BLE001 - a renewal that fails is retried at the next tick
                self.log("renewal failed: %s" % e)

    def renew(self):
        """Extends the leases of the held items; sets the ``lost`` event of each that was lost."""
        with self._lock:
            items = list(self.held)
        if not items:
            return
        if self._renew_conn is None:
            host, port, password = self._address
            self._renew_conn = Connection(host, port, password, self.log)
        for item in self._eval(self._renew_conn, "renew", ["0"] + items):
            with self._lock:
                lost = self.held.pop(item, None)
            if lost is not None:
                self.log("lease lost: " + item)
                lost.set()

    def status(self):
        """The queue's lengths and counters: pending, leased, delayed, dead, done, retried, expired, buried, stale."""
        r = self._eval(self.conn, "status", [])
        return {r[i]: int(r[i + 1]) for i in range(0, len(r), 2)}

    def run(self, handler, batch=None, max_items=None, exit_when=None):
        """Calls ``handler(item, attempt, lost)`` for each item, one at a time (returned: done; raised: failed).

        Stops when the queue is drained (``exit_when="drained"``, the default), when nothing was pending for 5 s
        (``"empty"``), or after ``max_items`` items. Returns ``{"done": n, "failed": n, "lost": n}``.
        """
        batch = batch or self.batch
        max_items = int(os.environ.get("QUEUE_MAX_ITEMS") or 0) if max_items is None else max_items
        exit_when = exit_when or os.environ.get("QUEUE_EXIT_WHEN") or "drained"
        counts = {"done": 0, "failed": 0, "lost": 0}
        taken, idle_since, poll = 0, 0.0, 0.05
        while True:
            want = min(batch, max_items - taken) if max_items > 0 else batch
            if want <= 0:
                break
            items = self.take(want)
            if not items:
                if exit_when == "drained" and self.drained:
                    break
                now = time.monotonic()
                idle_since = idle_since or now
                if exit_when == "empty" and now - idle_since >= TAKE_TIMEOUT:
                    break
                hint = (self.wait_ms + 5) / 1000.0 if self.wait_ms >= 0 else IDLE_POLL
                time.sleep(min(poll, hint, IDLE_POLL))
                poll = min(poll * 2, IDLE_POLL)
                continue
            idle_since, poll = 0.0, 0.05
            taken += len(items)
            for item, attempt, lost in items:
                ok = False
                try:
                    handler(item, attempt, lost)
                    ok = True
                except Exception as e:  # noqa: BLE001 - the item failed, the worker goes on
                    self.log("item failed (attempt %d): %s: %s" % (attempt, item, e))
                if lost.is_set():
                    counts["lost"] += 1
                else:
                    counts["done" if ok else "failed"] += 1
                self._release(item, "done" if ok else "failed")
        self.flush()
        return counts

    def close(self):
        self._stop.set()
        self.conn.close()
        if self._renew_conn is not None:
            self._renew_conn.close()


if __name__ == "__main__":
    # python3 client.py status: the queue's lengths and counters, from the worker contract's environment
    if sys.argv[1:] != ["status"]:
        print("usage: python3 client.py status", file=sys.stderr)
        sys.exit(2)
    q = WorkQueue.from_env()
    print(", ".join("%s %s" % kv for kv in q.status().items()))
