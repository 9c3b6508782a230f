"""Images of every awkward kind, made in memory, for the artwork tests and the local site."""
from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def scene(size: tuple[int, int], busy_at: float = 0.5, mode: str = "RGB") -> Image.Image:
    """A flat sky with a detailed object (stripes) centred at ``busy_at`` of the width."""
    width, height = size
    image = Image.new("RGB", size, (70, 130, 180))
    draw = ImageDraw.Draw(image)
    centre, half = int(width * busy_at), max(4, min(width, height) // 6)
    for x in range(centre - half, centre + half, 6):
        draw.rectangle((x, height // 3, x + 2, 2 * height // 3), fill=(250, 220, 40))
    return image.convert(mode) if mode != "RGB" else image


def jpeg(size: tuple[int, int], busy_at: float = 0.5, **options) -> bytes:
    return encoded(scene(size, busy_at), "JPEG", quality=90, **options)


def cmyk_jpeg() -> bytes:
    return encoded(scene((1600, 900), mode="CMYK"), "JPEG")


def transparent_png() -> bytes:
    image = Image.new("RGBA", (1200, 1200), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((300, 300, 900, 900), fill=(200, 30, 30, 255))
    return encoded(image, "PNG")


def palette_gif_with_transparency() -> bytes:
    image = scene((1280, 720)).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    return encoded(image, "GIF", transparency=0)


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (1280, 720), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def grey16_png() -> bytes:
    return encoded(Image.new("I;16", (1600, 900), 40000), "PNG")


def rotated_portrait_jpeg() -> bytes:
    """Stored 1600x900 (landscape) with EXIF orientation 6: shown as a 900x1600 portrait."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return encoded(scene((1600, 900)), "JPEG", exif=exif.tobytes())


def webp(size: tuple[int, int]) -> bytes:
    return encoded(scene(size), "WEBP")


def png_bomb(width: int = 40_000, height: int = 40_000) -> bytes:
    """A PNG of a few hundred bytes whose header claims ``width`` x ``height`` pixels."""
    small = encoded(Image.new("1", (8, 8)), "PNG")
    start = small.index(b"IHDR")
    header = bytearray(small[start + 4:start + 17])
    header[0:8] = struct.pack(">II", width, height)
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(header)) & 0xFFFFFFFF)
    return small[:start + 4] + bytes(header) + crc + small[start + 21:]


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="1280" height="720">'
       b'<rect width="1280" height="720" fill="red"/></svg>')
HTML = b"<!DOCTYPE html><html><body>Not found</body></html>"
GARBAGE = bytes(range(256)) * 40


def truncated_jpeg() -> bytes:
    whole = jpeg((1920, 1080))
    return whole[: len(whole) // 3]
