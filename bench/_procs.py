"""Private services for the benches and the fault drills: a redis-server, a
PostgreSQL cluster, gunicorn (the Procfile's ``web`` line), Celery workers, nginx
and an upstream publisher, each on a free loopback port in a temporary folder.

Nothing here touches the machine's own PostgreSQL (5432) or Redis (6379): every
service is started by the script that uses it and stopped by it, always."""
from __future__ import annotations

import contextlib
import http.client
import os
import random
import shlex
import shutil
import signal
import socket
import string
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
ADMIN_TOKEN = "bench-admin-token"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_USER = "pgdrill"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check, timeout: float = 30, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            result = check()
            if result:
                return result
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout} s waiting for {what}")


def need(*tools: str) -> None:
    """Stop with how to install the tools that are missing."""
    hints = {"wrk": "apt-get install -y wrk", "nginx": "apt-get install -y nginx-light",
             "redis-server": "apt-get install -y redis-server",
             "py-spy": ".venv/bin/pip install py-spy==0.4.1"}
    missing = [tool for tool in tools if not which(tool)]
    if missing:
        lines = [f"  {tool}: {hints.get(tool, 'install it')}" for tool in missing]
        sys.exit("missing tools (run `apt-get update` once first):\n" + "\n".join(lines))


def which(tool: str) -> str | None:
    local = Path(PYTHON).parent / tool
    return str(local) if local.exists() else shutil.which(tool) or (
        f"/usr/sbin/{tool}" if Path(f"/usr/sbin/{tool}").exists() else None)


def http_get(port: int, path: str, headers: dict | None = None, timeout: float = 5):
    """(status, headers, body) of one GET on 127.0.0.1:``port``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


class Proc:
    """A child in a session of its own, logging to a file; stopped by its group."""

    def __init__(self, args: list[str], log: Path, env: dict | None = None, cwd: Path = REPO):
        self.args = args
        self.log = log
        self.process = subprocess.Popen(args, cwd=cwd, env=env, stdout=log.open("ab"),
                                        stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def signal(self, sig: int) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)

    def stop(self, grace: float = 15) -> None:
        if not self.alive():
            return
        self.signal(signal.SIGTERM)
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            self.kill()


# --- Redis --------------------------------------------------------------------------------

class PrivateRedis:
    """A redis-server of our own; ``kill`` and ``start`` again keep the same port."""

    def __init__(self, workdir: Path, port: int | None = None):
        self.workdir = workdir
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: Proc | None = None

    def start(self) -> "PrivateRedis":
        import redis

        self.proc = Proc(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                          "--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
                         self.workdir / "redis.log")
        client = redis.Redis(port=self.port)
        wait_for(client.ping, 10, 0.05, "private redis-server")
        client.close()
        return self

    def kill(self) -> None:
        if self.proc:
            self.proc.kill()

    def stop(self) -> None:
        if self.proc:
            self.proc.stop(5)


# --- PostgreSQL ---------------------------------------------------------------------------

class PrivatePostgres:
    """A throwaway PostgreSQL 15 cluster, run by an unprivileged user (PostgreSQL
    refuses to run as root), with its socket and data in a folder of its own."""

    def __init__(self, workdir: Path, port: int | None = None):
        self.dir = workdir / "pg"
        self.port = port or free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_user(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", PG_USER, "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *args], check=check, capture_output=True, text=True)

    def init(self) -> "PrivatePostgres":
        if not (PG_BIN / "initdb").exists():
            sys.exit("PostgreSQL 15 server binaries missing: apt-get install -y postgresql-15")
        if os.geteuid() == 0:
            if subprocess.run(["id", PG_USER], capture_output=True).returncode != 0:
                subprocess.run(["useradd", "-r", "-M", "-s", "/usr/sbin/nologin", PG_USER], check=True)
            os.chmod(self.dir.parent, 0o755)
            self.dir.mkdir()
            shutil.chown(self.dir, PG_USER, PG_USER)
        self._as_user(str(PG_BIN / "initdb"), "-D", str(self.dir / "data"), "-A", "trust",
                      "-U", "postgres", "--no-sync")
        return self

    def start(self) -> "PrivatePostgres":
        self._as_user(str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-w", "-o",
                      f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
                      "-l", str(self.dir / "log"), "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        self._as_user(str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", mode, "-w",
                      "stop", check=False)

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def running(self) -> bool:
        return self._as_user(str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "status",
                             check=False).returncode == 0


# --- the project's own processes ---------------------------------------------------------

def service_env(database_url: str, redis_url: str | None, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "CHANNEL_NO_DEMO": "1",
           "CHANNEL_FETCH_ALLOW_PRIVATE": "1", "CHANNEL_ADMIN_TOKEN": ADMIN_TOKEN,
           "PYTHONPATH": str(REPO), "PATH": f"{Path(PYTHON).parent}:{os.environ.get('PATH', '')}"}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def procfile_command(name: str) -> list[str]:
    for line in (REPO / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return shlex.split(line.split(":", 1)[1])
    raise LookupError(f"no {name!r} in Procfile")


def start_web(env: dict, port: int, log: Path, **overrides: str) -> Proc:
    """gunicorn exactly as the Procfile's ``web`` line starts it, on ``port``."""
    args = procfile_command("web")
    args = [which(args[0]) or args[0], *args[1:]]
    proc = Proc(args, log, env={**env, "PORT": str(port), **overrides})
    wait_for(lambda: http_get(port, "/healthz")[0] == 200 or not proc.alive(), 60, 0.2,
             "gunicorn to answer /healthz")
    if not proc.alive():
        raise RuntimeError(f"gunicorn died:\n{log.read_text()[-3000:]}")
    return proc


def start_worker(env: dict, name: str, log: Path, concurrency: int = 1) -> Proc:
    """A Celery worker as tests/workers/conftest.py starts one."""
    proc = Proc([PYTHON, "-m", "celery", "-A", "workers.celery_app", "worker", "--loglevel=INFO",
                 f"--concurrency={concurrency}", "--pool=prefork", "-n", f"{name}@%h",
                 "--without-mingle", "--without-gossip", "-Q", "channel"], log, env=env)
    wait_for(lambda: b"ready." in log.read_bytes() or not proc.alive(), 60, 0.2,
             f"worker {name} to start")
    if not proc.alive():
        raise RuntimeError(f"worker died:\n{log.read_text()[-3000:]}")
    return proc


def worker_children(proc: Proc) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


# --- nginx --------------------------------------------------------------------------------

NGINX_CONF = """
worker_processes {workers};
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/tmp; proxy_temp_path {dir}/tmp; fastcgi_temp_path {dir}/tmp;
    uwsgi_temp_path {dir}/tmp; scgi_temp_path {dir}/tmp;
    sendfile on; tcp_nopush on; keepalive_timeout 30; keepalive_requests 100000;
    types {{ application/json json; }}
    server {{
        listen 127.0.0.1:{port};
        root {root};
        gzip_static on;
        etag on;
        add_header Cache-Control "public, max-age=60";
    }}
}}
"""


class Nginx:
    """nginx serving ``root`` as static files, ``workers`` worker processes."""

    def __init__(self, workdir: Path, root: Path, workers: int = 2):
        self.dir = workdir / "nginx"
        (self.dir / "tmp").mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.conf = self.dir / "nginx.conf"
        self.conf.write_text(NGINX_CONF.format(workers=workers, dir=self.dir, port=self.port, root=root))
        self.proc: Proc | None = None

    def start(self) -> "Nginx":
        self.proc = Proc([which("nginx") or "nginx", "-c", str(self.conf), "-g", "daemon off;"],
                         self.dir / "stdout.log")
        wait_for(lambda: http_get(self.port, "/")[0] in (200, 403, 404), 10, 0.05, "nginx")
        return self

    def stop(self) -> None:
        if self.proc:
            self.proc.stop(5)


class Edge:
    """nginx as ``deploy/nginx.conf`` says, rendered for a local origin, as a deployment
    renders it with envsubst."""

    def __init__(self, workdir: Path, origin_port: int):
        self.dir = workdir / "edge"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.conf = self.dir / "nginx.conf"
        template = string.Template((REPO / "deploy" / "nginx.conf").read_text())
        self.conf.write_text(template.safe_substitute(
            ORIGIN=f"127.0.0.1:{origin_port}", LISTEN_PORT=f"127.0.0.1:{self.port}", CACHE_DIR=self.dir))
        self.proc: Proc | None = None

    def start(self) -> "Edge":
        """In the foreground; as root here, its workers too, to reach the cache in a
        private temp folder (a deployment runs them as nginx's own user)."""
        user = "user root root; " if os.geteuid() == 0 else ""
        self.proc = Proc([which("nginx") or "nginx", "-c", str(self.conf), "-g", f"daemon off; {user}"],
                         self.dir / "stdout.log")
        wait_for(lambda: http_get(self.port, "/healthz")[0] in (200, 502, 504) or not self.proc.alive(),
                 10, 0.05, "the edge")
        if not self.proc.alive():
            raise RuntimeError(f"nginx died:\n{(self.dir / 'stdout.log').read_text()[-2000:]}")
        return self

    def stop(self) -> None:
        if self.proc:
            self.proc.stop(5)


# --- content ------------------------------------------------------------------------------

WORDS = ("council budget river school rail strike museum league final market shares storm "
         "weather election minister hospital bridge festival harbour airport science climate "
         "energy prices housing police court vote talks summit coast village city mayor union "
         "teachers nurses farmers exports tourism football cricket tennis marathon concert "
         "gallery library flood drought wildfire transport ferry tram metro budget tax").split()
SECTIONS = ("News", "News/UK", "News/World", "Business", "Sport", "Sport/Football", "Culture",
            "Science", "Weather", "Politics")
BASE_TIME = datetime(2026, 11, 1, 6, 0, tzinfo=timezone(timedelta(hours=1)))


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def realistic_entry(n: int, rng: random.Random, version: int = 0, prefix: str = "story"):
    """One news video as a parser would hand it over: title, summary, a body of
    several paragraphs, image, section path, HLS + MP4 renditions, duration."""
    from feeds.model import Entry, Video

    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 9))).capitalize()
    if version:
        title = f"{title} (update {version})"
    body = [" ".join(_sentence(rng, rng.randint(10, 22)) for _ in range(rng.randint(3, 5)))
            for _ in range(rng.randint(3, 6))]
    section = SECTIONS[n % len(SECTIONS)]
    published = BASE_TIME - timedelta(minutes=17 * n)
    slug = f"{prefix}-{n}"
    return Entry(
        key=f"https://news.example/{section.lower()}/{slug}", kind="video", title=title,
        summary=_sentence(rng, rng.randint(18, 30)), body=body,
        body_html="".join(f"<p>{p}</p>" for p in body),
        image_url=f"https://img.news.example/{slug}/1280x720.jpg",
        image_caption=_sentence(rng, 8), categories=section.split("/"),
        tags=rng.sample(WORDS, 3), published=published, updated=published,
        url=f"https://news.example/{section.lower()}/{slug}", author="Newsroom", language="en",
        videos=[Video(url=f"https://video.news.example/{slug}/master.m3u8",
                      type="application/x-mpegURL", height=1080),
                Video(url=f"https://video.news.example/{slug}/720.mp4", type="video/mp4",
                      width=1280, height=720, bitrate=3000)],
        duration=rng.randint(45, 600))


def seed_channel(Session, channel_id: str, count: int, seed: int = 7) -> None:
    """A channel and ``count`` stored items, written straight into the store."""
    from feeds.store.items import upsert_entries
    from feeds.store.tables import Channel

    rng = random.Random(seed)
    with Session() as session:
        if session.get(Channel, channel_id) is None:
            session.add(Channel(id=channel_id, title="Bench News", provider_name="Bench News",
                                language="en", timezone="Europe/London",
                                default_thumbnail="https://img.news.example/channel.jpg"))
            session.flush()
        upsert_entries(session, channel_id, None,
                       [realistic_entry(n, rng) for n in range(count)])
        session.commit()


def add_source(Session, channel_id: str, url: str, every: int = 3600) -> int:
    from feeds.store.tables import Source

    with Session() as session:
        source = Source(channel_id=channel_id, kind="mrss", url=url, every=every,
                        next_due=datetime.now(timezone.utc) + timedelta(days=1))
        session.add(source)
        session.commit()
        return source.id


# --- a publisher upstream that changes and misbehaves on demand ---------------------------

def mrss(version: int, count: int = 5, prefix: str = "clip") -> bytes:
    items = "".join(f"""
  <item><title>{prefix} {n} v{version if n == 0 else 0}</title><guid>{prefix}-{n}</guid>
    <pubDate>Sun, 01 Nov 2026 0{n % 10}:30:00 +0000</pubDate>
    <description>Clip {n}, edition {version if n == 0 else 0}.</description>
    <media:content url="https://video.news.example/{prefix}{n}.m3u8" type="application/x-mpegURL"
       duration="{60 + n}" height="1080"/>
    <media:thumbnail url="https://img.news.example/{prefix}{n}.jpg" width="1280" height="720"/>
  </item>""" for n in range(count))
    return (f'<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">'
            f"<channel><title>Clips</title>{items}</channel></rss>").encode()


class Upstream:
    """An MRSS publisher on a loopback port. ``mode``: ``good`` (the feed at
    ``version``), ``500``, ``garbage`` (200 with bytes that are no feed) or
    ``timeout`` (accepts, then says nothing for ``hang`` seconds). ``delay``
    slows the good answer down (a refresh that takes a while, to break things in)."""

    def __init__(self, count: int = 5, hang: float = 25):
        self.version = 1
        self.mode = "good"
        self.delay = 0.0
        self.count = count
        self.hang = hang
        self.hits = Counter()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                mode = upstream.mode
                upstream.hits[mode] += 1
                if mode == "timeout":
                    time.sleep(upstream.hang)
                    return
                if mode == "500":
                    self.send_response(500)
                    body = b"internal error"
                elif mode == "garbage":
                    self.send_response(200)
                    body = bytes(random.Random(upstream.version).randrange(256) for _ in range(4096))
                else:
                    time.sleep(upstream.delay)
                    self.send_response(200)
                    body = mrss(upstream.version, upstream.count)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a client gone mid-answer (a killed worker, a timed-out fetch)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/clips.xml"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- a poller that writes down every answer ---------------------------------------------

class Poller:
    """Asks for ``paths`` on ``port`` in turn, every ``interval`` seconds, on a
    thread, and records each answer's status (or the connection error)."""

    def __init__(self, port: int, paths: list[str], interval: float = 0.05):
        self.port = port
        self.paths = paths
        self.interval = interval
        self.statuses: Counter = Counter()
        self.bad: list[tuple[float, str, str]] = []
        self.etags: set[str] = set()
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.started = time.monotonic()

    def __enter__(self) -> "Poller":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.thread.join(10)

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    def _run(self) -> None:
        while not self._stop.is_set():
            for path in self.paths:
                try:
                    status, headers, body = http_get(self.port, path, timeout=5)
                    self.statuses[status] += 1
                    if status != 200:
                        self.bad.append((time.monotonic() - self.started, path, str(status)))
                    elif "ETag" in headers:
                        self.etags.add(headers["ETag"])
                except (OSError, http.client.HTTPException) as exc:
                    self.statuses[type(exc).__name__] += 1
                    self.bad.append((time.monotonic() - self.started, path, repr(exc)))
            self._stop.wait(self.interval)

    def summary(self) -> str:
        return (f"{self.total} requests, statuses {dict(self.statuses)}, "
                f"{len(self.etags)} distinct ETags seen")
