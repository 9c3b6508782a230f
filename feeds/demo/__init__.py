"""The bundled demo publisher: a small copy of a news site inside the repository.

Its addresses live under ``DEMO_BASE``. The fetcher reads them from the package
instead of the network (``mount``), so the demo channel works offline, in the web
process and in a worker alike; the web app serves the same files at the same
address so that a browser can show the demo's images."""
from __future__ import annotations

import io
import mimetypes
from pathlib import Path

import requests
from requests.adapters import BaseAdapter
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feeds.store.tables import Channel, Source

SITE_DIR = Path(__file__).parent / "site"
DEMO_BASE = "http://127.0.0.1:8000/demo-site/"
CHANNEL_ID = "demo"

DEMO_SOURCES = (
    dict(kind="rss", url=DEMO_BASE + "news.xml", every=600, options={"follow_links": True}),
    dict(kind="mrss", url=DEMO_BASE + "videos.xml", every=600),
    dict(kind="live", url=DEMO_BASE + "live/stream.m3u8", every=300, category="Live",
         title="Demo News Live", thumbnail=DEMO_BASE + "images/live.jpg",
         description="Demo News around the clock: the latest headlines, weather and sport, live."),
)


def site_file(relative: str) -> Path | None:
    """The bundled file at ``relative`` (a path under the demo site), if any."""
    path = (SITE_DIR / relative).resolve()
    if SITE_DIR.resolve() not in path.parents or not path.is_file():
        return None
    return path


class DemoSiteAdapter(BaseAdapter):
    """Answers requests under ``DEMO_BASE`` from the bundled files."""

    def send(self, request, **kwargs) -> requests.Response:
        response = requests.Response()
        response.request = request
        response.url = request.url
        path = site_file(request.url.removeprefix(DEMO_BASE).split("?")[0])
        if path is None:
            response.status_code = 404
            response._content = b"not found"
            response.raw = io.BytesIO(response._content)
            return response
        response.status_code = 200
        response._content = path.read_bytes()
        response._content_consumed = True
        response.raw = io.BytesIO(response._content)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".xml":
            kind = "application/rss+xml"
        response.headers["Content-Type"] = kind
        response.headers["Content-Length"] = str(len(response._content))
        return response

    def close(self) -> None:
        pass


def mount(session: requests.Session) -> requests.Session:
    session.mount(DEMO_BASE, DemoSiteAdapter())
    return session


def load_demo(session: Session) -> bool:
    """Create the demo channel and its sources unless they exist. True when created.
    Several processes starting at once (gunicorn workers) may race here: the
    loser's insert fails on the primary key and it leaves the winner's rows."""
    if session.get(Channel, CHANNEL_ID) is not None:
        return False
    session.add(Channel(id=CHANNEL_ID, title="Demo News", provider_name="Demo News",
                        language="en", timezone="Europe/London",
                        default_thumbnail=DEMO_BASE + "images/channel.jpg"))
    for spec in DEMO_SOURCES:
        session.add(Source(channel_id=CHANNEL_ID, **spec))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True
