"""The store going away under a worker in the middle of a refresh, on a real
worker process and the real PostgreSQL: the worker's connections to the store run
through a relay that the test cuts (every connection dropped, new ones refused,
as when PostgreSQL stops) and mends. The refresh cut off retries on fresh
connections and, once it can, writes its failed attempts to the run history."""
from __future__ import annotations

import contextlib
import socket
import threading

import pytest
from sqlalchemy.engine import make_url
from werkzeug import Response

from tests.workers.conftest import Worker, wait_for
from tests.workers.test_celery import AUTH, add_source, item_count, mrss, roku_titles, runs

pytestmark = pytest.mark.slow
RETRY_BASE = 0.5
STORE_DOWN = "could not reach the store"


class StoreLink:
    """A TCP relay from a free loopback port to the store. ``cut`` drops every
    connection through it and closes the port (new connections refused); ``mend``
    opens the same port again."""

    def __init__(self, database_url: str):
        url = make_url(database_url)
        self.target = (url.host or "127.0.0.1", url.port or 5432)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = url.set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._serve(self._listener)

    def _serve(self, listener: socket.socket) -> None:
        listener.settimeout(0.1)
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            server.settimeout(None)
            with self._lock:
                self._open |= {client, server}
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        self._drop(source, sink)

    def _drop(self, *sockets: socket.socket) -> None:
        for sock in sockets:
            with self._lock:
                self._open.discard(sock)
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the pump blocked on it
            sock.close()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            open_now = list(self._open)
        self._drop(*open_now)

    def mend(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))
        self._listener = listener
        self._serve(listener)


@pytest.fixture
def store_link(worker_env):
    link = StoreLink(worker_env["DATABASE_URL"])
    yield link
    link.cut()


@pytest.fixture
def cut_off_worker(worker_env, store_link, tmp_path):
    """A worker that reaches the store only through ``store_link``, with retries
    after 0.5-1 s, 1-2 s, 2-4 s, … instead of 10-20 s, 20-40 s, …: short, and every
    retry the tests need comes well before the visibility timeout (8 s), past which
    Redis would deliver a task the worker holds for later a second time."""
    env = {**worker_env, "DATABASE_URL": store_link.url, "CHANNEL_RETRY_BASE": str(RETRY_BASE)}
    worker = Worker(env, "cut-off", tmp_path)
    yield worker
    worker.stop()


def gated_upstream(upstream, answers: list[tuple[int, str]]):
    """The upstream holds its first answer until ``gate`` is set (``fetching`` is set
    as soon as it is asked); then it answers ``answers`` in turn, the last one for good."""
    fetching, gate = threading.Event(), threading.Event()
    calls = []

    def handler(request):
        calls.append(request.path)
        if len(calls) == 1:
            fetching.set()
            gate.wait(60)
        status, body = answers[min(len(calls), len(answers)) - 1]
        return Response(body, status=status, content_type="application/rss+xml")
    upstream.expect_request("/clips.xml").respond_with_handler(handler)
    return fetching, gate, calls


def cut_store_mid_refresh(web, worker, store_link, fetching, gate, source_id: int) -> int:
    """Ops ask for a refresh; while the worker is fetching, the store goes away; the
    refresh fails on it and retries at least once more while it is away; then the
    store comes back. Returns the run id ops got."""
    asked = web.post(f"/admin/api/sources/{source_id}/refresh", headers=AUTH)
    assert asked.status_code == 202
    run_id = asked.get_json()["run_id"]
    assert fetching.wait(60), "the worker never fetched"
    store_link.cut()
    gate.set()
    wait_for(lambda: worker.log.read_text().count(STORE_DOWN) >= 2, timeout=60,
             what="the refresh to fail on the store, and fail again on its retry")
    assert [(r["id"], r["status"]) for r in runs(web, source_id)] == [(run_id, "running")], \
        "nothing can be written while the store is away"
    store_link.mend()
    return run_id


def store_failures(history: list[dict]) -> list[dict]:
    return [r for r in history if r["error"].startswith("store unavailable: ")]


def test_a_refresh_cut_off_by_a_store_outage_retries_and_writes_its_failed_attempts(
        web, upstream, store_link, cut_off_worker):
    fetching, gate, calls = gated_upstream(upstream, [(200, mrss(3))])
    source_id = add_source(web, upstream.url_for("/clips.xml"))
    run_id = cut_store_mid_refresh(web, cut_off_worker, store_link, fetching, gate, source_id)

    wait_for(lambda: any(r["status"] == "ok" for r in runs(web, source_id)), timeout=60,
             what="the retried refresh to store the items once the store is back")
    wait_for(lambda: roku_titles(web) == {"clip 0", "clip 1", "clip 2"}, what="the published feed")
    history = {r["id"]: r for r in runs(web, source_id)}
    outage_attempts = cut_off_worker.log.read_text().count(STORE_DOWN)
    written = store_failures(list(history.values()))
    assert len(written) == outage_attempts >= 2, history
    assert all(r["status"] == "error" for r in written)
    assert history[run_id]["status"] == "error"
    assert history[run_id]["error"].startswith("interrupted:") and "store" in history[run_id]["error"]
    [ok] = [r for r in history.values() if r["status"] == "ok"]
    assert ok["new"] == 3 and ok["id"] > max(r["id"] for r in written)
    assert len(history) == outage_attempts + 2
    assert item_count(web) == 3
    assert web.get(f"/admin/api/sources/{source_id}", headers=AUTH).get_json()["failures"] == 0
    assert len(calls) == 2, "fetched by the attempt cut off and by the one after the outage"
    assert cut_off_worker.process.poll() is None


def test_failed_attempts_are_written_once_when_the_retry_after_the_outage_fails_too(
        web, upstream, store_link, cut_off_worker):
    """The first attempt after the outage writes the store failures, then meets an
    upstream error and is retried: that retry must not write them a second time."""
    fetching, gate, calls = gated_upstream(upstream, [(200, mrss(3)), (503, "busy"), (200, mrss(3))])
    source_id = add_source(web, upstream.url_for("/clips.xml"))
    run_id = cut_store_mid_refresh(web, cut_off_worker, store_link, fetching, gate, source_id)

    wait_for(lambda: any(r["status"] == "ok" for r in runs(web, source_id)), timeout=60,
             what="the refresh to succeed after the outage and one upstream error")
    history = runs(web, source_id)
    outage_attempts = cut_off_worker.log.read_text().count(STORE_DOWN)
    assert len(store_failures(history)) == outage_attempts >= 2, history
    assert [r["error"] for r in history if r["error"] == "upstream answered 503"] == [
        "upstream answered 503"]
    assert len(history) == outage_attempts + 3  # the cut-off run, the 503, the success
    assert [r["status"] for r in history if r["id"] == run_id] == ["error"]
    assert item_count(web) == 3
    assert len(calls) == 3
