"""Contains all the data models used in inputs/outputs"""

from .api_endpoint import ApiEndpoint
from .api_error import ApiError
from .batch_error import BatchError
from .batch_job import BatchJob
from .batch_job_create import BatchJobCreate
from .batch_job_deleted import BatchJobDeleted
from .batch_job_list import BatchJobList
from .batch_job_status import BatchJobStatus
from .batch_request import BatchRequest
from .file_deleted import FileDeleted
from .file_list import FileList
from .file_object import FileObject
from .file_purpose import FilePurpose
from .file_upload import FileUpload
from .file_visibility import FileVisibility
from .inline_output import InlineOutput
from .job_metadata import JobMetadata
from .job_metadata_in import JobMetadataIn
from .job_order import JobOrder
from .metadata_filter import MetadataFilter
from .request_body import RequestBody
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
    "BatchJobDeleted",
    "BatchJobList",
    "BatchJobStatus",
    "BatchRequest",
    "FileDeleted",
    "FileList",
    "FileObject",
    "FilePurpose",
    "FileUpload",
    "FileVisibility",
    "InlineOutput",
    "JobMetadata",
    "JobMetadataIn",
    "JobOrder",
    "MetadataFilter",
    "RequestBody",
    "SampleType",
    "SignedUrl",
    "Source",
    "ValidationError",
    "ValidationErrorList",
)
