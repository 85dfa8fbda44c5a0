"""The benchmarks at tiny sizes, so that their code cannot rot. No timing is asserted:
the figures live in benchmarks/RESULTS.md, made by scripts/bench.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The suite runs with --import-mode=importlib, which puts nothing on sys.path.
sys.path.insert(0, str(ROOT))

from benchmarks import cold, fixtures, report, runner  # noqa: E402
from benchmarks.plan import CASES, QUICK, TARGETS, case  # noqa: E402
from mistral_batch.emulator import Emulator  # noqa: E402


@pytest.fixture(scope="module")
def emulator() -> fixtures.EmulatorClient:
    with Emulator() as emu:
        yield fixtures.EmulatorClient(emu.url, emu.api_key)


def test_every_case_and_variant_runs_and_reports(
    emulator: fixtures.EmulatorClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The runs' temporary folders go here, to be found if a run leaves one behind.
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    bench = runner.Bench(tmp_path, emulator, QUICK, in_process=True)
    results = {c.key: runner.run_case(bench, c, repeat=1, cold_rounds=1) for c in CASES}
    for c in CASES:
        for variant in c.variants:
            runs = results[c.key][variant.key]
            assert len(runs.figures) == 1 and runs.figures[0] > 0, (c.key, variant.key)
    # Fifty calls at once are well within every variant's bounds: none may fail.
    assert all(runs.errors == [0] for runs in results["fanout"].values())
    # Every request of the runs of any size is answered once, and none fails.
    assert all(runs.errors == [0] for runs in results["scale"].values())
    assert list(temporary.iterdir()) == []
    profiles = {
        "decode": bench.run_child(case("decode"), "ours", profile=True)["profile"],
        "cold": cold.import_profile("ours"),
    }
    assert "iter_results" in profiles["decode"]
    assert "mistral_batch" in profiles["cold"]

    text = report.render(
        results, profiles, sizes=QUICK, repeat=1, cold_rounds=1, quick=True, elapsed=1.0
    )

    assert "## Machine" in text and "mistralai 1.12.4" in text
    for c in CASES:
        assert c.title in text
    for target in TARGETS:
        assert f"| {target.text} |" in text
    # The files the cases wrote are gone; only the inputs prepared once remain.
    assert not list(tmp_path.glob("dl-*")) and not list(tmp_path.glob("e2e-*"))


def test_a_run_of_any_size_spans_many_jobs_and_leaves_the_emulator_as_it_was(
    emulator: fixtures.EmulatorClient, tmp_path: Path
) -> None:
    bench = runner.Bench(tmp_path, emulator, QUICK, in_process=True)
    with emulator.client() as admin:
        settings = admin.get("/_emulator/settings").json()
        files = admin.get("/v1/files").json()["total"]
        report = bench.run_child(case("scale"), "three")
        # Lowered for the run only; the run's files are deleted after it.
        assert admin.get("/_emulator/settings").json() == settings
        assert admin.get("/v1/files").json()["total"] == files
    n = runner.scale_requests(QUICK.scale_requests, "three")
    assert report["units"] == 3 * n and report["errors"] == 0
    # The input is cut into several parts, each run as a job on each model.
    assert report["jobs"] % 3 == 0 and report["jobs"] > 3


def test_the_command_runs_a_case_in_child_processes(tmp_path: Path) -> None:
    output = tmp_path / "RESULTS.md"
    command = [sys.executable, "-m", "benchmarks", "--quick", "--repeat", "1"]
    command += ["--only", "decode", "--output", str(output), "--scratch-dir", str(tmp_path)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text = output.read_text()
    assert "## 3. Decode a result file: 2,000 lines" in text
    assert "decoding >= 2x the json.loads loop" in text
    # The scratch folder is removed at the end.
    assert [p.name for p in tmp_path.iterdir()] == ["RESULTS.md"]


def test_the_script_says_what_it_does() -> None:
    script = (ROOT / "scripts" / "bench").read_text().splitlines()
    assert script[0] == "#!/usr/bin/env bash"
    assert script[1].startswith("# The benchmarks")
    assert 'source "$(dirname "$0")/_env.sh"' in script and "ensure_venv dev" in script
