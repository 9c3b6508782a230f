"""Published feed bytes, swapped in atomically: in process memory, or in Redis.

A snapshot is immutable: body, its gzip, a strong ETag and when it was published.
Publishing stores the new snapshot whole, then moves the channel's pointer to it.
Readers never see half a feed. The Redis store also keeps the last snapshot it saw
in the process, so the web tier keeps serving when Redis is down, and checks the
pointer at most once per ``freshness`` seconds (one cheap GET)."""
from __future__ import annotations

import contextlib
import gzip
import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Iterator

import redis

from feeds.metrics import CACHE_LOOKUPS

OLD_SNAPSHOT_TTL = 3600
HIT, FETCHED, STALE, MISS = (CACHE_LOOKUPS.labels(result=name)
                             for name in ("hit", "fetched", "stale", "miss"))


@dataclass(frozen=True)
class Snapshot:
    body: bytes
    gzip: bytes
    etag: str
    content_type: str
    published_at: float

    @classmethod
    def of(cls, body: bytes, content_type: str, published_at: float | None = None) -> "Snapshot":
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        return cls(body=body, gzip=gzip.compress(body, compresslevel=6, mtime=0), etag=etag,
                   content_type=content_type, published_at=published_at or time.time())


class CacheUnavailable(Exception):
    """The shared cache (Redis) could not be reached."""


class MemorySnapshots:
    """The embedded default: one process, nothing shared."""

    def __init__(self) -> None:
        self._data: dict[tuple[str, str], Snapshot] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def put(self, channel: str, name: str, snapshot: Snapshot) -> None:
        self._data[(channel, name)] = snapshot

    def get(self, channel: str, name: str) -> Snapshot | None:
        snapshot = self._data.get((channel, name))
        (HIT if snapshot else MISS).inc()
        return snapshot

    def ping(self) -> bool:
        return True

    @contextlib.contextmanager
    def lock(self, name: str, timeout: float) -> Iterator[bool]:
        with self._guard:
            lock = self._locks.setdefault(name, threading.Lock())
        acquired = lock.acquire(blocking=False)
        try:
            yield acquired
        finally:
            if acquired:
                lock.release()


class RedisSnapshots:
    """Snapshots shared by every web host and worker through Redis."""

    def __init__(self, url: str, freshness: float = 1.0, prefix: str = "channel") -> None:
        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2,
                                          health_check_interval=10)
        self.freshness = freshness
        self.prefix = prefix
        self._local: dict[tuple[str, str], tuple[Snapshot, float]] = {}

    def _pointer(self, channel: str, name: str) -> str:
        return f"{self.prefix}:snap:{channel}:{name}"

    def _blob(self, channel: str, name: str, etag: str) -> str:
        return f"{self.prefix}:blob:{channel}:{name}:{etag.strip(chr(34))}"

    def put(self, channel: str, name: str, snapshot: Snapshot) -> None:
        blob = self._blob(channel, name, snapshot.etag)
        try:
            self.redis.hset(blob, mapping={
                "body": snapshot.body, "gzip": snapshot.gzip, "etag": snapshot.etag,
                "content_type": snapshot.content_type, "published_at": repr(snapshot.published_at)})
            self.redis.persist(blob)
            old = self.redis.set(self._pointer(channel, name), snapshot.etag, get=True)
        except redis.RedisError as exc:
            raise CacheUnavailable(f"cache unreachable: {exc}") from exc
        if old and old.decode() != snapshot.etag:
            with contextlib.suppress(redis.RedisError):
                self.redis.expire(self._blob(channel, name, old.decode()), OLD_SNAPSHOT_TTL)
        self._local[(channel, name)] = (snapshot, time.monotonic())

    def get(self, channel: str, name: str) -> Snapshot | None:
        key = (channel, name)
        local = self._local.get(key)
        now = time.monotonic()
        if local and now - local[1] < self.freshness:
            HIT.inc()
            return local[0]
        try:
            snapshot = self._fetch(channel, name, local[0] if local else None)
        except redis.RedisError:
            (STALE if local else MISS).inc()
            return local[0] if local else None
        if snapshot is None:
            MISS.inc()
            return None
        fresh = local is not None and snapshot is local[0]
        (HIT if fresh else FETCHED).inc()
        self._local[key] = (snapshot, now)
        return snapshot

    def _fetch(self, channel: str, name: str, local: Snapshot | None) -> Snapshot | None:
        etag = self.redis.get(self._pointer(channel, name))
        if etag is None:
            return local
        etag = etag.decode()
        if local is not None and local.etag == etag:
            return local
        fields = self.redis.hgetall(self._blob(channel, name, etag))
        if not fields:
            return local
        return Snapshot(body=fields[b"body"], gzip=fields[b"gzip"], etag=etag,
                        content_type=fields[b"content_type"].decode(),
                        published_at=float(fields[b"published_at"]))

    def ping(self) -> bool:
        try:
            return bool(self.redis.ping())
        except redis.RedisError:
            return False

    @contextlib.contextmanager
    def lock(self, name: str, timeout: float) -> Iterator[bool]:
        """A lock that expires ``timeout`` seconds after its holder stops renewing
        it: the holder renews it on a thread while it works, so a holder killed
        mid-work (SIGKILL, OOM) frees it within ``timeout`` seconds."""
        lock = self.redis.lock(f"{self.prefix}:lock:{name}", timeout=timeout, blocking=False,
                               thread_local=False)
        try:
            acquired = lock.acquire()
        except redis.RedisError as exc:
            raise CacheUnavailable(f"cache unreachable: {exc}") from exc
        done = threading.Event()
        if acquired:
            threading.Thread(target=_renew, args=(lock, timeout, done), daemon=True).start()
        try:
            yield acquired
        finally:
            done.set()
            if acquired:
                with contextlib.suppress(redis.RedisError, redis.exceptions.LockError):
                    lock.release()


def _renew(lock, timeout: float, done: threading.Event) -> None:
    while not done.wait(timeout / 3):
        with contextlib.suppress(redis.RedisError, redis.exceptions.LockError):
            lock.reacquire()


def make_snapshots(redis_url: str | None) -> MemorySnapshots | RedisSnapshots:
    return RedisSnapshots(redis_url) if redis_url else MemorySnapshots()
