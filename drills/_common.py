"""What every fault drill shares: a production stack of its own (private Redis,
private PostgreSQL or SQLite, gunicorn as the Procfile starts it, Celery workers,
a local upstream), a poller that writes down every answer the feeds give while
the drill runs, the stored items counted by key, the run history, and a verdict
with its evidence:

- HELD: every check passed, and every process the drill relies on lived through it;
- BROKE: a check failed (or the drill stopped on an error), every process alive;
- LOST: a process the drill started and relies on (gunicorn, a Celery worker,
  redis-server, PostgreSQL) died when the drill did not stop it. The drill never
  starts another in its place: what it saw afterwards would not be what it tests.

A process the drill breaks on purpose is let go (``Stack.let_go``) or taken down
for a while (``Stack.down``) first, so that only an unexpected death counts."""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

from bench._procs import (
    ADMIN_TOKEN,
    REPO,
    Poller,
    PrivatePostgres,
    PrivateRedis,
    Proc,
    Upstream,
    add_source,
    free_port,
    http_get,
    need,
    procfile_command,
    seed_channel,
    service_env,
    start_web,
    start_worker,
    wait_for,
    which,
)

CHANNEL = "drill"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LOCK_SECONDS = 5
VISIBILITY_TIMEOUT = 8
SETTLE_SECONDS = 2 + 1 + 0.5  # workers.tasks.PUBLISH_DELAY + RedisSnapshots freshness + margin

HELD, BROKE, LOST = "HELD", "BROKE", "LOST"
EXIT_CODES = {HELD: 0, BROKE: 1, LOST: 3}
"""A drill's exit status by verdict; 2 (argparse's) or another code: it could not run."""

# children that died and were replaced by their own parent (gunicorn's arbiter, Celery's
# pool): not a lost process, but evidence worth printing with the verdict
CHILD_DEATHS = re.compile(r"WORKER TIMEOUT|Worker \(pid:\d+\) (?:was sent (?!SIGTERM)|exited with code)"
                          r"|Process '[^']+' pid:\d+ exited with|WorkerLostError")


def arguments(doc: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=120, help="items stored before the drill")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (logs)")
    parser.add_argument("--json", help="write the outcome here as JSON")
    return parser.parse_args()


class Stack:
    """The production stack of one drill, in a temp folder, stopped on exit."""

    def __init__(self, name: str, items: int = 120, database: str = "postgresql",
                 keep: bool = False, workdir: Path | None = None, hang: float = 25,
                 json_path: str | None = None, database_url: str | None = None):
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
        self.json_path = json_path
        self.outcome: str | None = None
        self.let_go_of: list[Proc] = []
        self.down_now: set[str] = set()
        self.lost: list[str] = []
        self.backend = None
        self.source_id = 0
        self.database_url = database_url or ""

    # --- lifecycle -----------------------------------------------------------------------
    def __enter__(self) -> "Stack":
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        """A drill stopped by an error still gets its verdict (LOST when a process
        died, BROKE otherwise), taken before the stack is stopped."""
        try:
            if isinstance(exc, Exception) and self.outcome is None and self.web is not None:
                traceback.print_exception(exc)
                self.check("the drill ran to its end", False, f"stopped by {type(exc).__name__}: {exc}")
                self.verdict()
        finally:
            self.close()

    def start(self, database_url: str | None = None) -> None:
        from feeds.backend import Backend
        from feeds.publish import publish_channel
        from feeds.settings import Settings

        self.redis.start()
        if database_url or self.database_url:
            self.database_url = database_url or self.database_url
        elif self.database == "postgresql":
            self.postgres = PrivatePostgres(self.dir).init().start()
            self.database_url = self.postgres.url
        else:
            self.database_url = f"sqlite:///{self.dir / 'store.db'}"
        self.env = service_env(self.database_url, self.redis.url,
                               CHANNEL_LOCK_SECONDS=str(LOCK_SECONDS),
                               CHANNEL_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
                               CHANNEL_TASK_TIME_LIMIT="60")
        release(self.env, self.dir / "release.log")
        self.backend = Backend.from_settings(Settings(
            database_url=self.database_url, redis_url=self.redis.url, admin_token=ADMIN_TOKEN,
            fetch_allow_private=True, port=0, load_demo=False))
        seed_channel(self.backend.Session, CHANNEL, self.items)
        self.source_id = add_source(self.backend.Session, CHANNEL, self.upstream.url)
        with self.backend.Session() as session:
            publish_channel(session, self.backend.snapshots, CHANNEL)
        self.web = start_web(self.env, self.port, self.dir / "gunicorn.log")
        self.start_worker()

    def start_worker(self, name: str | None = None) -> Proc:
        name = name or f"w{len(self.workers) + 1}"
        worker = start_worker(self.env, name, self.dir / f"worker-{name}.log")
        self.workers.append(worker)
        return worker

    # --- the processes the drill relies on ------------------------------------------------
    def let_go(self, proc: Proc) -> None:
        """``proc`` is about to be killed or stopped by the drill on purpose: its death
        from now on is part of the drill, not a lost process."""
        self.let_go_of.append(proc)

    @contextlib.contextmanager
    def down(self, service: str):
        """``redis`` or ``postgres`` stopped and started again by the drill inside the
        block. It must be alive going in, and coming out (the drill started it again)."""
        self.watch(f"before {service} was taken down")
        self.down_now.add(service)
        try:
            yield
        finally:
            self.down_now.discard(service)
        self.watch(f"after {service} was started again")

    def processes(self) -> list[tuple[str, str | None, Path]]:
        """(name, how it ended or None while it runs, log) of every process the drill
        relies on right now."""
        found = []
        procs = [("gunicorn (web)", self.web)] if self.web is not None else []
        procs += [(f"Celery worker {n}", worker) for n, worker in enumerate(self.workers, 1)
                  if not any(worker is gone for gone in self.let_go_of)]
        if self.redis.proc is not None and "redis" not in self.down_now:
            procs.append(("redis-server", self.redis.proc))
        for name, proc in procs:
            code = proc.process.poll()
            found.append((f"{name} (pid {proc.pid})", None if code is None else exit_status(code),
                          proc.log))
        if self.postgres is not None and "postgres" not in self.down_now:
            found.append(("PostgreSQL", None if postgres_alive(self.postgres) else "not running",
                          self.postgres.dir / "log"))
        return found

    def watch(self, when: str = "at the verdict") -> list[str]:
        """Write down each process the drill relies on that is dead (once each)."""
        for name, ended, log in self.processes():
            if ended and not any(entry.startswith(f"{name} ") for entry in self.lost):
                tail = [line for line in log_tail(log, "", 20) if line][-3:]
                self.lost.append(f"{name} died, {ended} (seen {when}); last log lines: {tail}")
        return self.lost

    def child_deaths(self) -> list[str]:
        logs = [self.web.log] if self.web else []
        logs += [w.log for w in self.workers if not any(w is gone for gone in self.let_go_of)]
        return [f"{log.name}: {line}" for log in logs
                for line in log_tail(log, "", 10_000) if CHILD_DEATHS.search(line)][-5:]

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
        """HELD, BROKE or LOST (see the module's doc), printed with its evidence; the
        exit status for it."""
        lost = self.watch()
        children = self.child_deaths()
        for entry in lost:
            print(f"  [LOST] {entry}", flush=True)
        if children:
            self.note(f"children that died and were replaced by their parent: {children}")
        checks_passed = all(ok for _, ok, _ in self.checks)
        self.outcome = LOST if lost else HELD if checks_passed else BROKE
        print(f"\n{self.name}: {self.outcome}", flush=True)
        json_path = json_path or self.json_path
        if json_path:
            Path(json_path).write_text(json.dumps({
                "drill": self.name, "verdict": self.outcome, "held": self.outcome == HELD,
                "lost": lost, "notes": self.notes,
                "checks": [{"check": n, "ok": ok, "evidence": e} for n, ok, e in self.checks]},
                indent=2))
        Stack.last_outcome = self.outcome
        return EXIT_CODES[self.outcome]

    last_outcome: str | None = None
    """The verdict of the last stack in this process (read by ``main_wrapper``)."""


def titles_of_version(version: int) -> str:
    return f"clip 0 v{version}"


def release(env: dict, log: Path) -> None:
    """The Procfile's ``release`` line (the store's schema brought up to date), when
    it has one, run to its end before anything else starts, as a deployment does."""
    try:
        args = procfile_command("release")
    except LookupError:
        return
    with log.open("ab") as out:
        done = subprocess.run([which(args[0]) or args[0], *args[1:]], cwd=REPO, env=env,
                              stdout=out, stderr=subprocess.STDOUT, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"release failed ({done.returncode}):\n{log.read_text()[-3000:]}")


def exit_status(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
    return f"exit status {code}"


def postgres_alive(postgres: PrivatePostgres) -> bool:
    """The postmaster named in the cluster's ``postmaster.pid`` is running."""
    try:
        pid = int((postgres.dir / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def log_tail(path: Path, grep: str, limit: int = 3) -> list[str]:
    if not path.exists():
        return []
    return [line.strip()[:240] for line in path.read_text(errors="replace").splitlines()
            if grep in line][-limit:]


def main_wrapper(run) -> None:
    """Run a drill; its exit status is its verdict's (``EXIT_CODES``). A drill stopped
    by an error inside its stack has its verdict from the stack (LOST or BROKE);
    outside one (it could not set up), exit status 2."""
    started = time.monotonic()
    try:
        code = run()
    except Exception:
        if Stack.last_outcome is None:
            traceback.print_exc()
            print("the drill could not run", flush=True)
        code = EXIT_CODES.get(Stack.last_outcome, 2)
    print(f"(took {time.monotonic() - started:.0f} s)")
    sys.exit(code)
