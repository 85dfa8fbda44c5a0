"""`mistral-batch demo` and `scripts/demo`: the guide's example, without a key or network."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import lines_of

ROOT = Path(__file__).resolve().parents[2]


def _env_without_key() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("MISTRAL_")}


def _check_demo_output(stdout: str, folder: Path, samples: int, invalid: int) -> None:
    assert f"Total requests: {samples}" in stdout
    assert f"Successful requests: {samples - invalid}" in stdout
    assert f"Failed requests: {invalid}" in stdout
    assert "Percent done: 100.0" in stdout
    assert "Job duration:" in stdout
    assert len(lines_of(folder / "input.jsonl")) == samples
    assert len(lines_of(folder / "output.jsonl")) == samples - invalid
    assert len(lines_of(folder / "error.jsonl")) == invalid


def test_demo_without_a_key_runs_on_an_emulator(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mistral_batch.cli", "demo", "-n", "8", "--invalid", "1"],
        cwd=tmp_path,
        env=_env_without_key(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "No MISTRAL_API_KEY. Using a local emulator at http://127.0.0.1:" in done.stderr
    assert "completed with status: SUCCESS" in done.stdout
    _check_demo_output(done.stdout, tmp_path / "mistral-batch-demo", 8, 1)


def test_scripts_demo_on_a_fresh_clone(tmp_path: Path) -> None:
    stamp = ROOT / ".venv" / ".installed-dev"
    if shutil.which("git") is None or not stamp.is_file():
        pytest.skip("needs git and an installed .venv (scripts/test makes one)")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=60)
    # The clone borrows this checkout's .venv instead of installing the project again,
    # which would take minutes and need the registry: the full fresh-machine check is
    # CI's own run. Its pyproject.toml is made older than the venv's stamp, so that
    # ensure_venv does not reinstall into the shared .venv from the clone.
    (clone / ".venv").symlink_to(ROOT / ".venv")
    before = stamp.stat().st_mtime - 1
    os.utime(clone / "pyproject.toml", (before, before))
    env = _env_without_key()
    # The borrowed venv's editable install points at this checkout; the clone's own
    # code comes first on the path, so it is the clone that runs.
    env["PYTHONPATH"] = f"{clone / 'overlay'}{os.pathsep}{clone / 'generated'}"
    env["MISTRAL_API_KEY"] = "must-be-ignored-by-the-demo"

    done = subprocess.run(
        ["scripts/demo", "--num-samples", "8", "--invalid", "2", "--output-dir", "out"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Using a local emulator" in done.stderr
    _check_demo_output(done.stdout, clone / "out", 8, 2)
    assert stamp.stat().st_mtime > before  # the shared venv was left alone
