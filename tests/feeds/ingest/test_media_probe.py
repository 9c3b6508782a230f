"""Judging an image as a Roku thumbnail (decoded whole, bombs refused before decoding)
and naming the videoType a video URL is checked as."""
from __future__ import annotations

import pytest

from feeds.ingest.media_probe import decoded_size, judge_image, video_type_of
from tests.feeds.ingest import images

URL = "https://cdn.example/i"


@pytest.mark.parametrize(("body", "found"), [
    (images.jpeg((1920, 1080)), "1920x1080 JPEG"),
    (images.jpeg((800, 450)), "800x450 JPEG"),
    (images.encoded(images.scene((1280, 720)), "PNG"), "1280x720 PNG"),
    (images.jpeg((1290, 720)), "1290x720 JPEG"),  # 1.79: within 1% of 16:9
    (images.cmyk_jpeg(), "1600x900 JPEG"),
])
def test_a_good_thumbnail_has_no_problem(body: bytes, found: str) -> None:
    probe = judge_image(URL, body)
    assert probe.ok and probe.found == found


@pytest.mark.parametrize(("body", "problems"), [
    (images.jpeg((799, 450)), ["799x450 is smaller than 800x450"]),
    (images.jpeg((640, 480)), ["640x480 is smaller than 800x450", "640x480 is 4:3, not 16:9"]),
    (images.jpeg((1300, 720)), ["1300x720 is 1.81:1, not 16:9"]),
    (images.jpeg((1080, 1920)), ["1080x1920 is 9:16, not 16:9"]),
    (images.webp((1280, 720)), ["a WEBP image; a thumbnail must be JPEG or PNG"]),
    (images.animated_gif(), ["a GIF image; a thumbnail must be JPEG or PNG"]),
    (images.SVG, ["SVG is not a raster image"]),
    (images.HTML, ["not an image: got an HTML page"]),
    (images.GARBAGE, ["not an image we can read (JPEG, PNG, GIF, WebP, BMP or AVIF)"]),
    (b"", ["the image is empty"]),
])
def test_each_problem_of_a_thumbnail_is_named(body: bytes, problems: list[str]) -> None:
    assert list(judge_image(URL, body).problems) == problems


def test_an_image_is_decoded_to_its_last_byte() -> None:
    with pytest.raises(Exception, match="corrupt image: image file is truncated"):
        decoded_size(images.truncated_jpeg())


@pytest.mark.parametrize("bomb", [images.png_bomb(), images.png_bomb(8_000, 8_000)])
def test_a_bomb_is_refused_before_it_is_decoded(bomb: bytes) -> None:
    [problem] = judge_image(URL, bomb).problems
    assert problem.startswith("refused: ") and problem.endswith("(a decompression bomb?)")


@pytest.mark.parametrize(("url", "declared", "checked_as"), [
    ("https://cdn.example/a.mp4", "hls", "HLS"),
    ("https://cdn.example/a.m3u8?token=1", "", "HLS"),
    ("https://cdn.example/a.mpd", "VIDEO", "DASH"),
    ("https://cdn.example/a.MOV", "", "MOV"),
    ("https://cdn.example/a.ism/Manifest", "", "SMOOTH"),
    ("https://cdn.example/stream", "", "MP4"),
])
def test_a_video_is_checked_as_its_declared_type_else_as_its_path_says(url: str, declared: str,
                                                                       checked_as: str) -> None:
    assert video_type_of(url, declared) == checked_as
