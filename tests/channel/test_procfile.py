"""The Procfile's processes on a fresh store: ``release`` brings the schema up, then
``web`` with four gunicorn workers always answers, however often it is started; a
``web`` started without the release stops at once with one line saying what to run."""
from __future__ import annotations

import subprocess

import pytest

from bench._procs import (
    REPO,
    Proc,
    free_port,
    http_get,
    procfile_command,
    service_env,
    start_web,
    wait_for,
    which,
)
from tests.conftest import _reset_postgres

pytestmark = pytest.mark.slow
STARTS = 3


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_store(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh' / 'channel.db'}"
    url = request.getfixturevalue("postgres_url")
    _reset_postgres(url)
    return url


def run_release(env: dict) -> subprocess.CompletedProcess:
    args = procfile_command("release")
    return subprocess.run([which(args[0]) or args[0], *args[1:]], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_release_then_web_with_four_workers_answers_every_time(fresh_store, tmp_path):
    env = service_env(fresh_store, None, WEB_CONCURRENCY="4")
    release = run_release(env)
    assert release.returncode == 0, release.stderr
    for start in range(STARTS):
        log, port = tmp_path / f"web{start}.log", free_port()
        web = start_web(env, port, log)
        try:
            wait_for(lambda: log.read_text().count("Booting worker") >= 4, 60, 0.2, "four workers")
            statuses = {http_get(port, "/api/v1/channels")[0] for _ in range(40)}
            assert statuses == {200}
            assert {http_get(port, "/feeds/nope/roku.json")[0] for _ in range(40)} == {404}
            counted = 'channel_feed_requests_total{format="roku.json",status="404"} 40.0'
            assert all(counted in http_get(port, "/metrics")[2].decode() for _ in range(8)), \
                "every worker's scrape counts the requests of all four"
            assert "Worker exited" not in log.read_text() and web.alive(), log.read_text()[-2000:]
        finally:
            web.stop()


def test_beat_ticks_from_a_fresh_checkout_with_no_instance_folder(postgres_url, redis_url, tmp_path):
    env = service_env(postgres_url, redis_url, CHANNEL_TICK_SECONDS="0.5")
    assert run_release(env).returncode == 0
    args = procfile_command("beat")
    log, checkout = tmp_path / "beat.log", tmp_path / "checkout"
    checkout.mkdir()
    beat = Proc([which(args[0]) or args[0], *args[1:]], log, env=env, cwd=checkout)
    try:
        wait_for(lambda: log.read_text().count("Sending due task tick") >= 2 or not beat.alive(), 60, 0.2,
                 "beat to send two ticks")
        assert beat.alive(), log.read_text()[-2000:]
    finally:
        beat.stop()
    assert list(checkout.iterdir()) == [], "beat writes no schedule file"


def test_web_started_before_the_release_stops_saying_what_to_run(fresh_store, tmp_path):
    env = service_env(fresh_store, None, WEB_CONCURRENCY="2", PORT=str(free_port()))
    args = procfile_command("web")
    log = tmp_path / "web.log"
    web = Proc([which(args[0]) or args[0], *args[1:]], log, env=env)
    try:
        wait_for(lambda: not web.alive(), 60, 0.2, "gunicorn to stop")
    finally:
        web.kill()
    assert web.process.returncode != 0
    refusals = [line for line in log.read_text().splitlines() if "this release needs" in line]
    assert refusals and "is not set up" in refusals[0] and "channel db upgrade" in refusals[0]
    assert "SchemaOutOfDate" not in log.read_text(), "our refusal is one line, not a traceback"
