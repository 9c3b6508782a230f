"""The channel's catalogue as a Roku Search feed (JSON, version "1").

Each asset's ``playId`` is the id the channel's deep link takes: the item's id
(or the series id), the same as in the Roku JSON feed."""
from __future__ import annotations

from feeds.formats.roku import GENRES, Playable, RokuBuild
from feeds.store.tables import Channel

MAX_ASSETS = 10_000
ASSET_TYPES = {"shortFormVideos": "shortForm", "movies": "movie", "tvSpecials": "tvSpecial",
               "series": "episode"}
DEFAULT_COUNTRY = "us"
QUALITIES = ["SD", "HD", "FHD", "UHD"]


def search_language(language: str | None) -> str:
    """ISO 639-1, lower case: Roku Search takes nothing else."""
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    return code if len(code) == 2 and code.isascii() and code.isalpha() else "en"


def search_country(language: str | None) -> str:
    """For a channel that names no countries: the region of its language (en-GB: gb),
    else the US."""
    region = (language or "").replace("_", "-").partition("-")[2].lower()
    return region if len(region) == 2 and region.isascii() and region.isalpha() else DEFAULT_COUNTRY


def localized(value: str, language: str) -> list[dict]:
    return [{"value": value, "languages": [language]}]


def described(fields: dict, language: str) -> dict:
    out = {"titles": localized(fields["title"], language),
           "shortDescriptions": localized(fields["shortDescription"], language)}
    if long := fields.get("longDescription"):
        out["longDescriptions"] = localized(long, language)
    return out


def item_asset(playable: Playable, language: str) -> dict:
    fields = playable.fields
    best = max((v["quality"] for v in fields["content"]["videos"]), key=QUALITIES.index)
    return {"id": playable.id, "type": ASSET_TYPES[playable.kind], **described(fields, language),
            "releaseDate": fields["releaseDate"], "genres": GENRES,
            "images": [{"type": "main", "url": fields["thumbnail"]}],
            "durationInSeconds": fields["content"]["duration"],
            "content": {"playOptions": [{"license": "free", "quality": best.lower(),
                                         "playId": playable.id}]}}


def series_asset(shell: dict, language: str) -> dict:
    return {"id": shell["id"], "type": "series", **described(shell, language),
            "releaseDate": shell["releaseDate"], "genres": GENRES,
            "images": [{"type": "main", "url": shell["thumbnail"]}]}


def build_search_feed(channel: Channel, roku: RokuBuild, limit: int = MAX_ASSETS) -> dict:
    """Every item the Roku builder made valid (not only those under the Roku feed's
    size budget: the deep link resolves them all), newest first, and each series."""
    language = search_language(channel.language)
    assets = [series_asset(shell, language) for shell in roku.series.values()]
    assets += [item_asset(p, language) for p in roku.playables if p.kind != "liveFeeds"]
    return {"version": "1", "defaultLanguage": language,
            "defaultAvailabilityCountries": channel.countries or [search_country(channel.language)],
            "assets": assets[:limit]}
