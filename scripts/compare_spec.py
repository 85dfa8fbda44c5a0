# Lists how the Files and Batch part of another OpenAPI document differs from ours.
# Usage: scripts/compare-spec OTHER.yaml [--allow ALLOWLIST] [--ours openapi.yaml]
# Operations are matched by method and path (operationIds differ on purpose). For each
# one it compares parameters, request body fields and 200-response fields: presence,
# type, nullability, requiredness, enum values, bounds and defaults. With --allow, the
# lines listed in the allowlist are our intended differences; any other line makes the
# exit status 1.
"""Compare the Files and Batch operations of two OpenAPI documents."""

from __future__ import annotations

import argparse
import fnmatch
import sys
from pathlib import Path
from typing import Any

import yaml

PREFIXES = ("/v1/files", "/v1/batch")
METHODS = ("get", "post", "put", "patch", "delete")
Spec = dict[str, Any]


def _resolve(spec: Spec, node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _merge_all_of(spec: Spec, node: dict[str, Any]) -> dict[str, Any]:
    merged = {k: v for k, v in node.items() if k != "allOf"}
    for part in node.get("allOf", []):
        part = _resolve(spec, part)
        for key, value in part.items():
            merged.setdefault(key, value)
    return merged


#: The keywords that bound a value, so that a changed limit is news too.
BOUNDS = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "default",
)


def _bounds(node: dict[str, Any]) -> str:
    found = [f"{key}={node[key]!r}" for key in BOUNDS if key in node]
    return f"({','.join(found)})" if found else ""


def signature(spec: Spec, node: Any) -> str:
    """A short, comparable description of a schema's type, bounds and default."""
    node = _resolve(spec, node)
    if not isinstance(node, dict):
        return "any"
    node = _merge_all_of(spec, node)
    alternatives = node.get("anyOf") or node.get("oneOf")
    if alternatives:
        sigs = sorted({signature(spec, alt) for alt in alternatives})
        return "|".join(sigs) + _bounds(node)
    kind = node.get("type", "object" if "properties" in node else "any")
    kinds = sorted(kind) if isinstance(kind, list) else [kind]
    parts = []
    for k in kinds:
        if k == "array":
            parts.append(f"array<{signature(spec, node.get('items', {}))}>")
        elif "enum" in node and k != "null":
            parts.append(f"{k}{{{','.join(sorted(map(str, node['enum'])))}}}")
        elif "const" in node:
            parts.append(f"{k}={node['const']}")
        else:
            parts.append(str(k))
    return "|".join(sorted(parts)) + _bounds(node)


def _optional(sig: str) -> str:
    """Drop `null` from an optional value's type: leaving it out or sending null is the same."""
    kept = [part for part in sig.split("|") if part != "null"]
    return "|".join(kept) or "null"


def _unwrap(spec: Spec, node: Any) -> Any:
    """The schema itself, or its only non-null alternative."""
    node = _resolve(spec, node)
    if isinstance(node, dict) and (node.get("anyOf") or node.get("oneOf")):
        alternatives = [_resolve(spec, alt) for alt in node.get("anyOf") or node["oneOf"]]
        real = [alt for alt in alternatives if alt.get("type") != "null"]
        if len(real) == 1:
            return real[0]
    return node


def fields(spec: Spec, node: Any, prefix: str = "", request: bool = False) -> dict[str, str]:
    """Every property of an object schema, nested ones dotted, with its signature."""
    node = _unwrap(spec, node)
    if not isinstance(node, dict):
        return {}
    node = _merge_all_of(spec, node)
    out: dict[str, str] = {}
    required = set(node.get("required", []))
    for name, prop in (node.get("properties") or {}).items():
        path = f"{prefix}{name}"
        sig = signature(spec, prop)
        if name in required:
            sig += " required"
        elif request:
            sig = _optional(sig)
        out[path] = sig
        target = _unwrap(spec, prop)
        if isinstance(target, dict) and target.get("type") == "array":
            target = _unwrap(spec, target.get("items", {}))
            path += "[]"
        if isinstance(target, dict) and target.get("properties"):
            out.update(fields(spec, target, f"{path}.", request))
    return out


def describe(spec: Spec) -> dict[str, str]:
    """Flatten the Files and Batch operations of a document into key -> signature."""
    out: dict[str, str] = {}
    for path, item in spec.get("paths", {}).items():
        if not path.startswith(PREFIXES):
            continue
        shared = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            where = f"{method.upper()} {path}"
            out[f"{where} operation"] = "present"
            for param in shared + op.get("parameters", []):
                param = _resolve(spec, param)
                sig = signature(spec, param.get("schema", {}))
                sig = sig + " required" if param.get("required") else _optional(sig)
                out[f"{where} param {param['in']}:{param['name']}"] = sig
            body = _resolve(spec, op.get("requestBody", {}))
            for ctype, media in (body.get("content") or {}).items():
                for name, sig in fields(spec, media.get("schema", {}), request=True).items():
                    out[f"{where} request {ctype} {name}"] = sig
            responses = op.get("responses", {})
            for status in sorted(responses):
                response = _resolve(spec, responses[status])
                out[f"{where} response {status}"] = "present"
                if status != "200":
                    continue
                for ctype, media in (response.get("content") or {}).items():
                    schema = media.get("schema", {})
                    out[f"{where} response 200 {ctype}"] = signature(spec, schema)
                    for name, sig in fields(spec, schema).items():
                        out[f"{where} response 200 {ctype} {name}"] = sig
    return out


def differences(ours: Spec, theirs: Spec) -> list[str]:
    """One line per key whose signature differs, ours first."""
    a, b = describe(ours), describe(theirs)
    lines = []
    for key in sorted(a.keys() | b.keys()):
        if a.get(key) != b.get(key):
            lines.append(f"{key}: ours={a.get(key, 'absent')} theirs={b.get(key, 'absent')}")
    return lines


def read_allowlist(path: Path) -> list[str]:
    """The allowlist's patterns (shell-style, as fnmatch); '#' starts a comment line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def allowed_by(line: str, patterns: list[str]) -> str | None:
    """The first pattern that matches a difference line, if any."""
    return next((p for p in patterns if fnmatch.fnmatchcase(line, p)), None)


def main(argv: list[str] | None = None) -> int:
    """Print the differences; exit 1 when any is not allowlisted."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("other", type=Path, help="another version of Mistral's OpenAPI document")
    parser.add_argument("--ours", type=Path, default=Path(__file__).parent.parent / "openapi.yaml")
    parser.add_argument("--allow", type=Path, help="file of intended differences")
    args = parser.parse_args(argv)
    ours = yaml.safe_load(args.ours.read_text(encoding="utf-8"))
    theirs = yaml.safe_load(args.other.read_text(encoding="utf-8"))
    lines = differences(ours, theirs)
    patterns = read_allowlist(args.allow) if args.allow else []
    used: set[str] = set()
    unexpected = []
    for line in lines:
        pattern = allowed_by(line, patterns)
        if pattern is None:
            unexpected.append(line)
        else:
            used.add(pattern)
        print(("  allowed  " if pattern else "  CHANGED  ") + line)
    stale = [p for p in patterns if p not in used]
    for pattern in stale:
        print("  STALE    allowlist pattern matches no difference: " + pattern)
    print(f"{len(lines)} differences, {len(unexpected)} not allowlisted, {len(stale)} stale")
    return 1 if args.allow and (unexpected or stale) else 0


if __name__ == "__main__":
    sys.exit(main())
