from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import FEDERAL, MUR_OPERATOR, create_campaign, kiosk_auth, register_kiosk

pytestmark = pytest.mark.usefixtures("kpi")

QUESTIONS: list[dict[str, Any]] = [
    {"code": "q1_process", "type": "satisfaction5", "text_ru": "Удовлетворены?", "required": True},
    {"code": "wait", "type": "rating", "text_ru": "Оцените ожидание", "text_en": "Rate the wait"},
    {
        "code": "route",
        "type": "single_choice",
        "text_ru": "Как записались?",
        "options": [{"code": "phone", "label_ru": "По телефону"}, {"code": "portal", "label_ru": "Госуслуги"}],
    },
    {
        "code": "problems",
        "type": "multiple_choice",
        "text_ru": "Что мешало?",
        "options": [{"code": "queue", "label_ru": "Очередь"}, {"code": "signs", "label_ru": "Навигация"}],
    },
    {"code": "nps", "type": "nps", "text_ru": "Порекомендуете?", "required": True},
    {"code": "comment", "type": "free_text", "text_ru": "Комментарий"},
]


async def test_nsi_standard_is_always_present(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/questionnaires/nsi-standard", headers=MUR_OPERATOR)
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["version"], body["owner"]) == ("published", 2, "RU")
    assert [q["code"] for q in body["questions"]] == [
        "q1_process", "q2_documents", "q3_duration", "q4_simplicity", "q5_support", "nps", "comment", "screening"
    ]  # fmt: skip
    comment = next(q for q in body["questions"] if q["code"] == "comment")
    assert comment["text_ru"] == "Опишите Ваши предложения по совершенствованию процессов."
    first = (await client.get("/v1/questionnaires/nsi-standard/versions/1", headers=MUR_OPERATOR)).json()
    assert first["status"] == "published" and len(first["questions"]) == 7


async def test_draft_edit_publish_then_immutable(client: httpx.AsyncClient) -> None:
    created = await client.post(
        "/v1/questionnaires", json={"code": "cardio", "title_ru": "Кардио", "questions": QUESTIONS}, headers=FEDERAL
    )
    assert created.status_code == 201, created.text
    assert (created.json()["status"], created.json()["version"]) == ("draft", 1)
    edited = await client.patch(
        "/v1/questionnaires/cardio/versions/1", json={"title_en": "Cardio"}, headers={**FEDERAL, "If-Match": 'W/"1"'}
    )
    assert edited.status_code == 200
    assert edited.json()["title_en"] == "Cardio"
    stale = await client.patch(
        "/v1/questionnaires/cardio/versions/1", json={"title_en": "X"}, headers={**FEDERAL, "If-Match": 'W/"1"'}
    )
    assert stale.status_code == 409
    # A campaign needs a published version.
    body = {
        "code": "c",
        "questionnaire_code": "cardio",
        "org_unit_codes": ["MUR-GP1"],
        "starts_on": "2025-01-01",
        "ends_on": "2026-12-31",
        "channels": ["kiosk"],
    }
    assert (await client.post("/v1/campaigns", json=body, headers=FEDERAL)).status_code == 422
    published = await client.post("/v1/questionnaires/cardio/versions/1/publish", headers=FEDERAL)
    assert published.json()["status"] == "published"
    frozen = await client.patch("/v1/questionnaires/cardio/versions/1", json={"title_en": "Y"}, headers=FEDERAL)
    assert frozen.status_code == 409
    v2 = await client.post("/v1/questionnaires/cardio/versions", headers=FEDERAL)
    assert (v2.status_code, v2.json()["version"], v2.json()["status"]) == (201, 2, "draft")
    assert (await client.post("/v1/questionnaires/cardio/versions", headers=FEDERAL)).status_code == 409
    listed = (await client.get("/v1/questionnaires", params={"code": "cardio"}, headers=FEDERAL)).json()
    assert [(q["version"], q["status"]) for q in listed["items"]] == [(1, "published"), (2, "draft")]
    # The campaign takes the latest *published* version, and validates answers against it.
    await create_campaign(client, code="c", questionnaire_code="cardio", units=("MUR-GP1",))
    kiosk = await register_kiosk(client, campaign="c")
    good = {
        "id": "0b9d6a43-3a53-4d4c-9d0b-2f6e1c7c9a01",
        "submitted_at": "2025-05-01T10:00:00Z",
        "answers": {"q1_process": "yes", "wait": 4, "route": "portal", "problems": ["queue"], "nps": 8},
    }
    bad = {
        "id": "0b9d6a43-3a53-4d4c-9d0b-2f6e1c7c9a02",
        "submitted_at": "2025-05-01T10:00:00Z",
        "answers": {"q1_process": "yes", "wait": 6, "route": "fax", "problems": ["queue", "queue"], "nps": True},
    }
    results = (
        await client.post("/v1/responses/batch", json={"responses": [good, bad]}, headers=kiosk_auth(kiosk))
    ).json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected"]
    assert [e["pointer"] for e in results[1]["problem"]["errors"]] == [
        "/responses/1/answers/wait",
        "/responses/1/answers/route",
        "/responses/1/answers/problems/1",
        "/responses/1/answers/nps",
    ]


async def test_invalid_questionnaires(client: httpx.AsyncClient) -> None:
    duplicate = [QUESTIONS[0], QUESTIONS[0]]
    response = await client.post(
        "/v1/questionnaires", json={"code": "dup", "title_ru": "Д", "questions": duplicate}, headers=FEDERAL
    )
    assert response.status_code == 422
    no_options = [{"code": "x", "type": "single_choice", "text_ru": "?"}]
    response = await client.post(
        "/v1/questionnaires", json={"code": "opt", "title_ru": "Д", "questions": no_options}, headers=FEDERAL
    )
    assert response.status_code == 422
    no_label = [{"code": "x", "type": "nps"}]
    response = await client.post(
        "/v1/questionnaires", json={"code": "lbl", "title_ru": "Д", "questions": no_label}, headers=FEDERAL
    )
    assert response.status_code == 422
    taken = await client.post(
        "/v1/questionnaires", json={"code": "nsi-standard", "title_ru": "Д", "questions": QUESTIONS}, headers=FEDERAL
    )
    assert taken.status_code == 409
    operator = await client.post(
        "/v1/questionnaires", json={"code": "op", "title_ru": "Д", "questions": QUESTIONS}, headers=MUR_OPERATOR
    )
    assert operator.status_code == 403
    assert (await client.get("/v1/questionnaires/nope", headers=FEDERAL)).status_code == 404
