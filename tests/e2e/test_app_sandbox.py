"""End to end through the sandbox over real sockets: Socket Mode, /60 help, App Home, a button."""

from __future__ import annotations

import asyncio

import aiohttp

from app import Runtime
from blocks.ids import HomeAction
from tests.e2e.conftest import ALEX, MORGAN, e2e_runtime


async def test_help_is_acked_fast_and_answered(running: Runtime) -> None:
    sb = running.sandbox
    ack = await sb.slash_command(ALEX, "/60", "help")
    assert ack.latency_s < 3.0 and not ack.late
    ephemerals = await sb.wait_for(lambda: sb.ephemerals(ALEX), timeout=15)
    text = str(ephemerals[-1])
    assert "/60 help" in text and "/60 settings" in text


async def test_unknown_subcommand_gets_usage_help(running: Runtime) -> None:
    sb = running.sandbox
    await sb.slash_command(ALEX, "/60", "frobnicate now")
    ephemerals = await sb.wait_for(lambda: sb.ephemerals(ALEX), timeout=15)
    assert "I don't know `frobnicate`" in str(ephemerals[-1])


async def test_home_tab_is_published_with_real_settings(running: Runtime) -> None:
    sb = running.sandbox
    await sb.app_home_opened(ALEX)
    view = await sb.wait_for(lambda: sb.home_view(ALEX), timeout=15)
    text = str(view)
    assert "Sixty for Alex Rivera" in text
    assert "America/New_York" in text and "08:00" in text
    assert "Not connected" in text
    assert "Organisation (admins)" not in text
    publish = sb.calls_to("views.publish")[-1]
    assert publish.ok
    await sb.app_home_opened(MORGAN)
    assert "Organisation (admins)" in str(
        await sb.wait_for(lambda: sb.home_view(MORGAN), timeout=15)
    )


async def test_settings_round_trip_changes_the_home_tab(running: Runtime) -> None:
    sb = running.sandbox
    await sb.app_home_opened(ALEX)
    home = await sb.wait_for(lambda: sb.home_view(ALEX), timeout=15)
    await sb.click(ALEX, home, HomeAction.OPEN_SETTINGS)
    views = await sb.wait_for(lambda: sb.open_views(ALEX), timeout=15)
    modal = views[-1]
    # a bad range is refused in the modal, next to the input
    bad = await sb.submit_view(
        ALEX,
        modal["id"],
        {
            "settings-work-start": {"settings-work-start": "18:00"},
            "settings-work-end": {"settings-work-end": "09:00"},
        },
    )
    assert bad.payload and bad.payload.get("response_action") == "errors"
    assert "settings-work-end" in bad.payload["errors"]
    await sb.submit_view(
        ALEX, modal["id"], {"settings-briefing-time": {"settings-briefing-time": "07:15"}}
    )
    await sb.wait_for(lambda: "07:15" in str(sb.home_view(ALEX)), timeout=15)


async def test_health_and_readiness(running: Runtime) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(running.urls["web"] + "/healthz") as r:
            assert r.status == 200
        async with http.get(running.urls["web"] + "/readyz") as r:
            body = await r.json()
    assert r.status == 200, body
    assert body["checks"]["slack"]["state"] == "connected"
    assert body["checks"]["database"] == "ok"


async def test_watchdog_rebuilds_a_silently_dead_socket(tmp_path, seeded_template) -> None:
    import shutil

    from config import load_settings

    shutil.copy(seeded_template, tmp_path / "sixty.db")
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'sixty.db'}",
        port=0,
        sandbox_port=0,
        data_dir=tmp_path,
        socket_watchdog_s=1.0,
        log_format="text",
    )
    runtime = e2e_runtime(settings)
    await runtime.start()
    try:
        sb = runtime.sandbox
        # The SDK's own monitor is what spins in the wild; take it out so only the watchdog can help.
        client = runtime.socket.handler.client
        client.current_session_monitor.cancel()
        sb.freeze()
        slack = runtime.deps.slack
        async with asyncio.timeout(15):
            await slack.wait_for(lambda s: s.reconnects >= 1 and s.state == "connected")
        ack = await sb.slash_command(ALEX, "/60", "help")
        assert not ack.late
    finally:
        await runtime.stop()
