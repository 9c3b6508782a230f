"""Real Celery worker processes on the test Redis, sharing a PostgreSQL database
with the web app under test; a threaded upstream HTTP server."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from channel import create_app
from tests.conftest import _reset_postgres, make_settings, migrated

REPO = Path(__file__).resolve().parents[2]
LOCK_SECONDS = 3
VISIBILITY_TIMEOUT = 8


def wait_for(check, timeout: float = 30, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Worker:
    def __init__(self, env: dict[str, str], name: str, log_dir: Path):
        self.log = log_dir / f"{name}.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker",
             "--loglevel=INFO", "--concurrency=1", "--pool=prefork", "-n", f"{name}@%h",
             "--without-mingle", "--without-gossip", "-Q", "channel"],
            cwd=REPO, env=env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True)
        wait_for(lambda: b"ready." in self.log.read_bytes() or self.process.poll() is not None,
                 timeout=60, what=f"worker {name} to start")
        assert self.process.poll() is None, self.log.read_text()

    def kill(self) -> None:
        """SIGKILL the whole worker: main process and pool children."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker_env(postgres_url, redis_url) -> dict[str, str]:
    _reset_postgres(postgres_url)
    migrated(postgres_url)
    env = {**os.environ, "DATABASE_URL": postgres_url, "REDIS_URL": redis_url,
           "CHANNEL_FETCH_ALLOW_PRIVATE": "1", "CHANNEL_NO_DEMO": "1",
           "CHANNEL_LOCK_SECONDS": str(LOCK_SECONDS),
           "CHANNEL_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
           "CHANNEL_TASK_TIME_LIMIT": "60", "CHANNEL_MEDIA_CHECKS": "0", "PYTHONPATH": str(REPO)}
    return env


@pytest.fixture
def start_worker(worker_env, tmp_path):
    workers: list[Worker] = []

    def start(name: str = "w1") -> Worker:
        worker = Worker(worker_env, name, tmp_path)
        workers.append(worker)
        return worker
    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def web(worker_env, monkeypatch):
    """The web app in production mode (PostgreSQL, Redis), as a test client."""
    monkeypatch.setenv("CHANNEL_LOCK_SECONDS", str(LOCK_SECONDS))
    settings = make_settings(worker_env["DATABASE_URL"], redis_url=worker_env["REDIS_URL"])
    app = create_app(settings, run_tasks=False)
    yield app.test_client()
    app.extensions["backend"].close()


@pytest.fixture
def upstream():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()
