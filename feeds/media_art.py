"""The artwork part of preparing a channel: each item's tile (and, for movies and series
when the channel asks, its 2:3 poster), from its image, else a title card.

One job per source image and size, however many items share it; a made file or a lasting
failure is kept (``Artwork``), so an image is fetched and made once. A failed image is
tried again after ``retry_artwork``: a 404 today may be there tomorrow."""
from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime

import requests
from sqlalchemy.orm import Session

from feeds.errors import FeedError
from feeds.formats.renditions import is_url
from feeds.ingest.artwork import ArtworkError, Spec, Tile, make_tile, title_card
from feeds.ingest.fetch import fetch
from feeds.media_settings import MediaSettings
from feeds.store import media as store
from feeds.store.tables import Channel, Item

log = logging.getLogger("feeds.prepare")
IMAGE_BYTES = 15 * 1024 * 1024
IMAGE_DEADLINE = 20.0


@dataclass(frozen=True)
class Art:
    """An item's artwork: the tile's (and poster's) digest, and why it is a card."""

    tile: str | None
    poster: str | None = None
    note: str = ""


@dataclass
class _Made:
    digest: str | None
    error: str = ""


def fetch_and_make(url: str, spec: Spec, background: str, http: requests.Session | None,
                   allow_private: bool) -> Tile:
    """The tile of the image at ``url``; ``ArtworkError`` saying why not."""
    try:
        fetched = fetch(url, allow_private=allow_private, session=http, max_bytes=IMAGE_BYTES,
                        deadline=IMAGE_DEADLINE)
    except FeedError as exc:
        raise ArtworkError(f"could not fetch the image: {exc.message}") from None
    return make_tile(fetched.body, spec, background)


class ArtworkJobs:
    def __init__(self, session: Session, pool: ThreadPoolExecutor, channel: Channel,
                 settings: MediaSettings, http: requests.Session | None, allow_private: bool,
                 now: datetime) -> None:
        self.session, self.pool, self.channel, self.settings = session, pool, channel, settings
        self.http, self.allow_private, self.now = http, allow_private, now
        self.images: dict[str, _Made | Future] = {}
        self.cards: int = 0
        self.made: int = 0
        self.wants: dict[str, list[tuple[str, Spec, str]]] = {}
        self.sources: dict[str, str] = {}
        self.spec_of: dict[str, str] = {}
        self.notes: dict[str, str] = {}

    def start(self, items: list[Item], posters: set[int]) -> None:
        """Look up or start the image job of each item's tile (and poster)."""
        for item in items:
            shapes = [("tile", self.settings.tile)]
            if item.source_id in posters and item.kind != "live":
                shapes.append(("poster", self.settings.poster))
            source = item.image_url if is_url(item.image_url) else ""
            self.wants[item.id] = []
            for shape, spec in shapes:
                key = store.key_of("image", source, spec.key) if source else ""
                self.wants[item.id].append((shape, spec, key))
                if key and key not in self.images:
                    self.sources[key], self.spec_of[key] = source, spec.key
                    self.images[key] = self._known(key) or self.pool.submit(
                        fetch_and_make, source, spec, self.settings.colours.background,
                        self.http, self.allow_private)

    def _known(self, key: str) -> _Made | None:
        row = store.get_artwork(self.session, key)
        if row is None or (row.digest is None and row.made_at < self.now - self.settings.retry_artwork):
            return None
        return _Made(row.digest, row.error)

    def finish(self, left: Callable[[], float]) -> None:
        """Wait for the image jobs (no longer than ``left()``), keep what they made,
        then draw the cards of the items whose image did not make a tile."""
        running = {key: job for key, job in self.images.items() if isinstance(job, Future)}
        done, _ = wait(running.values(), timeout=left())
        for key, job in running.items():
            if job in done:
                self.images[key] = self._keep(key, self.sources[key], job)
        self.session.commit()
        cards: dict[str, Future] = {}
        for item_id, shapes in self.wants.items():
            self._plan_cards(item_id, shapes, cards)
        done, _ = wait(cards.values(), timeout=left())
        for key, job in cards.items():
            if job in done:
                self.images[key] = self._keep(key, "card", job)
        self.session.commit()

    def _keep(self, key: str, source: str, job: Future) -> _Made:
        spec_key = self.spec_of[key]
        try:
            tile: Tile = job.result()
        except ArtworkError as exc:
            store.put_artwork(self.session, key, source, spec_key, None, str(exc), self.now)
            return _Made(None, str(exc))
        except Exception as exc:  # a bug on one image must not lose the others
            log.exception("artwork from %s failed", source)
            return _Made(None, f"internal error making artwork: {type(exc).__name__}")
        digest = store.put_file(self.session, tile.body, tile.width, tile.height)
        store.put_artwork(self.session, key, source, spec_key, digest, "", self.now)
        if source == "card":
            self.cards += 1
        else:
            self.made += 1
        return _Made(digest)

    def _plan_cards(self, item_id: str, shapes: list[tuple[str, Spec, str]], cards: dict[str, Future]) -> None:
        item = self.session.get(Item, item_id)
        for index, (shape, spec, key) in enumerate(shapes):
            made = self.images.get(key) if key else _Made(None, "no image")
            if isinstance(made, Future) or made is None or made.digest:
                continue
            words = (self.channel.title or self.channel.id, _section(item), " ".join((item.title or "").split()))
            colours = self.settings.colours
            card_key = store.key_of("card", *words, spec.key, repr(colours))
            shapes[index] = (shape, spec, card_key)
            self.spec_of[card_key] = spec.key
            self.notes.setdefault(item_id, made.error)
            if card_key in self.images or card_key in cards:
                continue
            known = self._known(card_key)
            if known is not None:
                self.images[card_key] = known
            else:
                cards[card_key] = self.pool.submit(title_card, *words, spec, colours)

    def result(self, item: Item) -> Art | None:
        """The item's artwork, or ``None`` when its jobs did not finish in time."""
        found: dict[str, str | None] = {}
        for shape, _, key in self.wants.get(item.id, []):
            made = self.images.get(key)
            if not isinstance(made, _Made):
                return None
            found[shape] = made.digest
        return Art(found.get("tile"), found.get("poster"), self.notes.get(item.id, ""))


def _section(item: Item) -> str:
    return str(item.categories[0]) if item.categories else ""
