"""Redis stopped and started under a running worker that holds a task: it
reconnects by itself and goes on working."""
from __future__ import annotations

import pytest
from kombu import Connection

from channel import create_app
from tests.conftest import make_settings
from tests.workers.conftest import Worker, wait_for
from tests.workers.test_celery import AUTH, add_source, mrss, roku_titles, runs
from workers.tasks import publish

pytestmark = pytest.mark.slow


def test_worker_and_web_recover_when_redis_returns(worker_env, private_redis, upstream, tmp_path):
    upstream.expect_request("/clips.xml").respond_with_data(mrss(2), content_type="application/rss+xml")
    env = {**worker_env, "REDIS_URL": private_redis.url}
    app = create_app(make_settings(env["DATABASE_URL"], redis_url=private_redis.url))
    web = app.test_client()
    source_id = add_source(web, upstream.url_for("/clips.xml"))
    worker = Worker(env, "outage", tmp_path)
    try:
        with Connection(private_redis.url) as connection:
            publish.apply_async(("news",), countdown=30, connection=connection)
        wait_for(lambda: "received" in worker.log.read_text(), what="the worker to hold the task")
        private_redis.stop()
        wait_for(lambda: "Connection to broker lost" in worker.log.read_text(),
                 what="the worker to notice the broker is gone")
        private_redis.start()
        asked = wait_for(lambda: (r := web.post(f"/admin/api/sources/{source_id}/refresh",
                                                headers=AUTH)).status_code == 202 and r,
                         what="the web tier to enqueue again")
        run_id = asked.get_json()["run_id"]
        wait_for(lambda: any(r["id"] == run_id and r["status"] == "ok" for r in runs(web, source_id)),
                 timeout=60, what="the worker to reconnect and run the refresh")
        wait_for(lambda: roku_titles(web) == {"clip 0", "clip 1"}, what="the published feed")
        assert worker.process.poll() is None, "the worker died on the broker loss"
    finally:
        worker.stop()
        app.extensions["backend"].close()
