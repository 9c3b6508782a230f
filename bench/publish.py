"""What a publish costs as a channel grows: 1,000 and 10,000 stored items (or --sizes).

    .venv/bin/python -m bench.publish [--sizes 1000,10000] [--database-url URL]   # about 90 s

For each size, in one process, on a channel seeded through the store's own upsert
(realistic news videos, see ``bench._procs.seed_channel``): reading the channel's
items and sources from the store, the baseline, since a publish cannot cost less
than reading what it publishes; then building and validating every format
(``feeds.publish.build_documents``: Roku feed under its 450 KB budget, search feed,
Media RSS, companion home), first with nothing kept in the process (a worker's
first publish of the channel), then after 1% of the items changed (a publish
after a refresh, reusing the Roku item cache and the validation memos). Best of
``--repeat`` runs of each; each as milliseconds and as a ratio to the read. SQLite
in a temporary folder unless ``--database-url`` names an empty database.
"""
from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from datetime import datetime, timezone

from sqlalchemy import select, update

from bench._procs import seed_channel
from feeds import publish
from feeds.dates import utcnow
from feeds.backend import Backend
from feeds.formats.roku_cache import CACHE
from feeds.settings import Settings
from feeds.store.tables import Channel, Item

CHANNEL = "bench"
CHANGED = 0.01
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def read(backend: Backend) -> tuple:
    with backend.Session() as session:
        channel = session.get(Channel, CHANNEL)
        items = publish.channel_items(session, CHANNEL, utcnow())
        sources = publish.channel_sources(session, CHANNEL)
        session.expunge_all()
    return channel, items, sources


def refresh(backend: Backend, round_: int) -> None:
    """1% of the items, spread over the channel, get a new title (and so a new hash)."""
    with backend.Session() as session:
        ids = list(session.scalars(select(Item.id).where(Item.channel_id == CHANNEL).order_by(Item.id)))
        step = round(1 / CHANGED)
        session.execute(update(Item).where(Item.id.in_(ids[round_ % step::step])).values(
            title=Item.title + f" (update {round_})", content_hash=uuid.uuid4().hex))
        session.commit()


def timed(work) -> tuple[float, object]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def first_publish(backend: Backend) -> tuple[float, publish.Documents]:
    """A publish with nothing kept in the process: no Roku item cache, no validation memo."""
    CACHE.clear()
    publish.memo.cache_clear()
    channel, items, sources = read(backend)
    return timed(lambda: publish.build_documents(channel, items, sources, NOW))


def measure(backend: Backend, count: int, repeat: int) -> dict:
    seed_channel(backend.Session, CHANNEL, count)
    reading = min(timed(lambda: read(backend))[0] for _ in range(repeat))
    cold, documents = min((first_publish(backend) for _ in range(repeat)), key=lambda run: run[0])
    warm = []
    for round_ in range(1, repeat + 1):
        refresh(backend, round_)
        channel, items, sources = read(backend)
        warm.append(timed(lambda: publish.build_documents(channel, items, sources, NOW))[0])
    sizes = {name: len(body) for name, (body, _) in documents.bodies.items()}
    return {"items": count, "read": reading, "cold": cold, "warm": min(warm), "sizes": sizes,
            "assets": documents.search_assets}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    print(f"{'items':>7} {'read':>9} {'first publish':>14} {'ratio':>6} {'next publish':>13} {'ratio':>6}  output")
    for count in (int(size) for size in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as folder:
            url = args.database_url or f"sqlite:///{folder}/bench.db"
            backend = Backend.from_settings(Settings(database_url=url, redis_url=None, admin_token=None,
                                                     fetch_allow_private=False, port=0, load_demo=False))
            try:
                backend.prepare(upgrade=True)
                row = measure(backend, count, args.repeat)
            finally:
                backend.close()
        sizes = ", ".join(f"{name} {size / 1024:.0f} KB" for name, size in row["sizes"].items())
        print(f"{count:>7} {row['read'] * 1e3:>7.0f}ms {row['cold'] * 1e3:>12.0f}ms "
              f"{row['cold'] / row['read']:>5.1f}x {row['warm'] * 1e3:>11.0f}ms "
              f"{row['warm'] / row['read']:>5.1f}x  {row['assets']} search assets; {sizes}")


if __name__ == "__main__":
    main()
