"""Drill: Redis (broker and snapshot cache) killed and restarted under load.

Sets up the production stack; while a poller reads the feeds and ops ask for a
refresh of a changing upstream every two seconds, redis-server is killed with
SIGKILL, left down for ``--down`` seconds and started again on the same port,
empty (no persistence: the harshest case, every snapshot and queued task gone).
Held when: the feeds answered 200 throughout (the web tier serves its last copy
while Redis is away), refreshes asked after the restart publish again, every
refresh asked during the outage either failed visibly (an error answer to ops
and/or an error in the run history) or ran, none left hanging as "queued", and
no stored item was lost or duplicated.

    .venv/bin/python -m drills.redis_restart
"""
from __future__ import annotations

import threading
import time

from bench._procs import wait_for
from drills._common import Stack, arguments, log_tail, main_wrapper, titles_of_version


def run() -> int:
    args = arguments(__doc__)
    down = 8.0
    print(f"drill redis_restart: kill Redis under load, {down:g} s down, restart it empty")
    with Stack("redis_restart", args.items, keep=args.keep, json_path=args.json) as stack:
        first = stack.refresh_and_wait()
        stack.note(f"baseline refresh: run {first['id']} {first['status']}")
        before = stack.item_keys()
        asked: list[tuple[float, int, int | None]] = []
        stop = threading.Event()
        t0 = time.monotonic()

        def ops() -> None:
            while not stop.wait(2):
                stack.upstream.version += 1
                try:
                    status, run_id = stack.ask_refresh()
                except OSError as exc:
                    status, run_id = repr(exc), None
                asked.append((time.monotonic() - t0, status, run_id))

        with stack.poller() as poller:
            asker = threading.Thread(target=ops, daemon=True)
            asker.start()
            time.sleep(4)
            with stack.down("redis"):
                killed_at = time.monotonic() - t0
                stack.redis.kill()
                stack.note(f"redis-server SIGKILLed at t={killed_at:.1f} s")
                time.sleep(down)
                stack.redis.start()
                back_at = time.monotonic() - t0
            stack.note(f"redis-server started again (empty) at t={back_at:.1f} s")
            time.sleep(6)
            stop.set()
            asker.join(35)
            stack.upstream.version += 1
            final = stack.upstream.version
            status, run_id = stack.ask_refresh()
            try:
                wait_for(lambda: titles_of_version(final) in stack.roku_titles(), 45, 0.5,
                         "a refresh after the restart to publish")
                published_after = time.monotonic() - t0
            except TimeoutError:
                published_after = None
        time.sleep(1)
        after = stack.item_keys()
        runs = {r["id"]: r for r in stack.runs()}
        during = [(t, s, r) for t, s, r in asked if killed_at <= t <= back_at + 1]
        stack.note("refreshes asked: " + ", ".join(
            f"t={t:.0f}s→{s}{'/run ' + str(r) + ' ' + runs[r]['status'] if r in runs else ''}"
            for t, s, r in asked))
        worker = stack.workers[0]
        crash = log_tail(worker.log, "CRITICAL", 2) + log_tail(worker.log, "AttributeError", 1)
        stack.check("published again after the restart", published_after is not None,
                    f"refresh asked after the restart: {status} (run {run_id}: "
                    f"{runs[run_id]['status'] if run_id in runs else '-'}); v{final} "
                    + (f"published at t={published_after:.1f} s" if published_after else
                       "NOT published within 45 s")
                    + f"; worker process {'alive' if worker.alive() else 'EXITED'}"
                    + (f"; worker log: {crash}" if crash else ""))
        hanging = sorted(r["id"] for r in runs.values() if r["status"] in ("queued", "running"))
        failed_visibly = [(s, r) for _, s, r in during
                          if s != 202 or (r in runs and runs[r]["status"] == "error")]
        stack.check("failures visible (to ops and in run history), none left hanging",
                    not hanging and (failed_visibly or not during),
                    f"{len(during)} refreshes asked while Redis was down: answers "
                    f"{[s for _, s, _ in during]}, runs "
                    f"{[(r, runs[r]['status'], runs[r]['error'][:60]) for _, _, r in during if r in runs]}; "
                    f"runs still queued/running: {hanging}")
        stack.served_throughout(poller)
        # a worker that died on the broker loss is not replaced here: the verdict is LOST
        new_keys = set()
        stack.items_kept(before, after, new_keys)
        return stack.verdict(args.json)


if __name__ == "__main__":
    main_wrapper(run)
