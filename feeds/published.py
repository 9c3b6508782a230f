"""A channel's published feeds as every process reads them: its own copy while it is
fresh, else the shared cache (Redis), else the store, which always has them.

So a Redis outage, or a Redis restarted empty, costs no viewer an error: a process
with no copy reads the store and puts the bytes back in Redis, nothing is rebuilt.
A name that is no channel costs a look in a set of the channel ids, read from the
store at most once per ``freshness`` seconds: nothing is kept per name asked for."""
from __future__ import annotations

import contextlib
import logging
import math
import time

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from feeds.metrics import CACHE_LOOKUPS
from feeds.snapshots import CacheUnavailable, LocalLocks, RedisCache, Snapshot
from feeds.store.published import channel_ids, live_etag, stored_snapshot

log = logging.getLogger(__name__)
HIT, FETCHED, STORE, STALE, MISS = (CACHE_LOOKUPS.labels(result=name)
                                    for name in ("hit", "fetched", "store", "stale", "miss"))


class PublishedFeeds:
    def __init__(self, Session: sessionmaker, shared: RedisCache | None,
                 freshness: float = 1.0) -> None:
        self.Session = Session
        self.shared = shared
        self.freshness = freshness
        self._local: dict[tuple[str, str], tuple[Snapshot, float]] = {}
        self._channels: frozenset[str] | None = None
        self._channels_read = -math.inf
        self._locks = LocalLocks()

    @property
    def redis(self):
        return self.shared.redis if self.shared else None

    def knows(self, channel: str) -> bool:
        """Whether ``channel`` is a channel, as of at most ``freshness`` seconds ago.
        Before the store has ever answered, every name is given the benefit."""
        now = time.monotonic()
        if now - self._channels_read >= self.freshness:
            self._channels_read = now
            try:
                with self.Session() as session:
                    self._channels = channel_ids(session)
            except SQLAlchemyError:
                log.warning("store unreachable: channel list not refreshed")
        return self._channels is None or channel in self._channels

    def get(self, channel: str, name: str) -> Snapshot | None:
        key = (channel, name)
        if not self.knows(channel):
            self._local.pop(key, None)
            MISS.inc()
            return None
        local = self._local.get(key)
        now = time.monotonic()
        if local and now - local[1] < self.freshness:
            HIT.inc()
            return local[0]
        snapshot = self._lookup(channel, name, local[0] if local else None)
        if snapshot is None:
            self._local.pop(key, None)
            MISS.inc()
            return None
        self._local[key] = (snapshot, now)
        return snapshot

    def _lookup(self, channel: str, name: str, local: Snapshot | None) -> Snapshot | None:
        if self.shared is not None:
            with contextlib.suppress(CacheUnavailable):
                return self._from_shared(channel, name, local)
        return self._from_store(channel, name, local, refill=False)

    def _from_shared(self, channel: str, name: str, local: Snapshot | None) -> Snapshot | None:
        etag = self.shared.etag(channel, name)
        if etag is not None:
            if local is not None and local.etag == etag:
                HIT.inc()
                return local
            if (snapshot := self.shared.snapshot(channel, name, etag)) is not None:
                FETCHED.inc()
                return snapshot
        return self._from_store(channel, name, local, refill=True)

    def _from_store(self, channel: str, name: str, local: Snapshot | None,
                    refill: bool) -> Snapshot | None:
        try:
            with self.Session() as session:
                etag = live_etag(session, channel, name)
                if etag is None:
                    return None
                snapshot = local if local is not None and local.etag == etag else \
                    stored_snapshot(session, channel, name, etag)
        except SQLAlchemyError:
            STALE.inc()
            return local
        if snapshot is not None and refill:
            with contextlib.suppress(CacheUnavailable):
                self.shared.put(channel, name, snapshot)
        STORE.inc()
        return snapshot

    def put(self, channel: str, name: str, snapshot: Snapshot) -> None:
        """Hold ``snapshot`` as the channel's ``name`` in this process and in Redis,
        once the store has it as live (``feeds.store.published.record_publish``).
        Raises ``CacheUnavailable`` when Redis could not take it: the store still
        serves it to every process, and Redis's pointer lapses within seconds."""
        self._local[(channel, name)] = (snapshot, time.monotonic())
        if self._channels is not None:
            self._channels |= {channel}
        if self.shared is not None:
            self.shared.put(channel, name, snapshot)

    def drop(self, channel: str, name: str) -> None:
        """The channel no longer serves ``name``: drop this process's copy and Redis's pointer."""
        self._local.pop((channel, name), None)
        if self.shared is not None:
            with contextlib.suppress(CacheUnavailable):
                self.shared.drop(channel, name)

    def forget(self, channel: str) -> None:
        """The channel is gone: drop this process's copies and Redis's."""
        for key in [key for key in self._local if key[0] == channel]:
            del self._local[key]
        self._channels_read = -math.inf
        if self.shared is not None:
            self.shared.forget(channel)

    def ping(self) -> bool:
        return self.shared.ping() if self.shared else True

    def lock(self, name: str, timeout: float) -> contextlib.AbstractContextManager[bool]:
        return (self.shared or self._locks).lock(name, timeout)
