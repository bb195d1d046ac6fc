"""Crons for inbound mail (the `email_received` flow's): Gmail watch renewal, Graph subscription renewal, polling fallback.

- `email:gmail_watch` (daily, 03:17 UTC): for every active Google connection, `users.watch`
  again (Gmail drops a watch after 7 days) when a Pub/Sub topic is configured
  (`GOOGLE_PUBSUB_TOPIC`); the answer's history id starts the inbox cursor of a mailbox that
  has none, so the first push only brings mail that arrived after connecting.
- `email:graph_subscriptions` (hourly): `connectors.graph_subscriptions.renew_graph_subscriptions`
  when that module is present.
- `email:poll` (every `EMAIL_POLL_INTERVAL_S` counted from `orchestrator.crons.EPOCH`, only without `PUBLIC_BASE_URL`, i.e. when no
  push can reach this install): one `email_received` event per connected Google and Microsoft
  mailbox, keyed per mailbox and interval, so a fire acted on twice still makes one job (Gmail:
  history from the stored id; Outlook: a Graph inbox delta pass, `fetch.poll_microsoft`; the sandbox's
  demo mailbox: nothing new, so nothing is said). A mailbox's polls share a `series`, so a
  failing mailbox is told to the rep once until a poll succeeds again. It runs in
  the long-lived app process's scheduler (`app.register_crons`), not as a cold-started task.
- `email:graph_missed` (same interval, only WITH `PUBLIC_BASE_URL`): the same poll event for
  each Microsoft mailbox never polled (`mailbox_states.last_polled_at` NULL or no row) — a new
  mailbox (its first pass starts the delta link) or one whose Graph lifecycle `missed`
  notification cleared `last_polled_at` (`bot/webhooks/graph.py`). The pass sets it again.

Each fire is acted on once across processes (`orchestrator.crons`). No address is logged.
"""

from __future__ import annotations

import inspect
import logging
from datetime import datetime
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from connectors.inbox import gmail_client_for, graph_client_for
from orchestrator.crons import CronSpec, interval_trigger
from orchestrator.events import Event, EventSource, EventType
from storage import connections
from storage import email_threads as repo
from storage.crypto import settings_cipher
from storage.models import Connection

log = logging.getLogger(__name__)

POLL_PROVIDERS = ("google", "microsoft")


async def active_mailboxes(db: Any, providers: tuple[str, ...]) -> list[Connection]:
    async with db.session() as s:
        return await connections.active_mailboxes(s, providers=providers)


async def never_polled_graph_mailboxes(db: Any) -> list[Connection]:
    """Active Microsoft mailboxes whose inbox state has no `last_polled_at` (or no row)."""
    async with db.session() as s:
        return await connections.never_polled_graph_mailboxes(s)


def poll_provider(c: Connection) -> str:
    """The provider a poll of this mailbox reads: a sandbox demo mailbox (stored under
    `google`, `meta.demo`) is read as `demo`, never as Gmail with its placeholder tokens."""
    return "demo" if (c.meta or {}).get("demo") else c.provider


def poll_events(conns: list[Connection], fire: datetime) -> list[Event]:
    """One poll per mailbox for this interval (the key makes a second fire a no-op). The polls
    of one mailbox form a series, so a failing mailbox is told to the rep once (`orchestrator.admin`)."""
    stamp = fire.replace(microsecond=0).isoformat()
    return [
        Event(
            type=EventType.EMAIL_RECEIVED,
            source=EventSource.WEBHOOK_EMAIL,
            org_id=c.org_id,
            user_id=c.user_id,
            payload={
                "provider": poll_provider(c),
                "connection_id": c.id,
                "poll": True,
                "fired_at": stamp,
                "series": f"email:poll:{c.id}",
            },
            idempotency_key=f"email_received:poll:{c.id}:{stamp}",
        )
        for c in conns
    ]


async def renew_gmail_watches(deps: Any, now: datetime) -> int:
    """`watch` every Google mailbox again; start cursors that are missing. Returns renewals."""
    topic = getattr(deps.settings, "google_pubsub_topic", None)
    if not topic:
        return 0
    renewed = 0
    for conn in await active_mailboxes(deps.db, ("google",)):
        assert conn.id is not None
        if poll_provider(conn) == "demo":  # no Gmail behind a demo mailbox: nothing to watch
            continue
        try:
            gmail = await gmail_client_for(deps.db, deps.settings, conn.id)
            watch = await gmail.watch(topic)
        except Exception as exc:  # one mailbox failing must not stop the others
            log.info("gmail watch renewal failed",
                     extra={"connection_id": conn.id, "error": type(exc).__name__})  # fmt: skip
            continue
        async with deps.db.transaction() as s:
            state = await repo.mailbox_state(s, conn.id)
            if state.history_id is None:
                state.history_id = watch.history_id
            state.subscription_expires_at = watch.expires_at
            s.add(state)
        renewed += 1
    log.info("gmail watches renewed", extra={"renewed": renewed})
    return renewed


async def renew_graph(deps: Any, now: datetime) -> int:
    try:
        from connectors.graph_subscriptions import renew_graph_subscriptions
    except ImportError:
        return 0

    async def factory(connection_id: int) -> Any:
        return await graph_client_for(deps.db, deps.settings, connection_id)

    base = deps.settings.public_base_url
    kwargs: dict[str, Any] = {"cipher": settings_cipher(deps.settings)}
    params = inspect.signature(renew_graph_subscriptions).parameters
    if base and "notification_url" in params:
        kwargs["notification_url"] = base.rstrip("/") + "/webhooks/graph"
    if base and "lifecycle_url" in params:
        kwargs["lifecycle_url"] = base.rstrip("/") + "/webhooks/graph/lifecycle"
    return int(await renew_graph_subscriptions(deps.db, factory, now, **kwargs))


def cron_specs(deps: Any) -> list[CronSpec]:
    async def gmail_watch(fire: datetime) -> list[Event]:
        await renew_gmail_watches(deps, fire)
        return []

    async def graph_subscriptions(fire: datetime) -> list[Event]:
        await renew_graph(deps, fire)
        return []

    specs = [
        CronSpec("email:gmail_watch", CronTrigger(hour=3, minute=17, timezone="UTC"), gmail_watch),
        CronSpec(
            "email:graph_subscriptions", CronTrigger(minute=41, timezone="UTC"), graph_subscriptions
        ),
    ]
    interval = float(deps.settings.email_poll_interval_s)
    every = interval_trigger(seconds=interval)  # same instants in every process
    if not deps.settings.public_base_url:

        async def poll(fire: datetime) -> list[Event]:
            return poll_events(await active_mailboxes(deps.db, POLL_PROVIDERS), fire)

        specs.append(CronSpec("email:poll", every, poll, misfire_grace_time=max(1, int(interval))))
    else:

        async def missed(fire: datetime) -> list[Event]:
            return poll_events(await never_polled_graph_mailboxes(deps.db), fire)

        specs.append(CronSpec("email:graph_missed", every, missed,
                              misfire_grace_time=max(1, int(interval))))  # fmt: skip
    return specs
