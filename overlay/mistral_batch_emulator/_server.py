"""Runs the emulator: uvicorn in a background thread, the job worker beside it."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import secrets
import shutil
import socket
import tempfile
import threading
import time
import weakref
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ._faults import EmulatorStats, Fault, FaultRegistry, StatsCounter
from ._settings import DEFAULT_MAX_UPLOAD_BYTES, Settings

if TYPE_CHECKING:
    import uvicorn

    from ._state import EmulatorState

_STARTUP_TIMEOUT = 10.0

#: What to do when Starlette or uvicorn cannot be imported, in one line.
MISSING_EXTRA = "the emulator needs the 'emulator' extra: pip install 'mistral-batch[emulator]'"

#: The log levels the emulator takes. uvicorn's "trace" wraps the app in a logger of every
#: message, whose ``send`` no longer leads to the connection: a reset could not be made.
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def _new_key() -> str:
    return "emu-" + secrets.token_urlsafe(24)


class Emulator:
    """A local server that speaks Mistral's Files and Batch API.

    ``with Emulator() as emu:`` starts it on a free loopback port; point a client at
    ``emu.url`` with ``emu.api_key``. Each key in ``api_keys`` is a separate workspace,
    except those that ``workspaces`` maps to a shared workspace's name (``{"key-a":
    "team", "key-b": "team"}``); each key is its own user, for ``created_by_me``.
    State lives in ``data_dir`` (a temporary folder, removed on stop, unless given), so
    an emulator started again on the same ``data_dir`` keeps every file and job and
    finishes the jobs that were running. ``fail_rate``: the share of requests that jobs
    answer with a transient 503 (by custom_id, model and attempt: see ``_transient``).
    ``log_level``: uvicorn's, from "critical" to "debug" (not "trace", under which uvicorn
    hides the connection that the faults reset and drop).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        data_dir: str | Path | None = None,
        api_keys: Sequence[str] | None = None,
        workspaces: Mapping[str, str] | None = None,
        queue_delay: float = 0.0,
        requests_per_second: float | None = None,
        hour_seconds: float = 3600.0,
        max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
        max_pending_requests: int = 1_000_000,
        fail_rate: float = 0.0,
        refuse_unfinished_delete: bool = True,
        faults: Iterable[Fault] = (),
        log_level: str = "warning",
    ) -> None:
        if api_keys is not None and not api_keys:
            raise ValueError("api_keys must hold at least one key")
        if api_keys is not None and any(not key.strip() for key in api_keys):
            # A blank key would let in a request that sends none.
            raise ValueError("api_keys must not hold an empty key")
        if requests_per_second is not None and requests_per_second <= 0:
            raise ValueError("requests_per_second must be positive, or None for no limit")
        if not 0 <= fail_rate <= 1:
            raise ValueError("fail_rate must be between 0 and 1")
        if log_level not in LOG_LEVELS:
            raise ValueError(f"log_level must be one of {', '.join(LOG_LEVELS)}: {log_level!r}")
        self.host = host
        self.port = port
        self.api_keys: list[str] = list(api_keys) if api_keys else [_new_key()]
        self.workspaces = dict(workspaces or {})
        strangers = [key for key in self.workspaces if key not in self.api_keys]
        if strangers:
            raise ValueError(f"workspaces names {len(strangers)} key(s) not in api_keys")
        self.settings = Settings(
            hour_seconds=hour_seconds,
            queue_delay=queue_delay,
            requests_per_second=requests_per_second,
            max_upload_bytes=max_upload_bytes,
            max_pending_requests=max_pending_requests,
            fail_rate=fail_rate,
            refuse_unfinished_delete=refuse_unfinished_delete,
        )
        self._given_dir = Path(data_dir) if data_dir is not None else None
        #: Removes a temporary data_dir at exit, if the emulator was never stopped.
        self._cleanup: weakref.finalize[..., Any] | None = None
        self.data_dir: Path | None = self._given_dir
        self._faults = FaultRegistry()
        self._stats = StatsCounter()
        for fault in faults:
            self._faults.add(fault)
        self._log_level = log_level
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._state: EmulatorState | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None

    @property
    def api_key(self) -> str:
        """The first API key."""
        return self.api_keys[0]

    @property
    def url(self) -> str:
        """The base URL, such as ``http://127.0.0.1:50123``."""
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        """Whether the server is up."""
        return self._server is not None

    def start(self) -> Emulator:
        """Bind the port, start serving and return once requests are answered.

        Raises OSError naming the port when it is in use, and ImportError naming the
        extra to install when Starlette or uvicorn is missing; a temporary data_dir is
        removed again whenever the start fails.
        """
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        try:
            import uvicorn

            from ._app import EmulatorApp
        except ImportError as exc:
            raise ImportError(MISSING_EXTRA, name=exc.name) from exc
        from ._signing import Signer, load_secret
        from ._state import EmulatorState
        from ._store import Store
        from ._worker import Worker

        sock = self._bind()
        if self._given_dir is None:
            self.data_dir = Path(tempfile.mkdtemp(prefix="mistral-emulator-"))
            # A script that never stops its emulator leaves no folder behind either.
            self._cleanup = weakref.finalize(self, shutil.rmtree, self.data_dir, True)
        else:
            self.data_dir = self._given_dir
        store: Store | None = None
        worker: Worker | None = None
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            store = Store(self.data_dir)
            worker = Worker(store, self.settings)
            state = EmulatorState(
                store=store,
                settings=self.settings,
                worker=worker,
                signer=Signer(load_secret(self.data_dir / "signing.key")),
                api_keys=self.api_keys,
                shared=self.workspaces,
                faults=self._faults,
                stats=self._stats,
            )
            config = uvicorn.Config(
                EmulatorApp(state),
                log_level=self._log_level,
                access_log=False,
                lifespan="off",
                timeout_graceful_shutdown=1,
                h11_max_incomplete_event_size=64 * 1024,
            )
            server = uvicorn.Server(config)
            thread = threading.Thread(
                target=self._serve, args=(server, sock), name="emulator-http", daemon=True
            )
            worker.start()
            thread.start()
            deadline = time.monotonic() + _STARTUP_TIMEOUT
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError("the emulator's server did not start")
                time.sleep(0.002)
        except BaseException:
            if worker is not None:
                worker.stop()
            if store is not None:
                store.close()
            sock.close()
            self._remove_temporary_dir()
            raise
        self._server, self._thread, self._state = server, thread, state
        return self

    def _bind(self) -> socket.socket:
        """A listening socket on host and port (port 0: a free one, then recorded)."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP named explicitly: asyncio turns Nagle off on each accepted
        # connection only for sockets whose protocol says TCP. Without it, a response's
        # headers and body can leave as two segments held apart by Nagle and delayed
        # ACKs: 40 ms a request.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.bind((self.host, self.port))
            sock.listen(512)
        except OSError as exc:
            sock.close()
            if exc.errno == errno.EADDRINUSE:
                raise OSError(
                    exc.errno, f"port {self.port} is in use on {self.host}: pick another"
                ) from exc
            raise OSError(exc.errno, f"cannot listen on {self.host}:{self.port}: {exc}") from exc
        self.port = sock.getsockname()[1]
        return sock

    def _remove_temporary_dir(self) -> None:
        if self._given_dir is None and self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self.data_dir = None
        if self._cleanup is not None:
            self._cleanup.detach()
            self._cleanup = None

    def _serve(self, server: uvicorn.Server, sock: socket.socket) -> None:
        try:
            asyncio.run(self._serve_until_stopped(server, sock))
        finally:
            sock.close()

    async def _serve_until_stopped(self, server: uvicorn.Server, sock: socket.socket) -> None:
        """uvicorn's ``serve`` with a quick stop: its own loop polls every 0.1 s and then
        pauses 0.1 s more on shutdown, which adds up over a test suite's many emulators."""
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        config = server.config
        if not config.loaded:
            config.load()
        server.lifespan = config.lifespan_class(config)
        await server.startup(sockets=[sock])
        while not self._stopping.is_set():
            await server.on_tick(0)  # refreshes the Date header
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), 1.0)
        for listener in server.servers:
            listener.close()
        state = server.server_state
        for connection in list(state.connections):
            connection.shutdown()
        deadline = time.monotonic() + 0.5
        while (state.connections or state.tasks) and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        for task in list(state.tasks):
            task.cancel()

    def stop(self) -> None:
        """Stop serving, let the worker save its progress, and remove a temporary data_dir."""
        server, thread, state = self._server, self._thread, self._state
        if server is None or thread is None or state is None:
            return
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None:
            loop.call_soon_threadsafe(stopping.set)
        thread.join(timeout=10)
        state.worker.stop()
        state.store.close()
        self._server = self._thread = self._state = None
        self._loop = self._stopping = None
        self._remove_temporary_dir()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # Faults and counters

    def inject(
        self,
        operation: str = "*",
        *,
        count: int | None = 1,
        status: int | None = None,
        retry_after: float | None = None,
        retry_after_date: bool = False,
        delay: float = 0.0,
        late: float = 0.0,
        reset: bool = False,
        truncate: bool = False,
        html: bool = False,
        drop_after: int | None = None,
        unknown_enums: bool = False,
        extra_fields: bool = False,
        lag: float = 0.0,
        encoding: str | None = None,
        drip: float = 0.0,
    ) -> Fault:
        """Break the next ``count`` requests of ``operation`` (an operationId, or ``"*"``).

        The effects are those of :class:`Fault`; for example
        ``emu.inject("get_batch_job", status=503, count=2)``,
        ``emu.inject("list_files", status=429, retry_after=1)`` or
        ``emu.inject("download_file", drop_after=1000)``, or
        ``emu.inject("list_batch_jobs", lag=2, count=None)`` (a listing that lags
        behind creates by two seconds), ``emu.inject("get_batch_job", encoding="gzip")``
        or ``emu.inject("retrieve_file", drip=0.5)``. Raises ValueError for a rule
        without an effect or with effects that exclude each other.
        """
        fault = Fault(
            operation=operation,
            count=count,
            status=status,
            retry_after=retry_after,
            retry_after_date=retry_after_date,
            delay=delay,
            late=late,
            reset=reset,
            truncate=truncate,
            html=html,
            drop_after=drop_after,
            unknown_enums=unknown_enums,
            extra_fields=extra_fields,
            lag=lag,
            encoding=encoding,
            drip=drip,
        )
        return self._faults.add(fault)

    def add_fault(self, fault: Fault) -> Fault:
        """Activate a prepared :class:`Fault`."""
        return self._faults.add(fault)

    def clear_faults(self) -> None:
        """Remove every fault rule."""
        self._faults.clear()

    def active_faults(self) -> list[dict[str, Any]]:
        """The fault rules still active, with the requests each has left."""
        return self._faults.active()

    def set_range_support(self, enabled: bool) -> None:
        """Honour (True, the default) or ignore ``Range`` headers on downloads."""
        with self.settings.lock:
            self.settings.range_support = enabled

    def set_requests_per_second(self, rate: float | None) -> None:
        """Change how fast jobs run (None: as fast as possible)."""
        with self.settings.lock:
            self.settings.requests_per_second = rate
        if self._state is not None:
            self._state.worker.wake()

    @property
    def stats(self) -> EmulatorStats:
        """Requests served per operation and faults injected per kind."""
        return self._stats.snapshot()

    def reset_stats(self) -> None:
        """Set the counters back to zero."""
        self._stats.reset()
