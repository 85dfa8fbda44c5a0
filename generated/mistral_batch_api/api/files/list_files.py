from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.api_error import ApiError
from ...models.file_list import FileList
from ...models.file_purpose import FilePurpose
from ...models.sample_type import SampleType
from ...models.source import Source
from ...models.validation_error_list import ValidationErrorList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    page: int | Unset = 0,
    page_size: int | Unset = 100,
    include_total: bool | Unset = True,
    sample_type: list[SampleType | str] | Unset = UNSET,
    source: list[Source | str] | Unset = UNSET,
    search: str | Unset = UNSET,
    purpose: FilePurpose | str | Unset = UNSET,
    mimetypes: list[str] | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["page"] = page

    params["page_size"] = page_size

    params["include_total"] = include_total

    json_sample_type: list[str] | Unset = UNSET
    if not isinstance(sample_type, Unset):
        json_sample_type = []
        for sample_type_item_data in sample_type:
            sample_type_item: str
            if isinstance(sample_type_item_data, SampleType):
                sample_type_item = sample_type_item_data.value
            else:
                sample_type_item = sample_type_item_data
            json_sample_type.append(sample_type_item)

    params["sample_type"] = json_sample_type

    json_source: list[str] | Unset = UNSET
    if not isinstance(source, Unset):
        json_source = []
        for source_item_data in source:
            source_item: str
            if isinstance(source_item_data, Source):
                source_item = source_item_data.value
            else:
                source_item = source_item_data
            json_source.append(source_item)

    params["source"] = json_source

    params["search"] = search

    json_purpose: str | Unset
    if isinstance(purpose, Unset):
        json_purpose = UNSET
    elif isinstance(purpose, FilePurpose):
        json_purpose = purpose.value
    else:
        json_purpose = purpose
    params["purpose"] = json_purpose

    json_mimetypes: list[str] | Unset = UNSET
    if not isinstance(mimetypes, Unset):
        json_mimetypes = mimetypes

    params["mimetypes"] = json_mimetypes

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/files",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ApiError | FileList | ValidationErrorList | None:
    if response.status_code == 200:
        response_200 = FileList.from_dict(response.json())

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
) -> Response[ApiError | FileList | ValidationErrorList]:
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
    include_total: bool | Unset = True,
    sample_type: list[SampleType | str] | Unset = UNSET,
    source: list[Source | str] | Unset = UNSET,
    search: str | Unset = UNSET,
    purpose: FilePurpose | str | Unset = UNSET,
    mimetypes: list[str] | Unset = UNSET,
) -> Response[ApiError | FileList | ValidationErrorList]:
    """List files

     Lists the files of the workspace, newest first, one page at a time.

    Args:
        page (int | Unset):  Default: 0.
        page_size (int | Unset):  Default: 100.
        include_total (bool | Unset):  Default: True.
        sample_type (list[SampleType | str] | Unset):
        source (list[Source | str] | Unset):
        search (str | Unset):
        purpose (FilePurpose | str | Unset):
        mimetypes (list[str] | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApiError | FileList | ValidationErrorList]
    """

    kwargs = _get_kwargs(
        page=page,
        page_size=page_size,
        include_total=include_total,
        sample_type=sample_type,
        source=source,
        search=search,
        purpose=purpose,
        mimetypes=mimetypes,
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
    include_total: bool | Unset = True,
    sample_type: list[SampleType | str] | Unset = UNSET,
    source: list[Source | str] | Unset = UNSET,
    search: str | Unset = UNSET,
    purpose: FilePurpose | str | Unset = UNSET,
    mimetypes: list[str] | Unset = UNSET,
) -> ApiError | FileList | ValidationErrorList | None:
    """List files

     Lists the files of the workspace, newest first, one page at a time.

    Args:
        page (int | Unset):  Default: 0.
        page_size (int | Unset):  Default: 100.
        include_total (bool | Unset):  Default: True.
        sample_type (list[SampleType | str] | Unset):
        source (list[Source | str] | Unset):
        search (str | Unset):
        purpose (FilePurpose | str | Unset):
        mimetypes (list[str] | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApiError | FileList | ValidationErrorList
    """

    return sync_detailed(
        client=client,
        page=page,
        page_size=page_size,
        include_total=include_total,
        sample_type=sample_type,
        source=source,
        search=search,
        purpose=purpose,
        mimetypes=mimetypes,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    page: int | Unset = 0,
    page_size: int | Unset = 100,
    include_total: bool | Unset = True,
    sample_type: list[SampleType | str] | Unset = UNSET,
    source: list[Source | str] | Unset = UNSET,
    search: str | Unset = UNSET,
    purpose: FilePurpose | str | Unset = UNSET,
    mimetypes: list[str] | Unset = UNSET,
) -> Response[ApiError | FileList | ValidationErrorList]:
    """List files

     Lists the files of the workspace, newest first, one page at a time.

    Args:
        page (int | Unset):  Default: 0.
        page_size (int | Unset):  Default: 100.
        include_total (bool | Unset):  Default: True.
        sample_type (list[SampleType | str] | Unset):
        source (list[Source | str] | Unset):
        search (str | Unset):
        purpose (FilePurpose | str | Unset):
        mimetypes (list[str] | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApiError | FileList | ValidationErrorList]
    """

    kwargs = _get_kwargs(
        page=page,
        page_size=page_size,
        include_total=include_total,
        sample_type=sample_type,
        source=source,
        search=search,
        purpose=purpose,
        mimetypes=mimetypes,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    page: int | Unset = 0,
    page_size: int | Unset = 100,
    include_total: bool | Unset = True,
    sample_type: list[SampleType | str] | Unset = UNSET,
    source: list[Source | str] | Unset = UNSET,
    search: str | Unset = UNSET,
    purpose: FilePurpose | str | Unset = UNSET,
    mimetypes: list[str] | Unset = UNSET,
) -> ApiError | FileList | ValidationErrorList | None:
    """List files

     Lists the files of the workspace, newest first, one page at a time.

    Args:
        page (int | Unset):  Default: 0.
        page_size (int | Unset):  Default: 100.
        include_total (bool | Unset):  Default: True.
        sample_type (list[SampleType | str] | Unset):
        source (list[Source | str] | Unset):
        search (str | Unset):
        purpose (FilePurpose | str | Unset):
        mimetypes (list[str] | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApiError | FileList | ValidationErrorList
    """

    return (
        await asyncio_detailed(
            client=client,
            page=page,
            page_size=page_size,
            include_total=include_total,
            sample_type=sample_type,
            source=source,
            search=search,
            purpose=purpose,
            mimetypes=mimetypes,
        )
    ).parsed
