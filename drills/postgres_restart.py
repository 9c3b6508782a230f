"""Drill: PostgreSQL restarted during a refresh.

Sets up the production stack on a private PostgreSQL; ops ask for a refresh of a
changed upstream that answers slowly; while the worker is fetching, PostgreSQL is
stopped (fast shutdown: every connection cut), left down for ``down`` seconds (so
the refresh tries to store while it is away) and started again; then ops ask for
another refresh. Held when: the feeds answered 200 throughout (they come from the
snapshot cache, not the database), the refresh cut off is recorded as failed in
the run history, the refresh after the restart stores and publishes the new
version, and no stored item was lost or duplicated.

    .venv/bin/python -m drills.postgres_restart
"""
from __future__ import annotations

import time

from bench._procs import wait_for
from drills._common import Stack, arguments, main_wrapper, titles_of_version


def run() -> int:
    args = arguments(__doc__)
    down = 6.0
    print(f"drill postgres_restart: stop PostgreSQL for {down:g} s during a refresh")
    with Stack("postgres_restart", args.items, keep=args.keep, json_path=args.json) as stack:
        first = stack.refresh_and_wait()
        stack.note(f"baseline refresh: run {first['id']} {first['status']}")
        before = stack.item_keys()
        etag_before = stack.roku_etag()
        with stack.poller() as poller:
            stack.upstream.version, stack.upstream.delay = 2, 3
            hits = stack.upstream.hits["good"]
            status, run_id = stack.ask_refresh()
            wait_for(lambda: stack.run(run_id)["status"] == "running", 20, 0.1,
                     "the refresh to start on the worker")
            wait_for(lambda: stack.upstream.hits["good"] > hits, 10, 0.05, "the fetch")
            with stack.down("postgres"):
                stack.postgres.stop("fast")
                stack.note(f"PostgreSQL stopped (fast) while run {run_id} was fetching")
                time.sleep(down)
                stack.postgres.start()
                stack.note("PostgreSQL started again")
            stack.upstream.delay = 0
            cut = wait_for(lambda: (r := stack.run(run_id)) and r["status"] != "queued" and r, 30, 0.5,
                           "the run history to answer")
            stack.settle()
            etag_cut = stack.roku_etag()
            stack.upstream.version = 3
            status2, run2 = wait_for(lambda: (a := stack.ask_refresh())[0] == 202 and a, 30, 1,
                                     "ops' refresh to be accepted")
            second = stack.wait_run(run2, 60)
            wait_for(lambda: titles_of_version(3) in stack.roku_titles(), 30, 0.25, "v3 published")
            stack.settle()
            cut = stack.run(run_id)
        after = stack.item_keys()
        stack.check("failure visible in run history", cut["status"] == "error" and cut["error"],
                    f"run {run_id} (cut off): {cut['status']}: {cut['error'][:120]!r}; "
                    f"published feed {'unchanged' if etag_cut == etag_before else 'replaced'} after it")
        stack.check("refresh after the restart stored and published",
                    second["status"] == "ok" and titles_of_version(3) in stack.roku_titles(),
                    f"run {run2}: {second['status']}, {second['updated']} updated, v3 served")
        stack.served_throughout(poller)
        stack.items_kept(before, after)
        return stack.verdict(args.json)


if __name__ == "__main__":
    main_wrapper(run)
