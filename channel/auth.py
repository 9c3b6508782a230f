"""Who may use the admin API: a bearer token, ``CHANNEL_ADMIN_TOKEN`` (named "admin")
or one of the named ``CHANNEL_ADMIN_TOKENS``; the name is what the audit log says.
A request without an ``Authorization`` header may instead carry the ops console's
session (signed in with one of those tokens); it must then carry the session's
CSRF token too when it changes anything."""
from __future__ import annotations

import hmac

from flask import abort, current_app, g, request


def require_admin() -> None:
    """A ``before_request`` of every admin blueprint: 401 unless the request carries
    a configured token; ``g.actor`` is then its name."""
    tokens = current_app.config["SETTINGS"].named_tokens()
    if not tokens:
        abort(401, "the admin API is disabled: set CHANNEL_ADMIN_TOKEN to enable it")
    if "Authorization" not in request.headers and _console_session(tokens):
        return
    given = request.headers.get("Authorization", "").encode()
    actor = None
    for name, token in tokens.items():
        if hmac.compare_digest(given, f"Bearer {token}".encode()):
            actor = name
    if actor is None:
        abort(401, "a valid admin token is required (Authorization: Bearer <token>)")
    g.actor = actor


def _console_session(tokens: dict[str, str]) -> bool:
    """The console's browser calls this API with its session cookie; CSRF-checked
    here, since a cookie, unlike a bearer token, is sent by the browser on its own."""
    from channel.console.session import signed_in_actor

    name = signed_in_actor(tokens)
    if name is None:
        return False
    current_app.extensions["csrf"].protect()
    g.actor = name
    return True


def actor() -> str:
    return g.get("actor", "")
