"""Encryption at rest for OAuth tokens and webhook secrets (Fernet).

`encrypt`/`decrypt` hold token dicts (`connections.token_encrypted`); `seal`/`reveal` hold one
secret string in a text column: Graph subscription `clientState`, Google channel tokens, the
PKCE verifier of an OAuth flow in progress. A webhook compares what it received with
`reveal(stored)` in constant time (`hmac.compare_digest`); a value that does not decrypt
reveals nothing, so it matches nothing.

The key comes from ENCRYPTION_KEY; in sandbox mode (no key set) one is generated once into
the data folder (`secret.key`, mode 0600) so a restart can still read what it stored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken


class TokenCipher:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def encrypt(self, data: dict[str, Any]) -> bytes:
        return self._fernet.encrypt(json.dumps(data).encode())

    def decrypt(self, token: bytes) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self._fernet.decrypt(token))
            return data
        except InvalidToken:
            raise ValueError("stored token cannot be decrypted with this ENCRYPTION_KEY") from None

    def seal(self, secret: str) -> str:
        """`secret` encrypted, as text for a string column."""
        return self._fernet.encrypt(secret.encode()).decode("ascii")

    def reveal(self, sealed: str | None) -> str | None:
        """The secret `seal` made, or None (nothing stored, or not sealed with this key)."""
        if not sealed:
            return None
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except (InvalidToken, ValueError):
            return None


def settings_cipher(settings: Any) -> TokenCipher:
    """The cipher for an install's settings (`encryption_key`, `data_dir`)."""
    return TokenCipher(load_key(settings.encryption_key, Path(settings.data_dir)))


def load_key(encryption_key: str | None, data_dir: Path) -> bytes:
    if encryption_key:
        return encryption_key.encode()
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process generated it first
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key
