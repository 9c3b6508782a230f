"""Drill: the disk under the SQLite store made read-only.

The store is a SQLite file on a small ext4 filesystem of the drill's own (a loop
device), with Redis, gunicorn and a Celery worker as in production. The disk is
then made read-only under the running processes and a refresh of a changed
upstream is asked, by ops (admin API) and as the scheduler would (a task sent
straight to the broker). After ``down`` seconds the disk is writable again and ops
ask once more.

How the disk is made read-only: ``mount -o remount,ro`` is refused (EBUSY) while
the web and worker processes hold the database open for writing, and ext4's own
error read-only mode can only be undone by unmounting. So the drill marks the
database, its WAL and their folder immutable (``chattr +i``): ext4 then refuses
every write to them, through files already open too (EPERM), exactly where a
read-only disk would, and ``chattr -i`` gives the disk back. Needs root and loop
devices; everything is undone in ``finally``.

Held when: the feeds answered 200 throughout (served from the snapshot cache),
the failed refreshes were visible to ops (an error answer, a failed task in the
worker log, and in the run history once it can be written), the refresh after
the repair stored and published the new version, and no stored item was lost or
duplicated.

    .venv/bin/python -m drills.sqlite_readonly
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._procs import http_get, wait_for
from drills._common import Stack, arguments, log_tail, main_wrapper, titles_of_version


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=check, capture_output=True, text=True)


def immutable(folder: Path, on: bool) -> list[str]:
    flag = "+i" if on else "-i"
    names = [p for p in sorted(folder.iterdir()) if not p.name.endswith("-shm")]
    # the folder last on the way in (no new journal files), first on the way out
    targets = [*names, folder] if on else [folder, *names]
    for path in targets:
        sh("chattr", flag, str(path), check=not on or path.exists())
    return [p.name for p in targets]


@contextlib.contextmanager
def writable_afterwards(store: Path):
    """The store writable again whatever happens, before the stack's verdict and stop."""
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            immutable(store, False)


def run() -> int:
    args = arguments(__doc__)
    if os.geteuid() != 0:
        print("this drill needs root (loop mount, chattr)", file=sys.stderr)
        sys.exit(2)
    down = 8.0
    print(f"drill sqlite_readonly: the disk under SQLite read-only for {down:g} s")
    tmp = Path(tempfile.mkdtemp(prefix="drill-sqlite_readonly-"))
    image, disk = tmp / "disk.img", tmp / "disk"
    store = disk / "store"
    disk.mkdir()
    sh("truncate", "-s", "64M", str(image))
    sh("mkfs.ext4", "-q", "-F", str(image))
    sh("mount", "-o", "loop", str(image), str(disk))
    store.mkdir()
    try:
        with Stack("sqlite_readonly", args.items, database="sqlite", keep=True, workdir=tmp,
                   json_path=args.json, database_url=f"sqlite:///{store / 'store.db'}") as stack, \
                writable_afterwards(store):
            first = stack.refresh_and_wait()
            stack.note(f"baseline refresh: run {first['id']} {first['status']} "
                       f"(store on {sh('findmnt', '-n', '-o', 'SOURCE,FSTYPE', str(disk)).stdout.strip()})")
            before = stack.item_keys()
            etag_before = stack.roku_etag()
            items_api = "/api/v1/channels/drill/items?limit=5"
            with stack.poller() as poller:
                stack.upstream.version = 2
                made = immutable(store, True)
                stack.note(f"store read-only: chattr +i {made}")
                probe = sh("sh", "-c", f"echo x >> {store / 'store.db'}", check=False)
                stack.note(f"a write to the database now fails: {probe.stderr.strip()!r}")
                asked = stack.ask_refresh()
                stack.note(f"ops ask for a refresh: answer {asked[0]}")
                sent = send_refresh_task(stack)
                stack.note(f"scheduler-style task sent to the broker: {sent}")
                during = {"items API": http_get(stack.port, items_api)[0],
                          "readyz": http_get(stack.port, "/readyz")[0]}
                time.sleep(down)
                during_later = {"items API": http_get(stack.port, items_api)[0],
                                "readyz": http_get(stack.port, "/readyz")[0]}
                stack.note(f"while read-only: {during} at first, {during_later} later")
                worker_errors = log_tail(stack.workers[0].log, "ERROR") + log_tail(
                    stack.workers[0].log, "readonly") + log_tail(stack.workers[0].log, "Operation not permitted")
                etag_ro = stack.roku_etag()
                immutable(store, False)
                stack.note("store writable again: chattr -i")
                status2, run2 = wait_for(lambda: (a := stack.ask_refresh())[0] == 202 and a, 30, 1,
                                         "ops' refresh to be accepted")
                second = stack.wait_run(run2, 60)
                wait_for(lambda: titles_of_version(2) in stack.roku_titles(), 30, 0.25, "v2 published")
                stack.settle()
                time.sleep(1)
                stack.note("waiting for the task cut off by the read-only store to retry")
                with contextlib.suppress(TimeoutError):
                    wait_for(lambda: any(r["status"] == "error" for r in stack.runs()), 45, 1,
                             "the retried task to write down its failed attempt")
            after = stack.item_keys()
            runs = stack.runs()
            errors = [r for r in runs if r["status"] == "error"]
            stack.check("failure visible to ops",
                        asked[0] >= 500 or errors or worker_errors,
                        f"admin refresh answered {asked[0]}; worker log: "
                        f"{worker_errors[-1][:200] if worker_errors else 'nothing'}; error runs in "
                        f"history afterwards: {[(r['id'], r['error'][:80]) for r in errors]}")
            stack.check("failure in run history once the store is writable again", bool(errors),
                        "nothing could be written while the disk was read-only; the retried task "
                        "wrote its failed attempt afterwards: runs now "
                        f"{[(r['id'], r['status'], r['error'][:60]) for r in runs]}")
            stack.check("published feed kept while read-only", etag_ro == etag_before,
                        "same ETag as before the disk went read-only")
            stack.check("refresh after the repair stored and published",
                        second["status"] == "ok" and titles_of_version(2) in stack.roku_titles(),
                        f"run {run2}: {second['status']}, {second['updated']} updated, v2 served")
            stack.served_throughout(poller)
            stack.items_kept(before, after)
            return stack.verdict(args.json)
    finally:
        with contextlib.suppress(Exception):
            immutable(store, False)
        for _ in range(20):
            if sh("umount", str(disk), check=False).returncode == 0:
                break
            time.sleep(0.5)
        if not args.keep:
            sh("rm", "-rf", str(tmp), check=False)
        else:
            print(f"(kept {tmp})")


def send_refresh_task(stack: Stack) -> str:
    """Send a refresh task as ``tick`` would, straight onto the broker."""
    from celery import Celery

    app = Celery("drill", broker=stack.redis.url)
    try:
        result = app.send_task("workers.tasks.refresh", args=[stack.source_id], queue="channel")
        return f"task {result.id}"
    finally:
        app.close()


if __name__ == "__main__":
    main_wrapper(run)
