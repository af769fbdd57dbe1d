"""The national method's target-setting rule, one implementation for every service.

«Целевое значение … равное текущему уровню плюс 25 % разницы между уровнем долгосрочного ориентира и
текущим уровнем» (``target_setting_rule`` of the NSI model): next target = current + 25 % of the gap to
the long-term level. 60 % satisfaction with a long-term 90 % gives 67.5 %.

For a lower-is-better figure (waiting days, minutes) the same arithmetic closes the gap downwards:
30 minutes with a long-term 10 gives 25. A figure already at or beyond its long-term level keeps its
current value as the target: the method asks the best to hold their results, and the formula would
otherwise move the bar back.
"""

from __future__ import annotations

from decimal import Decimal

TARGET_GAP_SHARE = Decimal("0.25")
"""The share of the gap to the long-term level that the next target closes."""


def suggested_target(
    current: Decimal | None,
    long_term: Decimal | None,
    *,
    lower_is_better: bool = False,
    gap_share: Decimal = TARGET_GAP_SHARE,
) -> Decimal | None:
    """Current + ``gap_share`` × (long-term − current), never past the current value in the wrong
    direction; ``None`` without a current value or a long-term level. Unrounded."""
    if current is None or long_term is None:
        return None
    reached = current <= long_term if lower_is_better else current >= long_term
    if reached:
        return current
    return current + gap_share * (long_term - current)
