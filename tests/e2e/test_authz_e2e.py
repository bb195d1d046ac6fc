"""Crafted clicks through the sandbox, over real sockets (issue 11, items 3.7, 3.8, 3.9).

Every action_id and modal registered on the Bolt app is clicked (or submitted) by Jamie with the
ids of Alex's rows, of another org's rows and made-up ids: each is acked at once, Jamie is told
in one clear line that nothing was done, and nothing anywhere changes. Every action is also
clicked with a missing, a non-JSON and a wrong-typed value: acked at once, answered clearly.
The other side: the owner and the owner's manager may act.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from sqlmodel import col, select

from app import Runtime
from blocks.approval_modals import REASON, edit_draft_modal, feedback_modal
from blocks.coaching import NOTE_FIELD, note_modal
from blocks.ids import ApprovalAction, Callback, CoachingAction, ProactiveAction, ScheduleAction
from blocks.proposals import edit_modal as proposal_edit_modal
from bot.authz import REFUSALS
from bot.value_routes import ACTION_VALUES, VIEW_VALUES
from bot.values import PROBLEM, NoValue
from storage.models import (
    CrmFieldChange,
    Deal,
    EmailSend,
    Feedback,
    SequenceJob,
    SlackNotificationSent,
    SlackPendingAction,
    User,
    UserPreferences,
)
from tests.e2e.conftest import ALEX, MORGAN
from tests.flow.test_access import Owned, other_org, owned_rows
from tests.unit.test_manifest import _matcher_constants

JAMIE = "U0SXJAMIE1"
FAST_S = 1.0  # an ack "at once": Slack allows 3 s; ours takes milliseconds
REFUSED = {*REFUSALS.values(), "Only the person this draft belongs to can edit it."}
ELEMENT = {ScheduleAction.TIMEZONE: "static_select", ScheduleAction.CHOOSE: "radio_buttons"}
NOBODY = Owned(
    user_id=0,
    deal=987_654,
    contact=987_654,
    pending="made-up-id",
    job=987_654,
    picker=987_654,
    send=987_654,
    event=987_654,
    message=987_654,
    notification=987_654,
    proposal=987_654,
    campaign_suggestion=987_654,
    coaching_analysis=987_654,
)


def registered(rt: Runtime) -> tuple[set[str], set[str]]:
    """(action_ids, modal callback_ids) registered on the running Bolt app."""
    actions, views = set(), set()
    for listener in rt.bolt._async_listeners:
        for matcher in listener.matchers:
            for kind, value in _matcher_constants(matcher.func):
                if kind == "action":
                    # a keyed listener (blocks.ids.matcher) stands for its plain action id
                    plain = str(value)
                    if plain.startswith("^") and plain.endswith("(:.*)?$"):
                        plain = re.sub(r"\\(.)", r"\1", plain[1 : -len("(:.*)?$")])
                    actions.add(plain)
                elif kind == "view_submission":
                    views.add(str(value))
    return actions, views


PROPOSAL_DRAFT = {
    "sections": [{"key": "summary", "title": "Summary", "text": "Why Sixty."}],
    "line_items": [
        {"sku": "growth", "name": "Growth", "quantity": 10, "unit_price": 720, "total": 7200}
    ],
}


def crafted(action_id: str, o: Owned, jamie: Owned) -> list[tuple[str, list[int]]]:
    """(value, deal ids listed as batch-review rows in the message) naming `o`'s rows."""
    brief = lambda m, c, d: json.dumps({"message_id": m, "contact_id": c, "deal_id": d})  # noqa: E731
    by_action: dict[str, list[tuple[str, list[int]]]] = {
        **{a: [(o.pending, [])] for a in ApprovalAction},
        "job-retry": [(str(o.job), [])],
        "postmeeting-expand-draft": [(o.pending, [])],
        "postmeeting-skip-task": [(f"{o.pending}:1", [])],
        "postmeeting-rollback": [(str(o.job), [])],
        "email-cancel-send": [(str(o.send), [])],
        "sched-way-out": [(f"{o.picker}:later", [])],
        "sched-timezone": [(f"{o.picker}:Europe/Paris", [])],
        **{
            a: [(str(o.picker), [])]
            for a in ("sched-more", "sched-send-email", "sched-send-invite", "sched-handle")
        },
        "proactive-prep": [(str(o.event), [])],
        **{
            a: [(brief(o.message, None, None), [])]
            for a in ("proactive-view-email", "proactive-draft-reply", "proactive-qualify")
        },
        "proactive-check-calendar": [
            (brief(o.message, None, None), []),
            (brief(jamie.message, o.contact, None), []),
            (brief(jamie.message, None, o.deal), []),
        ],
        "proactive-revive": [(str(o.deal), [])],
        "proactive-draft-proposal": [(str(o.deal), [])],
        "proactive-skip-deal": [(str(o.deal), [])],
        "proactive-handle-all": [
            (str(o.deal), []),
            (f"{jamie.deal},{o.deal}", []),
            (str(jamie.deal), [jamie.deal, o.deal]),
        ],
        "proactive-dismiss": [(f"{jamie.deal},{o.deal}", [])],
        "notification-batch-open": [(str(o.notification), [])],
        "proposal-copy-link": [(o.pending, [])],
        "proposal-revoke": [(str(o.proposal), [])],
        "campaign-keep-testing": [(str(o.campaign_suggestion), [])],
        "campaign-apply": [(str(o.campaign_suggestion), [])],
        "coaching-view-call": [(str(o.coaching_analysis), [])],
        "coaching-add-note": [(o.pending, [])],
    }
    return by_action[action_id]


def _element(action_id: str, raw: str | None) -> dict[str, Any]:
    kind = ELEMENT.get(action_id, "button")  # type: ignore[call-overload]
    if kind == "button":
        return {
            "type": "button",
            "action_id": action_id,
            "text": {"type": "plain_text", "text": "Go"},
            **({"value": raw} if raw is not None else {}),
        }
    option: dict[str, Any] = {"text": {"type": "plain_text", "text": "pick"}}
    if raw is not None:
        option["value"] = raw
    return {"type": kind, "action_id": action_id, "options": [option]}


def slow(ack: Any) -> bool:
    """Not acked, acked late, or acked after more than FAST_S."""
    return ack is None or ack.late or ack.latency_s > FAST_S


async def click(
    rt: Runtime, user: str, action_id: str, raw: str | None, rows: list[int] = ()
) -> Any:  # type: ignore[assignment]
    """Post a message holding the crafted element into `user`'s DM and click it; the ack."""
    sb = rt.sandbox
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "block_id": f"deal-{d}",
            "text": {"type": "mrkdwn", "text": "a quiet deal"},
        }
        for d in rows
    ]
    element = _element(action_id, raw)
    blocks.append({"type": "actions", "block_id": "crafted", "elements": [element]})
    msg = sb.workspace.post(
        sb.workspace.im_for(user), text="crafted", blocks=blocks, user=sb.bot_user_id, bot=True
    )
    option = element["options"][0] if "options" in element else None
    try:
        return await sb.click(user, msg["ts"], action_id, selected_option=option, timeout=5)
    except TimeoutError:
        return None  # never acked


async def submit(
    rt: Runtime, user: str, view: dict[str, Any], values: dict[str, Any] | None = None
) -> Any:
    sb = rt.sandbox
    stored = sb.workspace.store_view(user, view)
    sb.workspace.stack(user).append(stored["id"])
    try:
        return await sb.submit_view(user, stored["id"], values, timeout=5)
    except TimeoutError:
        return None  # never acked


async def answer(rt: Runtime, user: str, seen: int) -> str:
    """The next ephemeral line `user` gets after the first `seen` ones."""
    sb = rt.sandbox
    try:
        got = await sb.wait_for(lambda: sb.ephemerals(user)[seen:] or None, timeout=5)
    except TimeoutError:
        return "(no answer)"
    return str(got[0].get("text") or "")


async def snapshot(
    rt: Runtime, people: list[int], pending: list[str], notes: list[int]
) -> dict[str, Any]:
    """Everything a click could start or change (crons' own jobs left out)."""
    async with rt.db.session() as s:
        jobs = (
            await s.exec(select(SequenceJob).where(col(SequenceJob.event_source).like("slack%")))
        ).all()
        gates = (
            await s.exec(select(SlackPendingAction).where(col(SlackPendingAction.id).in_(pending)))
        ).all()
        out = {
            "jobs": sorted(
                (j.id, j.status, j.user_id, j.sequence_type, json.dumps(j.trigger_payload))
                for j in jobs
            ),
            "gates": sorted((g.id, g.status, g.version, json.dumps(g.payload)) for g in gates),
            "sends": sorted((r.id, r.status) for r in (await s.exec(select(EmailSend))).all()),
            "feedback": sorted(
                (r.id, r.user_id, r.pending_action_id)
                for r in (await s.exec(select(Feedback))).all()
            ),
            "crm": sorted((r.id, r.status) for r in (await s.exec(select(CrmFieldChange))).all()),
            "notes": sorted(
                (r.id, str(r.read_at), r.status)
                for r in (
                    await s.exec(
                        select(SlackNotificationSent).where(
                            col(SlackNotificationSent.id).in_(notes)
                        )
                    )
                ).all()
            ),
            "deals": sorted(
                (r.id, r.stage, r.owner_id, r.amount) for r in (await s.exec(select(Deal))).all()
            ),
            "prefs": sorted(
                json.dumps(p.model_dump(mode="json"), sort_keys=True)
                for p in (
                    await s.exec(
                        select(UserPreferences).where(col(UserPreferences.user_id).in_(people))
                    )
                ).all()
            ),
        }
    return out


async def world(rt: Runtime) -> tuple[Owned, Owned, Owned]:
    """Rows of Alex's, of Jamie's and of a user in another org."""
    now = rt.deps.clock()
    async with rt.db.transaction() as s:
        users = {u.slack_user_id: u for u in (await s.exec(select(User))).all()}
        alex = await owned_rows(s, user=users[ALEX], tag="alexauthz", now=now)
        jamie = await owned_rows(s, user=users[JAMIE], tag="jamieauthz", now=now)
        rival = await owned_rows(s, user=await other_org(s), tag="rivalauthz", now=now)
    return alex, jamie, rival


async def test_every_action_refuses_ids_that_are_not_the_clickers(running: Runtime) -> None:
    rt, sb = running, running.sandbox
    alex, jamie, rival = await world(rt)
    actions, views = registered(rt)
    assert actions and views
    missing = actions - set(ACTION_VALUES)
    assert not missing, f"registered actions without a typed value in bot/values.py: {missing}"
    with_ids = sorted(a for a in actions if ACTION_VALUES[a].REFS)
    # What no crafted value can aim elsewhere: the value names no row (the clicker's own data only).
    assert {ProactiveAction.REVIVE, ProactiveAction.CHECK_CALENDAR, ApprovalAction.FEEDBACK} <= set(
        with_ids
    )

    keep = (
        [alex.user_id, rival.user_id],
        [alex.pending, rival.pending],
        [alex.notification, rival.notification],
    )
    before = await snapshot(rt, *keep)
    failures: list[str] = []
    for owner, o in (("alex", alex), ("other org", rival), ("made-up", NOBODY)):
        for action_id in with_ids:
            for raw, rows in crafted(action_id, o, jamie):
                seen = len(sb.ephemerals(JAMIE))
                ack = await click(rt, JAMIE, action_id, raw, rows)
                said = await answer(rt, JAMIE, seen)
                if slow(ack) or said not in REFUSED:
                    failures.append(f"{action_id} with {owner}'s {raw!r}: ack {ack}, said {said!r}")
        for callback, view in (
            (Callback.FEEDBACK, feedback_modal(o.pending).to_dict()),
            (
                Callback.EDIT_DRAFT,
                edit_draft_modal(o.pending, "Hi", "Body", undo_seconds=30).to_dict(),
            ),
            (Callback.PROPOSAL_EDIT, proposal_edit_modal(o.pending, PROPOSAL_DRAFT).to_dict()),
            (CoachingAction.NOTE_MODAL, note_modal(o.pending, "Alex").to_dict()),
        ):
            assert callback in views and VIEW_VALUES[callback].REFS
            seen = len(sb.ephemerals(JAMIE))
            ack = await submit(
                rt, JAMIE, view, {REASON: "Too formal"} if callback == Callback.FEEDBACK
                else {NOTE_FIELD: "Keep going"} if callback == CoachingAction.NOTE_MODAL else None,
            )  # fmt: skip
            said = await answer(rt, JAMIE, seen)
            if slow(ack) or said not in REFUSED:
                failures.append(
                    f"modal {callback} with {owner}'s pending id: ack {ack}, said {said!r}"
                )
    assert not failures, "\n".join(failures)
    # Each answer above came after its handler's last step: nothing was started or changed.
    assert await snapshot(rt, *keep) == before
    assert not [e for e in sb.ephemerals(JAMIE) if "went wrong" in (e.get("text") or "")]


async def test_every_action_acks_at_once_and_answers_a_bad_value(running: Runtime) -> None:
    rt, sb = running, running.sandbox
    actions, views = registered(rt)
    wrong_typed = json.dumps({"message_id": [1], "contact_id": "x", "deal_id": True})
    failures: list[str] = []

    def problems() -> int:
        return sum(1 for e in sb.ephemerals(JAMIE) if e.get("text") == PROBLEM)

    async def answered(before: int) -> bool:
        """One more "not valid" answer (other buttons' own answers may arrive in between)."""
        try:
            await sb.wait_for(lambda: problems() > before, timeout=5)
        except TimeoutError:
            return False
        return True

    for action_id in sorted(actions):
        parses = ACTION_VALUES[action_id] is not NoValue  # the others ignore their value
        for raw in (None, "{bad", wrong_typed):
            before = problems()
            ack = await click(rt, JAMIE, action_id, raw)
            if slow(ack):
                failures.append(f"{action_id} {raw!r}: ack {ack}")
            if parses and not await answered(before):
                failures.append(f"{action_id} {raw!r}: no clear answer")
    for callback in sorted(v for v in views if VIEW_VALUES[v] is not NoValue):
        for raw in ("", "{bad", wrong_typed):
            before = problems()
            view = {
                **feedback_modal("x").to_dict(),
                "callback_id": callback,
                "private_metadata": raw,
            }
            ack = await submit(rt, JAMIE, view, {REASON: "Too formal"})
            if slow(ack) or not await answered(before):
                failures.append(f"modal {callback} {raw!r}: ack {ack} or no clear answer")
    assert not failures, "\n".join(failures)
    async with rt.db.session() as s:
        assert not (await s.exec(select(Feedback))).all()


async def test_owner_and_manager_may_act(running: Runtime) -> None:
    rt, sb = running, running.sandbox
    alex, _jamie, _rival = await world(rt)
    async with rt.db.session() as s:
        morgan = (await s.exec(select(User).where(User.slack_user_id == MORGAN))).one()
    # The manager starts a revival of Alex's deal (for the manager, who approves its draft).
    await click(rt, MORGAN, ProactiveAction.REVIVE, str(alex.deal))
    await sb.wait_for(
        lambda: [m for m in sb.dm_messages(MORGAN) if "Drafting the re-engagement" in m["text"]]
    )
    # Alex looks for times with the contact and deal of his own email.
    seen = len(sb.ephemerals(ALEX))
    value = json.dumps(
        {"message_id": alex.message, "contact_id": alex.contact, "deal_id": alex.deal}
    )
    await click(rt, ALEX, ProactiveAction.CHECK_CALENDAR, value)
    assert await answer(rt, ALEX, seen) == "Looking for times that work…"
    async with rt.db.session() as s:
        jobs = (
            await s.exec(select(SequenceJob).where(col(SequenceJob.event_source).like("slack%")))
        ).all()
    started = {
        (j.user_id, j.sequence_type, json.dumps(j.trigger_payload, sort_keys=True)) for j in jobs
    }
    assert (
        morgan.id,
        "stale_deal_revival",
        json.dumps({"deal_id": alex.deal, "origin": "batch_review"}, sort_keys=True),
    ) in started
    assert (
        alex.user_id,
        "calendar_find_times",
        json.dumps({"contact_id": alex.contact, "deal_id": alex.deal}, sort_keys=True),
    ) in started
    # Feedback on his own draft is recorded and acknowledged.
    ack = await submit(rt, ALEX, feedback_modal(alex.pending).to_dict(), {REASON: "Too formal"})
    assert ack is not None and ack.payload["response_action"] == "update"  # the thank-you view
    await rt.engine.settled()

    async def saved() -> list[Feedback]:
        async with rt.db.session() as s:
            return list((await s.exec(select(Feedback))).all())

    for _ in range(100):  # the save follows the ack
        if await saved():
            break
        await asyncio.sleep(0.02)
    (fb,) = await saved()
    assert (fb.user_id, fb.pending_action_id, fb.subject, fb.reason) == (
        alex.user_id,
        alex.pending,
        "tasks",
        "Too formal",
    )
