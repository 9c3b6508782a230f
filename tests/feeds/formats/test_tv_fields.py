"""What the Roku feed carries for TV beyond the schema's minimum: the content's language,
caption files (ISO 639-2), ad breaks by channel policy; the same captions in Media RSS."""
from __future__ import annotations

import pytest
from lxml import etree

from feeds.formats.mrss import build_mrss
from feeds.formats.validate import validate_feed
from tests.feeds.formats.test_roku import HLS, MP4, build, make_channel, make_item

SRT = {"url": "https://cdn.example/v/en.srt", "language": "en-us", "kind": "subtitles"}
VTT = {"url": "https://cdn.example/v/de.vtt", "language": "de", "kind": "captions"}


def test_content_language_is_the_items_else_the_channels():
    feed = build([make_item("a", language="pt-BR"), make_item("b", language="")],
                 channel=make_channel(language="en-GB")).doc
    languages = {v["id"]: v["content"]["language"] for v in feed["shortFormVideos"]}
    assert languages == {"a": "pt-BR", "b": "en-GB"}
    assert validate_feed(feed) == []


def test_caption_files_go_out_once_with_iso_639_2_languages_and_their_type():
    item = make_item("a", videos=[{**HLS, "captions": [SRT, VTT]}, {**MP4, "captions": [SRT]}])
    result = build([item])
    [video] = result.doc["shortFormVideos"]
    assert video["content"]["captions"] == [
        {"url": SRT["url"], "language": "eng", "captionType": "SUBTITLE"},
        {"url": VTT["url"], "language": "ger", "captionType": "CLOSED_CAPTION"}]
    assert validate_feed(result.doc) == []
    mrss = etree.fromstring(build_mrss(make_channel(), result))
    subtitles = [(s.get("href"), s.get("lang")) for s in mrss.iter("{http://search.yahoo.com/mrss/}subTitle")]
    assert subtitles == [(SRT["url"], "en-us"), (VTT["url"], "de")]


def test_captions_without_a_language_we_know_or_an_http_url_are_left_out():
    item = make_item("a", videos=[{**HLS, "captions": [{"url": "ftp://x/y.srt", "language": "en"},
                                                       {"url": "https://x/y.srt", "language": "xx-yy"}]}])
    [video] = build([item]).doc["shortFormVideos"]
    assert "captions" not in video["content"]


@pytest.mark.parametrize("ads, duration, breaks", [
    ({}, 3600, None),
    ({"preroll": True}, 90, ["00:00:00"]),
    ({"preroll": True, "midroll_every_minutes": 8, "midroll_min_minutes": 10}, 1500,
     ["00:00:00", "00:08:00", "00:16:00"]),
    ({"preroll": False, "midroll_every_minutes": 8, "midroll_min_minutes": 10}, 540, None),
    ({"midroll_every_minutes": 30}, 3600 + 30, ["00:30:00"]),
    ({"preroll": "yes", "midroll_every_minutes": -1}, 3600, None),
])
def test_ad_breaks_follow_the_channel_policy(ads, duration, breaks):
    channel = make_channel(media={"ads": ads})
    result = build([make_item("a", duration=duration)], channel=channel)
    [video] = result.doc["shortFormVideos"]
    assert video["content"].get("adBreaks") == breaks
    assert validate_feed(result.doc) == []
