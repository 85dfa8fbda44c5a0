"""Where the command reads and writes: local paths and object URLs, named alike."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from mistral_batch.cli._places import base_name, for_model, place, same_places, suffix_of


def test_a_model_goes_before_the_suffix_of_a_path_or_a_url() -> None:
    assert for_model(Path("out/a.parquet"), "m/x:1", True) == Path("out/a.m_x_1.parquet")
    assert for_model("s3://b/k/a.jsonl", "small", True) == "s3://b/k/a.small.jsonl"
    assert for_model("s3://b/k/a.jsonl", "small", False) == "s3://b/k/a.jsonl"


def test_names_and_suffixes_of_paths_and_urls() -> None:
    assert (base_name("gs://b/dir/In.CSV"), suffix_of("gs://b/dir/In.CSV")) == ("In.CSV", ".csv")
    assert (base_name(Path("x/y.jsonl")), suffix_of(Path("x/y.jsonl"))) == ("y.jsonl", ".jsonl")


def test_the_same_file_or_object_twice_is_seen(tmp_path: Path) -> None:
    assert same_places([tmp_path / "a", tmp_path / "x" / ".." / "a"])
    assert same_places(["s3://b/a", "s3://b/a"])
    assert not same_places(["s3://b/a", tmp_path / "a", "s3://b/c"])


def test_a_url_is_kept_whole_and_a_folder_is_refused(tmp_path: Path) -> None:
    context = click.Context(click.Command("x"))
    param = click.Option(["--output"])
    assert place(context, param, "s3://b//k") == "s3://b//k"
    assert place(context, param, str(tmp_path / "f")) == tmp_path / "f"
    assert place(context, param, None) is None
    with pytest.raises(click.BadParameter, match="is a directory"):
        place(context, param, str(tmp_path))
