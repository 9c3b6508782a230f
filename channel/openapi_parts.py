"""The building blocks of the OpenAPI document: schema shapes, responses, parameters."""
from __future__ import annotations

JSON = "application/json"
HTML = "text/html"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(kind: str, **more) -> dict:
    return {"type": [kind, "null"], **more}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def shape(required: list[str] | None = None, **properties) -> dict:
    """An object with these properties, all of them required unless ``required`` says."""
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
URL = {"type": "string", "format": "uri"}
DATETIME = {"type": "string", "format": "date-time"}
def json_response(description: str, schema: dict, **more) -> dict:
    return {"description": description, "content": {JSON: {"schema": schema}}, **more}


def error(description: str) -> dict:
    return json_response(description, ref("Error"))


FIELD_ERRORS = json_response("A field is wrong: `fields` says which and why.", ref("FieldErrors"))
UNAUTHORIZED = error("No valid admin token (or none is configured); nothing changed.")
HTML_PAGE = {"description": "An HTML page.", "content": {HTML: {"schema": STRING}}}
CACHE_HEADERS = {
    "ETag": {"schema": STRING, "description": "Send back in If-None-Match to get a 304."},
    "Last-Modified": {"schema": STRING},
    "Cache-Control": {"schema": STRING},
}


def in_path(name: str, schema: dict | None = None, description: str = "") -> dict:
    found = {"name": name, "in": "path", "required": True, "schema": schema or STRING}
    return {**found, "description": description} if description else found


def in_query(name: str, schema: dict, description: str = "", required: bool = False) -> dict:
    found = {"name": name, "in": "query", "required": required, "schema": schema}
    return {**found, "description": description} if description else found
