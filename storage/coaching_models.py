"""The SQLModel tables of call coaching: one analysis per (meeting, analysis version) and each
rep's weekly aggregates, recomputed from the analyses. Registered by `storage.models`.

`coaching_analyses` stores the coaching skill's output generically: `metrics` (name -> number,
e.g. `talk_ratio_rep`, `longest_monologue_s`), `questions` ([{utterance, text, kind:
"open"|"closed", discovery: bool}]), `objections` ([{utterance, type, ...}]), `moments` (the
feedback bullets and moments shown to the rep) and `skipped` (metric -> why it was not computed,
e.g. an unsure speaker mapping). A new analysis version adds a row; a version is never rewritten.

`coaching_weekly` is derived data: one row per (rep, week, call type), `call_type` "all" for
every call of the week, `week_start` the Monday of the week in the rep's zone. It is deleted and
rebuilt from the analyses (`storage.coaching.rebuild_weekly`), so rebuilding is idempotent.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import JSONType, UTCDateTime, utcnow

ALL_CALL_TYPES = "all"


class CoachingAnalysis(SQLModel, table=True):
    __tablename__ = "coaching_analyses"
    __table_args__ = (
        UniqueConstraint("meeting_id", "version", name="uq_coaching_analyses_meeting_version"),
        Index("ix_coaching_analyses_user_started", "user_id", "started_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id", index=True)
    user_id: int = Field(foreign_key="users.id")  # the rep on the call
    meeting_id: int = Field(foreign_key="meetings.id", index=True)
    version: int = 1  # the analysis version (the coaching skill's); a new version adds a row
    call_type: str = "other"  # discovery | demo | negotiation | ... (the skill's classification)
    started_at: datetime = Field(sa_type=UTCDateTime)
    duration_s: float = 0.0
    speaker_confidence: float = 0.0  # how sure the rep/prospect mapping is, 0..1
    mapping_sure: bool = False  # role-dependent metrics are only trusted when True
    metrics: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    questions: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    objections: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    moments: list[Any] = Field(default_factory=list, sa_type=JSONType)  # feedback bullets/moments
    skipped: dict[str, str] = Field(default_factory=dict, sa_type=JSONType)  # metric -> reason
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CoachingWeekly(SQLModel, table=True):
    __tablename__ = "coaching_weekly"
    __table_args__ = (
        UniqueConstraint("user_id", "week_start", "call_type", name="uq_coaching_weekly_key"),
        Index("ix_coaching_weekly_org_week", "org_id", "week_start"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id")
    user_id: int = Field(foreign_key="users.id")
    week_start: date  # the Monday of the week, in the rep's zone
    call_type: str = ALL_CALL_TYPES
    meetings: int = 0
    duration_s: float = 0.0  # total analysed call time
    talk_ratio_mean: float | None = None  # over the calls with a talk ratio (not skipped)
    talk_ratio_calls: int = 0
    longest_monologue_mean_s: float | None = None
    longest_monologue_calls: int = 0
    questions: int = 0
    open_questions: int = 0
    open_share: float | None = None  # open / questions; None without questions
    discovery_questions: int = 0
    objections: int = 0
    metric_means: dict[str, float] = Field(default_factory=dict, sa_type=JSONType)  # every metric
    computed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
