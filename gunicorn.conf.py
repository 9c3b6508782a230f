"""gunicorn settings for the web tier (Procfile ``web``), from the environment."""
import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", 4))
keepalive = 30
timeout = 30
graceful_timeout = 20
accesslog = os.environ.get("ACCESS_LOG") or None


def child_exit(server, worker):
    """Forget a dead worker's live gauges in Prometheus multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
