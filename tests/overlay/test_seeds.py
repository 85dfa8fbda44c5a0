"""The examples of Mistral's batch guide and of an SDK reference run with only the
import line and a few named lines changed."""

import json
import re
import runpy
import sys
from pathlib import Path
from typing import Any

import pytest

from mistral_batch import Mistral
from mistral_batch.emulator import Emulator

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
EXAMPLE = Path(__file__).resolve().parents[1] / "seeds" / "end_to_end_example.py"
REFERENCE = Path(__file__).resolve().parents[1] / "seeds" / "sdk_reference_example.py"
GUIDE = SEEDS / "001_2e479abd654707ff.txt"
SDK_DOC = SEEDS / "000_12fd0156d2e9039a.txt"
OFFICIAL_IMPORT = re.compile(r"^from mistralai import ", re.MULTILINE)


def python_snippets(text: str) -> list[str]:
    """The numbered code blocks of the guide ("1import os", "2..."), Python ones only."""
    blocks: list[list[str]] = []
    expected = 1
    for line in text.splitlines():
        match = re.match(r"^(\d+)(.*)$", line)
        if match and int(match.group(1)) == expected:
            if expected == 1:
                blocks.append([])
            blocks[-1].append(match.group(2))
            expected += 1
        else:
            expected = 1
    code = ["\n".join(block) for block in blocks]
    return [c for c in code if "client." in c and "const " not in c and "curl " not in c]


def ours(code: str) -> str:
    changed, count = OFFICIAL_IMPORT.subn("from mistral_batch import ", code)
    return changed if count else code


@pytest.fixture
def guide() -> list[str]:
    if not GUIDE.is_file():
        pytest.skip("the batch guide is not beside the checkout (../shared/seeds)")
    return python_snippets(GUIDE.read_text())


@pytest.fixture
def env(emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("MISTRAL_API_KEY", emu.api_key)
    monkeypatch.setenv("MISTRAL_SERVER_URL", emu.url)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_guide_has_the_snippets_we_expect(guide: list[str]) -> None:
    assert len(guide) == 6
    assert "import argparse" in guide[-1]


def significant(code: str) -> list[str]:
    return [line.strip() for line in code.splitlines() if line.strip() and line[0] != "#"]


def test_our_copy_of_the_example_is_the_guides_code(guide: list[str]) -> None:
    assert significant(EXAMPLE.read_text()) == significant(guide[-1])


def test_the_end_to_end_example(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = env / "example.py"
    script.write_text(ours(EXAMPLE.read_text()))
    monkeypatch.setattr(
        sys, "argv", ["example.py", "--num_samples", "12", "--model", "codestral-latest"]
    )
    runpy.run_path(str(script), run_name="__main__")
    outputs = [json.loads(line) for line in (env / "output.jsonl").read_text().splitlines()]
    assert sorted(int(o["custom_id"]) for o in outputs) == list(range(12))
    assert all(o["response"]["status_code"] == 200 for o in outputs)
    # Every request is valid, so the job has no error file and none is written.
    assert not (env / "error.jsonl").exists()


def test_each_snippet_in_order(guide: list[str], env: Path, emu: Emulator) -> None:
    upload, get, download, list_jobs, cancel = guide[:5]
    (env / "test.jsonl").write_text(
        '{"custom_id": "0", "body": {"max_tokens": 100, "messages": '
        '[{"role": "user", "content": "What is the best French cheese?"}]}}\n'
        '{"custom_id": "1", "body": {"max_tokens": 100, "messages": '
        '[{"role": "user", "content": "What is the best French wine?"}]}}\n'
    )
    scope: dict[str, Any] = {}
    exec(ours(upload), scope)
    client: Mistral = scope["client"]
    assert scope["batch_data"].num_lines == 2
    scope["created_job"] = client.batch.jobs.create(
        input_files=[scope["batch_data"].id],
        model="mistral-small-latest",
        endpoint="/v1/chat/completions",
        metadata={"job_type": "testing"},
    )
    exec(get, scope)
    client.batch.jobs.wait(scope["retrieved_job"], timeout=30)
    scope["retrieved_job"] = client.batch.jobs.get(scope["created_job"].id)
    exec(download, scope)
    lines = (env / "batch_results.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["custom_id"] for line in lines) == ["0", "1"]
    exec(list_jobs, scope)
    assert list(scope["list_job"]) == []  # the job is done, none is RUNNING
    exec(cancel, scope)
    assert scope["canceled_job"].status == "SUCCESS"  # a finished job stays as it was


@pytest.fixture
def sdk_doc() -> str:
    if not SDK_DOC.is_file():
        pytest.skip("the SDK reference is not beside the checkout (../shared/seeds)")
    return SDK_DOC.read_text()


def reference_example(text: str) -> str:
    """The SDK reference's example: its code blocks, run together on lines, split apart."""
    start = text.index("import json\n# Create batch requests file")
    code = text[start : text.index("class BatchJobOut:")]
    # Each block after the first starts on the last line of the one before, after a ")".
    return re.sub(r"\)(?=(?:import|from) )", ")\n", code)


def code_lines(code: str) -> list[str]:
    return [s for line in code.splitlines() if (s := line.strip()) and not s.startswith("#")]


#: The lines of the reference's example changed to run it here, each (was, becomes).
REFERENCE_CHANGES = (
    ("from mistralai import Mistral", "from mistral_batch import Mistral"),
    ('client = Mistral(api_key="your-api-key")', "client = Mistral()"),
    ("time.sleep(60) # Check every minute", "time.sleep(0.05)"),
    # Our download streams: its bytes are read with .read(), never held by the object.
    ("f.write(results)", "f.write(results.read())"),
)


def test_our_copy_of_the_reference_example_is_the_documents_code(sdk_doc: str) -> None:
    assert code_lines(REFERENCE.read_text()) == code_lines(reference_example(sdk_doc))


def test_the_reference_example(
    sdk_doc: str, env: Path, emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = REFERENCE.read_text().splitlines()
    for was, becomes in REFERENCE_CHANGES:
        [at] = [n for n, line in enumerate(lines) if line.strip() == was]
        lines[at] = lines[at].replace(was, becomes)
    script = env / "reference_example.py"
    script.write_text("\n".join(lines) + "\n")
    runpy.run_path(str(script), run_name="__main__")
    printed = capsys.readouterr().out.splitlines()
    assert "Batch processing completed successfully!" in printed
    assert "Status: validating" in printed or "Status: in_progress" in printed
    assert printed.count("Batch status: completed") == 1
    assert "Completed: 100" in printed and "Total: 100" in printed
    answers = [line for line in printed if line.startswith("request-")]
    assert len(answers) == 100 and all("Error" not in line for line in answers)
    results = [json.loads(line) for line in (env / "batch_results.jsonl").read_text().splitlines()]
    assert sorted(r["custom_id"] for r in results) == sorted(f"request-{i}" for i in range(100))
    # The job named no model: each request was answered by the one its body names.
    assert {r["response"]["body"]["model"] for r in results} == {"mistral-small-latest"}
