"""Where the command reads and writes: a local path, or the URL of an object (s3://...)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

import click

from mistral_batch.storage import is_url, url_size

__all__ = [
    "Place",
    "base_name",
    "for_model",
    "place",
    "place_option",
    "same_places",
    "size_of",
    "suffix_of",
]

#: A local path, or an object's URL kept as a string (a Path would fold its "//").
Place = Path | str
F = TypeVar("F", bound=Callable[..., Any])


def place(ctx: click.Context, param: click.Parameter, value: str | None) -> Place | None:
    """A click callback: an object's URL as it is, or a local file's Path (not a folder)."""
    if value is None or is_url(value):
        return value
    path = Path(value)
    if path.is_dir():
        raise click.BadParameter(f"{value!r} is a directory, not a file")
    return path


def place_option(*decls: str, help: str) -> Callable[[F], F]:
    """An option naming a file or an object to write: a local path, or a URL."""
    return click.option(*decls, callback=place, metavar="PATH|URL", help=help)


def _pure(place: Place) -> PurePosixPath | Path:
    return PurePosixPath(place.split("://", 1)[1]) if isinstance(place, str) else place


def base_name(place: Place) -> str:
    """The last part of the place's path: a file's name, an object key's last segment."""
    return _pure(place).name


def suffix_of(place: Place) -> str:
    """The place's suffix, in lower case (".parquet")."""
    return _pure(place).suffix.lower()


def for_model(place: Place, model: str, several: bool) -> Place:
    """`place`, or with several models `place` with the model's name before its suffix."""
    if not several:
        return place
    safe = "".join(c if c.isalnum() or c in "-._" else "_" for c in model)
    pure = _pure(place)
    renamed = pure.with_name(f"{pure.stem}.{safe}{pure.suffix}")
    if isinstance(place, str):
        return f"{place.split('://', 1)[0]}://{renamed}"
    return Path(renamed)


def same_places(places: list[Place]) -> bool:
    """True when two of the places are the same file or object."""
    keys = [p if isinstance(p, str) else str(p.resolve()) for p in places]
    return len(set(keys)) < len(keys)


def size_of(place: Place) -> int:
    """The size in bytes of what is at the place."""
    return url_size(place) if isinstance(place, str) else place.stat().st_size
