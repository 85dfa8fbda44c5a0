"""Paths that are URLs, exactly: which strings count as URLs, and what sizing, reading and
writing an object say and leave behind. fsspec's own local file system (file:// URLs)
stands in for object storage: it needs no backend and no server."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from mistral_batch import InputError
from mistral_batch._storage import local_only
from mistral_batch.errors import MissingDependencyError
from mistral_batch.storage import atomic_output, is_url, open_input, url_size


def url(path: Path) -> str:
    return f"file://{path}"


@pytest.mark.parametrize(
    "text",
    ["s3://bucket/key", "file:///tmp/x", "gs://b", "a+b.c-d://host/x", "Z9://x", "az://c/d"],
)
def test_scheme_colon_slash_slash_is_a_url(text: str) -> None:
    assert is_url(text) is True


@pytest.mark.parametrize(
    "text",
    ["", "/tmp/x", "relative/path", "s3:/bucket", "9s3://b/k", " s3://b/k", "+s://x", "C:\\data"],
)
def test_anything_else_is_not_a_url(text: str) -> None:
    assert is_url(text) is False


def test_only_a_string_is_a_url() -> None:
    assert is_url(Path("s3://bucket/key")) is False
    assert is_url(b"s3://bucket/key") is False
    assert is_url(None) is False


def test_a_url_where_a_local_path_is_needed_is_refused_with_its_name() -> None:
    with pytest.raises(InputError) as caught:
        local_only("s3://bucket/run.db", "state")
    assert caught.value.reason == (
        "state must be a local path (a SQLite database needs a local disk), not a URL"
    )
    assert (caught.value.path, caught.value.field) == ("s3://bucket/run.db", "state")
    local_only("/tmp/run.db", "state")
    local_only(Path("run.db"), "cache")


def test_the_size_of_an_object(tmp_path: Path) -> None:
    (tmp_path / "seven.bin").write_bytes(b"1234567")
    (tmp_path / "empty.bin").write_bytes(b"")
    assert url_size(url(tmp_path / "seven.bin")) == 7
    assert url_size(url(tmp_path / "empty.bin")) == 0


def test_the_size_of_a_missing_object_is_an_input_error(tmp_path: Path) -> None:
    missing = url(tmp_path / "missing.jsonl")
    with pytest.raises(InputError) as caught:
        url_size(missing)
    assert str(caught.value) == f"{missing}: no such object"
    assert (caught.value.reason, caught.value.path) == ("no such object", missing)
    assert caught.value.__cause__ is None


def test_the_size_of_an_object_that_cannot_be_read_says_why(tmp_path: Path) -> None:
    (tmp_path / "plain").write_bytes(b"x")
    inside = url(tmp_path / "plain" / "child")
    with pytest.raises(InputError) as caught:
        url_size(inside)
    cause = caught.value.__cause__
    assert isinstance(cause, NotADirectoryError)
    assert caught.value.reason == f"cannot read: {cause}"
    assert str(caught.value) == f"{inside}: cannot read: {cause}"
    assert caught.value.path == inside


def test_a_scheme_fsspec_does_not_know_cannot_open() -> None:
    with pytest.raises(InputError) as caught:
        url_size("nosuchscheme://bucket/key")
    assert caught.value.reason == "cannot open: Protocol not known: nosuchscheme"
    assert caught.value.path == "nosuchscheme://bucket/key"
    assert isinstance(caught.value.__cause__, ValueError)


def test_a_scheme_whose_backend_is_missing_says_so() -> None:
    with pytest.raises(MissingDependencyError) as caught:
        url_size("gs://bucket/key")
    assert str(caught.value).startswith("a gs:// URL needs its fsspec backend: ")
    assert isinstance(caught.value.__cause__, ImportError)


def test_an_object_is_read_as_a_buffered_stream(tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_bytes(b"first line\nsecond\n")
    with open_input(url(tmp_path / "in.jsonl")) as stream:
        assert stream.readline(5) == b"first"
        assert stream.readline() == b" line\n"
        assert stream.read() == b"second\n"
    assert stream.closed


def test_reading_a_missing_object_is_an_input_error(tmp_path: Path) -> None:
    missing = url(tmp_path / "none.jsonl")
    with pytest.raises(InputError) as caught, open_input(missing):
        pass
    assert str(caught.value) == f"{missing}: no such object"
    assert caught.value.path == missing


def test_reading_what_is_not_an_object_says_why(tmp_path: Path) -> None:
    folder = url(tmp_path)
    with pytest.raises(InputError) as caught, open_input(folder):
        pass
    cause = caught.value.__cause__
    assert isinstance(cause, IsADirectoryError)
    assert str(caught.value) == f"{folder}: cannot read: {cause}"
    assert caught.value.path == folder


def test_an_object_is_written_beside_its_target_then_moved_into_place(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_bytes(b"old\n")
    with atomic_output(url(target), 0o600) as out:
        out.write(b"new ")
        out.write(b"content\n")
        names = sorted(p.name for p in tmp_path.iterdir())
        assert target.read_bytes() == b"old\n"
    assert names[0] == "out.jsonl"
    assert re.fullmatch(r"out\.jsonl\.[0-9a-f]{12}\.part", names[1]), names
    assert len(names) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]
    assert target.read_bytes() == b"new content\n"


def test_an_object_whose_writing_fails_is_not_made_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "never.jsonl"
    with pytest.raises(RuntimeError, match="midway"), atomic_output(url(target), 0o600) as out:
        out.write(b"half\n")
        raise RuntimeError("midway")
    assert list(tmp_path.iterdir()) == []


def test_an_object_whose_writing_fails_leaves_the_old_one(tmp_path: Path) -> None:
    target = tmp_path / "kept.jsonl"
    target.write_bytes(b"old\n")
    with pytest.raises(RuntimeError), atomic_output(url(target), 0o600) as out:
        out.write(b"new\n")
        raise RuntimeError("midway")
    assert [p.name for p in tmp_path.iterdir()] == ["kept.jsonl"]
    assert target.read_bytes() == b"old\n"


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("umask_022")
def test_a_local_path_is_written_with_its_mode_and_parents(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.jsonl"
    with atomic_output(target, 0o640) as out:
        out.write(b"x\n")
    assert target.read_bytes() == b"x\n"
    assert oct(target.stat().st_mode & 0o777) == oct(0o640)
    with atomic_output(str(tmp_path / "s.jsonl"), 0o600) as out:
        out.write(b"s\n")
    assert (tmp_path / "s.jsonl").read_bytes() == b"s\n"
    assert oct((tmp_path / "s.jsonl").stat().st_mode & 0o777) == oct(0o600)


def test_a_local_path_without_its_parent_is_refused_unless_parents_are_made(
    tmp_path: Path,
) -> None:
    target = tmp_path / "new" / "out.jsonl"
    with pytest.raises(FileNotFoundError), atomic_output(target, 0o600, make_parents=False) as out:
        out.write(b"x\n")
    assert list(tmp_path.iterdir()) == []
