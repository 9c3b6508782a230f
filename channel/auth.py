"""Who may use the admin API: a bearer token, ``CHANNEL_ADMIN_TOKEN`` (named "admin")
or one of the named ``CHANNEL_ADMIN_TOKENS``; the name is what the audit log says."""
from __future__ import annotations

import hmac

from flask import abort, current_app, g, request


def require_admin() -> None:
    """A ``before_request`` of every admin blueprint: 401 unless the request carries
    a configured token; ``g.actor`` is then its name."""
    tokens = current_app.config["SETTINGS"].named_tokens()
    if not tokens:
        abort(401, "the admin API is disabled: set CHANNEL_ADMIN_TOKEN to enable it")
    given = request.headers.get("Authorization", "").encode()
    actor = None
    for name, token in tokens.items():
        if hmac.compare_digest(given, f"Bearer {token}".encode()):
            actor = name
    if actor is None:
        abort(401, "a valid admin token is required (Authorization: Bearer <token>)")
    g.actor = actor


def actor() -> str:
    return g.get("actor", "")
