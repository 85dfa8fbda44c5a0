"""The reliability suite's fixtures, and the recorder that writes RELIABILITY.md.

Tests report what they tried into the session's `recorder`: faults injected (taken from
the emulators' own counters when each emulator stops), bad inputs, property examples,
contract cases, and what was checked for loss. Only `scripts/reliability` writes them
down: it names the report in $RELIABILITY_REPORT, and when the whole of
tests/reliability ran and passed, in one process, `pytest_sessionfinish` writes the
figures there. Any other run, `scripts/test` included, leaves the tree as it was.
"""

from __future__ import annotations

import os
import platform
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

# The suite runs with --import-mode=importlib, which puts no test folder on sys.path;
# the shared helpers beside this file are imported by their plain names.
sys.path.insert(0, str(Path(__file__).parent))

from reliability_helpers import FAST_RETRY, KEY_A, KEY_B, SleepLog, fast_client

from mistral_batch import Mistral
from mistral_batch.emulator import FAULT_KINDS, Emulator
from mistral_batch_emulator.pytest_plugin import EmulatorFactory

HERE = Path(__file__).resolve().parent
#: Set by scripts/reliability to the report's path; unset, nothing is written.
REPORT_VARIABLE = "RELIABILITY_REPORT"
#: Fault kinds whose count follows the clock, not the code: every request made while a
#: listing lags, or while an answer drips, counts. The report says they were used.
TIMED_KINDS = ("lag", "drip")
_DESELECTED = pytest.StashKey[bool]()


class Recorder:
    """Counts, by category, what the suite tried and what it found lost."""

    def __init__(self) -> None:
        self.faults: Counter[str] = Counter()
        self.tried: dict[str, Counter[str]] = {}
        self.checked: Counter[str] = Counter()
        self.lost: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()
        self.known: list[tuple[str, str, str]] = []  # (outcome, test, reason)

    def add_faults(self, stats: dict[str, int]) -> None:
        """Take the fault counters of an emulator that is about to stop."""
        self.faults.update(stats)

    def tried_one(self, category: str, kind: str, n: int = 1) -> None:
        """Count `n` things tried of `kind` in `category` (a bad input, an example...)."""
        self.tried.setdefault(category, Counter())[kind] += n

    def loss(self, what: str, checked: int, lost: int) -> None:
        """Record that `checked` items of `what` were checked and `lost` went missing."""
        self.checked[what] += checked
        self.lost[what] += lost

    def counted_faults(self) -> int:
        """Faults injected, the timed kinds apart."""
        return sum(n for kind, n in self.faults.items() if kind not in TIMED_KINDS)

    def fault_count(self, kind: str) -> str:
        """The count shown for a fault kind; for a timed kind, whether it was used."""
        n = self.faults.get(kind, 0)
        if kind in TIMED_KINDS:
            return "used, timed (not counted)" if n else "0"
        return str(n)

    def markdown(self) -> str:
        """The report: what was tried, what was lost, what is known not to work yet."""
        outcomes = ", ".join(f"{n} {name}" for name, n in sorted(self.outcomes.items()))
        python = ".".join(platform.python_version_tuple()[:2])
        out = [
            "# Reliability figures",
            "",
            f"Written by `scripts/reliability` (Python {python}: {outcomes}); not edited by",
            "hand. Each test of tests/reliability/ counts what it tried; the fault counts are",
            "the emulators' own. Random choices come from fixed seeds, so the figures are the",
            "same from run to run.",
            "",
            "## What the suite tried",
            "",
            "| what | count |",
            "|---|---:|",
            "| faults injected (counted by the emulators, timed kinds apart) |"
            f" {self.counted_faults()} |",
        ]
        out += [f"| {cat.lower()} | {sum(c.values())} |" for cat, c in sorted(self.tried.items())]
        out += ["", "## What was lost", "", "| checked | count | lost |", "|---|---:|---:|"]
        out += [f"| {what} | {n} | {self.lost[what]} |" for what, n in sorted(self.checked.items())]
        checked, lost = sum(self.checked.values()), sum(self.lost.values())
        out.append(f"| **total** | **{checked}** | **{lost}** |")
        out += ["", "## Faults injected, by kind", "", "| kind | injected |", "|---|---:|"]
        kinds = [*FAULT_KINDS, *sorted(set(self.faults) - set(FAULT_KINDS))]
        out += [f"| {kind} | {self.fault_count(kind)} |" for kind in kinds]
        for category in sorted(self.tried):
            counts = self.tried[category]
            out += ["", f"## {category}", ""]
            if set(counts.values()) == {1}:
                out.append(
                    f"{len(counts)} kinds, one test each: " + ", ".join(sorted(counts)) + "."
                )
                continue
            out += ["| kind | count |", "|---|---:|"]
            out += [f"| {kind} | {n} |" for kind, n in sorted(counts.items())]
        if self.known:
            out += [
                "",
                "## Known failures and skips",
                "",
                "Marked xfail(strict=True) until the fix named in the reason lands, or skipped.",
                "",
                "| outcome | test | reason |",
                "|---|---|---|",
            ]
            out += [f"| {o} | `{t}` | {r.replace('|', '/')} |" for o, t, r in sorted(self.known)]
        return "\n".join(out) + "\n"


#: One per process: the tests report into it through the `recorder` fixture.
RECORDER = Recorder()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count the outcomes of this suite's tests; keep the xfails and skips with reasons."""
    if HERE not in Path(report.fspath).resolve().parents:
        return
    recorder = RECORDER
    name = report.nodeid.split("::", 1)[-1]
    if hasattr(report, "wasxfail") and report.skipped:
        recorder.outcomes["xfailed"] += 1
        recorder.known.append(("xfail", name, str(report.wasxfail)))
    elif report.skipped:
        recorder.outcomes["skipped"] += 1
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        recorder.known.append(("skip", name, str(reason).removeprefix("Skipped: ")))
    elif report.when == "call":
        recorder.outcomes["passed" if report.passed else "failed"] += 1


@pytest.fixture(scope="session")
def recorder() -> Recorder:
    """The session's recorder (one per process)."""
    return RECORDER


def _ours(item: pytest.Item) -> bool:
    return HERE in Path(item.path).resolve().parents


def pytest_deselected(items: list[pytest.Item]) -> None:
    """Note that part of this suite was left out (-k, -m, --lf...)."""
    if any(_ours(item) for item in items):
        config = items[0].config
        config.stash[_DESELECTED] = True


def _whole_suite_ran(session: pytest.Session) -> bool:
    config = session.config
    if config.stash.get(_DESELECTED, False) or getattr(config, "workerinput", None):
        return False
    if getattr(config.option, "numprocesses", None):  # counts would be split across workers
        return False
    for arg in config.args:
        target = Path(arg.split("::", 1)[0]).resolve()
        if target == HERE or target in HERE.parents:
            if "::" in arg:
                return False
            break
    else:
        return False
    collected = {Path(item.path).resolve() for item in session.items if _ours(item)}
    return collected >= set(HERE.glob("test_*.py"))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write the report scripts/reliability asked for, after a full, passing run."""
    report = os.environ.get(REPORT_VARIABLE)
    if not report or exitstatus != 0 or session.testsfailed or RECORDER.outcomes["failed"]:
        return
    if _whole_suite_ran(session):
        Path(report).write_text(RECORDER.markdown(), encoding="utf-8")


# --- Emulators whose faults are counted ----------------------------------------------------


@pytest.fixture
def make_emulator(
    mistral_emulator_factory: EmulatorFactory, recorder: Recorder
) -> Iterator[EmulatorFactory]:
    """The plugin's factory; the faults of its emulators are counted before they stop."""
    yield mistral_emulator_factory
    for emulator in mistral_emulator_factory.started:
        recorder.add_faults(emulator.stats.faults)


@pytest.fixture(scope="module")
def emulator(recorder: Recorder) -> Iterator[Emulator]:
    """One emulator per module with two workspaces, KEY_A and KEY_B."""
    with Emulator(api_keys=[KEY_A, KEY_B]) as emu:
        yield emu
        recorder.add_faults(emu.stats.faults)


@pytest.fixture
def emu(emulator: Emulator) -> Iterator[Emulator]:
    """The module's emulator, its faults cleared and Range honoured again after each test."""
    yield emulator
    emulator.clear_faults()
    emulator.set_range_support(True)


@pytest.fixture
def sleeps() -> SleepLog:
    """The waits the client asked for between attempts, recorded instead of slept."""
    return SleepLog()


@pytest.fixture
def client(emu: Emulator, sleeps: SleepLog) -> Iterator[Mistral]:
    """A client of workspace A that retries at once (FAST_RETRY) and records its waits."""
    with fast_client(emu, sleeps=sleeps, retry=FAST_RETRY) as c:
        yield c
