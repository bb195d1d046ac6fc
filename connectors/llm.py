"""The one door to language models: litellm calls with a JSON schema, validated, costed.

`LLMClient(settings, db).complete(purpose, variables, org_id=...)` renders the versioned
prompt for `purpose` (`connectors.llm_prompts`), refuses with `BudgetExceeded` when the
org's spend this month has reached its budget, calls the configured model with a strict
JSON schema, validates the answer with the prompt's pydantic model (one retry with the
validation errors appended), records tokens and cost in the cost ledger in its own short
transaction, and returns the validated model.

Without `LLM_MODEL` the client is offline: `enabled` is False, `complete` raises
`LLMOffline`, and litellm is never imported. Every failure is a subclass of `LLMError`
with a `retryable` flag so the orchestrator can decide to retry later or stop.

Transcript and email text go only to the configured model. Logs carry purpose, prompt
version, model, tokens, cost, latency and outcome, never prompt or answer text.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import os
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from connectors.llm_prompts import Prompt, get_prompt
from connectors.llm_schemas import strict_json_schema
from storage import costs

if TYPE_CHECKING:
    from config.settings import Settings
    from storage.engine import Database

# litellm fetches its price map (and other tables) from GitHub at import unless told not to,
# and loads `.env` from the working directory in its default "DEV" mode. Neither is wanted.
for _flag in (
    "LITELLM_LOCAL_MODEL_COST_MAP",
    "LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS",
    "LITELLM_LOCAL_BLOG_POSTS",
    "LITELLM_LOCAL_AUTOROUTER_PRESETS",
    "LITELLM_LOCAL_POLICY_TEMPLATES",
):
    os.environ.setdefault(_flag, "True")
os.environ.setdefault("LITELLM_MODE", "PRODUCTION")
os.environ.setdefault("LITELLM_TELEMETRY", "False")

log = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER_S = 1.0
MAX_RETRY_AFTER_S = 30.0


# --------------------------------------------------------------------------- errors


class LLMError(Exception):
    """Base of every language-model failure. `retryable`: worth trying again later."""

    retryable = False


class LLMOffline(LLMError):
    """No model configured (`LLM_MODEL` unset): use the offline engine."""


class BudgetExceeded(LLMError):
    """The org has spent its monthly AI budget; no call was made."""

    def __init__(self, *, org_id: int, spent_usd: float, budget_usd: float, period: str) -> None:
        super().__init__(f"org {org_id} spent {spent_usd:.4f} of {budget_usd:.2f} USD in {period}")
        self.org_id = org_id
        self.spent_usd = spent_usd
        self.budget_usd = budget_usd
        self.period = period


class LLMTimeout(LLMError):
    """The model did not answer within the per-call timeout."""

    retryable = True


class LLMRateLimited(LLMError):
    """The provider rate-limited us again after we waited out its Retry-After once."""

    retryable = True

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class LLMUnavailable(LLMError):
    """Server error or connection failure at the provider."""

    retryable = True


class LLMRequestRejected(LLMError):
    """The provider refused the request (auth, bad request, unknown model): retrying won't help."""


class LLMInvalidOutput(LLMError):
    """The answer failed validation twice (the first failure was sent back to the model)."""


# --------------------------------------------------------------------------- litellm


# Loggers that write whole requests or answers at DEBUG/INFO, and the least level they keep.
_QUIET_LOGGERS = {
    "LiteLLM": logging.ERROR,
    "LiteLLM Router": logging.ERROR,
    "LiteLLM Proxy": logging.ERROR,
    "openai": logging.WARNING,
}


def _load_litellm() -> Any:
    """Import litellm with its logging (and the OpenAI SDK's) quietened: at DEBUG/INFO they
    log whole prompts and answers, which must never reach our logs, whatever LOG_LEVEL says."""
    os.environ.setdefault("LITELLM_LOG", "ERROR")
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    for name, level in _QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)
    # The first call would otherwise import the OpenAI SDK's resources (hundreds of
    # modules, seconds on a busy host) inside its timeout; pay for them at start-up.
    import openai.resources  # noqa: F401

    return litellm


def _retry_after_seconds(exc: BaseException, now: datetime) -> float | None:
    """Seconds from a 429's Retry-After header (delta-seconds or HTTP date, counted from
    `now`), if any."""
    for headers in (
        getattr(exc, "litellm_response_headers", None),
        getattr(getattr(exc, "response", None), "headers", None),
    ):
        if not headers:
            continue
        value = headers.get("retry-after")
        if value is None:
            continue
        value = str(value).strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            continue
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - now).total_seconds())
    return None


def _answer_text(content: str | None) -> str:
    """The JSON in an answer, tolerating a Markdown code fence around it."""
    text = (content or "").strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text.rsplit("```", 1)[0]
    return text.strip()


def _validation_feedback(exc: ValidationError) -> str:
    """The validation errors without the input values, for the retry message and errors."""
    parts = []
    for err in exc.errors(include_input=False, include_url=False)[:10]:
        loc = ".".join(str(p) for p in err.get("loc", ())) or "(root)"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


# --------------------------------------------------------------------------- client


class LLMClient:
    """Purpose-named, schema-validated, budgeted calls to the configured model."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_retry_after_s: float = MAX_RETRY_AFTER_S,
    ) -> None:
        self.model: str | None = settings.llm_model
        self.api_base = settings.llm_api_base
        self.api_key = settings.llm_api_key
        self.timeout_s = settings.llm_timeout_s
        self.db = db
        self.clock = clock
        self.max_retry_after_s = max_retry_after_s
        price_in = getattr(settings, "llm_input_cost_per_token", None)
        price_out = getattr(settings, "llm_output_cost_per_token", None)
        self.price_override: dict[str, float] | None = (
            {"input_cost_per_token": float(price_in), "output_cost_per_token": float(price_out)}
            if price_in is not None and price_out is not None
            else None
        )
        # Import at start-up rather than on the first call: it takes seconds.
        self._litellm: Any = _load_litellm() if self.model else None

    @property
    def enabled(self) -> bool:
        return self.model is not None

    async def complete(
        self,
        purpose: str,
        variables: Mapping[str, Any],
        *,
        org_id: int,
        user_id: int | None = None,
        job_id: int | None = None,
    ) -> BaseModel:
        """The validated answer of the prompt named `purpose` filled with `variables`."""
        if self.model is None:
            raise LLMOffline("LLM_MODEL is not set")
        prompt = get_prompt(purpose)
        messages = prompt.render(variables)
        await self._check_budget(org_id)

        started = time.perf_counter()
        usage = {"tokens_in": 0, "tokens_out": 0, "cost_usd": 0.0, "calls": 0}
        outcome = "error"
        try:
            answer = await self._complete_validated(prompt, messages, usage)
            outcome = "ok"
            return answer
        except LLMError as exc:
            outcome = type(exc).__name__
            raise
        finally:
            latency_ms = round((time.perf_counter() - started) * 1000, 1)
            if usage["calls"]:
                await self._record(purpose, org_id, user_id, job_id, usage)
            log.info(
                "llm call",
                extra={
                    "purpose": purpose,
                    "prompt_version": prompt.version,
                    "model": self.model,
                    "org_id": org_id,
                    "job_id": job_id,
                    "tokens_in": usage["tokens_in"],
                    "tokens_out": usage["tokens_out"],
                    "cost_usd": usage["cost_usd"],
                    "calls": usage["calls"],
                    "latency_ms": latency_ms,
                    "outcome": outcome,
                },
            )

    # ------------------------------------------------------------------ steps

    async def _check_budget(self, org_id: int) -> None:
        now = self.clock()
        async with self.db.session() as session:
            spent = await costs.month_spend(session, org_id=org_id, now=now)
            budget = await costs.monthly_budget(session, org_id=org_id)
        if spent >= budget:
            raise BudgetExceeded(
                org_id=org_id, spent_usd=spent, budget_usd=budget, period=costs.period_of(now)
            )

    async def _complete_validated(
        self, prompt: Prompt, messages: list[dict[str, str]], usage: dict[str, Any]
    ) -> BaseModel:
        response_format = {
            "type": "json_schema",
            "json_schema": {
                "name": prompt.schema_name,
                "schema": strict_json_schema(prompt.answer),
                "strict": True,
            },
        }
        conversation = list(messages)
        for attempt in (1, 2):
            content = await self._call(conversation, response_format, usage)
            try:
                return prompt.answer.model_validate_json(_answer_text(content))
            except ValidationError as exc:
                problem = _validation_feedback(exc)
            if attempt == 2:
                raise LLMInvalidOutput(
                    f"{prompt.name}: answer failed validation twice ({problem[:300]})"
                )
            conversation = [
                *messages,
                {"role": "assistant", "content": content or ""},
                {
                    "role": "user",
                    "content": "Your answer did not match the required JSON schema: "
                    f"{problem}. Answer again with only the corrected JSON.",
                },
            ]
        raise AssertionError("unreachable")  # pragma: no cover

    async def _call(
        self,
        messages: list[dict[str, str]],
        response_format: dict[str, Any],
        usage: dict[str, Any],
    ) -> str | None:
        """One model call; a 429 is retried once after its Retry-After."""
        litellm = self._litellm
        waited = False
        while True:
            try:
                async with asyncio.timeout(self.timeout_s + 1.0):
                    response = await litellm.acompletion(
                        model=self.model,
                        messages=messages,
                        api_base=self.api_base,
                        api_key=self.api_key,
                        timeout=self.timeout_s,
                        max_retries=0,
                        response_format=response_format,
                    )
            except litellm.RateLimitError as exc:
                delay = _retry_after_seconds(exc, self.clock())
                if waited or (delay is not None and delay > self.max_retry_after_s):
                    raise LLMRateLimited(
                        f"rate limited by {self.model}", retry_after_s=delay
                    ) from None
                waited = True
                await asyncio.sleep(DEFAULT_RETRY_AFTER_S if delay is None else delay)
                continue
            except (litellm.Timeout, TimeoutError):
                raise LLMTimeout(f"{self.model} did not answer in {self.timeout_s}s") from None
            except (
                litellm.AuthenticationError,
                litellm.PermissionDeniedError,
                litellm.BadRequestError,
                litellm.NotFoundError,
            ) as exc:
                raise LLMRequestRejected(
                    f"{self.model} refused the request ({type(exc).__name__})"
                ) from None
            except Exception as exc:  # 5xx, connection errors and litellm's many other kinds
                raise LLMUnavailable(f"{self.model} failed ({type(exc).__name__})") from None
            self._account(response, usage)
            return response.choices[0].message.content

    def _account(self, response: Any, usage: dict[str, Any]) -> None:
        u = getattr(response, "usage", None)
        tokens_in = int(getattr(u, "prompt_tokens", 0) or 0)
        tokens_out = int(getattr(u, "completion_tokens", 0) or 0)
        usage["calls"] += 1
        usage["tokens_in"] += tokens_in
        usage["tokens_out"] += tokens_out
        usage["cost_usd"] += self._cost(response, tokens_in, tokens_out)

    def _cost(self, response: Any, tokens_in: int, tokens_out: int) -> float:
        """USD for one response: litellm's price map, the settings override, or 0.0."""
        try:
            return float(
                self._litellm.completion_cost(
                    completion_response=response,
                    model=self.model,
                    custom_cost_per_token=self.price_override,
                )
            )
        except Exception:  # litellm raises various errors for models it cannot price
            if self.price_override:
                return (
                    tokens_in * self.price_override["input_cost_per_token"]
                    + tokens_out * self.price_override["output_cost_per_token"]
                )
            return 0.0

    async def _record(
        self,
        purpose: str,
        org_id: int,
        user_id: int | None,
        job_id: int | None,
        usage: Mapping[str, Any],
    ) -> None:
        async with self.db.transaction() as session:
            await costs.record_cost(
                session,
                org_id=org_id,
                user_id=user_id,
                job_id=job_id,
                skill=purpose,
                model=self.model or "",
                tokens_in=usage["tokens_in"],
                tokens_out=usage["tokens_out"],
                cost_usd=usage["cost_usd"],
                at=self.clock(),
            )
