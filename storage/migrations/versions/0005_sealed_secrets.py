"""Seal the webhook and OAuth-flow secrets that were stored in plaintext.

`mailbox_states.client_state` (Graph `clientState`), `calendar_sync_states.channel_token`
(Google channel token or Graph `clientState`) and `oauth_states.code_verifier` (PKCE, with
the copy inside an MSAL `flow` moved out of the JSON) are encrypted with the install's key
(`storage.crypto.TokenCipher.seal`). A value that already decrypts is left alone, so a
re-run is harmless; the downgrade reveals them again. The schema does not change.

The key: `storage.migrate.upgrade(..., secret_key=...)` passes the app's; otherwise it comes
from the environment's settings (ENCRYPTION_KEY, or `secret.key` in DATA_DIR). It is only
loaded when a row holds a secret.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from storage.crypto import TokenCipher
from storage.types import JSONType

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# (table, primary key column, secret column)
SECRETS = (
    ("mailbox_states", "connection_id", "client_state"),
    ("calendar_sync_states", "id", "channel_token"),
    ("oauth_states", "state", "code_verifier"),
)


def _cipher_loader() -> Callable[[], TokenCipher]:
    made: list[TokenCipher] = []

    def cipher() -> TokenCipher:
        if not made:
            key = context.config.attributes.get("secret_key")
            if key is None:
                from config.settings import Settings
                from storage.crypto import settings_cipher

                made.append(settings_cipher(Settings()))
            else:
                made.append(TokenCipher(key() if callable(key) else key))
        return made[0]

    return cipher


def _rows(table: str, pk: str, column: str) -> list[Any]:
    t = sa.table(table, sa.column(pk), sa.column(column))
    return list(op.get_bind().execute(sa.select(t.c[pk], t.c[column]).where(t.c[column].is_not(None))))


def _set(table: str, pk: str, column: str, key: Any, value: str | None) -> None:
    t = sa.table(table, sa.column(pk), sa.column(column))
    op.get_bind().execute(sa.update(t).where(t.c[pk] == key).values({column: value}))


def _flows() -> tuple[Any, list[Any]]:
    t = sa.table("oauth_states", sa.column("state"), sa.column("code_verifier"),
                 sa.column("flow", JSONType))  # fmt: skip
    return t, list(op.get_bind().execute(sa.select(t.c.state, t.c.code_verifier, t.c.flow)))


def upgrade() -> None:
    cipher = _cipher_loader()
    for table, pk, column in SECRETS:
        for key, value in _rows(table, pk, column):
            if cipher().reveal(value) is None:  # plaintext: seal it
                _set(table, pk, column, key, cipher().seal(value))
    t, rows = _flows()
    for state, _, flow in rows:
        if isinstance(flow, dict) and "code_verifier" in flow:
            kept = {k: v for k, v in flow.items() if k != "code_verifier"}
            op.get_bind().execute(sa.update(t).where(t.c.state == state).values(flow=kept))


def downgrade() -> None:
    cipher = _cipher_loader()
    for table, pk, column in SECRETS:
        for key, value in _rows(table, pk, column):
            revealed = cipher().reveal(value)
            if revealed is not None:
                _set(table, pk, column, key, revealed)
    t, rows = _flows()
    for state, verifier, flow in rows:
        if isinstance(flow, dict) and flow and verifier and "code_verifier" not in flow:
            op.get_bind().execute(sa.update(t).where(t.c.state == state)
                                  .values(flow={**flow, "code_verifier": verifier}))  # fmt: skip
