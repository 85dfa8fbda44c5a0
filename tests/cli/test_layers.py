"""The command line is a layer over the public client: it imports no private module of
mistral_batch (one whose name starts with an underscore) and no private name."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mistral_batch

CLI = Path(mistral_batch.__file__).parent / "cli"


def _imports(path: Path) -> list[tuple[str, str | None]]:
    """(module, name) for each import of the mistral_batch package in `path`."""
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
    return [(m, n) for m, n in found if m.split(".")[0] == "mistral_batch"]


@pytest.mark.parametrize("path", sorted(CLI.glob("*.py")), ids=lambda p: p.name)
def test_the_command_line_imports_only_the_public_client(path: Path) -> None:
    for module, name in _imports(path):
        parts = module.split(".")
        inside_cli = parts[:2] == ["mistral_batch", "cli"]
        assert inside_cli or not any(p.startswith("_") for p in parts), (module, name)
        private = name is not None and name.startswith("_") and name != "__version__"
        assert inside_cli or not private, (module, name)
        if not inside_cli and name is not None and module == "mistral_batch":
            assert name in mistral_batch.__all__, name
