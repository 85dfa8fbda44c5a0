"""Installed without an extra: each entry point names the extra to install, in one line.

The packages are hidden from a real interpreter by a finder placed first in
sys.meta_path, as if they had never been installed; nothing is uninstalled.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BLOCKER = """
import sys
from importlib.abc import MetaPathFinder

class Missing(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, Missing())
sys.argv = ["mistral-batch", *{args!r}]
{entry}
"""

COMMAND = "from mistral_batch.cli import main\nmain()"
EMULATOR_MODULE = "import runpy\nrunpy.run_module({module!r}, run_name='__main__')"
CLI_EXTRA = "pip install 'mistral-batch[cli]'"
EMULATOR_EXTRA = "pip install 'mistral-batch[emulator]'"


def run_without(
    blocked: set[str], args: list[str], cwd: Path, entry: str = COMMAND
) -> subprocess.CompletedProcess[str]:
    code = BLOCKER.format(blocked=sorted(blocked), args=args, entry=entry)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},  # no MISTRAL_API_KEY: demo must not reach the API
    )


@pytest.mark.parametrize("blocked", [{"click"}, {"rich"}, {"click", "rich"}])
@pytest.mark.parametrize("args", [["--help"], ["files", "ls"], ["run", "in.jsonl", "-m", "m"]])
def test_the_command_without_the_cli_extra(
    blocked: set[str], args: list[str], tmp_path: Path
) -> None:
    done = run_without(blocked, args, tmp_path)
    assert done.returncode == 1
    assert done.stderr == f"error: the mistral-batch command needs the 'cli' extra: {CLI_EXTRA}\n"
    assert done.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ["emulator", "--port", "0"],
        ["--emulator", "files", "ls"],
        ["files", "ls", "--emulator"],
        ["demo", "--num-samples", "2"],
    ],
)
def test_emulator_commands_without_the_emulator_extra(args: list[str], tmp_path: Path) -> None:
    done = run_without({"starlette", "uvicorn", "multipart", "python_multipart"}, args, tmp_path)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[-1] == f"error: the emulator needs the 'emulator' extra: {EMULATOR_EXTRA}"
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) in ([], [tmp_path / "mistral-batch-demo"])


@pytest.mark.parametrize("module", ["mistral_batch_emulator", "mistral_batch.emulator"])
def test_python_dash_m_emulator_without_the_extra(module: str, tmp_path: Path) -> None:
    entry = EMULATOR_MODULE.format(module=module)
    done = run_without({"starlette", "uvicorn"}, ["--port", "0"], tmp_path, entry)
    assert done.returncode == 1
    assert done.stderr == f"error: the emulator needs the 'emulator' extra: {EMULATOR_EXTRA}\n"
