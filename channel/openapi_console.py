"""The OpenAPI description of the ops console's pages (``/admin/``). They answer
HTML to a browser signed in with an admin token; every change they offer is made
by the browser through the admin API routes, which are described with the rest."""
from __future__ import annotations

from apispec import APISpec

from channel.openapi_parts import HTML, HTML_PAGE, INTEGER, STRING, in_path, in_query

SECURED = {"security": [{"admin": []}]}
OFF = {"description": "The console is off: no admin token configured (HTML page).",
       "content": {HTML: {"schema": STRING}}}
TO_SIGN_IN = {"description": "Not signed in: to the sign-in page, which comes back here after."}
MISSING = {"description": "No such channel, source, item or publish (HTML page).",
           "content": {HTML: {"schema": STRING}}}
REFUSED = {"description": "The form's CSRF token is missing or wrong, or a field is wrong (HTML page).",
           "content": {HTML: {"schema": STRING}}}
SESSION = ("A page of the ops console: needs a console session, made by signing in with an admin "
           "token (a signed, HttpOnly, SameSite=Strict cookie). The page's actions call the admin "
           "API with that session and its CSRF token.")


def page(summary: str, **responses: dict) -> dict:
    return {"summary": summary, "description": SESSION, "tags": ["console"], **SECURED,
            "responses": {"200": HTML_PAGE, "303": TO_SIGN_IN, "401": OFF, **responses}}


def console_paths(spec: APISpec) -> None:
    channel_id = in_path("channel_id", description="The channel's id.")
    spec.path("/admin/", operations={"get": page("Every channel, its health at a glance.")})
    spec.path("/admin/channels/{channel_id}", parameters=[channel_id], operations={"get": page(
        "A channel: sources, what the live publish left out and why, publish history, rows, items.",
        **{"404": MISSING})})
    spec.path("/admin/channels/{channel_id}/publishes/{publish_id}",
              parameters=[channel_id, in_path("publish_id", INTEGER, "The publish's id.")],
              operations={"get": {**page("One publish and what it changed on the TV.",
                                         **{"400": REFUSED, "404": MISSING}),
                                  "parameters": [in_query("against", STRING, "A publish id, or `live`; "
                                                          "by default the publish before.")]}})
    spec.path("/admin/items/{item_id}", parameters=[in_path("item_id")], operations={"get": page(
        "An item: what we stored, what each feed shows of it, hide and pin.", **{"404": MISSING})})
    spec.path("/admin/sources/{source_id}", parameters=[in_path("source_id", INTEGER, "The source's id.")],
              operations={"get": {**page("A source: its run history and last fetch, and its settings.",
                                         **{"400": REFUSED, "404": MISSING}),
                                  "parameters": [in_query("before", INTEGER, "Only runs with a smaller id.")]}})
    spec.path("/admin/import", operations={
        "get": page("The form to import a TOML file of channels and sources."),
        "post": {**page("Check a TOML file (multipart, field `file`) as `channel sources import` "
                        "does and show what it would add, change or refuse; nothing changes yet.",
                        **{"400": REFUSED}),
                 "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                     "type": "object", "properties": {"file": {"type": "string", "format": "binary"},
                                                      "csrf_token": STRING}}}}}}})
    sign_in_paths(spec)


def sign_in_paths(spec: APISpec) -> None:
    form = {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
        "type": "object", "required": ["token", "csrf_token"],
        "properties": {"token": {**STRING, "description": "An admin token."}, "csrf_token": STRING,
                       "next": {**STRING, "description": "The console page to go to after."}}}}}}
    signed_in = {"description": "Signed in: the session cookie is set, on to `next`."}
    spec.path("/admin/sign-in", operations={
        "get": {"summary": "The sign-in form.", "tags": ["console"], **SECURED,
                "responses": {"200": HTML_PAGE, "303": {"description": "Already signed in."}, "401": OFF}},
        "post": {"summary": "Sign in with an admin token. A wrong token is answered after a delay "
                            "and counted (`channel_console_sign_ins_total`).",
                 "tags": ["console"], **SECURED, "requestBody": form,
                 "responses": {"303": signed_in, "400": REFUSED,
                               "401": {"description": "Not an admin token, or none configured (HTML page).",
                                       "content": {HTML: {"schema": STRING}}}}}})
    spec.path("/admin/sign-out", operations={"post": {
        "summary": "Sign out: the session ends.", "tags": ["console"], **SECURED,
        "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {
            "schema": {"type": "object", "required": ["csrf_token"], "properties": {"csrf_token": STRING}}}}},
        "responses": {"303": {"description": "Signed out: to the sign-in page."}, "400": REFUSED,
                      "401": OFF}}})
