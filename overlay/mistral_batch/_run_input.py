"""What a run takes as its requests, and the requests it sends: a JSONL path used as it
is, or requests (dicts, pairs, the rows of a table) written out first."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ._input import check_request_line
from ._storage import is_url, open_input
from ._tables_in import TableShape, is_table, naming_rows, table_requests
from .errors import InputError

if TYPE_CHECKING:
    from ._structured import ResponseSchema

__all__ = ["Requests", "RunInput", "is_path", "requests_of", "sent_as_is"]

#: What `run` takes as requests: a JSONL path, dicts / (custom_id, body) pairs, or a table
#: (a pandas or polars DataFrame, an Arrow table, a Parquet or CSV path).
Requests = str | os.PathLike[str] | Iterable[Mapping[str, Any] | tuple[str, Mapping[str, Any]]]


def is_path(requests: Any) -> bool:
    """True when `requests` names a file rather than holding requests."""
    return isinstance(requests, str | os.PathLike)


def sent_as_is(requests: Any, response_format: Mapping[str, Any] | None) -> bool:
    """True when `requests` is a local JSONL file whose bytes are sent as they are (an
    object's are written to the run's folder first, as they are read)."""
    plain = is_path(requests) and not is_url(requests) and not is_table(requests)
    return plain and response_format is None


def _lines(path: str | os.PathLike[str]) -> Iterator[Mapping[str, Any]]:
    with open_input(str(path)) if is_url(path) else Path(path).open("rb") as stream:
        for number, raw in enumerate(stream, 1):
            yield check_request_line(raw, number, path)[1]


def requests_of(
    requests: Requests, shape: TableShape, response_format: Mapping[str, Any] | None
) -> Iterable[Mapping[str, Any] | tuple[str, Mapping[str, Any]]]:
    """The requests to write out: a table's rows or a file's lines as requests, each
    body given `response_format` when there is one."""
    if is_table(requests):
        found: Iterable[Any] = table_requests(requests, shape)
    elif is_path(requests):
        found = _lines(requests)  # type: ignore[arg-type]
    else:
        found = requests  # type: ignore[assignment]
    if response_format is None:
        return found
    from ._structured import with_response_format

    return (_formatted(request, response_format, with_response_format) for request in found)


def _formatted(request: Any, response_format: Mapping[str, Any], apply: Any) -> Any:
    """`request` with its body given `response_format` (left as it is when malformed: the
    checks that follow name what is wrong)."""
    if isinstance(request, Mapping) and isinstance(request.get("body"), Mapping):
        return {**request, "body": apply(request["body"], dict(response_format))}
    if isinstance(request, tuple | list) and len(request) == 2 and isinstance(request[1], Mapping):
        return (request[0], apply(request[1], dict(response_format)))
    return request


_TABLE_OPTIONS = ("prompt_column", "messages_column", "id_column", "body_columns", "system")


@attrs.frozen
class RunInput:
    """A run's requests, how a table's rows make requests, and the answers' schema."""

    requests: Any
    shape: TableShape
    schema: ResponseSchema | None

    @classmethod
    def build(cls, requests: Any, response_format: Any = None, **table: Any) -> RunInput:
        """Check the options a run's input takes: those of a table (TableShape's fields)
        only with a table; InputError for one given without."""
        shape = TableShape(**{**table, "body_columns": tuple(table.get("body_columns") or ())})
        if not is_table(requests):
            given = [name for name in _TABLE_OPTIONS if getattr(shape, name)]
            if given:
                raise InputError(
                    f"{given[0]} is for a table input (a DataFrame, an Arrow table, a"
                    " Parquet or CSV file); these requests are not one",
                    field=given[0],
                )
        schema = None
        if response_format is not None:
            from ._structured import ResponseSchema

            schema = ResponseSchema.of(response_format)
        return cls(requests, shape, schema)

    @property
    def table(self) -> Any:
        """The requests when they are a table (its rows are read again to join), else None."""
        return self.requests if is_table(self.requests) else None

    @property
    def response_format(self) -> dict[str, Any] | None:
        """What each request's body is given as its response_format, if anything."""
        return None if self.schema is None else self.schema.response_format()

    def naming(self) -> AbstractContextManager[None]:
        """Errors about a table's rows name the rows (see naming_rows), and those about
        the lines of a file written out first name the file given, not the copy."""
        if is_table(self.requests):
            return naming_rows(self.requests if is_path(self.requests) else None)
        if is_path(self.requests):
            return _naming_file(self.requests)
        return nullcontext()


@contextmanager
def _naming_file(path: str | os.PathLike[str]) -> Iterator[None]:
    """Errors that name a line name it in the file `path` (its copy has the same lines)."""
    try:
        yield
    except InputError as exc:
        if exc.line is None or exc.path == str(path):
            raise
        raise InputError(exc.reason, line=exc.line, path=path, field=exc.field) from None
