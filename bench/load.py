"""Load: 64 clients for 60 seconds on the feeds and the companion API while a real
Celery worker publishes a changed feed every few seconds.

Starts private redis-server and PostgreSQL, a channel of ``--items`` stored items
plus a source on a local upstream whose feed changes on every refresh, gunicorn as
the Procfile's ``web`` line does and one Celery worker. Every ``--every`` seconds
the upstream changes and ops ask for a refresh (admin API); the worker fetches,
stores and publishes. Meanwhile ``--clients`` clients (threads in ``--procs``
processes, each with its own keep-alive connection) ask for roku.json, mrss.xml
(when the build has it), the companion home and items, a third of the time plain,
a third gzip and a third revalidating with the ETag they last saw.

Every answer is checked: status 200 or 304 only; a feed body must hash to its
own ETag header (the strong ETag is a digest of the body, see Snapshot.of), so a
body mixing two versions, or a header from one version with the body of another,
is caught; JSON must parse whole.

    .venv/bin/python -m bench.load                 # 64 clients, 60 s (docs/PERFORMANCE.md)
    .venv/bin/python -m bench.load --seconds 15    # shorter
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import http.client
import json
import multiprocessing
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

from bench._procs import (
    ADMIN_TOKEN,
    PrivatePostgres,
    PrivateRedis,
    Upstream,
    add_source,
    free_port,
    http_get,
    need,
    seed_channel,
    service_env,
    start_web,
    start_worker,
)

CHANNEL = "bench"
FEEDS = {f"/feeds/{CHANNEL}/roku.json", f"/feeds/{CHANNEL}/mrss.xml",
         f"/api/v1/channels/{CHANNEL}/home"}


def check(path: str, status: int, headers: dict, body: bytes) -> str | None:
    """What is wrong with this answer, or None."""
    if status == 304:
        return None if path in FEEDS else f"304 on {path}"
    if status != 200:
        return f"status {status}"
    if headers.get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    if path in FEEDS:
        etag = headers.get("etag", "")
        digest = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if etag != digest:
            return f"body does not match its ETag {etag} (digest {digest})"
    try:
        if path.endswith(".xml"):
            ElementTree.fromstring(body)
        else:
            json.loads(body)
    except ValueError as exc:
        return f"incomplete document: {exc}"
    return None


def client_process(port: int, paths: list[str], threads: int, seconds: float, seed: int,
                   out: multiprocessing.Queue) -> None:
    deadline = time.monotonic() + seconds
    results = []

    def one_client(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        latencies: list[float] = []
        statuses: Counter = Counter()
        problems: Counter = Counter()
        etags: dict[str, str] = {}
        seen: dict[str, set[str]] = {}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < deadline:
            path = rng.choice(paths)
            style = rng.randrange(3)
            headers = {}
            if style == 1:
                headers["Accept-Encoding"] = "gzip"
            elif style == 2 and path in etags:
                headers["If-None-Match"] = etags[path]
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as exc:
                statuses[type(exc).__name__] += 1
                problems[f"connection: {type(exc).__name__}"] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            latencies.append(time.perf_counter() - start)
            statuses[response.status] += 1
            answer = {k.lower(): v for k, v in response.getheaders()}
            problem = check(path, response.status, answer, body)
            if problem:
                problems[f"{path}: {problem}"[:200]] += 1
            elif response.status == 200 and "etag" in answer:
                etags[path] = answer["etag"]
                seen.setdefault(path, set()).add(answer["etag"])
            if answer.get("connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.close()
        results.append((latencies, statuses, problems, seen))

    workers = [threading.Thread(target=one_client, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    latencies = [x for r in results for x in r[0]]
    statuses = sum((r[1] for r in results), Counter())
    problems = sum((r[2] for r in results), Counter())
    seen: dict[str, list[str]] = {}
    for r in results:
        for path, tags in r[3].items():
            seen.setdefault(path, set()).update(tags)
    out.put((latencies, dict(statuses), dict(problems), {p: sorted(t) for p, t in seen.items()}))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Publisher(threading.Thread):
    """Every ``every`` seconds: a changed upstream, and a refresh asked for."""

    def __init__(self, port: int, upstream: Upstream, source_id: int, every: float):
        super().__init__(daemon=True)
        self.port, self.upstream, self.source_id, self.every = port, upstream, source_id, every
        self.asked: list[int] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.every):
            self.upstream.version += 1
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            try:
                conn.request("POST", f"/admin/api/sources/{self.source_id}/refresh",
                             headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
                response = conn.getresponse()
                data = json.loads(response.read() or b"{}")
                if response.status == 202:
                    self.asked.append(data.get("run_id"))
            except (OSError, http.client.HTTPException, ValueError):
                pass
            finally:
                conn.close()


def runs_of(port: int, source_id: int) -> list[dict]:
    status, _, body = http_get(port, f"/admin/api/sources/{source_id}/runs?limit=200",
                               {"Authorization": f"Bearer {ADMIN_TOKEN}"})
    return json.loads(body)["runs"] if status == 200 else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--procs", type=int, default=4, help="client processes")
    parser.add_argument("--every", type=float, default=4, help="seconds between refreshes")
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--json", help="write the figures here as JSON")
    args = parser.parse_args(argv)
    need("redis-server")

    from feeds.backend import Backend
    from feeds.publish import publish_channel
    from feeds.settings import Settings

    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        workdir = Path(tmp)
        redis = PrivateRedis(workdir).start()
        postgres = web = worker = upstream = None
        try:
            if args.sqlite:
                database_url = f"sqlite:///{workdir / 'store.db'}"
            else:
                postgres = PrivatePostgres(workdir).init().start()
                database_url = postgres.url
            backend = Backend.from_settings(Settings(
                database_url=database_url, redis_url=redis.url, admin_token=None,
                fetch_allow_private=True, port=0, load_demo=False))
            backend.prepare(upgrade=True)
            seed_channel(backend.Session, CHANNEL, args.items)
            upstream = Upstream()
            source_id = add_source(backend.Session, CHANNEL, upstream.url)
            with backend.Session() as session:
                publish_channel(session, backend.snapshots, CHANNEL)
            backend.close()
            env = service_env(database_url, redis.url, CHANNEL_LOCK_SECONDS="10")
            port = free_port()
            web = start_web(env, port, workdir / "gunicorn.log")
            worker = start_worker(env, "load", workdir / "worker.log")
            paths = [f"/feeds/{CHANNEL}/roku.json", f"/api/v1/channels/{CHANNEL}/home",
                     f"/api/v1/channels/{CHANNEL}/items?limit=20"]
            if http_get(port, f"/feeds/{CHANNEL}/mrss.xml")[0] == 200:
                paths.insert(1, f"/feeds/{CHANNEL}/mrss.xml")
            else:
                print("mrss.xml does not answer 200 in this build: left out of the mix")
            first_etag = http_get(port, paths[0])[1]["ETag"]
            print(f"{args.clients} clients in {args.procs} processes for {args.seconds:g} s on "
                  f"{', '.join(paths)}; a refresh + publish asked every {args.every:g} s; "
                  f"{'SQLite' if args.sqlite else 'PostgreSQL'}, Redis, gunicorn, 1 Celery worker")
            publisher = Publisher(port, upstream, source_id, args.every)
            queue: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()
            ctx = multiprocessing.get_context("spawn")
            per = [args.clients // args.procs + (1 if i < args.clients % args.procs else 0)
                   for i in range(args.procs)]
            procs = [ctx.Process(target=client_process,
                                 args=(port, paths, n, args.seconds, i, queue)) for i, n in enumerate(per)]
            began = time.monotonic()
            for proc in procs:
                proc.start()
            publisher.start()
            parts = [queue.get(timeout=args.seconds + 120) for _ in procs]
            elapsed = time.monotonic() - began
            publisher.stop.set()
            for proc in procs:
                proc.join(30)
            time.sleep(0.5)
            history = runs_of(port, source_id)
        finally:
            for proc in (worker, web):
                if proc:
                    proc.stop()
            if upstream:
                upstream.stop()
            if postgres:
                postgres.stop("immediate")
            redis.stop()

    latencies = [x for part in parts for x in part[0]]
    statuses = sum((Counter(part[1]) for part in parts), Counter())
    problems = sum((Counter(part[2]) for part in parts), Counter())
    versions: dict[str, set] = {}
    for part in parts:
        for path, tags in part[3].items():
            versions.setdefault(path, set()).update(tags)
    run_status = Counter(run["status"] for run in history if run["id"] in set(publisher.asked))
    total = sum(statuses.values())
    other = {k: v for k, v in statuses.items() if k not in (200, 304)}
    figures = {
        "clients": args.clients, "seconds": round(elapsed, 1), "requests": total,
        "rps": round(total / elapsed, 1), "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "max_ms": round(max(latencies, default=0) * 1000, 2),
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
        "errors": sum(other.values()), "mixed_or_broken": sum(problems.values()),
        "problems": dict(problems.most_common(10)),
        "refreshes_asked": len(publisher.asked), "runs": dict(run_status),
        "feed_versions_seen": {path: len(tags) for path, tags in versions.items()},
        "first_roku_etag": first_etag,
    }
    print(f"\nrequests   {total} in {elapsed:.1f} s = {figures['rps']} req/s")
    print(f"latency    p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms")
    print(f"statuses   {figures['statuses']}")
    print(f"errors     {figures['errors']} answers other than 200/304")
    print(f"checks     {figures['mixed_or_broken']} bodies not matching their ETag or incomplete")
    for problem, count in problems.most_common(5):
        print(f"           {count} x {problem}")
    print(f"publishing {len(publisher.asked)} refreshes asked, runs {dict(run_status)}; "
          f"versions seen by clients: {figures['feed_versions_seen']}")
    ok = figures["errors"] == 0 and figures["mixed_or_broken"] == 0 and \
        figures["feed_versions_seen"].get(paths[0], 0) > 1
    print(f"\ntarget (only 200/304, old or new never a mix, new versions published): "
          f"{'MET' if ok else 'NOT MET'}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
