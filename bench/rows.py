"""Plausible survey responses: kiosk batch items as a kiosk sends them, and the ``responses`` rows
survey-api stores for them (the columns of ``survey_api.models.SurveyResponse``, computed the way
``ResponseIngestion`` computes them) for the raw baselines and for bulk loading with COPY."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from survey_api.models import SurveyResponse
from survey_api.responses.rules import canonical_body_hash

COLUMNS: tuple[str, ...] = tuple(column.name for column in SurveyResponse.__table__.columns)
SATISFACTION = ("q1_process", "q2_documents", "q3_duration", "q4_simplicity", "q5_support")
ANSWERS = ("yes", "rather_yes", "rather_no", "no", "dont_know")
ANSWER_WEIGHTS = (45, 25, 12, 8, 10)
NPS_WEIGHTS = (3, 1, 1, 2, 2, 4, 6, 10, 16, 22, 33)
COMMENTS = (
    "Долго ждали в очереди к терапевту",
    "Спасибо врачу, всё объяснили",
    "Не работает запись через портал, звонил на +7 900 123-45-67",
    "Мало мест в гардеробе",
)
EXPECTED = (
    "id", "campaign_id", "org_unit_code", "org_unit_path", "channel", "kiosk_id", "submitted_at", "received_at",
    "effective_at", "clock_skew", "month", "quarter", "year", "body_hash", "answers", "has_text",
    "sat1", "sat2", "sat3", "sat4", "sat5", "nps", "entered_by", "screened_out",
)  # fmt: skip
assert COLUMNS == EXPECTED, f"survey_api's responses table changed: {COLUMNS} != {EXPECTED}"


def answers(rng: random.Random, comment_share: float = 0.1) -> dict[str, Any]:
    found: dict[str, Any] = {code: rng.choices(ANSWERS, ANSWER_WEIGHTS)[0] for code in SATISFACTION}
    found["nps"] = rng.choices(range(11), NPS_WEIGHTS)[0]
    if rng.random() < comment_share:
        found["comment"] = rng.choice(COMMENTS)
    return found


def batch_items(rng: random.Random, count: int, now: datetime) -> list[dict[str, Any]]:
    """Kiosk batch items answered over the last few hours (as a kiosk back online would send them)."""
    return [
        {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "submitted_at": (now - timedelta(seconds=rng.randint(60, 6 * 3600))).isoformat(),
            "answers": answers(rng, comment_share=0.0),
        }
        for _ in range(count)
    ]


def stored_row(
    item: dict[str, Any],
    *,
    campaign_id: int,
    org_unit_code: str,
    org_unit_path: str,
    channel: str,
    kiosk_id: str | None,
    received_at: datetime,
    zone: ZoneInfo,
) -> tuple[Any, ...]:
    """The row survey-api stores for a valid item whose clock is right (effective_at = submitted_at)."""
    submitted = datetime.fromisoformat(item["submitted_at"])
    ident = uuid.UUID(item["id"])
    body_hash = canonical_body_hash({"id": ident, "submitted_at": submitted, "answers": item["answers"]})
    local = submitted.astimezone(zone)
    values = item["answers"]
    row = {
        "id": ident,
        "campaign_id": campaign_id,
        "org_unit_code": org_unit_code,
        "org_unit_path": org_unit_path,
        "channel": channel,
        "kiosk_id": kiosk_id,
        "submitted_at": submitted.astimezone(UTC),
        "received_at": received_at,
        "effective_at": submitted.astimezone(UTC),
        "clock_skew": "none",
        "month": f"{local.year}-{local.month:02d}",
        "quarter": f"{local.year}Q{(local.month - 1) // 3 + 1}",
        "year": local.year,
        "body_hash": body_hash,
        "answers": json.dumps(values, ensure_ascii=False),
        "has_text": bool(values.get("comment")),
        **{f"sat{i + 1}": values.get(code) for i, code in enumerate(SATISFACTION)},
        "nps": values.get("nps"),
        "entered_by": "respondent" if channel in ("kiosk", "online") else "operator",
        "screened_out": False,
    }
    return tuple(row[c] for c in COLUMNS)


def bulk_rows(
    rng: random.Random,
    count: int,
    *,
    campaign_id: int,
    units: Sequence[tuple[str, str, str | None]],
    start: datetime,
    days: int,
    zone: ZoneInfo,
) -> Iterator[tuple[Any, ...]]:
    """``count`` plausible stored rows for COPY, answered between ``start`` and ``start + days`` at
    ``units`` (code, path, kiosk id); larger organisations get more responses. The body hash is a
    random 64-hex string (computing the canonical hash would dominate the load time and no query
    reads it)."""
    weights = [1 + (i * 7) % 5 for i in range(len(units))]
    channels = ("kiosk", "kiosk", "kiosk", "online", "phone")
    answer_pool = [(values, json.dumps(values, ensure_ascii=False)) for values in (answers(rng) for _ in range(4096))]
    span = days * 86400
    for _ in range(count):
        code, path, kiosk_id = rng.choices(units, weights)[0]
        channel = rng.choice(channels)
        submitted = start + timedelta(seconds=rng.randrange(span))
        local = submitted.astimezone(zone)
        values, values_json = rng.choice(answer_pool)
        yield (
            uuid.UUID(int=rng.getrandbits(128), version=4),
            campaign_id,
            code,
            path,
            channel,
            kiosk_id if channel == "kiosk" else None,
            submitted,
            submitted + timedelta(seconds=rng.randint(1, 7200)),
            submitted,
            "none",
            f"{local.year}-{local.month:02d}",
            f"{local.year}Q{(local.month - 1) // 3 + 1}",
            local.year,
            f"{rng.getrandbits(256):064x}",
            values_json,
            "comment" in values,
            values["q1_process"],
            values["q2_documents"],
            values["q3_duration"],
            values["q4_simplicity"],
            values["q5_support"],
            values["nps"],
            "operator" if channel == "phone" else "respondent",
            False,
        )
