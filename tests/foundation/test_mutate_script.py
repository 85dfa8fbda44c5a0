"""scripts/mutate's own decisions: every module has tests mapped to it that exist, names
are matched as a user types them, and a mutant's change and twin are read right."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def mutate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutate_script", ROOT / "scripts" / "mutate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutate_script"] = module
    # It imports scripts/unasync.py, beside it, as it runs from its folder.
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    return module


def test_every_module_maps_to_tests_that_exist(mutate: ModuleType) -> None:
    modules = mutate._modules([])
    assert "mistral_batch/_retry.py" in modules and "mistral_batch_emulator/_faults.py" in modules
    assert not any(m.endswith("__init__.py") for m in modules)
    for module in modules:
        group, tests = mutate._plan(module)
        assert group in {"pure", "transport", "resources", "cli", "emulator"}, module
        missing = [t for t in tests if not (ROOT / t).exists()]
        assert not missing, f"{module} maps to tests that do not exist: {missing}"


def test_a_module_is_named_as_a_user_types_it(mutate: ModuleType) -> None:
    assert mutate._modules(["_retry"]) == ["mistral_batch/_retry.py"]
    assert mutate._modules(["mistral_batch/_retry"]) == ["mistral_batch/_retry.py"]
    both = mutate._modules(["_validation", "_pagination"])
    assert both == ["mistral_batch/_validation.py", "mistral_batch/_pagination.py"]
    assert all(m.startswith("mistral_batch/cli/") for m in mutate._modules(["mistral_batch/cli/*"]))
    with pytest.raises(SystemExit, match="no such module under overlay/: _nope"):
        mutate._modules(["_nope"])


def test_a_mutants_change_is_its_new_line(mutate: ModuleType) -> None:
    diff = "--- a.py\n+++ a.py\n@@ -1 +1 @@\n-    if x < 1:\n+    if x <= 1:\n"
    assert mutate._changed_line(diff) == "if x <= 1:"
    removed = "--- a.py\n+++ a.py\n@@ -1,2 +1 @@\n     a = 1\n-    b = 2\n"
    assert mutate._changed_line(removed) == "(removed) b = 2"


def test_async_paths_are_told_from_their_sync_twins(mutate: ModuleType) -> None:
    statuses = {
        "mistral_batch._async._transport.xǁAsyncTransportǁ_send__mutmut_1": "killed",
        "mistral_batch._async._transport.xǁAsyncTransportǁ_send__mutmut_2": "survived",
        "mistral_batch._sync._transport.xǁSyncTransportǁ_send__mutmut_1": "killed",
        "mistral_batch.files.xǁAsyncFilesǁupload__mutmut_1": "killed",
        "mistral_batch.files.xǁFilesǁupload__mutmut_1": "no tests",
        "mistral_batch._answers.x_aread__mutmut_1": "killed",
        "mistral_batch._answers.x_read__mutmut_1": "killed",
        "mistral_batch._answers.x_check__mutmut_1": "survived",
    }
    async_counts, sync_counts = mutate._twin_counts(statuses)
    assert async_counts == [3, 4]
    assert sync_counts == [2, 3]


def test_the_twins_are_also_compared_without_their_listed_survivors(
    mutate: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    send = "mistral_batch._async._transport.x\u01c1AsyncTransport\u01c1_send"
    survivors = [
        {"name": f"{send}__mutmut_2", "status": "survived", "line": "a = None", "side": "async"},
        {"name": f"{send}__mutmut_3", "status": "survived", "line": "b = None", "side": "async"},
    ]
    entry = {"group": "transport", "counts": {"killed": 8, "survived": 2}, "seconds": 1}
    entry["survivors"] = survivors
    data = {"mistral_batch/_async/_transport.py": {**entry, "async": [8, 10], "sync": [0, 0]}}
    monkeypatch.setattr(mutate, "_equivalents", lambda: {(send, "a = None"): "why"})
    rows = mutate._render(data, "commit abc").splitlines()
    assert "| async paths | 8 / 10 | 80.0% | |" in rows
    assert "| async paths, the listed survivors set aside | 8 / 9 | 88.9% | |" in rows


def test_the_score_counts_timeouts_as_killed_and_skips_the_unchecked(mutate: ModuleType) -> None:
    counts = {"killed": 8, "timeout": 1, "survived": 2, "no tests": 1, "not checked": 5}
    assert mutate._tally(counts) == (9, 12)
    assert mutate._score(9, 12) == "75.0%"
    assert mutate._score(0, 0) == "n/a"


def test_modules_that_share_their_tests_are_mutated_in_one_run(mutate: ModuleType) -> None:
    modules = mutate._modules(
        [
            "mistral_batch/_async/_transport.py",
            "mistral_batch/_retry.py",
            "mistral_batch/_sync/_transport.py",
            "mistral_batch/cli/_run.py",
            "mistral_batch/cli/_jobs.py",
        ]
    )
    assert mutate._batches(modules) == [
        ["mistral_batch/_async/_transport.py", "mistral_batch/_sync/_transport.py"],
        ["mistral_batch/_retry.py"],
        ["mistral_batch/cli/_run.py", "mistral_batch/cli/_jobs.py"],
    ]


def test_a_mutant_is_traced_to_its_module(mutate: ModuleType) -> None:
    name = "mistral_batch._async._transport.xǁAsyncTransportǁ_send__mutmut_12"
    assert mutate._module_of(name) == "mistral_batch/_async/_transport.py"
    assert mutate._module_of("mistral_batch_emulator._faults.x_pick__mutmut_3") == (
        "mistral_batch_emulator/_faults.py"
    )


def test_an_equivalent_line_may_hold_the_separator(
    mutate: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = tmp_path / "equivalent"
    listed.write_text('# a comment\nm.x_f | a: str | None = "" | why it is so\n')
    monkeypatch.setattr(mutate, "EQUIVALENT", listed)
    assert mutate._equivalents() == {("m.x_f", 'a: str | None = ""'): "why it is so"}


def test_the_slowest_mutants_come_first(mutate: ModuleType) -> None:
    durations = {"m.a": 1.0, "m.b": 9.5, "m.c": 3.0, "m.d": 9.5}
    assert mutate._slowest(durations, 3) == [("m.b", 9.5), ("m.d", 9.5), ("m.c", 3.0)]


TRACE = ROOT / "scripts" / "mutate_trace"


def test_a_subprocess_of_a_traced_test_writes_the_calls_it_made(tmp_path: Path) -> None:
    pytest.importorskip("mutmut")
    work, calls = tmp_path / "work", tmp_path / "calls"
    (work / "src").mkdir(parents=True)
    (work / "setup.cfg").write_text("[mutmut]\nsource_paths =\n    src\n")
    calls.mkdir()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(TRACE),
        "MUTATE_WORK": str(work),
        "MUTATE_TRACE_DIR": str(calls),
    }
    # Outside a trace: nothing written, whatever was recorded.
    plain = "from mutmut.state import state; state()._stats.add('pkg.x_f')"
    subprocess.run([sys.executable, "-c", plain], env=env, cwd=tmp_path, check=True)
    assert list(calls.iterdir()) == []
    # In a trace, the trampoline records each call with record_trampoline_hit, which reads
    # mutmut's settings: from the run's folder, not the test's (here tmp_path).
    code = "from mutmut.stats import record_trampoline_hit as hit; hit('pkg.x_g'); hit('pkg.x_f')"
    env["MUTANT_UNDER_TEST"] = "stats"
    subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, check=True)
    (written,) = calls.iterdir()
    assert written.suffix == ".calls"
    assert written.read_text().splitlines() == ["pkg.x_f", "pkg.x_g"]


def test_the_calls_of_a_tests_subprocesses_are_given_to_mutmut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("mutmut")
    from mutmut.state import reset_state, state

    monkeypatch.syspath_prepend(str(TRACE))
    import mutate_calls

    (tmp_path / "1.calls").write_text("pkg.x_f\npkg.x_g\n")
    (tmp_path / "2.calls").write_text("pkg.x_h")
    monkeypatch.setenv("MUTATE_TRACE_DIR", str(tmp_path))
    reset_state()
    try:
        monkeypatch.setenv("MUTANT_UNDER_TEST", "fail")
        mutate_calls.pytest_runtest_teardown(None)
        assert state()._stats == set()  # not a trace: left alone
        monkeypatch.setenv("MUTANT_UNDER_TEST", "stats")
        mutate_calls.pytest_runtest_teardown(None)
        assert state()._stats == {"pkg.x_f", "pkg.x_g", "pkg.x_h"}
        assert list(tmp_path.iterdir()) == []
    finally:
        reset_state()


def test_a_sample_takes_a_share_of_each_module_the_same_for_the_same_seed(
    mutate: ModuleType,
) -> None:
    names = [f"mistral_batch._retry.x_f__mutmut_{i}" for i in range(1, 41)]
    names += [f"mistral_batch._split.x_g__mutmut_{i}" for i in range(1, 4)]
    drawn = mutate.Sample(0.1).draw(names)
    assert drawn == mutate.Sample(0.1, seed=0).draw(reversed(names))
    assert drawn != mutate.Sample(0.1, seed=1).draw(names)
    retry = [n for n in drawn if "_retry" in n]
    split = [n for n in drawn if "_split" in n]
    assert len(retry) == 4 and len(split) == 1  # a tenth, and at least one of each
    assert set(drawn) <= set(names) and drawn == sorted(drawn)
    assert mutate.Sample(1.0).draw(names) == sorted(names)


def test_an_async_module_and_its_sync_twin_draw_the_same_mutants(mutate: ModuleType) -> None:
    pairs = [
        (
            "_async._workload.x\u01c1AsyncWorkload\u01c1run",
            "_sync._workload.x\u01c1Workload\u01c1run",
        ),
        ("_async._answers.x_aread_answer", "_sync._answers.x_read_answer"),
        (
            "_async._transport.x\u01c1AsyncTransport\u01c1_send",
            "_sync._transport.x\u01c1SyncTransport\u01c1_send",
        ),
    ]
    for async_name, sync_name in pairs:
        names = [f"mistral_batch.{async_name}__mutmut_{i}" for i in range(1, 31)]
        twins = [f"mistral_batch.{sync_name}__mutmut_{i}" for i in range(1, 31)]
        assert [mutate.twin_of(n) for n in names] == twins
        assert [mutate.twin_of(n) for n in twins] == twins
        drawn = mutate.Sample(0.1, seed=3).draw(names + twins)
        assert len(drawn) == 6
        assert sorted(mutate.twin_of(n) for n in drawn if n in names) == sorted(
            n for n in drawn if n in twins
        )
    plain = "mistral_batch._workload.x_result_file_name__mutmut_1"
    assert mutate.twin_of(plain) == plain


def test_a_sampled_module_counts_for_all_its_mutants_with_a_margin(mutate: ModuleType) -> None:
    whole = mutate._Estimate()
    whole.add({"killed": 90, "survived": 10})
    assert whole.score() == "90.0%"
    mixed = mutate._Estimate()
    mixed.add({"killed": 90, "survived": 10})
    # 8 of a sample of 10 killed, from 100 mutants: 80% of them, counted as 100.
    mixed.add({"killed": 8, "survived": 2, "not checked": 90})
    assert (mixed.killed, mixed.tried) == (98, 110)
    # (90 + 80) / 200; margin 1.96 * 100 * sqrt(0.8 * 0.2 / 9 * 0.9) / 200.
    assert mixed.score() == "85.0% ± 12.4"
    assert mutate._Estimate().score() == "n/a"


def test_survivors_tried_again_leave_the_rest_of_a_module_as_measured(
    mutate: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    send = "mistral_batch._async._transport.x\u01c1AsyncTransport\u01c1_send"
    survivors = [
        {"name": f"{send}__mutmut_{n}", "status": "survived", "line": f"v{n}", "side": "async"}
        for n in (1, 2, 3, 4)
    ]
    earlier = {
        "group": "transport",
        "counts": {"killed": 6, "survived": 4},
        "survivors": survivors,
        "async": [6, 10],
        "sync": [0, 0],
        "seconds": 100,
        "measured": "commit abc, a sample (10% of its mutants, seed 1)",
    }
    module = "mistral_batch/_async/_transport.py"
    # The third is listed as equivalent: not tried again.
    monkeypatch.setattr(mutate, "_equivalents", lambda: {(send, "v3"): "why"})
    retry = mutate.Retry({module: earlier})
    assert retry.draw([f"{send}__mutmut_{n}" for n in range(1, 9)]) == [
        f"{send}__mutmut_{n}" for n in (1, 2, 4)
    ]
    assert retry.wanted(module) == [f"{send}__mutmut_{n}" for n in (1, 2, 4)]
    tried = {f"{send}__mutmut_1": "killed", f"{send}__mutmut_2": "survived"}
    entry = retry.merged(module, {**tried, f"{send}__mutmut_5": "not checked"}, 7, "commit def")
    assert entry["counts"] == {"killed": 7, "survived": 3}
    assert [s["name"][-1] for s in entry["survivors"]] == ["2", "3", "4"]
    assert entry["async"] == [7, 10] and entry["sync"] == [0, 0]
    assert entry["seconds"] == 107
    assert entry["measured"] == (
        "commit abc, a sample (10% of its mutants, seed 1); its survivors tried again on commit def"
    )
    # Tried again later: the row names the first measure and the last retry only.
    again = mutate.Retry({module: entry}).merged(module, {f"{send}__mutmut_4": "timeout"}, 1, "x")
    assert again["counts"] == {"killed": 7, "timeout": 1, "survived": 2}
    assert again["measured"].endswith("seed 1); its survivors tried again on x")
    assert earlier["counts"] == {"killed": 6, "survived": 4}  # the earlier entry is left alone


def test_a_sync_survivor_killed_on_a_retry_counts_for_the_sync_twins(
    mutate: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = "mistral_batch._limiter.x\u01c1Gate\u01c1__init__"
    survivor = {"name": f"{gate}__mutmut_1", "status": "survived", "line": "a", "side": None}
    earlier = {
        "group": "transport",
        "counts": {"killed": 7, "survived": 1},
        "survivors": [survivor],
        "async": [4, 4],
        "sync": [3, 4],
        "seconds": 10,
        "measured": "commit abc",
    }
    monkeypatch.setattr(mutate, "_equivalents", dict)
    statuses = {
        f"{gate}__mutmut_1": "killed",
        "mistral_batch._limiter.x\u01c1AsyncGate\u01c1__init____mutmut_1": "not checked",
    }
    entry = mutate.Retry({"mistral_batch/_limiter.py": earlier}).merged(
        "mistral_batch/_limiter.py", statuses, 1, "commit def"
    )
    assert (entry["async"], entry["sync"]) == ([4, 4], [4, 4])
