"""The OpenAPI description of WebSub: the callback hubs call (public: intent
verification and content pushes) and ops' view of each source's subscription."""
from __future__ import annotations

from apispec import APISpec

from channel.openapi_parts import (
    BOOLEAN,
    INTEGER,
    STRING,
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

STATES = ["unknown (not looked at yet)", "not_a_feed", "none (no hub advertised)", "new", "pending",
          "active", "denied", "failed", "expired"]
WHEN = nullable("string", format="date-time")

SCHEMAS: dict[str, dict] = {
    "WebSubSubscription": shape(
        source=INTEGER, channel=STRING, url=URL, kind=STRING, every=INTEGER,
        polled_every_while_pushed=nullable("integer", description=(
            "Seconds between safety-net polls while the lease holds; null when not pushed.")),
        state={"type": "string", "description": "One of: " + ", ".join(STATES) + "."},
        hub=nullable("string"), topic=nullable("string"),
        callback=nullable("string", description="Where the hub sends pushes (never cached by the edge)."),
        lease_seconds=nullable("integer"), lease_expires=WHEN, renew_at=WHEN, requested_at=WHEN,
        verified_at=WHEN, denied_at=WHEN, discovered_at=WHEN, next_discovery=WHEN,
        failures=INTEGER, error=nullable("string"), pushes=INTEGER, last_push=WHEN,
        rejected_pushes=INTEGER, last_rejected=WHEN, last_rejection=nullable("string"),
        required=["source", "channel", "url", "state", "hub", "topic", "callback"]),
}


def websub_paths(spec: APISpec, admin_op) -> None:
    callback_id = in_path("callback_id", STRING, "The subscription's unguessable callback id.")
    spec.path("/websub/{callback_id}", parameters=[callback_id], operations={
        "get": {"summary": "A hub verifies our intent: `hub.challenge` is echoed when `hub.mode` and "
                           "`hub.topic` match a pending or active subscription.",
                "tags": ["websub"],
                "parameters": [in_query(name, STRING) for name in
                               ("hub.mode", "hub.topic", "hub.challenge", "hub.lease_seconds", "hub.reason")],
                "responses": {"200": {"description": "The challenge, as text/plain.",
                                      "content": {"text/plain": {"schema": STRING}}},
                              "404": error("No such subscription, or mode or topic do not match.")}},
        "post": {"summary": "A hub pushes new content. Signed with `X-Hub-Signature: sha256=…` (HMAC "
                            "of the body with the subscription's secret); a good push refreshes and "
                            "publishes the source, a bad one is counted and ignored.",
                 "tags": ["websub"],
                 "responses": {"202": {"description": "Received (whatever the signature)."},
                               "410": error("No such subscription (the source moved or was removed)."),
                               "413": error("The body is too large."),
                               "503": error("The refresh could not be queued; the hub retries.")}}})
    source_id = in_path("source_id", INTEGER, "The source's id.")
    spec.path("/admin/api/websub", operations={"get": admin_op(
        "Every source's WebSub state.", {"200": json_response("The subscriptions.", shape(
            enabled=BOOLEAN, subscriptions=array(ref("WebSubSubscription"))))},
        parameters=[in_query("channel", STRING, "Only this channel's sources.")])})
    spec.path("/admin/api/sources/{source_id}/websub", parameters=[source_id], operations={
        "get": admin_op("The source's hub, subscription state, lease and pushes.", {
            "200": json_response("The subscription.", ref("WebSubSubscription")),
            "404": error("Unknown source.")})})
    spec.path("/admin/api/sources/{source_id}/websub/rediscover", parameters=[source_id], operations={
        "post": admin_op("Look at the source's feed for a hub again at the next tick; a denied, failed "
                         "or expired subscription is asked for again.", {
            "202": json_response("Asked.", ref("WebSubSubscription")),
            "404": error("Unknown source.")})})
