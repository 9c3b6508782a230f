"""Published feed bytes as the caches hold them: a ``Snapshot`` (body, its gzip, a
strong ETag, when it was published), locks, and the Redis copy shared by every
process. The store keeps the truth (``feeds.store.published``); ``feeds.published``
reads through the layers."""
from __future__ import annotations

import contextlib
import gzip
import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Iterator

import redis

OLD_SNAPSHOT_TTL = 3600
POINTER_TTL = 30
"""A pointer set in Redis while a publish could not reach it would leave Redis serving
older bytes than the store: pointers expire, and are read again from the store."""


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


class LocalLocks:
    """Locks of one process: the embedded mode, where nothing is shared."""

    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

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


class RedisCache:
    """Snapshots and locks shared by every web host and worker through Redis: each
    snapshot stored whole under its ETag, then a channel's pointer moved to it."""

    def __init__(self, url: str, prefix: str = "channel") -> None:
        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2,
                                          health_check_interval=10)
        self.prefix = prefix

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
            old = self.redis.set(self._pointer(channel, name), snapshot.etag, ex=POINTER_TTL, get=True)
        except redis.RedisError as exc:
            raise CacheUnavailable(f"cache unreachable: {exc}") from exc
        if old and old.decode() != snapshot.etag:
            with contextlib.suppress(redis.RedisError):
                self.redis.expire(self._blob(channel, name, old.decode()), OLD_SNAPSHOT_TTL)

    def etag(self, channel: str, name: str) -> str | None:
        """The ETag the channel's format points at, ``None`` when Redis has none."""
        try:
            etag = self.redis.get(self._pointer(channel, name))
        except redis.RedisError as exc:
            raise CacheUnavailable(f"cache unreachable: {exc}") from exc
        return etag.decode() if etag is not None else None

    def snapshot(self, channel: str, name: str, etag: str) -> Snapshot | None:
        try:
            fields = self.redis.hgetall(self._blob(channel, name, etag))
        except redis.RedisError as exc:
            raise CacheUnavailable(f"cache unreachable: {exc}") from exc
        if not fields:
            return None
        return Snapshot(body=fields[b"body"], gzip=fields[b"gzip"], etag=etag,
                        content_type=fields[b"content_type"].decode(),
                        published_at=float(fields[b"published_at"]))

    def drop(self, channel: str, name: str) -> None:
        try:
            self.redis.delete(self._pointer(channel, name))
        except redis.RedisError as exc:
            raise CacheUnavailable(f"cache unreachable: {exc}") from exc

    def forget(self, channel: str) -> None:
        """Drop every key of the channel: pointers and blobs."""
        try:
            for pattern in (f"{self.prefix}:snap:{channel}:*", f"{self.prefix}:blob:{channel}:*"):
                keys = list(self.redis.scan_iter(match=pattern, count=500))
                if keys:
                    self.redis.delete(*keys)
        except redis.RedisError as exc:
            raise CacheUnavailable(f"cache unreachable: {exc}") from exc

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
