"""16:9 tiles (and 2:3 posters) made from an item's image, or a title card when it has none.

A source image is decoded only after its header says it is a raster format we take and
small enough (Pillow's pixel limit refuses decompression bombs); JPEGs are decoded at a
reduced scale when that still covers the tile (Pillow's ``draft``), which is most of the
speed. A landscape image is cropped around its centre of interest (the busiest part of a
small edge map), a portrait or square one is shown whole on a blurred fill of itself; an
image that would need more than 2x upscaling is refused, and the caller draws a card.
"""
from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from feeds.ingest.cards import Colours, draw_card

MAX_PIXELS = 50_000_000
"""Larger images are refused before they are decoded (a 10 KB PNG can claim 100,000 x 100,000)."""
MAX_UPSCALE = 2.0
FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "AVIF")
LANDSCAPE = 1.2
"""Wider than this (width / height) is cropped to the tile's shape; narrower is shown whole on a fill."""
_ANALYSIS_WIDTH = 96

Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class ArtworkError(Exception):
    """The image cannot make a tile; the message says why, for the publish report."""


@dataclass(frozen=True)
class Spec:
    """What to make: ``width`` x ``height`` JPEG at ``quality``, re-encoded lower until it
    weighs at most ``max_bytes``."""

    width: int = 1280
    height: int = 720
    quality: int = 85
    max_bytes: int = 400_000

    @property
    def key(self) -> str:
        return f"{self.width}x{self.height}q{self.quality}m{self.max_bytes}"

    @property
    def ratio(self) -> float:
        return self.width / self.height


@dataclass(frozen=True)
class Tile:
    body: bytes
    width: int
    height: int


def make_tile(body: bytes, spec: Spec = Spec(), background: str = "#101820") -> Tile:
    """A tile of ``spec``'s size from the image in ``body``; ``ArtworkError`` when it cannot."""
    image = decode(body, spec, background)
    ratio = image.width / image.height
    if ratio >= min(LANDSCAPE, spec.ratio):
        picture = _cropped(image, spec)
    else:
        picture = _on_fill(image, spec)
    return encode(picture, spec)


def title_card(channel: str, section: str, headline: str, spec: Spec = Spec(),
               colours: Colours = Colours()) -> Tile:
    return encode(draw_card(channel, section, headline, (spec.width, spec.height), colours), spec)


def sniff(body: bytes) -> str:
    """Why ``body`` is not a raster image we take, or nothing."""
    head = body[:512].lstrip()
    if not head:
        return "the image is empty"
    lowered = head[:256].lower()
    if lowered.startswith((b"<svg", b"<?xml")) or b"<svg" in lowered:
        return "SVG is not a raster image"
    if lowered.startswith((b"<!doctype html", b"<html")):
        return "not an image: got an HTML page"
    return ""


def decode(body: bytes, spec: Spec, background: str = "#101820") -> Image.Image:
    """The first frame of the image, upright, in RGB, decoded no larger than needed."""
    with opened(body) as image:
        if image.format == "JPEG":
            image.draft("RGB", _draft_size(image.size, spec))
        image.seek(0)
        image.load()
        return _rgb(ImageOps.exif_transpose(image), background)


@contextmanager
def opened(body: bytes) -> Iterator[Image.Image]:
    """The image in ``body``, opened but not decoded, bombs refused; within the block,
    every way the image fails to decode is an ``ArtworkError`` saying why."""
    if reason := sniff(body):
        raise ArtworkError(reason)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(body), formats=FORMATS)
            _refuse_bombs(image)
            yield image
    except ArtworkError:
        raise
    except Image.DecompressionBombError:
        raise ArtworkError(f"refused: more than {MAX_PIXELS:,} pixels (a decompression bomb?)") from None
    except UnidentifiedImageError:
        raise ArtworkError("not an image we can read (JPEG, PNG, GIF, WebP, BMP or AVIF)") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ArtworkError(f"corrupt image: {exc}") from None


def _refuse_bombs(image: Image.Image) -> None:
    width, height = image.size
    if width < 1 or height < 1:
        raise ArtworkError("the image has no pixels")
    if width * height > MAX_PIXELS:
        raise ArtworkError(f"refused: {width}x{height} is more than {MAX_PIXELS:,} pixels "
                           "(a decompression bomb?)")


def _draft_size(size: tuple[int, int], spec: Spec) -> tuple[int, int]:
    """The smallest decode that still covers the tile whichever way the image is used."""
    width, height = size
    scale = max(spec.width / width, spec.height / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _rgb(image: Image.Image, background: str) -> Image.Image:
    """CMYK, palette, grey and 16-bit images in RGB; transparency laid on ``background``."""
    if image.mode == "RGB":
        return image
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, background)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.point(lambda value: value / 256).convert("L")
    return image.convert("RGB")


def _too_small(needed: float, image: Image.Image, spec: Spec) -> None:
    if needed > MAX_UPSCALE:
        raise ArtworkError(f"too small: {image.width}x{image.height} would need {needed:.1f}x "
                           f"upscaling to fill {spec.width}x{spec.height} (at most {MAX_UPSCALE:g}x)")


def _cropped(image: Image.Image, spec: Spec) -> Image.Image:
    """The tile's shape cut around the image's busiest part, then scaled to the tile."""
    width, height = image.size
    if width / height > spec.ratio:
        crop_w, crop_h = round(height * spec.ratio), height
    else:
        crop_w, crop_h = width, round(width / spec.ratio)
    _too_small(spec.width / crop_w, image, spec)
    left, top = _centre_of_interest(image, crop_w, crop_h)
    return image.resize((spec.width, spec.height), Image.Resampling.BICUBIC,
                        box=(left, top, left + crop_w, top + crop_h), reducing_gap=2.0)


def _centre_of_interest(image: Image.Image, crop_w: int, crop_h: int) -> tuple[int, int]:
    """Where to cut: the window with the most edges along the axis being cropped. A
    portrait-ish cut (height cropped) leans to the upper third, where faces are."""
    width, height = image.size
    if crop_w < width:
        return _best_offset(_profile(image, axis=0), width, crop_w), 0
    if crop_h < height:
        profile = _profile(image, axis=1)
        bias = [1.0 + 0.5 * (1 - i / max(1, len(profile) - 1)) for i in range(len(profile))]
        return 0, _best_offset([p * b for p, b in zip(profile, bias)], height, crop_h)
    return 0, 0


def _profile(image: Image.Image, axis: int) -> list[float]:
    """Edge energy of each column (axis 0) or row (axis 1) of a small grey copy."""
    scale = _ANALYSIS_WIDTH / image.width
    small = image.convert("L").resize((_ANALYSIS_WIDTH, max(1, round(image.height * scale))),
                                      Image.Resampling.BILINEAR)
    edges = small.filter(ImageFilter.FIND_EDGES)
    w, h = edges.size
    data = edges.tobytes()
    if axis == 0:
        return [float(sum(data[x::w])) for x in range(w)]
    return [float(sum(data[y * w:(y + 1) * w])) for y in range(h)]


def _best_offset(profile: list[float], full: int, window: int) -> int:
    """The start (in full-size pixels) of the window of ``profile`` with the most energy;
    the centre when nothing stands out."""
    cells = len(profile)
    span = max(1, min(cells, round(cells * window / full)))
    sums = [0.0]
    for value in profile:
        sums.append(sums[-1] + value)
    totals = [sums[i + span] - sums[i] for i in range(cells - span + 1)]
    centre = (cells - span) // 2
    best = max(range(len(totals)), key=lambda i: (totals[i], -abs(i - centre)))
    if totals[best] <= totals[centre] * 1.1:
        best = centre
    return min(full - window, round(best * full / cells))


def _on_fill(image: Image.Image, spec: Spec) -> Image.Image:
    """The whole image, as tall as the tile, on a blurred and darkened cover of itself."""
    scale = spec.height / image.height
    _too_small(scale, image, spec)
    small = ImageOps.fit(image, (max(1, spec.width // 8), max(1, spec.height // 8)),
                         Image.Resampling.BILINEAR)
    fill = small.filter(ImageFilter.GaussianBlur(4)).point(lambda v: v * 7 // 10)
    canvas = fill.resize((spec.width, spec.height), Image.Resampling.BILINEAR)
    shown = image.resize((max(1, round(image.width * scale)), spec.height),
                         Image.Resampling.BICUBIC, reducing_gap=2.0)
    canvas.paste(shown, ((spec.width - shown.width) // 2, 0))
    return canvas


def encode(image: Image.Image, spec: Spec) -> Tile:
    """Baseline JPEG at the spec's quality, lower (down to 50) until it fits its weight."""
    quality = spec.quality
    while True:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, optimize=False)
        body = out.getvalue()
        if len(body) <= spec.max_bytes or quality <= 50:
            return Tile(body, image.width, image.height)
        quality -= 10
