"""Tiles from images of every awkward kind: each one a 16:9 JPEG of at least 800x450,
or a sentence saying why the image could not make one; title cards for the rest."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from feeds.ingest.artwork import ArtworkError, Spec, make_tile, title_card
from feeds.ingest.cards import Colours
from tests.feeds.ingest import images


def decoded(body: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(body))
    image.load()
    return image


def assert_tile(body: bytes, size: tuple[int, int] = (1280, 720)) -> Image.Image:
    image = decoded(body)
    assert image.format == "JPEG" and image.mode == "RGB"
    assert image.size == size
    assert image.width >= 800 and image.height >= 450 and image.width * 9 == image.height * 16
    return image


USABLE = {
    "full HD JPEG": images.jpeg((1920, 1080)),
    "4:3 JPEG": images.jpeg((1600, 1200)),
    "panorama": images.jpeg((4000, 1000)),
    "square PNG": images.encoded(images.scene((1000, 1000)), "PNG"),
    "portrait JPEG": images.jpeg((900, 1600)),
    "slightly small (1.8x)": images.jpeg((700, 394)),
    "CMYK JPEG": images.cmyk_jpeg(),
    "transparent PNG": images.transparent_png(),
    "palette GIF with transparency": images.palette_gif_with_transparency(),
    "animated GIF": images.animated_gif(),
    "16-bit grey PNG": images.grey16_png(),
    "EXIF-rotated JPEG": images.rotated_portrait_jpeg(),
    "WebP": images.webp((1280, 720)),
}


@pytest.mark.parametrize("name", USABLE)
def test_every_usable_image_makes_a_16_by_9_jpeg_tile(name):
    tile = make_tile(USABLE[name])
    assert (tile.width, tile.height) == (1280, 720)
    assert_tile(tile.body)
    assert len(tile.body) <= Spec().max_bytes


REFUSED = {
    "too small (3.2x)": (images.jpeg((400, 225)), "too small: 400x225 would need 3.2x"),
    "decompression bomb": (images.png_bomb(), "pixels (a decompression bomb?)"),
    "bomb under Pillow's own limit": (images.png_bomb(9000, 9000), "refused: 9000x9000 is more than"),
    "SVG": (images.SVG, "SVG is not a raster image"),
    "HTML error page": (images.HTML, "not an image: got an HTML page"),
    "garbage": (images.GARBAGE, "not an image we can read"),
    "truncated JPEG": (images.truncated_jpeg(), "corrupt image"),
    "empty": (b"", "the image is empty"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_unusable_images_are_refused_with_the_reason(name):
    body, reason = REFUSED[name]
    with pytest.raises(ArtworkError) as refused:
        make_tile(body)
    assert reason in str(refused.value)


def test_a_bomb_is_refused_before_it_is_decoded():
    """Decoding 40,000 x 40,000 would take gigabytes; the refusal must be immediate."""
    import tracemalloc

    tracemalloc.start()
    with pytest.raises(ArtworkError):
        make_tile(images.png_bomb())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 20 * 1024 * 1024


def test_a_panorama_is_cut_around_its_detail_not_its_centre():
    tile = decoded(make_tile(images.jpeg((4000, 1000), busy_at=0.85)).body)
    stripes = [x for x in range(tile.width) if tile.getpixel((x, tile.height // 2))[0] > 200]
    assert stripes, "the detailed part is in the tile"
    centred = decoded(make_tile(images.jpeg((4000, 1000), busy_at=0.5)).body)
    assert [x for x in range(centred.width) if centred.getpixel((x, centred.height // 2))[0] > 200]


def test_a_portrait_is_shown_whole_on_a_blurred_fill():
    portrait = images.scene((900, 1600))
    tile = decoded(make_tile(images.encoded(portrait, "PNG")).body)
    # the whole picture, scaled to the tile's height, sits in the middle third...
    middle = tile.getpixel((640, 5))
    assert max(abs(a - b) for a, b in zip(middle, (70, 130, 180))) < 12
    # ...and the sides are a darker, blurred copy, not black bars
    side = tile.getpixel((20, 360))
    assert side != (0, 0, 0) and sum(side) < sum(middle)


def test_transparency_is_laid_on_the_channel_background():
    tile = decoded(make_tile(images.transparent_png(), background="#203040").body)
    corner = tile.getpixel((5, 5))
    assert max(abs(a - b) for a, b in zip(corner, (0x20, 0x30, 0x40))) < 24


def test_an_exif_rotated_photo_is_treated_as_the_portrait_it_shows():
    tile = decoded(make_tile(images.rotated_portrait_jpeg()).body)
    side = tile.getpixel((10, 360))
    assert sum(side) < sum((70, 130, 180))  # a portrait: shown on a darkened fill


def test_size_and_quality_follow_the_spec_and_the_weight_cap_holds():
    noisy = images.encoded(Image.effect_noise((1920, 1080), 40).convert("RGB"), "PNG")
    uncapped = make_tile(noisy, Spec(width=1920, height=1080, quality=95, max_bytes=5_000_000))
    capped = make_tile(noisy, Spec(width=1920, height=1080, quality=95, max_bytes=800_000))
    assert_tile(capped.body, (1920, 1080))
    assert len(capped.body) <= 800_000 < len(uncapped.body)


@pytest.mark.parametrize("headline", [
    "Bridge opens",
    "A very long headline " * 12,
    "",
    "Überraschung in Zürich: Café öffnet wieder",
])
def test_title_cards_are_tiles_too(headline):
    card = title_card("Demo News", "Foreign Policy", headline)
    image = assert_tile(card.body)
    assert len(image.resize((64, 36)).getcolors(64 * 36)) > 2, "the card has text on it"


def test_a_card_uses_the_channel_colours():
    card = decoded(title_card("News", "", "Hello", colours=Colours.of({"background": "#00ff00"})).body)
    assert card.getpixel((1200, 700))[1] > 230
    assert Colours.of({"background": "not a colour", "text": 7}) == Colours()
