"""Celery's retries of a failed refresh, on a real worker process: one refresh,
however many times it is tried, is one failure toward the source's backoff and
auto-disable, while every attempt is a run of its own in the history."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from kombu import Connection

from feeds.store import policy
from tests.workers.conftest import wait_for
from tests.workers.test_celery import AUTH, add_source, runs
from workers.tasks import MAX_RETRIES, refresh

pytestmark = pytest.mark.slow
RETRY_BASE = 0.2
ATTEMPTS = MAX_RETRIES + 1


@pytest.fixture
def worker_env(worker_env):
    """Retries after 0.2-0.4 s, 0.4-0.8 s, … instead of 10-20 s, 20-40 s, …"""
    return {**worker_env, "CHANNEL_RETRY_BASE": str(RETRY_BASE)}


def source(web, source_id: int) -> dict:
    return web.get(f"/admin/api/sources/{source_id}", headers=AUTH).get_json()


def refresh_tasks_done(worker) -> int:
    """Refresh tasks that ended (after their last retry), from the worker's log."""
    return len(re.findall(r"Task workers\.tasks\.refresh\[\S+\] succeeded", worker.log.read_text()))


def backoff_after(state: dict, history: list[dict]) -> float:
    """Seconds from the start of the last attempt to the source's next due time."""
    last = max(history, key=lambda run: run["id"])
    return (datetime.fromisoformat(state["next_due"])
            - datetime.fromisoformat(last["started"])).total_seconds()


def test_a_refresh_retried_by_celery_counts_as_one_failure(web, start_worker, upstream, redis_url):
    """Two refreshes during an upstream outage, each tried MAX_RETRIES + 1 times:
    ten error runs, but two failures (before, each attempt counted, and the tenth
    disabled the source)."""
    upstream.expect_request("/clips.xml").respond_with_data("down for maintenance", status=503)
    source_id = add_source(web, upstream.url_for("/clips.xml"))
    every = source(web, source_id)["every"]
    assert policy.DISABLE_AFTER <= 2 * ATTEMPTS, "the test no longer reaches the disable threshold"
    worker = start_worker()

    # one asked by ops (its first attempt closes the queued run) ...
    assert web.post(f"/admin/api/sources/{source_id}/refresh", headers=AUTH).status_code == 202
    wait_for(lambda: refresh_tasks_done(worker) == 1, timeout=60,
             what="the refresh and all its retries to end")
    history = runs(web, source_id)
    assert [(r["status"], r["error"]) for r in history] == [("error", "upstream answered 503")] * ATTEMPTS
    state = source(web, source_id)
    assert (state["failures"], state["enabled"]) == (1, True), state
    assert every <= backoff_after(state, history) <= every * 1.1 + 5, state

    # ... and one sent as the scheduler's tick sends it (no run id)
    with Connection(redis_url) as connection:
        refresh.apply_async((source_id,), connection=connection)
    wait_for(lambda: refresh_tasks_done(worker) == 2, timeout=60,
             what="the second refresh and all its retries to end")
    history = runs(web, source_id)
    assert len(history) == 2 * ATTEMPTS
    assert all(r["status"] == "error" and r["error"] == "upstream answered 503" for r in history)
    assert len(upstream.log) == 2 * ATTEMPTS, "each attempt fetched once"
    state = source(web, source_id)
    assert (state["failures"], state["enabled"], state["disabled_reason"]) == (2, True, ""), state
    assert 2 * every <= backoff_after(state, history) <= 2 * every * 1.1 + 5, state
