from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..models.file_purpose import FilePurpose
from ..models.file_visibility import FileVisibility
from ..types import UNSET, File, Unset

T = TypeVar("T", bound="FileUpload")


@_attrs_define
class FileUpload:
    """The multipart form of an upload."""

    file: File
    """ The file's bytes; its file name is sent in the part's Content-Disposition. """
    purpose: FilePurpose | Unset = UNSET
    """ What a file is for. Mistral's descriptions already name `audio`, which its
    enumeration lacks: the list grows.
     """
    visibility: FileVisibility | Unset = UNSET
    """ Who in the workspace sees an uploaded file. Mistral's document wraps this
    enumeration in an `allOf`, from which generators make an empty model.
     """
    expiry: int | Unset = UNSET
    """ Hours until the file expires and is deleted; none means it is kept. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        file = self.file.to_tuple()

        purpose: str | Unset = UNSET
        if not isinstance(self.purpose, Unset):
            purpose = self.purpose.value

        visibility: str | Unset = UNSET
        if not isinstance(self.visibility, Unset):
            visibility = self.visibility.value

        expiry = self.expiry

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "file": file,
            }
        )
        if purpose is not UNSET:
            field_dict["purpose"] = purpose
        if visibility is not UNSET:
            field_dict["visibility"] = visibility
        if expiry is not UNSET:
            field_dict["expiry"] = expiry

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("file", self.file.to_tuple()))

        if not isinstance(self.purpose, Unset):
            files.append(
                ("purpose", (None, str(self.purpose.value).encode(), "text/plain"))
            )

        if not isinstance(self.visibility, Unset):
            files.append(
                (
                    "visibility",
                    (None, str(self.visibility.value).encode(), "text/plain"),
                )
            )

        if not isinstance(self.expiry, Unset):
            files.append(("expiry", (None, str(self.expiry).encode(), "text/plain")))

        for prop_name, prop in self.additional_properties.items():
            files.append((prop_name, (None, str(prop).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        file = File(payload=BytesIO(d.pop("file")))

        _purpose = d.pop("purpose", UNSET)
        purpose: FilePurpose | Unset
        if isinstance(_purpose, Unset):
            purpose = UNSET
        else:
            purpose = FilePurpose(_purpose)

        _visibility = d.pop("visibility", UNSET)
        visibility: FileVisibility | Unset
        if isinstance(_visibility, Unset):
            visibility = UNSET
        else:
            visibility = FileVisibility(_visibility)

        expiry = d.pop("expiry", UNSET)

        file_upload = cls(
            file=file,
            purpose=purpose,
            visibility=visibility,
            expiry=expiry,
        )

        file_upload.additional_properties = d
        return file_upload

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
