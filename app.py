"""Sixty's composition root: wiring only.

settings -> storage (migrations applied) -> Slack client and Bolt `AsyncApp` -> aiohttp web
app (webhooks, /healthz, /readyz, /slack/events in HTTP mode) -> APScheduler -> orchestrator
workers. Three modes, chosen from settings: Socket Mode (SLACK_APP_TOKEN), HTTP mode
(SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET) and sandbox (no tokens: a local Slack on loopback).

`python app.py` runs it; SIGTERM/SIGINT stop taking work, finish what is in flight, close.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps, SlackConnectionState
from bot.listeners import register_all
from bot.socket_mode import SocketModeRunner
from bot.web import build_web_app
from config import ConfigError, Mode, Settings, load_settings
from config.logging import configure_logging
from connectors.slack import SlackDelivery
from flows.registry import CRON_SOURCES, build_registry
from orchestrator.crons import interval_trigger
from orchestrator.crons import register_crons as fire_once_crons
from orchestrator.engine import Engine
from storage.crypto import load_key
from storage.engine import Database
from storage.migrate import upgrade

log = logging.getLogger("sixty")

SANDBOX_MEETINGBAAS_KEY = "sandbox-meetingbaas-key"
SANDBOX_INSTANTLY_SECRET = "sandbox-instantly-webhook-secret"
INSTANTLY_DEFAULT_BASE = Settings.model_fields["instantly_api_base"].default


def build_slack_client(token: str, base_url: str | None) -> AsyncWebClient:
    """The Web API client: retries 429s (honouring Retry-After) and connection errors."""
    kwargs: dict[str, Any] = {"token": token}
    if base_url:
        kwargs["base_url"] = base_url
    return AsyncWebClient(
        **kwargs,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncConnectionErrorRetryHandler(max_retry_count=3),
        ],
    )


def build_bolt(
    client: AsyncWebClient,
    deps: Deps,
    *,
    signing_secret: str | None,
    process_before_response: bool = False,
) -> AsyncApp:
    bolt = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        # HTTP mode: /slack/events checks the signature on the raw body, on the process's clock,
        # before Bolt sees anything (bot/slack_http.py); Socket Mode and the sandbox are unsigned.
        request_verification_enabled=False,
        process_before_response=process_before_response,
        raise_error_for_unhandled_request=False,
    )
    register_all(bolt, deps)
    return bolt


@dataclass
class Runtime:
    """Everything the process runs, started and stopped in order."""

    settings: Settings
    # The one clock of the process (`Deps.clock`, the engine, planners, crons, SQLite's job
    # times); tests inject a fixed instant here. None: the wall clock.
    clock: Callable[[], datetime] | None = None
    # False: crons and planners are planned but the scheduler is not started and nothing is
    # caught up at start, so nothing posts on its own (tests drive them through the planner).
    run_crons: bool = True
    db: Database | None = None
    deps: Deps | None = None
    bolt: AsyncApp | None = None
    client: AsyncWebClient | None = None
    sandbox: Any = None
    instantly: Any = None  # sandbox mode: the Instantly fake with the demo campaign
    hubspot_fake: Any = None
    socket: SocketModeRunner | None = None
    scheduler: AsyncIOScheduler | None = None
    engine: Engine | None = None
    runner: web.AppRunner | None = None
    urls: dict[str, str] = field(default_factory=dict)

    async def start(self) -> None:
        s = self.settings
        await asyncio.to_thread(
            upgrade, s.database_url, secret_key=lambda: load_key(s.encryption_key, s.data_dir)
        )
        self.db = Database(s.database_url, clock=self.clock)
        state = SlackConnectionState(
            mode=s.mode.value, state="http" if s.mode is Mode.HTTP else "starting"
        )
        self.deps = Deps(settings=s, db=self.db, slack=state)
        if self.clock is not None:
            self.deps.clock = self.clock

        bot_token, app_token, api_url = s.slack_bot_token, s.slack_app_token, s.slack_api_url
        if s.mode is Mode.SANDBOX:
            if not s.meetingbaas_api_key:
                s = self.settings = s.model_copy(
                    update={"meetingbaas_api_key": SANDBOX_MEETINGBAAS_KEY}
                )
                self.deps.settings = s
            if not s.instantly_webhook_secret:  # the panel's "Campaign reply arrives" uses it
                s = self.settings = s.model_copy(
                    update={"instantly_webhook_secret": SANDBOX_INSTANTLY_SECRET}
                )
                self.deps.settings = s
            self.sandbox = await start_sandbox(self.db, s)
            bot_token, app_token, api_url = (
                self.sandbox.bot_token,
                self.sandbox.app_token,
                self.sandbox.api_url,
            )
            self.urls["sandbox"] = self.sandbox.url
            if s.instantly_api_base == INSTANTLY_DEFAULT_BASE:  # not pointed at another Instantly
                today = (self.clock or (lambda: datetime.now(UTC)))().date()
                self.instantly, s = await start_instantly_demo(self.db, s, today)
                self.settings = self.deps.settings = s
            if s.sandbox_hubspot and not s.hubspot_client_id and not s.hubspot_api_base:
                from sandbox.hubspot_demo import start_demo_portal
                from storage.crypto import settings_cipher

                self.hubspot_fake, s = await start_demo_portal(
                    self.db, s, settings_cipher(s), self.deps.clock
                )
                self.settings = self.deps.settings = s
                self.urls["hubspot"] = self.hubspot_fake.url
        assert bot_token is not None
        self.client = build_slack_client(bot_token, api_url)
        self.engine = await start_orchestrator(self.deps, self.client)
        self.bolt = build_bolt(self.client, self.deps, signing_secret=s.slack_signing_secret)

        web_app = build_web_app(self.deps, self.bolt, http_mode=s.mode is Mode.HTTP)
        self.runner = web.AppRunner(web_app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, s.host, s.port)
        await site.start()
        port = self.runner.addresses[0][1] if self.runner.addresses else s.port
        self.urls["web"] = f"http://{s.host}:{port}"
        if self.sandbox is not None:
            add_sample_events(self.sandbox, self.deps, self.urls["web"], self.instantly)

        self.scheduler = AsyncIOScheduler(timezone="UTC")
        register_crons(self.scheduler, self.deps, self.engine, catch_up=self.run_crons)
        if self.run_crons:
            self.scheduler.start()

        if app_token:
            self.socket = SocketModeRunner(
                self.bolt, app_token, state, quiet_after_s=s.socket_watchdog_s
            )
            await self.socket.start()
        # What start-up built lives as long as the process: keep it out of every later full
        # collection, whose pause (~0.2 s once a long call's objects tip it) would stall the loop.
        gc.collect()
        gc.freeze()

    async def stop(self) -> None:
        """Stop taking work, finish what is in flight, close sockets."""
        gc.unfreeze()  # what start froze can be collected again once this runtime is gone
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self.deps is not None and self.deps.proactive_planner is not None:
            self.deps.proactive_planner.detach()
        if self.socket is not None:
            await self.socket.stop()
        if self.engine is not None:
            await self.engine.stop()
        if self.runner is not None:
            await self.runner.cleanup()
        if self.sandbox is not None:
            await self.sandbox.stop()
        if self.instantly is not None:
            await self.instantly.stop()
        if self.hubspot_fake is not None:
            await self.hubspot_fake.stop()
        if self.client is not None and self.client.session is not None:
            with contextlib.suppress(Exception):
                await self.client.session.close()
        if self.db is not None:
            await self.db.dispose()


async def start_sandbox(db: Database, settings: Settings) -> Any:
    """The local Slack for `make run` and tests, seeded with the org's users."""
    from sandbox.server import Sandbox
    from storage.demo import demo_users

    async with db.session() as s:
        users = await demo_users(s)
    sandbox = Sandbox(team_name="Sixty Demo", users=users)
    await sandbox.start(host=settings.host, port=settings.sandbox_port)
    return sandbox


DEMO_CAMPAIGN = "Q4 founders outbound (demo)"


async def start_instantly_demo(
    db: Database, settings: Settings, today: date
) -> tuple[Any, Settings]:
    """Sandbox mode: the Instantly fake on loopback (`sandbox.instantly_fake`) with a demo
    campaign sending from the first demo rep's mailbox (two subject-line variants, a week of
    analytics, three replies: interested, a meeting ask, not interested), the rep's org connected
    to it with the fake's key; the settings point the app at it."""
    from connectors.instantly_connection import save_api_key
    from sandbox.instantly_fake import FakeInstantly
    from storage.crypto import settings_cipher
    from storage.models import User

    fake = await FakeInstantly().start()
    settings = settings.model_copy(update={"instantly_api_base": fake.url})
    async with db.transaction() as s:
        from sqlmodel import col, select

        rep = (await s.exec(select(User).where(col(User.role) == "rep", col(User.active))
                            .order_by(col(User.id)))).first()  # fmt: skip
        if rep is None or rep.id is None:
            return fake, settings
        await save_api_key(s, cipher=settings_cipher(settings), org_id=rep.org_id, user_id=rep.id,
                           api_key=fake.api_key)  # fmt: skip
    seed_demo_campaign(fake, rep.email, today)
    return fake, settings


def seed_demo_campaign(fake: Any, mailbox: str, today: date) -> str:
    """The demo campaign in the fake (see `start_instantly_demo`), with daily rows for the ten
    days before `today`; returns its id."""
    fake.add_account(mailbox, "Demo", "Rep")
    cid: str = fake.add_campaign(DEMO_CAMPAIGN, accounts=[mailbox], steps=[
        [("Quick question about {{companyName}}", "Hi {{firstName}}, ..."),
         ("{{firstName}}, 15 minutes?", "Hi {{firstName}}, ...")],
        [("Following up", "Bumping this up.")],
    ])  # fmt: skip
    # one day's counters (the fake answers every date range with them)
    fake.set_analytics(cid, new_leads_contacted_count=160, emails_sent_count=240,
                       reply_count_unique=8, reply_count_automatic_unique=1,
                       total_interested=2, bounced_count=3, unsubscribed_count=0)  # fmt: skip
    fake.set_step_rows(cid, [
        {"step": "0", "variant": "0", "sent": 900, "unique_replies": 14},
        {"step": "0", "variant": "1", "sent": 900, "unique_replies": 26},
        {"step": "1", "variant": "0", "sent": 50, "unique_replies": 0},
    ])  # fmt: skip
    fake.set_daily_rows(cid, [
        {"date": (today - timedelta(days=d)).isoformat(), "sent": 230 - 4 * d,
         "unique_replies": 6, "unique_replies_automatic": 1} for d in range(1, 11)
    ])  # fmt: skip
    replies = (
        ("dana@northwind.example", "Yes, interested: can you send pricing for 40 seats?"),
        ("li@contoso.example", "Could we do a call Thursday afternoon?"),
        ("sam@fabrikam.example", "Not interested, please remove me."),
    )
    for lead, text in replies:
        fake.add_lead(lead, cid)
        fake.add_email(campaign_id=cid, lead=lead, eaccount=mailbox, text=text, step=0)
    return cid


def add_sample_events(sandbox: Any, deps: Deps, web_url: str, instantly: Any = None) -> None:
    """The sandbox page's panel: sample events that go through the real inbound paths."""
    from bot.sandbox_panel import meeting_ended_handler

    assert deps.settings.meetingbaas_api_key is not None
    sandbox.add_panel_action(
        "Meeting ended",
        meeting_ended_handler(deps, web_url, deps.settings.meetingbaas_api_key),
        description="A recorded sales call ends: recap, follow-up draft, CRM, tasks",
    )
    from bot.sandbox_panel import morning_brief_now_handler

    sandbox.add_panel_action(
        "Morning brief now",
        morning_brief_now_handler(deps),
        description="Today's brief: meetings, emails needing you, pipeline pulse",
    )
    from bot.sandbox_panel import campaign_digest_now_handler

    sandbox.add_panel_action(
        "Campaign digest now",
        campaign_digest_now_handler(deps),
        description="The rep's Instantly campaigns: numbers, alerts, the A/B suggestion",
    )
    if instantly is not None and deps.settings.instantly_webhook_secret:
        from bot.sandbox_panel import campaign_reply_handler

        sandbox.add_panel_action(
            "Campaign reply arrives",
            campaign_reply_handler(deps, web_url, instantly, DEMO_CAMPAIGN),
            description="A lead answers the demo campaign: interested, a meeting ask or not "
            "interested, in turn (an Instantly webhook)",
        )
    from bot.sandbox_panel import email_received_handler

    sandbox.add_panel_action(
        "Email received",
        email_received_handler(deps),
        description="A prospect replies with a question: classified, reply drafted",
    )


async def start_orchestrator(deps: Deps, client: AsyncWebClient) -> Engine:
    """The orchestrator and its workers; deps.orchestrator is what listeners and webhooks call."""
    engine = Engine(
        deps.db, deps.settings, SlackDelivery(client), build_registry(), clock=deps.clock
    )
    deps.orchestrator = engine
    from flows.proposal_generation.views import view_listener

    deps.proposal_view_listeners.append(view_listener(deps))  # "Sarah opened your proposal"
    await engine.start_workers(deps.settings.workers)
    return engine


def register_crons(
    scheduler: AsyncIOScheduler, deps: Deps, engine: Engine | None, *, catch_up: bool = True
) -> None:
    """Every cron in one place, explicit ids, replace_existing (orchestrator/crons.py fires each once).

    `catch_up=False` plans without firing what a restart would catch up (tests drive it)."""
    from bot.middleware import forget_old_events

    scheduler.add_job(
        forget_old_events,
        interval_trigger(hours=6),
        args=[deps],
        id="housekeeping:slack-events",
        replace_existing=True,
    )
    specs = [spec for cron_specs in CRON_SOURCES for spec in cron_specs(deps)]  # flows/registry.py
    fire_once_crons(scheduler, specs, db=deps.db, submit=deps.submit, clock=deps.clock)
    from flows.planner import attach as attach_proactive

    attach_proactive(
        scheduler, deps, catch_up=catch_up
    )  # per-rep / per-meeting jobs planned from the database


async def serve(settings: Settings) -> None:
    runtime = Runtime(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await runtime.start()
        print_banner(settings, runtime.urls)
        await stop.wait()
        log.info("shutting down")
    finally:
        await runtime.stop()
        from orchestrator import offload

        await asyncio.to_thread(offload.shutdown)  # the skills' worker process, if one started


def print_banner(settings: Settings, urls: dict[str, str]) -> None:
    lines = [f"Sixty is running ({settings.mode.value} mode)."]
    if "sandbox" in urls:
        lines.append(f"Open the sandbox workspace: {urls['sandbox']}")
    lines.append(f"Webhooks and health: {urls.get('web')}/healthz")
    print("\n".join(lines), flush=True)


def main() -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
