"""Everything a process needs to reach the store and the snapshot cache, built
once from the settings: the web app, the workers and the CLI all hold one."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from feeds import demo
from feeds.published import PublishedFeeds
from feeds.settings import Settings
from feeds.snapshots import RedisCache
from feeds.store import migrate
from feeds.store.engine import make_engine, make_sessionmaker


@dataclass
class Backend:
    settings: Settings
    engine: Engine
    Session: sessionmaker
    snapshots: PublishedFeeds

    @classmethod
    def from_settings(cls, settings: Settings) -> "Backend":
        engine = make_engine(settings.database_url)
        Session = make_sessionmaker(engine)
        shared = RedisCache(settings.redis_url) if settings.redis_url else None
        return cls(settings, engine, Session, PublishedFeeds(Session, shared))

    def prepare(self, *, upgrade: bool = False) -> None:
        """Check the store's schema (or bring it up to date, in the one process
        allowed to), then load the demo channel where the settings ask for it.
        Raises ``migrate.SchemaOutOfDate`` when the schema is behind."""
        if upgrade:
            migrate.upgrade(self.engine)
        else:
            migrate.require_current(self.engine)
        if self.settings.load_demo:
            with self.Session() as session:
                demo.load_demo(session)

    def close(self) -> None:
        self.engine.dispose()
