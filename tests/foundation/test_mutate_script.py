"""scripts/mutate's own decisions: every module has tests mapped to it that exist, names
are matched as a user types them, and a mutant's change and twin are read right."""

from __future__ import annotations

import importlib.util
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
    spec.loader.exec_module(module)
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
