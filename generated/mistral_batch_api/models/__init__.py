"""Contains all the data models used in inputs/outputs"""

from .api_endpoint import ApiEndpoint
from .api_error import ApiError
from .batch_error import BatchError
from .batch_job import BatchJob
from .batch_job_create import BatchJobCreate
from .batch_job_create_metadata import BatchJobCreateMetadata
from .batch_job_deleted import BatchJobDeleted
from .batch_job_list import BatchJobList
from .batch_job_metadata_type_0 import BatchJobMetadataType0
from .batch_job_outputs_type_0_item import BatchJobOutputsType0Item
from .batch_job_status import BatchJobStatus
from .batch_request import BatchRequest
from .batch_request_body import BatchRequestBody
from .file_deleted import FileDeleted
from .file_list import FileList
from .file_object import FileObject
from .file_purpose import FilePurpose
from .file_upload import FileUpload
from .file_visibility import FileVisibility
from .job_order import JobOrder
from .metadata_filter import MetadataFilter
from .sample_type import SampleType
from .signed_url import SignedUrl
from .source import Source
from .validation_error import ValidationError
from .validation_error_list import ValidationErrorList

__all__ = (
    "ApiEndpoint",
    "ApiError",
    "BatchError",
    "BatchJob",
    "BatchJobCreate",
    "BatchJobCreateMetadata",
    "BatchJobDeleted",
    "BatchJobList",
    "BatchJobMetadataType0",
    "BatchJobOutputsType0Item",
    "BatchJobStatus",
    "BatchRequest",
    "BatchRequestBody",
    "FileDeleted",
    "FileList",
    "FileObject",
    "FilePurpose",
    "FileUpload",
    "FileVisibility",
    "JobOrder",
    "MetadataFilter",
    "SampleType",
    "SignedUrl",
    "Source",
    "ValidationError",
    "ValidationErrorList",
)
