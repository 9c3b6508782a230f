"""Redis stopped and started while the web tier serves: the feeds stay up."""
from __future__ import annotations

import time

import orjson

from channel import create_app
from tests.conftest import make_settings
from workers.jobs import publish


def test_feeds_are_served_from_memory_while_redis_is_down(sqlite_url, private_redis):
    app = create_app(make_settings(sqlite_url, load_demo=True, redis_url=private_redis.url))
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    client = app.test_client()
    before = client.get("/feeds/demo/roku.json")
    assert before.status_code == 200 and client.get("/readyz").status_code == 200

    private_redis.stop()
    time.sleep(1.1)
    during = client.get("/feeds/demo/roku.json")
    assert during.status_code == 200
    assert during.headers["ETag"] == before.headers["ETag"] and during.data == before.data
    assert client.get("/feeds/demo/roku.json", headers={"If-None-Match": before.headers["ETag"]}).status_code == 304
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["checks"]["cache"] is False

    private_redis.start()
    assert client.get("/readyz").status_code == 200
    assert client.get("/feeds/demo/roku.json").data == before.data
    backend = app.extensions["backend"]
    with backend.Session() as session:
        from feeds.store.tables import Channel
        session.get(Channel, "demo").provider_name = "Demo News, again"
        session.commit()
    assert publish(backend, "demo") is not None
    time.sleep(1.1)
    after = client.get("/feeds/demo/roku.json")
    assert orjson.loads(after.data)["providerName"] == "Demo News, again"
    backend.close()


def test_a_publish_while_redis_is_down_fails_and_keeps_the_served_feed(sqlite_url, private_redis):
    app = create_app(make_settings(sqlite_url, load_demo=True, redis_url=private_redis.url))
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    client = app.test_client()
    before = client.get("/feeds/demo/roku.json")
    private_redis.stop()
    backend = app.extensions["backend"]
    try:
        publish(backend, "demo")
    except Exception as exc:
        assert "cache unreachable" in str(exc)
    else:
        raise AssertionError("publish should fail while Redis is down")
    time.sleep(1.1)
    assert client.get("/feeds/demo/roku.json").data == before.data
    backend.close()


def test_refresh_now_with_the_broker_down_says_so_and_closes_its_run(sqlite_url, private_redis):
    from tests.conftest import ADMIN_TOKEN

    app = create_app(make_settings(sqlite_url, load_demo=True, redis_url=private_redis.url))
    client = app.test_client()
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    private_redis.stop()
    response = client.post("/admin/api/sources/1/refresh", headers=auth)
    assert response.status_code == 503
    body = response.get_json()
    assert "unreachable" in body["error"]
    [run] = client.get("/admin/api/sources/1/runs", headers=auth).get_json()["runs"]
    assert run["id"] == body["run_id"] and run["status"] == "error"
    assert run["error"].startswith("could not enqueue the refresh")
    app.extensions["backend"].close()
