"""gunicorn settings for `make serve` and deployments (command-line flags override them)."""

import multiprocessing
import os

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
