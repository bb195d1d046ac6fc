"""The undo window every email sent as the rep goes through (DESIGN.md section 4), shared by
`email_send` (the rep's own mailbox) and `instantly_reply` (a campaign reply sent through
Instantly), over an `email_sends` row:

- `open_window`: the undo message (countdown + Cancel send, `blocks.email_send.undo_blocks`),
  then `approved -> scheduled` with `send_after = now + EMAIL_UNDO_SECONDS`
- `wait_window`: parks the job (`DeferDelivery`) until `send_after`; nothing leaves earlier
- `claim`: `scheduled -> sending`, a compare-and-set, so a Cancel send click
  (`bot.email_actions.cancel_send`: `approved|scheduled -> cancelled`) and the send cannot
  both win; the caller sends only when the row it gets back is `sending`
- `show_sent`: the undo message turned into the "sent" confirmation
Nothing here logs bodies or addresses.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from blocks.email_send import sent_blocks, undo_blocks
from orchestrator.context import DeferDelivery, StepContext
from storage import email_sends as sends
from storage.models import EmailSend


async def open_window(ctx: StepContext, send: EmailSend, *, to: list[str], cc: list[str],
                      tz: str, demo: bool = False, via: str = "") -> dict[str, Any]:  # fmt: skip
    """Post the undo message and schedule the send; `{"send_after", "channel", "ts"}`, or
    `{"stop": True, ...}` when the row left `approved` meanwhile. Safe to run again."""
    assert send.id is not None
    window = float(ctx.settings.email_undo_seconds)
    send_after = ctx.now() + timedelta(seconds=window)
    # the notify is recorded once per key: a run again after the transition finds the message
    posted = await ctx.notify("email_undo", f"Sending “{send.subject}” in {round(window)} seconds",
                              undo_blocks(send.id, to=to, cc=cc, subject=send.subject, seconds=window,
                                          send_at=send_after, tz=tz, demo=demo, via=via),
                              key="undo")  # fmt: skip
    where = {"channel": posted.channel, "ts": posted.ts}
    if send.status == sends.SCHEDULED:  # ran again after the transition
        return {"send_after": send.send_after.isoformat() if send.send_after else None, **where}
    async with ctx.db.transaction() as s:
        won = await sends.transition(
            s, send.id, to_state=sends.SCHEDULED, from_states=(sends.APPROVED,),
            detail={"job_id": ctx.job_id, "send_after": send_after.isoformat(), "window_s": window,
                    "recipients": len(to) + len(cc)},
            now=ctx.now(), send_after=send_after, to_addrs=to, cc_addrs=cc)  # fmt: skip
    if not won:
        return {"stop": True, "status": "changed", **where}
    return {"send_after": send_after.isoformat(), **where}


async def wait_window(ctx: StepContext, send_id: int) -> dict[str, Any]:
    """Park until the send's undo window closes (a Cancel in the meantime is seen by `claim`)."""
    async with ctx.db.session() as s:
        send = await sends.get_send(s, send_id)
    if send is None:
        raise LookupError(f"email send {send_id} not found")
    if send.status == sends.SCHEDULED and send.send_after and ctx.now() < send.send_after:
        raise DeferDelivery(send.send_after)
    return {"status": send.status}


async def claim(ctx: StepContext, send_id: int) -> EmailSend:
    """`scheduled -> sending` if still scheduled; the row as it is now (send only if `sending`,
    or `sent` when a run again finds its own send done)."""
    async with ctx.db.transaction() as s:
        await sends.transition(s, send_id, to_state=sends.SENDING, from_states=(sends.SCHEDULED,),
                               detail={"job_id": ctx.job_id}, now=ctx.now())  # fmt: skip
    async with ctx.db.session() as s:
        send = await sends.get_send(s, send_id)
    if send is None:
        raise LookupError(f"email send {send_id} not found")
    return send


async def show_sent(ctx: StepContext, where: dict[str, Any], send: EmailSend, *, tz: str,
                    demo: bool = False, logged_on: str | None = None) -> None:  # fmt: skip
    """Turn the undo message (`where`: its channel and ts) into the "sent" confirmation, once."""
    if ctx.delivery is None or not where.get("channel") or not where.get("ts"):
        return
    blocks = [b.to_dict() for b in sent_blocks(
        to=send.to_addrs, cc=send.cc_addrs, subject=send.subject, at=send.sent_at or ctx.now(),
        tz=tz, demo=demo, logged_on=logged_on)]  # fmt: skip
    delivery = ctx.delivery

    async def update() -> dict[str, str]:
        posted = await delivery.update_message(
            where["channel"], where["ts"], f"Sent: {send.subject}", blocks
        )
        return {"channel": posted.channel, "ts": posted.ts}

    await ctx.effect("sent-message", update)
