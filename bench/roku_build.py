"""How the Roku feed builder scales: 1,000, 10,000 and 50,000 in-memory items.

    .venv/bin/python bench/roku_build.py [--sizes 1000,10000,50000] [--repeat 3]

For each size: the time to build the feed (size budget off: this measures the
builder, not the cut) and serialise it with orjson, against serialising the same
output dicts with orjson alone, as a ratio (target: at most 3x); the time per item;
the peak memory of a build (tracemalloc, measured in a separate run since tracing
slows Python down); and at the end whether the time per item stays roughly constant.
"""
from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson  # noqa: E402

from feeds.roku import Shape, build_roku_feed  # noqa: E402
from feeds.tables import Channel, Item  # noqa: E402

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
SECTIONS = ["News", "Sport", "Business", "Culture", "Weather", "Science"]
WORDS = "the minister said on tuesday that talks would continue into the night".split()
SHAPES = {1: Shape(), 2: Shape(roku_type="movies"),
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
    return items


CHANNEL = Channel(id="bench", title="Bench News", provider_name="Bench News", language="en",
                  timezone="Europe/London", default_thumbnail="https://img.example/channel.jpg")


def build(items: list[Item]) -> dict:
    return build_roku_feed(CHANNEL, items, NOW, SHAPES, budget=None).doc


def best_of(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_memory(items: list[Item]) -> int:
    tracemalloc.start()
    orjson.dumps(build(items))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def measure(count: int, repeat: int) -> dict:
    items = make_items(count)
    doc = build(items)
    full = best_of(repeat, lambda: orjson.dumps(build(items)))
    serialise = best_of(repeat, lambda: orjson.dumps(doc))
    return {"items": count, "build": full, "serialise": serialise, "ratio": full / serialise,
            "per_item_us": full / count * 1e6, "bytes": len(orjson.dumps(doc)),
            "peak": peak_memory(items)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = [measure(int(size), args.repeat) for size in args.sizes.split(",")]
    print(f"{'items':>7} {'build+dump':>11} {'dump only':>10} {'ratio':>6} {'µs/item':>8} "
          f"{'feed MB':>8} {'peak MB':>8}")
    for row in rows:
        print(f"{row['items']:>7} {row['build'] * 1000:>9.1f}ms {row['serialise'] * 1000:>8.1f}ms "
              f"{row['ratio']:>5.1f}x {row['per_item_us']:>8.1f} {row['bytes'] / 1e6:>8.2f} "
              f"{row['peak'] / 1e6:>8.1f}")
    per_item = [row["per_item_us"] for row in rows]
    spread = max(per_item) / min(per_item)
    verdict = "linear" if spread < 1.5 else "NOT linear"
    print(f"growth: {verdict} (time per item varies {spread:.2f}x from {min(per_item):.1f} "
          f"to {max(per_item):.1f} µs across sizes)")
    worst = max(row["ratio"] for row in rows)
    print(f"target build+serialise <= 3x serialise alone: {'met' if worst <= 3 else 'NOT met'} "
          f"(worst {worst:.1f}x)")


if __name__ == "__main__":
    main()
