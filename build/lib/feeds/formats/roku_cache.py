"""What the Roku builder made of each item, kept per process between publishes."""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import orjson


@dataclass(slots=True)
class Made:
    """What the builder makes of one item on its own, whatever the other items: its
    Roku object (an episode's without its number) and feed list, or why it is left
    out. Builds that reuse it share it, so nothing may change ``fields`` once made."""

    kind: str = ""
    fields: dict = field(default_factory=dict)
    series: str = ""
    season: int | None = None
    section: str = ""
    reason: str = ""
    key: tuple = ()
    body: bytes | None = None
    fragment: orjson.Fragment | None = None

    def __lt__(self, other: "Made") -> bool:
        """Never: builds sort rows, (published, id, made, item) tuples, by their
        first two fields. Ids are unique, but an item passed twice ties there,
        and the first passed stays first, as with a sort by key."""
        return False

    def to_bytes(self) -> bytes:
        """``orjson.dumps(self.fields)``, copied to its exact size: orjson's result
        keeps the whole buffer it wrote into (4 KB at least), three times an
        item's size, and these bytes are kept."""
        if self.body is None:
            self.body = memoryview(orjson.dumps(self.fields)).tobytes()
        return self.body

    def to_fragment(self) -> orjson.Fragment:
        """The bytes, for orjson to copy into a document as they are; kept, not
        made again for every item at every build."""
        if self.fragment is None:
            self.fragment = orjson.Fragment(self.to_bytes())
        return self.fragment


class ItemCache:
    """What the builder made of each item of a channel at the channel's last full
    build, kept per process for the next one: between two publishes almost every
    item is unchanged. An item's entry is reused only while its ``content_hash``
    (which covers every stored content field), its publication time and its
    source's shape are the same, and a channel's entries only while the channel
    settings an item's object depends on are (see ``RokuBuilder.setting``). Each
    build replaces its channel's entries, so items no longer built fall out; past
    ``channels`` channels, the least recently built go."""

    def __init__(self, channels: int = 256) -> None:
        self.channels = channels
        self.entries: OrderedDict[str, tuple[tuple, dict[str, Made]]] = OrderedDict()
        self.lock = threading.Lock()

    def previous(self, channel_id: str, setting: tuple) -> dict[str, Made]:
        with self.lock:
            entry = self.entries.get(channel_id)
        return entry[1] if entry is not None and entry[0] == setting else {}

    def replace(self, channel_id: str, setting: tuple, made: dict[str, Made]) -> None:
        with self.lock:
            self.entries[channel_id] = (setting, made)
            self.entries.move_to_end(channel_id)
            while len(self.entries) > self.channels:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


CACHE = ItemCache()
