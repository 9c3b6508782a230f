"""Validate a JSON Feed or a Google TV (Media Actions) data feed against its schema,
with JSON Pointer paths and the messages the Roku validator words.

The items of a feed's lists are checked on their own with a check compiled from the
item's schema (``validate_compiled``, about 20 µs an item): only those it fails go to
jsonschema, which says where and why. A schema the compiler does not take (the JSON
Feed's, for its extension keys) is checked by jsonschema whole; the JSON Feed a
publish builds is small."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from jsonschema.protocols import Validator

from feeds.formats.validate import TYPE_NAMES, Problem, path_key, pointer, show
from feeds.formats.validate_compiled import Check, Unsupported, compile_check

JSON_FEED = "jsonfeed.json"
GOOGLE_FEED = "google-datafeed.json"
_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("date-time")
def _is_real_date_time(value: object) -> bool:
    """Only judges strings the schema's pattern lets through: a real day and time."""
    if not isinstance(value, str) or len(value) < 16 or value[10] not in "Tt":
        return True
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _required(validator: Validator, required: list[str], instance: Any,
              schema: dict) -> Iterator[ValidationError]:
    if validator.is_type(instance, "object"):
        for name in required:
            if name not in instance:
                yield ValidationError(f"missing required field {name!r}")


_ADDITIONAL_PROPERTIES = Draft202012Validator.VALIDATORS["additionalProperties"]


def _no_unknown_fields(validator: Validator, allowed: Any, instance: Any,
                       schema: dict) -> Iterator[ValidationError]:
    """additionalProperties: false, each unknown field reported at its own path."""
    if allowed is not False:
        yield from _ADDITIONAL_PROPERTIES(validator, allowed, instance, schema)
        return
    if not validator.is_type(instance, "object"):
        return
    known = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    for name in instance:
        if name not in known and not any(re.search(pattern, name) for pattern in patterns):
            hint = " (an extension's name starts with '_')" if patterns else ""
            yield ValidationError(f"unknown field {name!r}{hint}", path=[name])


_Validator = validators.extend(Draft202012Validator,
                               validators={"required": _required, "additionalProperties": _no_unknown_fields})


def validate_json_feed(doc: object) -> list[Problem]:
    return validate_document(JSON_FEED, doc)


def validate_google_feed(doc: object) -> list[Problem]:
    return validate_document(GOOGLE_FEED, doc)


def validate_document(name: str, doc: object) -> list[Problem]:
    """The problems of ``doc`` against the schema ``name``, sorted by path."""
    checks = _item_checks(name)
    if not checks or not isinstance(doc, dict):
        return _sorted(_problems(_validator(name), doc))
    shell, problems = dict(doc), []
    for key, (check, validator) in checks.items():
        items = doc.get(key)
        if isinstance(items, list):
            shell[key] = items[:1]
            problems += [problem for index, item in enumerate(items[1:], 1) if not check(item)
                         for problem in _problems(validator, item, (key, index))]
    return _sorted(problems + _problems(_validator(name), shell))


@cache
def schema_of(name: str) -> dict:
    return json.loads(resources.files(__package__).joinpath("schemas", name).read_text(encoding="utf-8"))


@cache
def _validator(name: str) -> Validator:
    return _Validator(schema_of(name), format_checker=_FORMATS)


@cache
def _item_checks(name: str) -> dict[str, tuple[Check, Validator]]:
    """For each list of the document whose items are all one defined schema: a compiled
    check of an item and a validator of it alone. Empty when the schema cannot compile."""
    schema = schema_of(name)
    formats = {format_name: (lambda value, f=format_name: _FORMATS.conforms(value, f))
               for format_name in _FORMATS.checkers}
    out = {}
    for key, rule in schema["properties"].items():
        items = rule.get("items") if rule.get("type") == "array" else None
        ref = items.get("$ref", "") if isinstance(items, dict) and items.keys() == {"$ref"} else ""
        if not ref.startswith("#/$defs/"):
            continue
        try:
            check = compile_check(schema, ref, formats)
        except Unsupported:
            return {}
        out[key] = (check, _Validator({"$defs": schema["$defs"], "$ref": ref}, format_checker=_FORMATS))
    return out


def _problems(validator: Validator, instance: object, at: tuple[str | int, ...] = ()) -> list[Problem]:
    return [Problem(pointer([*at, *error.absolute_path]), _message(error))
            for error in validator.iter_errors(instance)]


def _sorted(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(set(problems), key=lambda problem: (path_key(problem.path), problem.message))


def _type_message(error: ValidationError) -> str:
    expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
    return f"must be {' or '.join(TYPE_NAMES.get(t, t) for t in expected)}, got {show(error.instance)}"


_MESSAGES = {
    "type": _type_message,
    "enum": lambda e: f"{show(e.instance)} is not allowed; use one of: "
                      f"{', '.join(map(str, e.validator_value))}",
    "const": lambda e: f"must be {show(e.validator_value)}, got {show(e.instance)}",
    "minLength": lambda e: "must not be empty" if e.validator_value == 1 else
    f"must be at least {e.validator_value} characters, got {len(e.instance)}",
    "maxLength": lambda e: f"must be at most {e.validator_value} characters, got {len(e.instance)}",
    "minItems": lambda e: "must not be empty" if e.validator_value == 1 else
    f"must have at least {e.validator_value} items, got {len(e.instance)}",
    "minimum": lambda e: f"must be at least {e.validator_value}, got {e.instance}",
    "pattern": lambda e: f"{show(e.instance)} does not match the pattern {e.validator_value}",
    "format": lambda e: f"{show(e.instance)} is not a valid {e.validator_value}",
}


def _message(error: ValidationError) -> str:
    custom = error.schema.get("errorMessage", {}) if isinstance(error.schema, dict) else {}
    if error.validator in custom:
        return custom[error.validator].replace("{value}", show(error.instance))
    handler = _MESSAGES.get(str(error.validator))
    return handler(error) if handler else error.message
