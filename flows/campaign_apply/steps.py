"""The `campaign_apply` steps: read the rep's suggestion, ask, disable the losing variant(s).

The suggestion row (`storage.campaign_suggestions`) must be the job user's; variants are letters
("A" is index 0, zero-based as `InstantlyClient.set_variant_disabled` takes them). Each variant is
disabled through `ctx.effect`, so a replayed step does not PATCH again. The key is the org's, as
the digest uses it (`flows.campaign_check.gather.key_holder`).
"""

from __future__ import annotations

from typing import Any

from connectors import instantly_connection
from flows.briefs_common import job_user
from flows.campaign_check.gather import key_holder
from orchestrator.context import StepContext
from storage.crypto import settings_cipher
from storage.instantly_models import CampaignSuggestion


async def load_suggestion(ctx: StepContext) -> dict[str, Any]:
    sid = int(ctx.payload.get("suggestion_id") or 0)
    async with ctx.db.session() as s:
        row = await s.get(CampaignSuggestion, sid)
    if row is None or row.user_id != ctx.user_id:
        return {"missing": True}
    variants = [v for v in row.variants.split(",") if v]
    return {"missing": False, "suggestion_id": sid, "campaign_id": row.campaign_id,
            "campaign_name": row.campaign_name, "step": row.step, "variants": variants}  # fmt: skip


def review_card(s: dict[str, Any]) -> dict[str, Any]:
    which = ", ".join(s["variants"])
    noun = "variant" if len(s["variants"]) == 1 else "variants"
    return {"title": "Apply the A/B suggestion",
            "text": f"Disable {noun} {which} of step {s['step'] + 1} in {s['campaign_name']}?"}  # fmt: skip


async def disable_losers(ctx: StepContext, s: dict[str, Any]) -> dict[str, Any]:
    user = await job_user(ctx)
    async with ctx.db.session() as session:
        holder = await key_holder(session, user)
        api = None
        if holder is not None:
            api = await instantly_connection.client_for(session,
                                                        cipher=settings_cipher(ctx.settings),
                                                        user_id=holder, settings=ctx.settings)  # fmt: skip
    if api is None:
        raise LookupError("no active Instantly connection in this org")
    done: list[str] = []
    for letter in s["variants"]:
        index = ord(letter) - ord("A")

        async def disable(i: int = index) -> bool:
            await api.set_variant_disabled(s["campaign_id"], s["step"], i, True)
            return True

        await ctx.effect(f"disable:{s['step']}:{index}", disable)
        done.append(letter)
    noun = "Variant" if len(done) == 1 else "Variants"
    await ctx.notify("campaign_apply", f"Done: {noun} {', '.join(done)} of step {s['step'] + 1} "
                     f"in {s['campaign_name']} is off in Instantly.", key="done")  # fmt: skip
    return {"disabled": done}
