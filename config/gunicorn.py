"""gunicorn settings for `make serve` and deployments (command-line flags override them)."""

import multiprocessing
import os
import shutil
import tempfile

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "sync"
timeout = 30
graceful_timeout = 10
# Load the app once in the master: forks are cheap and share its memory, so a worker
# replaced after max_requests does not stall requests while it imports Django.
preload_app = True
max_requests = 100000  # a leak guard; at 10,000 a busy worker was replaced every few seconds
max_requests_jitter = 10000
accesslog = None  # referral.core.middleware.RequestLogMiddleware logs each request
errorlog = "-"

# Prometheus counts per worker in files of one directory; /metrics adds them up.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="referral-metrics-"))


def on_starting(server):
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(directory, ignore_errors=True)  # counts of an earlier run start over
    os.makedirs(directory, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
