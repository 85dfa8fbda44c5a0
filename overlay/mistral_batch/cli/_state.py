"""The state file of `run`: what was uploaded and which job runs, to resume instead of paying twice.

A small JSON document beside the output (``results.jsonl.state.json``), written
atomically after each step::

    {
      "version": 1,
      "input": {"path": "/abs/requests.jsonl", "sha256": "...", "size": 1234},
      "options": {"model": "...", "endpoint": "...", "metadata": {}, "timeout_hours": null,
                  "server_url": "https://api.mistral.ai"},
      "input_file_id": "...",      # once uploaded
      "create_token": "...",       # the job's mistral_batch_token, set before creating it
      "job_id": "...",             # once created
      "status": "RUNNING",         # as last seen
      "updated_at": "2025-01-01T12:00:00+00:00"
    }

A state is reused only when the input's fingerprint (sha256 and size) and the options
are the same. The API key is never written.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

import attrs

STATE_VERSION = 1
_CHUNK = 1024 * 1024


class StateError(Exception):
    """Raised when a state file cannot be read as one."""


@attrs.frozen
class Fingerprint:
    """What identifies an input file's content: its sha256 and its size."""

    sha256: str
    size: int

    @classmethod
    def of_file(cls, path: Path) -> Fingerprint:
        """Hash the file in chunks, in bounded memory."""
        digest = hashlib.sha256()
        size = 0
        with path.open("rb") as stream:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
        return cls(sha256=digest.hexdigest(), size=size)


@attrs.define
class RunState:
    """Where a run stands: its input, its options, and what exists on the server."""

    input_path: str
    fingerprint: Fingerprint
    options: dict[str, Any]
    input_file_id: str | None = None
    create_token: str | None = None
    job_id: str | None = None
    status: str | None = None

    def matches(self, fingerprint: Fingerprint, options: dict[str, Any]) -> bool:
        """True if this state was written for the same input content and options."""
        return not self.differences(fingerprint, options)

    def differences(self, fingerprint: Fingerprint, options: dict[str, Any]) -> list[str]:
        """What differs from the run described by `fingerprint` and `options`, in words."""
        found = []
        if self.fingerprint != fingerprint:
            found.append("the input's content")
        for name in sorted(set(self.options) | set(options)):
            before, now = self.options.get(name), options.get(name)
            if before != now:
                label = _OPTION_NAMES.get(name, name)
                found.append(f"{label} ({_shown(before)}, now {_shown(now)})")
        return found

    def new_token(self) -> str:
        """Give the job about to be created a token (kept, so a lost answer can be found)."""
        self.create_token = secrets.token_hex(16)
        return self.create_token

    def to_json(self) -> dict[str, Any]:
        """The document written to the state file."""
        return {
            "version": STATE_VERSION,
            "input": {
                "path": self.input_path,
                "sha256": self.fingerprint.sha256,
                "size": self.fingerprint.size,
            },
            "options": self.options,
            "input_file_id": self.input_file_id,
            "create_token": self.create_token,
            "job_id": self.job_id,
            "status": self.status,
            "updated_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        }

    @classmethod
    def from_json(cls, data: Any) -> RunState:
        """Read a state document; StateError if it is not one this version wrote."""
        try:
            if data["version"] != STATE_VERSION:
                raise StateError(f"unknown state version {data['version']!r}")
            source = data["input"]
            fingerprint = Fingerprint(sha256=str(source["sha256"]), size=int(source["size"]))
            options = data["options"]
            if not isinstance(options, dict):
                raise StateError("options must be an object")
            return cls(
                input_path=str(source["path"]),
                fingerprint=fingerprint,
                options=options,
                input_file_id=_opt_str(data.get("input_file_id")),
                create_token=_opt_str(data.get("create_token")),
                job_id=_opt_str(data.get("job_id")),
                status=_opt_str(data.get("status")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise StateError(f"not a state file ({type(exc).__name__}: {exc})") from exc


#: How the options recorded in a state file are named to a user.
_OPTION_NAMES = {
    "model": "the model",
    "endpoint": "the endpoint",
    "metadata": "the metadata",
    "timeout_hours": "--timeout-hours",
    "server_url": "the server URL",
}


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= 60 else text[:59] + "\u2026"


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def default_state_path(output: Path) -> Path:
    """The state file of a run writing `output`: beside it, named after it."""
    return output.with_name(output.name + ".state.json")


def load_state(path: Path) -> RunState | None:
    """The state in `path`, None if there is none; StateError if it is unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StateError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise StateError(f"{path} is not JSON: {exc}") from exc
    return RunState.from_json(data)


def save_state(path: Path, state: RunState, mode: int = 0o600) -> None:
    """Write the state atomically: a temporary file beside it, synced, then renamed.

    The file is created with `mode` less the umask (0o600: it names the input and the
    job, which are no one else's business).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            json.dump(state.to_json(), stream, indent=2)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _sync_dir(path.parent)


def _sync_dir(folder: Path) -> None:
    # The rename survives a power cut only once the directory itself is synced.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
