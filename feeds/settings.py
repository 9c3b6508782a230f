"""Settings from the environment, with the embedded defaults of DESIGN.md when unset."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

INSTANCE_DIR = Path(os.environ.get("CHANNEL_INSTANCE_DIR", Path.cwd() / "instance"))
TRUE_WORDS = {"1", "true", "yes", "on"}


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in TRUE_WORDS


def _wants_demo(env) -> bool:
    """The demo channel belongs to the embedded mode: a store or cache of a real
    deployment gets it only when ``CHANNEL_DEMO`` asks."""
    if "CHANNEL_DEMO" in env:
        return _flag(env["CHANNEL_DEMO"])
    return not (_flag(env.get("CHANNEL_NO_DEMO")) or env.get("DATABASE_URL") or env.get("REDIS_URL"))


def public_url(environ: dict[str, str] | None = None) -> str:
    """Where set-top boxes reach this service (``CHANNEL_PUBLIC_URL``), ending in ``/``:
    the base of the artwork addresses the feeds carry. By default the embedded server's
    own address, as the demo's."""
    env = os.environ if environ is None else environ
    base = (env.get("CHANNEL_PUBLIC_URL") or "").strip() or f"http://127.0.0.1:{env.get('PORT') or 8000}/"
    return base if base.endswith("/") else base + "/"


def media_url(digest: str, base: str | None = None) -> str:
    """The address of a file the workers made (a tile, a poster, a title card)."""
    return f"{base or public_url()}media/{digest}.jpg"


@dataclass(frozen=True)
class Retention:
    """A publish is kept while it is among the newest ``keep`` of its channel, younger
    than ``days``, or live."""

    keep: int = 50
    days: float = 7.0


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    admin_token: str | None
    fetch_allow_private: bool
    port: int
    load_demo: bool = True
    tick_seconds: float = 5.0
    admin_tokens: str = ""
    keep_publishes: int = 50
    keep_days: float = 7.0
    media_checks: bool = True
    # WebSub (``CHANNEL_WEBSUB``, on by default): subscribe to the hubs that feeds advertise,
    # asking for ``CHANNEL_WEBSUB_LEASE_SECONDS``; while a lease is active the source is
    # polled ``CHANNEL_WEBSUB_POLL_FACTOR`` times less often, never less than once in
    # ``CHANNEL_WEBSUB_POLL_MAX`` seconds (nor more often than its own interval).
    websub_enabled: bool = True
    websub_lease_seconds: int = 10 * 86400
    websub_poll_factor: float = 4.0
    websub_poll_max: int = 6 * 3600

    def retention(self) -> Retention:
        return Retention(keep=self.keep_publishes, days=self.keep_days)

    def named_tokens(self) -> dict[str, str]:
        """Admin tokens by name: ``CHANNEL_ADMIN_TOKEN`` is "admin"; ``CHANNEL_ADMIN_TOKENS``
        adds ``name:token`` pairs, comma-separated. Empty tokens are never accepted."""
        pairs = (entry.partition(":") for entry in self.admin_tokens.split(","))
        tokens = {name.strip(): token.strip() for name, _, token in pairs if name.strip() and token.strip()}
        if self.admin_token:
            tokens.setdefault("admin", self.admin_token)
        return tokens

    @property
    def embedded(self) -> bool:
        """No Redis configured: in-process cache and refreshes on a thread."""
        return not self.redis_url

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        return cls(
            database_url=env.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'channel.db'}",
            redis_url=env.get("REDIS_URL") or None,
            admin_token=env.get("CHANNEL_ADMIN_TOKEN") or None,
            fetch_allow_private=_flag(env.get("CHANNEL_FETCH_ALLOW_PRIVATE")),
            port=int(env.get("PORT") or 8000),
            load_demo=_wants_demo(env),
            tick_seconds=float(env.get("CHANNEL_TICK_SECONDS") or 5),
            admin_tokens=env.get("CHANNEL_ADMIN_TOKENS") or "",
            keep_publishes=int(env.get("CHANNEL_KEEP_PUBLISHES") or 50),
            keep_days=float(env.get("CHANNEL_KEEP_DAYS") or 7),
            media_checks=_flag(env.get("CHANNEL_MEDIA_CHECKS") or "1"),
            websub_enabled=_flag(env.get("CHANNEL_WEBSUB") or "1"),
            websub_lease_seconds=int(env.get("CHANNEL_WEBSUB_LEASE_SECONDS") or 10 * 86400),
            websub_poll_factor=float(env.get("CHANNEL_WEBSUB_POLL_FACTOR") or 4),
            websub_poll_max=int(env.get("CHANNEL_WEBSUB_POLL_MAX") or 6 * 3600),
        )
