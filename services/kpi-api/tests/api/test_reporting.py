"""Reporting obligations: report types with due rules, submissions with due dates in the region's time
zone and the Russian production calendar, timeliness per region (hand-computed dates in comments)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from zdrav_shared.testing import auth

from .conftest import FEDERAL, KYA_ADMIN, MUR_ADMIN, MUR_ANALYST, MUR_OPERATOR, FixedClock

pytestmark = pytest.mark.usefixtures("org_tree")
SERVICE = auth(["service"], ["RU"], sub="roadmap-api")


async def submit(client: httpx.AsyncClient, headers: dict[str, str] = FEDERAL, status: int = 201, **body: Any) -> Any:
    response = await client.post("/v1/report-submissions", json=body, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


class TestFederalReportTypes:
    async def test_seeded_and_owned_by_the_federation(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/report-types", headers=MUR_OPERATOR)
        types = {t["code"]: t for t in response.json()}
        assert {
            "federal_monthly",
            "federal_quarterly_results",
            "federal_information_support",
            "regional_centre_change",
            "regional_programme_quarterly",
        } <= types.keys()
        assert all(t["owner"] == "RU" for t in types.values())
        change = types["regional_centre_change"]
        assert change["due"]["rule"] == "working_days_after_event" and change["due"]["days"] == 3
        assert change["event_based"] is True and change["periodicity"] is None
        assert types["federal_monthly"]["due"] | {"description_ru": ""} == {
            "rule": "day_of_next_period",
            "day": 5,
            "months_after": 1,
            "days": None,
            "months": None,
            "roll_forward": True,
            "description_ru": "",
        }
        assert types["regional_programme_quarterly"]["due"]["day"] == 10

    async def test_only_the_owner_changes_a_type_and_the_change_is_history(self, client: httpx.AsyncClient) -> None:
        refused = await client.patch("/v1/report-types/federal_monthly", json={"name_ru": "x"}, headers=MUR_ADMIN)
        assert refused.status_code == 403 and refused.json()["reason"] == "not_owner"
        assert refused.json()["owner"] == "RU"
        changed = await client.patch(
            "/v1/report-types/federal_monthly",
            json={"due": {"rule": "day_of_next_period", "day": 7, "roll_forward": True}, "reason": "письмо ФЦ"},
            headers=FEDERAL,
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["due"]["day"] == 7 and changed.json()["version"] == 2
        history = (await client.get("/v1/report-types/federal_monthly/history", headers=MUR_ANALYST)).json()
        assert [h["action"] for h in history] == ["updated"]
        assert history[0]["before"]["day"] == 5 and history[0]["after"]["day"] == 7
        assert history[0]["reason"] == "письмо ФЦ" and history[0]["actor"] == "tester"

    async def test_regional_type_is_owned_by_the_region(self, client: httpx.AsyncClient) -> None:
        body = {
            "code": "mur_programme_monthly",
            "name_ru": "Мониторинг программы",
            "due": {"rule": "day_of_next_period", "day": 3},
            "periodicity": "month",
            "expected_level": "organisation",
        }
        created = await client.post("/v1/report-types", json=body, headers=MUR_ADMIN)
        assert created.status_code == 201, created.text
        assert created.json()["owner"] == "RU-MUR" and created.json()["due"]["months_after"] == 1
        assert (await client.post("/v1/report-types", json=body, headers=MUR_ADMIN)).status_code == 409
        other = await client.patch("/v1/report-types/mur_programme_monthly", json={"name_ru": "y"}, headers=KYA_ADMIN)
        assert other.status_code == 403
        assert (
            await client.post("/v1/report-types", json=body | {"code": "op_x"}, headers=MUR_OPERATOR)
        ).status_code == 403
        history = (await client.get("/v1/report-types/mur_programme_monthly/history", headers=FEDERAL)).json()
        assert [h["action"] for h in history] == ["created"] and history[0]["before"] is None

    @pytest.mark.parametrize(
        ("body", "pointer"),
        [
            ({"due": {"rule": "day_of_next_period", "day": 5}}, "/periodicity"),
            ({"due": {"rule": "day_of_next_period", "day": 5, "days": 3}, "periodicity": "month"}, "/due/days"),
            ({"due": {"rule": "working_days_after_event"}}, "/due/days"),
            ({"due": {"rule": "working_days_after_event", "days": 3}, "periodicity": "month"}, "/periodicity"),
            ({"due": {"rule": "months_after_event", "months": 0}}, "/due/months"),
            ({"due": {"rule": "sometime"}}, "/due/rule"),
        ],
    )
    async def test_bad_rules_point_at_the_field(
        self, client: httpx.AsyncClient, body: dict[str, Any], pointer: str
    ) -> None:
        response = await client.post(
            "/v1/report-types", json={"code": "bad_rule", "name_ru": "x", **body}, headers=FEDERAL
        )
        assert response.status_code == 422, response.text
        assert pointer in [e["pointer"] for e in response.json()["errors"]]


class TestDeadlines:
    async def test_three_working_days_across_the_november_2027_holidays(self, client: httpx.AsyncClient) -> None:
        # 4 and 5 November 2027 (Thursday, Friday) are days off (5 November moved from 2 January), 6–7 a
        # weekend. Event on Wednesday 3 November: 8, 9, 10 November → due Wednesday the 10th.
        opened = await submit(
            client, SERVICE, report_type="regional_centre_change", org_unit_code="RU-MUR", event_date="2027-11-03"
        )
        assert opened["due_date"] == "2027-11-10"
        assert opened["due_at"] == "2027-11-10T23:59:59+03:00"
        assert opened["status"] == "missing" and opened["on_time"] is None and opened["submitted_at"] is None
        # Event on Monday 1 November: 2, 3, (4, 5 off, weekend), 8 → due Monday the 8th, in Krasnoyarsk (UTC+7).
        kya = await submit(
            client, SERVICE, report_type="regional_centre_change", org_unit_code="RU-KYA", event_date="2027-11-01"
        )
        assert kya["due_date"] == "2027-11-08" and kya["due_at"] == "2027-11-08T23:59:59+07:00"

    async def test_completing_an_obligation_is_an_idempotent_upsert(self, client: httpx.AsyncClient) -> None:
        body = {"report_type": "regional_centre_change", "org_unit_code": "RU-MUR", "event_date": "2027-11-03"}
        await submit(client, SERVICE, **body)
        again = await submit(client, SERVICE, status=200, **body)
        assert again["status"] == "missing"
        done = await submit(client, MUR_ADMIN, status=200, **body, submitted_at="2027-11-10T23:30:00+03:00")
        assert done["on_time"] is True and done["status"] == "on_time" and done["version"] == 2
        repeat = await submit(client, MUR_ADMIN, status=200, **body, submitted_at="2027-11-10T20:30:00Z")
        assert repeat["version"] == 2
        other = await submit(client, MUR_ADMIN, status=409, **body, submitted_at="2027-11-09T10:00:00+03:00")
        assert other["reason"] == "already_submitted"

    async def test_the_same_instant_is_on_time_in_murmansk_and_late_in_krasnoyarsk(
        self, client: httpx.AsyncClient
    ) -> None:
        # 20:30 UTC on 8 November 2027 is 23:30 in Murmansk, 03:30 on the 9th in Krasnoyarsk.
        instant = "2027-11-08T20:30:00Z"
        for region in ("RU-MUR", "RU-KYA"):
            await submit(
                client, SERVICE, report_type="regional_centre_change", org_unit_code=region, event_date="2027-11-01"
            )
        mur = await submit(
            client,
            MUR_ADMIN,
            status=200,
            report_type="regional_centre_change",
            org_unit_code="RU-MUR",
            event_date="2027-11-01",
            submitted_at=instant,
        )
        kya = await submit(
            client,
            KYA_ADMIN,
            status=200,
            report_type="regional_centre_change",
            org_unit_code="RU-KYA",
            event_date="2027-11-01",
            submitted_at=instant,
        )
        assert (mur["status"], kya["status"]) == ("on_time", "late")
        assert kya["submitted_at"] == "2027-11-09T03:30:00+07:00"

    async def test_monthly_report_across_the_new_year_holidays(
        self, client: httpx.AsyncClient, clock: FixedClock
    ) -> None:
        # The December 2026 report is due on 5 January 2027, inside the holidays (1–8 January; 9–10 a
        # weekend): rolled forward to Monday 11 January. 20:00 UTC on the 11th is 23:00 in Murmansk and
        # 03:00 on the 12th in Krasnoyarsk.
        clock.now = datetime(2027, 1, 20, tzinfo=UTC)
        listed = await client.get(
            "/v1/report-submissions", params={"report_type": "federal_monthly", "period": "2026-12"}, headers=FEDERAL
        )
        rows = {r["org_unit_code"]: r for r in listed.json()["rows"]}
        assert set(rows) == {"RU-MUR", "RU-KYA"}
        assert rows["RU-MUR"]["due_at"] == "2027-01-11T23:59:59+03:00" and rows["RU-MUR"]["status"] == "missing"
        assert rows["RU-KYA"]["due_at"] == "2027-01-11T23:59:59+07:00" and rows["RU-KYA"]["overdue"] is True
        for region in ("RU-MUR", "RU-KYA"):
            await submit(
                client,
                FEDERAL,
                report_type="federal_monthly",
                org_unit_code=region,
                period="2026-12",
                submitted_at="2027-01-11T20:00:00Z",
            )
        listed = (
            await client.get(
                "/v1/report-submissions",
                params={"report_type": "federal_monthly", "period": "2026-12"},
                headers=FEDERAL,
            )
        ).json()
        assert {r["org_unit_code"]: r["status"] for r in listed["rows"]} == {"RU-MUR": "on_time", "RU-KYA": "late"}
        assert listed["total"] | {"region_code": None} == {
            "region_code": None,
            "expected": 2,
            "submitted": 2,
            "on_time": 1,
            "late": 1,
            "missing": 0,
            "overdue": 0,
            "completeness_pct": 100,
            "timeliness_pct": 50,
        }
        assert [(r["region_code"], r["timeliness_pct"]) for r in listed["regions"]] == [("RU-KYA", 0), ("RU-MUR", 100)]

    async def test_working_days_across_the_new_year(self, client: httpx.AsyncClient) -> None:
        # Event on Tuesday 29 December 2026: the 30th (1); 31 December 2026 is a day off (moved from
        # 4 January), 1–10 January off → 11 (2), 12 (3): due Tuesday 12 January 2027.
        opened = await submit(
            client, SERVICE, report_type="regional_centre_change", org_unit_code="RU-KYA", event_date="2026-12-29"
        )
        assert opened["due_date"] == "2027-01-12"

    async def test_months_after_event_rolls_over_a_day_off(self, client: httpx.AsyncClient) -> None:
        # Two months after 31 October 2027: 31 December 2027, a day off (moved from 3 January); 1–8 January
        # 2028 holidays, the 9th a Sunday → Monday 10 January 2028.
        opened = await submit(
            client, FEDERAL, report_type="nsi_roadmap_analysis", org_unit_code="RU-MUR", event_date="2027-10-31"
        )
        assert opened["due_date"] == "2028-01-10"

    async def test_quarterly_programme_report_by_the_tenth(self, client: httpx.AsyncClient, clock: FixedClock) -> None:
        clock.now = datetime(2027, 10, 1, tzinfo=UTC)
        # 10 October 2027 is a Sunday → Monday the 11th.
        done = await submit(
            client,
            MUR_ADMIN,
            report_type="regional_programme_quarterly",
            org_unit_code="RU-MUR",
            period="2027Q3",
            submitted_at="2027-09-30T12:00:00+03:00",
            status=422,
        )
        assert done["errors"][0]["pointer"] == "/submitted_at"
        clock.now = datetime(2027, 10, 11, 12, tzinfo=UTC)
        done = await submit(
            client, MUR_ADMIN, report_type="regional_programme_quarterly", org_unit_code="RU-MUR", period="2027Q3"
        )
        assert done["due_date"] == "2027-10-11" and done["status"] == "on_time"
        assert done["submitted_at"] == "2027-10-11T15:00:00+03:00"


class TestSubmissionRules:
    @pytest.mark.parametrize(
        ("body", "pointer"),
        [
            ({"report_type": "nope", "org_unit_code": "RU-MUR", "period": "2027-10"}, "/report_type"),
            ({"report_type": "federal_monthly", "org_unit_code": "NOPE", "period": "2027-10"}, "/org_unit_code"),
            ({"report_type": "federal_monthly", "org_unit_code": "RU", "period": "2027-10"}, "/org_unit_code"),
            ({"report_type": "federal_monthly", "org_unit_code": "RU-MUR", "period": "2027Q3"}, "/period"),
            ({"report_type": "federal_monthly", "org_unit_code": "RU-MUR"}, "/period"),
            ({"report_type": "federal_monthly", "org_unit_code": "RU-MUR", "period": "2027-13"}, "/period"),
            ({"report_type": "federal_monthly", "org_unit_code": "RU-MUR", "event_date": "2027-11-03"}, "/event_date"),
            ({"report_type": "regional_centre_change", "org_unit_code": "RU-MUR", "period": "2027-10"}, "/period"),
            (
                {
                    "report_type": "regional_centre_change",
                    "org_unit_code": "RU-MUR",
                    "event_date": "2027-11-03",
                    "submitted_at": "2027-11-02T10:00:00+03:00",
                },
                "/submitted_at",
            ),
        ],
    )
    async def test_bad_submissions(self, client: httpx.AsyncClient, body: dict[str, Any], pointer: str) -> None:
        answer = await submit(client, FEDERAL, status=422, **body)
        assert answer["errors"][0]["pointer"] == pointer

    async def test_naive_submitted_at_is_refused(self, client: httpx.AsyncClient) -> None:
        answer = await submit(
            client,
            FEDERAL,
            status=422,
            report_type="federal_monthly",
            org_unit_code="RU-MUR",
            period="2025-05",
            submitted_at="2025-06-01T10:00:00",
        )
        assert answer["errors"][0]["pointer"].startswith("/submitted_at")

    async def test_scope_and_roles(self, client: httpx.AsyncClient) -> None:
        body = {"report_type": "federal_monthly", "period": "2025-05", "submitted_at": "2025-06-03T10:00:00+03:00"}
        await submit(client, MUR_ADMIN, status=403, org_unit_code="RU-KYA", **body)
        await submit(client, MUR_ANALYST, status=403, org_unit_code="RU-MUR", **body)
        await submit(client, MUR_OPERATOR, org_unit_code="RU-MUR", **body)
        listed = await client.get(
            "/v1/report-submissions",
            params={"report_type": "federal_monthly", "period": "2025-05"},
            headers=MUR_ANALYST,
        )
        assert [r["org_unit_code"] for r in listed.json()["rows"]] == ["RU-MUR"]
        # An organisation may submit a region's report too: listed beside the expected region.
        await submit(client, MUR_OPERATOR, org_unit_code="MUR-A", **body)
        listed = await client.get(
            "/v1/report-submissions",
            params={"report_type": "federal_monthly", "period": "2025-05"},
            headers=MUR_ANALYST,
        )
        assert [(r["org_unit_code"], r["status"]) for r in listed.json()["rows"]] == [
            ("MUR-A", "on_time"),
            ("RU-MUR", "on_time"),
        ]
        other = await client.get(
            "/v1/report-submissions",
            params={"report_type": "federal_monthly", "period": "2025-05", "region": "RU-KYA"},
            headers=MUR_ANALYST,
        )
        assert other.status_code == 403

    async def test_event_reports_list_the_events_of_the_period(
        self, client: httpx.AsyncClient, clock: FixedClock
    ) -> None:
        clock.now = datetime(2027, 11, 20, tzinfo=UTC)
        await submit(
            client, SERVICE, report_type="regional_centre_change", org_unit_code="RU-MUR", event_date="2027-11-03"
        )
        await submit(
            client, SERVICE, report_type="regional_centre_change", org_unit_code="RU-MUR", event_date="2027-12-01"
        )
        await submit(
            client,
            SERVICE,
            report_type="regional_centre_change",
            org_unit_code="RU-KYA",
            event_date="2027-11-01",
            submitted_at="2027-11-02T10:00:00+07:00",
        )
        listed = (
            await client.get(
                "/v1/report-submissions",
                params={"report_type": "regional_centre_change", "period": "2027-11"},
                headers=FEDERAL,
            )
        ).json()
        assert listed["event_based"] is True
        assert [(r["org_unit_code"], r["event_date"], r["status"], r["overdue"]) for r in listed["rows"]] == [
            ("RU-KYA", "2027-11-01", "on_time", False),
            ("RU-MUR", "2027-11-03", "missing", True),
        ]


class TestConcurrentUpserts:
    async def test_two_first_posts_record_one_obligation(self, client: httpx.AsyncClient) -> None:
        body = {"report_type": "regional_centre_change", "org_unit_code": "RU-MUR", "event_date": "2027-11-03"}
        answers = await asyncio.gather(
            *(client.post("/v1/report-submissions", json=body, headers=SERVICE) for _ in range(4))
        )
        assert sorted(a.status_code for a in answers) == [200, 200, 200, 201]
        assert len({a.json()["id"] for a in answers}) == 1

    async def test_two_completions_one_wins(self, client: httpx.AsyncClient) -> None:
        body = {"report_type": "regional_centre_change", "org_unit_code": "RU-MUR", "event_date": "2027-11-03"}
        await submit(client, SERVICE, **body)
        times = ["2027-11-05T10:00:00+03:00", "2027-11-09T10:00:00+03:00"]
        answers = await asyncio.gather(
            *(client.post("/v1/report-submissions", json=body | {"submitted_at": t}, headers=MUR_ADMIN) for t in times)
        )
        assert sorted(a.status_code for a in answers) == [200, 409]
        winner = next(a.json() for a in answers if a.status_code == 200)
        assert winner["version"] == 2
