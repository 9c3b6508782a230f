"""Title cards: the tile of an item with no usable image, drawn from the channel's name,
the item's section and its headline, in the channel's colours.

The font is the one inside Pillow (``ImageFont.load_default(size=...)``, a scalable
FreeType font shipped in the wheel), never one of the machine's, so every host draws the
same card."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

FontType = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class Colours:
    background: str = "#101820"
    text: str = "#ffffff"
    accent: str = "#e63946"

    @classmethod
    def of(cls, values: object) -> Colours:
        """Colours from a channel setting (``{"background": "#..", ...}``); a colour Pillow
        cannot read keeps its default."""
        values = values if isinstance(values, dict) else {}
        picked = {}
        for name in ("background", "text", "accent"):
            value = values.get(name)
            if isinstance(value, str) and _colour_ok(value):
                picked[name] = value
        return cls(**picked)


def _colour_ok(value: str) -> bool:
    try:
        Image.new("RGB", (1, 1), value)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=32)
def font(size: int) -> FontType:
    return ImageFont.load_default(size=size)


def draw_card(channel: str, section: str, headline: str, size: tuple[int, int],
              colours: Colours = Colours()) -> Image.Image:
    width, height = size
    unit = height / 720
    card = Image.new("RGB", size, colours.background)
    draw = ImageDraw.Draw(card)
    margin = round(80 * unit)
    draw.rectangle((0, 0, round(16 * unit), height), fill=colours.accent)
    top = margin
    if section:
        label = font(round(34 * unit))
        draw.text((margin, top), _fit_line(draw, section.upper(), label, width - 2 * margin),
                  font=label, fill=colours.accent)
        top += round(70 * unit)
    _headline(draw, headline or channel, (margin, top, width - margin, height - 2 * margin), colours, unit)
    name = font(round(30 * unit))
    draw.text((margin, height - margin), _fit_line(draw, channel, name, width - 2 * margin),
              font=name, fill=colours.text, anchor="ls")
    return card


def _headline(draw: ImageDraw.ImageDraw, text: str, box: tuple[int, int, int, int],
              colours: Colours, unit: float) -> None:
    """The headline as large as fits the box in at most four lines, cut with an ellipsis
    when even the smallest size does not hold it."""
    left, top, right, bottom = box
    for size in (84, 72, 60, 50, 42):
        face = font(round(size * unit))
        lines = wrap(draw, text, face, right - left)
        spacing = round(size * unit * 1.2)
        if len(lines) <= 4 and top + spacing * len(lines) <= bottom:
            break
    lines = lines[:4]
    if len(lines) == 4 and " ".join(lines) != " ".join(text.split()):
        lines[3] = _fit_line(draw, lines[3] + "…", face, right - left)
    for number, line in enumerate(lines):
        draw.text((left, top + number * spacing), line, font=face, fill=colours.text)


def wrap(draw: ImageDraw.ImageDraw, text: str, face: FontType, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and draw.textlength(trial, font=face) > width:
            lines.append(current)
            current = _fit_line(draw, word, face, width)
        else:
            current = _fit_line(draw, trial, face, width)
    if current:
        lines.append(current)
    return lines


def _fit_line(draw: ImageDraw.ImageDraw, text: str, face: FontType, width: int) -> str:
    if draw.textlength(text, font=face) <= width:
        return text
    while text and draw.textlength(text + "…", font=face) > width:
        text = text[:-1]
    return text.rstrip() + "…"
