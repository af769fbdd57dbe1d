from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from roadmap_api.programmes.reference import Financing, load_financing, load_plan
from roadmap_api.programmes.rules import FundingSource, PlanItem
from zdrav_shared.testing import auth

FEDERAL = auth(["federal"], ["RU"])
MUR_ADMIN = auth(["regional_admin"], ["RU-MUR"])
MUR_OPERATOR = auth(["mo_operator"], ["RU-MUR"])
REFERENCE = next(
    p / "data" / "reference" for p in Path(__file__).resolve().parents if (p / "data" / "reference").is_dir()
)


def plan_json(items: list[PlanItem]) -> list[dict[str, Any]]:
    def term(t: Any) -> dict[str, Any]:
        return {"kind": t.kind.value, "on": t.on.isoformat() if t.on else None, "text": t.text}

    return [
        {
            "level": i.level.value,
            "number": i.number,
            "goal_no": i.goal_no,
            "task_no": i.task_no,
            "title_ru": i.title_ru,
            "start": term(i.start),
            "end": term(i.end),
            "responsible_ru": i.responsible_ru,
            "result_ru": i.result_ru,
        }
        for i in items
    ]


def financing_json(fin: Financing) -> dict[str, Any]:
    return {
        "lines": [
            {
                "activity_no": x.activity_no,
                "source": x.source.value,
                "year": x.year,
                "amount": str(x.amount) if x.amount is not None else None,
            }
            for x in fin.lines
        ],
        "declared": [
            {"activity_no": d.activity_no, "source": d.source.value, "year": d.year, "amount": str(d.amount)}
            for d in fin.declared
            if d.amount is not None
        ],
    }


@pytest.fixture(scope="module")
def murmansk() -> tuple[list[PlanItem], Financing]:
    return load_plan(REFERENCE / "murmansk_plan.csv"), load_financing(REFERENCE / "murmansk_financing.csv")


async def create(client: httpx.AsyncClient, headers: dict[str, str] = FEDERAL, **extra: Any) -> httpx.Response:
    body = {
        "code": "MUR-PMSP",
        "region_code": "RU-MUR",
        "title_ru": "Модернизация ПМСП",
        "start_year": 2021,
        "end_year": 2025,
        **extra,
    }
    return await client.post("/v1/programmes", json=body, headers=headers)


class TestMurmansk:
    async def test_computed_totals_equal_the_published_ones(
        self, client: httpx.AsyncClient, murmansk: tuple[list[PlanItem], Financing]
    ) -> None:
        plan, fin = murmansk
        pid = (await create(client, MUR_ADMIN)).json()["id"]
        response = await client.put(f"/v1/programmes/{pid}/plan", json={"items": plan_json(plan)}, headers=MUR_ADMIN)
        assert response.status_code == 200, response.text
        assert len(response.json()) == 28
        body = financing_json(fin)
        response = await client.put(f"/v1/programmes/{pid}/financing", json=body, headers=MUR_ADMIN)
        assert response.status_code == 200, response.text
        totals = (await client.get(f"/v1/programmes/{pid}/financing", headers=MUR_OPERATOR)).json()
        assert totals == response.json()
        assert totals["declared_checked"] == len(body["declared"])

        def published(activity: int | None, source: FundingSource, year: int | None) -> Decimal:
            (d,) = [d for d in fin.declared if (d.activity_no, d.source, d.year) == (activity, source, year)]
            assert d.amount is not None
            return d.amount

        assert Decimal(str(totals["total"])) == published(None, FundingSource.TOTAL, None) == Decimal("3962876.4")
        for row in totals["by_year"]:
            assert Decimal(str(row["amount"])) == published(None, FundingSource.TOTAL, row["year"])
        by_source = {r["source"]: Decimal(str(r["amount"])) for r in totals["by_source"]}
        assert by_source["regional_budget"] == published(None, FundingSource.REGIONAL_BUDGET, None)
        assert by_source["federal_transfer"] == published(None, FundingSource.FEDERAL_TRANSFER, None)
        by_activity = {r["activity_no"]: r for r in totals["by_activity"]}
        for n in (1, 2, 3, 4, 5, 7):
            assert Decimal(str(by_activity[n]["amount"])) == published(n, FundingSource.TOTAL, None)
        assert by_activity[1]["title_ru"].startswith("Осуществление нового строительства")
        # The three views reconcile with each other.
        assert sum(Decimal(str(r["amount"])) for r in totals["by_year"]) == Decimal(str(totals["total"]))
        assert sum(Decimal(str(r["amount"])) for r in totals["by_activity"]) == Decimal(str(totals["total"]))

        plan_back = (await client.get(f"/v1/programmes/{pid}/plan", headers=MUR_OPERATOR)).json()
        ongoing = next(i for i in plan_back if i["level"] == "activity" and i["number"] == 9)
        assert ongoing["end"]["kind"] == "ongoing"

    async def test_a_printed_total_that_does_not_add_up_is_stored_with_a_warning(
        self, client: httpx.AsyncClient, murmansk: tuple[list[PlanItem], Financing]
    ) -> None:
        plan, fin = murmansk
        pid = (await create(client)).json()["id"]
        await client.put(f"/v1/programmes/{pid}/plan", json={"items": plan_json(plan)}, headers=FEDERAL)
        body = financing_json(fin)
        index = next(
            n
            for n, d in enumerate(body["declared"])
            if (d["activity_no"], d["source"], d["year"]) == (1, "total", 2023)
        )
        body["declared"][index]["amount"] = str(Decimal(body["declared"][index]["amount"]) + 1)
        response = await client.put(f"/v1/programmes/{pid}/financing", json=body, headers=FEDERAL)
        assert response.status_code == 200, response.text
        mismatches = [w for w in response.json()["warnings"] if w["kind"] == "total_mismatch"]
        assert len(mismatches) == 1
        (warning,) = mismatches
        assert (warning["activity_no"], warning["year"], warning["source"]) == (1, 2023, "total")
        assert Decimal(str(warning["declared"])) - Decimal(str(warning["computed"])) == 1
        assert "activity 1, 2023, total" in warning["message"]
        totals = (await client.get(f"/v1/programmes/{pid}/financing", headers=FEDERAL)).json()
        # The lines are stored as printed; the computed total is not bent to the wrong printed one.
        assert Decimal(str(totals["total"])) == Decimal("3962876.4")
        assert totals["warnings"] == response.json()["warnings"]


class TestValidation:
    async def test_programme_rules(self, client: httpx.AsyncClient) -> None:
        assert (await create(client, end_year=2020)).status_code == 422
        assert (await create(client, region_code="RU-NOPE")).status_code == 422
        assert (await create(client)).status_code == 201
        assert (await create(client)).status_code == 409

    async def test_bad_lines(self, client: httpx.AsyncClient) -> None:
        pid = (await create(client)).json()["id"]
        body = {
            "lines": [
                {"activity_no": 1, "source": "total", "year": 2021, "amount": 1},
                {"activity_no": 1, "source": "regional_budget", "year": 2030, "amount": 1},
                {"activity_no": 1, "source": "regional_budget", "year": 2022, "amount": 1},
                {"activity_no": 1, "source": "regional_budget", "year": 2022, "amount": 2},
            ]
        }
        response = await client.put(f"/v1/programmes/{pid}/financing", json=body, headers=FEDERAL)
        assert response.status_code == 422
        pointers = [e["pointer"] for e in response.json()["errors"]]
        assert pointers == ["/lines/0/source", "/lines/1/year", "/lines/3"]
        for amount in (-1, "1.001", "abc", "1e30"):
            bad = {"lines": [{"activity_no": 1, "source": "regional_budget", "year": 2022, "amount": amount}]}
            assert (await client.put(f"/v1/programmes/{pid}/financing", json=bad, headers=FEDERAL)).status_code == 422

    async def test_bad_plan(self, client: httpx.AsyncClient) -> None:
        pid = (await create(client)).json()["id"]
        term = {"kind": "date", "on": "2021-01-01", "text": "01.01.2021"}
        items = [
            {"level": "goal", "number": 1, "goal_no": 1, "title_ru": "g", "start": term, "end": term},
            {"level": "activity", "number": 1, "goal_no": 1, "task_no": 5, "title_ru": "a", "start": term, "end": term},
        ]
        response = await client.put(f"/v1/programmes/{pid}/plan", json={"items": items}, headers=FEDERAL)
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/items/1"
        ongoing_with_date = {"kind": "ongoing", "on": "2021-01-01", "text": "x"}
        items[1] = {**items[1], "task_no": None, "level": "task", "end": ongoing_with_date}
        assert (
            await client.put(f"/v1/programmes/{pid}/plan", json={"items": items}, headers=FEDERAL)
        ).status_code == 422
