"""Every error is a JSON body with the status code: never an HTML page, never a
stack trace."""
from __future__ import annotations

import logging

from flask import Flask, jsonify
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from feeds.store.checks import Invalid

log = logging.getLogger("channel")


def error_response(status: int, message: str, **extra):
    response = jsonify({"error": message, "status": status, **extra})
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        response = error_response(exc.code or 500, exc.description or exc.name)
        for name in ("Allow", "Retry-After", "WWW-Authenticate"):
            if exc.get_response().headers.get(name):
                response.headers[name] = exc.get_response().headers[name]
        return response

    @app.errorhandler(Invalid)
    def invalid(exc: Invalid):
        return error_response(400, f"invalid request: {exc}", fields=exc.errors)

    @app.errorhandler(OperationalError)
    def store_unavailable(exc: OperationalError):
        log.error("store unavailable: %s", exc)
        response = error_response(503, "the store is unavailable (unreachable or read-only); "
                                       "nothing was changed, try again shortly")
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error")
        return error_response(500, InternalServerError.description)
