"""What the LLM layer loads and whom it talks to, checked in a fresh interpreter.

Offline (`LLM_MODEL` unset): importing `connectors.llm` and building the client must not
import litellm, and `complete` raises `LLMOffline`. With a model: an audit hook on DNS
lookups and socket connects sees nothing but the configured (loopback) server, so a litellm
upgrade that starts fetching price maps or sending telemetry fails here. One subprocess
for both, since importing litellm takes seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from config.settings import Settings
from connectors.llm import LLMClient, LLMError, LLMOffline

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys

    seen = []

    def audit(event, args):
        if event == "socket.getaddrinfo":
            seen.append(["dns", str(args[0])])
        elif event == "socket.connect" and isinstance(args[1], tuple):
            seen.append(["connect", str(args[1][0])])

    sys.addaudithook(audit)

    from config.settings import Settings
    from connectors.llm import LLMClient, LLMOffline

    offline = LLMClient(Settings(_env_file=None), db=None)
    try:
        asyncio.run(offline.complete("intents", {}, org_id=1))
        offline_error = None
    except LLMOffline as exc:
        offline_error = type(exc).__name__
    offline_modules = sorted(m for m in sys.modules if m.split(".")[0] == "litellm")

    from storage.engine import Database
    from storage.migrate import upgrade
    from storage.models import Org
    from tests.fakes.openai_server import FakeOpenAI

    async def online(url):
        upgrade(url)
        db = Database(url)
        async with db.transaction() as s:
            s.add(Org(id=1, name="Acme"))
        async with FakeOpenAI() as fake:
            fake.reply_json({"category": "fyi", "confidence": 0.7})
            settings = Settings(
                _env_file=None, llm_model="openai/test-model", llm_api_base=fake.api_base,
                llm_api_key="sk-test", llm_timeout_s=20,
            )
            client = LLMClient(settings, db)
            answer = await client.complete(
                "email_classification", {"subject": "s", "body": "b"}, org_id=1
            )
        await db.dispose()
        return answer.category

    answer = asyncio.run(online(sys.argv[1]))
    print(json.dumps({
        "offline_error": offline_error,
        "offline_modules": offline_modules,
        "litellm_loaded_online": "litellm" in sys.modules,
        "answer": answer,
        "seen": seen,
    }))
    """
)


def test_offline_imports_no_litellm_and_online_talks_only_to_the_model(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "LITELLM_"))}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, f"sqlite:///{tmp_path / 'iso.db'}"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["offline_error"] == "LLMOffline"
    assert result["offline_modules"] == []
    assert result["litellm_loaded_online"] is True
    assert result["answer"] == "fyi"
    assert result["seen"], "the audit hook saw no connection at all"
    hosts = {host for _, host in result["seen"]}
    assert hosts <= {"127.0.0.1"}, hosts


async def test_offline_complete_raises_a_typed_error() -> None:
    client = LLMClient(Settings(_env_file=None, llm_model=None), db=None)  # type: ignore[arg-type]
    assert not client.enabled
    with pytest.raises(LLMOffline) as info:
        await client.complete("intents", {}, org_id=1)
    assert isinstance(info.value, LLMError) and not info.value.retryable
