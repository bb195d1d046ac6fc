"""Win/loss patterns in call metrics, claimed only when there are enough outcomes. Pure; plain
`math` (the app depends on neither numpy nor scipy).

Input: one `DealOutcome` per deal (its CRM stage, `closed_won`/`won` or `closed_lost`/`lost`;
other stages are left out) with its analysed calls' metrics. A deal counts in the comparison when
it is closed and has at least one analysed call.

The gate (the issue's rule): with fewer than `MIN_WON` (50) won or fewer than `MIN_LOST` (150)
lost deals, the report is descriptive only and says so plainly: "Not enough outcomes to claim a
pattern (N won, M lost; 50 and 150 needed)." At or above both, a logistic model is fitted too.

Descriptive comparisons (always): per metric, each deal's mean over its calls, then won vs lost
means with 95% t intervals and the Welch interval for the difference (Welch–Satterthwaite df,
the t quantile from the regularised incomplete beta function); one proportion ("deals where the
rep talked less than half the time") with Wilson intervals per group and the Newcombe interval for
the difference (`skills.ab_stats`).

The model (above the gate): one row per call, outcome = the deal's, covariates = the four
metrics (in the units of `METRICS`) and the call type (indicator per type, the most common type
the reference), fitted by IRLS; standard errors are cluster-robust by deal (calls of one deal
share its outcome), with the G/(G−1) correction. Odds ratios come with 95% intervals; a pattern is
claimed only when the Bonferroni interval over the four metrics (z = 2.498) excludes 1, so four
metrics tested at once do not turn noise into a claim. No convergence (e.g. perfect separation):
no claim. Every comparison and claim names its example calls (`CallRef`): the calls of won deals
furthest in the direction that goes with winning, and of lost deals furthest the other way.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from skills.ab_stats import Z_ALPHA, newcombe_interval, wilson_interval

WON_STAGES = ("closed_won", "won")
LOST_STAGES = ("closed_lost", "lost")
MIN_WON = 50
MIN_LOST = 150
EXAMPLES = 3
Z_FAMILY = 2.497705  # two-sided 0.05 / 4 metrics (Bonferroni)


@dataclass(frozen=True)
class CallMetrics:
    meeting_id: int
    title: str
    call_type: str
    talk_ratio: float | None = None  # rep share of speaking time, 0..1
    questions: int | None = None  # questions the rep asked
    open_share: float | None = None  # open questions / questions, 0..1 (None without questions)
    longest_monologue_s: float | None = None


@dataclass(frozen=True)
class DealOutcome:
    deal_id: int
    deal_name: str
    stage: str  # the CRM deal stage
    calls: tuple[CallMetrics, ...] = ()


@dataclass(frozen=True)
class Metric:
    key: str  # the CallMetrics field
    label: str
    unit: float  # odds ratios are per this much of the metric
    unit_label: str


METRICS: tuple[Metric, ...] = (
    Metric("talk_ratio", "Rep talk ratio", 0.1, "10 points of talk ratio"),
    Metric("questions", "Questions asked", 1.0, "one more question"),
    Metric("open_share", "Share of open questions", 0.1, "10 points of open questions"),
    Metric("longest_monologue_s", "Longest monologue", 60.0, "a minute more of monologue"),
)


@dataclass(frozen=True)
class CallRef:
    meeting_id: int
    title: str
    deal_id: int
    deal_name: str
    outcome: str  # won | lost
    value: float  # the metric's value on this call


@dataclass(frozen=True)
class MeanComparison:
    metric: str
    label: str
    won_n: int  # deals with the metric
    lost_n: int
    won_mean: float | None
    lost_mean: float | None
    won_ci: tuple[float, float] | None  # 95% t interval (None below 2 deals)
    lost_ci: tuple[float, float] | None
    difference: float | None  # won − lost
    difference_ci: tuple[float, float] | None  # 95% Welch
    examples: tuple[CallRef, ...]


@dataclass(frozen=True)
class ProportionComparison:
    metric: str
    label: str
    won_x: int
    won_n: int
    lost_x: int
    lost_n: int
    won_ci: tuple[float, float] | None  # 95% Wilson
    lost_ci: tuple[float, float] | None
    difference: float | None  # won share − lost share
    difference_ci: tuple[float, float] | None  # 95% Newcombe
    examples: tuple[CallRef, ...]


@dataclass(frozen=True)
class OddsRatio:
    metric: str
    label: str
    per: str  # the unit the odds ratio is per
    odds_ratio: float
    ci: tuple[float, float]  # 95%
    family_ci: tuple[float, float]  # Bonferroni over the metrics; decides the claim
    claim: bool
    examples: tuple[CallRef, ...]


@dataclass(frozen=True)
class WinLossReport:
    won: int  # closed deals with at least one analysed call
    lost: int
    calls: int
    enough: bool  # at or above the gate: the model was fitted
    message: str
    comparisons: tuple[MeanComparison, ...]
    proportions: tuple[ProportionComparison, ...]
    model: tuple[OddsRatio, ...] = ()  # empty below the gate or when the fit failed
    model_calls: int = 0  # calls with every metric (the model's rows)
    call_types: tuple[str, ...] = ()  # the model's call types, the reference first
    converged: bool = False


def outcome_of(stage: str) -> str | None:
    s = (stage or "").strip().lower()
    return "won" if s in WON_STAGES else "lost" if s in LOST_STAGES else None


# --------------------------------------------------------------------------- distributions


def _floor(v: float, tiny: float) -> float:
    return v if abs(v) > tiny else tiny


def _betacf(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = _floor(1.0 + aa / c, tiny)
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = _floor(1.0 + aa / c, tiny)
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))  # fmt: skip
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The p-quantile of Student's t with `df` (real, > 0) degrees of freedom, by bisection."""
    if not 0.0 < p < 1.0 or df <= 0:
        raise ValueError("t_quantile needs 0 < p < 1 and df > 0")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        hi *= 2.0
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12 * max(1.0, hi):
            break
    return (lo + hi) / 2.0


def _var(xs: Sequence[float]) -> float:
    m = math.fsum(xs) / len(xs)
    return math.fsum((x - m) ** 2 for x in xs) / (len(xs) - 1)


def mean_interval(xs: Sequence[float]) -> tuple[float, float] | None:
    """95% t interval for the mean (None below two values)."""
    if len(xs) < 2:
        return None
    m = math.fsum(xs) / len(xs)
    half = t_quantile(0.975, len(xs) - 1) * math.sqrt(_var(xs) / len(xs))
    return m - half, m + half


def welch_interval(a: Sequence[float], b: Sequence[float]) -> tuple[float, float] | None:
    """95% Welch interval for mean(a) − mean(b) (None below two values a side)."""
    if len(a) < 2 or len(b) < 2:
        return None
    va, vb = _var(a) / len(a), _var(b) / len(b)
    d = math.fsum(a) / len(a) - math.fsum(b) / len(b)
    se2 = va + vb
    if se2 == 0.0:
        return d, d
    df = se2 * se2 / (va * va / (len(a) - 1) + vb * vb / (len(b) - 1))
    half = t_quantile(0.975, df) * math.sqrt(se2)
    return d - half, d + half


# --------------------------------------------------------------------------- logistic model


@dataclass(frozen=True)
class LogisticFit:
    coef: tuple[float, ...]
    se: tuple[float, ...]
    converged: bool


def _solve(a: list[list[float]], b: list[float]) -> list[float] | None:
    """Solve a·x = b by Gauss–Jordan with partial pivoting; None when singular."""
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        if abs(m[p][c]) < 1e-12:
            return None
        m[c], m[p] = m[p], m[c]
        piv = m[c][c]
        m[c] = [v / piv for v in m[c]]
        for r in range(n):
            if r != c and m[r][c] != 0.0:
                f = m[r][c]
                m[r] = [vr - f * vc for vr, vc in zip(m[r], m[c], strict=True)]
    return [m[i][n] for i in range(n)]


def _inverse(a: list[list[float]]) -> list[list[float]] | None:
    n = len(a)
    cols = []
    for j in range(n):
        col = _solve(a, [1.0 if i == j else 0.0 for i in range(n)])
        if col is None:
            return None
        cols.append(col)
    return [[cols[j][i] for j in range(n)] for i in range(n)]


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def logistic_fit(
    x: Sequence[Sequence[float]],
    y: Sequence[int],
    clusters: Sequence[object] | None = None,
    max_iter: int = 50,
) -> LogisticFit:
    """Logistic regression by IRLS (rows of `x` include the intercept column). Standard errors
    are model-based, or cluster-robust (sandwich, G/(G−1)) when `clusters` labels the rows."""
    k = len(x[0])
    beta = [0.0] * k
    converged = False
    info: list[list[float]] = []
    for _ in range(max_iter):
        p = [_sigmoid(sum(b * v for b, v in zip(beta, row, strict=True))) for row in x]
        info = [[0.0] * k for _ in range(k)]
        score = [0.0] * k
        for row, pi, yi in zip(x, p, y, strict=True):
            w = pi * (1.0 - pi)
            for i in range(k):
                score[i] += row[i] * (yi - pi)
                wi = w * row[i]
                for j in range(i, k):
                    info[i][j] += wi * row[j]
        for i in range(k):
            for j in range(i):
                info[i][j] = info[j][i]
        step = _solve(info, score)
        if step is None:
            break
        beta = [b + d for b, d in zip(beta, step, strict=True)]
        if max(abs(v) for v in beta) > 30.0:  # separation: the estimates run off
            break
        if max(abs(d) for d in step) < 1e-9:
            converged = True
            break
    bread = _inverse(info) if info else None
    if not converged or bread is None:
        return LogisticFit(tuple(beta), tuple(math.inf for _ in beta), False)
    cov = bread
    if clusters is not None:
        p = [_sigmoid(sum(b * v for b, v in zip(beta, row, strict=True))) for row in x]
        sums: dict[object, list[float]] = {}
        for row, pi, yi, g in zip(x, p, y, clusters, strict=True):
            u = sums.setdefault(g, [0.0] * k)
            for i in range(k):
                u[i] += row[i] * (yi - pi)
        g_n = len(sums)
        adj = g_n / (g_n - 1) if g_n > 1 else 1.0
        meat = [[adj * math.fsum(u[i] * u[j] for u in sums.values()) for j in range(k)]
                for i in range(k)]  # fmt: skip
        bm = [[math.fsum(bread[i][t] * meat[t][j] for t in range(k)) for j in range(k)]
              for i in range(k)]  # fmt: skip
        cov = [[math.fsum(bm[i][t] * bread[t][j] for t in range(k)) for j in range(k)]
               for i in range(k)]  # fmt: skip
    se = tuple(math.sqrt(max(cov[i][i], 0.0)) for i in range(k))
    return LogisticFit(tuple(beta), se, True)


# --------------------------------------------------------------------------- the report


def _value(call: CallMetrics, key: str) -> float | None:
    v = getattr(call, key)
    if v is None or isinstance(v, bool) or not math.isfinite(float(v)):
        return None
    return float(v)


def _examples(
    closed: Sequence[tuple[DealOutcome, str]], key: str, higher_wins: bool
) -> tuple[CallRef, ...]:
    """Won deals' calls furthest toward winning, then lost deals' calls furthest the other way."""
    refs: dict[str, list[CallRef]] = {"won": [], "lost": []}
    for deal, outcome in closed:
        for c in deal.calls:
            v = _value(c, key)
            if v is not None:
                refs[outcome].append(CallRef(c.meeting_id, c.title, deal.deal_id, deal.deal_name,
                                             outcome, v))  # fmt: skip
    won = sorted(refs["won"], key=lambda r: (-r.value if higher_wins else r.value, r.meeting_id))
    lost = sorted(refs["lost"], key=lambda r: (r.value if higher_wins else -r.value, r.meeting_id))
    return tuple(won[:EXAMPLES] + lost[:EXAMPLES])


def _deal_mean(deal: DealOutcome, key: str) -> float | None:
    vals = [v for c in deal.calls if (v := _value(c, key)) is not None]
    return math.fsum(vals) / len(vals) if vals else None


def _compare(closed: Sequence[tuple[DealOutcome, str]], m: Metric) -> MeanComparison:
    groups: dict[str, list[float]] = {"won": [], "lost": []}
    for deal, outcome in closed:
        if (v := _deal_mean(deal, m.key)) is not None:
            groups[outcome].append(v)
    won, lost = groups["won"], groups["lost"]
    wm = math.fsum(won) / len(won) if won else None
    lm = math.fsum(lost) / len(lost) if lost else None
    diff = wm - lm if wm is not None and lm is not None else None
    return MeanComparison(
        metric=m.key, label=m.label, won_n=len(won), lost_n=len(lost), won_mean=wm, lost_mean=lm,
        won_ci=mean_interval(won), lost_ci=mean_interval(lost), difference=diff,
        difference_ci=welch_interval(won, lost),
        examples=_examples(closed, m.key, higher_wins=(diff or 0.0) >= 0),
    )  # fmt: skip


UNDER_HALF = "talked_under_half"


def _talk_under_half(closed: Sequence[tuple[DealOutcome, str]]) -> ProportionComparison:
    counts = {"won": [0, 0], "lost": [0, 0]}
    for deal, outcome in closed:
        if (v := _deal_mean(deal, "talk_ratio")) is not None:
            counts[outcome][1] += 1
            counts[outcome][0] += v < 0.5
    (wx, wn), (lx, ln) = counts["won"], counts["lost"]
    diff = wx / wn - lx / ln if wn and ln else None
    return ProportionComparison(
        metric=UNDER_HALF, label="Deals where the rep talked less than half the time",
        won_x=wx, won_n=wn, lost_x=lx, lost_n=ln,
        won_ci=wilson_interval(wx, wn) if wn else None,
        lost_ci=wilson_interval(lx, ln) if ln else None,
        difference=diff, difference_ci=newcombe_interval(wx, wn, lx, ln) if wn and ln else None,
        examples=_examples(closed, "talk_ratio", higher_wins=(diff or 0.0) < 0),
    )  # fmt: skip


def _model(
    closed: Sequence[tuple[DealOutcome, str]],
) -> tuple[tuple[OddsRatio, ...], int, tuple[str, ...], bool]:
    rows: list[tuple[list[float], str, int, int]] = []  # metrics, call type, y, deal
    for deal, outcome in closed:
        for c in deal.calls:
            vals = [_value(c, m.key) for m in METRICS]
            if all(v is not None for v in vals):
                metric_row = [float(v) / m.unit for v, m in zip(vals, METRICS, strict=True)
                              if v is not None]  # fmt: skip
                rows.append((metric_row, c.call_type, int(outcome == "won"), deal.deal_id))
    if not rows:
        return (), 0, (), False
    type_counts = Counter(r[1] for r in rows)
    types = tuple(sorted(type_counts, key=lambda t: (-type_counts[t], t)))
    x = [[1.0, *vals, *(1.0 if ct == t else 0.0 for t in types[1:])] for vals, ct, _, _ in rows]
    fit = logistic_fit(x, [r[2] for r in rows], clusters=[r[3] for r in rows])
    if not fit.converged:
        return (), len(rows), types, False
    out = []
    for i, m in enumerate(METRICS, start=1):
        b, se = fit.coef[i], fit.se[i]
        ci = (math.exp(b - Z_ALPHA * se), math.exp(b + Z_ALPHA * se))
        fam = (math.exp(b - Z_FAMILY * se), math.exp(b + Z_FAMILY * se))
        out.append(OddsRatio(metric=m.key, label=m.label, per=m.unit_label, odds_ratio=math.exp(b),
                             ci=ci, family_ci=fam, claim=fam[0] > 1.0 or fam[1] < 1.0,
                             examples=_examples(closed, m.key, higher_wins=b >= 0)))  # fmt: skip
    return tuple(out), len(rows), types, True


def _fmt_ratio(r: OddsRatio) -> str:
    calls = [f"{e.title} ({e.deal_name}, {e.outcome})" for e in
             (next((e for e in r.examples if e.outcome == o), None) for o in ("won", "lost"))
             if e is not None]  # fmt: skip
    seen = f"; see {' and '.join(calls)}" if calls else ""
    return (f"{r.label}: each {r.per} goes with {r.odds_ratio:.2f} times the odds of winning "
            f"(95% CI {r.ci[0]:.2f}–{r.ci[1]:.2f}){seen}")  # fmt: skip


def win_loss(
    deals: Sequence[DealOutcome], *, min_won: int = MIN_WON, min_lost: int = MIN_LOST
) -> WinLossReport:
    """Compare won and lost deals' call metrics; model them only at or above the gate."""
    closed = [(d, o) for d in deals if d.calls and (o := outcome_of(d.stage)) is not None]
    won = sum(1 for _, o in closed if o == "won")
    lost = len(closed) - won
    calls = sum(len(d.calls) for d, _ in closed)
    comparisons = tuple(_compare(closed, m) for m in METRICS)
    proportions = (_talk_under_half(closed),)
    if won < min_won or lost < min_lost:
        message = (f"Not enough outcomes to claim a pattern ({won} won, {lost} lost; "
                   f"{min_won} and {min_lost} needed).")  # fmt: skip
        return WinLossReport(won, lost, calls, False, message, comparisons, proportions)
    model, n, types, converged = _model(closed)
    claims = [r for r in model if r.claim]
    if not converged:
        message = ("The model could not be fitted on these outcomes (a metric separates won from "
                   "lost completely, or too few complete calls); no pattern is claimed.")  # fmt: skip
    elif claims:
        message = "; ".join(_fmt_ratio(r) for r in claims) + "."
    else:
        message = (f"No pattern stands out ({won} won, {lost} lost): no metric's odds ratio is "
                   "clear of 1 once the four metrics are tested together.")  # fmt: skip
    return WinLossReport(won, lost, calls, True, message, comparisons, proportions, model, n,
                         types, converged)  # fmt: skip
