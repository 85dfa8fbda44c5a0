"""What the client sends, seen from the other end: a loopback HTTP server that notes each
request (method, path, and headers as spelt on the wire) and answers as the test says;
and a story told once on each client."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from mistral_batch import AsyncMistral, Mistral

#: An answer to a path: status, headers (Content-Length is added), body.
Answer = Callable[[str], tuple[int, dict[str, str], bytes]]


def answering(body: bytes, content_type: str) -> Answer:
    """Answer every request with `body`, a 200 of this content type."""
    return lambda path: (200, {"Content-Type": content_type}, body)


class Serving:
    """A loopback HTTP server answering with `handler` in threads, while in a with block."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.netloc = f"127.0.0.1:{self.server.server_address[1]}"
        self.url = f"http://{self.netloc}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


class Origin(Serving):
    """A loopback server noting each GET as (method, path, headers) and answering it."""

    def __init__(self, answer: Answer) -> None:
        self.received: list[tuple[str, str, dict[str, str]]] = []
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                origin.received.append((self.command, self.path, dict(self.headers.items())))
                status, extra, body = answer(self.path)
                self.send_response(status)
                for name, value in {**extra, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(Handler)


def on_both(make: Callable[[type], Any], act: Callable[[Any], Any]) -> list[Any]:
    """What `act(client)` returns or raises, with a Mistral and with an AsyncMistral."""
    outcomes: list[Any] = []
    with make(Mistral) as client:
        try:
            outcomes.append(act(client))
        except Exception as exc:
            outcomes.append(exc)

    async def in_async() -> None:
        async with make(AsyncMistral) as client:
            try:
                outcomes.append(await act(client))
            except Exception as exc:
                outcomes.append(exc)

    asyncio.run(in_async())
    return outcomes
