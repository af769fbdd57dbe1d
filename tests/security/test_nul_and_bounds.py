"""What a database column cannot hold is a 422 with a pointer, not a 500 (PostgreSQL) nor a silent
difference (SQLite): NUL and other control characters in texts — bodies, paths and queries — integers
past 32 bits, booleans sent as numbers, and ballots whose points would outvote a whole section. In a
bulk call such an item is rejected alone. The three services in-process on the test backend."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from inprocess import service_clients, throwaway_databases
from support import ZONES, caller_headers, is_problem

FEDERAL = caller_headers("federal")
KIOSK: dict[str, str] = {}
HOSTILE_TEXTS = ["Поликлиника\x00", "a\x00b", "\x1b[31mred", "bell\x07"]
ANSWERS = {"q1_process": "yes", "q2_documents": "yes", "q3_duration": "rather_yes", "q4_simplicity": "no",
           "q5_support": "dont_know", "nps": 9}  # fmt: skip
BIG_INTS = [2_147_483_648, 9_223_372_036_854_775_807, 9_223_372_036_854_775_808, -2_147_483_649]


@pytest.fixture(scope="module")
def database_urls() -> Iterator[dict[str, str]]:
    with throwaway_databases("sec-nul") as urls:
        yield urls


@pytest.fixture(scope="module")
async def clients(database_urls: dict[str, str]) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    async with service_clients(database_urls) as opened:
        await _seed(opened)
        yield opened


async def _seed(clients: dict[str, httpx.AsyncClient]) -> None:
    kpi, survey = clients["kpi-api"], clients["survey-api"]
    for unit in [
        {"code": "RU", "name_ru": "РФ", "level": "federation"},
        {
            "code": "RU-MUR",
            "name_ru": "Мурманская",
            "level": "region",
            "parent_code": "RU",
            "timezone": ZONES["RU-MUR"],
        },
    ]:
        assert (await kpi.post("/v1/org-units", json=unit, headers=FEDERAL)).status_code == 201
    indicator = {"code": "A", "name_ru": "A", "unit": "чел.", "kind": "input", "direction": "higher_is_better",
                 "periodicity": "quarter"}  # fmt: skip
    assert (await kpi.post("/v1/indicators", json=indicator, headers=FEDERAL)).status_code == 201
    campaign = {"code": "nul-2025", "questionnaire_code": "nsi-standard", "org_unit_codes": ["MUR-GP1"],
                "starts_on": "2025-01-01", "ends_on": "2026-12-31", "channels": ["kiosk", "online"]}  # fmt: skip
    assert (await survey.post("/v1/campaigns", json=campaign, headers=FEDERAL)).status_code == 201
    kiosk = {"campaign_code": "nul-2025", "org_unit_code": "MUR-GP1", "name": "Холл"}
    created = await survey.post("/v1/kiosks", json=kiosk, headers=FEDERAL)
    assert created.status_code == 201, created.text
    KIOSK["Authorization"] = f"Bearer {created.json()['token']}"


async def _post_escaped(client: httpx.AsyncClient, path: str, body: Any, headers: dict[str, str]) -> httpx.Response:
    """JSON with ASCII escapes: a lone surrogate is valid JSON (``"\\ud800"``) but no UTF-8 text."""
    encoded = json.dumps(body, ensure_ascii=True).encode("ascii")
    return await client.post(path, content=encoded, headers={**headers, "content-type": "application/json"})


def _refused(response: httpx.Response, pointer: str) -> None:
    assert response.status_code == 422, (response.status_code, response.text[:500])
    assert is_problem(response), response.headers
    pointers = [e["pointer"] for e in response.json()["errors"]]
    assert pointer in pointers, pointers


async def _still_absent(client: httpx.AsyncClient, path: str, needle: str) -> None:
    listed = await client.get(path, headers=FEDERAL)
    assert listed.status_code == 200, listed.text
    assert needle not in listed.text


# --- texts in bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
async def test_org_unit_and_indicator_names(clients: dict[str, httpx.AsyncClient], text: str) -> None:
    kpi = clients["kpi-api"]
    unit = {"code": "RU-NUL", "name_ru": text, "level": "region", "parent_code": "RU", "timezone": "Europe/Moscow"}
    _refused(await kpi.post("/v1/org-units", json=unit, headers=FEDERAL), "/name_ru")
    indicator = {"code": "NUL", "name_ru": text, "unit": "чел.", "kind": "input", "direction": "higher_is_better",
                 "periodicity": "quarter"}  # fmt: skip
    _refused(await kpi.post("/v1/indicators", json=indicator, headers=FEDERAL), "/name_ru")
    await _still_absent(kpi, "/v1/org-units", "RU-NUL")


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
async def test_a_value_comment_is_rejected_alone_in_a_bulk_call(
    clients: dict[str, httpx.AsyncClient], text: str
) -> None:
    period = f"20{10 + HOSTILE_TEXTS.index(text)}Q1"
    items = [
        {"indicator_code": "A", "org_unit_code": "RU-MUR", "period": period, "value": 1, "comment": "обычный"},
        {"indicator_code": "A", "org_unit_code": "RU-MUR", "period": period[:4] + "Q2", "value": 2, "comment": text},
    ]
    response = await clients["kpi-api"].post("/v1/values", json={"items": items}, headers=FEDERAL)
    assert response.status_code == 200, response.text
    first, second = response.json()["results"]
    assert first["status"] == "created", first
    assert second["status"] == "rejected", second
    assert second["problem"]["status"] == 422
    assert [e["pointer"] for e in second["problem"]["errors"]] == ["/items/1/comment"]
    stored = await clients["kpi-api"].get("/v1/values", params={"period": period[:4] + "Q2"}, headers=FEDERAL)
    assert stored.json()["items"] == []


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
async def test_roadmap_titles_and_task_comments(clients: dict[str, httpx.AsyncClient], text: str) -> None:
    roadmap = clients["roadmap-api"]
    body = {"region_code": "RU-MUR", "life_situation": "ЖС", "title": text}
    _refused(await roadmap.post("/v1/roadmaps", json=body, headers=FEDERAL), "/title")
    nested = {**body, "title": "Карта", "measures": [{"title": text}]}
    _refused(await roadmap.post("/v1/roadmaps", json=nested, headers=FEDERAL), "/measures/0/title")
    created = await roadmap.post("/v1/roadmaps", json={**body, "title": "Карта"}, headers=FEDERAL)
    assert created.status_code == 201, created.text
    task = {"title": "Задача", "start_date": "2025-02-01", "due_date": "2025-06-30", "responsible": "Минздрав"}
    task_id = (await roadmap.post(f"/v1/roadmaps/{created.json()['id']}/tasks", json=task, headers=FEDERAL)).json()[
        "id"
    ]
    comments = f"/v1/tasks/{task_id}/comments"
    _refused(await roadmap.post(comments, json={"text": text}, headers=FEDERAL), "/text")
    assert (
        await roadmap.post(comments, json={"text": "строка\nс\tтабуляцией\r\n"}, headers=FEDERAL)
    ).status_code == 201


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
async def test_survey_texts(clients: dict[str, httpx.AsyncClient], text: str) -> None:
    survey = clients["survey-api"]
    kiosk = {"campaign_code": "nul-2025", "org_unit_code": "MUR-GP1", "name": text}
    _refused(await survey.post("/v1/kiosks", json=kiosk, headers=FEDERAL), "/name")
    single = {"id": str(uuid.uuid4()), "campaign_code": "nul-2025", "org_unit_code": "MUR-GP1", "channel": "online",
              "submitted_at": "2025-05-10T09:00:00+03:00", "answers": {**ANSWERS, "comment": text}}  # fmt: skip
    response = await survey.post("/v1/responses", json=single, headers=FEDERAL)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["pointer"].startswith("/answers")


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
async def test_a_kiosk_answer_is_rejected_alone_in_a_batch(clients: dict[str, httpx.AsyncClient], text: str) -> None:
    good, bad = str(uuid.uuid4()), str(uuid.uuid4())
    batch = {"responses": [
        {"id": good, "submitted_at": "2025-05-10T09:00:00+03:00", "answers": {**ANSWERS, "comment": "спасибо"}},
        {"id": bad, "submitted_at": "2025-05-10T09:01:00+03:00", "answers": {**ANSWERS, "comment": text}},
    ]}  # fmt: skip
    response = await clients["survey-api"].post("/v1/responses/batch", json=batch, headers=KIOSK)
    assert response.status_code == 200, response.text
    results = {r["id"]: r for r in response.json()["results"]}
    assert results[good]["status"] == "accepted", results[good]
    assert results[bad]["status"] == "rejected", results[bad]
    assert results[bad]["problem"]["status"] == 422
    assert [e["pointer"] for e in results[bad]["problem"]["errors"]] == ["/responses/1/answers/comment"]


async def test_unpaired_surrogates(clients: dict[str, httpx.AsyncClient]) -> None:
    text = "half \ud800 surrogate"
    unit = {"code": "RU-SUR", "name_ru": text, "level": "region", "parent_code": "RU", "timezone": "Europe/Moscow"}
    _refused(await _post_escaped(clients["kpi-api"], "/v1/org-units", unit, FEDERAL), "/name_ru")
    body = {"region_code": "RU-MUR", "life_situation": "ЖС", "title": text}
    _refused(await _post_escaped(clients["roadmap-api"], "/v1/roadmaps", body, FEDERAL), "/title")
    item = {"indicator_code": "A", "org_unit_code": "RU-MUR", "period": "2009Q1", "value": 1, "comment": text}
    response = await _post_escaped(clients["kpi-api"], "/v1/values", {"items": [item]}, FEDERAL)
    (result,) = response.json()["results"]
    assert result["status"] == "rejected" and result["problem"]["errors"][0]["pointer"] == "/items/0/comment"
    good, bad = str(uuid.uuid4()), str(uuid.uuid4())
    batch = {"responses": [
        {"id": good, "submitted_at": "2025-05-10T09:00:00+03:00", "answers": {**ANSWERS, "comment": "\ud83d\ude00"}},
        {"id": bad, "submitted_at": "2025-05-10T09:01:00+03:00", "answers": {**ANSWERS, "comment": text}},
    ]}  # fmt: skip
    response = await _post_escaped(clients["survey-api"], "/v1/responses/batch", batch, KIOSK)
    assert [r["status"] for r in response.json()["results"]] == ["accepted", "rejected"], response.text


# --- texts in paths and queries -------------------------------------------------------------------

URL_PROBES = [
    ("kpi-api", "/v1/org-units/RU%00", "/path"),
    ("kpi-api", "/v1/values?period=2025%00", "/query/period"),
    ("kpi-api", "/v1/org-units?kind=%1b", "/query/kind"),
    ("survey-api", "/v1/campaigns/nul%00", "/path"),
    ("survey-api", "/v1/campaigns?status=%00", "/query/status"),
    ("roadmap-api", "/v1/roadmaps?region_code=RU%00MUR", "/query/region_code"),
    ("roadmap-api", "/v1/roadmaps?q%00=1", "/query/q\x00"),
    ("roadmap-api", "/v1/roadmaps/1%07", "/path"),
]


@pytest.mark.parametrize(("service", "url", "pointer"), URL_PROBES)
async def test_control_characters_in_the_url(
    clients: dict[str, httpx.AsyncClient], service: str, url: str, pointer: str
) -> None:
    _refused(await clients[service].get(url, headers=FEDERAL), pointer)


async def test_tabs_and_newlines_in_a_query_are_not_refused(clients: dict[str, httpx.AsyncClient]) -> None:
    response = await clients["roadmap-api"].get("/v1/roadmaps?region_code=%09RU-MUR%0D%0A", headers=FEDERAL)
    assert response.status_code == 200, response.text


# --- integers and booleans --------------------------------------------------------------------------


def _window() -> dict[str, str]:
    opens = datetime.now(UTC) - timedelta(hours=1)
    return {"opens_at": opens.isoformat(), "closes_at": (opens + timedelta(hours=2)).isoformat()}


async def _session(roadmap: httpx.AsyncClient, section: dict[str, Any]) -> tuple[str, list[int]]:
    headers = FEDERAL
    body = {"region_code": "RU-MUR", "held_on": "2025-11-20", "theme": "Кадры"}
    created = await roadmap.post("/v1/strategic-sessions", json=body, headers=headers)
    assert created.status_code == 201, created.text
    base = f"/v1/strategic-sessions/{created.json()['id']}"

    async def post(path: str, payload: dict[str, Any]) -> dict[str, Any]:
        response = await roadmap.post(base + path, json=payload, headers=headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    await post("/sections", {"code": "S1", "title": "Кадры", "voting_mode": "points", **_window(), **section})
    group = await post("/groups", {"name": "Группа", "moderator": "Иванова", "section_code": "S1"})
    for code in ("P1", "P2"):
        await post("/projects", {"code": code, "title": code, "section_code": "S1", "group_id": group["id"]})
    participants = []
    for n in range(3):
        participants.append((await post("/participants", {"name": f"У{n}", "category": "ministry"}))["id"])
    return base, participants


@pytest.mark.parametrize("points", [2_147_483_648, 9_223_372_036_854_775_807, 9_223_372_036_854_775_808])
async def test_ballot_points_past_any_maximum(clients: dict[str, httpx.AsyncClient], points: int) -> None:
    roadmap = clients["roadmap-api"]
    base, (voter, *_) = await _session(roadmap, {"max_points_per_project": 1000})
    ballot = {"participant_id": voter, "points": {"P1": points}}
    _refused(await roadmap.post(f"{base}/sections/S1/ballots", json=ballot, headers=FEDERAL), "/points/P1")


async def test_ballot_points_within_the_sections_own_maximum(clients: dict[str, httpx.AsyncClient]) -> None:
    roadmap = clients["roadmap-api"]
    base, (a, b, _) = await _session(roadmap, {"max_points_per_project": 7})
    url = f"{base}/sections/S1/ballots"
    over = await roadmap.post(url, json={"participant_id": a, "points": {"P1": 8}}, headers=FEDERAL)
    assert over.status_code == 422, over.text
    assert "at most 7 points per project" in over.text
    assert (
        await roadmap.post(url, json={"participant_id": b, "points": {"P1": 7}}, headers=FEDERAL)
    ).status_code == 201


async def test_a_section_without_a_maximum_caps_a_project_at_100(clients: dict[str, httpx.AsyncClient]) -> None:
    roadmap = clients["roadmap-api"]
    base, (a, b, _) = await _session(roadmap, {})
    url = f"{base}/sections/S1/ballots"
    over = await roadmap.post(url, json={"participant_id": a, "points": {"P1": 101}}, headers=FEDERAL)
    assert over.status_code == 422, over.text
    assert "at most 100 points per project" in over.text
    assert (
        await roadmap.post(url, json={"participant_id": b, "points": {"P1": 100}}, headers=FEDERAL)
    ).status_code == 201
    results = (await roadmap.get(f"{base}/sections/S1/results", headers=FEDERAL)).json()
    assert results["standings"][0] == {**results["standings"][0], "project_code": "P1", "points": 100}


@pytest.mark.parametrize("number", BIG_INTS)
async def test_integers_past_a_column(clients: dict[str, httpx.AsyncClient], number: int) -> None:
    roadmap = clients["roadmap-api"]
    base, _ = await _session(roadmap, {})
    evaluation = {"participant_id": number, "evaluator": "Эксперт", "role": "expert", "score": 5}
    _refused(await roadmap.post(f"{base}/evaluations", json=evaluation, headers=FEDERAL), "/participant_id")
    kpi = clients["kpi-api"]
    item = {"indicator_code": "A", "org_unit_code": "RU-MUR", "period": "2025Q3", "value": 1, "version": number}
    response = await kpi.post("/v1/values", json={"items": [item]}, headers=FEDERAL)
    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    assert result["status"] == "rejected"
    assert [e["pointer"] for e in result["problem"]["errors"]] == ["/items/0/version"]


@pytest.mark.parametrize("flag", [0, 1, "true", "false", None])
async def test_booleans_are_true_or_false(clients: dict[str, httpx.AsyncClient], flag: Any) -> None:
    due = {"rule": "day_of_next_period", "day": 5, "roll_forward": flag}
    report_type = {"code": f"flag-{type(flag).__name__}-{flag}", "name_ru": "Отчёт", "due": due, "periodicity": "month"}
    _refused(await clients["kpi-api"].post("/v1/report-types", json=report_type, headers=FEDERAL), "/due/roll_forward")
    values = {
        "items": [{"indicator_code": "A", "org_unit_code": "RU-MUR", "period": "2025Q4", "value": 1}],
        "submit": flag,
    }
    _refused(await clients["kpi-api"].post("/v1/values", json=values, headers=FEDERAL), "/submit")


async def test_a_ratio_finer_than_its_column(clients: dict[str, httpx.AsyncClient]) -> None:
    """0.00001 passed `> 0` but was stored as 0.0000 (NUMERIC(6, 4)), and every later read of the indicator
    (the list, the quarterly report) failed on it with a 500 (found by the contract fuzzer)."""
    kpi = clients["kpi-api"]
    indicator = {"code": "FINE", "name_ru": "Доля", "unit": "%", "kind": "input", "direction": "higher_is_better",
                 "periodicity": "quarter", "thresholds": {"on_track_ratio": 0.9, "at_risk_ratio": 0.00001}}  # fmt: skip
    _refused(await kpi.post("/v1/indicators", json=indicator, headers=FEDERAL), "/thresholds/at_risk_ratio")
    assert (await kpi.get("/v1/indicators", headers=FEDERAL)).status_code == 200
