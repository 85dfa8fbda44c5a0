"""A cold start does no work it can put off: `import mistral_batch` loads nothing, and a
client loads the generated code and asyncio only when an operation needs them.

Each check runs in a fresh interpreter, whose modules are those the import loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import mistral_batch


def _loaded_after(code: str, cwd: Path) -> set[str]:
    """The modules a fresh interpreter holds after running `code`."""
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def _of(modules: set[str], *packages: str) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in packages)


def test_importing_the_package_loads_nothing_else(tmp_path: Path) -> None:
    bare = _loaded_after("pass", tmp_path)
    loaded = _loaded_after("import mistral_batch", tmp_path) - bare
    assert _of(loaded, "mistral_batch_api", "asyncio") == []
    # Not even the client's own modules, nor httpx: names are imported on first use.
    assert loaded == {"mistral_batch"}


def test_a_client_ready_for_files_and_batch_loads_no_generated_code(tmp_path: Path) -> None:
    def ready(kind: str) -> str:
        return (
            f"from mistral_batch import {kind}\n"
            f"client = {kind}(api_key='key', server_url='http://127.0.0.1:9')\n"
            "client.files, client.batch.jobs\n"
        )

    assert _of(_loaded_after(ready("Mistral"), tmp_path), "mistral_batch_api", "asyncio") == []
    assert _of(_loaded_after(ready("AsyncMistral"), tmp_path), "mistral_batch_api") == []
    # Nor the machinery of a run: its ledger (and sqlite3), cache, tables, storage.
    loaded = _loaded_after(ready("Mistral"), tmp_path)
    run_parts = ("_ledger", "_cache", "_run_record", "_tables_in", "_structured")
    assert [m for m in loaded if m.rsplit(".", 1)[-1] in run_parts] == []
    assert "sqlite3" not in loaded


def test_a_run_and_its_tables_load_no_optional_dependency_until_asked(tmp_path: Path) -> None:
    code = (
        "import mistral_batch.tables, mistral_batch.storage, mistral_batch.results\n"
        "import mistral_batch._sync._batch\n"
        "from mistral_batch import Mistral, BatchRun, BatchResult\n"
        "client = Mistral(api_key='key', server_url='http://127.0.0.1:9')\n"
        "client.batch.run\n"
    )
    optional = ("pyarrow", "pandas", "polars", "pydantic", "jsonschema", "fsspec", "s3fs")
    assert _of(_loaded_after(code, tmp_path), *optional) == []


def test_every_public_name_is_found_where_it_is_said_to_be() -> None:
    public = set(mistral_batch.__all__) - {"__version__"}
    assert set(mistral_batch._HOME) == public
    for name in sorted(public):
        assert getattr(mistral_batch, name) is not None, name
    assert public <= set(dir(mistral_batch))
    with pytest.raises(AttributeError, match="no_such_name"):
        mistral_batch.no_such_name  # type: ignore[attr-defined]  # noqa: B018


def test_the_public_modules_are_reached_as_attributes(tmp_path: Path) -> None:
    code = "import mistral_batch\nassert mistral_batch.errors.InputError.__name__ == 'InputError'"
    assert "mistral_batch.errors" in _loaded_after(code, tmp_path)
