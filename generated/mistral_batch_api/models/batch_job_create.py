from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.api_endpoint import ApiEndpoint
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.batch_request import BatchRequest
    from ..models.job_metadata_in import JobMetadataIn


T = TypeVar("T", bound="BatchJobCreate")


@_attrs_define
class BatchJobCreate:
    """A new batch job: give `input_files` or `requests`. `model` and `agent_id` are
    optional: without either, each request names its own model in its body.

    """

    endpoint: ApiEndpoint | str
    """ One of ApiEndpoint, or a newer endpoint this document does not list yet
    (Mistral's own document types it as a plain string).
     """
    input_files: list[str] | Unset = UNSET
    """ Ids of uploaded JSONL input files, purpose `batch`. """
    requests: list[BatchRequest] | Unset = UNSET
    """ Inline requests, instead of input files. """
    model: str | Unset = UNSET
    """ The model that runs every request whose body names none. Mistral's document
    makes it optional and nullable, and its guide says a request's own `model` is
    optional when the job names one. We assume that a job without it is accepted,
    that each request then runs with the model its body names, and that a request
    naming none fails on its own, as a line of the error file whose response is a
    422 with a `detail` list (`{"type": "missing", "loc": ["body", "model"], "msg":
    "Field required"}`, as Mistral's API answers a body without a required field),
    while the other requests run.
     """
    agent_id: str | Unset = UNSET
    """ An agent to run every request, instead of a model. """
    metadata: JobMetadataIn | Unset = UNSET
    """ Your own labels, strings of 1 to 512 characters under keys of 1 to 32. """
    timeout_hours: int | Unset = 24
    """ Hours after which an unfinished job ends as TIMEOUT_EXCEEDED. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        endpoint: str
        if isinstance(self.endpoint, ApiEndpoint):
            endpoint = self.endpoint.value
        else:
            endpoint = self.endpoint

        input_files: list[str] | Unset = UNSET
        if not isinstance(self.input_files, Unset):
            input_files = self.input_files

        requests: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.requests, Unset):
            requests = []
            for requests_item_data in self.requests:
                requests_item = requests_item_data.to_dict()
                requests.append(requests_item)

        model = self.model

        agent_id = self.agent_id

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        timeout_hours = self.timeout_hours

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "endpoint": endpoint,
            }
        )
        if input_files is not UNSET:
            field_dict["input_files"] = input_files
        if requests is not UNSET:
            field_dict["requests"] = requests
        if model is not UNSET:
            field_dict["model"] = model
        if agent_id is not UNSET:
            field_dict["agent_id"] = agent_id
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if timeout_hours is not UNSET:
            field_dict["timeout_hours"] = timeout_hours

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.batch_request import BatchRequest  # noqa: PLC0415
        from ..models.job_metadata_in import JobMetadataIn  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_endpoint(data: object) -> ApiEndpoint | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                endpoint_type_0 = ApiEndpoint(data)

                return endpoint_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ApiEndpoint | str, data)

        endpoint = _parse_endpoint(d.pop("endpoint"))

        input_files = cast(list[str], d.pop("input_files", UNSET))

        _requests = d.pop("requests", UNSET)
        requests: list[BatchRequest] | Unset = UNSET
        if _requests is not UNSET:
            requests = []
            for requests_item_data in _requests:
                requests_item = BatchRequest.from_dict(requests_item_data)

                requests.append(requests_item)

        model = d.pop("model", UNSET)

        agent_id = d.pop("agent_id", UNSET)

        _metadata = d.pop("metadata", UNSET)
        metadata: JobMetadataIn | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = JobMetadataIn.from_dict(_metadata)

        timeout_hours = d.pop("timeout_hours", UNSET)

        batch_job_create = cls(
            endpoint=endpoint,
            input_files=input_files,
            requests=requests,
            model=model,
            agent_id=agent_id,
            metadata=metadata,
            timeout_hours=timeout_hours,
        )

        batch_job_create.additional_properties = d
        return batch_job_create

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
