"""Batch results: one typed value per line of a result file, and pairing them with inputs.

A result line looks like::

    {"id": "batch-...", "custom_id": "0",
     "response": {"status_code": 200, "body": {...}}, "error": null}
"""

from __future__ import annotations

from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    Generator,
    Iterable,
    Iterator,
    Mapping,
)
from typing import Any, NamedTuple

import attrs

from mistral_batch._jsonl import Loads, aiter_jsonl, iter_jsonl
from mistral_batch._validation import json_type
from mistral_batch.errors import InputError, ResultDecodeError

__all__ = [
    "TRANSIENT_STATUSES",
    "BatchResult",
    "PairedResults",
    "aiter_results",
    "iter_results",
    "pair_results",
]

#: The statuses of a failed request that sending it again may cure: a timeout (408), a
#: rate limit (429), and every server error (500 and above, listed up to 599).
TRANSIENT_STATUSES = frozenset({408, 429, *range(500, 600)})

#: Words of an error without a response that say it ran out of time.
_TIMEOUT_WORDS = ("timeout", "timed out", "time out", "deadline")


def _optional_str(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    # A numeric custom_id is plausible from a sloppy producer; bool is not a number here.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


class BatchResult(NamedTuple):
    """One line of a batch result (or error) file.

    - ``id``: the id the server gave this request ("batch-..."), if present;
    - ``custom_id``: the custom_id of the input request this answers;
    - ``status_code``: the HTTP status of the request's response, if it got one;
    - ``body``: the response body: the completion, embedding... or an error object;
    - ``error``: the line's error field, None when the request did not fail outside
      its response;
    - ``line``: the 1-based line number in the result file;
    - ``raw``: the whole decoded line, for fields this class does not name;
    - ``parsed``: in a run given a ``response_format``, the answer read under its schema
      (a pydantic model instance, or a dict), else None;
    - ``parse_error``: in such a run, why a successful answer could not be read
      (a ``mistral_batch.tables.ParseError``: its text and the reason), else None.

    Immutable. A named tuple rather than an attrs class: result files run to millions
    of lines, and a tuple is built several times faster.
    """

    id: str | None
    custom_id: str | None
    status_code: int | None
    body: Any
    error: Any
    line: int
    raw: dict[str, Any]
    parsed: Any = None
    parse_error: Any = None

    def __repr__(self) -> str:
        return (
            f"BatchResult(id={self.id!r}, custom_id={self.custom_id!r}, "
            f"status_code={self.status_code!r}, line={self.line})"
        )

    @property
    def ok(self) -> bool:
        """True if the request got a 200 response and no error."""
        return self.status_code == 200 and self.error is None

    @property
    def content(self) -> Any:
        """The answer's text: a chat or FIM completion's first choice's message content,
        None for a failure or a body of another kind."""
        # Imported here: structured outputs are not loaded by a program that reads results.
        from mistral_batch._structured import message_content

        return message_content(self.body) if self.ok else None

    @property
    def transient(self) -> bool:
        """True if the request failed in a way that sending it again may cure.

        That is a response status in TRANSIENT_STATUSES, or no response at all and an
        error that speaks of a timeout. Any other failure (a 4xx the request earned) is
        permanent; a success is neither.
        """
        if self.ok:
            return False
        if self.status_code is not None:
            return self.status_code in TRANSIENT_STATUSES
        if self.error is None:
            return False
        text = str(self.error).lower()
        return any(word in text for word in _TIMEOUT_WORDS)

    @classmethod
    def from_json(cls, value: Any, line: int) -> BatchResult:
        """Return the result for a decoded line; ResultDecodeError if it is not an object.

        Missing, null or oddly typed fields become None rather than errors.
        """
        if not isinstance(value, dict):
            raise ResultDecodeError(
                f"line {line}: a result must be a JSON object, got {json_type(value)}", line=line
            )
        response = value.get("response")
        status_code: int | None = None
        body: Any = None
        if isinstance(response, dict):
            status = response.get("status_code")
            if type(status) is int or (isinstance(status, int) and not isinstance(status, bool)):
                status_code = status
            body = response.get("body")
        # This runs once per line of files of millions: the usual str ids skip a call, and
        # the fields go by position (keywords cost a third of the constructor's time).
        result_id = value.get("id")
        if type(result_id) is not str:
            result_id = _optional_str(result_id)
        custom_id = value.get("custom_id")
        if type(custom_id) is not str:
            custom_id = _optional_str(custom_id)
        return _new(
            cls,
            (result_id, custom_id, status_code, body, value.get("error"), line, value, None, None),
        )


_new = tuple.__new__


def iter_results(
    chunks: Iterable[bytes], *, loads: Loads | None = None
) -> Generator[BatchResult, None, None]:
    """Yield a BatchResult per line of a result file given as byte chunks, lazily."""
    from_json = BatchResult.from_json
    for line, value in iter_jsonl(chunks, loads=loads):
        yield from_json(value, line)


async def aiter_results(
    chunks: AsyncIterable[bytes], *, loads: Loads | None = None
) -> AsyncGenerator[BatchResult, None]:
    """Yield a BatchResult per line of a result file given as async byte chunks, lazily."""
    async for line, value in aiter_jsonl(chunks, loads=loads):
        yield BatchResult.from_json(value, line)


@attrs.frozen
class PairedResults:
    """Inputs matched with their results, in input order; iterate for the triples."""

    pairs: tuple[tuple[str, Any, BatchResult | None], ...]
    """(custom_id, input body, result or None) for each input, in input order."""
    unexpected: tuple[BatchResult, ...]
    """Results whose custom_id is not among the inputs (or is missing, or repeats)."""

    def __iter__(self) -> Iterator[tuple[str, Any, BatchResult | None]]:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    @property
    def missing(self) -> tuple[str, ...]:
        """The custom_ids of inputs that got no result."""
        return tuple(custom_id for custom_id, _, result in self.pairs if result is None)

    @property
    def unexpected_ids(self) -> tuple[str | None, ...]:
        """The custom_ids of the unexpected results (None for a result without one)."""
        return tuple(result.custom_id for result in self.unexpected)


def _input_pair(item: Any, index: int) -> tuple[str, Any]:
    if isinstance(item, Mapping):
        custom_id, body = item.get("custom_id"), item.get("body")
    elif isinstance(item, tuple | list) and len(item) == 2:
        custom_id, body = item
    else:
        raise InputError(
            f"input {index} must be a mapping with custom_id and body or a (custom_id, body)"
            f" pair, got {json_type(item)}",
            field="custom_id",
        )
    if not isinstance(custom_id, str) or not custom_id:
        raise InputError(
            f"input {index}: custom_id must be a non-empty string, got {custom_id!r}",
            field="custom_id",
        )
    return custom_id, body


def pair_results(
    inputs: Iterable[Mapping[str, Any] | tuple[str, Any]],
    results: Iterable[BatchResult | Mapping[str, Any]],
) -> PairedResults:
    """Return each input matched with its result by custom_id, in input order.

    `inputs` are request dicts ({"custom_id", "body"}) or (custom_id, body) pairs;
    `results` are BatchResult values or decoded result lines, in any order (typically
    ``iter_results`` over the output file, chained with the error file). Memory grows
    with the number of inputs, not of results. The first result for a custom_id wins;
    later ones, and results matching no input, are kept in ``unexpected``.
    """
    by_id: dict[str, Any] = {}
    for index, item in enumerate(inputs):
        custom_id, body = _input_pair(item, index)
        if custom_id in by_id:
            raise InputError(f"input {index}: duplicate custom_id {custom_id!r}", field="custom_id")
        by_id[custom_id] = body
    matched: dict[str, BatchResult] = {}
    unexpected: list[BatchResult] = []
    for number, found in enumerate(results, 1):
        result = found if isinstance(found, BatchResult) else BatchResult.from_json(found, number)
        key = result.custom_id
        if key is None or key not in by_id or key in matched:
            unexpected.append(result)
        else:
            matched[key] = result
    return PairedResults(
        pairs=tuple((cid, body, matched.get(cid)) for cid, body in by_id.items()),
        unexpected=tuple(unexpected),
    )
