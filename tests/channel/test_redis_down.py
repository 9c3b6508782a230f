"""Redis is a cache, the store is the truth: with Redis stopped, or restarted empty,
every process, warm or cold, serves every published channel's last bytes."""
from __future__ import annotations

import subprocess
import sys

import orjson
import pytest
import redis
from sqlalchemy.orm import Session

from bench._procs import PrivateRedis as ProcRedis
from bench._procs import free_port, http_get, service_env, start_web
from channel import create_app
from feeds.store.engine import make_engine
from feeds.store.published import live_etag
from feeds.store.tables import Channel
from tests.conftest import make_settings
from tests.workers.conftest import wait_for
from workers.jobs import publish

REQUESTS = 200


def production_app(sqlite_url: str, redis_url: str):
    return create_app(make_settings(sqlite_url, redis_url=redis_url))


def test_feeds_are_served_while_redis_is_down_and_after_it_returns_empty(sqlite_url, private_redis):
    app = create_app(make_settings(sqlite_url, load_demo=True, redis_url=private_redis.url))
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    warm = app.test_client()
    before = warm.get("/feeds/demo/roku.json")
    assert before.status_code == 200 and warm.get("/readyz").status_code == 200

    private_redis.stop()
    cold = production_app(sqlite_url, private_redis.url)
    for client in (warm, cold.test_client()):
        during = client.get("/feeds/demo/roku.json")
        assert during.status_code == 200
        assert during.headers["ETag"] == before.headers["ETag"] and during.data == before.data
        assert client.get("/feeds/demo/roku.json",
                          headers={"If-None-Match": before.headers["ETag"]}).status_code == 304
    ready = warm.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["checks"]["cache"] is False

    private_redis.start()
    again = production_app(sqlite_url, private_redis.url).test_client()
    assert again.get("/feeds/demo/roku.json").headers["ETag"] == before.headers["ETag"]
    assert redis.Redis.from_url(private_redis.url).get("channel:snap:demo:roku.json").decode() \
        == before.headers["ETag"], "Redis is refilled from the store"
    for app_ in (app, cold):
        app_.extensions["backend"].close()


def test_a_publish_while_redis_is_down_reaches_every_process_from_the_store(sqlite_url, private_redis):
    app = create_app(make_settings(sqlite_url, load_demo=True, redis_url=private_redis.url))
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    other = production_app(sqlite_url, private_redis.url).test_client()
    before = other.get("/feeds/demo/roku.json")

    private_redis.stop()
    backend = app.extensions["backend"]
    with backend.Session() as session:
        session.get(Channel, "demo").provider_name = "Demo News, again"
        session.commit()
    assert publish(backend, "demo") is not None

    def renamed(client):
        response = client.get("/feeds/demo/roku.json")
        return response.status_code == 200 and orjson.loads(response.data)["providerName"] == "Demo News, again"
    wait_for(lambda: renamed(other), timeout=30, what="the other process to serve the new publish")
    assert renamed(app.test_client())
    assert other.get("/feeds/demo/roku.json").headers["ETag"] != before.headers["ETag"]

    private_redis.start()
    wait_for(lambda: renamed(production_app(sqlite_url, private_redis.url).test_client()),
             timeout=30, what="a cold process to serve the new publish once Redis is back")
    backend.close()


@pytest.mark.slow
def test_gunicorn_workers_serve_the_published_etag_with_redis_killed_then_restarted_empty(
        sqlite_url, tmp_path):
    private = ProcRedis(tmp_path).start()
    env = service_env(sqlite_url, private.url, WEB_CONCURRENCY="4", CHANNEL_DEMO="1")
    try:
        demo = subprocess.run([sys.executable, "-m", "channel", "demo"], env=env,
                              capture_output=True, text=True, timeout=120)
        assert demo.returncode == 0, demo.stderr[-2000:]
        engine = make_engine(sqlite_url)
        with Session(engine) as session:
            etag = live_etag(session, "demo", "roku.json")
        engine.dispose()
        assert etag and etag.startswith('"'), "the demo's roku.json is published"

        port = free_port()
        web = start_web(env, port, tmp_path / "web.log")
        try:
            private.kill()
            for phase in ("redis killed", "redis restarted empty"):
                answers = [http_get(port, "/feeds/demo/roku.json") for _ in range(REQUESTS)]
                statuses = {status for status, _, _ in answers}
                etags = {headers.get("ETag") for _, headers, _ in answers}
                assert statuses == {200} and etags == {etag}, (phase, statuses, etags)
                if phase == "redis killed":
                    private.start()
        finally:
            web.stop()
    finally:
        private.stop()
