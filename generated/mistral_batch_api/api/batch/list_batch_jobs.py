import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.api_error import ApiError
from ...models.batch_job_list import BatchJobList
from ...models.batch_job_status import BatchJobStatus
from ...models.job_order import JobOrder
from ...models.metadata_filter import MetadataFilter
from ...models.validation_error_list import ValidationErrorList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    page: int | Unset = 0,
    page_size: int | Unset = 100,
    model: str | Unset = UNSET,
    agent_id: str | Unset = UNSET,
    metadata: MetadataFilter | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_by_me: bool | Unset = False,
    status: list[BatchJobStatus | str] | Unset = UNSET,
    order_by: JobOrder | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["page"] = page

    params["page_size"] = page_size

    params["model"] = model

    params["agent_id"] = agent_id

    json_metadata: dict[str, Any] | Unset = UNSET
    if not isinstance(metadata, Unset):
        json_metadata = metadata.to_dict()
    if not isinstance(json_metadata, Unset):
        params.update(json_metadata)

    json_created_after: str | Unset = UNSET
    if not isinstance(created_after, Unset):
        json_created_after = created_after.isoformat()
    params["created_after"] = json_created_after

    params["created_by_me"] = created_by_me

    json_status: list[str] | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = []
        for status_item_data in status:
            status_item: str
            if isinstance(status_item_data, BatchJobStatus):
                status_item = status_item_data.value
            else:
                status_item = status_item_data
            json_status.append(status_item)

    params["status"] = json_status

    json_order_by: str | Unset = UNSET
    if not isinstance(order_by, Unset):
        json_order_by = order_by.value

    params["order_by"] = json_order_by

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/batch/jobs",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ApiError | BatchJobList | ValidationErrorList | None:
    if response.status_code == 200:
        response_200 = BatchJobList.from_dict(response.json())

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
) -> Response[ApiError | BatchJobList | ValidationErrorList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    page: int | Unset = 0,
    page_size: int | Unset = 100,
    model: str | Unset = UNSET,
    agent_id: str | Unset = UNSET,
    metadata: MetadataFilter | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_by_me: bool | Unset = False,
    status: list[BatchJobStatus | str] | Unset = UNSET,
    order_by: JobOrder | Unset = UNSET,
) -> Response[ApiError | BatchJobList | ValidationErrorList]:
    """List batch jobs

     Lists the batch jobs of the workspace, one page at a time.

    Args:
        page (int | Unset):  Default: 0.
        page_size (int | Unset):  Default: 100.
        model (str | Unset):
        agent_id (str | Unset):
        metadata (MetadataFilter | Unset): Metadata pairs that a job must carry.
        created_after (datetime.datetime | Unset):
        created_by_me (bool | Unset):  Default: False.
        status (list[BatchJobStatus | str] | Unset):
        order_by (JobOrder | Unset): Sort order of the job list.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApiError | BatchJobList | ValidationErrorList]
    """

    kwargs = _get_kwargs(
        page=page,
        page_size=page_size,
        model=model,
        agent_id=agent_id,
        metadata=metadata,
        created_after=created_after,
        created_by_me=created_by_me,
        status=status,
        order_by=order_by,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    page: int | Unset = 0,
    page_size: int | Unset = 100,
    model: str | Unset = UNSET,
    agent_id: str | Unset = UNSET,
    metadata: MetadataFilter | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_by_me: bool | Unset = False,
    status: list[BatchJobStatus | str] | Unset = UNSET,
    order_by: JobOrder | Unset = UNSET,
) -> ApiError | BatchJobList | ValidationErrorList | None:
    """List batch jobs

     Lists the batch jobs of the workspace, one page at a time.

    Args:
        page (int | Unset):  Default: 0.
        page_size (int | Unset):  Default: 100.
        model (str | Unset):
        agent_id (str | Unset):
        metadata (MetadataFilter | Unset): Metadata pairs that a job must carry.
        created_after (datetime.datetime | Unset):
        created_by_me (bool | Unset):  Default: False.
        status (list[BatchJobStatus | str] | Unset):
        order_by (JobOrder | Unset): Sort order of the job list.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApiError | BatchJobList | ValidationErrorList
    """

    return sync_detailed(
        client=client,
        page=page,
        page_size=page_size,
        model=model,
        agent_id=agent_id,
        metadata=metadata,
        created_after=created_after,
        created_by_me=created_by_me,
        status=status,
        order_by=order_by,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    page: int | Unset = 0,
    page_size: int | Unset = 100,
    model: str | Unset = UNSET,
    agent_id: str | Unset = UNSET,
    metadata: MetadataFilter | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_by_me: bool | Unset = False,
    status: list[BatchJobStatus | str] | Unset = UNSET,
    order_by: JobOrder | Unset = UNSET,
) -> Response[ApiError | BatchJobList | ValidationErrorList]:
    """List batch jobs

     Lists the batch jobs of the workspace, one page at a time.

    Args:
        page (int | Unset):  Default: 0.
        page_size (int | Unset):  Default: 100.
        model (str | Unset):
        agent_id (str | Unset):
        metadata (MetadataFilter | Unset): Metadata pairs that a job must carry.
        created_after (datetime.datetime | Unset):
        created_by_me (bool | Unset):  Default: False.
        status (list[BatchJobStatus | str] | Unset):
        order_by (JobOrder | Unset): Sort order of the job list.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApiError | BatchJobList | ValidationErrorList]
    """

    kwargs = _get_kwargs(
        page=page,
        page_size=page_size,
        model=model,
        agent_id=agent_id,
        metadata=metadata,
        created_after=created_after,
        created_by_me=created_by_me,
        status=status,
        order_by=order_by,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    page: int | Unset = 0,
    page_size: int | Unset = 100,
    model: str | Unset = UNSET,
    agent_id: str | Unset = UNSET,
    metadata: MetadataFilter | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_by_me: bool | Unset = False,
    status: list[BatchJobStatus | str] | Unset = UNSET,
    order_by: JobOrder | Unset = UNSET,
) -> ApiError | BatchJobList | ValidationErrorList | None:
    """List batch jobs

     Lists the batch jobs of the workspace, one page at a time.

    Args:
        page (int | Unset):  Default: 0.
        page_size (int | Unset):  Default: 100.
        model (str | Unset):
        agent_id (str | Unset):
        metadata (MetadataFilter | Unset): Metadata pairs that a job must carry.
        created_after (datetime.datetime | Unset):
        created_by_me (bool | Unset):  Default: False.
        status (list[BatchJobStatus | str] | Unset):
        order_by (JobOrder | Unset): Sort order of the job list.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApiError | BatchJobList | ValidationErrorList
    """

    return (
        await asyncio_detailed(
            client=client,
            page=page,
            page_size=page_size,
            model=model,
            agent_id=agent_id,
            metadata=metadata,
            created_after=created_after,
            created_by_me=created_by_me,
            status=status,
            order_by=order_by,
        )
    ).parsed
