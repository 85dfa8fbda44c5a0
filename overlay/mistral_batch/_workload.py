"""A run's options, and the decisions of a run of any size that need no I/O.

Shared by the sync and async engines (``_async/_workload.py`` and the code made from it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import attrs

from ._input import MAX_INPUT_BYTES
from ._validation import MAX_INLINE_REQUESTS, MAX_PENDING_REQUESTS
from .errors import BadRequestError, InputError, MistralBatchError, RateLimitError
from .models import BatchJob

__all__ = [
    "DEFAULT_RETRY_ROUNDS",
    "AsyncOnRunProgress",
    "OnRunProgress",
    "RunOptions",
    "RunProgress",
    "check_job_options",
    "is_pending_refusal",
    "result_file_name",
    "unanswered_line",
]

#: How many times, by default, the requests that failed for a transient reason are sent again.
DEFAULT_RETRY_ROUNDS = 2


@attrs.frozen
class RunProgress:
    """Where a whole run stands, across its parts, models and rounds: what a run's
    `on_progress` receives once its input is checked and planned (`job` None), then at
    each look at a job (`job`, as it was then).

    Requests count once per model. ``completed_requests`` have been answered at least
    once; of those, ``succeeded_requests`` succeeded and ``failed_requests`` have not
    (yet: a later round may send them again). For a run of one job, the counters are the
    job's own.
    """

    total_requests: int
    completed_requests: int
    succeeded_requests: int
    failed_requests: int
    jobs_running: int
    jobs_done: int
    elapsed: float
    job: BatchJob | None

    @classmethod
    def of(
        cls,
        jobs: Mapping[tuple[int, str], BatchJob],
        first_round: set[int],
        total: int,
        **more: Any,
    ) -> RunProgress:
        """Sum up the jobs last seen, by (part, model); `first_round` names the parts of
        round 0, where each request is answered for the first time."""
        completed = sum(
            job.succeeded_requests + job.failed_requests
            for (part, _), job in jobs.items()
            if part in first_round
        )
        succeeded = sum(job.succeeded_requests for job in jobs.values())
        done = sum(job.done for job in jobs.values())
        return cls(
            total_requests=total,
            completed_requests=completed,
            succeeded_requests=succeeded,
            failed_requests=completed - succeeded,
            jobs_running=len(jobs) - done,
            jobs_done=done,
            **more,
        )

    @property
    def remaining(self) -> float | None:
        """Seconds left, guessed from the pace so far (None before any answer)."""
        if not self.completed_requests:
            return None
        left = self.total_requests - self.completed_requests
        return self.elapsed * left / self.completed_requests


#: What a run calls with its progress; what it returns is ignored.
OnRunProgress = Callable[[RunProgress], object]
#: The same for an asyncio run, which awaits what it returns if that is awaitable.
AsyncOnRunProgress = Callable[[RunProgress], Awaitable[object] | object]


def _positive(name: str, value: int, top: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"{name} must be a positive int, got {value!r}", field=name)
    if top is not None and value > top:
        raise InputError(f"{name} must be at most {top:,}, got {value:,}", field=name)
    return value


@attrs.frozen
class RunOptions:
    """What a run does, checked: the jobs' options, the models, the limits and the rounds.

    ``models`` is ``("",)`` when the run names no model and each request's body names
    its own.
    """

    models: tuple[str, ...]
    endpoint: str = "/v1/chat/completions"
    agent_id: str | None = None
    metadata: Mapping[str, str] = attrs.field(factory=dict)
    timeout_hours: int | None = None
    max_file_bytes: int = MAX_INPUT_BYTES
    max_pending: int = MAX_PENDING_REQUESTS
    retry_failed: int = DEFAULT_RETRY_ROUNDS
    inline: bool = False

    @classmethod
    def build(
        cls,
        *,
        model: str | None,
        models: Sequence[str] | None,
        max_file_bytes: int = MAX_INPUT_BYTES,
        max_pending: int = MAX_PENDING_REQUESTS,
        retry_failed: int = DEFAULT_RETRY_ROUNDS,
        inline: bool = False,
        **job: Any,
    ) -> RunOptions:
        """The options of a run, or InputError naming the first that cannot be."""
        if model is not None and models is not None:
            raise InputError("give model or models, not both", field="models")
        if isinstance(models, str):
            raise InputError("models is a list of model names, not one name", field="models")
        names = tuple(models) if models is not None else (model or "",)
        if not names:
            raise InputError("models is empty: name at least one model", field="models")
        if len(names) > 1 and not all(isinstance(n, str) and n for n in names):
            raise InputError("each model must be a non-empty string", field="models")
        if len(set(names)) != len(names):
            raise InputError(f"a model is named twice in {list(names)}", field="models")
        if isinstance(retry_failed, bool) or not isinstance(retry_failed, int) or retry_failed < 0:
            raise InputError(
                f"retry_failed must be an int of 0 or more, got {retry_failed!r}",
                field="retry_failed",
            )
        return cls(
            models=names,
            max_file_bytes=_positive("max_file_bytes", max_file_bytes, MAX_INPUT_BYTES),
            max_pending=_positive("max_pending", max_pending),
            retry_failed=retry_failed,
            inline=bool(inline),
            metadata=dict(job.pop("metadata", None) or {}),
            **job,
        )

    @property
    def part_requests(self) -> int:
        """The most requests one part may hold: the pending limit, and inline Mistral's
        limit on the requests of a create's body."""
        return min(self.max_pending, MAX_INLINE_REQUESTS) if self.inline else self.max_pending

    @property
    def bodies_name_models(self) -> bool:
        """Whether a request's body may name its model: not when the run runs several."""
        return len(self.models) == 1

    def describe(self) -> dict[str, Any]:
        """The options as JSON values, to tell one run's record from another's."""
        return {
            "models": list(self.models),
            "endpoint": self.endpoint,
            "agent_id": self.agent_id,
            "metadata": dict(self.metadata),
            "timeout_hours": self.timeout_hours,
            "max_file_bytes": self.max_file_bytes,
            "max_pending": self.max_pending,
            "retry_failed": self.retry_failed,
            "inline": self.inline,
        }


#: Stands in for the input file's id while a job's options are checked before uploading.
_PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"


def check_job_options(options: RunOptions) -> None:
    """Check the jobs' options locally, on each model, so that a bad one fails before
    anything is uploaded (InputError, as a create would raise)."""
    from ._create import CREATE_TOKEN_KEY
    from ._validation import validate_job_create

    for model in options.models:
        validate_job_create(
            endpoint=options.endpoint,
            model=model or None,
            agent_id=options.agent_id,
            metadata={**options.metadata, CREATE_TOKEN_KEY: "0" * 32},
            timeout_hours=options.timeout_hours,
            input_files=[_PLACEHOLDER_ID],
        )


def is_pending_refusal(exc: MistralBatchError) -> bool:
    """True when a create was refused because the workspace has too many pending requests.

    Mistral does not document that answer's body; a 400 or 429 whose message speaks of
    pending requests is taken for it (the emulator sends such a 400).
    """
    if not isinstance(exc, BadRequestError | RateLimitError):
        return False
    return "pending request" in str(exc).lower()


def result_file_name(part: int, model: int, kind: str) -> str:
    """The name of a job's downloaded result file in the run's folder (part -1: the
    answers a cache gave)."""
    if part < 0:
        return f"cached-model{model}-{kind}.jsonl"
    return f"part{part:05d}-model{model}-{kind}.jsonl"


def unanswered_line(custom_id: str, rounds: int) -> bytes:
    """The error line written for a request no job answered, however often it was sent."""
    import json

    sent = "once" if rounds == 1 else f"{rounds} times"
    line = {
        "id": None,
        "custom_id": custom_id,
        "response": None,
        "error": {"message": f"no job answered this request (sent {sent})", "code": "unanswered"},
    }
    return json.dumps(line, ensure_ascii=False).encode() + b"\n"
