"""Demo data for ``make run``: a 2025 monitoring campaign on ``nsi-standard`` in Krasnoyarsk and
Murmansk organisations with a few thousand generated responses (seeded, so every run shows the same
figures): some answered on paper and keyed in by staff (``entered_by: operator``, as on the phone),
some «затрудняюсь ответить» beside the four answers, and a few respondents who had not been through
the situation in the last six months (a screening «no»: stored, counted apart as ``screened_out``).

Written through the repositories and the ingestion service, not over HTTP; the kpi-api check of org
units is skipped (their paths come from ``data/demo/org_units.csv``). Idempotent: a second run finds
the campaign and does nothing.
"""

from __future__ import annotations

import csv
import random
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from survey_api.campaigns.context import CampaignCache
from survey_api.campaigns.repository import CampaignRepository
from survey_api.common import DEFAULT_ENTERED_BY, Channel, path_string
from survey_api.models import Campaign, CampaignOrgUnit
from survey_api.questionnaires.repository import QuestionnaireRepository
from survey_api.questionnaires.service import QuestionnaireService
from survey_api.responses.rules import canonical_body_hash
from survey_api.responses.service import Candidate, ClockPolicy, ResponseIngestion
from survey_api.responses.writers import in_session
from zdrav_shared.db import Database

DEMO_UNITS = Path(__file__).resolve().parents[4] / "data" / "demo" / "org_units.csv"
CAMPAIGN_CODE = "demo-2025"
# code → (responses, probability of «Да»/«Скорее да», mean NPS score)
PROFILES: dict[str, tuple[int, float, float]] = {
    "MUR-GP1": (700, 0.82, 8.4),
    "MUR-MON-CGB": (450, 0.64, 6.9),
    "MUR-DGP1": (380, 0.88, 8.8),
    "KYA-GP4": (650, 0.71, 7.6),
    "KYA-GP14": (520, 0.77, 8.0),
    "KYA-NOR-GP1": (300, 0.58, 6.4),
}
CHANNELS = (("kiosk", 0.62), ("online", 0.18), ("phone", 0.1), ("paper", 0.1))
COMMENTS = (
    "Долго ждал приёма, очередь у кабинета",
    "Спасибо врачу, всё объяснили",
    "Не дозвониться в регистратуру, перезвоните мне 8 912 345-67-89",
    "Неудобная запись через Госуслуги",
    "Пишите на patient@example.ru, отвечу подробнее",
    "Чисто и уютно, навигация понятная",
)


def _units() -> dict[str, tuple[list[str], str]]:
    """Lineage and region time zone of every demo org unit."""
    with DEMO_UNITS.open(encoding="utf-8-sig") as file:
        rows = {row["code"]: row for row in csv.DictReader(file)}
    found: dict[str, tuple[list[str], str]] = {}
    for code in rows:
        lineage = [code]
        while parent := rows[lineage[0]]["parent_code"]:
            lineage.insert(0, parent)
        zone = next((rows[c]["timezone"] for c in lineage if rows[c]["timezone"]), "Europe/Moscow")
        found[code] = (lineage, zone)
    return found


def _answers(rng: random.Random, satisfied: float, nps_mean: float) -> dict[str, Any]:
    def satisfaction(p: float) -> str:
        roll = rng.random()
        if roll < 0.04:
            return "dont_know"
        if roll < 0.04 + p * 0.96:
            return "yes" if rng.random() < 0.6 else "rather_yes"
        return "rather_no" if rng.random() < 0.6 else "no"

    answers: dict[str, Any] = {
        "q1_process": satisfaction(satisfied),
        "q2_documents": satisfaction(min(0.95, satisfied + 0.05)),
        "q3_duration": satisfaction(max(0.3, satisfied - 0.12)),
        "q4_simplicity": satisfaction(satisfied),
        "q5_support": satisfaction(min(0.95, satisfied + 0.03)),
        "nps": max(0, min(10, round(rng.gauss(nps_mean, 2.0)))),
    }
    if rng.random() < 0.12:
        answers["comment"] = rng.choice(COMMENTS)
    # Most forms ask the screening question; a few respondents were not in the situation lately.
    roll = rng.random()
    if roll < 0.9:
        answers["screening"] = "yes"
    elif roll < 0.93:
        answers["screening"] = "no"
    return answers


async def load_demo(database_url: str) -> None:
    """Create the demo campaign and its responses unless they exist."""
    database = Database.from_url(database_url)
    try:
        async with database.sessionmaker() as session, session.begin():
            await QuestionnaireService(session).ensure_standard()
            campaigns = CampaignRepository(session)
            if await campaigns.get(CAMPAIGN_CODE) is not None:
                return
            standard = await QuestionnaireRepository(session).latest("nsi-standard", published_only=True)
            assert standard is not None
            campaign = Campaign(
                code=CAMPAIGN_CODE,
                questionnaire_id=standard.id,
                questionnaire_code=standard.code,
                questionnaire_version=standard.version,
                starts_on=date(2025, 1, 1),
                ends_on=date(2025, 12, 31),
                channels=[name for name, _ in CHANNELS],
                life_situation="Получение первичной медико-санитарной помощи в поликлинике",
                purpose="monitoring",
                minimum_sample=30,
                status="active",
                created_by="demo",
                version=1,
            )
            campaigns.add(campaign)
            await campaigns.flush()
            units = _units()
            for code in PROFILES:
                lineage, zone = units[code]
                campaigns.add(
                    CampaignOrgUnit(
                        campaign_id=campaign.id, org_unit_code=code, org_unit_path=path_string(lineage), timezone=zone
                    )
                )
            await campaigns.flush()
            context = await CampaignCache(0, "Europe/Moscow").get(session, CAMPAIGN_CODE)
            assert context is not None
            ingestion = ResponseIngestion(in_session(session), ClockPolicy(max_age=timedelta(days=365 * 100)))
            rng = random.Random(2025)
            start = datetime(2025, 1, 1, tzinfo=UTC)
            for code, (count, satisfied, nps_mean) in PROFILES.items():
                by_channel: dict[str, list[Candidate]] = defaultdict(list)
                for index in range(count):
                    # Satisfaction drifts up over the year, so quarter-on-quarter comparisons move.
                    offset = timedelta(seconds=rng.randrange(364 * 86400))
                    drift = 0.08 * (offset.days / 364 - 0.5)
                    answers = _answers(rng, min(0.97, satisfied + drift), nps_mean + 2 * drift)
                    response_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                    submitted_at = start + offset
                    body_hash = canonical_body_hash(
                        {"id": response_id, "submitted_at": submitted_at, "answers": answers}
                    )
                    channel = rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
                    by_channel[channel].append(Candidate.of(index, response_id, submitted_at, answers, body_hash))
                for channel, candidates in by_channel.items():
                    entered_by = DEFAULT_ENTERED_BY[Channel(channel)].value
                    await ingestion.ingest(context, context.units[code], channel, candidates, entered_by=entered_by)
    finally:
        await database.dispose()
