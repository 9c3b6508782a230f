"""The WebSub callback, ``/websub/<callback id>``: public (a hub carries no admin
token; the unguessable id and the push's signature are what authenticate it).

``GET``: the hub verifies our intent (``hub.challenge`` echoed as plain text, with
``nosniff``) or tells us of a denial; anything that matches no subscription is 404.
``POST``: the hub pushes the topic's new content. A bad or missing signature is
counted and ignored but still answered 202, as the Recommendation advises; a good one
asks for a refresh of the source now (the same refresh as ops' "refresh now"). A
callback of no subscription is 410 (a hub may then drop it), a body past
``MAX_BODY`` is 413, a refresh that cannot be queued is 503 (the hub sends it again)."""
from __future__ import annotations

import logging
import re

from flask import Blueprint, Response, abort, request
from werkzeug.exceptions import RequestEntityTooLarge

from channel.context import backend
from channel.enqueue import enqueue_refresh
from channel.inputs import MAX_BODY, read_body
from feeds import websub
from feeds.metrics import WEBSUB_PUSHES, WEBSUB_VERIFICATIONS
from feeds.store.runs import queue_run, refuse_run

bp = Blueprint("websub", __name__)
log = logging.getLogger("channel.websub")
CALLBACK_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _plain(body: str, status: int = 200) -> Response:
    response = Response(body, status=status, mimetype="text/plain")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def _known_shape(callback_id: str) -> None:
    if not CALLBACK_ID.match(callback_id):
        abort(404, "no such subscription")


@bp.get("/websub/<callback_id>")
def verify(callback_id: str):
    _known_shape(callback_id)
    answer = websub.verify_intent(backend().Session, backend().settings, callback_id, request.args)
    WEBSUB_VERIFICATIONS.labels(mode=answer.mode, outcome=answer.outcome).inc()
    if answer.body is None:
        abort(404, "no pending or active subscription matches this request")
    return _plain(answer.body)


@bp.post("/websub/<callback_id>")
def push(callback_id: str):
    _known_shape(callback_id)
    try:
        body = read_body(MAX_BODY)
    except RequestEntityTooLarge:
        WEBSUB_PUSHES.labels(outcome="too_large").inc()
        raise
    current = backend()
    outcome = websub.receive_push(current.Session, callback_id, request.headers.get("X-Hub-Signature"), body)
    if outcome.outcome == "unknown_subscription":
        WEBSUB_PUSHES.labels(outcome=outcome.outcome).inc()
        return _plain("no such subscription", 410)
    if outcome.refresh:
        run_id = None
        try:
            run_id = queue_run(current.Session, outcome.source_id)
            enqueue_refresh(current, outcome.source_id, run_id)
        except LookupError:
            pass  # the source went away meanwhile
        except Exception as exc:
            log.error("websub push: refresh not queued", extra={
                "event": "websub.push", "source_id": outcome.source_id, "error": str(exc)})
            if run_id is not None:
                refuse_run(current.Session, run_id, f"could not enqueue the refresh a push asked for: {exc}")
            WEBSUB_PUSHES.labels(outcome="enqueue_failed").inc()
            return _plain("the refresh could not be queued; send it again later", 503)
    WEBSUB_PUSHES.labels(outcome=outcome.outcome).inc()
    return _plain("", 202)
