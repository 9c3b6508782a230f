"""Everything a process needs to reach the store and the snapshot cache, built
once from the settings: the web app, the workers and the CLI all hold one."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from feeds import demo
from feeds.settings import Settings
from feeds.snapshots import MemorySnapshots, RedisSnapshots, make_snapshots
from feeds.store.engine import create_all, make_engine, make_sessionmaker


@dataclass
class Backend:
    settings: Settings
    engine: Engine
    Session: sessionmaker
    snapshots: MemorySnapshots | RedisSnapshots

    @classmethod
    def from_settings(cls, settings: Settings) -> "Backend":
        engine = make_engine(settings.database_url)
        create_all(engine)
        backend = cls(settings, engine, make_sessionmaker(engine),
                      make_snapshots(settings.redis_url))
        if settings.load_demo:
            with backend.Session() as session:
                demo.load_demo(session)
        return backend

    def close(self) -> None:
        self.engine.dispose()
