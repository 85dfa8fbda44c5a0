"""What the Mistral and AsyncMistral clients share: how they print, their server, deadlines."""

from __future__ import annotations

import contextlib
import time

from ._config import ClientConfig, _seconds, shown_url
from ._deadline import scope


class ClientBase:
    """The configuration a client was made with, and what it offers besides resources."""

    _config: ClientConfig

    def __repr__(self) -> str:
        return f"{type(self).__name__}(server_url={self.server_url!r})"

    @property
    def server_url(self) -> str:
        """The API's base URL, without any user or password it was given with."""
        return shown_url(self._config.server_url)

    def deadline(self, seconds: float) -> contextlib.AbstractContextManager[None]:
        """A block whose operations, retries and downloads included, end within `seconds`.

        ``with client.deadline(30): client.files.retrieve(file_id)``; an operation that
        cannot finish in time raises APITimeoutError. Blocks nest: the earliest holds.
        """
        checked = _seconds(seconds, "seconds")
        assert checked is not None  # a number was given
        return scope(time.monotonic() + checked)
