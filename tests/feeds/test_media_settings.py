"""A channel's media settings, read with their defaults: Roku's minimum tile holds."""
from __future__ import annotations

from datetime import timedelta

from feeds.ingest.artwork import Spec
from feeds.media_settings import media_settings


def test_defaults():
    settings = media_settings({})
    assert settings.tile == Spec(1280, 720, 85, 400_000) and not settings.posters
    assert settings.recheck == timedelta(hours=6) and settings.concurrency == 8
    assert media_settings(None) == settings


def test_a_full_hd_tile_and_its_quality():
    settings = media_settings({"tile": {"width": 1920, "height": 1080, "quality": 90, "max_kb": 600}})
    assert settings.tile == Spec(1920, 1080, 90, 600_000)


def test_out_of_range_or_off_shape_values_keep_the_defaults():
    for tile in ({"width": 640, "height": 360}, {"width": 1000, "height": 1000}, {"quality": 120},
                 {"width": "1920", "height": 1080}, {"width": True, "height": 1080}):
        spec = media_settings({"tile": tile}).tile
        assert spec.width >= 800 and spec.height >= 450 and spec.width * 9 == spec.height * 16
        assert 40 <= spec.quality <= 95


def test_the_key_changes_with_anything_an_item_outcome_depends_on():
    base = media_settings({}).key
    assert media_settings({"posters": True}).key != base
    assert media_settings({"colours": {"background": "#000000"}}).key != base
    assert media_settings({}, check_media=False).key != base
    assert media_settings({"recheck_minutes": 60}).key == base
