"""How fast items are stored, on SQLite and PostgreSQL: through ``upsert_entries``
alone, and through the refresh path from a local upstream; and the memory a large
feed's first refresh takes.

    .venv/bin/python -m bench.ingest [--items 5000] [--feeds 10] [--stores sqlite,postgresql]
                                     [--parts upsert,refresh] [--database-url URL]    # about 4 min
    .venv/bin/python -m bench.ingest --parts memory [--memory-items 20000]           # about 8 min

Upsert alone: ``--items`` realistic news videos (``bench._procs.realistic_entry``:
title, summary, several body paragraphs of about 2 KB in all, image, section, HLS +
MP4) made first, then stored in one transaction; then stored again unchanged (items
written: none), again with a tenth of the titles changed, again with another tenth's
video URLs changed (their text the same). On PostgreSQL, as a yardstick from the same
run, the same new items stored without a search vector (its trigger off), and a fifth
as many items with bodies six times as long (about 12 KB, a long article), with and
without the vector. Also the store as it was before batches (each entry looked up,
then inserted or updated, one by one) on 500 of them. Refresh path: ``--feeds`` Media
RSS feeds of 500 such items each, served by a local HTTP upstream, each refreshed by
``workers.jobs.refresh`` (the job a worker runs: lock, fetch, parse, store, run
record) into an empty channel, then refreshed again unchanged. Items per second
throughout. Memory, under ``tracemalloc``: a first refresh through
``feeds.refresh.refresh_source`` of one feed of ``--memory-items`` lean items (title,
link, guid, date, video: the fetcher refuses a document over 10 MB, which 20,000
items with their bodies would be), and as many realistic items stored from a generator
through ``upsert_entries``: the peak, and what was held when the first and the last
batch had been stored (the store keeps one batch at a time; a refresh holds the
fetched document and the parsed entries throughout).
PostgreSQL is a private cluster (``bench._procs.PrivatePostgres``, fsync off) unless
``--database-url`` names an empty database.

    git worktree add /tmp/before <revision> && \
    .venv/bin/python -m bench.ingest --against /tmp/before [--rounds 5]          # about 3 min

compares the upsert's runs on PostgreSQL with the code of an earlier revision, run by
run in turn in two worker processes (see ``compare``)."""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from contextlib import contextmanager
from dataclasses import replace
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import create_engine, event, func, select

from bench._procs import PrivatePostgres, realistic_entry
from feeds.backend import Backend
from feeds.model import Entry
from feeds.refresh import refresh_source
from feeds.settings import Settings
from feeds.store import migrate
from feeds.store.ids import item_id
from feeds.store.items import item_values, upsert_entries
from feeds.store.tables import Channel, Item, Source
from workers.jobs import refresh

FEED_ITEMS = 500
TARGETS = {"upsert": 2000, "refresh": 500}
LONG_BODY = 6  # times the paragraphs of a realistic entry: about 12 KB
YARDSTICKS = {"new items": "new items, no search vector (with / without)",
              "new long items (12 KB bodies)": "new long items, no vector (with / without)"}


def backend_for(url: str) -> Backend:
    backend = Backend.from_settings(Settings(database_url=url, redis_url=None, admin_token=None,
                                             fetch_allow_private=True, port=0, load_demo=False))
    migrate.upgrade(backend.engine)
    return backend


def add_channel(backend: Backend, channel_id: str) -> None:
    with backend.Session() as session:
        session.add(Channel(id=channel_id, title=channel_id, language="en"))
        session.commit()


@contextmanager
def item_writes(backend: Backend):
    """Counts the statements that insert or update items."""
    counted = [0]

    def record(conn, cursor, statement, parameters, context, executemany):
        counted[0] += statement.lstrip().upper().startswith(("INSERT INTO ITEMS", "UPDATE ITEMS"))

    event.listen(backend.engine, "before_cursor_execute", record)
    try:
        yield counted
    finally:
        event.remove(backend.engine, "before_cursor_execute", record)


def timed_upsert(backend: Backend, channel_id: str, entries: list[Entry]) -> tuple[float, int]:
    with item_writes(backend) as writes, backend.Session() as session:
        clock = time.perf_counter()
        upsert_entries(session, channel_id, None, entries)
        session.commit()
        return len(entries) / (time.perf_counter() - clock), writes[0]


def one_by_one(backend: Backend, channel_id: str, entries: list[Entry]) -> float:
    """Items/s of the store before batches: a lookup, then an insert or an update, per entry."""
    with backend.Session() as session:
        clock = time.perf_counter()
        for entry in entries:
            values = item_values(entry)
            found = session.scalars(select(Item).where(Item.channel_id == channel_id, Item.key == entry.key)).first()
            if found is None:
                with session.begin_nested():
                    session.add(Item(id=item_id(channel_id, entry.key), channel_id=channel_id, key=entry.key,
                                     **{"published": entry.published, **values}))
            elif found.content_hash != values["content_hash"]:
                for name, value in values.items():
                    setattr(found, name, value)
        session.commit()
        return len(entries) / (time.perf_counter() - clock)


def scenarios(count: int) -> dict[str, tuple[str, list[Entry]]]:
    """Name -> (channel, entries) of the upsert's runs, in the order they are run: new
    items, the same again, a tenth of the titles changed, another tenth's video URLs
    changed (their text the same), a fifth as many new items with 12 KB bodies."""
    rng = random.Random(3)
    entries = [realistic_entry(n, rng) for n in range(count)]
    titled = [replace(e, title=e.title + " (corrected)") if n % 10 == 0 else e for n, e in enumerate(entries)]
    moved = [replace(e, videos=[replace(v, url=v.url + "?v=2") for v in e.videos]) if n % 10 == 5 else e
             for n, e in enumerate(titled)]
    long = [replace(e, key=e.key + "/long", url=e.url + "/long", body=e.body * LONG_BODY)
            for e in entries[:count // 5]]
    return {"new items": ("upsert", entries), "unchanged": ("upsert", entries),
            "a tenth changed (titles)": ("upsert", titled), "a tenth changed (video URLs)": ("upsert", moved),
            "new long items (12 KB bodies)": ("long", long)}


def upsert_alone(backend: Backend, count: int) -> dict[str, str]:
    runs = scenarios(count)
    for channel_id in ("upsert", "long"):
        add_channel(backend, channel_id)
    results, rates = {}, {}
    for name, (channel_id, entries) in runs.items():
        if name == "new long items (12 KB bodies)" and backend.engine.dialect.name != "postgresql":
            continue
        rates[name], writes = timed_upsert(backend, channel_id, entries)
        if name == "unchanged":
            results["unchanged (item writes)"] = f"{rates[name]:,.0f} ({writes})"
        else:
            results[name] = f"{rates[name]:,.0f}"
    results.update(search_vector_cost(backend, runs, rates))
    add_channel(backend, "before")
    before = one_by_one(backend, "before", runs["new items"][1][:500])
    return {**results, "before batches, new items": f"{before:,.0f}",
            "new items / before": f"{rates['new items'] / before:.1f}x"}


def search_vector_cost(backend: Backend, runs: dict, rates: dict[str, float]) -> dict[str, str]:
    """PostgreSQL: the new items, and the long ones, stored again without their search
    vector, as a yardstick."""
    if backend.engine.dialect.name != "postgresql":
        return {}
    found = {}
    with without_search_vector(backend):
        for name, yardstick in YARDSTICKS.items():
            channel_id = f"{runs[name][0]}-plain"
            add_channel(backend, channel_id)
            plain, _ = timed_upsert(backend, channel_id, runs[name][1])
            found[yardstick] = f"{plain:,.0f} ({rates[name] / plain:.2f})"
    return found


@contextmanager
def without_search_vector(backend: Backend):
    """Items inserted within get no search vector: the trigger that makes it is off."""
    with backend.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE items DISABLE TRIGGER items_search_vector_insert")
    try:
        yield
    finally:
        with backend.engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE items ENABLE TRIGGER items_search_vector_insert")


def mrss_item(entry: Entry) -> str:
    video = entry.videos[0]
    return (f"<item><title>{escape(entry.title)}</title><link>{entry.url}</link>"
            f"<guid isPermaLink='false'>{entry.key}</guid><pubDate>{format_datetime(entry.published)}</pubDate>"
            f"<description>{escape(entry.summary)}</description>"
            f"<content:encoded>{escape(entry.body_html)}</content:encoded>"
            f"<category>{escape(entry.categories[-1])}</category>"
            f"<media:content url='{video.url}' type='{video.type}' duration='{entry.duration}' height='1080'/>"
            f"<media:thumbnail url='{entry.image_url}' width='1280' height='720'/></item>")


def feeds(count: int) -> dict[str, bytes]:
    rng = random.Random(9)
    return {f"/feed{feed}.xml": feed_document(FEED_ITEMS, f"feed{feed}", rng) for feed in range(count)}


def feed_document(items: int, prefix: str, rng: random.Random, item=None) -> bytes:
    body = "".join((item or mrss_item)(realistic_entry(n, rng, prefix=prefix)) for n in range(items))
    return ("<?xml version='1.0'?><rss version='2.0' xmlns:media='http://search.yahoo.com/mrss/' "
            "xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel><title>Bench</title>"
            f"{body}</channel></rss>").encode()


@contextmanager
def upstream(bodies: dict[str, bytes]):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            body = bodies.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def refresh_path(backend: Backend, count: int) -> dict[str, str]:
    add_channel(backend, "refresh")
    with upstream(feeds(count)) as base, backend.Session() as session:
        sources = [Source(channel_id="refresh", kind="mrss", url=f"{base}/feed{n}.xml") for n in range(count)]
        session.add_all(sources)
        session.commit()
        ids = [source.id for source in sources]
        first = refresh_all(backend, ids)
        with item_writes(backend) as writes:
            again = refresh_all(backend, ids)
    with backend.Session() as session:
        stored = session.scalar(select(func.count()).select_from(Item).where(Item.channel_id == "refresh"))
    assert stored == count * FEED_ITEMS, stored
    return {"first refresh": f"{first:,.0f}", "unchanged again (item writes)": f"{again:,.0f} ({writes[0]})"}


def refresh_all(backend: Backend, ids: list[int]) -> float:
    clock = time.perf_counter()
    for source_id in ids:
        report = refresh(backend, source_id)
        assert report is not None and report.status == "ok", report
    return len(ids) * FEED_ITEMS / (time.perf_counter() - clock)


def memory(backend: Backend, count: int) -> dict[str, str]:
    """Under ``tracemalloc``: a first refresh of one feed of ``count`` lean items (the
    fetcher refuses a document over 10 MB: ``count`` realistic items with their bodies
    would be refused), and ``count`` realistic items stored from a generator."""
    add_channel(backend, "memory")
    rng = random.Random(11)
    document = feed_document(count, "memory", rng, item=lean_item)
    with upstream({"/big.xml": document}) as base, backend.Session() as session:
        source = Source(channel_id="memory", kind="mrss", url=f"{base}/big.xml")
        session.add(source)
        session.commit()
        refreshed = traced(lambda progress: refresh_source(backend.Session, source.id, allow_private=True,
                                                           progress=progress))
    add_channel(backend, "memory-store")
    stored = traced(lambda progress: stream_upsert(backend, (realistic_entry(n, rng) for n in range(count)),
                                                   progress))
    mb = 1 << 20
    return {"feed document (lean items)": f"{len(document) / mb:,.1f} MB",
            "first refresh: peak / held after the first and last batch": refreshed,
            "storing realistic items streamed: peak / held after the first and last batch": stored}


def lean_item(entry: Entry) -> str:
    video = entry.videos[0]
    return (f"<item><title>{escape(entry.title)}</title><link>{entry.url}</link>"
            f"<guid isPermaLink='false'>{entry.key}</guid>"
            f"<pubDate>{format_datetime(entry.published)}</pubDate>"
            f"<media:content url='{video.url}' type='{video.type}'/></item>")


def stream_upsert(backend: Backend, entries, progress) -> None:
    with backend.Session() as session:
        upsert_entries(session, "memory-store", None, entries, progress=progress)
        session.commit()


def traced(action) -> str:
    """Peak memory while ``action(progress)`` runs, and what was held after its first
    and last batch, in MB."""
    held: list[int] = []
    tracemalloc.start()
    try:
        action(lambda stored: held.append(tracemalloc.get_traced_memory()[0]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    mb = 1 << 20
    return f"{peak / mb:,.0f} / {held[0] / mb:,.0f}, {held[-1] / mb:,.0f} MB ({len(held)} batches)"


def run(name: str, url: str, args: argparse.Namespace) -> dict[str, str]:
    backend = backend_for(url)
    parts = args.parts.split(",")
    results: dict[str, str] = {}
    try:
        for part, measure in (("upsert", lambda: upsert_alone(backend, args.items)),
                              ("refresh", lambda: refresh_path(backend, args.feeds)),
                              ("memory", lambda: memory(backend, args.memory_items))):
            if part in parts:
                found = measure()
                print(f"{name}: {part}: {found}", flush=True)
                results.update(found)
        return results
    finally:
        backend.close()


def worker(server: str, database: str, count: int) -> None:
    """``--worker``, for ``--against``: the upsert's runs on command, one line of JSON
    answered per line read. ``fresh``: an empty database; a run's name: its items per
    second and the CPU time of the PostgreSQL backend per item, in µs."""
    runs, backend = scenarios(count), None
    for line in sys.stdin:
        command = line.strip()
        if command == "fresh":
            if backend:
                backend.close()
            admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}"')
                connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
            admin.dispose()
            backend = backend_for(f"{server}/{database}")
            for channel_id in ("upsert", "long"):
                add_channel(backend, channel_id)
            answer = {}
        else:
            answer = measured(backend, *runs[command])
        print(json.dumps(answer), flush=True)


def measured(backend: Backend, channel_id: str, entries: list[Entry]) -> dict[str, float]:
    with backend.Session() as session:
        pid = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        stat = Path(f"/proc/{pid}/schedstat")  # the backend runs on this machine
        cpu = int(stat.read_text().split()[0])
        clock = time.perf_counter()
        upsert_entries(session, channel_id, None, entries)
        session.commit()
        seconds = time.perf_counter() - clock
        cpu = int(stat.read_text().split()[0]) - cpu
    return {"rate": len(entries) / seconds, "cpu": cpu / 1000 / len(entries)}


# This file run with the other tree's packages (its own folder kept off sys.path, where
# bench/readability.py would hide the readability package).
RUN_THIS_FILE = "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"


def compare(against: str, count: int, rounds: int) -> None:
    """``--against DIR``: the upsert's runs by the code at DIR (an earlier revision: a
    ``git worktree`` of it) and by this tree, each in a worker process of its own on
    one private PostgreSQL, run by run in turn, ``rounds`` times (who goes first
    alternates): the median of each round's ratio, so that a machine busy with other
    work slows both sides of a ratio alike."""
    trees = {"before": Path(against).resolve(), "after": Path(__file__).resolve().parents[1]}
    names = list(scenarios(1))
    found: dict[str, dict[str, list[dict]]] = {tree: {name: [] for name in names} for tree in trees}
    with tempfile.TemporaryDirectory() as folder:
        postgres = PrivatePostgres(Path(folder)).init().start()
        server = postgres.url.rsplit("/", 1)[0]
        workers = {tree: subprocess.Popen(
            [sys.executable, "-c", RUN_THIS_FILE, __file__, "--worker", server, f"bench_{tree}", str(count)],
            cwd=path, env={**os.environ, "PYTHONPATH": str(path)}, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE) for tree, path in trees.items()}
        try:
            for number in range(rounds):
                order = list(trees)[::1 if number % 2 == 0 else -1]
                for command in ("fresh", *names):
                    for tree in order:
                        workers[tree].stdin.write(command + "\n")
                        workers[tree].stdin.flush()
                        answer = json.loads(workers[tree].stdout.readline())
                        if command != "fresh":
                            found[tree][command].append(answer)
        finally:
            for process in workers.values():
                process.stdin.close()
                process.wait()
            postgres.stop()
    print_comparison(found, names)


def print_comparison(found: dict, names: list[str]) -> None:
    print("| PostgreSQL, items/s | before | after | after / before (range) | backend CPU µs/item |")
    print("|---|---:|---:|---|---|")
    for name in names:
        before, after = found["before"][name], found["after"][name]
        ratios = sorted(a["rate"] / b["rate"] for a, b in zip(after, before))
        rate = {tree: statistics.median(run["rate"] for run in found[tree][name]) for tree in found}
        cpu = {tree: statistics.median(run["cpu"] for run in found[tree][name]) for tree in found}
        print(f"| {name} | {rate['before']:,.0f} | {rate['after']:,.0f} | {statistics.median(ratios):.2f} "
              f"({ratios[0]:.2f}-{ratios[-1]:.2f}) | {cpu['before']:,.0f} → {cpu['after']:,.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--feeds", type=int, default=10)
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--parts", default="upsert,refresh", help="Of upsert, refresh, memory.")
    parser.add_argument("--memory-items", type=int, default=20000)
    parser.add_argument("--database-url", help="An empty PostgreSQL database instead of a private cluster.")
    parser.add_argument("--against", metavar="DIR", help="Compare the upsert with the code at DIR.")
    parser.add_argument("--rounds", type=int, default=5, help="Of --against.")
    parser.add_argument("--worker", nargs=3, metavar=("SERVER", "DATABASE", "ITEMS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker[0], args.worker[1], int(args.worker[2]))
    if args.against:
        return compare(args.against, args.items, args.rounds)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for store in args.stores.split(","):
            if store == "sqlite":
                results[store] = run(store, f"sqlite:///{Path(folder) / 'ingest.db'}", args)
            elif args.database_url:
                results[store] = run(store, args.database_url, args)
            else:
                postgres = PrivatePostgres(Path(folder)).init().start()
                try:
                    results[store] = run(store, postgres.url, args)
                finally:
                    postgres.stop()
    print_table(results)


def print_table(results: dict[str, dict[str, str]]) -> None:
    fullest = sorted(results.values(), key=len, reverse=True)
    rows = list(dict.fromkeys(row for found in fullest for row in found))
    print(f"\n| | {' | '.join(results)} |\n|---|" + "---:|" * len(results))
    for row in rows:
        print(f"| {row} | " + " | ".join(results[store].get(row, "—") for store in results) + " |")
    print(f"\nItems per second unless said. Targets on PostgreSQL: upsert alone "
          f"≥ {TARGETS['upsert']:,} items/s, refresh path ≥ {TARGETS['refresh']:,} items/s, an unchanged "
          f"refresh writes no item.")


if __name__ == "__main__":
    main()
