"""What a Roku deep link resolves to: an item, an episode in its series, a series."""
from __future__ import annotations

import pytest

from feeds.formats import deeplink
from feeds.formats.roku import series_id
from feeds.model import Entry, Video
from feeds.store.tables import Channel
from tests.feeds.conftest import add, entry, page


@pytest.fixture
def store(catalog_store):
    return catalog_store


def video(key: str, minutes: int) -> Entry:
    return entry(key, minutes, kind="video", duration=60,
                 videos=[Video(url=f"https://cdn.example/{key}.m3u8", type="application/x-mpegURL")])


def resolve(store, content_id: str):
    with store.Session() as session:
        return deeplink.find_playable(session, session.get(Channel, "news"), content_id)


def ids(store) -> dict[str, str]:
    return {item.key: item.id for item in page(store, limit=100).items}


def test_find_playable_resolves_items_episodes_and_series(store):
    add(store, [video("clip", 5), entry("text", 6)])
    add(store, [video(f"ep{n}", n) for n in range(3)], source_id=2)
    known = ids(store)
    kind, clip = resolve(store, known["clip"])
    assert kind == "shortFormVideo" and clip["id"] == known["clip"]
    kind, episode = resolve(store, known["ep1"])
    assert kind == "episode" and episode["episodeNumber"] == 2
    kind, series = resolve(store, series_id("news", "Weekly Review"))
    assert kind == "series" and len(series["episodes"]) == 3
    assert resolve(store, known["text"]) is None
    assert resolve(store, "nothing") is None
