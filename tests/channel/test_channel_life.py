"""A channel's life as ops see it on the feeds: a deleted channel is gone from every
process, from Redis and from the store; a change of what its feeds show republishes."""
from __future__ import annotations

import orjson
import redis
from sqlalchemy import func, select

from channel import create_app
from feeds.store.tables import LiveSnapshot, Publish, StoredSnapshot
from tests.conftest import ADMIN_TOKEN, make_settings
from tests.workers.conftest import wait_for

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PUBLIC = ["/feeds/demo/roku.json", "/feeds/demo/mrss.xml", "/feeds/demo/search.json",
          "/api/v1/channels/demo/home", "/preview/demo"]


def rows(backend, table) -> int:
    with backend.Session() as session:
        return session.scalar(select(func.count()).select_from(table))


def test_a_deleted_channel_answers_404_everywhere_and_leaves_redis_and_the_store(sqlite_url, redis_url):
    settings = make_settings(sqlite_url, load_demo=True, redis_url=redis_url)
    app = create_app(settings)
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    client, other = app.test_client(), create_app(settings).test_client()
    for path in PUBLIC:
        assert client.get(path).status_code == 200 and other.get(path).status_code == 200, path

    assert client.delete("/admin/api/channels/demo", headers=AUTH).status_code == 204
    assert all(client.get(path).status_code == 404 for path in PUBLIC)
    wait_for(lambda: all(other.get(path).status_code == 404 for path in PUBLIC), timeout=30,
             what="the other process to stop serving the deleted channel")
    assert list(redis.Redis.from_url(redis_url).scan_iter(match="channel:*:demo:*")) == []
    backend = app.extensions["backend"]
    assert [rows(backend, table) for table in (Publish, StoredSnapshot, LiveSnapshot)] == [0, 0, 0]
    backend.close()


def test_changing_what_the_feed_shows_republishes(demo_app):
    client = demo_app.test_client()
    before = orjson.loads(client.get("/feeds/demo/roku.json").data)
    changed = client.patch("/admin/api/channels/demo", headers=AUTH,
                           json={"provider_name": "Demo Evening News", "countries": ["gb", "ie"]})
    assert changed.status_code == 200 and changed.get_json()["countries"] == ["gb", "ie"]

    def republished() -> bool:
        return orjson.loads(client.get("/feeds/demo/roku.json").data)["providerName"] == "Demo Evening News"
    wait_for(republished, timeout=30, what="the channel to be republished")
    assert before["providerName"] != "Demo Evening News"
    search = orjson.loads(client.get("/feeds/demo/search.json").data)
    assert search["defaultAvailabilityCountries"] == ["gb", "ie"]
