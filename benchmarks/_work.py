"""What every benchmark case shares: the measured Work, the clients, small helpers."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Params = dict[str, Any]

#: The size of the chunks a result file is decoded from: what the network hands over.
DECODE_CHUNK = 64 * 1024
MODEL = "mistral-small-latest"
ENDPOINT = "/v1/chat/completions"


@dataclass
class Work:
    """The measured work (returns how many units it did) and what to undo afterwards."""

    run: Callable[[], float]
    cleanup: Callable[[], None] = lambda: None
    client: Any = None  # closed after the cleanup
    extra: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        """Undo what the work left behind, and close its client."""
        try:
            self.cleanup()
        finally:
            if hasattr(self.client, "close"):
                self.client.close()
            elif hasattr(self.client, "__exit__"):
                self.client.__exit__(None, None, None)


def auth(p: Params) -> dict[str, str]:
    return {"Authorization": f"Bearer {p['api_key']}"}


def ours(p: Params) -> Any:
    from mistral_batch import Mistral

    return Mistral(api_key=p["api_key"], server_url=p["url"])


def sdk(p: Params) -> Any:
    from mistralai import Mistral

    return Mistral(api_key=p["api_key"], server_url=p["url"])


def raw(p: Params) -> Any:
    import httpx

    return httpx.Client(base_url=p["url"], headers=auth(p), timeout=600)


def unlink(path: Path) -> Callable[[], None]:
    def cleanup() -> None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    return cleanup


def left_nothing(run: Any) -> None:
    """Check that a closed run removed its temporary folder (input, result files, ledger)."""
    if run.record.folder.exists():
        raise RuntimeError(f"the run left {run.record.folder} behind")


def forget_upload(p: Params, ids: list[str]) -> Callable[[], None]:
    def cleanup() -> None:
        import httpx

        for file_id in ids:
            httpx.delete(f"{p['url']}/v1/files/{file_id}", headers=auth(p))

    return cleanup
