"""The OpenAPI document: every route in it and nothing else, valid OpenAPI 3.1,
shown whole on the docs page, and the app answering as it says."""
from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from tests.conftest import ADMIN_TOKEN

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
NOT_DOCUMENTED = ("/static/", "/demo-site/")
IMPLIED = {"HEAD", "OPTIONS"}  # Flask adds them to every route
SPEC_URI = "urn:channel:openapi"


def route_table(app) -> dict[str, set[str]]:
    """``/admin/api/sources/{source_id}`` -> ``{"GET", "PATCH", "DELETE"}``, from url_map."""
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(NOT_DOCUMENTED):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        routes.setdefault(path, set()).update(set(rule.methods) - IMPLIED)
    return routes


def spec_table(spec: dict) -> dict[str, set[str]]:
    return {path: {key.upper() for key in item if key not in ("parameters", "summary", "description")}
            for path, item in spec["paths"].items()}


def test_the_spec_has_every_route_and_only_routes(app, client):
    routes, documented = route_table(app), spec_table(client.get("/openapi.json").get_json())
    problems = [f"route not in the spec: {' '.join(sorted(routes[p]))} {p}"
                for p in sorted(routes.keys() - documented.keys())]
    problems += [f"in the spec, no such route: {' '.join(sorted(documented[p]))} {p}"
                 for p in sorted(documented.keys() - routes.keys())]
    problems += [f"methods differ for {p}: routes {sorted(routes[p])}, spec {sorted(documented[p])}"
                 for p in sorted(routes.keys() & documented.keys()) if routes[p] != documented[p]]
    assert not problems, "channel/openapi.py is out of step with the routes:\n" + "\n".join(problems)


def test_the_document_is_valid_openapi_3_1(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200 and response.content_type == "application/json"
    spec = response.get_json()
    assert spec["openapi"] == "3.1.0"
    validate(spec)
    assert spec["components"]["securitySchemes"]["admin"] == {
        "type": "http", "scheme": "bearer", "description": "The `CHANNEL_ADMIN_TOKEN`."}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if path.startswith("/admin/") and method != "parameters":
                assert operation["security"] == [{"admin": []}], (method, path)
                assert "401" in operation["responses"], (method, path)


def test_the_docs_page_shows_every_operation(client):
    spec = client.get("/openapi.json").get_json()
    response = client.get("/docs")
    assert response.status_code == 200 and response.content_type.startswith("text/html")
    page = response.get_data(as_text=True)
    for path, methods in spec_table(spec).items():
        for method in methods:
            assert f'id="{method.lower()}-{path}"' in page, f"{method} {path} is not on /docs"
    for name in spec["components"]["schemas"]:
        assert f'id="schema-{name}"' in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "an outside asset on /docs"


# The app answers as the document says: each answer's status is documented, and
# a JSON body matches the schema documented for that status.

def check_answer(spec: dict, path: str, method: str, response) -> None:
    operation = spec["paths"][path][method]
    status = str(response.status_code)
    assert status in operation["responses"], f"{method.upper()} {path} answered {status}: undocumented"
    content = operation["responses"][status].get("content", {})
    if "application/json" not in content:
        return
    pointer = "/".join(part.replace("~", "~0").replace("/", "~1") for part in (
        "paths", path, method, "responses", status, "content", "application/json", "schema"))
    registry = Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(spec))
    validator = Draft202012Validator({"$ref": f"{SPEC_URI}#/{pointer}"}, registry=registry,
                                     format_checker=FormatChecker())
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '/'}: {e.message}"
              for e in validator.iter_errors(response.get_json())]
    assert not errors, f"{method.upper()} {path} {status} does not match the spec:\n" + "\n".join(errors)


def first_video(client) -> dict:
    return client.get("/feeds/demo/roku.json").get_json()["shortFormVideos"][0]


CALLS = [
    ("get", "/api/v1/channels", "/api/v1/channels", {}),
    ("get", "/api/v1/channels/{channel}/home", "/api/v1/channels/demo/home", {}),
    ("get", "/api/v1/channels/{channel}/home", "/api/v1/channels/nope/home", {}),
    ("get", "/api/v1/channels/{channel}/items", "/api/v1/channels/demo/items?limit=2", {}),
    ("get", "/api/v1/channels/{channel}/items", "/api/v1/channels/demo/items?limit=0", {}),
    ("get", "/api/v1/channels/{channel}/deeplink",
     "/api/v1/channels/demo/deeplink?contentId={video}&mediaType=shortFormVideo", {}),
    ("get", "/api/v1/channels/{channel}/deeplink",
     "/api/v1/channels/demo/deeplink?contentId=nope&mediaType=movie", {}),
    ("get", "/api/v1/items/{item_id}", "/api/v1/items/{video}", {}),
    ("get", "/api/v1/items/{item_id}", "/api/v1/items/nope", {}),
    ("get", "/feeds/{channel}/roku.json", "/feeds/nope/roku.json", {}),
    ("get", "/feeds/{channel}/search.json", "/feeds/demo/search.json", {}),
    ("get", "/healthz", "/healthz", {}),
    ("get", "/readyz", "/readyz", {}),
    ("get", "/admin/api/channels", "/admin/api/channels", {"headers": AUTH}),
    ("get", "/admin/api/channels", "/admin/api/channels", {}),
    ("post", "/admin/api/channels", "/admin/api/channels", {"headers": AUTH, "json": {"id": "Bad!"}}),
    ("get", "/admin/api/channels/{channel_id}", "/admin/api/channels/demo", {"headers": AUTH}),
    ("get", "/admin/api/sources", "/admin/api/sources?channel=demo", {"headers": AUTH}),
    ("get", "/admin/api/sources/{source_id}", "/admin/api/sources/1", {"headers": AUTH}),
    ("get", "/admin/api/sources/{source_id}/runs", "/admin/api/sources/1/runs", {"headers": AUTH}),
    ("get", "/admin/api/sources/{source_id}/runs", "/admin/api/sources/999/runs", {"headers": AUTH}),
    ("post", "/tools/validate", "/tools/validate", {"json": {"providerName": "x"}}),
    ("get", "/preview/{channel}", "/preview/nope", {}),
]


@pytest.mark.parametrize("method, template, url, options", CALLS,
                         ids=[f"{c[0]} {c[2]}" for c in CALLS])
def test_answers_match_the_spec(demo_client, method, template, url, options):
    spec = demo_client.get("/openapi.json").get_json()
    url = url.replace("{video}", first_video(demo_client)["id"])
    response = demo_client.open(url, method=method.upper(), **options)
    check_answer(spec, template, method, response)
