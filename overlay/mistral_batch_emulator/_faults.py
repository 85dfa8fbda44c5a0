"""Fault rules (what to break, for which operation, how many times) and the counters."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

FAULT_KINDS = (
    "status",
    "delay",
    "late",
    "reset",
    "truncate",
    "html",
    "drop",
    "mutate",
    "lag",
    "compress",
    "drip",
)
#: The content codings the ``encoding`` fault can apply, each any number of times.
ENCODINGS = ("gzip", "deflate")

_BOOL_FIELDS = ("retry_after_date", "reset", "truncate", "html", "unknown_enums", "extra_fields")


@dataclass(frozen=True)
class Fault:
    """What to do, instead of or on top of the normal answer, to some requests.

    ``operation`` is an operationId of the contract (``get_batch_job``), ``signed_download``
    for signed URLs, or ``"*"`` for any. The rule applies to the next ``count`` matching
    requests (``None``: until cleared). Effects:

    - ``status``: answer this status with Mistral's error body (no work is done); with 429,
      ``retry_after`` seconds go in ``Retry-After``, as an HTTP date if ``retry_after_date``;
    - ``delay``: wait this many seconds first (combines with any other effect);
    - ``late``: do the work, then wait this many seconds before answering (the job was
      made, the answer comes after the client gave up);
    - ``reset``: drop the connection before any response;
    - ``truncate``: do the work, then send only the first half of the body;
    - ``html``: answer an HTML error page, as a proxy would (``status``, default 502);
    - ``drop_after``: do the work, announce the full Content-Length, send this many body
      bytes and drop the connection;
    - ``unknown_enums`` / ``extra_fields``: do the work and send enum values and fields
      the contract does not know (status ``VALIDATING``, purpose ``audio-v2``...);
    - ``lag``: a job listing that lags behind creates, as an eventually consistent store's
      does: jobs created less than this many seconds ago are left out of the answer;
    - ``encoding``: do the work and send the body compressed with these codings, in order
      (``"gzip"``, ``"gzip, gzip"``, ``"deflate"``), whatever the client asked for;
    - ``drip``: do the work, then send the body one byte every this many seconds, as a
      slow or hostile server would (each byte resets a client's read timeout); with
      ``status``, the error body goes so.
    """

    operation: str = "*"
    count: int | None = 1
    status: int | None = None
    retry_after: float | None = None
    retry_after_date: bool = False
    delay: float = 0.0
    late: float = 0.0
    reset: bool = False
    truncate: bool = False
    html: bool = False
    drop_after: int | None = None
    unknown_enums: bool = False
    extra_fields: bool = False
    lag: float = 0.0
    encoding: str | None = None
    drip: float = 0.0
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def __post_init__(self) -> None:
        if self.count is not None and self.count < 1:
            raise ValueError("count must be at least 1, or None for every request")
        if self.status is not None and not 400 <= self.status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        if self.delay < 0 or self.late < 0 or self.lag < 0 or (self.retry_after or 0) < 0:
            raise ValueError("delay, late, lag and retry_after must not be negative")
        if self.drop_after is not None and self.drop_after < 0:
            raise ValueError("drop_after must not be negative")
        if self.drip < 0:
            raise ValueError("drip must not be negative")
        if self.encoding is not None and (
            not self.encoding.strip()
            or any(c.strip() not in ENCODINGS for c in self.encoding.split(","))
        ):
            raise ValueError(f"encoding must list codings among {', '.join(ENCODINGS)}")
        answers = [self.reset, self.status is not None or self.html, self.truncate]
        answers.append(self.drop_after is not None)
        answers.append(self.unknown_enums or self.extra_fields)
        answers.append(self.late > 0)
        answers.append(self.lag > 0)
        answers.append(self.encoding is not None)
        # A drip of an error body is the status's answer, sent slowly.
        answers.append(self.drip > 0 and self.status is None)
        if sum(answers) > 1 or (self.drip > 0 and self.html):
            raise ValueError(
                "choose one of: status/html, reset, truncate, drop_after, late, "
                "unknown_enums/extra_fields, lag, encoding, drip (delay combines with any;"
                " drip with status)"
            )
        if sum(answers) == 0 and self.delay == 0:
            raise ValueError("a fault needs an effect")

    @property
    def answers_instead(self) -> bool:
        """Whether the normal handler is skipped."""
        return self.reset or self.status is not None or self.html

    def to_json(self) -> dict[str, Any]:
        """The rule as JSON-ready values."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        """A rule from the admin API's JSON, or ValueError saying what is wrong."""
        unknown = set(data) - {f for f in cls.__dataclass_fields__ if f != "id"}
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        values = dict(data)
        for name in _BOOL_FIELDS:
            if name in values and not isinstance(values[name], bool):
                raise ValueError(f"{name} must be a boolean")
        for name in ("count", "status", "drop_after"):
            value = values.get(name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise ValueError(f"{name} must be an integer")
        if not isinstance(values.get("encoding") or "", str):
            raise ValueError("encoding must be a string")
        for name in ("delay", "late", "lag", "drip", "retry_after"):
            value = values.get(name)
            if value is not None and (
                not isinstance(value, int | float) or isinstance(value, bool)
            ):
                raise ValueError(f"{name} must be a number")
        for name in ("delay", "late", "lag", "drip"):
            if name in values and values[name] is None:
                values[name] = 0.0
        if not isinstance(values.get("operation", "*"), str):
            raise ValueError("operation must be a string")
        return cls(**values)


class FaultRegistry:
    """The active fault rules, consumed one request at a time; safe to share by threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[Fault] = []
        self._left: dict[str, int | None] = {}

    def add(self, fault: Fault) -> Fault:
        """Activate ``fault``."""
        with self._lock:
            self._rules.append(fault)
            self._left[fault.id] = fault.count
        return fault

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()
            self._left.clear()

    def active(self) -> list[dict[str, Any]]:
        """The rules still active, with how many requests each has left."""
        with self._lock:
            return [{**rule.to_json(), "remaining": self._left[rule.id]} for rule in self._rules]

    def take(self, operation: str) -> Fault | None:
        """The first rule for ``operation``, counting this request against it."""
        with self._lock:
            for rule in self._rules:
                if rule.operation not in ("*", operation):
                    continue
                left = self._left[rule.id]
                if left is not None:
                    if left <= 1:
                        self._rules.remove(rule)
                        del self._left[rule.id]
                    else:
                        self._left[rule.id] = left - 1
                return rule
        return None


@dataclass(frozen=True)
class EmulatorStats:
    """Requests served per operation and faults injected per kind, since start or reset."""

    requests: dict[str, int]
    faults: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        """The counters as JSON-ready values."""
        return {"requests": dict(self.requests), "faults": dict(self.faults)}


class StatsCounter:
    """Thread-safe counters behind :class:`EmulatorStats`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._faults: Counter[str] = Counter()

    def request(self, operation: str) -> None:
        """Count one request to ``operation``."""
        with self._lock:
            self._requests[operation] += 1

    def fault(self, kind: str) -> None:
        """Count one fault of ``kind`` injected."""
        with self._lock:
            self._faults[kind] += 1

    def snapshot(self) -> EmulatorStats:
        """The counters as they are now."""
        with self._lock:
            return EmulatorStats(dict(self._requests), dict(self._faults))

    def reset(self) -> None:
        """Set every counter back to zero."""
        with self._lock:
            self._requests.clear()
            self._faults.clear()
