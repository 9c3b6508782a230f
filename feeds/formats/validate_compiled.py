"""A yes/no check compiled from a JSON Schema, for the keywords our schemas use.

jsonschema takes about 0.3 ms to check a search asset, most of it resolving $refs
and making a validator for each keyword it meets. A publish only needs to know
whether an item is valid, and can ask jsonschema where and why for the few that are
not: a check made once of closures answers in about 20 µs.

The check must never pass what jsonschema (as ``validate.py`` extends it) fails. It
may be stricter (an item it fails goes to jsonschema, which has the last word:
``1.0`` is not in ``enum: [1]`` here), and a keyword it does not know makes
compiling fail rather than be ignored.
"""
from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]
Builder = Callable[["_Compiler", Any, dict], "Check | None"]


class Unsupported(ValueError):
    """The schema uses something this compiler does not check exactly as jsonschema does."""


def compile_check(root: dict, pointer: str, formats: Mapping[str, Check]) -> Check:
    """The check of the subschema at ``pointer`` ("#/$defs/asset") in ``root``;
    ``formats`` are the format checks jsonschema asserts (others are ignored, as there)."""
    return _Compiler(root, formats).ref(pointer)


class _Compiler:
    def __init__(self, root: dict, formats: Mapping[str, Check]) -> None:
        self.root, self.formats = root, formats
        self.refs: dict[str, Check] = {}

    def ref(self, pointer: str) -> Check:
        if pointer not in self.refs:
            slot: list[Check] = []
            self.refs[pointer] = lambda value: slot[0](value)  # a $ref back to itself, while compiling
            slot.append(self.compile(_resolve(self.root, pointer)))
            self.refs[pointer] = slot[0]
        return self.refs[pointer]

    def compile(self, schema: Any) -> Check:
        if isinstance(schema, bool):
            return _always if schema else _never
        if not isinstance(schema, dict):
            raise Unsupported(f"a schema must be an object or a boolean, got {schema!r}")
        unknown = schema.keys() - _ANNOTATIONS - _KEYWORDS.keys()
        if unknown:
            raise Unsupported(f"cannot compile {sorted(unknown)}")
        checks = (_KEYWORDS[key](self, value, schema) for key, value in schema.items() if key in _KEYWORDS)
        return _every([check for check in checks if check is not None])


def _resolve(root: dict, pointer: str) -> Any:
    if not pointer.startswith("#/"):
        raise Unsupported(f"only $refs inside the schema are compiled, got {pointer!r}")
    node: Any = root
    for token in pointer[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or token not in node:
            raise Unsupported(f"$ref {pointer!r} points nowhere")
        node = node[token]
    return node


def _always(value: Any) -> bool:
    return True


def _never(value: Any) -> bool:
    return False


def _every(checks: list[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    ordered = tuple(checks)

    def check(value: Any) -> bool:
        for one in ordered:
            if not one(value):
                return False
        return True

    return check


def _only(kind: type | tuple[type, ...], test: Check) -> Check:
    """A keyword that says nothing about values of other types."""
    return lambda value: not isinstance(value, kind) or test(value)


# Keywords

_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
_ANNOTATIONS = {"$schema", "$id", "$defs", "$comment", "title", "description", "errorMessage"}


def _type(c: _Compiler, names: Any, schema: dict) -> Check:
    wanted = names if isinstance(names, list) else [names]
    if not all(name in _TYPES for name in wanted):
        raise Unsupported(f"type {names!r}")
    tests = tuple(_TYPES[name] for name in wanted)
    return tests[0] if len(tests) == 1 else lambda v: any(test(v) for test in tests)


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float))


def _enum(c: _Compiler, values: list, schema: dict) -> Check:
    """Scalars only, compared with their type: True is not 1 and 1.0 is not 1 here."""
    if not all(_scalar(v) for v in values):
        raise Unsupported("enum or const of lists or objects")
    allowed = frozenset((type(v), v) for v in values)
    return lambda v: _scalar(v) and (type(v), v) in allowed


def _properties(c: _Compiler, properties: dict, schema: dict) -> Check:
    pairs = tuple((name, c.compile(sub)) for name, sub in properties.items())

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        for name, sub in pairs:
            if name in value and not sub(value[name]):
                return False
        return True

    return check


def _additional_properties(c: _Compiler, allowed: Any, schema: dict) -> Check | None:
    if allowed is True:
        return None
    if allowed is not False or "patternProperties" in schema:
        raise Unsupported("additionalProperties other than true or false")
    known = frozenset(schema.get("properties", {}))
    return _only(dict, known.issuperset)


def _required(c: _Compiler, names: list[str], schema: dict) -> Check:
    wanted = frozenset(names)
    return _only(dict, lambda value: value.keys() >= wanted)


def _items(c: _Compiler, sub: Any, schema: dict) -> Check:
    each = c.compile(sub)

    def check(value: Any) -> bool:
        if not isinstance(value, list):
            return True
        for item in value:
            if not each(item):
                return False
        return True

    return check


def _contains(c: _Compiler, sub: Any, schema: dict) -> Check:
    test = c.compile(sub)
    return _only(list, lambda value: any(test(item) for item in value))


def _if(c: _Compiler, condition: Any, schema: dict) -> Check:
    test, then, other = c.compile(condition), c.compile(schema.get("then", True)), c.compile(schema.get("else", True))
    return lambda value: then(value) if test(value) else other(value)


def _all_of(c: _Compiler, subs: list, schema: dict) -> Check:
    return _every([c.compile(sub) for sub in subs])


def _any_of(c: _Compiler, subs: list, schema: dict) -> Check:
    tests = tuple(c.compile(sub) for sub in subs)
    return lambda value: any(test(value) for test in tests)


def _one_of(c: _Compiler, subs: list, schema: dict) -> Check:
    tests = tuple(c.compile(sub) for sub in subs)
    return lambda value: sum(1 for test in tests if test(value)) == 1


def _pattern(c: _Compiler, pattern: str, schema: dict) -> Check:
    search = re.compile(pattern).search  # as jsonschema: re.search, unanchored
    return _only(str, lambda value: search(value) is not None)


def _format(c: _Compiler, name: str, schema: dict) -> Check | None:
    return c.formats.get(name)


def _bound(compare: Callable[[Any, Any], bool]) -> Builder:
    def build(c: _Compiler, limit: Any, schema: dict) -> Check:
        return _only((int, float), lambda value: isinstance(value, bool) or compare(value, limit))

    return build


def _length(kind: type, compare: Callable[[int, Any], bool]) -> Builder:
    def build(c: _Compiler, limit: Any, schema: dict) -> Check:
        return _only(kind, lambda value: compare(len(value), limit))

    return build


_KEYWORDS: dict[str, Builder] = {
    "$ref": lambda c, pointer, schema: c.ref(pointer),
    "type": _type,
    "enum": _enum,
    "const": lambda c, value, schema: _enum(c, [value], schema),
    "properties": _properties,
    "additionalProperties": _additional_properties,
    "required": _required,
    "items": _items,
    "contains": _contains,
    "if": _if,
    "then": lambda c, sub, schema: None,
    "else": lambda c, sub, schema: None,
    "allOf": _all_of,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "pattern": _pattern,
    "format": _format,
    "minimum": _bound(operator.ge),
    "maximum": _bound(operator.le),
    "minLength": _length(str, operator.ge),
    "maxLength": _length(str, operator.le),
    "minItems": _length(list, operator.ge),
    "maxItems": _length(list, operator.le),
}
