from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.api_endpoint import ApiEndpoint
from ..models.batch_job_status import BatchJobStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.batch_error import BatchError
    from ..models.inline_output import InlineOutput
    from ..models.job_metadata import JobMetadata


T = TypeVar("T", bound="BatchJob")


@_attrs_define
class BatchJob:
    """A batch job and its progress."""

    id: str
    """ The job's id (opaque). """
    input_files: list[str]
    endpoint: ApiEndpoint | str
    errors: list[BatchError]
    status: BatchJobStatus | str
    created_at: int
    """ Unix seconds. """
    total_requests: int
    completed_requests: int
    succeeded_requests: int
    failed_requests: int
    object_: str | Unset = UNSET
    """ Always `batch`. """
    metadata: JobMetadata | None | Unset = UNSET
    model: None | str | Unset = UNSET
    agent_id: None | str | Unset = UNSET
    output_file: None | str | Unset = UNSET
    """ The id of the file of successful results, once there is one. """
    error_file: None | str | Unset = UNSET
    """ The id of the file of failed requests, once there is one. """
    outputs: list[InlineOutput] | None | Unset = UNSET
    """ The results of an inline job, when asked with `inline=true`. """
    started_at: int | None | Unset = UNSET
    """ Unix seconds, once the job has started. """
    completed_at: int | None | Unset = UNSET
    """ Unix seconds, once the job has ended. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.job_metadata import JobMetadata  # noqa: PLC0415

        id = self.id

        input_files = self.input_files

        endpoint: str
        if isinstance(self.endpoint, ApiEndpoint):
            endpoint = self.endpoint.value
        else:
            endpoint = self.endpoint

        errors = []
        for errors_item_data in self.errors:
            errors_item = errors_item_data.to_dict()
            errors.append(errors_item)

        status: str
        if isinstance(self.status, BatchJobStatus):
            status = self.status.value
        else:
            status = self.status

        created_at = self.created_at

        total_requests = self.total_requests

        completed_requests = self.completed_requests

        succeeded_requests = self.succeeded_requests

        failed_requests = self.failed_requests

        object_ = self.object_

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, JobMetadata):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        model: None | str | Unset
        if isinstance(self.model, Unset):
            model = UNSET
        else:
            model = self.model

        agent_id: None | str | Unset
        if isinstance(self.agent_id, Unset):
            agent_id = UNSET
        else:
            agent_id = self.agent_id

        output_file: None | str | Unset
        if isinstance(self.output_file, Unset):
            output_file = UNSET
        else:
            output_file = self.output_file

        error_file: None | str | Unset
        if isinstance(self.error_file, Unset):
            error_file = UNSET
        else:
            error_file = self.error_file

        outputs: list[dict[str, Any]] | None | Unset
        if isinstance(self.outputs, Unset):
            outputs = UNSET
        elif isinstance(self.outputs, list):
            outputs = []
            for outputs_type_0_item_data in self.outputs:
                outputs_type_0_item = outputs_type_0_item_data.to_dict()
                outputs.append(outputs_type_0_item)

        else:
            outputs = self.outputs

        started_at: int | None | Unset
        if isinstance(self.started_at, Unset):
            started_at = UNSET
        else:
            started_at = self.started_at

        completed_at: int | None | Unset
        if isinstance(self.completed_at, Unset):
            completed_at = UNSET
        else:
            completed_at = self.completed_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "input_files": input_files,
                "endpoint": endpoint,
                "errors": errors,
                "status": status,
                "created_at": created_at,
                "total_requests": total_requests,
                "completed_requests": completed_requests,
                "succeeded_requests": succeeded_requests,
                "failed_requests": failed_requests,
            }
        )
        if object_ is not UNSET:
            field_dict["object"] = object_
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if model is not UNSET:
            field_dict["model"] = model
        if agent_id is not UNSET:
            field_dict["agent_id"] = agent_id
        if output_file is not UNSET:
            field_dict["output_file"] = output_file
        if error_file is not UNSET:
            field_dict["error_file"] = error_file
        if outputs is not UNSET:
            field_dict["outputs"] = outputs
        if started_at is not UNSET:
            field_dict["started_at"] = started_at
        if completed_at is not UNSET:
            field_dict["completed_at"] = completed_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.batch_error import BatchError  # noqa: PLC0415
        from ..models.inline_output import InlineOutput  # noqa: PLC0415
        from ..models.job_metadata import JobMetadata  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        input_files = cast(list[str], d.pop("input_files"))

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

        errors = []
        _errors = d.pop("errors")
        for errors_item_data in _errors:
            errors_item = BatchError.from_dict(errors_item_data)

            errors.append(errors_item)

        def _parse_status(data: object) -> BatchJobStatus | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = BatchJobStatus(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BatchJobStatus | str, data)

        status = _parse_status(d.pop("status"))

        created_at = d.pop("created_at")

        total_requests = d.pop("total_requests")

        completed_requests = d.pop("completed_requests")

        succeeded_requests = d.pop("succeeded_requests")

        failed_requests = d.pop("failed_requests")

        object_ = d.pop("object", UNSET)

        def _parse_metadata(data: object) -> JobMetadata | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = JobMetadata.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(JobMetadata | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        def _parse_model(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model = _parse_model(d.pop("model", UNSET))

        def _parse_agent_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        agent_id = _parse_agent_id(d.pop("agent_id", UNSET))

        def _parse_output_file(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        output_file = _parse_output_file(d.pop("output_file", UNSET))

        def _parse_error_file(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error_file = _parse_error_file(d.pop("error_file", UNSET))

        def _parse_outputs(data: object) -> list[InlineOutput] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                outputs_type_0 = []
                _outputs_type_0 = data
                for outputs_type_0_item_data in _outputs_type_0:
                    outputs_type_0_item = InlineOutput.from_dict(
                        outputs_type_0_item_data
                    )

                    outputs_type_0.append(outputs_type_0_item)

                return outputs_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[InlineOutput] | None | Unset, data)

        outputs = _parse_outputs(d.pop("outputs", UNSET))

        def _parse_started_at(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        started_at = _parse_started_at(d.pop("started_at", UNSET))

        def _parse_completed_at(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        completed_at = _parse_completed_at(d.pop("completed_at", UNSET))

        batch_job = cls(
            id=id,
            input_files=input_files,
            endpoint=endpoint,
            errors=errors,
            status=status,
            created_at=created_at,
            total_requests=total_requests,
            completed_requests=completed_requests,
            succeeded_requests=succeeded_requests,
            failed_requests=failed_requests,
            object_=object_,
            metadata=metadata,
            model=model,
            agent_id=agent_id,
            output_file=output_file,
            error_file=error_file,
            outputs=outputs,
            started_at=started_at,
            completed_at=completed_at,
        )

        batch_job.additional_properties = d
        return batch_job

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
