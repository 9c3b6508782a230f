"""``channel validate --media``: a feed's thumbnails and videos fetched from a local
server (http.server on 127.0.0.1) and judged as Roku takes them, one line each, and
the web validator fetching nothing."""
from __future__ import annotations

import copy
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
import pytest

from tests.feeds.ingest import images

MP4_SIZE = 3_000_000
MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 4096
MASTER = """#EXTM3U
#EXT-X-VERSION:4
#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",URI="subs/en.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=1200000,RESOLUTION=854x480,SUBTITLES="subs"
480p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=6000000,RESOLUTION=1920x1080,SUBTITLES="subs"
1080p/index.m3u8
""".encode()
FILES = {
    "/img/hd.jpg": ("image/jpeg", images.jpeg((1280, 720))),
    "/img/nearly.jpg": ("image/jpeg", images.jpeg((1281, 720))),
    "/img/small.jpg": ("image/jpeg", images.jpeg((640, 480))),
    "/img/four-three.jpg": ("image/jpeg", images.jpeg((1600, 1200))),
    "/img/hd.gif": ("image/gif", images.encoded(images.scene((1280, 720)), "GIF")),
    "/img/corrupt.jpg": ("image/jpeg", images.truncated_jpeg()),
    "/img/bomb.png": ("image/png", images.png_bomb()),
    "/v/master.m3u8": ("application/vnd.apple.mpegurl", MASTER),
    "/v/broken.m3u8": ("text/plain", b"this is not a playlist\n"),
    "/v/empty.m3u8": ("application/vnd.apple.mpegurl", b"#EXTM3U\n#EXT-X-VERSION:3\n"),
    "/v/whole.mp4": ("video/mp4", MP4_HEAD),  # served whole whatever the Range asked
}
RANGED = {"/v/clip.mp4": MP4_HEAD}


@dataclass
class Site:
    base: str
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, Range header)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # a test's own, besides FILES

    def url(self, path: str) -> str:
        return self.base + path


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            site.requests.append((self.path, self.headers.get("Range", "")))
            if self.path in site.files or self.path in FILES:
                content_type, body = site.files.get(self.path) or FILES[self.path]
                self._send(200, content_type, body)
            elif self.path in RANGED:
                self._ranged(RANGED[self.path])
            else:
                self._send(404, "text/html", b"<html><body>Not found</body></html>")

        def _ranged(self, head: bytes) -> None:
            found = re.fullmatch(r"bytes=(\d+)-(\d+)", self.headers.get("Range", ""))
            if not found:
                self._send(200, "video/mp4", head)  # a test never asks for the whole file
                return
            start, end = int(found.group(1)), min(int(found.group(2)), len(head) - 1)
            self._send(206, "video/mp4", head[start:end + 1],
                       {"Content-Range": f"bytes {start}-{end}/{MP4_SIZE}"})

        def _send(self, status: int, content_type: str, body: bytes, headers: dict | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def site() -> Iterator[Site]:
    site = Site("")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()
    thread.join()


def _content(url: str, video_type: str = "HLS") -> dict:
    video = {"url": url, "quality": "FHD", "videoType": video_type}
    if video_type == "MP4":
        video["bitrate"] = 2500
    return {"dateAdded": "2024-05-31T09:30:00+02:00", "videos": [video], "duration": 120}


def _item(ident: str, thumbnail: str, video: str, video_type: str = "HLS") -> dict:
    return {"id": ident, "title": f"Story {ident}", "content": _content(video, video_type),
            "thumbnail": thumbnail, "shortDescription": f"About {ident}.", "releaseDate": "2024-05-30"}


def good_feed(site: Site) -> dict:
    """Every kind of place a thumbnail or video can be, each URL fine."""
    hd, master = site.url("/img/hd.jpg"), site.url("/v/master.m3u8")
    episode = {**_item("s1e1", hd, master), "episodeNumber": 1}
    live = {key: value for key, value in _content(master).items() if key != "duration"}
    return {
        "providerName": "Daily News", "lastUpdated": "2024-05-31T09:30:00+02:00", "language": "en",
        "shortFormVideos": [_item("a", hd, master),
                            _item("b", site.url("/img/nearly.jpg"), site.url("/v/clip.mp4"), "MP4")],
        "series": [{"id": "s", "title": "Weekly", "genres": ["news"], "thumbnail": hd,
                    "releaseDate": "2024-01-01", "shortDescription": "Every week.",
                    "seasons": [{"seasonNumber": 1, "thumbnail": hd, "episodes": [episode]}]}],
        "liveFeeds": [{"id": "live", "title": "Live", "thumbnail": hd, "brandedThumbnail": hd,
                       "shortDescription": "Live now.", "content": live}],
    }


def bad_feed(site: Site) -> dict:
    doc = good_feed(site)
    doc["shortFormVideos"] += [
        _item("c", site.url("/img/small.jpg"), site.url("/v/broken.m3u8")),
        _item("d", site.url("/img/four-three.jpg"), site.url("/v/gone.mp4"), "MP4"),
        _item("e", site.url("/img/corrupt.jpg"), site.url("/v/empty.m3u8")),
        _item("f", site.url("/img/bomb.png"), site.url("/v/master.m3u8")),
        _item("g", site.url("/img/hd.gif"), site.url("/v/master.m3u8")),
        _item("h", site.url("/img/gone.jpg"), site.url("/v/master.m3u8")),
    ]
    return doc


@pytest.fixture
def validate(app, tmp_path):
    runner = app.test_cli_runner()

    def run(doc: dict, *options: str):
        path = tmp_path / "feed.json"
        path.write_bytes(orjson.dumps(doc))
        return runner.invoke(args=["validate", *options, str(path)])

    return run


def test_a_feed_whose_media_are_all_fine_passes_with_a_line_for_each_url(validate, site):
    result = validate(good_feed(site), "--media")
    assert result.exit_code == 0, result.output
    master, hd = site.url("/v/master.m3u8"), site.url("/img/hd.jpg")
    assert result.stdout.splitlines()[1:] == [
        f"/liveFeeds/0/brandedThumbnail (and 5 more): {hd}: ok: 1280x720 JPEG",
        f"/liveFeeds/0/content/videos/0/url (and 2 more): {master}: ok: HLS master playlist: 2 variants, "
        "best 1920x1080 at 6,000 kbps, 1 subtitle track",
        f"/shortFormVideos/1/content/videos/0/url: {site.url('/v/clip.mp4')}: ok: MP4, video/mp4, 3.0 MB",
        f"/shortFormVideos/1/thumbnail: {site.url('/img/nearly.jpg')}: ok: 1281x720 JPEG",
        "media: 4 URLs checked (2 images, 2 videos): all ok",
    ]
    assert result.stdout.splitlines()[0].endswith("feed.json: valid Roku feed")


def test_each_url_is_fetched_once_and_a_file_with_a_ranged_get_of_its_first_kb(validate, site):
    assert validate(good_feed(site), "--media").exit_code == 0
    paths = [path for path, _ in site.requests]
    assert sorted(paths) == sorted(set(paths))
    assert set(paths) == {"/img/hd.jpg", "/img/nearly.jpg", "/v/clip.mp4", "/v/master.m3u8"}
    assert ("/v/clip.mp4", "bytes=0-1023") in site.requests


def test_each_media_problem_is_a_line_and_the_exit_code_is_1(validate, site):
    result = validate(bad_feed(site), "--media")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    video, thumbnail = "/shortFormVideos/{}/content/videos/0/url: {}", "/shortFormVideos/{}/thumbnail: {}"
    expected = {
        f"{thumbnail.format(2, site.url('/img/small.jpg'))}: 640x480 is smaller than 800x450",
        f"{thumbnail.format(2, site.url('/img/small.jpg'))}: 640x480 is 4:3, not 16:9",
        f"{video.format(2, site.url('/v/broken.m3u8'))}: not an HLS playlist: got text/plain",
        f"{thumbnail.format(3, site.url('/img/four-three.jpg'))}: 1600x1200 is 4:3, not 16:9",
        f"{video.format(3, site.url('/v/gone.mp4'))}: upstream answered 404",
        f"{video.format(4, site.url('/v/empty.m3u8'))}: HLS playlist lists no variants and no segments",
        f"{thumbnail.format(6, site.url('/img/hd.gif'))}: a GIF image; a thumbnail must be JPEG or PNG",
        f"{thumbnail.format(7, site.url('/img/gone.jpg'))}: could not fetch the image: upstream answered 404",
    }
    assert expected <= set(lines)
    [corrupt] = [line for line in lines if line.startswith("/shortFormVideos/4/thumbnail: ")]
    assert f"{site.url('/img/corrupt.jpg')}: corrupt image: " in corrupt and "truncated" in corrupt
    [bomb] = [line for line in lines if line.startswith("/shortFormVideos/5/thumbnail: ")]
    assert f"{site.url('/img/bomb.png')}: refused: " in bomb and "(a decompression bomb?)" in bomb
    assert lines[0].endswith("feed.json: valid Roku feed")
    assert lines[-1] == "media: 13 URLs checked (8 images, 5 videos): 9 with problems, 4 ok"
    assert len(lines) == 1 + 4 + 10 + 1, "one line per good URL, one per problem, a first and a last"


def test_schema_problems_come_first_and_media_are_still_checked(validate, site):
    doc = good_feed(site)
    doc["shortFormVideos"][0]["shortDescription"] = "x" * 201
    result = validate(doc, "--media")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "/shortFormVideos/0/shortDescription: must be at most 200 characters, got 201"
    assert lines[-1] == "media: 4 URLs checked (2 images, 2 videos): all ok"


def test_without_media_nothing_is_fetched_and_the_output_is_unchanged(validate, site):
    result = validate(bad_feed(site))
    assert result.exit_code == 0 and result.stdout.endswith("feed.json: valid Roku feed\n")
    assert site.requests == []


def test_a_search_feed_has_its_images_checked(validate, site):
    asset = {"id": "a", "type": "shortForm", "titles": [{"value": "A", "languages": ["en"]}],
             "images": [{"type": "main", "url": site.url("/img/hd.jpg")},
                        {"type": "background", "url": site.url("/img/small.jpg")}],
             "content": {"playOptions": [{"license": "free", "quality": "hd", "playId": "a"}]}}
    doc = {"version": "1", "defaultLanguage": "en", "defaultAvailabilityCountries": ["us"], "assets": [asset]}
    result = validate(doc, "--media")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1:] == [
        f"/assets/0/images/0/url: {site.url('/img/hd.jpg')}: ok: 1280x720 JPEG",
        f"/assets/0/images/1/url: {site.url('/img/small.jpg')}: 640x480 is smaller than 800x450",
        f"/assets/0/images/1/url: {site.url('/img/small.jpg')}: 640x480 is 4:3, not 16:9",
        "media: 2 URLs checked (2 images, 0 videos): 1 with problems, 1 ok",
    ]


def test_many_urls_get_a_progress_bar_on_stderr_only(validate, site):
    doc = good_feed(site)
    template = doc["shortFormVideos"][0]
    doc["shortFormVideos"] = [{**copy.deepcopy(template), "id": f"v{n}", "thumbnail": site.url(f"/{n}.jpg")}
                              for n in range(12)]
    result = validate(doc, "--media")
    assert result.exit_code == 1
    assert "checking media" in result.stderr and "checking media" not in result.stdout
    summary = "media: 14 URLs checked (13 images, 1 video): 12 with problems, 2 ok"
    assert result.stdout.splitlines()[-1] == summary
    assert "checking media" not in validate(good_feed(site), "--media").stderr, "no bar for a few URLs"


def test_the_web_validator_fetches_nothing(client, site):
    response = client.post("/tools/validate", data=orjson.dumps(bad_feed(site)),
                           content_type="application/json")
    assert response.status_code == 200 and response.get_json() == {"valid": True, "errors": []}
    assert site.requests == []


def test_a_server_that_ignores_range_is_a_problem(validate, site):
    doc = good_feed(site)
    doc["shortFormVideos"][1]["content"]["videos"][0]["url"] = site.url("/v/whole.mp4")
    result = validate(doc, "--media")
    assert result.exit_code == 1
    assert (f"/shortFormVideos/1/content/videos/0/url: {site.url('/v/whole.mp4')}: answered 200 to a "
            "ranged GET, not 206: the server ignores Range, and the box seeks in a video file with ranged "
            "requests" in result.stdout.splitlines())


def test_a_feed_fetched_by_url_has_its_media_checked(app, site):
    site.files["/feed.json"] = ("application/json", orjson.dumps(good_feed(site)))
    result = app.test_cli_runner().invoke(args=["validate", "--media", site.url("/feed.json")])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"{site.url('/feed.json')}: valid Roku feed"
    assert result.stdout.splitlines()[-1] == "media: 4 URLs checked (2 images, 2 videos): all ok"


def test_a_feed_that_is_not_json_has_no_media_to_check(app, tmp_path):
    path = tmp_path / "feed.json"
    path.write_bytes(b'{"providerName": ')
    result = app.test_cli_runner().invoke(args=["validate", "--media", str(path)])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == "media: not checked; the feed is not JSON"
