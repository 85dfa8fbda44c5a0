"""Writes overlay/mistral_batch/_sync/ from overlay/mistral_batch/_async/: async is the source.

Usage: .venv/bin/python scripts/unasync.py [--check]
  (no flag)  rewrite _sync/ from _async/
  --check    change nothing; exit 1, naming the stale files, if _sync/ differs

Each line goes through word-boundary substitutions (``async def`` -> ``def``, ``await ``
dropped, ``AsyncMistral`` -> ``Mistral``, ...), then ruff sorts the imports and formats
the file as the project's settings say. Two escape hatches, for the few lines that
differ beyond a substitution:
  <code>  # unasync: async-only     the line is left out of the sync file
  # unasync: sync-only <code>       the line is <code> in the sync file (a comment here)
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "overlay" / "mistral_batch" / "_async"
TARGET = ROOT / "overlay" / "mistral_batch" / "_sync"
INIT = "__init__.py"

#: Whole words or phrases, replaced in this order.
SUBSTITUTIONS = [
    (r"\basync def\b", "def"),
    (r"\basync for\b", "for"),
    (r"\basync with\b", "with"),
    (r"\bawait ", ""),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\b__aiter__\b", "__iter__"),
    (r"\b__anext__\b", "__next__"),
    (r"\baclose\b", "close"),
    (r"\baiter_bytes\b", "iter_bytes"),
    (r"\baiter_raw\b", "iter_raw"),
    (r"\baiter_jsonl\b", "iter_jsonl"),
    (r"\bawithin\b", "within"),
    (r"\baread_answer\b", "read_answer"),
    (r"\baread_error_body\b", "read_error_body"),
    (r"\baiter\b", "iter"),
    (r"\banext\b", "next"),
    (r"\bStopAsyncIteration\b", "StopIteration"),
    (r"\bAsyncIterator\b", "Iterator"),
    (r"\bAsyncIterable\b", "Iterable"),
    (r"\basyncio\.sleep\b", "time.sleep"),
    (r"\bhttpx\.AsyncClient\b", "httpx.Client"),
    (r"\bAsyncPaginator\b", "SyncPaginator"),
    (r"\bAsyncTransport\b", "SyncTransport"),
    # Every other Async* name of ours drops the prefix: AsyncMistral -> Mistral, ...
    (r"\bAsync([A-Z]\w*)", r"\1"),
    (r"\b_async\b", "_sync"),
    (r"\basync\b", "sync"),
]
_COMPILED = [(re.compile(pattern), repl) for pattern, repl in SUBSTITUTIONS]
_ASYNC_ONLY = re.compile(r"\s*# unasync: async-only\s*$")
_SYNC_ONLY = re.compile(r"^(\s*)# unasync: sync-only (.*)$")


def _drop_awaitable(line: str) -> str:
    """``Awaitable[X]`` -> ``X``, brackets matched, nested or not."""
    while (start := line.find("Awaitable[")) != -1:
        opening = start + len("Awaitable")
        depth = 0
        for end in range(opening, len(line)):
            depth += {"[": 1, "]": -1}.get(line[end], 0)
            if depth == 0:
                break
        else:
            return line  # the brackets close on another line: left as written
        line = line[:start] + line[opening + 1 : end] + line[end + 1 :]
    return line


def unasync_line(line: str) -> str | None:
    """The sync form of one line of the async source; None to leave it out."""
    if _ASYNC_ONLY.search(line):
        return None
    sync_only = _SYNC_ONLY.match(line)
    if sync_only:
        return sync_only.group(1) + sync_only.group(2)
    for pattern, repl in _COMPILED:
        line = pattern.sub(repl, line)
    return _drop_awaitable(line)


def _ruff(args: list[str], text: str, name: Path) -> str:
    ruff = ROOT / ".venv" / "bin" / "ruff"
    command = [str(ruff) if ruff.exists() else "ruff", *args, "--stdin-filename", str(name), "-"]
    done = subprocess.run(command, input=text, capture_output=True, text=True, cwd=ROOT)
    if done.returncode not in (0, 1) or not done.stdout:
        sys.exit(f"unasync: ruff failed on {name}:\n{done.stderr}")
    return done.stdout


def unasync_file(source: Path) -> str:
    """The whole sync module for one async source file, formatted."""
    relative = source.relative_to(ROOT)
    lines = [unasync_line(line) for line in source.read_text().splitlines()]
    header = f"# Generated from {relative} by scripts/unasync.py; do not edit."
    text = "\n".join([header, *(line for line in lines if line is not None)]) + "\n"
    target = TARGET / source.name
    # Renamed imports and __all__ entries are sorted again; unused imports go.
    fixes = ["check", "--fix", "--select", "I,F401,RUF022", "--quiet", "--exit-zero"]
    text = _ruff(fixes, text, target)
    return _ruff(["format", "--quiet"], text, target)


def main(argv: list[str]) -> int:
    """Write the sync tree, or with --check, report whether it is stale."""
    check = "--check" in argv
    if not SOURCE.is_dir():
        sys.exit(f"unasync: no async source at {SOURCE}")
    # Each package's __init__ is written by hand: it says which tree is the source.
    wanted = {s.name: unasync_file(s) for s in sorted(SOURCE.glob("*.py")) if s.name != INIT}
    present = {p.name: p.read_text() for p in sorted(TARGET.glob("*.py")) if p.name != INIT}
    stale = sorted(
        name for name in wanted.keys() | present.keys() if wanted.get(name) != present.get(name)
    )
    if check:
        for name in stale:
            print(f"overlay/mistral_batch/_sync/{name} is stale", file=sys.stderr)
        if stale:
            print("run scripts/unasync.py (or scripts/generate) and commit.", file=sys.stderr)
        return 1 if stale else 0
    TARGET.mkdir(exist_ok=True)
    for name in stale:
        if name in wanted:
            (TARGET / name).write_text(wanted[name])
        else:
            (TARGET / name).unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
