"""scripts/compare-spec shows what a new version of Mistral's spec changed."""

import subprocess
from pathlib import Path

import yaml


def compare(root: Path, other: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            root / "scripts" / "compare-spec",
            other,
            "--allow",
            root / "scripts" / "compare-spec.allow",
        ],
        capture_output=True,
        text=True,
    )


def test_only_allowlisted_differences_from_the_reference(root: Path, reference: Path) -> None:
    result = compare(root, reference)
    assert result.returncode == 0, result.stdout
    assert "CHANGED" not in result.stdout and "STALE" not in result.stdout
    assert "0 not allowlisted, 0 stale" in result.stdout


def test_a_changed_spec_is_reported(root: Path, reference: Path, tmp_path: Path) -> None:
    spec = yaml.safe_load(reference.read_text())
    spec["components"]["schemas"]["BatchJobStatus"]["enum"].append("VALIDATING")
    list_jobs = spec["paths"]["/v1/batch/jobs"]["get"]
    list_jobs["parameters"] = [p for p in list_jobs["parameters"] if p["name"] != "agent_id"]
    spec["components"]["schemas"]["BatchJob"]["properties"]["priority"] = {"type": "string"}
    create = spec["components"]["schemas"]["CreateBatchJobRequest"]["properties"]
    create["timeout_hours"]["maximum"] = 336
    create["timeout_hours"]["default"] = 48
    changed = tmp_path / "next.yaml"
    changed.write_text(yaml.safe_dump(spec))

    result = compare(root, changed)

    assert result.returncode == 1
    flagged = [line for line in result.stdout.splitlines() if "CHANGED" in line]
    assert any("param query:agent_id: ours=string theirs=absent" in line for line in flagged)
    assert any("status:" in line and "VALIDATING" in line for line in flagged)
    assert any(" priority: ours=absent theirs=string" in line for line in flagged)
    assert any(
        "timeout_hours: ours=integer(minimum=1,maximum=168,default=24)"
        " theirs=integer(minimum=1,maximum=336,default=48)" in line
        for line in flagged
    )
