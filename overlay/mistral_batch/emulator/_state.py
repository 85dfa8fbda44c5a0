"""Everything a running emulator shares between its HTTP handlers and its worker."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from ._faults import FaultRegistry, StatsCounter
from ._settings import Settings
from ._signing import Signer
from ._store import Store
from ._worker import Worker


def workspace_of(api_key: str) -> str:
    """The workspace an API key stands for (a hash, so the key is never stored)."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:32]


@dataclass
class EmulatorState:
    """The store, settings, worker, faults and counters of one emulator."""

    store: Store
    settings: Settings
    worker: Worker
    signer: Signer
    api_keys: Iterable[str]
    faults: FaultRegistry = field(default_factory=FaultRegistry)
    stats: StatsCounter = field(default_factory=StatsCounter)
    workspaces: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.workspaces = {key: workspace_of(key) for key in self.api_keys}

    def workspace(self, authorization: str | None) -> str | None:
        """The caller's workspace from an ``Authorization`` header, or None if unknown."""
        if not authorization:
            return None
        scheme, _, key = authorization.strip().partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.workspaces.get(key.strip())
