"""A channel's history with a real Celery worker, gunicorn and Redis, on SQLite and on
PostgreSQL: three publishes made by refreshes, a diff naming the item added, a restore
answered with the first publish's ETag by every web process, and refreshes that go
on storing items while the channel is held but publish nothing until it is released."""
from __future__ import annotations

import pytest

from bench._procs import free_port, http_get, start_web
from tests.conftest import migrated
from tests.workers.conftest import Worker, wait_for
from tests.workers.test_celery import AUTH, add_source, mrss, roku_titles, runs

pytestmark = pytest.mark.slow
FRESH_CONNECTIONS = 60


@pytest.fixture(params=["sqlite", "postgresql"])
def env(request, worker_env, tmp_path) -> dict:
    if request.param == "sqlite":
        return {**worker_env, "DATABASE_URL": migrated(f"sqlite:///{tmp_path / 'store.db'}")}
    return worker_env


@pytest.fixture
def stack(env, tmp_path, monkeypatch):
    """A worker and gunicorn (four processes) on the same store and Redis, and the app
    in process for the admin API."""
    from channel import create_app
    from tests.conftest import make_settings

    worker = Worker(env, "w1", tmp_path)
    port = free_port()
    web = start_web({**env, "WEB_CONCURRENCY": "4", "CHANNEL_ADMIN_TOKEN": AUTH["Authorization"][7:]},
                    port, tmp_path / "web.log")
    app = create_app(make_settings(env["DATABASE_URL"], redis_url=env["REDIS_URL"]))
    yield app.test_client(), port
    app.extensions["backend"].close()
    web.stop()
    worker.stop()


def refresh(client, source_id: int) -> None:
    before = len([run for run in runs(client, source_id) if run["status"] == "ok"])
    assert client.post(f"/admin/api/sources/{source_id}/refresh", headers=AUTH).status_code == 202
    wait_for(lambda: len([run for run in runs(client, source_id) if run["status"] == "ok"]) > before,
             timeout=60, what="the refresh to finish")


def publishes(client) -> list[dict]:
    return client.get("/admin/api/channels/news/publishes", headers=AUTH).get_json()["publishes"]


def served_etags(port: int) -> set[str]:
    return {http_get(port, "/feeds/news/roku.json")[1].get("ETag") for _ in range(FRESH_CONNECTIONS)}


def test_three_publishes_a_diff_a_restore_everywhere_and_a_hold_until_release(stack, upstream):
    client, port = stack
    source_id = add_source(client, upstream.url_for("/clips.xml"))
    for count in (1, 2, 3):
        upstream.clear()
        upstream.expect_request("/clips.xml").respond_with_data(mrss(count), content_type="application/rss+xml")
        refresh(client, source_id)
        wait_for(lambda: len(publishes(client)) == count, timeout=60, what=f"publish {count}")
    third, second, first = publishes(client)
    added = client.get(f"/admin/api/channels/news/publishes/{third['id']}/diff", headers=AUTH).get_json()
    assert [item["title"] for item in added["items"]["added"]] == ["clip 2"]

    restored = client.post(f"/admin/api/channels/news/publishes/{first['id']}/restore", headers=AUTH)
    assert restored.status_code == 200
    first_etag = first["files"]["roku.json"]["etag"]
    wait_for(lambda: served_etags(port) == {first_etag}, timeout=30,
             what="every web process to answer the first publish's ETag")

    upstream.clear()
    upstream.expect_request("/clips.xml").respond_with_data(mrss(4), content_type="application/rss+xml")
    refresh(client, source_id)
    assert runs(client, source_id)[0]["new"] == 1
    assert served_etags(port) == {first_etag} and roku_titles(client) == {"clip 0"}
    assert client.get("/admin/api/channels/news", headers=AUTH).get_json()["hold"]["by"] == "admin"

    assert client.post("/admin/api/channels/news/release", headers=AUTH).status_code == 200
    wait_for(lambda: roku_titles(client) == {f"clip {n}" for n in range(4)}, timeout=30,
             what="the release to publish the items stored while held")
    wait_for(lambda: first_etag not in served_etags(port), timeout=30, what="every process to move on")
