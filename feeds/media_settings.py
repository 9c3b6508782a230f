"""A channel's media settings (``Channel.media``), read with their defaults:

``{"tile": {"width": 1280, "height": 720, "quality": 85, "max_kb": 400},
"poster": {"width": 800, "height": 1200}, "posters": false,
"colours": {"background": "#101820", "text": "#ffffff", "accent": "#e63946"},
"recheck_minutes": 360, "check_concurrency": 8}``

Out-of-range values fall back to the defaults: Roku wants tiles of at least 800x450."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from feeds.ingest.artwork import Spec
from feeds.ingest.cards import Colours

MIN_TILE = (800, 450)
MAX_TILE = (3840, 2160)
DEFAULT_TILE = Spec()
DEFAULT_POSTER = Spec(width=800, height=1200)


@dataclass(frozen=True)
class MediaSettings:
    tile: Spec = DEFAULT_TILE
    poster: Spec = DEFAULT_POSTER
    posters: bool = False
    colours: Colours = Colours()
    recheck: timedelta = timedelta(hours=6)
    recheck_failed: timedelta = timedelta(minutes=10)
    retry_artwork: timedelta = timedelta(hours=1)
    concurrency: int = 8
    check_media: bool = True

    @property
    def key(self) -> str:
        """What an item's outcome was made with: a change makes every item's again."""
        poster = self.poster.key if self.posters else "-"
        checks = "" if self.check_media else "|unchecked"
        return f"{self.tile.key}|{poster}|{self.colours.background}{self.colours.text}{self.colours.accent}{checks}"


def _int(values: dict, name: str, default: int, low: int, high: int) -> int:
    value = values.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high else default


def _spec(values: object, default: Spec, minimum: tuple[int, int]) -> Spec:
    values = values if isinstance(values, dict) else {}
    width = _int(values, "width", default.width, minimum[0], MAX_TILE[0])
    height = _int(values, "height", default.height, minimum[1], MAX_TILE[0])
    if (width, height) != (default.width, default.height) and abs(width / height - default.ratio) > 0.01:
        width, height = default.width, default.height
    return Spec(width=width, height=height, quality=_int(values, "quality", default.quality, 40, 95),
                max_bytes=_int(values, "max_kb", default.max_bytes // 1000, 50, 5000) * 1000)


def media_settings(media: object, check_media: bool = True) -> MediaSettings:
    """The settings in a channel's ``media`` column; a tile of another shape than 16:9
    (or a poster not 2:3) keeps the default size."""
    values = media if isinstance(media, dict) else {}
    return MediaSettings(
        tile=_spec(values.get("tile"), DEFAULT_TILE, MIN_TILE),
        poster=_spec(values.get("poster"), DEFAULT_POSTER, (400, 600)),
        posters=values.get("posters") is True,
        colours=Colours.of(values.get("colours")),
        recheck=timedelta(minutes=_int(values, "recheck_minutes", 360, 5, 7 * 24 * 60)),
        concurrency=_int(values, "check_concurrency", 8, 1, 64),
        check_media=check_media,
    )
