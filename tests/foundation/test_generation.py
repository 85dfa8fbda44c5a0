"""scripts/generate is deterministic and generated/ is what it produces."""

import filecmp
import shutil
import subprocess
from pathlib import Path


def tree(path: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(path)): p.read_bytes()
        for p in sorted(path.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_two_generations_give_identical_trees(root: Path, tmp_path: Path) -> None:
    for name in ("a", "b"):
        subprocess.run([root / "scripts" / "generate", tmp_path / name], check=True)
    first, second = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert first == second
    assert "mistral_batch_api/api/files/upload_file.py" in first
    assert "mistral_batch_api/api/batch/create_batch_job.py" in first
    assert "mistral_batch_api/py.typed" in first


def test_generated_matches_a_fresh_generation(root: Path, tmp_path: Path) -> None:
    subprocess.run([root / "scripts" / "generate", tmp_path], check=True)
    assert tree(tmp_path) == tree(root / "generated")


def test_check_generated_fails_with_a_diff_when_the_tree_was_edited(
    root: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "repo"
    copy.mkdir()
    for name in ("generated", "scripts"):
        shutil.copytree(root / name, copy / name)
    for name in ("openapi.yaml", "generator-config.yaml", "pyproject.toml"):
        shutil.copy(root / name, copy)
    (copy / ".venv").symlink_to(root / ".venv")
    edited = copy / "generated" / "mistral_batch_api" / "client.py"
    edited.write_text(edited.read_text() + "# edited by hand\n")
    result = subprocess.run([copy / "scripts" / "check-generated"], capture_output=True, text=True)
    assert result.returncode == 1
    assert "edited by hand" in result.stderr
    assert not filecmp.cmp(edited, root / "generated" / "mistral_batch_api" / "client.py")
