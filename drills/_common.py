"""What every fault drill shares: a production stack of its own (private Redis,
private PostgreSQL or SQLite, gunicorn as the Procfile starts it, Celery workers,
a local upstream), a poller that writes down every answer the feeds give while
the drill runs, the stored items counted by key, the run history, and a verdict:
HELD when every check passed, LOST otherwise, with the evidence."""
from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench._procs import (
    ADMIN_TOKEN,
    Poller,
    PrivatePostgres,
    PrivateRedis,
    Proc,
    Upstream,
    add_source,
    free_port,
    http_get,
    need,
    seed_channel,
    service_env,
    start_web,
    start_worker,
    wait_for,
)

CHANNEL = "drill"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LOCK_SECONDS = 5
VISIBILITY_TIMEOUT = 8
SETTLE_SECONDS = 2 + 1 + 0.5  # workers.tasks.PUBLISH_DELAY + RedisSnapshots freshness + margin


def arguments(doc: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=120, help="items stored before the drill")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (logs)")
    parser.add_argument("--json", help="write the outcome here as JSON")
    return parser.parse_args()


class Stack:
    """The production stack of one drill, in a temp folder, stopped on exit."""

    def __init__(self, name: str, items: int = 120, database: str = "postgresql",
                 keep: bool = False, workdir: Path | None = None, hang: float = 25):
        need("redis-server")
        self.name = name
        self._tmp = None if workdir or keep else tempfile.TemporaryDirectory(prefix=f"drill-{name}-")
        self.dir = workdir or Path(self._tmp.name if self._tmp else tempfile.mkdtemp(prefix=f"drill-{name}-"))
        self.items = items
        self.database = database
        self.redis = PrivateRedis(self.dir)
        self.postgres: PrivatePostgres | None = None
        self.web: Proc | None = None
        self.workers: list[Proc] = []
        self.upstream = Upstream(hang=hang)
        self.port = free_port()
        self.checks: list[tuple[str, bool, str]] = []
        self.notes: list[str] = []
        self.backend = None
        self.source_id = 0
        self.database_url = ""

    # --- lifecycle -----------------------------------------------------------------------
    def __enter__(self) -> "Stack":
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self, database_url: str | None = None) -> None:
        from feeds.backend import Backend
        from feeds.publish import publish_channel
        from feeds.settings import Settings

        self.redis.start()
        if database_url:
            self.database_url = database_url
        elif self.database == "postgresql":
            self.postgres = PrivatePostgres(self.dir).init().start()
            self.database_url = self.postgres.url
        else:
            self.database_url = f"sqlite:///{self.dir / 'store.db'}"
        self.backend = Backend.from_settings(Settings(
            database_url=self.database_url, redis_url=self.redis.url, admin_token=ADMIN_TOKEN,
            fetch_allow_private=True, port=0, load_demo=False))
        seed_channel(self.backend.Session, CHANNEL, self.items)
        self.source_id = add_source(self.backend.Session, CHANNEL, self.upstream.url)
        with self.backend.Session() as session:
            publish_channel(session, self.backend.snapshots, CHANNEL)
        self.env = service_env(self.database_url, self.redis.url,
                               CHANNEL_LOCK_SECONDS=str(LOCK_SECONDS),
                               CHANNEL_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
                               CHANNEL_TASK_TIME_LIMIT="60")
        self.web = start_web(self.env, self.port, self.dir / "gunicorn.log")
        self.start_worker()

    def start_worker(self, name: str | None = None) -> Proc:
        name = name or f"w{len(self.workers) + 1}"
        worker = start_worker(self.env, name, self.dir / f"worker-{name}.log")
        self.workers.append(worker)
        return worker

    def close(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(Exception):
                worker.stop(10)
        if self.web:
            with contextlib.suppress(Exception):
                self.web.stop()
        with contextlib.suppress(Exception):
            self.upstream.stop()
        if self.backend:
            with contextlib.suppress(Exception):
                self.backend.close()
        if self.postgres:
            with contextlib.suppress(Exception):
                self.postgres.stop("immediate")
        with contextlib.suppress(Exception):
            self.redis.stop()
        if self._tmp:
            with contextlib.suppress(Exception):
                self._tmp.cleanup()

    # --- observing -------------------------------------------------------------------------
    def feed_paths(self) -> list[str]:
        paths = [f"/feeds/{CHANNEL}/roku.json", f"/api/v1/channels/{CHANNEL}/home"]
        if http_get(self.port, f"/feeds/{CHANNEL}/mrss.xml")[0] == 200:
            paths.append(f"/feeds/{CHANNEL}/mrss.xml")
        return paths

    def poller(self, interval: float = 0.05) -> Poller:
        return Poller(self.port, self.feed_paths(), interval)

    def roku_etag(self) -> str:
        return http_get(self.port, f"/feeds/{CHANNEL}/roku.json")[1].get("ETag", "")

    def roku_titles(self) -> set[str]:
        status, _, body = http_get(self.port, f"/feeds/{CHANNEL}/roku.json")
        if status != 200:
            return set()
        return {v["title"] for v in json.loads(body).get("shortFormVideos", [])}

    def item_keys(self) -> Counter:
        """Stored items of the channel by key (and a count of rows per URL, to
        catch the same story stored twice under two keys)."""
        from sqlalchemy import select

        from feeds.store.tables import Item

        with self.backend.Session() as session:
            rows = session.execute(select(Item.key, Item.url).where(Item.channel_id == CHANNEL)).all()
        keys = Counter(key for key, _ in rows)
        keys.update(f"url:{url}" for _, url in rows if url)
        return keys

    def runs(self) -> list[dict]:
        status, _, body = http_get(self.port, f"/admin/api/sources/{self.source_id}/runs?limit=200", AUTH)
        if status == 200:
            return json.loads(body)["runs"]
        from sqlalchemy import select

        from feeds.store.sources import run_document
        from feeds.store.tables import Run

        with self.backend.Session() as session:
            rows = session.scalars(select(Run).where(Run.source_id == self.source_id)
                                   .order_by(Run.id.desc())).all()
            return [run_document(run) for run in rows]

    def run(self, run_id: int) -> dict | None:
        return next((run for run in self.runs() if run["id"] == run_id), None)

    def ask_refresh(self) -> tuple[int, int | None]:
        """Ops' "refresh now": (HTTP status, run id)."""
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("POST", f"/admin/api/sources/{self.source_id}/refresh", headers=AUTH)
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        with contextlib.suppress(ValueError):
            return response.status, json.loads(body).get("run_id")
        return response.status, None

    def wait_run(self, run_id: int, timeout: float = 60, done=("ok", "not_modified", "error")) -> dict:
        return wait_for(lambda: (r := self.run(run_id)) and r["status"] in done and r,
                        timeout, 0.25, f"run {run_id} to finish")

    def refresh_and_wait(self, timeout: float = 60, settle: bool = True) -> dict:
        status, run_id = self.ask_refresh()
        assert status == 202, f"refresh asked: {status}"
        run = self.wait_run(run_id, timeout)
        if settle:
            self.settle()
        return run

    def settle(self) -> None:
        """Wait out the publish a refresh asks for (sent with a countdown) and the
        web workers' pointer check (each looks at most once a second), so that every
        web worker answers with the same snapshot."""
        time.sleep(SETTLE_SECONDS)

    # --- verdict ---------------------------------------------------------------------------
    def check(self, name: str, ok: bool, evidence: str) -> bool:
        self.checks.append((name, bool(ok), evidence))
        print(f"  [{'ok' if ok else 'FAILED'}] {name}: {evidence}", flush=True)
        return ok

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  - {text}", flush=True)

    def served_throughout(self, poller: Poller) -> bool:
        bad = poller.bad[:5]
        return self.check("published feeds served throughout", not poller.bad and poller.total > 0,
                          poller.summary() + (f"; first failures {bad}" if bad else ""))

    def items_kept(self, before: Counter, after: Counter, expect_new: set[str] = frozenset()) -> bool:
        lost = sorted(k for k in before if k not in after)
        dup = sorted(k for k, n in after.items() if n > 1)
        added = {k for k in after if k not in before and not k.startswith("url:")}
        unexpected = added - set(expect_new)
        return self.check("no stored item lost or duplicated",
                          not lost and not dup and not unexpected,
                          f"{sum(1 for k in before if not k.startswith('url:'))} items before, "
                          f"{sum(1 for k in after if not k.startswith('url:'))} after; "
                          f"lost {lost[:3]}, duplicated {dup[:3]}, new {sorted(added)[:6]}")

    def verdict(self, json_path: str | None = None) -> int:
        held = all(ok for _, ok, _ in self.checks)
        print(f"\n{self.name}: {'HELD' if held else 'LOST'}", flush=True)
        if json_path:
            Path(json_path).write_text(json.dumps({
                "drill": self.name, "held": held, "notes": self.notes,
                "checks": [{"check": n, "ok": ok, "evidence": e} for n, ok, e in self.checks]},
                indent=2))
        return 0 if held else 1


def titles_of_version(version: int) -> str:
    return f"clip 0 v{version}"


def log_tail(path: Path, grep: str, limit: int = 3) -> list[str]:
    if not path.exists():
        return []
    return [line.strip()[:240] for line in path.read_text(errors="replace").splitlines()
            if grep in line][-limit:]


def main_wrapper(run) -> None:
    started = time.monotonic()
    code = run()
    print(f"(took {time.monotonic() - started:.0f} s)")
    sys.exit(code)
