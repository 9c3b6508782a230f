"""Checking media against a local server: HLS playlists parsed (variants, subtitle groups),
MP4 files looked at with a ranged GET, dead and invalid media named, the address guard kept."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feeds.ingest.media_checks import Check, check_media, signed_expiry
from tests.feeds.site import MP4_SIZE, Slow


def check(site, path: str, kind: str, **options) -> Check:
    return check_media(site.url_for(path), kind, allow_private=True, **options)


def test_a_master_playlist_gives_the_best_variant_and_its_subtitles(site):
    found = check(site, "/v/master.m3u8", "HLS")
    assert found.ok and found.error == ""
    assert (found.width, found.height, found.bandwidth, found.variants) == (1920, 1080, 6_000_000, 2)
    assert [(c["language"], c["kind"], c["url"]) for c in found.captions] == [
        ("en", "captions", site.url_for("/v/subs/en.m3u8")),
        ("es", "subtitles", site.url_for("/v/subs/es.m3u8"))]


def test_a_media_playlist_is_playable_without_variants(site):
    found = check(site, "/v/media.m3u8", "HLS")
    assert found.ok and found.height is None


@pytest.mark.parametrize("path, kind, reason", [
    ("/v/html.m3u8", "HLS", "not an HLS playlist: got text/html"),
    ("/v/empty.m3u8", "HLS", "no variants and no segments"),
    ("/v/gone.m3u8", "HLS", "upstream answered 404"),
    ("/v/broken.m3u8", "HLS", "upstream answered 503"),
    ("/v/error.mp4", "MP4", "not a video file: got text/html"),
    ("/v/gone.mp4", "MP4", "upstream answered 404"),
    ("/v/clip.mp4", "DASH", "not a DASH manifest"),
])
def test_dead_or_invalid_media_fail_with_the_reason(site, path, kind, reason):
    found = check(site, path, kind)
    assert not found.ok and reason in found.error


def test_a_server_error_is_transient_a_404_is_not(site):
    assert check(site, "/v/broken.m3u8", "HLS").transient
    assert not check(site, "/v/gone.m3u8", "HLS").transient


def test_an_mp4_is_seen_with_one_ranged_get_and_its_size_from_content_range(site):
    found = check(site, "/v/clip.mp4", "MP4")
    assert found.ok and found.container == "MP4" and found.size == MP4_SIZE
    [(request, response)] = [(q, r) for q, r in site.log if q.path == "/v/clip.mp4"]
    assert request.headers["Range"] == "bytes=0-65535" and response.status_code == 206


def test_a_server_ignoring_range_is_read_no_further_than_the_head(site):
    found = check(site, "/v/whole.mp4", "MP4")
    assert found.ok and found.size == 1024 * 1024


def test_a_dash_manifest(site):
    assert check(site, "/v/manifest.mpd", "DASH").ok


def test_private_addresses_are_refused_unless_allowed(site):
    refused = check_media(site.url_for("/v/master.m3u8"), "HLS")
    assert not refused.ok and "refused" in refused.error and not site.log


def test_a_hanging_host_ends_at_the_deadline(site):
    slow = Slow(limit=5)
    site.expect_request("/v/slow.m3u8").respond_with_handler(slow)
    found = check(site, "/v/slow.m3u8", "HLS", deadline=0.5)
    slow.release.set()
    assert not found.ok and "timed out" in found.error and found.transient


def test_checks_survive_the_store_round_trip(site):
    found = check(site, "/v/master.m3u8", "HLS")
    again = Check.of(found.url, found.ok, found.error, found.details())
    assert again == found


@pytest.mark.parametrize("url, expires", [
    ("https://cdn.example/v.mp4?Expires=1767225600&Signature=x", "2026-01-01T00:00:00+00:00"),
    ("https://cdn.example/v.m3u8?hdnts=st=1767000000~exp=1767225600~acl=/*~hmac=ab", "2026-01-01T00:00:00+00:00"),
    ("https://b.s3.example/v.mp4?X-Amz-Date=20251231T230000Z&X-Amz-Expires=3600", "2026-01-01T00:00:00+00:00"),
    ("https://cdn.example/v.mp4?id=12345", ""),
])
def test_signed_urls_say_when_they_expire(url, expires):
    assert signed_expiry(url) == expires
    if expires:
        assert datetime.fromisoformat(expires).tzinfo == UTC
