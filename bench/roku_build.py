"""How the Roku feed builder scales: 1,000, 10,000 and 50,000 in-memory items.

    .venv/bin/python bench/roku_build.py [--sizes 1000,10000,50000] [--repeat N]

For each size, in the same run and best of ``--repeat`` (by default as many as
make about 20,000 items' work, at least 5): serialising the feed's dicts with
orjson alone (the baseline); a cold build (empty item cache, as a worker's first
publish of a channel) and a warm build (the cache of the previous build, with 1%
of the items changed since, as a publish after a refresh), each built and
serialised, with its ratio to the baseline (target: at most 3x) and its time per
item; the peak memory of each (tracemalloc, in separate runs since tracing slows
Python down) and what the cache keeps. The size budget is off for these, so they
measure the builder, not the cut; one more line shows a warm build of the largest
size with the default 450 KB budget, as publishes run.

A last column is a floor for any builder written in Python: making the same
dicts from the items with no logic at all (every value copied as stored, nothing
checked, cut or formatted), not even serialised. A cold build makes every dict,
so its ratio cannot go below that floor's.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson  # noqa: E402

from feeds.formats.budget import DEFAULT_BUDGET  # noqa: E402
from feeds.formats.roku import Shape, build_roku_feed  # noqa: E402
from feeds.formats.roku_cache import ItemCache  # noqa: E402
from feeds.store.items import CONTENT_FIELDS  # noqa: E402
from feeds.store.tables import Channel, Item  # noqa: E402

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
SECTIONS = ["News", "Sport", "Business", "Culture", "Weather", "Science"]
WORDS = "the minister said on tuesday that talks would continue into the night".split()
CHANGED = 0.01


def shapes() -> dict[int, Shape]:
    """New objects for every build, as a publish reads its sources again."""
    return {1: Shape(), 2: Shape(roku_type="movies"),
            3: Shape(roku_type="series", series="Weekly Review")}


def sentence(n: int, length: int) -> str:
    return " ".join(WORDS[(n + k) % len(WORDS)] for k in range(length))


def make_items(count: int) -> list[Item]:
    """News videos as an MRSS source gives them: an HLS stream and two MP4 files."""
    items = []
    for n in range(count):
        base = f"https://cdn.example/v/{n}"
        items.append(Item(
            id=f"item{n:011d}", channel_id="bench", source_id=1 + (n % 10 == 0) + (n % 25 == 0),
            key=str(n), kind="video", title=f"Report {n}: " + sentence(n, 8),
            summary=sentence(n, 30), body=[sentence(n + p, 70) for p in range(6)],
            image_url=f"https://img.example/{n}.jpg", image_caption="",
            categories=[SECTIONS[n % len(SECTIONS)], "More"], tags=["politics", "europe"],
            published=NOW - timedelta(minutes=7 * n), published_offset=0, updated=None,
            url=f"https://news.example/{n}", author="", language="en",
            videos=[{"url": f"{base}/master.m3u8", "type": "application/x-mpegURL", "height": 1080},
                    {"url": f"{base}/720.mp4", "type": "video/mp4", "height": 720, "bitrate": 2500},
                    {"url": f"{base}/360.mp4", "type": "video/mp4", "height": 360, "bitrate": 800}],
            duration=60 + n % 600, content_hash="", first_seen=NOW, last_seen=NOW))
        items[-1].content_hash = content_hash(items[-1])
    return items


def content_hash(item: Item) -> str:
    """As ``feeds.store.items`` hashes what it stores: every content field."""
    values = {name: getattr(item, name) for name in CONTENT_FIELDS}
    return hashlib.sha256(orjson.dumps(values, option=orjson.OPT_SORT_KEYS)).hexdigest()


def change(items: list[Item], round_: int) -> None:
    """A refresh: 1% of the items (spread over the feed) get a new title."""
    step = round(1 / CHANGED)
    for item in items[round_ % step::step]:
        item.title = f"{item.title.split(' (')[0]} (update {round_})"
        item.content_hash = content_hash(item)


CHANNEL = Channel(id="bench", title="Bench News", provider_name="Bench News", language="en",
                  timezone="Europe/London", default_thumbnail="https://img.example/channel.jpg")


def plain_dicts(items: list[Item]) -> list[dict]:
    """The floor: each item's Roku object as a copy of its stored values."""
    return [{"id": item.id, "title": item.title, "thumbnail": item.image_url,
             "shortDescription": item.summary, "longDescription": item.body[0],
             "releaseDate": item.published, "tags": list(item.tags),
             "content": {"dateAdded": item.published, "duration": item.duration,
                         "videos": [dict(video) for video in item.videos]}}
            for item in items]


def publish(items: list[Item], cache: ItemCache, budget: int | None = None) -> bytes:
    return build_roku_feed(CHANNEL, items, NOW, shapes(), budget, cache).to_bytes()


def best_of(repeat: int, work, prepare=lambda: None) -> float:
    times = []
    for _ in range(repeat):
        prepare()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def traced(work) -> tuple[int, int]:
    """(peak, held by the result of ``work``) bytes, by tracemalloc."""
    tracemalloc.start()
    result = work()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return peak, current


class Run:
    """One size: its items, and the changes made to them so far."""

    def __init__(self, count: int) -> None:
        self.items = make_items(count)
        self.rounds = 0

    def refresh(self) -> None:
        self.rounds += 1
        change(self.items, self.rounds)

    def warm_cache(self) -> ItemCache:
        cache = ItemCache()
        publish(self.items, cache)
        return cache


def measure(count: int, repeat: int) -> dict:
    run = Run(count)
    cache = run.warm_cache()
    doc = build_roku_feed(CHANNEL, run.items, NOW, shapes(), None, None).doc
    serialise = best_of(repeat, lambda: orjson.dumps(doc))
    cold = best_of(repeat, lambda: publish(run.items, ItemCache()))
    warm = best_of(repeat, lambda: publish(run.items, cache), run.refresh)
    floor = best_of(repeat, lambda: plain_dicts(run.items))
    body = orjson.dumps(build_roku_feed(CHANNEL, run.items, NOW, shapes(), None, None).doc)
    assert publish(run.items, cache) == publish(run.items, ItemCache()) == body, "cache changed the bytes"
    cold_peak, held = traced(lambda: run.warm_cache())
    run.refresh()
    warm_peak, _ = traced(lambda: publish(run.items, cache))
    return {"items": count, "serialise": serialise, "cold": cold, "warm": warm, "floor": floor,
            "bytes": len(body), "cold_peak": cold_peak, "warm_peak": warm_peak, "held": held}


def measure_budget(count: int, repeat: int) -> dict:
    run = Run(count)
    cache = run.warm_cache()
    publish(run.items, cache, DEFAULT_BUDGET)
    doc = build_roku_feed(CHANNEL, run.items, NOW, shapes(), DEFAULT_BUDGET, None).doc
    serialise = best_of(repeat, lambda: orjson.dumps(doc))
    cold = best_of(repeat, lambda: publish(run.items, ItemCache(), DEFAULT_BUDGET))
    warm = best_of(repeat, lambda: publish(run.items, cache, DEFAULT_BUDGET), run.refresh)
    return {"items": count, "serialise": serialise, "cold": cold, "warm": warm,
            "bytes": len(orjson.dumps(doc))}


def print_growth(rows: list[dict]) -> None:
    """Time per item across sizes. Even orjson's grows once the output leaves the
    CPU caches, so a build's growth is judged against it: linear when its ratio
    to orjson does not grow with the size (at most 1.5x from smallest to largest)."""
    first, last = rows[0], rows[-1]
    for name in ("serialise", "cold", "warm"):
        per_item = ", ".join(f"{row[name] / row['items'] * 1e6:.2f}" for row in rows)
        line = f"growth {name}: µs per item {per_item}"
        if name != "serialise":
            trend = (last[name] / last["serialise"]) / (first[name] / first["serialise"])
            verdict = "linear" if trend <= 1.5 else "NOT linear"
            line += f"; ratio to orjson x{trend:.2f} from {first['items']} to {last['items']} items: {verdict}"
        print(line)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--repeat", type=int, default=0, help="best of N (default: by size)")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    repeats = {n: args.repeat or max(5, 20_000 // n) for n in sizes}
    rows = [measure(n, repeats[n]) for n in sizes]
    print(f"budget off; warm = {CHANGED:.0%} of items changed since the cached build; best of "
          + ", ".join(f"{repeats[n]} ({n})" for n in sizes))
    print(f"{'items':>7} {'orjson':>9} {'cold':>9} {'ratio':>6} {'µs/item':>8} {'warm':>9} {'ratio':>6} "
          f"{'µs/item':>8} {'feed MB':>8} {'peak cold':>10} {'peak warm':>10} {'cache MB':>9} {'floor':>6}")
    for row in rows:
        n = row["items"]
        print(f"{n:>7} {ms(row['serialise']):>9} {ms(row['cold']):>9} "
              f"{row['cold'] / row['serialise']:>5.1f}x {row['cold'] / n * 1e6:>8.1f} "
              f"{ms(row['warm']):>9} {row['warm'] / row['serialise']:>5.1f}x {row['warm'] / n * 1e6:>8.1f} "
              f"{row['bytes'] / 1e6:>8.2f} {row['cold_peak'] / 1e6:>8.1f}MB {row['warm_peak'] / 1e6:>8.1f}MB "
              f"{row['held'] / 1e6:>9.1f} {row['floor'] / row['serialise']:>5.1f}x")
    largest = max(sizes)
    capped = measure_budget(largest, repeats[largest])
    print(f"budget 450 KB, {largest} items: orjson {ms(capped['serialise'])} of a "
          f"{capped['bytes'] / 1e3:.0f} KB feed; cold {ms(capped['cold'])}, warm {ms(capped['warm'])} "
          f"({capped['warm'] / largest * 1e6:.2f} µs/item; ratio to orjson of its own output "
          f"{capped['warm'] / capped['serialise']:.0f}x, meaningless: the output is capped, the work is not)")
    print_growth(rows)
    for name in ("cold", "warm"):
        ratios = {row["items"]: row[name] / row["serialise"] for row in rows}
        met = [str(n) for n, ratio in ratios.items() if ratio <= 3]
        print(f"target {name} build+serialise <= 3x orjson alone: met at {', '.join(met) or 'no size'} "
              f"of {', '.join(str(n) for n in ratios)} items (worst {max(ratios.values()):.1f}x)")


if __name__ == "__main__":
    main()
