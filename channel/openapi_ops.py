"""The OpenAPI description of ops' routes over a channel's publishes (history, diffs,
dry runs, restore and release) and its editorial control (hide, pin, rows, audit);
see ``channel/openapi.py`` for the rest."""
from __future__ import annotations

from apispec import APISpec

from channel.openapi_parts import (
    BOOLEAN,
    DATETIME,
    FIELD_ERRORS,
    INTEGER,
    JSON,
    STRING,
    array,
    error,
    in_path,
    in_query,
    json_response,
    nullable,
    ref,
    shape,
)

SCHEMAS: dict[str, dict] = {
    "Hold": nullable("object", properties={"by": STRING, "at": DATETIME, "publish": nullable("integer")},
                     description="Set while an earlier publish is restored: who asked, when, which "
                                 "publish is on the air. Refreshes go on; nothing is published until "
                                 "the release."),
    "PublishFile": shape(etag=STRING, size=nullable("integer")),
    "Publish": shape(
        id=INTEGER, published_at=DATETIME, live=BOOLEAN,
        trigger={**STRING, "description": "Why: `refresh of source N`, `ops (name)`, `restore of "
                                          "publish N`, `release`."},
        files={"type": "object", "additionalProperties": ref("PublishFile")},
        items=nullable("integer"), carried={"type": "object", "additionalProperties": INTEGER},
        left_out=INTEGER, report={"type": "object"}, required=["id", "published_at", "live", "trigger",
                                                               "files", "items", "carried", "left_out"]),
    "PublishPage": shape(publishes=array(ref("Publish")), next=nullable(
        "string", description="Pass as `cursor` for the next page; null on the last page.")),
    "DiffItem": shape(id=STRING, title=STRING, list=STRING, fields=array(STRING),
                      required=["id", "title", "list"]),
    "DiffNamed": shape(added=array(STRING), removed=array(STRING), changed=array({"type": "object"})),
    "Diff": shape(
        publish=INTEGER, against={**STRING, "description": "`previous`, `live` or a publish id."},
        summary={**STRING, "description": "One line a person reads at a glance."},
        items=shape(added=array(ref("DiffItem")), removed=array(ref("DiffItem")),
                    changed=array(ref("DiffItem"))),
        playlists=ref("DiffNamed"), categories=ref("DiffNamed"),
        sizes={"type": "object", "additionalProperties": shape(**{"from": INTEGER, "to": INTEGER,
                                                                   "change": INTEGER})},
        required=["summary", "items", "playlists", "categories", "sizes"]),
    "PublishResult": shape(dry_run=BOOLEAN, report={"type": "object"}, diff=ref("Diff"),
                           required=["dry_run", "report"]),
    "Restored": shape(restored=INTEGER, publish=ref("Publish"), hold=ref("Hold"), back_on_air=array(
        {**shape(id=STRING, title=STRING, why=STRING), "description": (
            "An item the restored publish carries that a publish now would leave out (hidden by "
            "ops since, or outside its validity window): it is on the air again until the release.")})),
    "Released": shape(released={"const": True}, report={"type": "object"}),
    "ItemEdit": shape(id=STRING, channel=STRING, title=STRING, hidden=BOOLEAN, pinned=BOOLEAN,
                      until=nullable("string", format="date-time"),
                      pinned_at=nullable("string", format="date-time")),
    "ItemChange": {"type": "object", "additionalProperties": False, "minProperties": 1, "properties": {
        "hidden": {**BOOLEAN, "description": "Leave every feed at the next publish (and the companion "
                                             "API at once); a refresh does not bring it back."},
        "pinned": {**BOOLEAN, "description": "First in the Latest row and in its section's row."},
        "until": {**DATETIME, "description": "With `pinned: true`: when the pin lapses by itself "
                                             "(with an offset, in the future)."}}},
    "Row": shape(category=STRING, length={"type": "integer", "minimum": 1, "maximum": 200}),
    "Rows": shape(channel=STRING, rows=nullable("array", items=ref("Row"), description=(
        "The rows in order; null: the default (every section, newest first)."))),
    "RowsChange": {"oneOf": [{"type": "null"}, array(ref("Row")),
                             shape(rows=nullable("array", items=ref("Row")))]},
    "AuditEntry": shape(id=INTEGER, at=DATETIME, actor=STRING, action=STRING, target=STRING,
                        details={"type": "object"}),
    "Webhook": shape(id=INTEGER, channel=STRING, url=STRING, events=array(STRING), created_at=DATETIME,
                     secret={**STRING, "description": "The HMAC-SHA256 key of `X-Channel-Signature`; "
                                                      "shown once, when the webhook is added."},
                     required=["id", "channel", "url", "events", "created_at"]),
    "WebhookCreate": {"type": "object", "additionalProperties": False, "required": ["url"], "properties": {
        "url": {**STRING, "description": "http or https; refused on a private address unless "
                                         "CHANNEL_FETCH_ALLOW_PRIVATE."},
        "events": {**array({"enum": ["published", "source.failing", "source.disabled", "channel.stale",
                                     "media.problem"]}), "description": "Default: every event."}}},
    "Delivery": shape(id=INTEGER, webhook=INTEGER, event=STRING, key={**STRING, "description": (
        "The idempotency key, also sent as `X-Channel-Delivery` on every attempt.")},
        status={"enum": ["pending", "delivered", "failed"]}, created_at=DATETIME,
        attempts=array({"type": "object"}), payload={"type": "object"}),
    "AuditPage": shape(entries=array(ref("AuditEntry")), next=nullable(
        "string", description="The query string of the next page; null on the last page.")),
}

PUBLISH_ID = in_path("publish_id", INTEGER, "The publish's id.")


def history_paths(spec: APISpec, admin_op, channel_id: dict) -> None:
    no_channel = error("Unknown channel.")
    no_publish = error("Unknown channel, or no such publish of it.")
    base = "/admin/api/channels/{channel_id}"
    spec.path(f"{base}/publishes", parameters=[channel_id], operations={"get": admin_op(
        "The channel's publishes, newest first (the newest 50 and a week are kept).",
        {"200": json_response("A page of publishes.", ref("PublishPage")),
         "400": error("A bad `limit` or `cursor`."), "404": no_channel},
        parameters=[in_query("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
                    in_query("cursor", STRING, "`next` of the page before.")])})
    spec.path(f"{base}/publishes/{{publish_id}}", parameters=[channel_id, PUBLISH_ID], operations={
        "get": admin_op("One publish, with its report.",
                        {"200": json_response("The publish.", ref("Publish")), "404": no_publish})})
    spec.path(f"{base}/publishes/{{publish_id}}/diff", parameters=[channel_id, PUBLISH_ID], operations={
        "get": admin_op("What the publish changed on the TV.",
                        {"200": json_response("The diff.", ref("Diff")),
                         "400": error("`against` is neither a publish id nor `live`."),
                         "404": no_publish},
                        parameters=[in_query("against", STRING, "A publish id, or `live`; by default "
                                                                "the publish before.")])})
    spec.path(f"{base}/publishes/{{publish_id}}/restore", parameters=[channel_id, PUBLISH_ID], operations={
        "post": admin_op("Put the publish back on the air, same bytes and ETags, and hold the channel.",
                         {"200": json_response("Restored; the channel is held.", ref("Restored")),
                          "404": no_publish})})
    spec.path(f"{base}/release", parameters=[channel_id], operations={"post": admin_op(
        "Lift the hold and publish the channel as it is now.",
        {"200": json_response("Released and published.", ref("Released")), "404": no_channel,
         "422": error("Released, but the new build was refused (invalid).")})})
    spec.path(f"{base}/publish", parameters=[channel_id], operations={"post": admin_op(
        "Publish now; with `dry_run=1`, build and validate only and answer the diff against "
        "what is live.",
        {"200": json_response("Published, or what would be.", ref("PublishResult")),
         "404": no_channel, "409": error("The channel is held: release it first."),
         "422": error("The build was refused (invalid); nothing was published.")},
        parameters=[in_query("dry_run", {"enum": ["1", "true", "yes", "0"]})])})
    spec.path(f"{base}/report", parameters=[channel_id], operations={"get": admin_op(
        "What the live publish left out and why, and what it could not publish.",
        {"200": json_response("The live publish's report.", {"type": "object"}),
         "404": error("Unknown channel, or never published.")})})


def editorial_paths(spec: APISpec, admin_op, channel_id: dict) -> None:
    def body(name: str) -> dict:
        return {"requestBody": {"required": True, "content": {JSON: {"schema": ref(name)}}}}

    no_channel = error("Unknown channel.")
    spec.path("/admin/api/items/{item_id}", parameters=[in_path("item_id")], operations={
        "patch": admin_op("Hide or pin an item; the channel is republished (debounced) and the change "
                          "recorded in its audit log.",
                          {"200": json_response("Changed.", ref("ItemEdit")), "400": FIELD_ERRORS,
                           "404": error("Unknown item.")}, **body("ItemChange"))})
    spec.path("/admin/api/channels/{channel_id}/rows", parameters=[channel_id], operations={
        "get": admin_op("Which sections are rows, in what order, how long.",
                        {"200": json_response("The rows.", ref("Rows")), "404": no_channel}),
        "put": admin_op("Set the rows (null or [] for the default); the channel is republished.",
                        {"200": json_response("Set.", ref("Rows")), "400": FIELD_ERRORS,
                         "404": no_channel}, **body("RowsChange"))})
    spec.path("/admin/api/channels/{channel_id}/audit", parameters=[channel_id], operations={
        "get": admin_op("Every editorial and ops change to the channel, who and when, newest first.",
                        {"200": json_response("A page of entries.", ref("AuditPage")),
                         "400": FIELD_ERRORS, "404": no_channel},
                        parameters=[in_query("limit", {"type": "integer", "minimum": 1, "maximum": 200,
                                                       "default": 50}),
                                    in_query("before", {"type": "integer", "minimum": 1},
                                             "Only entries with a smaller id.")])})


def webhook_paths(spec: APISpec, admin_op, channel_id: dict) -> None:
    webhook_id = in_path("webhook_id", INTEGER, "The webhook's id.")
    spec.path("/admin/api/channels/{channel_id}/webhooks", parameters=[channel_id], operations={
        "get": admin_op("The channel's webhooks.", {
            "200": json_response("The webhooks.", shape(webhooks=array(ref("Webhook")))),
            "404": error("Unknown channel.")}),
        "post": admin_op("Send the channel's events to a URL: JSON, signed (`X-Channel-Signature: "
                         "sha256=…`), with an idempotency key, retried with backoff.", {
            "201": json_response("Added; its secret is in this answer only.", ref("Webhook")),
            "400": FIELD_ERRORS, "404": error("Unknown channel.")},
            requestBody={"required": True, "content": {JSON: {"schema": ref("WebhookCreate")}}})})
    spec.path("/admin/api/webhooks/{webhook_id}", parameters=[webhook_id], operations={
        "delete": admin_op("Remove a webhook.", {"204": {"description": "Removed."},
                                                 "404": error("Unknown webhook.")})})
    spec.path("/admin/api/webhooks/{webhook_id}/deliveries", parameters=[webhook_id], operations={
        "get": admin_op("The newest deliveries, each attempt with its status or error.", {
            "200": json_response("The deliveries.", shape(deliveries=array(ref("Delivery")))),
            "400": FIELD_ERRORS, "404": error("Unknown webhook.")},
            parameters=[in_query("limit", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50})])})


def media_paths(spec: APISpec) -> None:
    spec.path("/media/{digest}.jpg", parameters=[in_path("digest", {"type": "string", "pattern": "^[0-9a-f]{32}$"})],
              operations={"get": {"summary": "Artwork made by the workers (a 16:9 tile, a 2:3 poster, a title card).",
                                  "tags": ["feeds"], "responses": {
                                      "200": {"description": "A JPEG; immutable, cached for a year.",
                                              "content": {"image/jpeg": {"schema": {"type": "string",
                                                                                    "format": "binary"}}}},
                                      "304": {"description": "Not modified since the ETag sent."},
                                      "404": error("No such artwork.")}}})
