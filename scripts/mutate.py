"""Mutation testing of the overlay and the emulator with mutmut; the scores go to TESTING.md.

Run through scripts/mutate (see there for the usage). Each module is mutated against only
the tests that MODULE_TESTS names for it; among those, mutmut runs for each mutant only
the tests that called the mutated function. Modules mapped to the same tests are mutated
in one mutmut run, so that those tests are traced once. Everything happens in a copy of
the tree in a temporary folder (the overlay laid out as ``src/``, where mutmut looks for
packages), removed at the end: the only file written in the checkout is TESTING.md.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from unasync import SUBSTITUTIONS

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "TESTING.md"
EQUIVALENT = ROOT / "scripts" / "mutate.equivalent"
#: How a reason in EQUIVALENT starts when the mutant is not equivalent but out of reach.
OUT_OF_REACH = "out of reach: "
PACKAGES = ("mistral_batch", "mistral_batch_emulator")

#: The tests of tables in and out: the pure parts directly, the rest through the emulator.
_TABLE_TESTS = [
    "tests/overlay/test_table_shapes.py",
    "tests/overlay/test_tables.py",
    "tests/overlay/test_tables_out_exact.py",
]
_TRANSPORT_TESTS = [
    "tests/overlay/test_answer_reading.py",
    "tests/overlay/test_error_words.py",
    "tests/overlay/test_transport_build.py",
    "tests/overlay/test_transport_base_exact.py",
    "tests/overlay/test_transport_rules.py",
    "tests/overlay/test_async_client.py",
    "tests/overlay/test_faults.py",
    "tests/overlay/test_retry.py",
    "tests/overlay/test_retry_after.py",
    "tests/overlay/test_security.py",
    "tests/overlay/test_errors.py",
    "tests/reliability/test_closed_responses.py",
    "tests/reliability/test_hostile_answers.py",
    "tests/reliability/test_hostile_encodings.py",
    "tests/reliability/test_hostile_redirects.py",
    "tests/reliability/test_hostile_secrets.py",
    "tests/overlay/test_lost_answers.py",
    "tests/overlay/test_deadline_twins.py",
    "tests/overlay/test_transport_exact.py",
]
#: The transport both clients run on: also the fault matrix, which runs each of them.
_CLIENT_TRANSPORT_TESTS = [
    *_TRANSPORT_TESTS,
    "tests/reliability/test_faults.py",
    "tests/reliability/test_create_once.py",
    "tests/overlay/test_download_budget.py",
]
#: Deadlines take seconds to test (each waits one out): only for the modules that keep them,
#: and only the tests of deadlines (every request enters one: the whole transport's tests
#: would run for each mutant).
_DEADLINE_TESTS = [
    "tests/overlay/test_network_bounds.py",
    "tests/overlay/test_transport_rules.py",
    "tests/overlay/test_deadline_twins.py",
    "tests/overlay/test_answer_reading.py",
    "tests/overlay/test_transport_build.py",
    "tests/overlay/test_files_exact.py",
    "tests/overlay/test_wait_plan.py",
    "tests/overlay/test_wait_outages.py",
    "tests/reliability/test_deadlines.py",
]
_FILES_TESTS = [
    "tests/overlay/test_resume_decisions.py",
    "tests/overlay/test_files.py",
    "tests/overlay/test_file_modes.py",
    "tests/overlay/test_bounds.py",
    "tests/overlay/test_async_client.py",
    "tests/reliability/test_downloads.py",
    "tests/reliability/test_closed_responses.py",
    "tests/overlay/test_files_exact.py",
    "tests/overlay/test_upload_exact.py",
]
_JOBS_TESTS = [
    "tests/overlay/test_jobs.py",
    "tests/overlay/test_jobs_exact.py",
    "tests/overlay/test_job_listing_exact.py",
    "tests/overlay/test_lost_answers.py",
    "tests/overlay/test_async_client.py",
    "tests/overlay/test_batch_surface.py",
    "tests/overlay/test_batch_out.py",
    "tests/overlay/test_create_plan.py",
    "tests/overlay/test_job_without_model.py",
    "tests/overlay/test_sparse_answers.py",
    "tests/overlay/test_bounds.py",
    "tests/reliability/test_create_once.py",
]

#: For each module (a glob under the overlay, first match wins), the tests that are meant
#: to catch its bugs, and its group in the report. Kept small: every file named here runs
#: once in full before the mutants of the module are tried.
MODULE_TESTS: list[tuple[str, str, list[str]]] = [
    (
        "mistral_batch/_pagination.py",
        "pure",
        [
            "tests/overlay/test_pagination.py",
            "tests/overlay/test_pagination_edges.py",
            "tests/overlay/test_bounds.py",
        ],
    ),
    (
        "mistral_batch/_validation.py",
        "pure",
        [
            "tests/overlay/test_validation.py",
            "tests/overlay/test_validation_messages.py",
        ],
    ),
    (
        "mistral_batch/_polling.py",
        "pure",
        [
            "tests/overlay/test_wait_plan.py",
            "tests/overlay/test_polling.py",
            "tests/overlay/test_wait_outages.py",
        ],
    ),
    (
        "mistral_batch/_backoff.py",
        "pure",
        [
            "tests/overlay/test_backoff_schedule.py",
            "tests/overlay/test_polling.py",
            "tests/overlay/test_retry.py",
        ],
    ),
    (
        "mistral_batch/_retry.py",
        "pure",
        [
            "tests/overlay/test_retry.py",
            "tests/overlay/test_retry_policy.py",
            "tests/overlay/test_retry_after.py",
            "tests/overlay/test_faults.py",
        ],
    ),
    (
        "mistral_batch/_jsonl.py",
        "pure",
        [
            "tests/overlay/test_jsonl_exact.py",
            "tests/overlay/test_jsonl_edges.py",
            "tests/overlay/test_jsonl.py",
            "tests/overlay/test_results.py",
        ],
    ),
    (
        "mistral_batch/_input.py",
        "pure",
        [
            "tests/overlay/test_input_exact.py",
            "tests/overlay/test_input_messages.py",
            "tests/overlay/test_input.py",
            "tests/overlay/test_bounds.py",
        ],
    ),
    (
        "mistral_batch/_encoding.py",
        "pure",
        [
            "tests/overlay/test_status_and_encoding.py",
            "tests/overlay/test_transport_rules.py",
            "tests/overlay/test_pure_more_exact.py",
            "tests/reliability/test_hostile_encodings.py",
        ],
    ),
    (
        "mistral_batch/_redirects.py",
        "pure",
        [
            "tests/overlay/test_redirect_rules.py",
            "tests/overlay/test_transport_rules.py",
            "tests/reliability/test_hostile_redirects.py",
        ],
    ),
    (
        "mistral_batch/_status.py",
        "pure",
        [
            "tests/overlay/test_status_and_encoding.py",
            "tests/overlay/test_jobs.py",
            "tests/overlay/test_polling.py",
        ],
    ),
    (
        "mistral_batch/_parse.py",
        "pure",
        [
            "tests/overlay/test_answer_shapes.py",
            "tests/overlay/test_sparse_answers.py",
            "tests/overlay/test_fidelity.py",
            "tests/reliability/test_hostile_answers.py",
        ],
    ),
    (
        "mistral_batch/_secrets.py",
        "pure",
        [
            "tests/overlay/test_secret_forms_exact.py",
            "tests/overlay/test_secret_forms.py",
            "tests/overlay/test_security.py",
            "tests/reliability/test_secrets.py",
            "tests/reliability/test_hostile_secrets.py",
        ],
    ),
    (
        "mistral_batch/_create.py",
        "pure",
        [
            "tests/overlay/test_create_decisions.py",
            "tests/overlay/test_create_plan.py",
            "tests/reliability/test_create_once.py",
        ],
    ),
    (
        "mistral_batch/_batch_out.py",
        "pure",
        [
            "tests/overlay/test_batch_out.py",
            "tests/overlay/test_batch_surface.py",
            "tests/overlay/test_bounds.py",
        ],
    ),
    ("mistral_batch/_split.py", "pure", ["tests/overlay/test_split.py"]),
    (
        "mistral_batch/_structured.py",
        "pure",
        ["tests/overlay/test_structured.py", "tests/overlay/test_table_shapes.py"],
    ),
    (
        "mistral_batch/_tables_in.py",
        "pure",
        [*_TABLE_TESTS, "tests/overlay/test_storage.py", "tests/overlay/test_pure_more_exact.py"],
    ),
    ("mistral_batch/_answer_columns.py", "pure", _TABLE_TESTS),
    (
        "mistral_batch/_usage.py",
        "pure",
        [*_TABLE_TESTS, "tests/overlay/test_pure_more_exact.py"],
    ),
    (
        "mistral_batch/_tables_out.py",
        "resources",
        [*_TABLE_TESTS, "tests/overlay/test_run_outputs_twins.py"],
    ),
    (
        "mistral_batch/_storage.py",
        "resources",
        [
            "tests/overlay/test_storage.py",
            "tests/overlay/test_storage_exact.py",
            "tests/overlay/test_pure_more_exact.py",
        ],
    ),
    (
        "mistral_batch/_ledger*.py",
        "resources",
        [
            "tests/overlay/test_ledger.py",
            "tests/overlay/test_ledger_exact.py",
            "tests/overlay/test_workload.py",
            "tests/overlay/test_async_workload.py",
            "tests/overlay/test_cache.py",
        ],
    ),
    ("mistral_batch/_transport_base.py", "transport", _TRANSPORT_TESTS),
    ("mistral_batch/_answers.py", "transport", _TRANSPORT_TESTS),
    ("mistral_batch/_error_answers.py", "transport", _TRANSPORT_TESTS),
    ("mistral_batch/_deadline.py", "transport", _DEADLINE_TESTS),
    (
        "mistral_batch/_limiter.py",
        "transport",
        # Every request passes the gate: the tests of the gate, not the whole transport's.
        [
            "tests/overlay/test_fan_out.py",
            "tests/overlay/test_deadline_twins.py",
            "tests/overlay/test_config_exact.py",
            "tests/overlay/test_limiter_exact.py",
            "tests/reliability/test_closed_responses.py",
        ],
    ),
    (
        "mistral_batch/errors.py",
        "transport",
        [
            "tests/overlay/test_errors.py",
            "tests/overlay/test_error_fields.py",
            "tests/overlay/test_faults.py",
        ],
    ),
    ("mistral_batch/_upload.py", "resources", _FILES_TESTS),
    (
        "mistral_batch/_download.py",
        "resources",
        [*_FILES_TESTS, "tests/overlay/test_download_budget.py"],
    ),
    ("mistral_batch/_local_files.py", "resources", _FILES_TESTS),
    (
        "mistral_batch/_results_io.py",
        "resources",
        [
            "tests/overlay/test_results.py",
            "tests/overlay/test_jsonl.py",
            "tests/overlay/test_results_io_exact.py",
            "tests/reliability/test_short_files.py",
        ],
    ),
    (
        "mistral_batch/results.py",
        "resources",
        [
            "tests/overlay/test_results.py",
            "tests/overlay/test_results_exact.py",
            "tests/overlay/test_seeds.py",
        ],
    ),
    (
        "mistral_batch/_config.py",
        "resources",
        [
            "tests/overlay/test_security.py",
            "tests/overlay/test_transport_rules.py",
            "tests/overlay/test_config_exact.py",
            "tests/overlay/test_pure_more_exact.py",
        ],
    ),
    (
        "mistral_batch/models.py",
        "resources",
        [
            "tests/overlay/test_fidelity.py",
            "tests/overlay/test_sparse_answers.py",
            "tests/overlay/test_models_exact.py",
            "tests/overlay/test_pure_more_exact.py",
        ],
    ),
    # The async source and the sync code made from it: each against the same tests, so
    # that the report can hold the async paths to their sync twins.
    ("mistral_batch/_[as]*/_transport.py", "transport", _CLIENT_TRANSPORT_TESTS),
    ("mistral_batch/_[as]*/_answers.py", "transport", _TRANSPORT_TESTS),
    ("mistral_batch/_[as]*/_network.py", "transport", _DEADLINE_TESTS),
    ("mistral_batch/_[as]*/_files.py", "resources", _FILES_TESTS),
    (
        "mistral_batch/_[as]*/_download.py",
        "resources",
        [*_FILES_TESTS, "tests/overlay/test_download_budget.py"],
    ),
    ("mistral_batch/_[as]*/_jobs.py", "resources", _JOBS_TESTS),
    (
        "mistral_batch/_[as]*/_batch.py",
        "resources",
        [
            *_JOBS_TESTS,
            "tests/overlay/test_run_outputs_twins.py",
            "tests/overlay/test_run_arguments_twins.py",
            "tests/overlay/test_batch_create_twins.py",
            "tests/overlay/test_workload.py",
            "tests/overlay/test_async_workload.py",
            "tests/overlay/test_cache.py",
            "tests/overlay/test_tables.py",
            "tests/overlay/test_storage.py",
        ],
    ),
    (
        "mistral_batch/_[as]*/_paginator.py",
        "resources",
        [
            "tests/overlay/test_pagination.py",
            "tests/overlay/test_pagination_edges.py",
            "tests/overlay/test_bounds.py",
        ],
    ),
    (
        "mistral_batch/_[as]*/_results.py",
        "resources",
        [
            "tests/overlay/test_results.py",
            "tests/overlay/test_jobs_exact.py",
            "tests/reliability/test_short_files.py",
        ],
    ),
    (
        "mistral_batch/_[as]*/*",
        "resources",
        ["tests/overlay", "tests/reliability/test_closed_responses.py"],
    ),
    ("mistral_batch/cli/*", "cli", ["tests/cli"]),
    ("mistral_batch_emulator/*", "emulator", ["tests/emulator"]),
    ("mistral_batch/*", "resources", ["tests/overlay"]),
]

#: Modules with nothing to mutate worth a run: re-exports, entry points, generated copies.
SKIPPED = (
    "*/__init__.py",
    "*/__main__.py",
    "mistral_batch/emulator.py",
    "mistral_batch/_generated.py",
    # Re-exports of the sync and async classes.
    "mistral_batch/batch.py",
    "mistral_batch/files.py",
    "mistral_batch/jobs.py",
)


#: The report's targets, by group.
TARGETS = {"pure": 90.0, "transport": 90.0, "overlay": 85.0}

_DATA = re.compile(r"<!-- scripts/mutate data: (.*) -->", re.S)
_SURVIVED = {"survived", "no tests", "suspicious", "caught by type check", "skipped"}


def _modules(names: Iterable[str]) -> list[str]:
    """The modules to mutate, as paths under the overlay (``mistral_batch/_retry.py``)."""
    every = sorted(
        str(p.relative_to(ROOT / "overlay"))
        for package in PACKAGES
        for p in (ROOT / "overlay" / package).rglob("*.py")
    )
    every = [m for m in every if not any(fnmatch.fnmatch(m, s) for s in SKIPPED)]
    wanted = list(names)
    if not wanted:
        return every
    # In the order asked for, so that the modules that matter most can go first.
    chosen = list(dict.fromkeys(m for w in wanted for m in every if _matches(m, w)))
    missing = [w for w in wanted if not any(_matches(m, w) for m in chosen)]
    if missing:
        sys.exit(f"no such module under overlay/: {', '.join(missing)}")
    return chosen


def _matches(module: str, wanted: str) -> bool:
    """Whether `wanted` names `module`: its path, without .py, a bare name, or a glob."""
    stem = module.removesuffix(".py")
    return wanted in (module, stem, stem.rsplit("/", 1)[-1]) or fnmatch.fnmatch(module, wanted)


def _plan(module: str) -> tuple[str, list[str]]:
    for pattern, group, tests in MODULE_TESTS:
        if fnmatch.fnmatch(module, pattern):
            return group, tests
    raise AssertionError(f"no tests mapped for {module}")


def _copy_tree(work: Path, from_head: bool) -> str:
    """Lay the tree out in `work`, the overlay as src/; return what was measured."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if from_head:
        archive = subprocess.run(
            ["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(work)], input=archive, check=True)
        what = f"commit {head}"
    else:
        listed = (
            subprocess.run(
                ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                cwd=ROOT,
                capture_output=True,
                check=True,
            )
            .stdout.decode()
            .split("\0")
        )
        for name in filter(None, listed):
            source = ROOT / name
            if source.is_file():
                target = work / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        what = f"commit {head}" + (" with uncommitted changes" if dirty.strip() else "")
    (work / "overlay").rename(work / "src")
    return what


def _config(work: Path, modules: list[str], tests: list[str], deselect: list[str]) -> None:
    lines = [
        "[mutmut]",
        "source_paths =",
        *(f"    src/{p}" for p in PACKAGES),
        "only_mutate =",
        *(f"    src/{m}" for m in modules),
        "pytest_add_cli_args_test_selection =",
        *(f"    {t}" for t in tests if (work / t).exists()),
        # No cache in the copy; the tests' own TMPDIR is the run's scratch folder.
        "pytest_add_cli_args =",
        "    -p",
        "    no:cacheprovider",
        "    -p",
        "    mutate_calls",
        *(f"    --deselect={node}" for node in deselect),
        "use_git_change_detection = false",
        # The emulator's tests check its answers against the contract.
        "also_copy =",
        "    openapi.yaml",
        # A mutant that hangs is stopped after four times its tests' time, plus five seconds
        # (mutmut waits fifteen times): a hanging mutant counts as killed either way, and the
        # times were measured while tracing, slower than the runs they bound.
        "timeout_multiplier = 4",
        "timeout_constant = 5",
        "",
    ]
    (work / "setup.cfg").write_text("\n".join(lines), encoding="utf-8")


def _mutmut(work: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    mutmut = Path(sys.executable).parent / "mutmut"
    return subprocess.run([str(mutmut), *args], cwd=work, env=env, capture_output=True, text=True)


def _failing(work: Path, env: dict[str, str], tests: list[str]) -> list[str]:
    """The tests among `tests` that fail on the code before any mutation."""
    plain = dict(env, PYTHONPATH=os.pathsep.join([str(work / "src"), str(work / "generated")]))
    args = ["-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider", "-p", "no:randomly"]
    existing = [t for t in tests if (work / t).exists()]
    done = subprocess.run(
        [sys.executable, *args, *existing], cwd=work, env=plain, capture_output=True, text=True
    )
    found = re.findall(r"^(?:FAILED|ERROR) (\S+)", done.stdout, re.M)
    if not found:
        # Not a failing test but a suite that cannot run (an import error, say).
        raise SystemExit(f"the tests of the module do not run:\n{done.stdout[-3000:]}")
    return sorted({node.split(" - ")[0] for node in found})


def _changed_line(diff: str) -> str:
    added = [
        line[1:].strip()
        for line in diff.splitlines()
        if line.startswith("+") and not line.startswith("+++")
    ]
    removed = [
        line[1:].strip()
        for line in diff.splitlines()
        if line.startswith("-") and not line.startswith("---")
    ]
    return " / ".join(added) if added else "(removed) " + " / ".join(removed)


def _equivalents() -> dict[tuple[str, str], str]:
    """The surviving mutants known to be equivalent: (function, mutated line) -> why."""
    known: dict[tuple[str, str], str] = {}
    if EQUIVALENT.exists():
        for raw in EQUIVALENT.read_text(encoding="utf-8").splitlines():
            if raw.strip() and not raw.lstrip().startswith("#"):
                # The mutated line may hold " | " itself (a type union): the function
                # ends at the first separator, the reason starts after the last.
                function, rest = raw.split(" | ", 1)
                line, why = rest.rsplit(" | ", 1)
                known[(function.strip(), line.strip())] = why.strip()
    return known


def _batches(modules: list[str]) -> list[list[str]]:
    """The modules grouped by the tests mapped to them, in the order first named.

    The modules of a batch are mutated in one mutmut run: the tests they share are run
    once to learn which test calls which function, not once per module.
    """
    batches: dict[tuple[str, ...], list[str]] = {}
    for module in modules:
        batches.setdefault(tuple(_plan(module)[1]), []).append(module)
    return list(batches.values())


def _module_of(mutant: str) -> str:
    """The module a mutant is in, as a path under the overlay."""
    dotted = _function(mutant).rsplit(".", 1)[0]
    return dotted.replace(".", "/") + ".py"


def _run_batch(
    work: Path,
    modules: list[str],
    children: int,
    log: Path,
    measured: str,
    choice: Sample | Retry | None = None,
) -> dict[str, dict[str, object]]:
    """Mutate `modules` (which share their tests) in one run; an entry for each module.

    With a Retry, only its survivors are tried, and each entry is the module's earlier one
    with their new results."""
    tests = _plan(modules[0])[1]
    shutil.rmtree(work / "mutants", ignore_errors=True)
    # On sys.path before anything is imported: a folder made later would be skipped.
    (work / "mutants" / "src").mkdir(parents=True)
    _config(work, modules, tests, [])
    scratch = work / "scratch"
    scratch.mkdir(exist_ok=True)
    env = dict(os.environ)
    # The command's tests run it in a subprocess: it must import the mutants too, and
    # its calls count as the test's (scripts/mutate_trace).
    trace = work / "scripts" / "mutate_trace"
    env["PYTHONPATH"] = os.pathsep.join(
        [str(trace), str(work / "mutants" / "src"), str(work / "generated")]
    )
    env["MUTATE_WORK"] = str(work)
    env["MUTATE_TRACE_DIR"] = str(work / "calls")
    (work / "calls").mkdir(exist_ok=True)
    env["TMPDIR"] = str(scratch)
    started = time.monotonic()
    run = _mutmut_run(work, env, children, choice)
    deselected: list[str] = []
    if "BadTestExecutionCommandsException" in run.stdout + run.stderr:
        # Tests that fail on the code as it is cannot judge a mutant: leave them out, and
        # say so in the report.
        deselected = _failing(work, env, tests)
        _config(work, modules, tests, deselected)
        shutil.rmtree(work / "mutants")
        (work / "mutants" / "src").mkdir(parents=True)
        run = _mutmut_run(work, env, children, choice)
    with log.open("a", encoding="utf-8") as out:
        out.write(f"== {' '.join(modules)}\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}\n")
    seconds = time.monotonic() - started
    _print_slowest(work, log)
    listed = _mutmut(work, env, "results", "--all", "true").stdout
    statuses: dict[str, dict[str, str]] = {module: {} for module in modules}
    for line in listed.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and "__mutmut_" in name and _module_of(name) in statuses:
            statuses[_module_of(name)][name] = status
    everyone = sum(len(found) for found in statuses.values()) or 1
    if isinstance(choice, Retry):
        return {
            module: choice.merged(
                module,
                found,
                round(seconds * len(choice.wanted(module)) / max(1, len(choice.names))),
                measured,
            )
            for module, found in statuses.items()
        }
    if choice is not None:
        measured += f", a sample ({choice.fraction:.0%} of its mutants, seed {choice.seed})"
    entries = {
        module: _entry(
            work,
            env,
            _plan(module)[0],
            found,
            # The run's time, shared among its modules by their count of mutants.
            round(seconds * len(found) / everyone),
            measured,
            deselected,
        )
        for module, found in statuses.items()
    }
    if not any(statuses.values()):
        # Not one mutant of the run has a result: mutmut failed, it did not find nothing.
        for entry in entries.values():
            entry["failed"] = True
    return entries


@dataclass(frozen=True)
class Sample:
    """A share of each module's mutants, drawn at random but the same for the same seed."""

    fraction: float
    seed: int = 0

    def draw(self, names: Iterable[str]) -> list[str]:
        """The mutants of the sample among `names`: this share of each module's, at least one.

        Each mutant is ranked by a draw seeded with its sync twin's name (its own where it
        has none), and each module gives its first: an async module and its sync twin
        give the same mutants, wherever their code is the same, so that their scores
        compare the tests on the same faults.
        """
        by_module: dict[str, list[str]] = {}
        for name in sorted(names):
            by_module.setdefault(_module_of(name), []).append(name)
        chosen: list[str] = []
        for found in by_module.values():
            count = max(1, math.ceil(self.fraction * len(found)))
            ranked = sorted(
                found, key=lambda n: random.Random(f"{self.seed}:{twin_of(n)}").random()
            )
            chosen += ranked[:count]
        return sorted(chosen)


@dataclass(frozen=True)
class Retry:
    """The survivors a report lists as not killed yet, tried again against today's tests;
    the other mutants of their modules keep their earlier results."""

    earlier: dict[str, dict[str, object]]  # the report's entries, by module

    @cached_property
    def names(self) -> dict[str, str]:
        """Each survivor not listed as equivalent or out of reach, with its mutated line."""
        known = _equivalents()
        return {
            s["name"]: s["line"]
            for entry in self.earlier.values()
            for s in entry["survivors"]  # type: ignore[attr-defined]
            if (_function(s["name"]), s["line"]) not in known
        }

    def wanted(self, module: str) -> list[str]:
        """The survivors of `module` to try again."""
        return sorted(n for n in self.names if _module_of(n) == module)

    def draw(self, names: Iterable[str]) -> list[str]:
        """The survivors among the mutants `names`."""
        return sorted(set(names) & set(self.names))

    def merged(
        self, module: str, statuses: dict[str, str], seconds: int, measured: str
    ) -> dict[str, object]:
        """`module`'s earlier entry with the new statuses of the survivors tried again,
        among the `statuses` of all its mutants in this run."""
        tried = {n: st for n, st in statuses.items() if st != "not checked"}
        # Told among all the module's functions: a sync one is a twin if its async one is.
        sides = _twin_sides(statuses)
        entry = dict(self.earlier[module])
        counts: dict[str, int] = dict(entry["counts"])  # type: ignore[call-overload]
        twins = {side: list(entry.get(side) or [0, 0]) for side in ("async", "sync")}  # type: ignore[call-overload]
        survivors = []
        for s in entry["survivors"]:  # type: ignore[attr-defined]
            status = tried.get(s["name"], s["status"])
            if status in _SURVIVED:
                survivors.append({**s, "status": status})
            counts[s["status"]] -= 1
            counts[status] = counts.get(status, 0) + 1
            side = sides.get(s["name"], s.get("side"))
            if side is not None and s["status"] in _SURVIVED and status not in _SURVIVED:
                twins[side][0] += 1
        first = str(entry.get("measured", "")).split(_RETRIED)[0]
        entry.update(
            counts={k: v for k, v in counts.items() if v},
            survivors=survivors,
            seconds=int(entry["seconds"]) + seconds,  # type: ignore[call-overload]
            measured=f"{first}{_RETRIED}{measured}",
            **twins,
        )
        return entry


#: How a row says its survivors were tried again on later code.
_RETRIED = "; its survivors tried again on "


def twin_of(mutant: str) -> str:
    """The name of the same mutant in the sync twin of an async module (the name itself
    for any other module): the async module's names as scripts/unasync.py makes them sync."""
    module, _, function = _function(mutant).rpartition(".")
    if "._async." not in f".{module}.":
        return mutant
    suffix = mutant.removeprefix(_function(mutant))
    # A method is xǁClassǁname, a function x_name: each name made sync on its own.
    if "\u01c1" in function:
        function = "\u01c1".join(_unasync_name(part) for part in function.split("\u01c1"))
    else:
        function = "x_" + _unasync_name(function.removeprefix("x_"))
    return f"{_unasync_name(module)}.{function}{suffix}"


def _unasync_name(name: str) -> str:
    """`name` as scripts/unasync.py writes it in the sync code."""
    for pattern, replacement in UNASYNC:
        name = pattern.sub(replacement, name)
    return name


#: How scripts/unasync.py makes a name of the async code sync.
UNASYNC = [(re.compile(pattern), replacement) for pattern, replacement in SUBSTITUTIONS]

#: A name no mutant has: a run asked for it makes the mutants and traces the tests, then stops.
_NO_MUTANT = "no-such-mutant"


def _mutmut_run(
    work: Path, env: dict[str, str], children: int, choice: Sample | Retry | None
) -> subprocess.CompletedProcess[str]:
    """Run mutmut over every mutant, or over those `choice` draws."""
    names: list[str] = []
    if choice is not None:
        # A first run makes the mutants and learns which test calls what (kept for the
        # second); the names of the mutants are then in mutmut's files.
        _mutmut(work, env, "run", "--max-children", str(children), _NO_MUTANT)
        names = choice.draw(_mutants(work))
        if isinstance(choice, Retry):
            names = _unchanged(work, env, names, choice.names)
            if not names:
                return _mutmut(work, env, "run", "--max-children", str(children), _NO_MUTANT)
    return _mutmut(work, env, "run", "--max-children", str(children), *names)


def _unchanged(
    work: Path, env: dict[str, str], names: list[str], lines: dict[str, str]
) -> list[str]:
    """The mutants among `names` that still make the change measured before (a name is a
    number within its function: once the function changes, it may name another change)."""
    same = []
    for name in names:
        if _changed_line(_mutmut(work, env, "show", name).stdout) == lines[name]:
            same.append(name)
        else:
            print(f"{name}: its function changed since it was measured; measure the module again")
    return same


def _mutants(work: Path) -> list[str]:
    """The names of the mutants mutmut made in `work`."""
    found: list[str] = []
    for meta in (work / "mutants").rglob("*.meta"):
        found += json.loads(meta.read_text(encoding="utf-8")).get("exit_code_by_key", {})
    return found


def _durations(work: Path) -> dict[str, float]:
    """Each mutant's wall time in the last run, from mutmut's files beside the mutants."""
    found: dict[str, float] = {}
    for meta in (work / "mutants").rglob("*.meta"):
        found.update(json.loads(meta.read_text(encoding="utf-8")).get("durations_by_key", {}))
    return found


def _slowest(durations: dict[str, float], count: int = 5) -> list[tuple[str, float]]:
    """The `count` mutants that took longest, slowest first."""
    return sorted(durations.items(), key=lambda kv: (-kv[1], kv[0]))[:count]


def _print_slowest(work: Path, log: Path) -> None:
    """Say where a run's time went: its total in mutants, and the slowest of them."""
    durations = _durations(work)
    if not durations:
        return
    lines = [f"  {sum(durations.values()):.0f} s in {len(durations)} mutants; slowest:"]
    lines += [f"    {seconds:6.1f} s {name}" for name, seconds in _slowest(durations)]
    print("\n".join(lines), flush=True)
    with log.open("a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


def _entry(
    work: Path,
    env: dict[str, str],
    group: str,
    statuses: dict[str, str],
    seconds: int,
    measured: str,
    deselected: list[str],
) -> dict[str, object]:
    """What the report keeps of one module's run."""
    counts: dict[str, int] = {}
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    survivors = []
    sides = _twin_sides(statuses)
    for name, status in sorted(statuses.items()):
        if status in _SURVIVED:
            diff = _mutmut(work, env, "show", name).stdout
            line = _changed_line(diff)
            survivors.append({"name": name, "status": status, "line": line, "side": sides[name]})
    async_counts, sync_counts = _twin_counts(statuses)
    return {
        "group": group,
        "counts": counts,
        "survivors": survivors,
        "async": async_counts,
        "sync": sync_counts,
        "seconds": seconds,
        "measured": measured,
        "deselected": deselected,
        # Nothing tried (a module with no mutants has no counts at all, and is not a failure).
        "failed": bool(counts) and set(counts) <= {"not checked"},
    }


def _function(name: str) -> str:
    return name.rsplit("__mutmut_", 1)[0]


def _twin_counts(statuses: dict[str, str]) -> tuple[list[int], list[int]]:
    """(killed, total) of the async functions, and of the sync ones that have an async twin."""
    tallies = {"async": [0, 0], "sync": [0, 0]}
    for name, which in _twin_sides(statuses).items():
        if which is not None:
            tallies[which][1] += 1
            tallies[which][0] += statuses[name] not in _SURVIVED
    return tallies["async"], tallies["sync"]


def _twin_sides(statuses: dict[str, str]) -> dict[str, str | None]:
    """Each mutant's side: "async" (an async path), "sync" (its sync twin), or None."""
    functions = {_function(n).rsplit(".", 1)[-1] for n in statuses}

    def side(name: str) -> str | None:
        module, fn = _function(name).rsplit(".", 1)  # x_name, or xǁClassǁname for a method
        # Twins kept as whole modules: the async source and the sync code made from it.
        if module.startswith("mistral_batch._async."):
            return "async"
        if module.startswith("mistral_batch._sync."):
            return "sync"
        if fn.startswith("xǁ"):
            _, cls, method = fn.split("ǁ", 2)
            if cls.startswith("Async"):
                return "async"
            return "sync" if f"xǁAsync{cls}ǁ{method}" in functions else None
        plain = fn.removeprefix("x_")
        if plain.startswith("a") and f"x_{plain[1:]}" in functions:
            return "async"
        return "sync" if f"x_a{plain}" in functions else None

    return {name: side(name) for name in statuses}


def _score(killed: int, total: int) -> str:
    return f"{100 * killed / total:.1f}%" if total else "n/a"


def _tally(counts: dict[str, int]) -> tuple[int, int]:
    total = sum(counts.values()) - counts.get("not checked", 0)
    survived = sum(n for s, n in counts.items() if s in _SURVIVED)
    return total - survived, total


class _Estimate:
    """A group's score from its modules', some of them sampled.

    Each module counts for all its mutants: a sampled module's share killed stands for
    the share of the whole module, with a variance that shrinks as the sample nears the
    whole (the finite-population correction). A group of whole modules has none.
    """

    def __init__(self) -> None:
        self.killed = self.tried = 0
        self.expected = self.mutants = self.variance = 0.0

    def add(self, counts: dict[str, int]) -> None:
        """Count a module's tally (its untried mutants are "not checked")."""
        killed, tried = _tally(counts)
        if not tried:
            return
        population = tried + counts.get("not checked", 0)
        share = killed / tried
        self.killed += killed
        self.tried += tried
        self.mutants += population
        self.expected += population * share
        if tried < population and tried > 1:
            spread = share * (1 - share) / (tried - 1) * (1 - tried / population)
            self.variance += population**2 * spread

    def score(self) -> str:
        """The share of the group's mutants killed, with its 95% margin when sampled."""
        if not self.mutants:
            return "n/a"
        text = f"{100 * self.expected / self.mutants:.1f}%"
        if self.mutants > self.tried:
            text += f" ± {100 * 1.96 * math.sqrt(self.variance) / self.mutants:.1f}"
        return text


def _render(data: dict[str, dict[str, object]], measured: str) -> str:
    known = _equivalents()
    out = [
        "# Mutation testing",
        "",
        "Written by `scripts/mutate` (mutmut); not edited by hand. Each mutant of a module of",
        "the overlay or the emulator is tried against the tests that scripts/mutate.py maps",
        "to the module and that called the mutated function. A mutant is killed when a test",
        "fails (or times out). The score counts every mutant tried; those listed as",
        "equivalent below still count as survivors. Modules mapped to the same tests are",
        "mutated in one run, whose seconds are shared among them by their count of mutants.",
        "A module measured on a sample of its mutants (its row says so) counts in its",
        "group for all of them, at the share its sample killed: the group's score then",
        "carries its 95% margin. An async module and its sync twin, sampled with the same",
        "seed, are tried on the same mutants wherever their code is the same.",
        "",
        f"Last run: {measured}. Modules not listed were not measured; each row says which",
        "code it measured.",
        "",
        "## Score by module",
        "",
        "| module | group | mutants | killed | survived | no tests | score | seconds | measured |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    groups: dict[str, _Estimate] = {}
    twins = {"async": [0, 0], "sync": [0, 0]}
    # The same, without the survivors listed as equivalent or out of reach.
    listed = {"async": 0, "sync": 0}
    for module, entry in sorted(data.items()):
        for s in entry["survivors"]:  # type: ignore[attr-defined]
            side = s.get("side", _twin_sides({s["name"]: s["status"]})[s["name"]])
            if side is not None and (_function(s["name"]), s["line"]) in known:
                listed[side] += 1
        counts: dict[str, int] = entry["counts"]  # type: ignore[assignment]
        killed, total = _tally(counts)
        group = str(entry["group"])
        for key in (group, "overlay" if group != "emulator" else "emulator"):
            groups.setdefault(key, _Estimate()).add(counts)
        for side in ("async", "sync"):
            pair = entry.get(side) or [0, 0]
            twins[side][0] += pair[0]  # type: ignore[index]
            twins[side][1] += pair[1]  # type: ignore[index]
        no_tests = counts.get("no tests", 0)
        out.append(
            f"| {module} | {group} | {total} | {killed} | {total - killed - no_tests} | {no_tests} "
            f"| {_score(killed, total)} | {entry['seconds']} | {entry.get('measured', '')} |"
        )
    out += [
        "",
        "## Score by group",
        "",
        "| group | killed / mutants | score | target |",
        "|---|---:|---:|---:|",
    ]
    for group in ("pure", "transport", "resources", "cli", "overlay", "emulator"):
        if group in groups:
            g = groups[group]
            target = f"{TARGETS[group]:.0f}%" if group in TARGETS else ""
            out.append(f"| {group} | {g.killed} / {g.tried} | {g.score()} | {target} |")
    for side in ("async", "sync"):
        killed, total = twins[side]
        label = "async paths" if side == "async" else "their sync twins"
        out.append(f"| {label} | {killed} / {total} | {_score(killed, total)} | |")
    for side in ("async", "sync"):
        killed, total = twins[side][0], twins[side][1] - listed[side]
        label = "async paths" if side == "async" else "their sync twins"
        label += ", the listed survivors set aside"
        out.append(f"| {label} | {killed} / {total} | {_score(killed, total)} | |")
    left_out = [(m, n) for m, e in sorted(data.items()) for n in e.get("deselected") or []]  # type: ignore[attr-defined]
    if left_out:
        out += ["", "## Tests left out", ""]
        out += ["They failed on the code before any mutation:", ""]
        out += [f"- {module}: `{node}`" for module, node in left_out]
    out += ["", "## Surviving mutants", ""]
    out += [
        "Each one is either equivalent (no test can tell it from the code: the line says why),",
        "out of reach (a test kills it when the change is made by hand, but mutmut cannot",
        "switch it on, or this machine cannot make the case: the line says why), or not",
        "killed yet (a gap in the tests, to close). `mutmut show NAME` in a run's folder",
        "shows the change; the list of both is scripts/mutate.equivalent.",
    ]
    for module, entry in sorted(data.items()):
        survivors: list[dict[str, str]] = entry["survivors"]  # type: ignore[assignment]
        if not survivors:
            continue
        out += ["", f"### {module}", ""]
        for s in survivors:
            why = known.get((_function(s["name"]), s["line"]))
            if why is None:
                tag = f"{s['status']}, not killed yet"
            elif why.startswith(OUT_OF_REACH):
                tag = why
            else:
                tag = f"equivalent: {why}"
            out.append(f"- `{s['name'].rsplit('.', 1)[-1]}` `{s['line'][:120]}`: {tag}")
    payload = json.dumps({"measured": measured, "modules": data}, sort_keys=True)
    out += ["", f"<!-- scripts/mutate data: {payload} -->", ""]
    return "\n".join(out)


def _report_data() -> tuple[dict[str, dict[str, object]], str]:
    """The modules TESTING.md holds, and what its last run measured."""
    found = _DATA.search(REPORT.read_text(encoding="utf-8")) if REPORT.exists() else None
    if not found:
        return {}, "nothing yet"
    data = json.loads(found.group(1))
    return data["modules"], data["measured"]


def main() -> int:
    """Mutate the modules asked for (all by default) and write TESTING.md."""
    parser = argparse.ArgumentParser(prog="scripts/mutate", description=__doc__)
    parser.add_argument("modules", nargs="*", help="modules under overlay/ (default: all)")
    parser.add_argument(
        "--head", action="store_true", help="mutate the last commit, not the working tree"
    )
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--fresh", action="store_true", help="forget the modules measured before")
    parser.add_argument(
        "--budget", type=float, help="minutes after which no further module is started"
    )
    parser.add_argument(
        "--sample",
        type=float,
        metavar="FRACTION",
        help="try this share of each module's mutants (0.1: one in ten), drawn by --seed",
    )
    parser.add_argument("--seed", type=int, default=0, help="the draw of --sample")
    parser.add_argument(
        "--group",
        action="append",
        choices=sorted({group for _, group, _ in MODULE_TESTS}),
        help="only the modules of this group (repeatable), among those named or all",
    )
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="try again only the survivors TESTING.md lists as not killed yet, in the modules"
        " named (default: every module that has some); the other mutants keep their results",
    )
    parser.add_argument(
        "--render",
        action="store_true",
        help="mutate nothing: write TESTING.md again from its data (after editing the"
        " list of equivalents)",
    )
    args = parser.parse_args()
    previous: dict[str, dict[str, object]] = {}
    last = "nothing yet"
    if not args.fresh:
        previous, last = _report_data()
    if args.render:
        REPORT.write_text(_render(previous, last), encoding="utf-8")
        return 0
    if args.survivors and (args.fresh or args.sample is not None):
        parser.error("--survivors tries again what TESTING.md holds: not with --fresh or --sample")
    modules = _modules(args.modules)
    if args.survivors:
        pending = Retry(previous).names
        modules = [m for m in modules if any(_module_of(n) == m for n in pending)]
    if args.group:
        modules = [m for m in modules if _plan(m)[0] in args.group]
    sample = None
    if args.sample is not None:
        if not 0 < args.sample <= 1:
            parser.error(f"--sample must be a fraction above 0 and at most 1, not {args.sample}")
        sample = Sample(args.sample, args.seed)
    started = time.monotonic()
    base = Path(tempfile.mkdtemp(prefix="mistral-batch-mutate-"))
    work = base / "tree"
    work.mkdir()
    # The tests that read Mistral's documents look for them beside the checkout: beside
    # the copy, and beside mutmut's copy of it (work/mutants), where the mutants run.
    shared = ROOT.parent / "shared"
    if shared.is_dir():
        (base / "shared").symlink_to(shared)
        (work / "shared").symlink_to(shared)
    log = base / "mutmut.log"
    try:
        measured = _copy_tree(work, args.head)
        failed = []
        done: dict[str, dict[str, object]] = {}
        batches = _batches(modules)
        for index, batch in enumerate(batches):
            if args.budget is not None and time.monotonic() - started > args.budget * 60:
                left = ", ".join(m for later in batches[index:] for m in later)
                print(f"the {args.budget}-minute budget is spent; not measured: {left}")
                break
            choice: Sample | Retry | None = sample
            if args.survivors:
                choice = Retry({m: previous[m] for m in batch})
            entries = _run_batch(work, batch, args.max_children, log, measured, choice)
            for module, entry in entries.items():
                killed, total = _tally(entry["counts"])  # type: ignore[arg-type]
                if entry["failed"]:
                    print(f"{module}: mutmut failed:\n{log.read_text()[-3000:]}", file=sys.stderr)
                    failed.append(module)
                    continue
                done[module] = entry
                score = _score(killed, total)
                print(
                    f"{module}: {killed}/{total} killed ({score}) in {entry['seconds']} s",
                    flush=True,
                )
            # Read again before writing: another run may have written its own modules since.
            if not args.fresh:
                previous.update(_report_data()[0])
            previous.update(done)
            REPORT.write_text(_render(previous, measured), encoding="utf-8")
        return 1 if failed else 0
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
