"""What is due and when, after successes and failures, on a fixed clock."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from feeds.backend import Backend
from feeds.refresh import refresh_source
from feeds.store import policy
from feeds.store.runs import INTERRUPTED, LOST
from feeds.store.schedule import dispatch_due, tick
from feeds.store.sources import recent_runs, update_source
from feeds.store.tables import Channel, Run, Source
from tests.conftest import make_settings

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def sources(database_url):
    backend = Backend.from_settings(make_settings(database_url))
    with backend.Session() as session:
        session.add(Channel(id="news", title="News"))
        session.add_all([
            Source(id=1, channel_id="news", kind="rss", url="https://a.example/f", every=600, next_due=NOW),
            Source(id=2, channel_id="news", kind="rss", url="https://b.example/f", every=600,
                   next_due=NOW + timedelta(minutes=5)),
            Source(id=3, channel_id="news", kind="rss", url="https://c.example/f", every=600,
                   next_due=NOW - timedelta(hours=1), enabled=False),
        ])
        session.commit()
    yield backend
    backend.close()


def test_only_enabled_sources_that_are_due_are_dispatched(sources):
    queued: list[int] = []
    assert dispatch_due(sources.Session, queued.append, now=NOW) == [1]
    assert queued == [1]


def test_a_dispatched_source_is_not_dispatched_again_by_the_next_tick(sources):
    dispatch_due(sources.Session, lambda _: None, now=NOW)
    assert dispatch_due(sources.Session, lambda _: None, now=NOW + timedelta(seconds=5)) == []


def test_a_new_interval_holds_from_the_next_tick(sources):
    with sources.Session() as session:
        source = session.get(Source, 2)
        source.next_due = NOW + timedelta(hours=1)
        session.commit()
        update_source(session, source, {"every": 60}, now=NOW)
    assert dispatch_due(sources.Session, lambda _: None, now=NOW + timedelta(seconds=61)) == [1, 2]


def test_enabling_a_disabled_source_makes_it_due_at_once(sources):
    with sources.Session() as session:
        source = session.get(Source, 3)
        source.failures, source.disabled_reason = 10, "disabled after 10 failed refreshes"
        session.commit()
        update_source(session, source, {"enabled": True}, now=NOW)
        assert (source.failures, source.disabled_reason) == (0, "")
    assert 3 in dispatch_due(sources.Session, lambda _: None, now=NOW)


def test_backoff_doubles_per_failure_with_bounded_jitter():
    rng = random.Random(7)
    for failures, base in ((1, 600), (2, 1200), (3, 2400), (10, policy.MAX_BACKOFF)):
        delay = policy.backoff_seconds(600, failures, rng)
        assert base <= delay <= base * 1.1


def test_a_failing_source_is_pushed_back_further_then_disabled(sources, httpserver):
    httpserver.expect_request("/feed").respond_with_data("down", status=503)
    with sources.Session() as session:
        session.get(Source, 1).url = httpserver.url_for("/feed")
        session.commit()
    delays = []
    for attempt in range(policy.DISABLE_AFTER):
        report = refresh_source(sources.Session, 1, allow_private=True, now=NOW)
        assert report.status == "error" and report.transient and "503" in report.error
        with sources.Session() as session:
            delays.append((session.get(Source, 1).next_due - NOW).total_seconds())
    assert delays[:4] == sorted(delays[:4]) and delays[1] >= 2 * 600
    with sources.Session() as session:
        source = session.get(Source, 1)
        assert source.enabled is False
        assert "10 failed refreshes" in source.disabled_reason and "503" in source.disabled_reason


def test_a_success_resets_failures_and_schedules_one_interval_later(sources, httpserver):
    httpserver.expect_request("/feed").respond_with_data(
        "<rss version='2.0'><channel><title>x</title></channel></rss>", content_type="application/rss+xml")
    with sources.Session() as session:
        source = session.get(Source, 1)
        source.url, source.failures = httpserver.url_for("/feed"), 3
        session.commit()
    assert refresh_source(sources.Session, 1, allow_private=True, now=NOW).status == "ok"
    with sources.Session() as session:
        source = session.get(Source, 1)
        assert source.failures == 0 and source.next_due == NOW + timedelta(seconds=600)


def test_permanent_failures_are_not_marked_for_retry(sources, httpserver):
    httpserver.expect_request("/feed").respond_with_data("<html>hello</html>", content_type="text/html")
    with sources.Session() as session:
        session.get(Source, 1).url = httpserver.url_for("/feed")
        session.commit()
    report = refresh_source(sources.Session, 1, allow_private=True, now=NOW)
    assert report.status == "error" and not report.transient
    assert report.error.startswith("not a feed")


def test_failures_written_late_appear_in_the_run_history(sources):
    from feeds.store.runs import record_failures
    from feeds.store.sources import recent_runs

    record_failures(sources.Session, 1, ["store unavailable: disk I/O error"])
    with sources.Session() as session:
        [run] = recent_runs(session, 1, 10)
        assert (run.status, run.error) == ("error", "store unavailable: disk I/O error")
        assert run.finished is not None


def test_a_tick_closes_the_runs_no_worker_will_finish_and_says_why(sources):
    ages = {"queued": (timedelta(hours=2), timedelta(minutes=10)),
            "running": (timedelta(minutes=20), timedelta(minutes=2))}
    with sources.Session() as session:
        for status, (old, young) in ages.items():
            session.add_all([Run(source_id=2, status=status, started=NOW - age) for age in (old, young)])
        session.add(Run(source_id=2, status="ok", started=NOW - timedelta(days=1), finished=NOW))
        session.commit()
    dispatched = tick(sources.Session, [].append, queued_for=timedelta(hours=1),
                      running_for=timedelta(minutes=6), now=NOW)
    assert dispatched == [1]
    with sources.Session() as session:
        runs = [(run.status, run.error, NOW - run.started) for run in recent_runs(session, 2, 10)]
    assert sorted(runs, key=lambda run: run[2]) == [
        ("running", "", timedelta(minutes=2)), ("queued", "", timedelta(minutes=10)),
        ("error", INTERRUPTED, timedelta(minutes=20)), ("error", LOST, timedelta(hours=2)),
        ("ok", "", timedelta(days=1))]
