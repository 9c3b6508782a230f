"""A local publisher on a real socket (pytest-httpserver, threaded): images of every awkward
kind, live and dead media, HLS playlists with subtitle groups, MP4 files answering ranged
GETs (or ignoring them), and a Media RSS feed in the shape of Roku's own MRSS examples."""
from __future__ import annotations

import re
import threading

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.feeds.ingest import images

MP4_SIZE = 3_000_000
MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * (64 * 1024)

MASTER = """#EXTM3U
#EXT-X-VERSION:4
#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,CHARACTERISTICS="public.accessibility.transcribes-spoken-dialog",URI="subs/en.m3u8"
#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Español",LANGUAGE="es",URI="subs/es.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=1200000,RESOLUTION=854x480,SUBTITLES="subs"
480p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=6000000,RESOLUTION=1920x1080,SUBTITLES="subs"
1080p/index.m3u8
"""
MEDIA_PLAYLIST = "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nseg1.ts\n#EXT-X-ENDLIST\n"
EMPTY_MASTER = "#EXTM3U\n#EXT-X-VERSION:3\n"

IMAGES = {
    "landscape.jpg": (images.jpeg((1920, 1080)), "image/jpeg"),
    "portrait.jpg": (images.jpeg((900, 1600)), "image/jpeg"),
    "square.png": (images.encoded(images.scene((1000, 1000)), "PNG"), "image/png"),
    "cmyk.jpg": (images.cmyk_jpeg(), "image/jpeg"),
    "alpha.png": (images.transparent_png(), "image/png"),
    "animated.gif": (images.animated_gif(), "image/gif"),
    "tiny.jpg": (images.jpeg((320, 180)), "image/jpeg"),
    "bomb.png": (images.png_bomb(), "image/png"),
    "logo.svg": (images.SVG, "image/svg+xml"),
    "corrupt.jpg": (images.truncated_jpeg(), "image/jpeg"),
    "page.jpg": (images.HTML, "text/html"),
}


# A channel's feed: one item per awkward case.


def item(guid: str, image: str, media: str, extra: str = "") -> str:
    thumb = f'<media:thumbnail url="{{base}}/images/{image}"/>' if image else ""
    return (f"<item><title>Story {guid}</title><guid isPermaLink=\"false\">{guid}</guid>"
            f"<pubDate>Mon, 30 Nov 2026 10:{len(guid):02d}:00 +0000</pubDate>"
            f"<description>About {guid}.</description><media:category>News</media:category>"
            f"{thumb}{media}{extra}</item>")


def content(path: str, kind: str = "", **attrs: str) -> str:
    more = "".join(f' {k}="{v}"' for k, v in attrs.items())
    kind = f' type="{kind}"' if kind else ""
    return f'<media:content url="{{base}}{path}"{kind} duration="120"{more}/>'


HLS = "application/x-mpegURL"
ITEMS = [
    item("landscape", "landscape.jpg", content("/v/master.m3u8", HLS)),
    item("portrait", "portrait.jpg", content("/v/clip.mp4", "video/mp4", bitrate="2500", height="720")),
    item("square", "square.png", content("/v/media.m3u8", HLS)),
    item("cmyk", "cmyk.jpg", content("/v/master.m3u8", HLS)),
    item("alpha", "alpha.png", content("/v/master.m3u8", HLS)),
    item("animated", "animated.gif", content("/v/master.m3u8", HLS)),
    item("tiny", "tiny.jpg", content("/v/master.m3u8", HLS)),
    item("bomb", "bomb.png", content("/v/master.m3u8", HLS)),
    item("svg", "logo.svg", content("/v/master.m3u8", HLS)),
    item("corrupt", "corrupt.jpg", content("/v/master.m3u8", HLS)),
    item("htmlimage", "page.jpg", content("/v/master.m3u8", HLS)),
    item("missingimage", "nowhere.jpg", content("/v/master.m3u8", HLS)),
    item("noimage", "", content("/v/master.m3u8", HLS)),
    item("dead", "landscape.jpg", content("/v/gone.m3u8", HLS)),
    item("notaplaylist", "landscape.jpg", content("/v/html.m3u8", HLS)),
    item("mixed", "landscape.jpg", "<media:group>" + content("/v/gone.mp4", "video/mp4", bitrate="900")
         + content("/v/master.m3u8", HLS) + "</media:group>"),
]
FALLBACKS = {"tiny": "too small", "bomb": "decompression bomb", "svg": "SVG is not a raster image",
             "corrupt": "corrupt image", "htmlimage": "not an image: got an HTML page",
             "missingimage": "could not fetch the image: upstream answered", "noimage": "no image"}


def feed_xml(items: list[str], base: str) -> bytes:
    body = "".join(items).replace("{base}", base)
    return (f'<?xml version="1.0"?><rss version="2.0" xmlns:media="{MRSS}"><channel>'
            f"<title>TV</title><link>{base}/</link><description>d</description>{body}"
            "</channel></rss>").encode()


ROKU_EXAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:dcterms="http://purl.org/dc/terms/">
<channel>
  <title>Example</title>
  <link>{base}/</link>
  <description>Roku's MRSS examples, as one feed</description>
  <lastBuildDate>2016-09-07T09:42:31+00:00</lastBuildDate>
  <item>
    <guid>{base}/cdn/video/vaaaXaaX</guid>
    <pubDate>2016-09-07T09:42:31+00:00</pubDate>
    <media:title>The Best Show Ever</media:title>
    <media:description>So long, and thanks for all the fish.</media:description>
    <media:category>Cooking Shows</media:category>
    <media:thumbnail url="{base}/images/landscape.jpg" />
    <media:content url="{base}/v/clip.mp4" duration="74.74" bitrate="2500" language="en-us" />
    <media:subTitle lang="en-us" href="{base}/cdn/subtitles/subtitle.srt" />
  </item>
  <item>
    <guid>{base}/cdn/video/vbbbXbbX</guid>
    <pubDate>2016-09-08T09:42:31+00:00</pubDate>
    <media:title>The Second Best Show Ever</media:title>
    <media:description>Mostly harmless.</media:description>
    <media:keywords>humans, space, travel, exploration</media:keywords>
    <media:thumbnail url="{base}/images/landscape.jpg" />
    <media:content url="{base}/v/clip.mp4" duration="74.74" />
  </item>
</channel>
</rss>"""


MRSS = "http://search.yahoo.com/mrss/"


def mp4(request: Request) -> Response:
    """A 3 MB MP4 that answers ranged GETs with 206 and its total size."""
    found = re.match(r"bytes=(\d+)-(\d*)", request.headers.get("Range", ""))
    if not found:
        return Response(MP4_HEAD, content_type="video/mp4", headers={"Content-Length": str(MP4_SIZE)})
    start = int(found.group(1))
    end = min(int(found.group(2) or MP4_SIZE - 1), len(MP4_HEAD) - 1)
    return Response(MP4_HEAD[start:end + 1], status=206, content_type="video/mp4",
                    headers={"Content-Range": f"bytes {start}-{end}/{MP4_SIZE}"})


def mp4_ignoring_range(request: Request) -> Response:
    """A server that ignores Range and starts sending the whole (1 MB) file."""
    body = MP4_HEAD + b"\x00" * (1024 * 1024 - len(MP4_HEAD))
    return Response(body, content_type="video/mp4")


class Slow:
    """Answers only once ``release`` is set (or after ``limit`` seconds): a host that hangs."""

    def __init__(self, limit: float = 10.0) -> None:
        self.release = threading.Event()
        self.limit = limit
        self.started = 0
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0

    def __call__(self, request: Request) -> Response:
        with self.lock:
            self.started += 1
            self.running += 1
            self.most = max(self.most, self.running)
        self.release.wait(self.limit)
        with self.lock:
            self.running -= 1
        return Response(MEDIA_PLAYLIST, content_type="application/vnd.apple.mpegurl")


def serve(server: HTTPServer) -> None:
    for name, (body, kind) in IMAGES.items():
        server.expect_request(f"/images/{name}").respond_with_data(body, content_type=kind)
    hls = "application/vnd.apple.mpegurl"
    server.expect_request("/v/master.m3u8").respond_with_data(MASTER, content_type=hls)
    server.expect_request("/v/media.m3u8").respond_with_data(MEDIA_PLAYLIST, content_type=hls)
    server.expect_request("/v/empty.m3u8").respond_with_data(EMPTY_MASTER, content_type=hls)
    server.expect_request("/v/html.m3u8").respond_with_data(images.HTML, content_type="text/html")
    server.expect_request("/v/gone.m3u8").respond_with_data("gone", status=404)
    server.expect_request("/v/broken.m3u8").respond_with_data("oops", status=503)
    server.expect_request("/v/clip.mp4").respond_with_handler(mp4)
    server.expect_request("/v/whole.mp4").respond_with_handler(mp4_ignoring_range)
    server.expect_request("/v/error.mp4").respond_with_data(images.HTML, content_type="text/html")
    server.expect_request("/v/gone.mp4").respond_with_data("gone", status=404)
    server.expect_request("/v/manifest.mpd").respond_with_data(
        '<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011"/>', content_type="application/dash+xml")


@pytest.fixture(scope="session")
def site_server():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    serve(server)
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def site(site_server):
    """The local site, threaded (the checks run concurrently); ``site.url_for(path)``;
    ``site.log`` holds this test's requests only."""
    site_server.clear_log()
    yield site_server
