from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import timedelta, timezone
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

import feeds.formats.validate as validate_module
from feeds.formats.validate import (
    MediaRef,
    Memo,
    Problem,
    feed_media,
    format_problems,
    search_feed_media,
    validate_bytes,
    validate_feed,
    validate_search_feed,
)

NOW = "2024-05-31T09:30:00+02:00"
IMG = "https://cdn.example.com/img/1920x1080.jpg"


def _content(duration: int | None = 120, video_type: str = "HLS") -> dict:
    video = {"url": "https://cdn.example.com/v/master.m3u8", "quality": "FHD", "videoType": video_type}
    if video_type in ("MP4", "MOV", "M4V"):
        video["bitrate"] = 4500
    content: dict[str, Any] = {"dateAdded": NOW, "videos": [video]}
    if duration is not None:
        content["duration"] = duration
    return content


def _episode(ident: str, number: int) -> dict:
    return {"id": ident, "title": f"Episode {number}", "content": _content(), "thumbnail": IMG,
            "episodeNumber": number, "releaseDate": "2024-05-01", "shortDescription": "An episode."}


def minimal_feed() -> dict:
    return {
        "providerName": "Daily News",
        "lastUpdated": NOW,
        "language": "en-US",
        "movies": [{
            "id": "m1", "title": "A film", "genres": ["documentary"], "thumbnail": IMG,
            "releaseDate": "2024-01-02", "shortDescription": "Short.", "longDescription": "Longer.",
            "content": {**_content(5400, "MP4"),
                        "captions": [{"url": "https://cdn.example.com/c.vtt", "language": "en", "captionType": "CLOSED_CAPTION"}],
                        "trickPlayFiles": [{"url": "https://cdn.example.com/t.bif", "quality": "HD"}],
                        "adBreaks": ["00:00:00", "00:30:00"], "validityPeriodStart": NOW},
            "tags": ["politics"], "rating": {"rating": "PG", "ratingSource": "MPAA"},
            "credits": [{"name": "Ann Lee", "role": "director", "birthDate": "1970-03-04"}],
            "externalIds": [{"id": "tt0000001", "idType": "IMDB"}],
        }],
        "series": [{
            "id": "s1", "title": "A series", "genres": ["news"], "thumbnail": IMG,
            "releaseDate": "2023-09-01", "shortDescription": "Weekly.",
            "seasons": [{"seasonNumber": 1, "episodes": [_episode("s1e1", 1), _episode("s1e2", 2)]}],
        }, {
            "id": "s2", "title": "Another series", "genres": ["sports"], "thumbnail": IMG,
            "releaseDate": "2023-09-01", "shortDescription": "Daily.", "episodes": [_episode("s2e1", 1)],
        }],
        "shortFormVideos": [{
            "id": "v1", "title": "A clip", "content": _content(95), "thumbnail": IMG,
            "shortDescription": "A clip.", "releaseDate": "2024-05-30", "tags": ["politics", "world"],
        }],
        "tvSpecials": [{
            "id": "t1", "title": "Election night", "content": _content(7200), "genres": ["news", "special"],
            "thumbnail": IMG, "releaseDate": "2024-02-29", "shortDescription": "Results as they come.",
        }],
        "liveFeeds": [{
            "id": "l1", "title": "Live", "content": _content(None), "thumbnail": IMG,
            "shortDescription": "Our live stream.", "brandedThumbnail": IMG,
        }],
        "playlists": [{"name": "Top stories", "itemIds": ["v1", "m1", "s1", "t1"]}],
        "categories": [
            {"name": "Top stories", "playlistName": "Top stories", "order": "manual"},
            {"name": "Politics", "query": "politics OR world", "order": "most_recent"},
        ],
    }


def test_minimal_feed_with_every_content_type_is_valid() -> None:
    assert validate_feed(minimal_feed()) == []


def test_schemas_are_valid_draft_2020_12() -> None:
    for name in ("roku-feed.json", "roku-search.json"):
        with open(f"feeds/formats/schemas/{name}", encoding="utf-8") as f:
            schema = json.load(f)
        Draft202012Validator.check_schema(schema)
        assert schema["$id"] == f"/schemas/{name}"


Mutation = Callable[[dict], Any]


def _set(path: str, value: Any) -> Mutation:
    """A mutation that sets the value at a JSON pointer (the last token may be new)."""

    def mutate(doc: dict) -> None:
        *parents, last = path.split("/")[1:]
        node: Any = doc
        for token in parents:
            node = node[int(token)] if isinstance(node, list) else node[token]
        if isinstance(node, list) and int(last) == len(node):
            node.append(value)
        else:
            node[int(last) if isinstance(node, list) else last] = value

    return mutate


def _drop(path: str) -> Mutation:
    def mutate(doc: dict) -> None:
        *parents, last = path.split("/")[1:]
        node: Any = doc
        for token in parents:
            node = node[int(token)] if isinstance(node, list) else node[token]
        del node[last]

    return mutate


def _all(*mutations: Mutation) -> Mutation:
    def mutate(doc: dict) -> None:
        for m in mutations:
            m(doc)

    return mutate


CONTENT_LISTS = ("movies", "series", "shortFormVideos", "tvSpecials", "liveFeeds")
VIDEO = "/shortFormVideos/0/content/videos/0"
EP = "/series/0/seasons/0/episodes/0"

BROKEN = [
    # (rule, mutation, pointer, phrase)
    ("providerName required", _drop("/providerName"), "", "missing required field 'providerName'"),
    ("lastUpdated needs an offset", _set("/lastUpdated", "2024-05-31T09:30:00"), "/lastUpdated", "with offset"),
    ("language is an ISO 639 code", _set("/language", "English"), "/language", "language code"),
    ("a content list is needed", _all(*(_drop(f"/{k}") for k in (*CONTENT_LISTS, "playlists", "categories"))),
     "", "at least one non-empty list"),
    ("content lists may not all be empty", _all(*(_set(f"/{k}", []) for k in (*CONTENT_LISTS, "playlists", "categories"))),
     "", "at least one non-empty list"),
    ("names are case sensitive", _set("/Language", "en"), "/Language", "did you mean 'language'"),
    ("unknown field in an item", _set("/movies/0/longDescripton", "x"), "/movies/0/longDescripton", "unknown field"),
    ("movie requires genres", _drop("/movies/0/genres"), "/movies/0", "missing required field 'genres'"),
    ("genres come from Roku's list", _set("/movies/0/genres/0", "politics"), "/movies/0/genres/0", "is not allowed"),
    ("required genres not empty", _set("/tvSpecials/0/genres", []), "/tvSpecials/0/genres", "must not be empty"),
    ("id at most 50 characters", _set("/liveFeeds/0/id", "x" * 51), "/liveFeeds/0/id", "at most 50 characters, got 51"),
    ("shortDescription at most 200", _set("/shortFormVideos/0/shortDescription", "x" * 231),
     "/shortFormVideos/0/shortDescription", "must be at most 200 characters, got 231"),
    ("longDescription at most 500", _set("/movies/0/longDescription", "x" * 501), "/movies/0/longDescription",
     "at most 500 characters, got 501"),
    ("tag at most 20", _set("/shortFormVideos/0/tags/2", "x" * 21), "/shortFormVideos/0/tags/2",
     "at most 20 characters"),
    ("playlist name at most 20", _set("/playlists/1", {"name": "x" * 21, "itemIds": []}), "/playlists/1/name",
     "at most 20 characters, got 21"),
    ("releaseDate is YYYY-MM-DD", _set("/movies/0/releaseDate", "02/01/2024"), "/movies/0/releaseDate", "YYYY-MM-DD"),
    ("dateAdded is a date-time", _set(f"{EP}/content/dateAdded", "2024-05-31"), f"{EP}/content/dateAdded", "ISO 8601"),
    ("duration is an integer", _set("/movies/0/content/duration", 5400.5), "/movies/0/content/duration", "must be an integer"),
    ("duration is not a float", _set("/movies/0/content/duration", 5400.0), "/movies/0/content/duration", "must be an integer"),
    ("seasonNumber is an integer", _set("/series/0/seasons/0/seasonNumber", "1"), "/series/0/seasons/0/seasonNumber",
     "must be an integer, got a string"),
    ("episodeNumber is an integer", _set(f"{EP}/episodeNumber", "1"), f"{EP}/episodeNumber", "must be an integer"),
    ("series needs seasons or episodes", _drop("/series/0/seasons"), "/series/0", "either seasons or episodes"),
    ("series not both", _set("/series/1/seasons", [{"seasonNumber": 1, "episodes": [_episode("s2e9", 9)]}]),
     "/series/1", "either seasons or episodes"),
    ("season needs episodes", _drop("/series/0/seasons/0/episodes"), "/series/0/seasons/0", "'episodes'"),
    ("video quality enum", _set(f"{VIDEO}/quality", "4K"), f"{VIDEO}/quality", "use one of: SD, HD, FHD, UHD"),
    ("videoType enum", _set(f"{VIDEO}/videoType", "hls"), f"{VIDEO}/videoType", "is not allowed"),
    ("bitrate for MP4", _drop("/movies/0/content/videos/0/bitrate"), "/movies/0/content/videos/0",
     "'bitrate' (kbps), needed for MP4"),
    ("videos not empty", _set(f"{EP}/content/videos", []), f"{EP}/content/videos", "must not be empty"),
    ("duration required except live", _drop("/shortFormVideos/0/content/duration"), "/shortFormVideos/0/content",
     "missing required field 'duration'"),
    ("captionType enum", _set("/movies/0/content/captions/0/captionType", "CC"), "/movies/0/content/captions/0/captionType",
     "CLOSED_CAPTION, SUBTITLE"),
    ("trickPlay quality enum", _set("/movies/0/content/trickPlayFiles/0/quality", "SD"),
     "/movies/0/content/trickPlayFiles/0/quality", "is not allowed"),
    ("ratingSource enum", _set("/movies/0/rating/ratingSource", "FCC"), "/movies/0/rating/ratingSource", "USA_PR"),
    ("rating from its source's list", _set("/movies/0/rating/rating", "TVPG"), "/movies/0/rating/rating",
     "'TVPG' is not an MPAA rating; use one of: G, PG, PG13, R, NC17, NR, UNRATED"),
    ("rating as Roku spells it", _set("/movies/0/rating/rating", "PG-13"), "/movies/0/rating/rating",
     "(did you mean 'PG13'?)"),
    ("a USA_PR rating", _set("/movies/0/rating", {"rating": "R", "ratingSource": "USA_PR"}),
     "/movies/0/rating/rating", "not a USA_PR rating; use one of: TVY, TVY7, TVY14, TVG, TVPG, TV14, TVMA, PG, NR"),
    ("a BBFC rating", _set("/movies/0/rating", {"rating": "PG13", "ratingSource": "BBFC"}),
     "/movies/0/rating/rating", "not a BBFC rating; use one of: U, Uc, PG, 12, 12A, 15, 18, R18, NR"),
    ("a CHVRS rating", _set(f"{EP}/rating", {"rating": "14+", "ratingSource": "CHVRS"}),
     f"{EP}/rating/rating", "not a CHVRS rating"),
    ("a CPR rating", _set("/liveFeeds/0/rating", {"rating": "14A", "ratingSource": "CPR"}),
     "/liveFeeds/0/rating/rating", "not a CPR rating; use one of: C, C8, G, PG, 14+, 18+, E, NR, UNRATED"),
    ("a UK_CP rating", _set("/shortFormVideos/0/rating", {"rating": "TV14", "ratingSource": "UK_CP"}),
     "/shortFormVideos/0/rating/rating", "not a UK_CP rating"),
    ("a rating is a string", _set("/movies/0/rating/rating", 12), "/movies/0/rating/rating",
     "12 is not an MPAA rating"),
    ("an enum hint for case", _set(f"{VIDEO}/videoType", "hls"), f"{VIDEO}/videoType",
     "(did you mean 'HLS'?)"),
    ("credit role enum", _set("/movies/0/credits/0/role", "writer"), "/movies/0/credits/0/role", "screenwriter"),
    ("idType enum", _set("/movies/0/externalIds/0/idType", "imdb"), "/movies/0/externalIds/0/idType", "IMDB"),
    ("category order enum", _set("/categories/1/order", "newest"), "/categories/1/order", "most_recent"),
    ("adBreaks are hh:mm:ss", _set("/movies/0/content/adBreaks/1", "30:00"), "/movies/0/content/adBreaks/1", "hh:mm:ss"),
    ("thumbnail is a URL", _set("/liveFeeds/0/thumbnail", "img.jpg"), "/liveFeeds/0/thumbnail", "http(s) URL"),
    # rules beyond the schema
    ("ids unique across the feed", _set("/liveFeeds/0/id", "v1"), "/liveFeeds/0/id",
     "id 'v1' is used twice (first at /shortFormVideos/0/id)"),
    ("episode ids count too", _set(f"{EP}/id", "l1"), "/liveFeeds/0/id", f"(first at {EP}/id)"),
    ("itemIds exist", _set("/playlists/0/itemIds/1", "gone"), "/playlists/0/itemIds/1", "no movie, series"),
    ("itemIds are not episodes", _set("/playlists/0/itemIds/2", "s1e1"), "/playlists/0/itemIds/2", "is an episode"),
    ("itemIds are not live feeds", _set("/playlists/0/itemIds/2", "l1"), "/playlists/0/itemIds/2", "is a live feed"),
    ("playlist names unique", _set("/playlists/1", {"name": "Top stories", "itemIds": []}), "/playlists/1/name",
     "used twice"),
    ("playlistName exists", _set("/categories/0/playlistName", "Nope"), "/categories/0/playlistName",
     "no playlist named 'Nope'"),
    ("category not both", _set("/categories/0/query", "politics"), "/categories/0", "has both playlistName and query"),
    ("category not neither", _drop("/categories/1/query"), "/categories/1", "has neither playlistName nor query"),
    ("query AND or OR", _set("/categories/1/query", "politics AND world OR sport"), "/categories/1/query", "mixes AND and OR"),
    ("playlist category is manual", _set("/categories/0/order", "most_recent"), "/categories/0/order", "must be 'manual'"),
    ("manual only for playlists", _set("/categories/1/order", "manual"), "/categories/1/order", "only for playlist categories"),
    ("long differs from short", _set("/movies/0/longDescription", "Short."), "/movies/0/longDescription",
     "must differ from shortDescription"),
    ("releaseDate is a real date", _set("/movies/0/releaseDate", "2019-02-30"), "/movies/0/releaseDate",
     "not a real calendar date"),
    ("birthDate is a real date", _set("/movies/0/credits/0/birthDate", "1970-13-01"), "/movies/0/credits/0/birthDate",
     "not a real calendar date"),
    ("birthDate is not a leap day of a common year", _set("/movies/0/credits/0/birthDate", "1971-02-29"),
     "/movies/0/credits/0/birthDate", "'1971-02-29' is not a real calendar date"),
    ("birthDate is YYYY-MM-DD", _set("/movies/0/credits/0/birthDate", "11/03/1952"),
     "/movies/0/credits/0/birthDate", "must be a date as YYYY-MM-DD, got '11/03/1952'"),
    ("birthDate is a string", _set("/movies/0/credits/0/birthDate", 19520311),
     "/movies/0/credits/0/birthDate", "must be a string"),
    ("query tags are the items' tags", _set("/categories/1/query", "politics OR cooking OR reality shows"),
     "/categories/1/query", "no item carries the tags 'cooking' and 'reality shows'"),
    ("query operators in capitals", _set("/categories/1/query", "politics and world"), "/categories/1/query",
     "(AND and OR are written in capitals)"),
    ("query operator between tags", _set("/categories/1/query", "politics OR"), "/categories/1/query",
     "has an AND or OR with no tag on one side"),
    ("dateAdded is a real date-time", _set("/movies/0/content/dateAdded", "2023-02-29T10:00:00Z"),
     "/movies/0/content/dateAdded", "not a real date and time"),
    ("lastUpdated time in range", _set("/lastUpdated", "2024-05-31T24:00:00+00:00"), "/lastUpdated", "not a real date and time"),
    ("offset in range", _set("/lastUpdated", "2024-05-31T12:00:00+25:00"), "/lastUpdated", "not a real date and time"),
]


@pytest.mark.parametrize(("mutate", "pointer", "phrase"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN])
def test_broken_feed_reports_the_exact_place(mutate: Mutation, pointer: str, phrase: str) -> None:
    doc = minimal_feed()
    mutate(doc)
    problems = validate_feed(doc)
    assert [p for p in problems if p.path == pointer and phrase in p.message], problems
    assert all(p.path == pointer for p in problems), problems


def roku_examples_feed() -> dict:
    """Roku's own examples (rokudev/feed-specifications, direct-publisher-feed-specification.md)
    as one feed: their shared id made two, the caption's capitalised "Language" corrected,
    and the short-form video given the tags of the query category's example."""
    cdn = "https://example.org/cdn"
    content = {"dateAdded": "2015-11-11T22:21:37+00:00",
               "videos": [{"url": f"{cdn}/videos/1509428502952", "quality": "UHD", "videoType": "HLS"}],
               "captions": [{"url": f"{cdn}/subtitles/1509428502952/sub-fr.srt", "language": "fr",
                             "captionType": "CLOSED_CAPTION"}],
               "trickPlayFiles": [{"url": f"{cdn}/trickplayFiles/1509428502952/1", "quality": "FHD"}],
               "duration": 1290}
    return {
        "providerName": "Acme Productions", "lastUpdated": "2015-11-11T22:21:37+00:00", "language": "en",
        "movies": [{
            "id": "1509428502952", "title": "Sample Movie", "content": content,
            "genres": ["drama", "comedy", "horror"],
            "thumbnail": f"{cdn}/thumbnails/1509428502952/1", "releaseDate": "2016-01-01",
            "shortDescription": "Incredible movie description",
            "longDescription": "Even more incredible and longer movie description",
            "tags": ["amazing", "drama", "comedy", "horror"],
            "credits": [{"name": "Douglas N. Adams", "role": "screenwriter", "birthDate": "1952-03-11"}],
            "rating": {"rating": "PG", "ratingSource": "USA_PR"},
            "externalIds": [{"id": "tt0371724", "idType": "IMDB"}],
        }],
        "shortFormVideos": [{
            "id": "1509428502953", "title": "The Amazing Short-form Video", "content": content,
            "thumbnail": f"{cdn}/thumbnails/1509428502952/1",
            "shortDescription": "Astonishing short-form video", "releaseDate": "2016-01-01",
            "tags": ["cooking", "reality shows"],
        }],
        "playlists": [{"name": "featured content", "itemIds": ["1509428502952", "1509428502953"]}],
        "categories": [
            {"name": "Cooking Shows", "query": "cooking AND reality shows", "order": "most_popular"},
            {"name": "Featured", "playlistName": "featured content", "order": "manual"},
        ],
    }


def test_roku_own_examples_are_valid() -> None:
    assert validate_feed(roku_examples_feed()) == []
    assert validate_bytes(orjson.dumps(roku_examples_feed())) == []


def test_each_rating_of_roku_list_is_taken_by_a_source_and_the_schema_says_which() -> None:
    with open("feeds/formats/schemas/roku-feed.json", encoding="utf-8") as f:
        defs = json.load(f)["$defs"]
    in_schema = {source: defs[f"rating_{source}"]["then"]["properties"]["rating"]["enum"]
                 for source in RATINGS}
    assert in_schema == RATINGS
    assert ROKU_RATINGS <= {rating for ratings in RATINGS.values() for rating in ratings}
    for source, ratings in RATINGS.items():
        doc = minimal_feed()
        doc["movies"] = [{**copy.deepcopy(doc["movies"][0]), "id": f"m{i}",
                          "rating": {"rating": rating, "ratingSource": source}}
                         for i, rating in enumerate(ratings)]
        doc["playlists"][0]["itemIds"].remove("m1")
        assert validate_feed(doc) == [], source
        assert validate_feed(doc, Memo()) == [], source


def test_a_rating_of_an_unknown_source_is_one_problem_and_its_rating_still_checked() -> None:
    doc = minimal_feed()
    doc["movies"][0]["rating"] = {"rating": "", "ratingSource": "TV"}
    assert validate_feed(doc) == [
        Problem("/movies/0/rating/rating", "must not be empty"),
        Problem("/movies/0/rating/ratingSource",
                "'TV' is not allowed; use one of: BBFC, CHVRS, CPR, MPAA, UK_CP, USA_PR"),
    ]


def test_a_query_matches_tags_whatever_their_case_and_spacing() -> None:
    doc = minimal_feed()
    doc["shortFormVideos"][0]["tags"] = ["World  News", "politics"]
    doc["categories"][1]["query"] = "world news AND Politics"
    assert validate_feed(doc) == []


def test_a_feed_too_long_for_roku_template_channel_is_a_problem_at_the_root() -> None:
    doc = minimal_feed()
    video = doc["shortFormVideos"][0]
    doc["shortFormVideos"] = [{**copy.deepcopy(video), "id": f"v{i}"} for i in range(1, 1600)]
    data = orjson.dumps(doc)
    assert len(data) >= 500 * 1024
    assert validate_feed(doc) == []
    [problem] = validate_bytes(data)
    assert problem.path == "" and f"the feed is {len(data):,} characters long" in problem.message
    assert "reads a feed only under 512,000 (500 KB)" in problem.message


def test_the_length_roku_counts_is_in_characters_not_bytes() -> None:
    doc = minimal_feed()
    doc["shortFormVideos"] = [{**copy.deepcopy(doc["shortFormVideos"][0]), "id": f"v{i}",
                               "longDescription": "é" * 500} for i in range(1, 500)]
    data = orjson.dumps(doc)
    assert len(data) >= 500 * 1024 > len(data.decode())
    assert validate_bytes(data) == []


def test_the_media_of_a_feed_are_its_thumbnails_and_videos_in_path_order() -> None:
    doc = minimal_feed()
    doc["series"][0]["seasons"][0]["thumbnail"] = "https://cdn.example.com/season.jpg"
    doc["tvSpecials"][0]["thumbnail"] = "img.jpg"  # not a URL: the schema says so, nothing to fetch
    doc["liveFeeds"][0]["content"]["videos"][0]["videoType"] = 3
    refs = feed_media(doc)
    assert [ref.path for ref in refs] == [
        "/liveFeeds/0/brandedThumbnail", "/liveFeeds/0/content/videos/0/url", "/liveFeeds/0/thumbnail",
        "/movies/0/content/videos/0/url", "/movies/0/thumbnail",
        *(f"{EP[:-1]}{n}/{field}" for n in (0, 1) for field in ("content/videos/0/url", "thumbnail")),
        "/series/0/seasons/0/thumbnail", "/series/0/thumbnail",
        "/series/1/episodes/0/content/videos/0/url", "/series/1/episodes/0/thumbnail", "/series/1/thumbnail",
        "/shortFormVideos/0/content/videos/0/url", "/shortFormVideos/0/thumbnail",
        "/tvSpecials/0/content/videos/0/url",
    ]
    master = "https://cdn.example.com/v/master.m3u8"
    assert refs[1] == MediaRef("/liveFeeds/0/content/videos/0/url", master, "video")
    assert refs[3].video_type == "MP4" and refs[4] == MediaRef("/movies/0/thumbnail", IMG, "image")
    assert feed_media([]) == feed_media({"movies": "none"}) == []


def test_the_media_of_a_search_feed_are_its_images() -> None:
    assert search_feed_media(minimal_search_feed()) == [MediaRef("/assets/0/images/0/url", IMG, "image")]
    assert search_feed_media({"assets": [{"images": [{"url": 5}]}, "x"]}) == []


def test_root_must_be_an_object() -> None:
    assert validate_feed([]) == [Problem("", "must be an object, got a list []")]


def test_problems_are_sorted_with_numeric_indexes() -> None:
    doc = minimal_feed()
    doc["shortFormVideos"] = [copy.deepcopy(doc["shortFormVideos"][0]) for _ in range(11)]
    for i, video in enumerate(doc["shortFormVideos"]):
        video["id"] = f"v{i}" if i else "v1"
    doc["shortFormVideos"][10]["title"] = ""
    doc["shortFormVideos"][2]["title"] = ""
    paths = [p.path for p in validate_feed(doc)]
    assert paths == ["/shortFormVideos/1/id", "/shortFormVideos/2/title", "/shortFormVideos/10/title"]


def test_a_third_use_of_an_id_is_counted() -> None:
    doc = minimal_feed()
    doc["liveFeeds"][0]["id"] = doc["series"][1]["episodes"][0]["id"] = "v1"
    assert validate_feed(doc) == [
        Problem("/liveFeeds/0/id", "id 'v1' is used 3 times (first at /series/1/episodes/0/id)"),
        Problem("/shortFormVideos/0/id", "id 'v1' is used twice (first at /series/1/episodes/0/id)"),
    ]


def test_format_problems_shows_the_root_as_slash() -> None:
    text = format_problems([Problem("", "bad"), Problem("/movies/0/id", "worse")])
    assert text == "/: bad\n/movies/0/id: worse"


def test_pointer_tokens_are_escaped() -> None:
    doc = minimal_feed()
    doc["a/b~c"] = 1
    assert validate_feed(doc)[0].path == "/a~1b~0c"


def test_validate_bytes_accepts_a_valid_feed() -> None:
    assert validate_bytes(json.dumps(minimal_feed()).encode()) == []


@pytest.mark.parametrize(("data", "where"), [
    (b'{\n  "providerName": "x",\n}', "line 2, column 22"),
    (b"", "line 1, column 1"),
    (b'{"a": NaN}', "line 1"),
])
def test_validate_bytes_reports_invalid_json_at_the_root(data: bytes, where: str) -> None:
    [problem] = validate_bytes(data)
    assert problem.path == "" and problem.message.startswith("not valid JSON") and where in problem.message


# Search feed

def minimal_search_feed() -> dict:
    return {
        "version": "1",
        "defaultLanguage": "en",
        "defaultAvailabilityCountries": ["us", "ca"],
        "assets": [{
            "id": "v1", "type": "shortForm",
            "titles": [{"value": "A clip", "languages": ["en"]}],
            "shortDescriptions": [{"value": "A clip.", "languages": ["en"]}],
            "longDescriptions": [{"value": "A longer text.", "languages": ["en"]}],
            "releaseDate": "2024-05-30", "genres": ["news"],
            "advisoryRatings": [{"source": "USA_PR", "value": "TVG"}],
            "images": [{"type": "main", "url": IMG}],
            "durationInSeconds": 95,
            "content": {"playOptions": [{
                "license": "free", "quality": "fhd", "playId": "v1",
                "availabilityStartTime": NOW, "availabilityInfo": {"country": ["us"]},
            }]},
        }, {"id": "s1-1", "type": "season"}],
        "nextPageUrl": "https://example.com/search.json?page=2",
    }


def test_minimal_search_feed_is_valid() -> None:
    assert validate_search_feed(minimal_search_feed()) == []


A = "/assets/0"
SEARCH_BROKEN = [
    ("version is '1'", _set("/version", 1), "/version", "must be '1', got 1"),
    ("defaultLanguage lower case", _set("/defaultLanguage", "EN"), "/defaultLanguage", "lower-case ISO 639-1"),
    ("countries lower case", _set("/defaultAvailabilityCountries/0", "US"), "/defaultAvailabilityCountries/0", "alpha-2"),
    ("assets required", _drop("/assets"), "", "missing required field 'assets'"),
    ("asset type enum", _set(f"{A}/type", "shortFormVideo"), f"{A}/type", "shortForm"),
    ("asset id at most 50", _set(f"{A}/id", "x" * 51), f"{A}/id", "at most 50 characters"),
    ("asset ids unique", _set("/assets/1/id", "v1"), "/assets/1/id", "used twice"),
    ("titles required", _drop(f"{A}/titles"), A, "missing required field 'titles'"),
    ("short description at most 200", _set(f"{A}/shortDescriptions/0/value", "x" * 201), f"{A}/shortDescriptions/0/value",
     "at most 200 characters"),
    ("long description at most 500", _set(f"{A}/longDescriptions/0/value", "x" * 501), f"{A}/longDescriptions/0/value",
     "at most 500 characters"),
    ("a main image", _set(f"{A}/images/0/type", "background"), f"{A}/images", "type 'main'"),
    ("releaseDate real", _set(f"{A}/releaseDate", "2024-02-30"), f"{A}/releaseDate", "real calendar date"),
    ("rating source enum", _set(f"{A}/advisoryRatings/0/source", "TV"), f"{A}/advisoryRatings/0/source", "is not allowed"),
    ("rating from its source's list", _set(f"{A}/advisoryRatings/0/value", "PG-13"),
     f"{A}/advisoryRatings/0/value", "'PG-13' is not a USA_PR rating; use one of: NR, TV-Y, TVY"),
    ("an MPAA rating", _set(f"{A}/advisoryRatings/0", {"source": "MPAA", "value": "TV-MA"}),
     f"{A}/advisoryRatings/0/value", "is not an MPAA rating; use one of: NR, G, PG, PG13, PG-13, R"),
    ("an RTC rating as Roku spells it", _set(f"{A}/advisoryRatings/0", {"source": "RTC", "value": "b15"}),
     f"{A}/advisoryRatings/0/value", "(did you mean 'B15'?)"),
    ("license enum", _set(f"{A}/content/playOptions/0/license", "ads"), f"{A}/content/playOptions/0/license", "free"),
    ("playId required", _drop(f"{A}/content/playOptions/0/playId"), f"{A}/content/playOptions/0", "'playId'"),
    ("price for rentals", _set(f"{A}/content/playOptions/0/license", "rental"), f"{A}/content/playOptions/0", "'price'"),
    ("duration integer", _set(f"{A}/durationInSeconds", "95"), f"{A}/durationInSeconds", "must be an integer"),
]


@pytest.mark.parametrize(("mutate", "pointer", "phrase"), [c[1:] for c in SEARCH_BROKEN], ids=[c[0] for c in SEARCH_BROKEN])
def test_broken_search_feed_reports_the_exact_place(mutate: Mutation, pointer: str, phrase: str) -> None:
    doc = minimal_search_feed()
    mutate(doc)
    problems = validate_search_feed(doc)
    assert [p for p in problems if p.path == pointer and phrase in p.message], problems
    assert all(p.path == pointer for p in problems), problems


# Property: the validator accepts every feed built by the rules

ID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
# Each source's ratings: all of Roku's list, each under the sources whose system it is.
RATINGS = {
    "BBFC": ["U", "Uc", "PG", "12", "12A", "15", "18", "R18", "NR", "UNRATED"],
    "CHVRS": ["G", "PG", "14A", "18A", "R", "A", "E", "NR", "UNRATED"],
    "CPR": ["C", "C8", "G", "PG", "14+", "18+", "E", "NR", "UNRATED"],
    "MPAA": ["G", "PG", "PG13", "R", "NC17", "NR", "UNRATED"],
    "UK_CP": ["U", "Uc", "PG", "12", "12A", "15", "18", "R18", "A", "AA", "NR", "UNRATED"],
    "USA_PR": ["TVY", "TVY7", "TVY14", "TVG", "TVPG", "TV14", "TVMA", "PG", "NR", "UNRATED"],
}
# Roku's list of parental ratings (direct-publisher-feed-specification.md), which names no sources.
ROKU_RATINGS = {"12", "12A", "14+", "14A", "15", "18", "18+", "18A", "A", "AA", "C", "C8", "E", "G", "NC17",
                "PG", "PG13", "R", "R18", "TV14", "TVG", "TVMA", "TVPG", "TVY", "TVY14", "TVY7", "U", "Uc",
                "UNRATED"}
GENRES = ["action", "animals", "comedy", "documentary", "news", "science fiction", "sports", "technology"]
tags = st.text("abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=20)
titles = st.text(min_size=1, max_size=80)
urls = st.from_regex(r"https://cdn\.example\.com/[a-z0-9/]{1,30}\.(jpg|m3u8|mp4)", fullmatch=True)
dates = st.dates().map(lambda d: d.isoformat())
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
date_times = st.builds(
    lambda dt, z: dt.isoformat().replace("+00:00", "Z") if z else dt.isoformat(),
    st.datetimes(timezones=offsets), st.booleans(),
)
languages = st.sampled_from(["en", "en-US", "es", "fr-CA", "pt-BR", "es-419"])


@st.composite
def videos(draw: st.DrawFn) -> dict:
    video = {"url": draw(urls), "quality": draw(st.sampled_from(["SD", "HD", "FHD", "UHD"])),
             "videoType": draw(st.sampled_from(["HLS", "SMOOTH", "DASH", "MP4", "MOV", "M4V"]))}
    if video["videoType"] in ("MP4", "MOV", "M4V") or draw(st.booleans()):
        video["bitrate"] = draw(st.integers(1, 50_000))
    return video


def contents(live: bool = False) -> st.SearchStrategy[dict]:
    required = {"dateAdded": date_times, "videos": st.lists(videos(), min_size=1, max_size=3)}
    optional = {
        "captions": st.lists(st.fixed_dictionaries({"url": urls, "language": languages,
                                                    "captionType": st.sampled_from(["CLOSED_CAPTION", "SUBTITLE"])})),
        "trickPlayFiles": st.lists(st.fixed_dictionaries({"url": urls, "quality": st.sampled_from(["HD", "FHD"])})),
        "language": languages, "validityPeriodStart": date_times, "validityPeriodEnd": date_times,
        "adBreaks": st.lists(st.times().map(lambda t: t.strftime("%H:%M:%S"))),
    }
    duration = st.integers(0, 100_000)
    if live:
        optional["duration"] = duration
    else:
        required["duration"] = duration
    return st.fixed_dictionaries(required, optional=optional)


@st.composite
def described(draw: st.DrawFn, required: dict, optional: dict) -> dict:
    """An item with id placeholder, short and (maybe) long descriptions that differ."""
    item = draw(st.fixed_dictionaries({"id": st.just(""), "title": titles, **required}, optional=optional))
    item["shortDescription"] = draw(st.text(min_size=1, max_size=200))
    long = draw(st.none() | st.text(min_size=1, max_size=500))
    if long is not None and long.strip() != item["shortDescription"].strip():
        item["longDescription"] = long
    return item


extras = {
    "tags": st.lists(tags, max_size=4),
    "credits": st.lists(st.fixed_dictionaries(
        {"name": titles, "role": st.sampled_from(["actor", "anchor", "host", "narrator", "director"])},
        optional={"birthDate": dates})),
    "rating": st.sampled_from(sorted(RATINGS)).flatmap(lambda source: st.fixed_dictionaries(
        {"rating": st.sampled_from(RATINGS[source]), "ratingSource": st.just(source)})),
    "externalIds": st.lists(st.fixed_dictionaries({"id": titles, "idType": st.sampled_from(["TMS", "ROVI", "IMDB", "EIDR"])})),
}
genres = st.lists(st.sampled_from(GENRES), min_size=1, max_size=3)
dated = {"thumbnail": urls, "releaseDate": dates}
movies = described({"content": contents(), "genres": genres, **dated}, extras)
short_form = described({"content": contents(), **dated},
                       {k: extras[k] for k in ("tags", "credits", "rating")} | {"genres": genres})
episodes = described({"content": contents(), "episodeNumber": st.integers(1, 500), **dated},
                     {k: extras[k] for k in ("credits", "rating", "externalIds")})
seasons = st.fixed_dictionaries({"seasonNumber": st.integers(0, 50), "episodes": st.lists(episodes, min_size=1, max_size=3)},
                                optional={"thumbnail": urls})
series = st.one_of(
    described({"genres": genres, "seasons": st.lists(seasons, min_size=1, max_size=2), **dated},
              {k: extras[k] for k in ("tags", "credits", "externalIds")}),
    described({"genres": genres, "episodes": st.lists(episodes, min_size=1, max_size=3), **dated}, {}),
)
live_feeds = described({"content": contents(live=True), "thumbnail": urls},
                       {"tags": extras["tags"], "genres": genres, "rating": extras["rating"], "brandedThumbnail": urls})
KINDS = {"movies": movies, "series": series, "shortFormVideos": short_form, "tvSpecials": movies, "liveFeeds": live_feeds}


def _all_items(doc: dict) -> list[dict]:
    found = []
    for key in KINDS:
        for item in doc.get(key, []):
            found.append(item)
            found.extend(item.get("episodes", []))
            found.extend(e for season in item.get("seasons", []) for e in season["episodes"])
    return found


@st.composite
def feeds(draw: st.DrawFn) -> dict:
    doc = {"providerName": draw(titles), "lastUpdated": draw(date_times), "language": draw(languages)}
    first = draw(st.sampled_from(sorted(KINDS)))
    for key, strategy in KINDS.items():
        items = draw(st.lists(strategy, min_size=1 if key == first else 0, max_size=3))
        if items or draw(st.booleans()):
            doc[key] = items
    items = _all_items(doc)
    ids = draw(st.lists(st.text(ID_CHARS, min_size=1, max_size=50), min_size=len(items), max_size=len(items), unique=True))
    for item, ident in zip(items, ids):
        item["id"] = ident
    listable = [i["id"] for key in ("movies", "series", "shortFormVideos", "tvSpecials") for i in doc.get(key, [])]
    names = draw(st.lists(st.text(min_size=1, max_size=20), max_size=3, unique=True))
    doc["playlists"] = [{"name": n, "itemIds": draw(st.lists(st.sampled_from(listable), max_size=5)) if listable else []}
                        for n in names]
    carried = sorted({tag for key in KINDS for item in doc.get(key, []) for tag in item.get("tags", [])})
    doc["categories"] = draw(st.lists(categories(names, carried), max_size=4)) if names or carried else []
    return doc


def categories(playlist_names: list[str], carried: list[str]) -> st.SearchStrategy[dict]:
    """Categories of the playlists, or of queries joining tags the items carry."""
    choices = []
    if carried:
        joined = st.lists(st.sampled_from(carried), min_size=1, max_size=3)
        query = st.builds(lambda ts, op: f" {op} ".join(ts), joined, st.sampled_from(["AND", "OR"]))
        order = st.sampled_from(["most_recent", "chronological", "most_popular"])
        choices.append(st.fixed_dictionaries({"name": titles, "query": query, "order": order}))
    if playlist_names:
        choices.append(st.fixed_dictionaries({"name": titles, "playlistName": st.sampled_from(playlist_names),
                                              "order": st.just("manual")}))
    return st.one_of(choices)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(feeds())
def test_every_valid_feed_passes(doc: dict) -> None:
    assert validate_feed(doc) == []
    assert validate_bytes(orjson.dumps(doc)) == []


def test_search_feed_root_must_be_an_object() -> None:
    assert validate_search_feed("feed") == [Problem("", "must be an object, got a string 'feed'")]


# A memo of the items found valid: skipped next time, the same problems found

def padded(doc: dict, base: dict) -> dict:
    """``doc`` with the first item of ``base``'s lists put first in its own, so that
    the items of ``doc`` sit where a validation with a memo checks them one by one."""
    out = copy.deepcopy(doc)
    for key, items in base.items():
        if isinstance(items, list) and items and isinstance(out.get(key), list):
            out[key] = [copy.deepcopy(items[0]), *out[key]]
    return out


# Values at the edges of what a compiled check could get wrong; some are valid.
EDGES = [
    ("duration true", _set(f"{A}/durationInSeconds", True)),
    ("duration a whole float", _set(f"{A}/durationInSeconds", 95.0)),
    ("releaseYear a float", _set(f"{A}/releaseYear", 2000.5)),
    ("releaseYear too early", _set(f"{A}/releaseYear", 1799)),
    ("releaseDate with a newline", _set(f"{A}/releaseDate", "2024-05-30\n")),
    ("type an integer", _set(f"{A}/type", 1)),
    ("no images", _set(f"{A}/images", [])),
    ("a season needs no titles", _all(_set(f"{A}/type", "season"), _drop(f"{A}/titles"))),
    ("a free play option may have a negative price", _set(f"{A}/content/playOptions/0/price", -1)),
    ("a rental needs a price of at least 0", _all(_set(f"{A}/content/playOptions/0/license", "rental"),
                                                   _set(f"{A}/content/playOptions/0/price", -0.5))),
    ("an asset is an object", _set(A, ["v1"])),
    ("an unknown field is allowed", _set(f"{A}/extra", {"x": 1})),
]
MEMO_CASES = ([(minimal_feed, validate_feed, case) for case in BROKEN]
              + [(minimal_search_feed, validate_search_feed, case) for case in SEARCH_BROKEN]
              + [(minimal_search_feed, validate_search_feed, case) for case in EDGES])


@pytest.mark.parametrize(("base", "validate", "case"), MEMO_CASES, ids=[c[2][0] for c in MEMO_CASES])
def test_a_memo_changes_no_problem_found(base: Callable[[], dict], validate: Callable, case: tuple) -> None:
    doc = base()
    case[1](doc)
    for shape in (doc, padded(doc, base())):
        warm = Memo()
        assert validate(padded(base(), base()), warm) is not None and warm.valid
        assert validate(shape, Memo()) == validate(shape, warm) == validate(shape)


def many_assets(count: int) -> dict:
    doc = minimal_search_feed()
    first = doc["assets"][0]
    doc["assets"] = [{**first, "id": f"v{n}"} for n in range(count)]
    return doc


def test_a_memo_skips_the_items_it_found_valid_and_keeps_only_the_last_ones(monkeypatch) -> None:
    checked: list[tuple] = []
    real = validate_module._item_problems
    monkeypatch.setattr(validate_module, "_item_problems", lambda s, i, at: checked.append(at) or real(s, i, at))
    memo = Memo()
    doc = many_assets(50)
    assert validate_search_feed(doc, memo) == [] and len(checked) == 49 and len(memo.valid) == 49
    checked.clear()
    doc["assets"][7]["durationInSeconds"] = "long"
    problems = validate_search_feed(doc, memo)
    assert [p.path for p in problems] == ["/assets/7/durationInSeconds"]
    assert checked == [("assets", 7)] and len(memo.valid) == 48
    checked.clear()
    assert validate_search_feed(many_assets(10), memo) == [] and len(memo.valid) == 9
    assert checked == [("assets", 7)], "only the one invalid last time is checked again"


def two_of_each() -> dict:
    doc = minimal_feed()
    for key in ("movies", "shortFormVideos", "tvSpecials", "liveFeeds"):
        doc[key].append({**copy.deepcopy(doc[key][0]), "id": doc[key][0]["id"] + "b"})
    doc["playlists"].append({"name": "More", "itemIds": ["m1b"]})
    return doc


@pytest.mark.parametrize(("doc", "validate", "key", "field"), [
    (two_of_each(), validate_feed, "movies", "title"),
    (many_assets(50), validate_search_feed, "assets", "id"),
], ids=["roku feed", "search feed"])
def test_jsonschema_is_asked_only_about_the_feed_and_the_items_found_invalid(
        doc: dict, validate: Callable, key: str, field: str, monkeypatch) -> None:
    """The speed of a first publish: valid items are passed by the compiled checks."""
    asked: list[tuple] = []
    real = validate_module._problems
    monkeypatch.setattr(validate_module, "_problems", lambda v, i, at=(): asked.append(at) or real(v, i, at))
    assert validate(doc, Memo()) == [] and asked == [()]
    doc[key][1][field] = ""
    assert [p.path for p in validate(doc, Memo())] == [f"/{key}/1/{field}"]
    assert asked == [(), (key, 1), ()]


MOVES = [
    ("shortFormVideos", "movies", Problem("/movies/1", "missing required field 'genres'")),
    ("movies", "liveFeeds", Problem("/liveFeeds/1/releaseDate", "unknown field 'releaseDate'")),
    ("liveFeeds", "shortFormVideos", Problem("/shortFormVideos/1/content", "missing required field 'duration'")),
]


@pytest.mark.parametrize(("source", "target", "expected"), MOVES, ids=[f"{m[0]} to {m[1]}" for m in MOVES])
def test_an_item_moved_to_another_list_is_checked_against_that_list(source: str, target: str,
                                                                   expected: Problem) -> None:
    doc = minimal_feed()
    doc[source].append({**copy.deepcopy(doc[source][0]), "id": "moved"})
    memo = Memo()
    assert validate_feed(doc, memo) == []
    doc[target].append(doc[source].pop())
    cold = validate_feed(doc)
    assert expected in cold
    assert validate_feed(doc, memo) == cold


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(feeds(), feeds())
def test_a_memo_of_one_valid_feed_finds_nothing_wrong_in_another(first: dict, second: dict) -> None:
    memo = Memo()
    assert validate_feed(first, memo) == [] and validate_feed(second, memo) == []
