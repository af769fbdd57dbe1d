"""The regional primary-care centre registry: members, the staffing rules, and the 3-working-day
change notice owed to kpi-api (kept until kpi-api acknowledges it)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx

from zdrav_shared.testing import auth

FEDERAL = auth(["federal"], ["RU"])
MUR_ADMIN = auth(["regional_admin"], ["RU-MUR"], sub="mur-admin")
KYA_ADMIN = auth(["regional_admin"], ["RU-KYA"], sub="kya-admin")
MUR_ANALYST = auth(["analyst"], ["RU-MUR"])
BASE = "/v1/regional-centres"
RULES = [
    "staff_by_polyclinics",
    "one_head",
    "member_curates_polyclinic",
    "head_at_most_two_polyclinics",
    "half_medically_educated",
]


@pytest.fixture
def kpi_reports(kpi_api: respx.MockRouter, more_units: Any) -> respx.Route:
    """kpi-api accepts report submissions (its answer carries the due date it computed)."""

    def accept(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        return httpx.Response(
            201, json={"id": 77, **body, "due_at": f"{body['event_date']}T23:59:59+03:00", "on_time": None}
        )

    return kpi_api.post("/v1/report-submissions", name="report_submissions").mock(side_effect=accept)


async def centre(client: httpx.AsyncClient, **extra: Any) -> dict[str, Any]:
    body = {"region_code": "RU-MUR", "name_ru": "РЦ ПМСП Мурманской области", **extra}
    response = await client.post(BASE, json=body, headers=MUR_ADMIN)
    assert response.status_code == 201, response.text
    return dict(response.json())


def member_body(name: str, polyclinics: list[str], *, head: bool = False, educated: bool = True, **extra: Any) -> Any:
    return {
        "name": name,
        "position": "Руководитель" if head else "Специалист",
        "is_head": head,
        "medical_education": educated,
        "site_time_pct": 50,
        "main_job": True,
        "polyclinic_codes": polyclinics,
        **extra,
    }


async def add(client: httpx.AsyncClient, cid: int, body: dict[str, Any], expect: int = 201) -> dict[str, Any]:
    response = await client.post(f"{BASE}/{cid}/members", json=body, headers=MUR_ADMIN)
    assert response.status_code == expect, response.text
    return dict(response.json())


async def compliance(client: httpx.AsyncClient, cid: int) -> dict[str, Any]:
    response = await client.get(f"{BASE}/{cid}/compliance", headers=MUR_ANALYST)
    assert response.status_code == 200, response.text
    return dict(response.json())


def checks(report: dict[str, Any]) -> dict[str, bool]:
    return {c["rule"]: c["ok"] for c in report["checks"]}


def polyclinics(first: int, count: int) -> list[str]:
    return [f"MUR-P{n:03d}" for n in range(first, first + count)]


class TestCompliance:
    async def test_an_empty_centre_reports_every_rule(
        self, client: httpx.AsyncClient, kpi_reports: respx.Route
    ) -> None:
        cid = (await centre(client))["id"]
        report = await compliance(client, cid)
        assert report["ok"] is False and report["staff"] == 0 and report["polyclinics"] == 0
        assert [c["rule"] for c in report["checks"]] == RULES
        assert not any(c["ok"] for c in report["checks"])
        assert all(c["detail"] for c in report["checks"])

    async def test_a_compliant_centre_for_ten_polyclinics(
        self, client: httpx.AsyncClient, kpi_reports: respx.Route
    ) -> None:
        cid = (await centre(client))["id"]
        await add(client, cid, member_body("Руководитель", polyclinics(1, 2), head=True))
        await add(client, cid, member_body("Специалист 1", polyclinics(3, 4)))
        await add(client, cid, member_body("Специалист 2", polyclinics(7, 4), educated=False))
        report = await compliance(client, cid)
        assert (report["ok"], report["staff"], report["polyclinics"]) == (True, 3, 10), report

    @pytest.mark.parametrize(
        ("curated", "staff", "ok"),
        [(10, 3, True), (11, 3, False), (11, 4, True), (40, 4, True), (41, 4, False), (41, 5, True)],
    )
    async def test_staff_by_number_of_polyclinics(
        self, client: httpx.AsyncClient, kpi_reports: respx.Route, curated: int, staff: int, ok: bool
    ) -> None:
        cid = (await centre(client))["id"]
        codes = polyclinics(1, curated)
        # The head curates one; the others share the rest (each at least one).
        await add(client, cid, member_body("Руководитель", codes[:1], head=True))
        rest = codes[1:]
        for n in range(staff - 1):
            await add(client, cid, member_body(f"Специалист {n}", rest[n :: staff - 1]))
        report = await compliance(client, cid)
        assert report["polyclinics"] == curated
        assert checks(report)["staff_by_polyclinics"] is ok, report["checks"][0]

    @pytest.mark.parametrize(("declared", "staff", "ok"), [(100, 5, True), (101, 5, False), (101, 6, True)])
    async def test_the_declared_number_of_polyclinics_counts(
        self, client: httpx.AsyncClient, kpi_reports: respx.Route, declared: int, staff: int, ok: bool
    ) -> None:
        cid = (await centre(client, polyclinics_total=declared))["id"]
        await add(client, cid, member_body("Руководитель", ["MUR-P001"], head=True))
        for n in range(staff - 1):
            await add(client, cid, member_body(f"Специалист {n}", [f"MUR-P{n + 2:03d}"]))
        report = await compliance(client, cid)
        assert report["polyclinics"] == declared
        assert checks(report)["staff_by_polyclinics"] is ok
        assert "more than 5" in report["checks"][0]["detail"] or declared <= 100

    async def test_member_rules(self, client: httpx.AsyncClient, kpi_reports: respx.Route) -> None:
        cid = (await centre(client))["id"]
        await add(client, cid, member_body("Руководитель", polyclinics(1, 3), head=True, educated=False))
        await add(client, cid, member_body("Без поликлиники", [], educated=False))
        await add(client, cid, member_body("Врач", polyclinics(4, 1)))
        report = await compliance(client, cid)
        result = checks(report)
        assert result == {
            "staff_by_polyclinics": True,
            "one_head": True,
            "member_curates_polyclinic": False,
            "head_at_most_two_polyclinics": False,
            "half_medically_educated": False,
        }
        details = {c["rule"]: c["detail"] for c in report["checks"]}
        assert "Без поликлиники" in details["member_curates_polyclinic"]
        assert "Руководитель (3)" in details["head_at_most_two_polyclinics"]
        assert details["half_medically_educated"].startswith("1 of 3")
        # A second head is reported; half of four educated is enough.
        await add(client, cid, member_body("Второй руководитель", polyclinics(5, 1), head=True))
        result = checks(await compliance(client, cid))
        assert result["one_head"] is False and result["half_medically_educated"] is True


class TestMembers:
    async def test_polyclinics_must_be_of_the_region(self, client: httpx.AsyncClient, kpi_reports: respx.Route) -> None:
        cid = (await centre(client))["id"]
        wrong = await add(client, cid, member_body("Х", ["MUR-P001", "KYA-P001", "NOPE"]), expect=422)
        assert wrong["errors"][0]["pointer"] == "/polyclinic_codes/1"
        member = await add(client, cid, member_body("Иванова", ["MUR-P001", "MUR-P001"], main_job="ГОБУЗ МОКБ"))
        assert member["polyclinic_codes"] == ["MUR-P001"]
        assert (member["main_job"], member["polyclinics_verified"], member["warnings"]) == ("ГОБУЗ МОКБ", True, [])

    async def test_kpi_api_down_keeps_codes_unverified(
        self, client: httpx.AsyncClient, kpi_api: respx.MockRouter, kpi_reports: respx.Route
    ) -> None:
        cid = (await centre(client))["id"]
        kpi_api.routes["org_unit"].side_effect = httpx.ConnectError("kpi-api is down")
        member = await add(client, cid, member_body("Петров", ["MUR-P050"]))
        assert member["polyclinics_verified"] is False
        assert "unverified" in member["warnings"][0]

    async def test_one_centre_per_region_and_scope(self, client: httpx.AsyncClient, kpi_reports: respx.Route) -> None:
        cid = (await centre(client))["id"]
        second = await client.post(BASE, json={"region_code": "RU-MUR", "name_ru": "Ещё один"}, headers=FEDERAL)
        assert second.status_code == 409 and second.json()["centre_id"] == cid
        for method, path, body in (
            ("GET", f"{BASE}/{cid}", None),
            ("GET", f"{BASE}/{cid}/compliance", None),
            ("POST", f"{BASE}/{cid}/members", member_body("Х", ["MUR-P001"])),
            ("PATCH", f"{BASE}/{cid}", {"name_ru": "Х"}),
        ):
            response = await client.request(method, path, json=body, headers=KYA_ADMIN)
            assert response.status_code == 404, (path, response.text)
        assert (
            await client.post(f"{BASE}/{cid}/members", json=member_body("Х", []), headers=MUR_ANALYST)
        ).status_code == 403
        listed = (await client.get(BASE, headers=KYA_ADMIN)).json()
        assert listed["items"] == []
        assert (await client.get(BASE, headers=MUR_ANALYST)).json()["items"][0]["id"] == cid


class TestChangeNotices:
    async def test_a_change_of_composition_creates_the_notice_in_kpi_api(
        self, client: httpx.AsyncClient, kpi_reports: respx.Route
    ) -> None:
        cid = (await centre(client))["id"]
        first = await add(client, cid, member_body("Руководитель", ["MUR-P001"], head=True, changed_on="2025-03-03"))
        assert first["notice"]["event_date"] == "2025-03-03"
        assert kpi_reports.call_count == 1
        sent = json.loads(kpi_reports.calls.last.request.content)
        assert sent == {"report_type": "regional_centre_change", "org_unit_code": "RU-MUR", "event_date": "2025-03-03"}
        assert kpi_reports.calls.last.request.headers["idempotency-key"].startswith("roadmap-api:rc-notice:")
        # A second change of the same day joins the notice already sent: no second obligation.
        await add(client, cid, member_body("Специалист", ["MUR-P002"], changed_on="2025-03-03"))
        assert kpi_reports.call_count == 1
        (notice,) = (await client.get(f"{BASE}/{cid}/notices", headers=MUR_ANALYST)).json()
        assert (notice["status"], notice["due_at"]) == ("sent", "2025-03-03T23:59:59+03:00")
        assert notice["changes"] == ["head added: Руководитель", "member added: Специалист"]
        # Another day, another notice; editing a non-composition field owes none.
        member_id = first["id"]
        edit = await client.patch(
            f"{BASE}/{cid}/members/{member_id}",
            json={"site_time_pct": 60, "changed_on": "2025-03-10"},
            headers=MUR_ADMIN,
        )
        assert edit.status_code == 200 and edit.json()["notice"] is None
        demote = await client.patch(
            f"{BASE}/{cid}/members/{member_id}", json={"is_head": False, "changed_on": "2025-03-10"}, headers=MUR_ADMIN
        )
        assert demote.json()["notice"]["changes"] == ["head changed: Руководитель"]
        removed = await client.delete(
            f"{BASE}/{cid}/members/{member_id}", params={"changed_on": "2025-03-10"}, headers=MUR_ADMIN
        )
        assert removed.status_code == 200
        assert removed.json()["changes"] == ["head changed: Руководитель", "member removed: Руководитель"]
        notices = (await client.get(f"{BASE}/{cid}/notices", headers=MUR_ANALYST)).json()
        assert [(n["event_date"], n["status"]) for n in notices] == [("2025-03-03", "sent"), ("2025-03-10", "sent")]
        assert kpi_reports.call_count == 2

    async def test_kpi_api_down_keeps_the_notice_until_it_is_sent(
        self, client: httpx.AsyncClient, kpi_api: respx.MockRouter, kpi_reports: respx.Route
    ) -> None:
        cid = (await centre(client))["id"]
        accept = kpi_reports.side_effect
        kpi_reports.side_effect = httpx.ConnectError("kpi-api is down")
        member = await add(client, cid, member_body("Руководитель", ["MUR-P001"], head=True))
        assert member["notice"]["status"] == "pending"
        (notice,) = (await client.get(f"{BASE}/{cid}/notices", headers=MUR_ANALYST)).json()
        assert notice["status"] == "pending" and notice["attempts"] == 1
        assert "kpi-api unavailable" in notice["last_error"]
        # Without changed_on the change is dated today in the region's time zone.
        assert notice["event_date"] == datetime.now(ZoneInfo("Europe/Moscow")).date().isoformat()
        kpi_reports.side_effect = httpx.Response(503)
        retried = await client.post(f"{BASE}/{cid}/notices/deliver", headers=MUR_ADMIN)
        assert retried.status_code == 200 and retried.json()[0]["status"] == "pending"
        kpi_reports.side_effect = httpx.Response(422, json={"detail": "unknown report type"})
        refused = (await client.post(f"{BASE}/{cid}/notices/deliver", headers=MUR_ADMIN)).json()[0]
        assert refused["status"] == "pending" and "422" in refused["last_error"]
        kpi_reports.side_effect = accept
        delivered = (await client.post(f"{BASE}/{cid}/notices/deliver", headers=MUR_ADMIN)).json()
        assert [(n["status"], n["attempts"], n["last_error"]) for n in delivered] == [("sent", 4, None)]
        assert kpi_reports.call_count == 4

    async def test_kpi_api_that_already_holds_it(self, client: httpx.AsyncClient, kpi_reports: respx.Route) -> None:
        kpi_reports.side_effect = httpx.Response(409, json={"detail": "already submitted"})
        cid = (await centre(client))["id"]
        await add(client, cid, member_body("Руководитель", ["MUR-P001"], head=True))
        (notice,) = (await client.get(f"{BASE}/{cid}/notices", headers=MUR_ANALYST)).json()
        assert notice["status"] == "sent"

    async def test_every_change_is_audited(self, client: httpx.AsyncClient, kpi_reports: respx.Route) -> None:
        cid = (await centre(client))["id"]
        member = await add(client, cid, member_body("Руководитель", ["MUR-P001"], head=True))
        await client.patch(
            f"{BASE}/{cid}/members/{member['id']}",
            json={"position": "Главный специалист", "reason": "приказ"},
            headers=MUR_ADMIN,
        )
        trail = (await client.get("/v1/audit-entries", params={"entity": "centre_member"}, headers=MUR_ANALYST)).json()[
            "items"
        ]
        assert [(e["action"], e["field"]) for e in trail] == [("added", None), ("updated", "position")]
        assert (trail[1]["before"], trail[1]["after"], trail[1]["reason"], trail[1]["actor"]) == (
            "Руководитель",
            "Главный специалист",
            "приказ",
            "mur-admin",
        )
        assert (await client.get("/v1/audit-entries", params={"entity": "centre_member"}, headers=KYA_ADMIN)).json()[
            "items"
        ] == []
