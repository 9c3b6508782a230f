"""Who is signed in to the console: Flask's signed session cookie names the token's
owner, carries a fingerprint of the token and the time of sign-in. A token taken
out of the configuration (or changed) ends its sessions at once, and a session
ends ``LIFETIME`` after sign-in however busy it is."""
from __future__ import annotations

import hashlib
import hmac
import time
from datetime import timedelta

from flask import Flask, current_app, request, session
from flask.sessions import SecureCookieSessionInterface

LIFETIME = timedelta(hours=8)


def is_https() -> bool:
    """Whether the browser reached us over HTTPS: directly, or through a proxy that
    says so (gunicorn already trusts a local proxy's ``X-Forwarded-Proto``)."""
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return request.is_secure or forwarded == "https"


class ConsoleSessionInterface(SecureCookieSessionInterface):
    """The session cookie is ``Secure`` whenever the request came over HTTPS, so a
    deployment behind TLS needs no setting for it and plain-HTTP development works."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or is_https()


def fingerprint(token: str) -> str:
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()[:32]


def signed_in_actor(tokens: dict[str, str]) -> str | None:
    """The name of the signed-in token's owner, or ``None``."""
    if not current_app.secret_key:
        return None
    name, mark, since = session.get("actor"), session.get("key"), session.get("since")
    if not isinstance(name, str) or name not in tokens or not isinstance(mark, str):
        return None
    if not isinstance(since, (int, float)) or time.time() - since > LIFETIME.total_seconds():
        return None
    return name if hmac.compare_digest(mark, fingerprint(tokens[name])) else None


def sign_in(name: str, token: str) -> None:
    """A new session (and so a new CSRF token): nothing from before sign-in is kept."""
    session.clear()
    session.permanent = True
    session.update(actor=name, key=fingerprint(token), since=time.time())


def sign_out() -> None:
    session.clear()
