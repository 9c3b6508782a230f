"""Drill: a Celery worker killed with SIGKILL in the middle of a refresh.

Sets up the production stack, refreshes once, then asks for a refresh of a
changed upstream that answers slowly; while the worker is fetching, the whole
worker (main process and pool child) is killed with SIGKILL. A second worker is
started. Held when: the feeds answered 200 throughout, the task was redelivered
and the refresh done by the other worker (the new version published), the killed
run is marked failed ("interrupted") in the run history, and no stored item was
lost or duplicated.

    .venv/bin/python -m drills.worker_kill
"""
from __future__ import annotations

import time

from bench._procs import wait_for, worker_children
from drills._common import VISIBILITY_TIMEOUT, Stack, arguments, main_wrapper, titles_of_version


def run() -> int:
    args = arguments(__doc__)
    print("drill worker_kill: SIGKILL a worker mid-refresh")
    with Stack("worker_kill", args.items, keep=args.keep, json_path=args.json) as stack:
        first = stack.refresh_and_wait()
        stack.note(f"baseline refresh: run {first['id']} {first['status']}, {first['new']} new items")
        before = stack.item_keys()
        etag_before = stack.roku_etag()
        with stack.poller() as poller:
            stack.upstream.version, stack.upstream.delay = 2, 6
            status, run_id = stack.ask_refresh()
            wait_for(lambda: stack.run(run_id)["status"] == "running", 20, 0.1,
                     "the refresh to start on the worker")
            wait_for(lambda: stack.upstream.hits["good"] >= 2, 10, 0.05, "the fetch to be under way")
            time.sleep(1)
            victim = stack.workers[0]
            pids = [victim.pid, *worker_children(victim)]
            killed_at = time.monotonic()
            stack.let_go(victim)
            victim.kill()
            stack.note(f"SIGKILL to worker pids {pids} while run {run_id} was fetching")
            stack.upstream.delay = 0
            stack.start_worker("w2")
            wait_for(lambda: titles_of_version(2) in stack.roku_titles(), 90, 0.5,
                     "the changed feed to be published by the other worker")
            recovered = time.monotonic() - killed_at
            stack.settle()
        after = stack.item_keys()
        runs = stack.runs()
        killed = next(r for r in runs if r["id"] == run_id)
        redone = [r for r in runs if r["id"] > run_id and r["status"] == "ok"]
        stack.check("killed refresh redone by another worker",
                    bool(redone) and stack.roku_etag() != etag_before,
                    f"run {redone[0]['id'] if redone else '-'} ok on w2 "
                    f"({redone[0]['updated'] if redone else 0} updated), new feed published "
                    f"{recovered:.1f} s after the kill (visibility timeout {VISIBILITY_TIMEOUT} s)")
        stack.check("failure visible in run history",
                    killed["status"] == "error" and "interrupted" in killed["error"],
                    f"run {run_id}: {killed['status']}: {killed['error']!r}")
        stack.served_throughout(poller)
        stack.items_kept(before, after)
        return stack.verdict(args.json)


if __name__ == "__main__":
    main_wrapper(run)
