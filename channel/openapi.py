"""The OpenAPI 3.1 description of every route, kept by hand beside the routes.

tests/channel/test_openapi.py fails when a route is added, removed or changes its
methods without this file following."""
from __future__ import annotations

from functools import cache

from apispec import APISpec

from channel import openapi_console, openapi_ops, openapi_websub
from channel.openapi_parts import (
    BOOLEAN,
    CACHE_HEADERS,
    DATETIME,
    FIELD_ERRORS,
    HTML_PAGE,
    INTEGER,
    JSON,
    STRING,
    UNAUTHORIZED,
    URL,
    array,
    error,
    in_path,
    in_query,
    json_response,
    nullable,
    ref,
    shape,
)
from channel.tools import SCHEMAS as TOOL_SCHEMAS
from feeds.formats.deeplink import MEDIA_TYPES
from feeds.store.catalog import MAX_LIMIT
from feeds.store.tables import RUN_STATUSES, SOURCE_KINDS

TITLE = "Channel feeds"
VERSION = "1.0.0"


SECONDS = {"oneOf": [{"type": "integer", "minimum": 30, "maximum": 604800},
                     {"type": "string", "pattern": r"^\s*\d+\s*[smhd]?\s*$"}],
           "description": "Seconds (30 s to 7 days), or a duration such as `10m`, `1h`, `1d`."}
COUNTRIES = {**array({"type": "string", "pattern": "^[a-zA-Z]{2}$"}),
             "description": "Where the search feed says the channel is available (ISO 3166-1 "
                            "alpha-2); empty: the region of its language, else the US."}

SCHEMAS: dict[str, dict] = {
    "Error": shape(error=STRING, status=INTEGER),
    "FieldErrors": {
        "allOf": [ref("Error"), shape(fields={
            "type": "object", "additionalProperties": STRING,
            "description": "What is wrong with each field, by field name."})]},
    "Image": shape(url=URL, caption=STRING),
    "ItemSummary": shape(
        id=STRING, kind={"enum": ["article", "video", "live"]}, title=STRING, summary=STRING,
        image={"oneOf": [ref("Image"), {"type": "null"}]},
        categories={**array(STRING), "description": "The section path, outermost first."},
        published={**DATETIME, "description": "ISO 8601 with the publisher's offset."},
        url={**STRING, "description": "The canonical address of the article or video page."},
        duration=nullable("integer", description="Seconds.")),
    "Video": shape(url=URL, type=STRING, format=nullable("string", enum=[
        "HLS", "DASH", "SMOOTH", "MP4", "MOV", "M4V", None]),
        quality={"enum": ["SD", "HD", "FHD", "UHD"]}, width=nullable("integer"),
        height=nullable("integer"), duration=nullable("integer")),
    "Item": {"allOf": [ref("ItemSummary"), shape(
        channel=STRING, author=STRING, language=STRING, updated=nullable("string", format="date-time"),
        body={**array(STRING), "description": "Paragraphs, plain text."},
        body_html={**STRING, "description": "The body as sanitised HTML."},
        tags=array(STRING), videos=array(ref("Video")), captions=array(ref("Caption")),
        related=array(ref("ItemSummary")))]},
    "Caption": shape(url=URL, language={**STRING, "description": "As the publisher gave it (BCP 47)."},
                     name=STRING, kind={"enum": ["captions", "subtitles"]},
                     format={**STRING, "description": "`hls`: a subtitle group inside the HLS stream, "
                                                      "played from it; else a side-car file."}),
    "Channel": shape(id=STRING, title=STRING, provider=STRING, language=STRING, timezone=STRING),
    "Home": shape(channel=ref("Channel"), live=array(ref("ItemSummary")),
                  rows=array(shape(name=STRING, items=array(ref("ItemSummary"))))),
    "ItemPage": shape(items=array({"allOf": [ref("ItemSummary"), shape(required=[], snippet={
        **STRING, "description": "Only when searching (`q`): where the item matched, as HTML: "
        "escaped text with the matched words in `<mark>`."})]}), next_cursor=nullable(
        "string", description="Pass as `cursor` for the next page; null on the last page. "
        "A search's pages come most relevant first among its newest matches, then the "
        "older matches newest first; the cursor keeps that order while items arrive.")),
    "RokuItem": {"type": "object", "required": ["id", "title"],
                 "properties": {"id": STRING, "title": STRING, "content": {"type": "object"}},
                 "description": "A movie, series, episode, short-form video or TV special "
                                "as the Roku feed carries it."},
    "DeepLink": shape(id=STRING, mediaType={"enum": list(MEDIA_TYPES)}, title=STRING,
                      item=ref("RokuItem")),
    "RokuFeed": {"type": "object", "required": ["providerName", "lastUpdated", "language"],
                 "properties": {"providerName": STRING, "lastUpdated": DATETIME, "language": STRING,
                                **{name: array({"type": "object"}) for name in (
                                    "movies", "series", "shortFormVideos", "tvSpecials",
                                    "liveFeeds", "playlists", "categories")}},
                 "description": "Roku's JSON feed (Direct Publisher shape); the full JSON "
                                "Schema is served at `/schemas/roku-feed.json`."},
    "SearchFeed": {"type": "object", "required": ["version", "defaultLanguage", "assets"],
                   "properties": {"version": {"const": "1"}, "defaultLanguage": STRING,
                                  "defaultAvailabilityCountries": array(STRING),
                                  "assets": array({"type": "object"}), "nextPageUrl": URL},
                   "description": "Roku's Search feed, version 1; JSON Schema at "
                                  "`/schemas/roku-search.json`."},
    "JsonFeed": {"type": "object", "required": ["version", "title", "items"],
                 "properties": {"version": {"const": "https://jsonfeed.org/version/1.1"}, "title": STRING,
                                "home_page_url": URL, "feed_url": URL, "description": STRING,
                                "language": STRING, "items": array({"type": "object"})},
                 "description": "JSON Feed 1.1 of the newest articles and videos (our tile as `image`, "
                                "renditions as `attachments`); JSON Schema at `/schemas/jsonfeed.json`."},
    "GoogleDataFeed": {"type": "object", "required": ["@context", "@type", "dateModified", "dataFeedElement"],
                       "properties": {"@context": STRING, "@type": {"const": "DataFeed"},
                                      "dateModified": DATETIME, "dataFeedElement": array({"type": "object"})},
                       "description": "Google TV Media Actions data feed: `VideoObject` clips with a "
                                      "`WatchAction` to the deep link, the live stream as a "
                                      "`BroadcastEvent`; JSON Schema at `/schemas/google-datafeed.json`."},
    "Validation": shape(valid=BOOLEAN, errors=array(shape(
        path={**STRING, "description": "A JSON Pointer into the document; empty for the root."},
        message=STRING))),
    "Health": shape(status={"const": "ok"}),
    "Ready": shape(ready=BOOLEAN, checks=shape(store=BOOLEAN, cache=BOOLEAN)),
    "AdminChannel": shape(id=STRING, title=STRING, provider_name=STRING, language=STRING,
                          timezone=STRING, default_thumbnail=STRING, countries=array(STRING),
                          hold=ref("Hold")),
    "AdminChannelList": shape(channels=array(ref("AdminChannel"))),
    "ChannelCreate": {"type": "object", "additionalProperties": False, "required": ["id", "title"],
                      "properties": {
                          "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,49}$"},
                          "title": {"type": "string", "maxLength": 200},
                          "provider_name": {"type": "string", "maxLength": 200},
                          "language": {"type": "string", "maxLength": 16},
                          "timezone": {**STRING, "description": "IANA, such as Europe/London."},
                          "default_thumbnail": {**URL, "description": "http(s), or empty."},
                          "countries": COUNTRIES}},
    "ChannelChange": {"type": "object", "additionalProperties": False,
                      "description": "Any fields of a channel but its id.", "properties": {
                          "title": {"type": "string", "maxLength": 200},
                          "provider_name": {"type": "string", "maxLength": 200},
                          "language": {"type": "string", "maxLength": 16},
                          "timezone": STRING, "default_thumbnail": STRING, "countries": COUNTRIES}},
    "Source": shape(id=INTEGER, channel=STRING, kind={"enum": list(SOURCE_KINDS)}, url=URL,
                    every={**INTEGER, "description": "Seconds between refreshes."},
                    category=STRING, enabled=BOOLEAN, title=STRING, description=STRING,
                    thumbnail=STRING, options={"type": "object"},
                    next_due=nullable("string", format="date-time"), failures=INTEGER,
                    disabled_reason=STRING),
    "SourceList": shape(sources=array(ref("Source"))),
    "SourceCreate": {"type": "object", "additionalProperties": False,
                     "required": ["channel", "kind", "url"], "properties": {
                         "channel": {"type": "string", "maxLength": 50},
                         "kind": {"enum": list(SOURCE_KINDS)},
                         "url": {**URL, "maxLength": 2048, "description": "http or https."},
                         "every": SECONDS, "category": {"type": "string", "maxLength": 200},
                         "enabled": BOOLEAN, "title": {"type": "string", "maxLength": 300},
                         "description": {"type": "string", "maxLength": 2000},
                         "thumbnail": STRING, "options": {"type": "object"}}},
    "SourceChange": {"type": "object", "additionalProperties": False,
                     "description": "Any fields of a source but its channel. A new `every` holds "
                                    "from the next tick; `enabled: true` clears the failures.",
                     "properties": {
                         "kind": {"enum": list(SOURCE_KINDS)}, "url": URL, "every": SECONDS,
                         "category": STRING, "enabled": BOOLEAN, "title": STRING,
                         "description": STRING, "thumbnail": STRING, "options": {"type": "object"}}},
    "Run": shape(id=INTEGER, source=INTEGER, started=nullable("string", format="date-time"),
                 finished=nullable("string", format="date-time"),
                 status={"enum": list(RUN_STATUSES)}, new=INTEGER, updated=INTEGER,
                 unchanged=INTEGER, error=STRING),
    "RunList": shape(runs=array(ref("Run")), next=nullable(
        "string", description="The query string of the next page; null on the last page.")),
    "Queued": shape(run_id=INTEGER, status={"const": "queued"},
                    runs={**STRING, "description": "Where to read the run history."}),
}


def feed_responses(content_type: str, schema: dict) -> dict:
    return {
        "200": {"description": "The published snapshot (gzip when accepted).",
                "headers": CACHE_HEADERS, "content": {content_type: {"schema": schema}}},
        "304": {"description": "Not modified since the ETag sent.", "headers": CACHE_HEADERS},
        "404": error("Unknown channel, or nothing published for it."),
    }


# Parameters --------------------------------------------------------------------

CHANNEL = in_path("channel", description="The channel's id, such as `demo`.")
CHANNEL_ID = in_path("channel_id", description="The channel's id.")
SOURCE_ID = in_path("source_id", INTEGER, "The source's id.")
IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False, "schema": STRING}


# Paths -------------------------------------------------------------------------

def op(summary: str, responses: dict, tag: str, **more) -> dict:
    return {"summary": summary, "tags": [tag], "responses": responses, **more}


def public_paths(spec: APISpec) -> None:
    openapi_ops.media_paths(spec)
    feeds = [("roku.json", JSON, ref("RokuFeed"), "The channel as a Roku JSON feed."),
             ("mrss.xml", "application/rss+xml", STRING, "The channel as Media RSS (Roku MRSS)."),
             ("search.json", JSON, ref("SearchFeed"), "The catalogue as a Roku Search feed."),
             ("feed.json", "application/feed+json", ref("JsonFeed"),
              "The newest articles and videos as a JSON Feed 1.1."),
             ("google.json", JSON, ref("GoogleDataFeed"),
              "The playable catalogue and live stream as a Google TV Media Actions data feed.")]
    for name, content_type, schema, summary in feeds:
        spec.path(f"/feeds/{{channel}}/{name}", parameters=[CHANNEL], operations={"get": op(
            summary, feed_responses(content_type, schema), "feeds", parameters=[IF_NONE_MATCH])})


def api_paths(spec: APISpec) -> None:
    spec.path("/api/v1/channels", operations={"get": op(
        "Every channel.", {"200": json_response("The channels.", shape(channels=array(ref("Channel"))))},
        "companion")})
    spec.path("/api/v1/channels/{channel}/home", parameters=[CHANNEL], operations={"get": op(
        "The home screen: the live stream, then rows by section.",
        {"200": json_response("The published home document.", ref("Home"), headers=CACHE_HEADERS),
         "304": {"description": "Not modified since the ETag sent."},
         "404": error("Unknown channel.")}, "companion", parameters=[IF_NONE_MATCH])})
    spec.path("/api/v1/channels/{channel}/items", parameters=[CHANNEL], operations={"get": op(
        "The channel's items, newest first, a page at a time.",
        {"200": json_response("A page of items.", ref("ItemPage")),
         "400": error("A bad `limit` or `cursor`."), "404": error("Unknown channel.")},
        "companion", parameters=[
            in_query("category", STRING, "Only items in this section (any level of the path)."),
            in_query("q", STRING, "Only items whose text has these words."),
            in_query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 20}),
            in_query("cursor", STRING, "`next_cursor` of the page before.")])})
    spec.path("/api/v1/channels/{channel}/deeplink", parameters=[CHANNEL], operations={"get": op(
        "What a deep link plays; a 404 means: show the home screen.",
        {"200": json_response("The playable item.", ref("DeepLink")),
         "400": error("`contentId` missing or too long, or an unknown `mediaType`."),
         "404": error("Unknown channel, or no playable item of that id and type.")},
        "companion", parameters=[
            in_query("contentId", {"type": "string", "minLength": 1, "maxLength": 255},
                     "The id the channel was launched with.", required=True),
            in_query("mediaType", {"enum": list(MEDIA_TYPES)}, required=True)])})
    spec.path("/api/v1/items/{item_id}", parameters=[in_path("item_id")], operations={"get": op(
        "One item, whole, with related items.",
        {"200": json_response("The item.", ref("Item")), "404": error("Unknown item.")},
        "companion")})


def health_paths(spec: APISpec) -> None:
    spec.path("/healthz", operations={"get": op(
        "The process is up.", {"200": json_response("Up.", ref("Health"))}, "operations")})
    spec.path("/readyz", operations={"get": op(
        "The store and the cache are reachable.",
        {"200": json_response("Ready.", ref("Ready")),
         "503": json_response("Not ready: `checks` says what is down.", ref("Ready"))},
        "operations")})
    spec.path("/metrics", operations={"get": op(
        "Prometheus metrics.", {"200": {"description": "Prometheus text exposition format.",
                                        "content": {"text/plain": {"schema": STRING}}}},
        "operations")})


def admin_paths(spec: APISpec) -> None:
    secured = {"security": [{"admin": []}]}

    def admin_op(summary: str, responses: dict, **more) -> dict:
        return op(summary, {**responses, "401": UNAUTHORIZED}, "admin", **secured, **more)

    def body(name: str) -> dict:
        return {"requestBody": {"required": True, "content": {JSON: {"schema": ref(name)}}}}

    no_channel = error("Unknown channel.")
    no_source = error("Unknown source.")
    gone = {"description": "Deleted."}
    spec.path("/admin/api/channels", operations={
        "get": admin_op("Every channel.", {"200": json_response("The channels.", ref("AdminChannelList"))}),
        "post": admin_op("Add a channel.", {"201": json_response("Added.", ref("AdminChannel")),
                                            "400": FIELD_ERRORS}, **body("ChannelCreate"))})
    spec.path("/admin/api/channels/{channel_id}", parameters=[CHANNEL_ID], operations={
        "get": admin_op("One channel.", {"200": json_response("The channel.", ref("AdminChannel")),
                                         "404": no_channel}),
        "patch": admin_op("Change a channel.", {"200": json_response("Changed.", ref("AdminChannel")),
                                                "400": FIELD_ERRORS, "404": no_channel},
                          **body("ChannelChange")),
        "delete": admin_op("Delete a channel, its sources and items.", {"204": gone, "404": no_channel})})
    spec.path("/admin/api/sources", operations={
        "get": admin_op("Every source, or a channel's.",
                        {"200": json_response("The sources.", ref("SourceList"))},
                        parameters=[in_query("channel", STRING, "Only this channel's sources.")]),
        "post": admin_op("Add a source.", {"201": json_response("Added.", ref("Source")),
                                           "400": FIELD_ERRORS}, **body("SourceCreate"))})
    spec.path("/admin/api/sources/{source_id}", parameters=[SOURCE_ID], operations={
        "get": admin_op("One source.", {"200": json_response("The source.", ref("Source")),
                                        "404": no_source}),
        "patch": admin_op("Change a source.", {"200": json_response("Changed.", ref("Source")),
                                               "400": FIELD_ERRORS, "404": no_source},
                          **body("SourceChange")),
        "delete": admin_op("Delete a source.", {"204": gone, "404": no_source})})
    spec.path("/admin/api/sources/{source_id}/refresh", parameters=[SOURCE_ID], operations={
        "post": admin_op(
            "Refresh now: queue a run, or with `wait=1` run it and answer its report.",
            {"200": json_response("With `wait=1`: the finished run.", ref("Run")),
             "202": json_response("Queued.", ref("Queued")), "404": no_source},
            parameters=[in_query("wait", {"enum": ["1", "true", "yes", "0"]},
                                 "Run the refresh in this request and answer the run.")])})
    spec.path("/admin/api/sources/{source_id}/runs", parameters=[SOURCE_ID], operations={
        "get": admin_op("The run history, newest first.",
                        {"200": json_response("A page of runs.", ref("RunList")),
                         "400": FIELD_ERRORS, "404": no_source},
                        parameters=[in_query("limit", {"type": "integer", "minimum": 1,
                                                       "maximum": 200, "default": 20}),
                                    in_query("before", {"type": "integer", "minimum": 1},
                                             "Only runs with a smaller id.")])})
    openapi_ops.history_paths(spec, admin_op, CHANNEL_ID)
    openapi_ops.editorial_paths(spec, admin_op, CHANNEL_ID)
    openapi_ops.webhook_paths(spec, admin_op, CHANNEL_ID)
    openapi_websub.websub_paths(spec, admin_op)


def developer_paths(spec: APISpec) -> None:
    spec.path("/tools/validate", operations={"post": op(
        "Validate a Roku JSON feed, Roku Search feed, JSON Feed or Google TV data feed (told apart "
        "by their root fields): each problem with its JSON Pointer.",
        {"200": json_response("The verdict.", ref("Validation")),
         "400": error("The body is not JSON."), "413": error("The document is over 20 MB.")},
        "developers",
        requestBody={"required": True, "content": {JSON: {"schema": {}}}})})
    spec.path("/schemas/{name}", parameters=[in_path(
        "name", {"enum": list(TOOL_SCHEMAS)})], operations={"get": op(
            "The JSON Schema the validator checks feeds against.",
            {"200": {"description": "A JSON Schema (draft 2020-12).",
                     "content": {"application/schema+json": {"schema": {"type": "object"}}}},
             "304": {"description": "Not modified."}, "404": error("No such schema.")},
            "developers")})
    spec.path("/preview/{channel}", parameters=[CHANNEL], operations={"get": op(
        "The channel's published feed drawn as a TV home screen.",
        {"200": HTML_PAGE, "404": error("Unknown channel, or nothing published.")}, "developers")})
    spec.path("/preview/{channel}/item/{item_id}", parameters=[CHANNEL, in_path("item_id")],
              operations={"get": op(
                  "One item of the preview: its details and a video player.",
                  {"200": HTML_PAGE, "404": error("Unknown channel, or no such item in its feed.")},
                  "developers")})
    spec.path("/openapi.json", operations={"get": op(
        "This document.", {"200": json_response("OpenAPI 3.1.", {"type": "object"})}, "developers")})
    spec.path("/docs", operations={"get": op(
        "This document as a readable page.", {"200": HTML_PAGE}, "developers")})


@cache
def openapi() -> dict:
    spec = APISpec(TITLE, VERSION, "3.1.0", info={"description": (
        "Feeds for set-top boxes (Roku JSON, Media RSS, Roku Search, JSON Feed, Google TV), the "
        "companion app's API, the admin API and the tools for channel developers. Every error is JSON: "
        "`{\"error\": str, \"status\": int}`.")})
    spec.components.security_scheme("admin", {
        "type": "http", "scheme": "bearer", "description": "The `CHANNEL_ADMIN_TOKEN`."})
    for name, schema in (SCHEMAS | openapi_ops.SCHEMAS | openapi_websub.SCHEMAS).items():
        spec.components.schema(name, schema)
    for add in (public_paths, api_paths, health_paths, admin_paths, openapi_console.console_paths,
                developer_paths):
        add(spec)
    return spec.to_dict()
