"""Search and category listings as a catalogue grows: 1,000 and 10,000 items by default
(``--sizes 1000,10000,100000`` for the issue's full run), on SQLite and PostgreSQL.

    .venv/bin/python -m bench.search [--sizes 1000,10000] [--stores sqlite,postgresql]
                                     [--database-url URL]           # about 3 min

One channel is seeded through the store's own ``upsert_entries`` (streamed in
batches), size after size, with news-like articles whose words follow Zipf's law
over a 20,000-word vocabulary (so that, as in real text, a few words are in most
articles and most words in few). Then the companion API is called in process
(Flask's test client: routing, the store, JSON), 50 different queries of each kind,
each once after a warm-up pass: a common word (in 10-30 % of the items), a rare word
(under 0.5 %), a two-word phrase, a four-letter prefix (search-as-you-type), a word
in no item; and 50 first pages of category listings. Median and p99 in
milliseconds, the growth of each median from one size to the next, the targets
checked at the largest size; and, as a yardstick from the same run, the search as it
was before (a substring scan of titles, summaries and bodies) on 5 queries.
PostgreSQL is a private cluster (``bench._procs.PrivatePostgres``, fsync off) unless
``--database-url`` names an empty database."""
from __future__ import annotations

import argparse
import math
import random
import statistics
import tempfile
import time
from bisect import bisect
from datetime import UTC, datetime, timedelta
from itertools import accumulate, pairwise
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import String, cast, func, or_, select, text

from bench._procs import SECTIONS, WORDS, PrivatePostgres
from channel import create_app
from feeds.model import Entry
from feeds.settings import Settings
from feeds.store import catalog, migrate
from feeds.store.engine import make_engine
from feeds.store.items import upsert_entries
from feeds.store.tables import Channel, Item

CHANNEL = "bench"
KINDS = ("common", "rare", "phrase", "prefix", "no match")
QUERIES = 50
VOCABULARY = 20_000
TARGETS = {"search median": 20.0, "search p99": 100.0, "category median": 5.0, "growth": 2.0}
BASE = datetime(2025, 1, 1, 6, 0, tzinfo=UTC)
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"] + ["ch", "sh", "th"]


class Corpus:
    """Article ``n`` is the same whatever the size: sizes grow by appending."""

    def __init__(self, seed: int = 11):
        rng = random.Random(seed)
        words = list(WORDS)
        while len(words) < VOCABULARY:
            word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
            if word not in words:
                words.append(word)
        self.words = words
        self.weights = list(accumulate(1 / rank for rank in range(1, VOCABULARY + 1)))
        per_item = 8 + 25 + 4 * 70
        self.per_item, self.harmonic = per_item, self.weights[-1]
        self.seed = seed

    def expected_share(self, rank: int) -> float:
        """The share of items a word of this rank (from 1) is expected to be in."""
        return 1 - math.exp(-self.per_item / (self.harmonic * rank))

    def text(self, rng: random.Random, count: int) -> str:
        return " ".join(self.words[bisect(self.weights, rng.random() * self.weights[-1])]
                        for _ in range(count))

    def entry(self, n: int) -> Entry:
        rng = random.Random(self.seed * 1_000_003 + n)
        section = SECTIONS[n % len(SECTIONS)]
        return Entry(key=f"https://news.example/a/{n}", kind="article",
                     title=self.text(rng, rng.randint(6, 10)).capitalize(),
                     summary=self.text(rng, 25).capitalize() + ".",
                     body=[self.text(rng, 70).capitalize() + "." for _ in range(4)],
                     categories=section.split("/"), url=f"https://news.example/a/{n}",
                     published=BASE + timedelta(minutes=17 * n))

    def queries(self, rng: random.Random) -> dict[str, list[str]]:
        ranks = range(1, VOCABULARY + 1)
        common = [r for r in ranks if 0.10 <= self.expected_share(r) <= 0.30]
        rare = [r for r in ranks if self.expected_share(r) < 0.005]
        middle = [r for r in ranks if 0.01 <= self.expected_share(r) <= 0.10
                  and len(self.words[r - 1]) >= 6]
        titles = [self.entry(n).title.lower().split() for n in rng.sample(range(1000), QUERIES)]
        return {
            "common": [self.words[r - 1] for r in rng.sample(common, QUERIES)],
            "rare": [self.words[r - 1] for r in rng.sample(rare, QUERIES)],
            "phrase": [f'"{words[i]} {words[i + 1]}"' for words in titles
                       for i in [rng.randrange(len(words) - 1)]],
            "prefix": [self.words[r - 1][:4] for r in rng.sample(middle, QUERIES)],
            "no match": ["".join(rng.choice("xqjw") + rng.choice(SYLLABLES) for _ in range(3))
                         for _ in range(QUERIES)],
        }


def seed(app, corpus: Corpus, start: int, stop: int) -> float:
    """Items ``start`` to ``stop`` stored; seconds taken."""
    backend = app.extensions["backend"]
    clock = time.perf_counter()
    with backend.Session() as session:
        if session.get(Channel, CHANNEL) is None:
            session.add(Channel(id=CHANNEL, title="Bench News", language="en"))
            session.flush()
        upsert_entries(session, CHANNEL, None, (corpus.entry(n) for n in range(start, stop)))
        session.commit()
    if backend.engine.dialect.name == "postgresql":
        with backend.engine.connect() as connection:  # as autovacuum would after a load
            connection.execute(text("ANALYZE items"))
            connection.execute(text("ANALYZE item_sections"))
            connection.commit()
    return time.perf_counter() - clock


def timed(call) -> float:
    clock = time.perf_counter()
    call()
    return (time.perf_counter() - clock) * 1000


def api_times(client, paths: list[str]) -> list[float]:
    def get(path):
        assert client.get(path).status_code == 200, path

    for path in paths:  # warm-up
        get(path)
    return [timed(lambda path=path: get(path)) for path in paths]


def store_times(backend, calls: list[dict]) -> list[float]:
    """The same requests straight to ``catalog.list_items``: what the store costs,
    without Flask, the channel lookup and the JSON."""
    def ask(kwargs):
        with backend.Session() as session:
            catalog.list_items(session, CHANNEL, limit=20, **kwargs)

    return [timed(lambda kwargs=kwargs: ask(kwargs)) for kwargs in calls]


def summary(api: list[float], store: list[float]) -> tuple[float, float, float]:
    ordered = sorted(api)
    p99 = ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]
    return statistics.median(ordered), p99, statistics.median(store)


def old_search(backend, words: list[str]) -> float:
    """The median milliseconds of the search as it was: every word as a substring of
    the title, the summary or the body (as JSON text), in any case."""
    def ask(word):
        body = func.lower(cast(Item.body, String))
        match = or_(func.lower(Item.title).contains(word), func.lower(Item.summary).contains(word),
                    body.contains(word))
        with backend.Session() as session:
            list(session.scalars(select(Item).where(Item.channel_id == CHANNEL, Item.hidden.is_(False), match)
                                 .order_by(Item.published.desc()).limit(21)))

    return statistics.median(timed(lambda word=word: ask(word)) for word in words)


def measure(app, queries: dict[str, list[str]]) -> dict[str, tuple[float, float, float]]:
    client, backend = app.test_client(), app.extensions["backend"]
    base = f"/api/v1/channels/{CHANNEL}/items?limit=20"
    requests = {kind: [{"query": q} for q in queries[kind]] for kind in KINDS}
    requests["category"] = [{"category": SECTIONS[n % len(SECTIONS)].split("/")[-1]} for n in range(QUERIES)]
    requests["newest (for reference)"] = [{}] * QUERIES
    results = {}
    for kind, calls in requests.items():
        paths = [base + "".join(f"&{'q' if k == 'query' else k}={quote(v)}" for k, v in c.items())
                 for c in calls]
        results[kind] = summary(api_times(client, paths), store_times(backend, calls))
    for kind in ("common", "no match"):
        results[f"before, {kind}: substring scan"] = (0.0, 0.0, old_search(backend, queries[kind][:3]))
    return results


def run_store(name: str, url: str, sizes: list[int], corpus: Corpus, queries) -> dict:
    settings = Settings(database_url=url, redis_url=None, admin_token=None, fetch_allow_private=True,
                        port=0, load_demo=False, media_checks=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app(settings, run_tasks=False)
    table, stored = {}, 0
    for size in sizes:
        seconds = seed(app, corpus, stored, size)
        print(f"{name}: stored items {stored:,} to {size:,} in {seconds:.1f} s "
              f"({(size - stored) / seconds:,.0f} items/s)", flush=True)
        stored = size
        table[size] = measure(app, queries)
        for kind, (median, p99, store) in table[size].items():
            print(f"  {size:>7,} {kind:<32} API median {median:7.1f} ms  p99 {p99:7.1f} ms   "
                  f"store median {store:7.1f} ms", flush=True)
    app.extensions["backend"].close()
    return table


def report(name: str, table: dict) -> None:
    sizes = sorted(table)
    print(f"\n### {name}\n\nAPI median / p99, and the store alone (median), in ms:\n")
    print("| request | " + " | ".join(f"{s:,} items" for s in sizes) + " | growth of the API median |")
    print("|---|" + "---:|" * len(sizes) + "---|")
    for kind in table[sizes[0]]:
        cells = [_cell(*table[s][kind]) for s in sizes]
        growth = " → ".join(f"{table[b][kind][0] / table[a][kind][0]:.2f}x" for a, b in pairwise(sizes)
                            if table[a][kind][0])
        print(f"| {kind} | " + " | ".join(cells) + f" | {growth} |")
    largest = sizes[-1]
    worst = max(KINDS, key=lambda kind: table[largest][kind][0])
    print(f"\nAt {largest:,}: search median, worst kind ({worst}): {table[largest][worst][0]:.1f} ms API, "
          f"{table[largest][worst][2]:.1f} ms store (target {TARGETS['search median']:.0f}); p99, worst "
          f"kind: {max(table[largest][k][1] for k in KINDS):.1f} ms (target {TARGETS['search p99']:.0f}); "
          f"category median {table[largest]['category'][0]:.1f} ms API, {table[largest]['category'][2]:.1f} ms "
          f"store (target {TARGETS['category median']:.0f}; the newest items, for reference: "
          f"{table[largest]['newest (for reference)'][0]:.1f} ms API)")
    if len(sizes) > 1:
        before = sizes[-2]
        ratio = max(table[largest][k][0] / table[before][k][0] for k in (*KINDS, "category"))
        print(f"Growth {before:,} → {largest:,}: worst median ratio {ratio:.2f}x (target {TARGETS['growth']:.0f}x)")


def _cell(median: float, p99: float, store: float) -> str:
    return f"{store:.1f} (store)" if not median else f"{median:.1f} / {p99:.1f} · {store:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--database-url", help="An empty PostgreSQL database instead of a private cluster.")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    corpus = Corpus()
    queries = corpus.queries(random.Random(5))
    tables = {}
    with tempfile.TemporaryDirectory() as folder:
        for store in args.stores.split(","):
            if store == "sqlite":
                tables[store] = run_store(store, f"sqlite:///{Path(folder) / 'search.db'}", sizes, corpus, queries)
            elif args.database_url:
                tables[store] = run_store(store, args.database_url, sizes, corpus, queries)
            else:
                postgres = PrivatePostgres(Path(folder)).init().start()
                try:
                    tables[store] = run_store(store, postgres.url, sizes, corpus, queries)
                finally:
                    postgres.stop()
    for store, table in tables.items():
        report(store, table)


if __name__ == "__main__":
    main()
