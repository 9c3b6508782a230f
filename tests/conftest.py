"""Fixtures shared by every layer: settings on a temporary SQLite file, a database
of its own on the local PostgreSQL, a Redis database number of its own, the app."""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import psycopg
import pytest
import redis
from sqlalchemy import MetaData

from channel import create_app
from feeds.backend import Backend
from feeds.settings import Settings
from feeds.store import migrate
from feeds.store.engine import make_engine

SHARED = Path(__file__).resolve().parents[2] / "shared"
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
ADMIN_TOKEN = "test-admin-token"


def shared(*parts: str) -> Path:
    """A file of ``../shared`` (the seed article, the corpora). A test that reads one
    fails, saying what is missing, when the folder is not beside the repository."""
    if not SHARED.is_dir():
        pytest.fail(f"{SHARED} is missing: the seed and corpus tests read it from beside "
                    "the repository (a copy of the project's shared/ folder)", pytrace=False)
    return SHARED.joinpath(*parts)


def make_settings(database_url: str, **changes) -> Settings:
    values = dict(database_url=database_url, redis_url=None, admin_token=ADMIN_TOKEN,
                  fetch_allow_private=True, port=0, load_demo=False, tick_seconds=0.2,
                  media_checks=False)  # tests' made-up hosts never answer; media tests turn it on
    values.update(changes)
    return Settings(**values)


@pytest.fixture(scope="session")
def postgres_url():
    """A database of this run's own on the local PostgreSQL, dropped at the end."""
    name = f"channel_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _reset_postgres(url: str) -> None:
    engine = make_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    metadata.drop_all(engine)
    engine.dispose()


def migrated(url: str) -> str:
    """``url`` with its store brought to the current schema, as ``channel db upgrade``
    does before a deployment's processes start."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite store, copied for each test rather than migrated again."""
    path = tmp_path_factory.mktemp("template") / "store.db"
    migrated(f"sqlite:///{path}")
    return path


def sqlite_copy(template: Path, folder: Path) -> str:
    shutil.copyfile(template, folder / "store.db")
    return f"sqlite:///{folder / 'store.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, sqlite_template):
    """Runs the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return sqlite_copy(sqlite_template, tmp_path)
    url = request.getfixturevalue("postgres_url")
    _reset_postgres(url)
    return migrated(url)


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template) -> str:
    return sqlite_copy(sqlite_template, tmp_path)


@pytest.fixture
def backend(sqlite_url):
    current = Backend.from_settings(make_settings(sqlite_url))
    yield current
    current.close()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A redis-server of this test run's own (real Redis, on a free port), so that
    runs on one machine never share or flush each other's keys. Set
    ``TEST_REDIS_URL`` to use another server instead."""
    if TEST_REDIS_URL:
        yield TEST_REDIS_URL
        return
    server = PrivateRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server.url
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    """The test's Redis, emptied before and after."""
    client = redis.Redis.from_url(redis_server)
    client.flushdb()
    yield redis_server
    client.flushdb()
    client.close()


@pytest.fixture
def app(sqlite_url):
    app = create_app(make_settings(sqlite_url), run_tasks=False)
    app.config["TESTING"] = True
    yield app
    app.extensions["backend"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def demo_app(sqlite_url):
    """The app with the bundled demo channel loaded, refreshed and published."""
    app = create_app(make_settings(sqlite_url, load_demo=True), run_tasks=False)
    app.config["TESTING"] = True
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    yield app
    app.extensions["backend"].close()


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


class PrivateRedis:
    """A redis-server of the test's own on a free port, to stop and start at will."""

    def __init__(self, workdir: Path):
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        import subprocess
        import time

        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()
