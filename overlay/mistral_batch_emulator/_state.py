"""Everything a running emulator shares between its HTTP handlers and its worker."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
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
    #: Keys that share a workspace, by the workspace's name; other keys are alone.
    shared: Mapping[str, str] = field(default_factory=dict)
    workspaces: dict[str, str] = field(init=False)
    users: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        # A key is its own user; its workspace is its own unless it shares a named one.
        self.users = {key: workspace_of(key) for key in self.api_keys}
        self.workspaces = {
            key: workspace_of("workspace:" + self.shared[key]) if key in self.shared else user
            for key, user in self.users.items()
        }

    def _key(self, authorization: str | None) -> str | None:
        if not authorization:
            return None
        scheme, _, key = authorization.strip().partition(" ")
        if scheme.lower() != "bearer":
            return None
        return key.strip() or None

    def workspace(self, authorization: str | None) -> str | None:
        """The caller's workspace from an ``Authorization`` header, or None if unknown."""
        key = self._key(authorization)
        return None if key is None else self.workspaces.get(key)

    def user(self, authorization: str | None) -> str | None:
        """The caller (one per key) from an ``Authorization`` header, or None if unknown."""
        key = self._key(authorization)
        return None if key is None else self.users.get(key)
