"""Signed download URLs: an HMAC-signed token that carries a file id and an expiry."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from pathlib import Path

import orjson


def load_secret(path: Path) -> bytes:
    """The signing secret kept in ``path``, made on first use so URLs survive a restart."""
    try:
        secret = path.read_bytes()
        if len(secret) >= 32:
            return secret
    except FileNotFoundError:
        pass
    secret = secrets.token_bytes(32)
    path.write_bytes(secret)
    return secret


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Makes and checks signed tokens."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, payload.encode(), hashlib.sha256).digest())

    def sign(self, file_id: str, expires_at: float) -> str:
        """A token that grants reading ``file_id`` until ``expires_at`` (Unix seconds)."""
        payload = _b64(orjson.dumps({"f": file_id, "e": expires_at, "n": secrets.token_hex(8)}))
        return f"{payload}.{self._mac(payload)}"

    def verify(self, token: str) -> tuple[str, float] | None:
        """The file id and expiry of a genuine token, or None for a forged or broken one."""
        payload, _, mac = token.partition(".")
        if not payload or not mac or not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            data = orjson.loads(_unb64(payload))
            file_id, expires_at = data["f"], data["e"]
        except (ValueError, KeyError, TypeError):
            return None
        if not isinstance(file_id, str) or not isinstance(expires_at, int | float):
            return None
        return file_id, float(expires_at)
