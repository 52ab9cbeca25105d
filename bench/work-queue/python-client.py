"""bench/work-queue.bench.ts: a no-op worker on the library's Python client. Env: the worker contract, CLIENT_DIR."""
import os
import sys

sys.path.insert(0, os.environ["CLIENT_DIR"])
from client import WorkQueue  # noqa: E402

q = WorkQueue.from_env()
q.run(lambda item, attempt, lost: None)
q.close()
