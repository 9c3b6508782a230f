"""Captions in: Media RSS ``media:subTitle`` and ``<track>`` in article pages travel with
the renditions; an item's own ``itunes:image`` is its image."""
from __future__ import annotations

from feeds.ingest.article import parse_article
from feeds.ingest.rss import parse_feed

FEED = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"
     xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>t</title>
<itunes:image href="https://cdn.example/channel.jpg"/>
<item><title>With subtitles</title><guid>a</guid>
  <itunes:image href="https://cdn.example/a.jpg"/>
  <media:group>
    <media:content url="https://cdn.example/a.mp4" type="video/mp4" duration="74.74"/>
    <media:content url="https://cdn.example/a.m3u8" type="application/x-mpegURL"/>
    <media:subTitle lang="en-us" href="https://cdn.example/a.en.srt"/>
  </media:group>
  <media:subTitle lang="fr" href="/a.fr.vtt"/>
</item>
<item><title>Plain</title><guid>b</guid><enclosure url="https://cdn.example/b.mp4" type="video/mp4" length="9"/></item>
</channel></rss>"""

PAGE = b"""<html><head><title>Flood</title></head><body><article><h1>Flood waters rise</h1>
<video controls width="1280" height="720">
  <source src="/media/flood.m3u8" type="application/x-mpegURL">
  <track kind="captions" srclang="en" src="/media/flood.en.vtt" label="English">
  <track kind="subtitles" srclang="de" src="/media/flood.de.vtt">
  <track kind="chapters" srclang="en" src="/media/flood.chapters.vtt">
</video>
<p>The river rose overnight and the town's lower streets were under water by dawn, the mayor said.</p>
</article></body></html>"""


def test_media_subtitles_go_with_every_rendition_of_the_item():
    first, second = parse_feed(FEED, "https://news.example/feed").entries
    expected = [{"url": "https://cdn.example/a.en.srt", "language": "en-us", "kind": "subtitles"},
                {"url": "https://news.example/a.fr.vtt", "language": "fr", "kind": "subtitles"}]
    assert [sorted(v.captions, key=lambda c: c["url"]) for v in first.videos] == [expected, expected]
    assert second.videos[0].captions == []


def test_an_items_own_itunes_image_is_its_image_the_channels_is_not():
    first, second = parse_feed(FEED, "https://news.example/feed").entries
    assert first.image_url == "https://cdn.example/a.jpg"
    assert second.image_url == ""


def test_tracks_of_a_page_video_are_its_captions():
    entry = parse_article(PAGE, "https://news.example/flood")
    [video] = entry.videos
    assert video.captions == [
        {"url": "https://news.example/media/flood.en.vtt", "language": "en", "kind": "captions"},
        {"url": "https://news.example/media/flood.de.vtt", "language": "de", "kind": "subtitles"}]
