"""gunicorn settings for the web tier (Procfile ``web``), from the environment.

Measured on 2 cores (bench/serve.py, docs/PERFORMANCE.md): the fast path in
front of Flask costs a few microseconds a request; what is left is gunicorn's
own work per request (parse, thread hand-off, write). So:

- ``gthread`` with keep-alive: set-top boxes and CDNs re-use connections, and a
  worker thread is free for the next request while a slow client reads; 2 workers
  per core, 4 threads each (``WEB_CONCURRENCY``, ``WEB_THREADS``).
- the C HTTP parser (package ``gunicorn_h1c``) when it is installed:
  ``http_parser = "auto"`` takes it, and falls back to the Python parser.
- the worker heartbeat file on tmpfs (``/dev/shm``), not on disk.
- no access log unless ``ACCESS_LOG`` is set (a CDN or load balancer logs).
- Prometheus multiprocess mode in a folder of this start's own when there are several
  workers and ``PROMETHEUS_MULTIPROC_DIR`` is not set: each scrape of ``/metrics``
  reaches one worker, which then answers for all of them."""
import multiprocessing
import os
import shutil
import tempfile

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = os.environ.get("WEB_WORKER_CLASS", "gthread")
threads = int(os.environ.get("WEB_THREADS", 4))
http_parser = os.environ.get("WEB_HTTP_PARSER", "auto")
keepalive = 30
timeout = 30
graceful_timeout = 20
accesslog = os.environ.get("ACCESS_LOG") or None
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
# Remembered in the environment: a reload (SIGHUP) reads this file again, and finds
# PROMETHEUS_MULTIPROC_DIR set by its first reading, whose folder on_exit still removes.
own_metrics_dir = os.environ.get("CHANNEL_OWN_METRICS_DIR")
if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    own_metrics_dir = tempfile.mkdtemp(prefix="channel-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.environ["CHANNEL_OWN_METRICS_DIR"] = own_metrics_dir


def on_exit(server):
    if own_metrics_dir:
        shutil.rmtree(own_metrics_dir, ignore_errors=True)


def child_exit(server, worker):
    """Forget a dead worker's live gauges in Prometheus multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
