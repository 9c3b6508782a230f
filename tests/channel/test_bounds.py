"""What an anonymous client sends is bounded: a body of any size, chunked or not, is
refused past its limit with a JSON 413; names that are no channel cost nothing kept."""
from __future__ import annotations

import http.client
import json
import resource

import pytest
import redis

from bench._procs import free_port, service_env, start_web
from channel import create_app
from channel.tools import MAX_DOCUMENT
from tests.conftest import ADMIN_TOKEN, make_settings

CHUNK = b"[" + b" " * (1024 * 1024 - 1)
UNKNOWN_NAMES = 100_000


def post_chunked(port: int, path: str, chunks, headers: dict | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.putrequest("POST", path)
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Transfer-Encoding", "chunked")
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        try:
            for chunk in chunks:
                conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            conn.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.mark.slow
def test_a_chunked_body_past_the_limit_is_refused_under_gunicorn(sqlite_url, tmp_path):
    port = free_port()
    env = service_env(sqlite_url, None, WEB_CONCURRENCY="2", CHANNEL_ADMIN_TOKEN=ADMIN_TOKEN)
    web = start_web(env, port, tmp_path / "web.log")
    try:
        status, body = post_chunked(port, "/tools/validate", [b'{"providerName": "x"}'])
        assert status == 200 and json.loads(body)["valid"] is False
        too_big = MAX_DOCUMENT // len(CHUNK) + 5
        status, body = post_chunked(port, "/tools/validate", (CHUNK for _ in range(too_big)))
        assert status == 413
        assert json.loads(body)["status"] == 413 and "at most 20 MB" in json.loads(body)["error"]
        status, body = post_chunked(port, "/admin/api/channels", (CHUNK for _ in range(3)),
                                    {"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert status == 413 and json.loads(body)["status"] == 413
    finally:
        web.stop()


def resident_kb() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() // 1024


@pytest.mark.slow
def test_names_that_are_no_channel_leave_memory_and_redis_flat(sqlite_url, redis_url):
    app = create_app(make_settings(sqlite_url, load_demo=True, redis_url=redis_url))
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    client = app.test_client()
    keys = redis.Redis.from_url(redis_url)
    for n in range(2_000):
        client.get(f"/feeds/warm-{n}/roku.json")
    memory, key_count = resident_kb(), keys.dbsize()

    for n in range(UNKNOWN_NAMES):
        assert client.get(f"/feeds/made-up-{n}/roku.json").status_code == 404
    assert resident_kb() - memory < 4 * 1024, "memory grew with the names asked for"
    assert keys.dbsize() <= key_count, "keys were made for names that are no channel"
    assert client.get("/feeds/demo/roku.json").status_code == 200
    app.extensions["backend"].close()
