"""``channel refresh`` on a terminal shows the items a large feed's first refresh has
stored so far; piped (a cron job's log), it shows no bar at all."""
from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios

from bench._procs import REPO, service_env
from feeds.backend import Backend
from feeds.store.tables import Channel, Source
from tests.conftest import make_settings
from tests.feeds.test_refresh import big_feed

ITEMS = 600  # more than one batch of 500


def add_sources(sqlite_url: str, *urls: str) -> list[int]:
    backend = Backend.from_settings(make_settings(sqlite_url))
    with backend.Session() as session:
        session.add(Channel(id="news", title="News"))
        sources = [Source(channel_id="news", kind="rss", url=url) for url in urls]
        session.add_all(sources)
        session.commit()
        ids = [source.id for source in sources]
    backend.close()
    return ids


def on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``args`` on a pseudo-terminal of 100 columns; its exit code and all it wrote."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    process = subprocess.Popen(args, env=env, cwd=REPO, stdin=subprocess.DEVNULL,
                               stdout=terminal, stderr=terminal)
    os.close(terminal)
    written = bytearray()
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal's other end closed: the command has ended
            break
        if not chunk:
            break
        written += chunk
    os.close(controller)
    return process.wait(timeout=120), written.decode(errors="replace")


def test_a_terminal_shows_the_items_stored_and_a_pipe_shows_no_bar(sqlite_url, httpserver, app):
    for path, feed in (("/big", big_feed(ITEMS)), ("/small", big_feed(20, "small"))):
        httpserver.expect_request(path).respond_with_data(feed, content_type="application/rss+xml")
    big, small = add_sources(sqlite_url, httpserver.url_for("/big"), httpserver.url_for("/small"))
    env = service_env(sqlite_url, None, CHANNEL_MEDIA_CHECKS="0", CHANNEL_WEBSUB="0", TERM="xterm")

    code, shown = on_a_terminal([sys.executable, "-m", "channel", "refresh", str(big), str(small)], env)
    assert code == 0, shown
    assert f"source {big}: 500item" in shown and f"source {big}: {ITEMS}item" in shown, shown
    assert f"source {small}: 0item" not in shown, "a source storing less than a batch shows no item bar"
    assert f"source {big}: ok new={ITEMS}" in shown and f"source {small}: ok new=20" in shown

    piped = app.test_cli_runner().invoke(args=["refresh", str(big)])
    assert piped.exit_code == 0, piped.output
    assert f"unchanged={ITEMS}" in piped.output and "item [" not in piped.output
