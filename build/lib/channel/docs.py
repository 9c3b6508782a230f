"""``GET /openapi.json`` and ``GET /docs``: the OpenAPI document, and the same
drawn as one plain HTML page (no script, nothing from outside)."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template

from channel.openapi import openapi

bp = Blueprint("docs", __name__)
METHODS = ("get", "post", "put", "patch", "delete")
POLICY = "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'"


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(openapi())


@bp.get("/docs")
def docs():
    spec = openapi()
    html = render_template("docs/index.html", info=spec["info"], version=spec["openapi"],
                           sections=sections(spec), schemas=schema_rows(spec))
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = POLICY
    return response


def sections(spec: dict) -> list[dict]:
    """The operations grouped by their first tag, in the document's order."""
    groups: dict[str, list[dict]] = {}
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method in item:
                operation = item[method]
                tag = (operation.get("tags") or ["other"])[0]
                groups.setdefault(tag, []).append(operation_view(path, method, operation, shared))
    return [{"name": name, "operations": operations} for name, operations in groups.items()]


def operation_view(path: str, method: str, operation: dict, shared: list[dict]) -> dict:
    body = operation.get("requestBody", {}).get("content", {})
    return {
        "anchor": f"{method}-{path}",
        "method": method.upper(),
        "path": path,
        "summary": operation.get("summary", ""),
        "secured": bool(operation.get("security")),
        "parameters": [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                        "type": describe(p.get("schema", {})), "description": p.get("description", "")}
                       for p in shared + operation.get("parameters", [])],
        "body": [{"type": kind, "schema": describe(media.get("schema", {}))}
                 for kind, media in body.items()],
        "responses": [{"status": status, "description": response.get("description", ""),
                       "content": [f"{kind}: {describe(media.get('schema', {}))}"
                                   for kind, media in response.get("content", {}).items()]}
                      for status, response in operation.get("responses", {}).items()],
    }


def schema_rows(spec: dict) -> list[dict]:
    """Each named schema with its fields (those of ``allOf`` parts too)."""
    schemas = spec.get("components", {}).get("schemas", {})
    return [{"name": name, "description": schema.get("description", ""),
             "fields": fields(schema)} for name, schema in schemas.items()]


def fields(schema: dict) -> list[dict]:
    found = []
    for part in schema.get("allOf", [schema]):
        if "$ref" in part:
            found.append({"name": "…", "type": "all fields of " + describe(part), "required": False,
                          "description": ""})
            continue
        required = set(part.get("required", []))
        found += [{"name": name, "type": describe(value), "required": name in required,
                   "description": value.get("description", "")}
                  for name, value in part.get("properties", {}).items()]
    return found


def describe(schema: dict) -> str:
    """A schema in a few words: ``array of Item``, ``string | null``, ``one of a, b``."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "const" in schema:
        return repr(schema["const"])
    if "enum" in schema:
        return "one of " + ", ".join("null" if v is None else str(v) for v in schema["enum"])
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return " | ".join(describe(part) for part in schema[key])
    if "allOf" in schema:
        return " & ".join(describe(part) for part in schema["allOf"])
    kind = schema.get("type", "any")
    kinds = kind if isinstance(kind, list) else [kind]
    if "array" in kinds:
        return "array of " + describe(schema.get("items", {}))
    text = " | ".join(kinds)
    notes = [schema["format"]] if schema.get("format") else []
    if "minimum" in schema or "maximum" in schema:
        notes.append(f"{schema.get('minimum', '')}–{schema.get('maximum', '')}")
    if "maxLength" in schema:
        notes.append(f"at most {schema['maxLength']} characters")
    if "default" in schema:
        notes.append(f"default {schema['default']}")
    return f"{text} ({', '.join(notes)})" if notes else text
