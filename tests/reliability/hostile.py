"""A hostile server on loopback: each request is answered by a script, over a raw socket.

The emulator is a well-behaved server with faults; these are servers that lie, stall,
redirect and echo in ways no fault rule describes. Every socket has a timeout, and the
server stops its threads when the block ends, so a test cannot hang on it.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import attrs

#: The longest any socket of these servers waits; a test is over long before.
SOCKET_TIMEOUT = 10.0


@attrs.frozen
class Received:
    """One request as the server read it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


#: Answers one request on its connection: write to the socket, sleep, close...
Script = Callable[[Received, socket.socket], None]

_SERVING = threading.local()


def pause(seconds: float) -> None:
    """Sleep in a script; cut short (OSError) when its server stops, so no test waits on it."""
    stop: threading.Event | None = getattr(_SERVING, "stop", None)
    if stop is None:
        time.sleep(seconds)
    elif stop.wait(seconds):
        raise ConnectionAbortedError("the server is stopping")


def _read_request(conn: socket.socket) -> Received | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while not rest.endswith(b"0\r\n\r\n"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            rest += chunk
    else:
        length = int(headers.get("content-length", "0") or 0)
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            rest += chunk
    return Received(method, path, headers, rest)


def answer(
    conn: socket.socket,
    status: int,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    length: bool = True,
) -> None:
    """Write a whole response; Content-Length is the body's unless `headers` says otherwise."""
    fields = {"Content-Type": "application/json"}
    if length:
        fields["Content-Length"] = str(len(body))
    fields.update(headers or {})
    head = f"HTTP/1.1 {status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items())
    conn.sendall(head.encode("latin-1") + b"\r\n" + body)


def job_answer(**changes: Any) -> dict[str, Any]:
    """A finished batch job as the API answers it, with `changes` made."""
    return {
        "id": "job-1",
        "object": "batch",
        "input_files": ["file-1"],
        "endpoint": "/v1/chat/completions",
        "errors": [],
        "status": "SUCCESS",
        "created_at": 1,
        "total_requests": 1,
        "completed_requests": 1,
        "succeeded_requests": 1,
        "failed_requests": 0,
        **changes,
    }


def file_answer(**changes: Any) -> dict[str, Any]:
    """A stored file of 3 bytes as the API answers it, with `changes` made."""
    return {
        "id": "file-1",
        "object": "file",
        "bytes": 3,
        "created_at": 1,
        "filename": "a.jsonl",
        "purpose": "batch",
        "sample_type": "batch_request",
        "source": "upload",
        **changes,
    }


class Hostile:
    """A server on 127.0.0.1 running `script` for every request; a context manager."""

    def __init__(self, script: Script, *, tls: ssl.SSLContext | None = None) -> None:
        self.script = script
        self._tls = tls
        self.received: list[Received] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self.port = self._listener.getsockname()[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        for conn in list(self._conns):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in list(self._threads):
            thread.join(timeout=SOCKET_TIMEOUT)
        self._listener.close()

    @property
    def stopping(self) -> bool:
        """True once the test is over: scripts that stall should stop."""
        return self._stop.is_set()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(SOCKET_TIMEOUT)
            if self._tls is not None:
                try:
                    conn = self._tls.wrap_socket(conn, server_side=True)
                except OSError:
                    conn.close()
                    continue
            self._conns.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket) -> None:
        _SERVING.stop = self._stop
        with conn:
            while not self._stop.is_set():
                try:
                    request = _read_request(conn)
                except OSError:
                    return
                if request is None:
                    return
                self.received.append(request)
                try:
                    self.script(request, conn)
                except Exception:  # a broken script, or the client gone: end this connection
                    return
                if request.headers.get("connection", "").lower() == "close":
                    return


def self_signed(folder: Path) -> tuple[ssl.SSLContext, ssl.SSLContext] | None:
    """A server context and a client context trusting it, for 127.0.0.1 (None: no openssl)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = [
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        "-keyout", str(key), "-out", str(cert),
    ]  # fmt: skip
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client
