"""A run of client.batch.run that kills its own process at a chosen step: the child of
test_kill_run.py.

``python kill_run.py SETTINGS_JSON`` runs ``Mistral(...).batch.run(...)`` on the settings'
input, state and options, each passed to run as it is (``"cache": FOLDER``, a path
string, included). With ``"kill": [STEP, N]`` it wraps one of the library's steps
so that the process sends itself SIGKILL right after the Nth call of that step returns
(for "download-partial", once the Nth download has written its first bytes, before its
file is in place; for "upload-partial", once the Nth upload's request has begun, before
the part's bytes are sent): no cleanup, no flush, no exception handler runs, as when the machine
loses the process. Without a kill it runs to the end and exits 0.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from mistral_batch import Backoff, Mistral
from mistral_batch._ledger import Ledger
from mistral_batch._sync._download import Download
from mistral_batch._sync._files import Files
from mistral_batch._sync._jobs import Jobs

#: Each step the kill may follow: the class and method whose return it follows.
STEPS: dict[str, tuple[type, str]] = {
    "plan": (Ledger, "plan"),
    # A model's answers found in a cache are recorded, its round 0 cut from the rest.
    "cached": (Ledger, "record_cached"),
    "upload": (Files, "upload"),
    "uploaded": (Ledger, "uploaded"),
    "begin-job": (Ledger, "begin_job"),
    "create": (Jobs, "create"),
    "get": (Jobs, "get"),
    "download": (Download, "write_to"),
    "collect": (Ledger, "collect"),
    "plan-retry": (Ledger, "plan_retry"),
}

#: The child's poll: the emulator runs small jobs at once.
POLL = Backoff(initial=0.02, factor=1.5, max_delay=0.2)


def die() -> None:
    """End the process the way a power cut or the OOM killer would."""
    os.kill(os.getpid(), signal.SIGKILL)


def kill_after(owner: type, name: str, n: int) -> None:
    """Make `owner.name` kill the process right after its Nth call returns."""
    original: Callable[..., Any] = getattr(owner, name)
    calls = 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        result = original(*args, **kwargs)
        calls += 1
        if calls == n:
            die()
        return result

    setattr(owner, name, wrapper)


def kill_while_downloading(n: int) -> None:
    """Make the Nth Download.write_to kill the process once it has written bytes, before
    the file it writes is renamed into place."""
    original = Download.write_to
    calls = 0

    def write_to(self: Download, path: Any, progress: Any = None, **kwargs: Any) -> int:
        nonlocal calls
        calls += 1
        if calls == n:
            return original(self, path, lambda received, total: die(), **kwargs)
        return original(self, path, progress, **kwargs)

    Download.write_to = write_to  # type: ignore[method-assign]


def kill_while_uploading(n: int) -> None:
    """Make the Nth Files.upload kill the process once its request has begun, before the
    part's bytes are sent: the server gets a request cut short, and makes no file."""
    original = Files.upload
    calls = 0

    def upload(self: Files, file: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == n:
            kwargs["progress"] = lambda sent, total: die()
        return original(self, file, *args, **kwargs)

    Files.upload = upload  # type: ignore[method-assign]


def main(settings: dict[str, Any]) -> None:
    kill = settings.pop("kill", None)
    if kill is not None:
        step, n = kill
        if step == "download-partial":
            kill_while_downloading(n)
        elif step == "upload-partial":
            kill_while_uploading(n)
        else:
            kill_after(*STEPS[step], n)
    with (
        Mistral(api_key=settings.pop("api_key"), server_url=settings.pop("server_url")) as client,
        client.batch.run(settings.pop("input"), poll=POLL, **settings),
    ):
        pass


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
