from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.api_error import ApiError
from ...models.batch_job import BatchJob
from ...models.batch_job_create import BatchJobCreate
from ...models.validation_error_list import ValidationErrorList
from ...types import Response


def _get_kwargs(
    *,
    body: BatchJobCreate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/batch/jobs",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ApiError | BatchJob | ValidationErrorList | None:
    if response.status_code == 200:
        response_200 = BatchJob.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ApiError.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ApiError.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ApiError.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ApiError.from_dict(response.json())

        return response_404

    if response.status_code == 413:
        response_413 = ApiError.from_dict(response.json())

        return response_413

    if response.status_code == 422:
        response_422 = ValidationErrorList.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = ApiError.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = ApiError.from_dict(response.json())

        return response_500

    if response.status_code == 502:
        response_502 = ApiError.from_dict(response.json())

        return response_502

    if response.status_code == 503:
        response_503 = ApiError.from_dict(response.json())

        return response_503

    if response.status_code == 504:
        response_504 = ApiError.from_dict(response.json())

        return response_504

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ApiError | BatchJob | ValidationErrorList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: BatchJobCreate,
) -> Response[ApiError | BatchJob | ValidationErrorList]:
    """Create a batch job

     Queues a batch job over input files or inline requests. The job runs every
    request against `endpoint` with `model` (or `agent_id`) and writes an output
    file and, for requests that failed, an error file.

    Args:
        body (BatchJobCreate): A new batch job: give `input_files` or `requests`. `model` and
            `agent_id` are
            optional: without either, each request names its own model in its body.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApiError | BatchJob | ValidationErrorList]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: BatchJobCreate,
) -> ApiError | BatchJob | ValidationErrorList | None:
    """Create a batch job

     Queues a batch job over input files or inline requests. The job runs every
    request against `endpoint` with `model` (or `agent_id`) and writes an output
    file and, for requests that failed, an error file.

    Args:
        body (BatchJobCreate): A new batch job: give `input_files` or `requests`. `model` and
            `agent_id` are
            optional: without either, each request names its own model in its body.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApiError | BatchJob | ValidationErrorList
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: BatchJobCreate,
) -> Response[ApiError | BatchJob | ValidationErrorList]:
    """Create a batch job

     Queues a batch job over input files or inline requests. The job runs every
    request against `endpoint` with `model` (or `agent_id`) and writes an output
    file and, for requests that failed, an error file.

    Args:
        body (BatchJobCreate): A new batch job: give `input_files` or `requests`. `model` and
            `agent_id` are
            optional: without either, each request names its own model in its body.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApiError | BatchJob | ValidationErrorList]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: BatchJobCreate,
) -> ApiError | BatchJob | ValidationErrorList | None:
    """Create a batch job

     Queues a batch job over input files or inline requests. The job runs every
    request against `endpoint` with `model` (or `agent_id`) and writes an output
    file and, for requests that failed, an error file.

    Args:
        body (BatchJobCreate): A new batch job: give `input_files` or `requests`. `model` and
            `agent_id` are
            optional: without either, each request names its own model in its body.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApiError | BatchJob | ValidationErrorList
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
