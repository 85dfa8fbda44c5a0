"""A success answer that is not the shape the contract gives is refused by name: each
parser's AnswerShapeError says what was wrong, in words, and names the field (what the
generated model refuses is prefixed with what was being read)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mistral_batch import _parse
from mistral_batch._parse import AnswerShapeError

JOB = {
    "id": "job-1",
    "object": "batch",
    "input_files": ["f1"],
    "endpoint": "/v1/chat/completions",
    "errors": [],
    "status": "QUEUED",
    "created_at": 1,
    "total_requests": 0,
    "completed_requests": 0,
    "succeeded_requests": 0,
    "failed_requests": 0,
}


def answer(body: Any) -> httpx.Response:
    return httpx.Response(200, json=body)


def refusal(parse: Callable[[httpx.Response], Any], body: Any) -> AnswerShapeError:
    with pytest.raises(AnswerShapeError) as raised:
        parse(answer(body))
    return raised.value


def test_a_well_shaped_job_and_page_are_read() -> None:
    assert _parse.batch_job(answer(JOB)).input_files == ["f1"]
    page = _parse.job_page(3)(answer({"data": [JOB], "object": "list", "total": 1}))
    assert page.page == 3 and page.total == 1 and [j.id for j in page.items] == ["job-1"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ([JOB], "the answer is a JSON list, not an object"),
        ("job", "the answer is a JSON str, not an object"),
    ],
)
def test_an_answer_that_is_not_an_object(body: Any, says: str) -> None:
    error = refusal(_parse.batch_job, body)
    assert str(error) == says and error.field is None


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("input_files", "f1", "'input_files' is a str, not a list or object"),
        ("errors", {}, "'errors' is a dict, not a list or object"),
        ("metadata", ["k"], "'metadata' is a list, not a list or object"),
        ("input_files", ["f1", 2], "'input_files' holds an item that is not an id"),
    ],
)
def test_a_jobs_containers_are_checked_by_name(field: str, value: Any, says: str) -> None:
    error = refusal(_parse.batch_job, {**JOB, field: value})
    assert (str(error), error.field) == (says, field)


def test_a_job_without_input_files_has_none_to_check() -> None:
    body = {k: v for k, v in JOB.items() if k != "input_files"}
    error = refusal(_parse.batch_job, body)
    # Refused by the generated model for the missing field, not by the check of its items.
    assert (str(error), error.field) == ("a batch job: no field 'input_files'", "input_files")


@pytest.mark.parametrize(
    ("body", "says", "field"),
    [
        ({"data": "jobs"}, "'data' is a str, not a list", "data"),
        ({"data": [JOB, 7]}, "'data[1]' is not an object", "data[1]"),
        (
            {"data": [JOB, {**JOB, "errors": "none"}]},
            "'data[1].errors' is a str, not a list or object",
            "data[1].errors",
        ),
        (
            {"data": [{**JOB, "input_files": [None]}]},
            "'data[0].input_files' holds an item that is not an id",
            "data[0].input_files",
        ),
        ({"data": [], "total": -1}, "'total' is -1, not a count", "total"),
        ({"data": [], "total": True}, "'total' is True, not a count", "total"),
    ],
)
def test_a_page_of_jobs_names_the_job_and_field(body: Any, says: str, field: str) -> None:
    error = refusal(_parse.job_page(1), {"object": "list", **body})
    assert (str(error), error.field) == (says, field)


def test_a_page_of_files_names_its_bad_data() -> None:
    error = refusal(_parse.file_page(1), {"object": "list", "data": {"id": "f"}})
    assert (str(error), error.field) == ("'data' is a dict, not a list", "data")


def test_a_signed_url_must_be_http() -> None:
    error = refusal(_parse.signed_url, {"url": "file:///etc/passwd"})
    assert (str(error), error.field) == ("'url' is not an http(s) URL", "url")
    assert _parse.signed_url(answer({"url": "HTTPS://x.test/a"})).url == "HTTPS://x.test/a"
