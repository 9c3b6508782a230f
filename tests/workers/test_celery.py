"""Refreshes on a real Celery worker process, through the admin API, with the
worker killed, raced and restarted."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import orjson
import pytest
import redis
from sqlalchemy import func, select
from werkzeug import Response

from feeds.dates import utcnow
from feeds.store.tables import Item, Run
from tests.conftest import ADMIN_TOKEN
from tests.workers.conftest import wait_for

pytestmark = pytest.mark.slow
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def mrss(count: int, prefix: str = "clip") -> str:
    items = "".join(f"""
      <item><title>{prefix} {n}</title><guid>{prefix}-{n}</guid>
        <pubDate>Sun, 29 Nov 2026 1{n % 10}:00:00 +0000</pubDate>
        <description>Clip number {n}.</description>
        <media:content url="https://cdn.example/{prefix}{n}.m3u8" type="application/x-mpegURL"
           duration="{60 + n}" height="1080"/>
        <media:thumbnail url="https://cdn.example/{prefix}{n}.jpg" width="1280" height="720"/>
      </item>""" for n in range(count))
    return (f'<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">'
            f"<channel><title>Clips</title>{items}</channel></rss>")


def add_source(web, url: str) -> int:
    web.post("/admin/api/channels", headers=AUTH, json={"id": "news", "title": "News"})
    response = web.post("/admin/api/sources", headers=AUTH,
                        json={"channel": "news", "kind": "mrss", "url": url, "every": "1h"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def runs(web, source_id: int) -> list[dict]:
    return web.get(f"/admin/api/sources/{source_id}/runs?limit=50", headers=AUTH).get_json()["runs"]


def roku_titles(web) -> set[str]:
    response = web.get("/feeds/news/roku.json")
    if response.status_code != 200:
        return set()
    return {video["title"] for video in orjson.loads(response.data).get("shortFormVideos", [])}


def item_count(web) -> int:
    backend = web.application.extensions["backend"]
    with backend.Session() as session:
        return session.scalar(select(func.count()).select_from(Item))


def test_a_refresh_asked_through_the_admin_api_runs_on_the_worker(web, start_worker, upstream):
    upstream.expect_request("/clips.xml").respond_with_data(mrss(3), content_type="application/rss+xml")
    source_id = add_source(web, upstream.url_for("/clips.xml"))
    start_worker()
    asked = web.post(f"/admin/api/sources/{source_id}/refresh", headers=AUTH)
    assert asked.status_code == 202
    run_id = asked.get_json()["run_id"]
    wait_for(lambda: any(r["id"] == run_id and r["status"] == "ok" for r in runs(web, source_id)),
             what="the run to finish on the worker")
    wait_for(lambda: roku_titles(web) == {"clip 0", "clip 1", "clip 2"}, what="the published feed")


def held_first(body: str):
    """An upstream whose first answer is held until ``gate`` is set (``fetching`` is
    set as soon as it is asked); later answers come at once. ``calls`` counts the
    requests and the most that were in flight at once."""
    calls = {"n": 0, "active": 0, "max_active": 0}
    fetching, gate = threading.Event(), threading.Event()
    lock = threading.Lock()

    def handler(request):
        with lock:
            calls["n"] += 1
            first = calls["n"] == 1
            calls["active"] += 1
            calls["max_active"] = max(calls["max_active"], calls["active"])
        if first:
            fetching.set()
            gate.wait(60)
        with lock:
            calls["active"] -= 1
        return Response(body, content_type="application/rss+xml")
    return handler, calls, fetching, gate


def test_a_worker_killed_mid_refresh_loses_nothing_and_stores_nothing_twice(web, start_worker, upstream):
    handler, calls, fetching, gate = held_first(mrss(4))
    upstream.expect_request("/clips.xml").respond_with_handler(handler)
    source_id = add_source(web, upstream.url_for("/clips.xml"))
    first = start_worker("doomed")
    run_id = web.post(f"/admin/api/sources/{source_id}/refresh", headers=AUTH).get_json()["run_id"]
    try:
        assert fetching.wait(60), "the worker never fetched"
        assert [(r["id"], r["status"]) for r in runs(web, source_id)] == [(run_id, "running")]
        first.kill()  # while its fetch is held: mid-refresh, whatever the machine's speed
    finally:
        gate.set()
    start_worker("survivor")
    history = wait_for(lambda: (h := runs(web, source_id)) and any(r["status"] == "ok" for r in h) and h,
                       timeout=60, what="the refresh to be delivered again and finish")
    interrupted = [r for r in history if r["id"] == run_id][0]
    assert interrupted["status"] == "error" and "interrupted" in interrupted["error"]
    assert item_count(web) == 4
    wait_for(lambda: len(roku_titles(web)) == 4, what="the published feed")


def test_two_workers_never_refresh_one_source_at_once(web, start_worker, upstream):
    """The first refresh's fetch is held until the other worker has found the source
    locked: the two refreshes meet, however fast or slow the machine."""
    handler, calls, fetching, gate = held_first(mrss(2))
    upstream.expect_request("/clips.xml").respond_with_handler(handler)
    source_id = add_source(web, upstream.url_for("/clips.xml"))
    workers = [start_worker("a"), start_worker("b")]
    for _ in range(2):
        assert web.post(f"/admin/api/sources/{source_id}/refresh", headers=AUTH).status_code == 202
    try:
        assert fetching.wait(60), "no worker fetched"
        wait_for(lambda: any("skipped: already running" in w.log.read_text() for w in workers),
                 timeout=60, what="the other worker to find the source locked")
    finally:
        gate.set()
    wait_for(lambda: len([r for r in runs(web, source_id) if r["status"] in ("ok", "not_modified")]) == 2,
             timeout=60, what="both refreshes to finish")
    assert calls["max_active"] == 1
    finished = sorted(runs(web, source_id), key=lambda r: r["started"])
    assert finished[0]["finished"] <= finished[1]["started"]
    assert item_count(web) == 2
    backend = web.application.extensions["backend"]
    with backend.Session() as session:
        assert session.scalar(select(func.count()).select_from(Run).where(Run.status == "error")) == 0


def test_beat_ticks_and_due_sources_are_refreshed_without_asking(web, start_worker, upstream,
                                                                 worker_env, tmp_path):
    """And a run whose task was lost long ago (queued two hours, more than the
    visibility timeout) is closed by the tick, saying so."""
    import subprocess
    import sys

    from tests.workers.conftest import REPO

    upstream.expect_request("/clips.xml").respond_with_data(mrss(1), content_type="application/rss+xml")
    source_id = add_source(web, upstream.url_for("/clips.xml"))
    with web.application.extensions["backend"].Session() as session:
        lost = Run(source_id=source_id, status="queued", started=utcnow() - timedelta(hours=2))
        session.add(lost)
        session.commit()
        lost_id = lost.id
    start_worker()
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "workers.celery_app", "beat", "--loglevel=INFO",
         f"--schedule={tmp_path / 'beat-schedule'}"],
        cwd=REPO, env={**worker_env, "CHANNEL_TICK_SECONDS": "1"},
        stdout=(tmp_path / "beat.log").open("wb"), stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: any(r["status"] == "ok" for r in runs(web, source_id)), timeout=45,
                 what="beat's tick to dispatch the due source")
        wait_for(lambda: roku_titles(web) == {"clip 0"}, what="the published feed")
        [closed] = [r for r in runs(web, source_id) if r["id"] == lost_id]
        assert closed["status"] == "error" and closed["error"].startswith("lost: the refresh was queued")
    finally:
        beat.terminate()
        beat.wait(10)


def test_publishes_asked_for_close_together_are_folded_into_one(web, start_worker, upstream, redis_url):
    """The three refreshes are queued before the worker starts, so its one process
    takes them one after the other; the publish the first one asks for is queued
    behind the other two, which find it waiting and ask for none. One publish,
    whatever the speed of the machine (not three refreshes racing a 2 s delay)."""
    for name in ("a", "b", "c"):
        upstream.expect_request(f"/{name}.xml").respond_with_data(
            mrss(2, prefix=name), content_type="application/rss+xml")
    ids = [add_source(web, upstream.url_for(f"/{name}.xml")) for name in ("a", "b", "c")]
    for source_id in ids:
        assert web.post(f"/admin/api/sources/{source_id}/refresh", headers=AUTH).status_code == 202
    worker = start_worker()
    wait_for(lambda: len(roku_titles(web)) == 6, what="all six clips published")
    broker = redis.Redis.from_url(redis_url)
    wait_for(lambda: broker.llen("channel") == 0 and broker.hlen("unacked") == 0,
             what="no task left in the queue or held by the worker")
    broker.close()
    log = worker.log.read_text()
    assert len(re.findall(r"Task workers\.tasks\.refresh\[\S+\] succeeded", log)) == 3, log
    assert len(re.findall(r"Task workers\.tasks\.publish\[\S+\] received", log)) == 1, log
    assert len(re.findall(r"Task workers\.tasks\.publish\[\S+\] succeeded", log)) == 1, log
