"""A hand-made API on loopback whose files come short, with answers that agree with the cut.

Storage faults and proxies can cut a file and still send a Content-Length that matches
what they send, or end a close-delimited body early; a job's result file can hold fewer
lines than the job counts while its metadata agrees with the file. This server plays
all of them, for the client and for the command, over real sockets (HTTP/1.0: each
answer closes its connection, so a body without Content-Length ends where the server
stops).
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs

KEY = "sk-short-files-0123456789"
INPUT_ID = "11111111-1111-4111-8111-111111111111"
OUTPUT_ID = "22222222-2222-4222-8222-222222222222"
JOB_ID = "33333333-3333-4333-8333-333333333333"


def result_line(index: int) -> bytes:
    """One result line as Mistral writes it."""
    body = {"choices": [{"message": {"role": "assistant", "content": f"answer {index}"}}]}
    line = {
        "id": f"batch-{JOB_ID}-{index}",
        "custom_id": f"r{index}",
        "response": {"status_code": 200, "body": body},
        "error": None,
    }
    return json.dumps(line).encode() + b"\n"


@attrs.define
class Behaviour:
    """What the server says and sends; tests change it before the client asks."""

    #: The file's content as stored (what a full download gives).
    content: bytes = b""
    #: The size the file's metadata gives (None: sent as null).
    meta_bytes: int | None = None
    #: How many bytes each answer to a download sends before stopping (None: all).
    cut_at: int | None = None
    #: Send Content-Length with downloads (False: close-delimited bodies).
    length: bool = True
    #: Honour Range requests with a 206.
    ranges: bool = True
    #: The job's counters once it has finished.
    succeeded: int = 0


def file_json(file_id: str, size: int | None, name: str = "out.jsonl") -> dict[str, Any]:
    return {
        "id": file_id,
        "object": "file",
        "bytes": size,
        "created_at": int(time.time()),
        "filename": name,
        "purpose": "batch",
        "sample_type": "batch_result",
        "source": "mistral",
        "num_lines": None,
    }


def job_json(status: str, succeeded: int) -> dict[str, Any]:
    done = status == "SUCCESS"
    return {
        "id": JOB_ID,
        "object": "batch",
        "input_files": [INPUT_ID],
        "metadata": None,
        "endpoint": "/v1/chat/completions",
        "model": "mistral-small-latest",
        "agent_id": None,
        "output_file": OUTPUT_ID if done else None,
        "error_file": None,
        "errors": [],
        "outputs": None,
        "status": status,
        "created_at": int(time.time()),
        "total_requests": succeeded,
        "completed_requests": succeeded if done else 0,
        "succeeded_requests": succeeded if done else 0,
        "failed_requests": 0,
        "started_at": None,
        "completed_at": int(time.time()) if done else None,
    }


class ShortFiles:
    """The server, started by the `with` block on a free port of 127.0.0.1."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ShortFiles:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def downloads(self) -> int:
        """How many download requests the server answered."""
        return sum(1 for r in self.requests if r.endswith("/content"))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 10.0  # no test waits on a silent client for longer

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _json(self, value: Any, status: int = 200) -> None:
                body = json.dumps(value).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _route(self) -> None:
                server.requests.append(f"{self.command} {self.path}")
                if self.headers.get("Authorization") != f"Bearer {KEY}":
                    self._json({"detail": "Unauthorized"}, 401)
                    return
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                b = server.behaviour
                path = self.path.split("?", 1)[0]
                if self.command == "POST" and path == "/v1/files":
                    self._json(file_json(INPUT_ID, 100, "in.jsonl"))
                elif self.command == "POST" and path == "/v1/batch/jobs":
                    self._json(job_json("QUEUED", b.succeeded))
                elif self.command == "GET" and path == "/v1/batch/jobs":
                    self._json({"data": [], "object": "list", "total": 0})
                elif path == f"/v1/batch/jobs/{JOB_ID}":
                    self._json(job_json("SUCCESS", b.succeeded))
                elif path == f"/v1/files/{OUTPUT_ID}":
                    self._json(file_json(OUTPUT_ID, b.meta_bytes))
                elif path == f"/v1/files/{OUTPUT_ID}/content":
                    self._content(b)
                else:
                    self._json({"detail": "Not Found"}, 404)

            def _content(self, b: Behaviour) -> None:
                start = 0
                asked = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
                if asked and b.ranges:
                    start = int(asked.group(1))
                part = b.content[start:]
                sent = part if b.cut_at is None else part[: b.cut_at]
                self.send_response(206 if start else 200)
                self.send_header("Content-Type", "application/octet-stream")
                if start:
                    end = len(b.content) - 1
                    self.send_header("Content-Range", f"bytes {start}-{end}/{len(b.content)}")
                if b.length:
                    # A cut that agrees with itself: the length of what is sent.
                    self.send_header("Content-Length", str(len(sent)))
                self.end_headers()
                self.wfile.write(sent)

            do_GET = do_POST = do_DELETE = _route

        return Handler


def lines(n: int) -> bytes:
    """A result file of `n` lines."""
    return b"".join(result_line(i) for i in range(n))
