"""Encryption at rest for OAuth tokens (Fernet).

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
            return json.loads(self._fernet.decrypt(token))
        except InvalidToken:
            raise ValueError("stored token cannot be decrypted with this ENCRYPTION_KEY") from None


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
