"""Instances of a JSON schema picked by a request's digest: the fake model's structured answers.

Every choice is drawn from bytes the digest seeds: the same request gets the same instance,
another request usually another. Followed: ``type`` (one or a list), ``properties`` (all
given, required or not, as in Mistral's strict mode), ``required``, ``additionalProperties``,
``min/maxProperties``, ``items`` (a schema, or a list as before draft 2020-12),
``prefixItems``, ``min/maxItems``, ``uniqueItems``, ``enum``, ``const``, ``anyOf``/``oneOf``
(one branch), ``allOf`` (merged), ``$ref`` to a local JSON pointer (``#/$defs/...``,
``#/definitions/...``), ``minimum``/``maximum`` and their exclusive forms, ``min/maxLength``
and the formats ``date``, ``date-time``, ``time``, ``email``, ``uri`` and ``uuid``. Any other
keyword is ignored (``pattern``, ``multipleOf``, ``not``, other formats): an answer to a
schema that relies on one may not validate, nor one to a schema that no finite value
satisfies or to a ``oneOf`` whose branches overlap.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Sequence
from typing import Any

#: Past this many ``$ref`` followed, the branches and sizes that end a recursion are chosen.
DEEP = 4
# Past this many ``$ref`` followed, or this many values made, every value is null.
_GIVE_UP = 32
_BUDGET = 20_000
_MAX_ITEMS = 64
_MAX_CHARS = 4096
_INT64 = (-(2**63), 2**63 - 1)
# The types in the order they are chosen once deep: those that end a recursion first.
_ENDINGS = ("null", "array", "boolean", "integer", "number", "string", "object")
_FORMATS = frozenset({"date", "date-time", "time", "email", "uri", "uuid"})


def _number(schema: dict[str, Any], key: str) -> float | None:
    value = schema.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if math.isfinite(value) else None


def _count(schema: dict[str, Any], key: str, default: int) -> int:
    value = schema.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return default
    return min(value, _MAX_CHARS)


def _side(schema: dict[str, Any], name: str, sign: int) -> tuple[float | None, bool]:
    """The bound set by ``name`` (``minimum``, sign 1, or ``maximum``, sign -1) or its
    exclusive form (a number, or draft 4's boolean), and whether it is exclusive."""
    plain, key = _number(schema, name), "exclusive" + name.capitalize()
    if schema.get(key) is True:
        return plain, plain is not None
    strict = _number(schema, key)
    if strict is not None and (plain is None or sign * strict >= sign * plain):
        return strict, True
    return plain, False


def _span(low: float | None, high: float | None) -> tuple[float, float]:
    """The bounds made whole: a span of 100 on the side that has none."""
    if low is None:
        low = 0 if high is None else high - 100
    return low, low + 100 if high is None else high


def _merge(base: Any, extra: dict[str, Any]) -> dict[str, Any]:
    """``base`` and ``extra`` as one schema, their properties and required names joined."""
    base = base if isinstance(base, dict) else {}
    merged = {**base, **extra}
    for key in ("properties", "required"):
        if isinstance(base.get(key), dict) and isinstance(extra.get(key), dict):
            merged[key] = {**base[key], **extra[key]}
        elif isinstance(base.get(key), list) and isinstance(extra.get(key), list):
            merged[key] = list(dict.fromkeys(base[key] + extra[key]))
    return merged


def _without(schema: dict[str, Any], key: str) -> dict[str, Any]:
    return {name: value for name, value in schema.items() if name != key}


def _rank(schema: Any) -> int:
    """How well a branch ends a recursion: 0 (null) is best, a ``$ref`` worst."""
    if not isinstance(schema, dict) or "$ref" in schema:
        return len(_ENDINGS)
    kind = schema.get("type")
    return _ENDINGS.index(kind) if isinstance(kind, str) and kind in _ENDINGS else len(_ENDINGS)


class _Instance:
    """The making of one instance: the root schema that ``$ref`` points in, the draw, the words."""

    def __init__(self, root: Any, digest: bytes, words: Sequence[str]) -> None:
        self.root, self.words, self.left = root, words, _BUDGET
        self.digest, self.block, self.blocks = digest, b"", 0

    def below(self, n: int) -> int:
        """A number from 0 to ``n - 1`` (0 when ``n`` is not positive) from the digest's stream."""
        if len(self.block) < 4:
            seed = self.digest + self.blocks.to_bytes(8, "big")
            self.block, self.blocks = hashlib.blake2b(seed).digest(), self.blocks + 1
        value, self.block = int.from_bytes(self.block[:4], "big"), self.block[4:]
        return value % n if n > 0 else 0

    def word(self) -> str:
        """A word drawn."""
        return self.words[self.below(len(self.words))]

    def value(self, schema: Any, depth: int) -> Any:
        """A value valid against ``schema``, ``depth`` references deep."""
        self.left -= 1
        flat, depth = self.flatten(schema, depth)
        if depth > _GIVE_UP or self.left < 0:
            return None
        if "const" in flat:
            return flat["const"]
        enum = flat.get("enum")
        if isinstance(enum, list) and enum:
            return enum[self.below(len(enum))]
        kind = self.kind(flat, depth)
        if kind in ("null", "boolean"):
            return None if kind == "null" else self.below(2) == 1
        make = {
            "object": self.object,
            "array": self.array,
            "string": self.string,
            "integer": self.integer,
            "number": self.number,
        }
        return make[kind](flat, depth)

    def flatten(self, schema: Any, depth: int) -> tuple[dict[str, Any], int]:
        """``schema`` with its ``$ref``, its ``allOf`` and one branch of its ``anyOf`` or
        ``oneOf`` merged in, and the depth reached doing so."""
        schema = schema if isinstance(schema, dict) else {}
        while depth <= _GIVE_UP:
            if isinstance(schema.get("$ref"), str):
                schema = _merge(self.target(schema["$ref"]), _without(schema, "$ref"))
                depth += 1
            elif isinstance(schema.get("allOf"), list):
                merged, deepest = _without(schema, "allOf"), depth
                for part in schema["allOf"]:
                    flat, reached = self.flatten(part, depth)
                    merged, deepest = _merge(merged, flat), max(deepest, reached)
                schema, depth = merged, deepest
            else:
                keys = (k for k in ("anyOf", "oneOf") if isinstance(schema.get(k), list))
                key = next((k for k in keys if schema[k]), None)
                if key is None:
                    return schema, depth
                branch = self.branch(schema[key], depth)
                schema = _merge(_without(schema, key), branch if isinstance(branch, dict) else {})
        return schema, depth

    def target(self, ref: str) -> Any:
        """What the local JSON pointer ``ref`` names in the root schema; {} for nothing."""
        node = self.root if ref.startswith("#") else None
        for token in ref[1:].split("/")[1:]:
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return {}
        return node

    def branch(self, options: list[Any], depth: int) -> Any:
        """A branch drawn among the non-null ones, or once deep the one that best ends."""
        if depth > DEEP:
            return min(options, key=_rank)
        live = [option for option in options if _rank(option) != 0] or options
        return live[self.below(len(live))]

    def kind(self, schema: dict[str, Any], depth: int) -> str:
        """The type drawn among those allowed (those hinted when none is named), or once deep
        the one that best ends; a string when nothing tells."""
        given = schema.get("type")
        kinds = [k for k in (given if isinstance(given, list) else [given]) if k in _ENDINGS]
        if not kinds:
            hints: dict[str, tuple[str, ...]] = {
                "object": ("properties", "additionalProperties", "required"),
                "array": ("items", "prefixItems"),
                "number": ("minimum", "maximum"),
            }
            kinds = [k for k, keys in hints.items() if any(key in schema for key in keys)]
        if depth > DEEP or not kinds:
            return min(kinds, key=_ENDINGS.index) if kinds else "string"
        live = [k for k in kinds if k != "null"] or kinds
        return str(live[self.below(len(live))])

    def object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        """Every property and required name, then other names as the bounds want."""
        properties = schema.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        extra, required = schema.get("additionalProperties", {}), schema.get("required")
        result = {str(name): self.value(sub, depth) for name, sub in properties.items()}
        for name in required if isinstance(required, list) else []:
            if isinstance(name, str) and name not in result:
                result[name] = self.value(extra, depth)
        low = _count(schema, "minProperties", 0)
        goal = low if properties or depth > DEEP else 1 + self.below(2)
        goal = min(max(goal, low), _count(schema, "maxProperties", _MAX_ITEMS), _MAX_ITEMS)
        for _ in range(8 * goal if extra is not False else 0):
            if len(result) >= goal:
                break
            name = self.word().lower()
            name = name if name not in result else f"{name}_{len(result)}"
            if name not in result:
                result[name] = self.value(extra, depth)
        return result

    def array(self, schema: dict[str, Any], depth: int) -> list[Any]:
        """The ``prefixItems`` then ``items``, as many as the bounds allow; fewest once deep."""
        prefix, items = schema.get("prefixItems"), schema.get("items", {})
        if isinstance(items, list):
            prefix, items = items, schema.get("additionalItems", {})
        prefix = prefix if isinstance(prefix, list) else []
        low = _count(schema, "minItems", 0)
        goal = low if depth > DEEP else max(len(prefix), 1 + self.below(3))
        goal = min(goal, len(prefix)) if items is False else goal
        goal = min(max(goal, low), _count(schema, "maxItems", _MAX_ITEMS), _MAX_ITEMS)
        unique = schema.get("uniqueItems") is True
        result: list[Any] = []
        for _ in range(8 * goal + 8 if unique else goal):
            if len(result) >= goal:
                break
            item = self.value(prefix[len(result)] if len(result) < len(prefix) else items, depth)
            if not (unique and item in result):
                result.append(item)
        return result

    def string(self, schema: dict[str, Any], depth: int) -> str:
        """A string of the schema's format, or else words cut or padded to the length bounds."""
        form = schema.get("format")
        if isinstance(form, str) and form in _FORMATS:
            return self.formatted(form)
        text = " ".join(self.word() for _ in range(1 + self.below(4)))
        while len(text) < _count(schema, "minLength", 0):
            text += " " + self.word()
        return text[: _count(schema, "maxLength", _MAX_CHARS)]

    def formatted(self, form: str) -> str:
        """A string of the format ``form``, one of ``_FORMATS``."""
        if form == "uuid":
            return str(uuid.UUID(bytes=bytes(self.below(256) for _ in range(16)), version=4))
        if form in ("email", "uri"):
            first, second = self.word().lower(), self.word().lower()
            return (
                f"{first}.{second}@example.com"
                if form == "email"
                else (f"https://example.com/{first}/{second}")
            )
        date = f"{1990 + self.below(40):04d}-{1 + self.below(12):02d}-{1 + self.below(28):02d}"
        time = f"{self.below(24):02d}:{self.below(60):02d}:{self.below(60):02d}Z"
        return {"date": date, "time": time}.get(form, f"{date}T{time}")

    def integer(self, schema: dict[str, Any], depth: int) -> int:
        """An integer within the bounds, kept to 64 bits."""
        (low, above), (high, under) = _side(schema, "minimum", 1), _side(schema, "maximum", -1)
        first = None if low is None else math.floor(low) + 1 if above else math.ceil(low)
        last = None if high is None else math.ceil(high) - 1 if under else math.floor(high)
        start, end = (int(bound) for bound in _span(first, last))
        return min(max(start + self.below(end - start + 1), _INT64[0]), _INT64[1])

    def number(self, schema: dict[str, Any], depth: int) -> float:
        """A number within the bounds, with two decimals when that stays within them."""
        (low, above), (high, under) = _side(schema, "minimum", 1), _side(schema, "maximum", -1)
        start, end = _span(low, high)
        value = round(start + (end - start) * (1 + self.below(255)) / 256, 2)
        fits = (value > start if above else value >= start) and (
            value < end if under else value <= end
        )
        return float(value if fits else (start + end) / 2)


def instance(schema: Any, digest: bytes, words: Sequence[str]) -> Any:
    """A value valid against the JSON schema ``schema``, picked by ``digest``, its strings made
    of ``words``: the same digest always gives the same value."""
    return _Instance(schema, digest, words).value(schema, 0)
