"""Drill: an upstream that flaps between good, 500, garbage and timeout.

Sets up the production stack; the publisher's feed then answers, refresh after
refresh: good (v2), HTTP 500, 200 with random bytes, no answer at all (the
fetcher's read timeout), and good again (v3). Each refresh is asked by ops and
run by the Celery worker. Held when: the feeds answered 200 throughout, each bad
answer left the published feed exactly as it was (same ETag), each failure is
recorded as an error run with its reason, the good answer afterwards published
v3, and no stored item was lost or duplicated.

    .venv/bin/python -m drills.upstream_flap
"""
from __future__ import annotations

from bench._procs import wait_for
from drills._common import Stack, arguments, main_wrapper, titles_of_version

PHASES = (("good", 2), ("500", 2), ("garbage", 2), ("timeout", 2), ("good", 3))


def run() -> int:
    args = arguments(__doc__)
    print("drill upstream_flap: good → 500 → garbage → timeout → good")
    with Stack("upstream_flap", args.items, keep=args.keep, hang=24, json_path=args.json) as stack:
        first = stack.refresh_and_wait()
        stack.note(f"baseline refresh: run {first['id']} {first['status']}")
        before = stack.item_keys()
        outcomes = []
        with stack.poller() as poller:
            for mode, version in PHASES:
                stack.upstream.version, stack.upstream.mode = version, mode  # never a good answer of the old version
                etag = stack.roku_etag()
                status, run_id = stack.ask_refresh()
                result = stack.wait_run(run_id, timeout=60)
                if mode == "good":
                    wait_for(lambda: titles_of_version(version) in stack.roku_titles(), 30, 0.25,
                             f"v{version} to be published")
                stack.settle()
                unchanged = stack.roku_etag() == etag
                outcomes.append((mode, result, unchanged))
                stack.note(f"upstream {mode}: run {run_id} {result['status']} "
                           f"{result['error'][:100]!r}; published feed "
                           f"{'unchanged' if unchanged else 'replaced'}")
            stack.upstream.mode = "good"
        after = stack.item_keys()
        bad = [(m, r, u) for m, r, u in outcomes if m != "good"]
        stack.check("bad answers left the published feed as it was",
                    all(u for _, _, u in bad), f"{[(m, 'same ETag' if u else 'CHANGED') for m, _, u in bad]}")
        stack.check("failure visible in run history",
                    all(r["status"] == "error" and r["error"] for _, r, _ in bad),
                    "; ".join(f"{m}: run {r['id']} {r['status']}: {r['error'][:70]!r}" for m, r, _ in bad))
        good = [r for m, r, _ in outcomes if m == "good"]
        titles = stack.roku_titles()
        retries = [(r["id"], r["status"], r["error"][:40]) for r in stack.runs()
                   if r["id"] not in {o[1]["id"] for o in outcomes} and r["id"] != first["id"]]
        stack.check("good answers published", all(r["status"] == "ok" for r in good)
                    and titles_of_version(3) in titles,
                    f"runs {[(r['id'], r['status'], r['updated']) for r in good]}; v3 served: "
                    f"{titles_of_version(3) in titles} ({sorted(t for t in titles if t.startswith('clip 0'))}); "
                    f"Celery's own retries of the transient failures: {retries}")
        stack.served_throughout(poller)
        stack.items_kept(before, after)
        return stack.verdict(args.json)


if __name__ == "__main__":
    main_wrapper(run)
