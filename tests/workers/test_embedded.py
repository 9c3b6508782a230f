"""The embedded mode: the same tick and jobs on a thread, no Celery, no Redis."""
from __future__ import annotations

import orjson

from feeds.backend import Backend
from tests.conftest import make_settings
from tests.workers.conftest import wait_for
from workers.embedded import EmbeddedRunner


def test_a_tick_refreshes_what_is_due_and_publishes(sqlite_url):
    backend = Backend.from_settings(make_settings(sqlite_url, load_demo=True))
    backend.prepare()
    runner = EmbeddedRunner(backend, interval=60)
    assert len(runner.tick()) == 3
    feed = orjson.loads(backend.snapshots.get("demo", "roku.json").body)
    assert len(feed["shortFormVideos"]) >= 3 and feed["liveFeeds"]
    assert runner.tick() == []
    backend.close()


def test_the_thread_runs_ticks_until_stopped(sqlite_url):
    backend = Backend.from_settings(make_settings(sqlite_url, load_demo=True))
    backend.prepare()
    runner = EmbeddedRunner(backend, interval=0.1)
    runner.start()
    try:
        wait_for(lambda: backend.snapshots.get("demo", "roku.json"), timeout=30, what="a publish")
    finally:
        runner.stop()
        runner.join(30)
    assert not runner.is_alive(), "the runner did not stop within 30 s"
    backend.close()
