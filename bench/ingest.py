"""How fast items are stored, on SQLite and PostgreSQL: through ``upsert_entries``
alone, and through the refresh path from a local upstream.

    .venv/bin/python -m bench.ingest [--items 5000] [--feeds 10] [--stores sqlite,postgresql]
                                     [--database-url URL]           # about 3 min

Upsert alone: ``--items`` realistic news videos (``bench._procs.realistic_entry``:
title, summary, several body paragraphs, image, section, HLS + MP4) made first, then
stored in one transaction; then stored again unchanged (items written: none), then
again with a tenth of them changed. As a yardstick from the same run, the store as it
was before batches (each entry looked up, then inserted or updated, one by one) on 500
of them. Refresh path: ``--feeds`` Media RSS feeds of 500 such items each, served by
a local HTTP upstream, each refreshed by ``workers.jobs.refresh`` (the job a worker
runs: lock, fetch, parse, store, run record) into an empty channel, then refreshed
again unchanged. Items per second throughout. PostgreSQL is a private cluster
(``bench._procs.PrivatePostgres``, fsync off) unless ``--database-url`` names an empty
database."""
from __future__ import annotations

import argparse
import random
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import event, func, select

from bench._procs import PrivatePostgres, realistic_entry
from feeds.backend import Backend
from feeds.model import Entry
from feeds.settings import Settings
from feeds.store import migrate
from feeds.store.ids import item_id
from feeds.store.items import item_values, upsert_entries
from feeds.store.tables import Channel, Item, Source
from workers.jobs import refresh

FEED_ITEMS = 500
TARGETS = {"upsert": 2000, "refresh": 500}


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


def upsert_alone(backend: Backend, count: int) -> dict[str, str]:
    rng = random.Random(3)
    entries = [realistic_entry(n, rng) for n in range(count)]
    add_channel(backend, "upsert")
    first, _ = timed_upsert(backend, "upsert", entries)
    again, writes = timed_upsert(backend, "upsert", entries)
    changed = [replace(e, title=e.title + " (corrected)") if n % 10 == 0 else e for n, e in enumerate(entries)]
    partly, _ = timed_upsert(backend, "upsert", changed)
    add_channel(backend, "before")
    before = one_by_one(backend, "before", entries[:500])
    return {"new items": f"{first:,.0f}", "unchanged (item writes)": f"{again:,.0f} ({writes})",
            "a tenth changed": f"{partly:,.0f}", "before batches, new items": f"{before:,.0f}",
            "new items / before": f"{first / before:.1f}x"}


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
    bodies = {}
    for feed in range(count):
        items = "".join(mrss_item(realistic_entry(n, rng, prefix=f"feed{feed}")) for n in range(FEED_ITEMS))
        bodies[f"/feed{feed}.xml"] = (
            "<?xml version='1.0'?><rss version='2.0' xmlns:media='http://search.yahoo.com/mrss/' "
            "xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel><title>Bench</title>"
            f"{items}</channel></rss>").encode()
    return bodies


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


def run(name: str, url: str, items: int, feed_count: int) -> dict[str, str]:
    backend = backend_for(url)
    try:
        results = upsert_alone(backend, items)
        print(f"{name}: upsert alone, items/s: {results}", flush=True)
        refreshed = refresh_path(backend, feed_count)
        print(f"{name}: refresh path, items/s: {refreshed}", flush=True)
        return {**results, **refreshed}
    finally:
        backend.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--feeds", type=int, default=10)
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--database-url", help="An empty PostgreSQL database instead of a private cluster.")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for store in args.stores.split(","):
            if store == "sqlite":
                results[store] = run(store, f"sqlite:///{Path(folder) / 'ingest.db'}", args.items, args.feeds)
            elif args.database_url:
                results[store] = run(store, args.database_url, args.items, args.feeds)
            else:
                postgres = PrivatePostgres(Path(folder)).init().start()
                try:
                    results[store] = run(store, postgres.url, args.items, args.feeds)
                finally:
                    postgres.stop()
    print(f"\n| items/s | {' | '.join(results)} |\n|---|" + "---:|" * len(results))
    for row in next(iter(results.values())):
        print(f"| {row} | " + " | ".join(results[store][row] for store in results) + " |")
    print(f"\nTargets on PostgreSQL: upsert alone ≥ {TARGETS['upsert']:,} items/s, refresh path ≥ "
          f"{TARGETS['refresh']:,} items/s, an unchanged refresh writes no item.")


if __name__ == "__main__":
    main()
