"""The sync client is written from the async one by scripts/unasync.py, and kept so."""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest


@pytest.fixture(scope="module")
def unasync() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "scripts" / "unasync.py"
    spec = importlib.util.spec_from_file_location("unasync_script", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("line", "sync"),
    [
        ("    async def get(self) -> Job:", "    def get(self) -> Job:"),
        (
            "        return await self._t.call(GET_JOB, args, job)",
            "        return self._t.call(GET_JOB, args, job)",
        ),
        ("        async for page in self.pages():", "        for page in self.pages():"),
        ("    async def __aenter__(self) -> Self:", "    def __enter__(self) -> Self:"),
        ("            await response.aclose()", "            response.close()"),
        ("from collections.abc import AsyncIterator", "from collections.abc import Iterator"),
        ("        http = httpx.AsyncClient()", "        http = httpx.Client()"),
        ("class AsyncBatchRun:", "class BatchRun:"),
        ("    files: AsyncFiles", "    files: Files"),
        (
            "def f(p: AsyncPaginator[T]) -> AsyncTransport:",
            "def f(p: SyncPaginator[T]) -> SyncTransport:",
        ),
        ("    fetch: Callable[[int], Awaitable[Page[T]]],", "    fetch: Callable[[int], Page[T]],"),
        ("        await asyncio.sleep(delay)", "        time.sleep(delay)"),
        ("    asyncio_name = Asynchronous", "    asyncio_name = Asynchronous"),  # whole words only
    ],
)
def test_each_line_is_made_sync_by_whole_word_substitutions(
    unasync: ModuleType, line: str, sync: str
) -> None:
    assert unasync.unasync_line(line) == sync


def test_the_escape_hatches_leave_a_line_out_or_put_one_in(unasync: ModuleType) -> None:
    assert unasync.unasync_line("    aclose = close  # unasync: async-only") is None
    assert unasync.unasync_line("        # unasync: sync-only on_progress(job)") == (
        "        on_progress(job)"
    )


def test_every_sync_module_says_which_async_one_it_comes_from(root: Path) -> None:
    def modules(folder: str) -> list[str]:
        found = (root / "overlay/mistral_batch" / folder).glob("*.py")
        return sorted(p.name for p in found if p.name != "__init__.py")

    sources, written = modules("_async"), modules("_sync")
    assert written == sources and "_transport.py" in written
    for name in written:
        first = (root / "overlay/mistral_batch/_sync" / name).read_text().splitlines()[0]
        assert first == (
            f"# Generated from overlay/mistral_batch/_async/{name} "
            "by scripts/unasync.py; do not edit."
        )


def test_the_sync_tree_is_what_its_async_source_gives(root: Path) -> None:
    result = subprocess.run(
        [sys.executable, root / "scripts" / "unasync.py", "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_check_fails_naming_a_sync_module_edited_by_hand(root: Path, tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    (copy / "overlay").mkdir(parents=True)
    shutil.copytree(root / "overlay" / "mistral_batch", copy / "overlay" / "mistral_batch")
    shutil.copytree(root / "scripts", copy / "scripts")
    shutil.copy(root / "pyproject.toml", copy)
    (copy / ".venv").symlink_to(root / ".venv")
    edited = copy / "overlay" / "mistral_batch" / "_sync" / "_jobs.py"
    edited.write_text(edited.read_text() + "# edited by hand\n")
    command = [sys.executable, copy / "scripts" / "unasync.py", "--check"]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 1
    assert "_sync/_jobs.py is stale" in result.stderr
    # Without --check it writes the sync module again, and the check then passes.
    subprocess.run([sys.executable, copy / "scripts" / "unasync.py"], check=True)
    assert "edited by hand" not in edited.read_text()
    assert subprocess.run(command, capture_output=True).returncode == 0
