"""The Python baseline of bench/work-queue.bench.ts: BLMOVE pending -> processing, then LREM processing."""
import os
import socket

sock = socket.create_connection((os.environ["QUEUE_HOST"], int(os.environ["QUEUE_PORT"])))
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
f = sock.makefile("rb")
q = os.environ["QUEUE_NAME"]


def call(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a.encode("utf-8")
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    sock.sendall(b"".join(out))
    line = f.readline()
    if line[:1] == b"$":
        n = int(line[1:-2])
        return None if n < 0 else f.read(n + 2)[:-2].decode("utf-8")
    if line[:1] == b"*":
        return None
    return line[1:-2]


while True:
    item = call("BLMOVE", q + ":pending", q + ":processing", "RIGHT", "LEFT", "0.01")
    if item is None:
        break
    call("LREM", q + ":processing", "1", item)
