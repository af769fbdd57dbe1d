"""Survey figures computed from counts: satisfaction share, NPS, 95 % intervals, change, targets.

The database counts (GROUP BY over indexed columns); this module turns counts into figures, so
the statistics are pure code, unit-tested by hand. Every figure is an unrounded ``Decimal``
computed with 28 significant digits (square roots included: ``Decimal.sqrt`` is correctly
rounded), in percent for shares and in NPS points for NPS. Round only for presentation, with
:func:`round_half_up` or :func:`present`.

Definitions (CONTRACT.md, national method in ``nsi_health_model.json``):

- satisfaction share = answers «Да» / «Скорее да» to ``q1_process`` ÷ its answers that are one of
  the method's four (Да / Скорее да / Скорее нет / Нет) × 100: ``dont_know`` («Затрудняюсь
  ответить») is not in the denominator, and callers pass ``answered`` without it — here, in the Wilson
  interval and in the change tests alike;
- NPS = % promoters (9–10) − % detractors (0–6) of the answers to ``nps``, in [−100, 100];
- suggested target = current + 25 % of the gap to the long-term level (90 % satisfaction,
  30 NPS).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, localcontext
from enum import StrEnum
from typing import overload

from zdrav_shared.targets import suggested_target as shared_suggested_target

Interval = tuple[Decimal, Decimal]

DEFAULT_MINIMUM_SAMPLE = 30
PROMOTER_MIN = 9
"""NPS scores from 9 up are promoters."""
DETRACTOR_MAX = 6
"""NPS scores up to 6 are detractors; 7 and 8 are passives."""

Z95 = Decimal("1.96")
"""Two-sided 95 % quantile of the standard normal distribution."""

LONG_TERM_SATISFACTION = Decimal(90)
LONG_TERM_NPS = Decimal(30)

_HUNDRED = Decimal(100)
_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN)


class NpsCategory(StrEnum):
    """Where an NPS score (0–10) falls."""

    PROMOTER = "promoter"
    PASSIVE = "passive"
    DETRACTOR = "detractor"


def nps_category(score: int) -> NpsCategory:
    """Promoter (9–10), passive (7–8) or detractor (0–6); ``ValueError`` outside 0–10."""
    if isinstance(score, bool) or not 0 <= score <= 10:
        raise ValueError(f"an NPS score is a whole number from 0 to 10, got {score!r}")
    if score >= PROMOTER_MIN:
        return NpsCategory.PROMOTER
    if score <= DETRACTOR_MAX:
        return NpsCategory.DETRACTOR
    return NpsCategory.PASSIVE


@dataclass(frozen=True, slots=True)
class ShareCounts:
    """``positive`` of ``answered`` respondents (for the satisfaction share)."""

    positive: int
    answered: int

    def __post_init__(self) -> None:
        if not 0 <= self.positive <= self.answered:
            raise ValueError(f"need 0 <= positive <= answered, got {self.positive} of {self.answered}")


@dataclass(frozen=True, slots=True)
class NpsCounts:
    """Promoters, passives and detractors among the respondents who answered ``nps``."""

    promoters: int
    passives: int
    detractors: int

    def __post_init__(self) -> None:
        if min(self.promoters, self.passives, self.detractors) < 0:
            raise ValueError("NPS counts cannot be negative")

    @property
    def n(self) -> int:
        """Respondents who answered the NPS question."""
        return self.promoters + self.passives + self.detractors


# -- satisfaction share ----------------------------------------------------------------------------


def satisfaction_share(positive: int, answered: int) -> Decimal | None:
    """Percentage of positive answers, ``None`` when nobody answered."""
    counts = ShareCounts(positive, answered)
    if counts.answered == 0:
        return None
    with localcontext(_CONTEXT):
        return Decimal(counts.positive) * _HUNDRED / Decimal(counts.answered)


def share_ci95(positive: int, answered: int) -> Interval | None:
    """Wilson score 95 % interval of the share, in percent; ``None`` when nobody answered.

    Wilson rather than the normal (Wald) interval because satisfaction shares sit near 90 % and
    samples can be small: Wald collapses to a zero-width interval at 100 % and leaves [0, 100].
    With p = positive/n and z = 1.96::

        centre = (p + z²/2n) / (1 + z²/n)
        half   = z / (1 + z²/n) · √(p(1 − p)/n + z²/4n²)
    """
    counts = ShareCounts(positive, answered)
    if counts.answered == 0:
        return None
    with localcontext(_CONTEXT):
        n = Decimal(counts.answered)
        p = Decimal(counts.positive) / n
        z2 = Z95 * Z95
        denominator = 1 + z2 / n
        centre = (p + z2 / (2 * n)) / denominator
        half = Z95 / denominator * (p * (1 - p) / n + z2 / (4 * n * n)).sqrt()
        point = p * _HUNDRED
        # The interval contains p in exact arithmetic; min/max absorb a last-digit rounding.
        low = min(max(Decimal(0), (centre - half) * _HUNDRED), point)
        high = max(min(_HUNDRED, (centre + half) * _HUNDRED), point)
        return low, high


# -- NPS -------------------------------------------------------------------------------------------


def nps(promoters: int, passives: int, detractors: int) -> Decimal | None:
    """Net Promoter Score: % promoters − % detractors, in [−100, 100]; ``None`` when n is 0."""
    counts = NpsCounts(promoters, passives, detractors)
    if counts.n == 0:
        return None
    with localcontext(_CONTEXT):
        return Decimal(counts.promoters - counts.detractors) * _HUNDRED / Decimal(counts.n)


def _nps_variance(counts: NpsCounts) -> Decimal:
    # Per-respondent variance of a score that is +1 (promoter), 0 (passive) or −1 (detractor):
    # E[X²] − E[X]² = (p_prom + p_det) − (p_prom − p_det)², in proportion units.
    n = Decimal(counts.n)
    promoter_share = Decimal(counts.promoters) / n
    detractor_share = Decimal(counts.detractors) / n
    variance = promoter_share + detractor_share - (promoter_share - detractor_share) ** 2
    return max(variance, Decimal(0))


def nps_ci95(promoters: int, passives: int, detractors: int) -> Interval | None:
    """Normal 95 % interval of the NPS, in NPS points; ``None`` when n is 0.

    NPS is the mean of a trinomial score (+1, 0, −1) times 100, so its variance is
    ``var = (p_prom + p_det − (p_prom − p_det)²) / n`` and the interval is
    ``NPS ± 1.96 · √var · 100``, clipped to [−100, 100]. When everyone gave the same category the
    variance is 0 and the interval is the point itself: the normal approximation says nothing
    there, which is why figures also carry ``sample_ok``.
    """
    counts = NpsCounts(promoters, passives, detractors)
    score = nps(promoters, passives, detractors)
    if score is None:
        return None
    with localcontext(_CONTEXT):
        half = Z95 * (_nps_variance(counts) / Decimal(counts.n)).sqrt() * _HUNDRED
        return max(score - half, -_HUNDRED), min(score + half, _HUNDRED)


# -- change between two periods --------------------------------------------------------------------


def share_change_z(previous: ShareCounts, current: ShareCounts) -> Decimal | None:
    """Two-proportion z statistic (pooled) of current − previous; ``None`` if a sample is empty.

    ``z = (p2 − p1) / √(p(1 − p)(1/n1 + 1/n2))`` with the pooled ``p = (x1 + x2)/(n1 + n2)``.
    When the pooled share is 0 or 1 both samples agree exactly and z is 0.
    """
    if previous.answered == 0 or current.answered == 0:
        return None
    with localcontext(_CONTEXT):
        n1, n2 = Decimal(previous.answered), Decimal(current.answered)
        p1, p2 = Decimal(previous.positive) / n1, Decimal(current.positive) / n2
        pooled = Decimal(previous.positive + current.positive) / (n1 + n2)
        variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
        if variance == 0:
            return Decimal(0)
        return (p2 - p1) / variance.sqrt()


def nps_change_z(previous: NpsCounts, current: NpsCounts) -> Decimal | None:
    """z statistic of the NPS difference; ``None`` if a sample is empty.

    ``z = (NPS2 − NPS1)/100 / √(var1/n1 + var2/n2)`` with the trinomial variances of
    :func:`nps_ci95` (unpooled: the two samples may differ in spread, not only in mean). When
    both variances are 0 (each sample all one category) z is 0 for equal scores and ±Infinity
    otherwise.
    """
    if previous.n == 0 or current.n == 0:
        return None
    with localcontext(_CONTEXT):
        difference = Decimal(current.promoters - current.detractors) / Decimal(current.n) - Decimal(
            previous.promoters - previous.detractors
        ) / Decimal(previous.n)
        variance = _nps_variance(previous) / Decimal(previous.n) + _nps_variance(current) / Decimal(current.n)
        if variance == 0:
            return Decimal(0) if difference == 0 else Decimal("Infinity").copy_sign(difference)
        return difference / variance.sqrt()


@overload
def significant_change(
    previous: ShareCounts, current: ShareCounts, *, minimum_sample: int = DEFAULT_MINIMUM_SAMPLE
) -> bool: ...
@overload
def significant_change(
    previous: NpsCounts, current: NpsCounts, *, minimum_sample: int = DEFAULT_MINIMUM_SAMPLE
) -> bool: ...
def significant_change(
    previous: ShareCounts | NpsCounts,
    current: ShareCounts | NpsCounts,
    *,
    minimum_sample: int = DEFAULT_MINIMUM_SAMPLE,
) -> bool:
    """Whether a share or an NPS changed significantly (|z| > 1.96, two-sided 5 %) between periods.

    Takes two :class:`ShareCounts` (two-proportion z-test, :func:`share_change_z`) or two
    :class:`NpsCounts` (:func:`nps_change_z`). A change is never called significant when either
    sample is below ``minimum_sample``: the normal approximation behind z does not hold there,
    and the figures themselves are flagged ``sample_ok = false``.
    """
    if isinstance(previous, ShareCounts) and isinstance(current, ShareCounts):
        if not (sample_ok(previous.answered, minimum_sample) and sample_ok(current.answered, minimum_sample)):
            return False
        z = share_change_z(previous, current)
    elif isinstance(previous, NpsCounts) and isinstance(current, NpsCounts):
        if not (sample_ok(previous.n, minimum_sample) and sample_ok(current.n, minimum_sample)):
            return False
        z = nps_change_z(previous, current)
    else:
        raise TypeError("compare two ShareCounts or two NpsCounts")
    return z is not None and abs(z) > Z95


# -- targets and samples ---------------------------------------------------------------------------


def suggested_target(current: Decimal | None, long_term: Decimal = LONG_TERM_SATISFACTION) -> Decimal | None:
    """Next target by the national method: current + 25 % of the gap to the long-term level.

    The method's rule (``target_setting_rule`` in ``nsi_health_model.json``): «целевое значение
    … равное текущему уровню удовлетворенности плюс 25 % разницы между уровнем долгосрочного
    ориентира и текущим уровнем» — 60 % today gives 67.5 %. Use ``long_term=LONG_TERM_NPS`` (30)
    for NPS. At or above the long-term level the target is the current value: the method asks the
    best regions to keep their results, and the formula would otherwise lower the bar.
    ``None`` when there is no current value. The rule itself is :func:`zdrav_shared.targets.suggested_target`,
    shared with kpi-api's ``GET /v1/indicators/{code}/suggested-target``.
    """
    with localcontext(_CONTEXT):
        return shared_suggested_target(current, long_term)


def sample_ok(n: int, minimum: int = DEFAULT_MINIMUM_SAMPLE) -> bool:
    """Whether ``n`` respondents are enough to report a figure (default minimum 30)."""
    return n >= minimum


# -- one aggregate row -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GroupFigures:
    """The figures of one aggregate row (one org unit, channel or month), unrounded."""

    n: int
    satisfaction_share: Decimal | None
    satisfaction_ci95: Interval | None
    nps: Decimal | None
    nps_ci95: Interval | None
    promoters: int
    passives: int
    detractors: int
    sample_ok: bool


def group_figures(
    n: int, satisfaction: ShareCounts, nps_counts: NpsCounts, *, minimum_sample: int = DEFAULT_MINIMUM_SAMPLE
) -> GroupFigures:
    """All figures of an aggregate row from its counts: ``n`` responses in the group (those a
    screening «no» keeps out not among them), the ``q1_process`` counts (four-answer) and the NPS
    counts. ``sample_ok`` is judged on ``n``.
    """
    if n < max(satisfaction.answered, nps_counts.n):
        raise ValueError(f"{n} responses cannot hold more answers to one question")
    return GroupFigures(
        n=n,
        satisfaction_share=satisfaction_share(satisfaction.positive, satisfaction.answered),
        satisfaction_ci95=share_ci95(satisfaction.positive, satisfaction.answered),
        nps=nps(nps_counts.promoters, nps_counts.passives, nps_counts.detractors),
        nps_ci95=nps_ci95(nps_counts.promoters, nps_counts.passives, nps_counts.detractors),
        promoters=nps_counts.promoters,
        passives=nps_counts.passives,
        detractors=nps_counts.detractors,
        sample_ok=sample_ok(n, minimum_sample),
    )


# -- presentation ----------------------------------------------------------------------------------


def round_half_up(value: Decimal, places: int = 1) -> Decimal:
    """Round for presentation, halves away from zero (67.25 → 67.3, −6.25 → −6.3)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def present(value: Decimal | None, places: int = 1) -> float | None:
    """A figure as a JSON number: rounded half-up, then a float (whose repr is the same digits).

    The contract wants JSON numbers, and pydantic writes Decimals as strings; a float with at
    most 15 significant digits prints back exactly as the rounded decimal.
    """
    return None if value is None else float(round_half_up(value, places))


def present_interval(interval: Interval | None, places: int = 1) -> tuple[float, float] | None:
    """An interval as two JSON numbers, see :func:`present`."""
    if interval is None:
        return None
    low, high = interval
    return float(round_half_up(low, places)), float(round_half_up(high, places))
