"""The emulator from a shell: serve until Ctrl-C or SIGTERM, and a failed start in one line."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from ._server import Emulator
from ._settings import DEFAULT_MAX_UPLOAD_BYTES


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    data_dir: str | Path | None = None,
    api_keys: Sequence[str] | None = None,
    *,
    queue_delay: float = 0.0,
    requests_per_second: float | None = None,
    hour_seconds: float = 3600.0,
    max_pending_requests: int = 1_000_000,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    fail_rate: float = 0.0,
    log_level: str = "warning",
) -> None:
    """Run an emulator until Ctrl-C, after printing its URL and keys (one line each).

    The keywords are those of :class:`Emulator`; ValueError for one out of its range.
    """
    logging.basicConfig(level=logging.WARNING)
    emulator = Emulator(
        host=host,
        port=port,
        data_dir=data_dir,
        api_keys=api_keys,
        queue_delay=queue_delay,
        requests_per_second=requests_per_second,
        hour_seconds=hour_seconds,
        max_pending_requests=max_pending_requests,
        max_upload_bytes=max_upload_bytes,
        fail_rate=fail_rate,
        log_level=log_level,
    )
    stopped = threading.Event()
    _stop_on_sigterm(stopped)
    emulator.start()
    try:
        print(f"url: {emulator.url}", flush=True)
        if api_keys:
            # The caller chose them: echoing keys into terminals and logs is a habit to avoid.
            print(f"api_keys: the {len(emulator.api_keys)} given with --api-key", flush=True)
        else:
            print(f"api_key: {emulator.api_key}", flush=True)
        while not stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()


def describe_start_error(error: ImportError | OSError) -> str:
    """One line for an emulator that could not start, without Python's decorations."""
    if isinstance(error, ImportError):
        return error.msg
    if error.strerror and error.filename is None:
        return error.strerror
    return str(error)


def _stop_on_sigterm(stopped: threading.Event) -> None:
    import signal

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda signum, frame: stopped.set())
