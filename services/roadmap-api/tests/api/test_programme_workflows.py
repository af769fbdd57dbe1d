"""Programme plans as printed: КБК codes kept (several per cell), «не требуют финансирования» told
from a missing amount, planned volumes per activity × year, and execution at a date over the
activities (ongoing ones never due, annual ones due each year)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from roadmap_api.programmes.reference import Financing, load_financing, load_plan
from roadmap_api.programmes.rules import PlanItem
from zdrav_shared.testing import auth

FEDERAL = auth(["federal"], ["RU"])
MUR_ADMIN = auth(["regional_admin"], ["RU-MUR"])
MUR_ANALYST = auth(["analyst"], ["RU-MUR"])
REFERENCE = next(
    p / "data" / "reference" for p in Path(__file__).resolve().parents if (p / "data" / "reference").is_dir()
)


def term(kind: str, on: str | None = None, text: str = "") -> dict[str, Any]:
    return {"kind": kind, "on": on, "text": text}


def plan_json(items: list[PlanItem]) -> list[dict[str, Any]]:
    return [
        {
            "level": i.level.value,
            "number": i.number,
            "goal_no": i.goal_no,
            "task_no": i.task_no,
            "title_ru": i.title_ru,
            "start": term(i.start.kind.value, i.start.on.isoformat() if i.start.on else None, i.start.text),
            "end": term(i.end.kind.value, i.end.on.isoformat() if i.end.on else None, i.end.text),
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
                "kbk": x.kbk,
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


async def programme(client: httpx.AsyncClient, code: str = "MUR-PMSP", start: int = 2021, end: int = 2025) -> int:
    body = {"code": code, "region_code": "RU-MUR", "title_ru": "Программа", "start_year": start, "end_year": end}
    response = await client.post("/v1/programmes", json=body, headers=MUR_ADMIN)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def put(client: httpx.AsyncClient, path: str, body: Any, expect: int = 200) -> Any:
    response = await client.put(path, json=body, headers=MUR_ADMIN)
    assert response.status_code == expect, response.text
    return response.json()


class TestAsPrinted:
    async def test_murmansk_kbk_codes_and_unfinanced_activities(
        self, client: httpx.AsyncClient, murmansk: tuple[list[PlanItem], Financing]
    ) -> None:
        plan, fin = murmansk
        pid = await programme(client)
        await put(client, f"/v1/programmes/{pid}/plan", {"items": plan_json(plan)})
        totals = await put(client, f"/v1/programmes/{pid}/financing", financing_json(fin))
        # The money is still right to the last 0.1 thousand rubles.
        assert Decimal(str(totals["total"])) == Decimal("3962876.4")
        assert not [w for w in totals["warnings"] if w["kind"] == "total_mismatch"]
        # Activities 10–17 have no financing rows (the source ends inside activity 9): missing, not 0.
        assert [u["activity_no"] for u in totals["unfinanced"]] == list(range(10, 18))
        missing = [w["activity_no"] for w in totals["warnings"] if w["kind"] == "missing_financing"]
        assert missing == list(range(10, 18))
        lines = (await client.get(f"/v1/programmes/{pid}/financing/lines", headers=MUR_ANALYST)).json()
        regional_1 = next(
            x for x in lines if (x["activity_no"], x["source"], x["year"]) == (1, "regional_budget", 2021)
        )
        assert regional_1["kbk"] == {
            "glava": ["805", "807"],
            "razdel_podrazdel": ["0902", "0909"],
            "tselevaya_statya": ["21 4 02 R365 0"],
            "vid_raskhodov": ["600", "400"],
        }
        assert Decimal(str(regional_1["amount"])) == Decimal("5984.1")
        extra = next(
            x for x in lines if (x["activity_no"], x["source"], x["year"]) == (1, "extrabudgetary_funds", 2021)
        )
        assert extra["kbk"] == {"glava": "x", "razdel_podrazdel": "x", "tselevaya_statya": "x", "vid_raskhodov": "x"}
        municipal = next(x for x in lines if (x["activity_no"], x["source"]) == (1, "municipal_budgets"))
        assert (municipal["kbk"], municipal["amount"]) == (None, None)

    async def test_no_financing_needed_is_not_a_missing_amount(self, client: httpx.AsyncClient) -> None:
        pid = await programme(client, start=2021, end=2022)
        items = [
            {"level": "goal", "number": 1, "goal_no": 1, "title_ru": "Цель", "start": term("date", "2021-01-01"),
             "end": term("date", "2022-12-31")},
            {"level": "task", "number": 1, "goal_no": 1, "task_no": 1, "title_ru": "Задача",
             "start": term("date", "2021-01-01"), "end": term("date", "2022-12-31")},
            {"level": "activity", "number": 1, "goal_no": 1, "task_no": 1, "title_ru": "Стройка",
             "start": term("date", "2021-01-01"), "end": term("date", "2022-12-31"),
             "responsible_bodies": ["Минздрав", "Минстрой"]},
            {"level": "activity", "number": 2, "goal_no": 1, "task_no": 1, "title_ru": "Наставничество",
             "start": term("date", "2021-01-01"), "end": term("date", "2022-12-31"), "no_financing_needed": True},
            {"level": "activity", "number": 3, "goal_no": 1, "task_no": 1, "title_ru": "Приказ",
             "start": term("date", "2021-01-01"), "end": term("date", "2021-06-30"), "no_financing_needed": True},
            {"level": "activity", "number": 4, "goal_no": 1, "task_no": 1, "title_ru": "Без данных",
             "start": term("date", "2021-01-01"), "end": term("date", "2022-12-31")},
        ]  # fmt: skip
        saved = await put(client, f"/v1/programmes/{pid}/plan", {"items": items})
        assert saved[2]["responsible_bodies"] == ["Минздрав", "Минстрой"]
        assert [i["no_financing_needed"] for i in saved] == [False, False, False, True, True, False]
        lines = [
            {"activity_no": 1, "source": "regional_budget", "year": 2021, "amount": "100.5"},
            {"activity_no": 3, "source": "regional_budget", "year": 2021, "amount": "10"},
        ]
        totals = await put(client, f"/v1/programmes/{pid}/financing", {"lines": lines})
        assert [(u["activity_no"], u["no_financing_needed"]) for u in totals["unfinanced"]] == [(2, True), (4, False)]
        kinds = [(w["kind"], w["activity_no"]) for w in totals["warnings"]]
        assert kinds == [("financed_but_not_needed", 3), ("missing_financing", 4)]
        by_activity = {a["activity_no"]: a for a in totals["by_activity"]}
        assert by_activity[3]["no_financing_needed"] is True and by_activity[1]["no_financing_needed"] is False
        bad_goal = [{**items[0], "no_financing_needed": True}, *items[1:]]
        refused = await put(client, f"/v1/programmes/{pid}/plan", {"items": bad_goal}, expect=422)
        assert refused["errors"][0]["pointer"] == "/items/0/no_financing_needed"

    async def test_bad_kbk_cells_are_422(self, client: httpx.AsyncClient) -> None:
        pid = await programme(client)
        for kbk in ({"glava": "y"}, {"glava": ["8;05"]}, {"glava": [""]}, {"vid": ["600"]}):
            line = {"activity_no": 1, "source": "regional_budget", "year": 2021, "amount": "1", "kbk": kbk}
            await put(client, f"/v1/programmes/{pid}/financing", {"lines": [line]}, expect=422)


def activity(number: int, start: dict[str, Any], end: dict[str, Any]) -> dict[str, Any]:
    return {"level": "activity", "number": number, "goal_no": 1, "task_no": 1, "title_ru": f"М{number}",
            "start": start, "end": end}  # fmt: skip


class TestExecution:
    async def plan(self, client: httpx.AsyncClient) -> int:
        pid = await programme(client, "EXEC", 2021, 2023)
        items = [
            {"level": "goal", "number": 1, "goal_no": 1, "title_ru": "Ц", "start": term("date", "2021-01-01"),
             "end": term("date", "2023-12-31")},
            {"level": "task", "number": 1, "goal_no": 1, "task_no": 1, "title_ru": "З",
             "start": term("date", "2021-01-01"), "end": term("date", "2023-12-31")},
            activity(1, term("date", "2021-01-01"), term("date", "2021-06-30")),
            activity(2, term("date", "2021-01-01"), term("date", "2022-03-31")),
            activity(3, term("date", "2021-01-01"), term("annually", text="ежегодно")),
            activity(4, term("date", "2021-01-01"), term("ongoing", text="на постоянной основе")),
            activity(5, term("event", text="С момента вступления в силу"), term("date", "2023-12-31")),
        ]  # fmt: skip
        await put(client, f"/v1/programmes/{pid}/plan", {"items": items})
        return pid

    async def execution(self, client: httpx.AsyncClient, pid: int, as_of: str) -> dict[str, Any]:
        response = await client.get(f"/v1/programmes/{pid}/execution", params={"as_of": as_of}, headers=MUR_ANALYST)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def test_dated_annual_and_ongoing_activities(self, client: httpx.AsyncClient) -> None:
        pid = await self.plan(client)
        report = f"/v1/programmes/{pid}/activities"
        await put(client, f"{report}/1/progress", {"status": "done", "completed_on": "2021-06-20"})
        await put(client, f"{report}/2/progress", {"status": "done", "completed_on": "2022-04-15"})
        await put(client, f"{report}/3/progress", {"year": 2021, "status": "done", "completed_on": "2021-12-20"})
        await put(client, f"{report}/3/progress", {"year": 2022, "status": "in_progress"})
        await put(client, f"{report}/4/progress", {"year": 2021, "status": "done", "completed_on": "2021-12-31"})

        early = await self.execution(client, pid, "2021-12-31")
        # Due: activity 1 (30.06.2021) and activity 3 for 2021; both done on time.
        assert (early["due"], early["completed_on_time"], early["execution_pct"], early["meets_threshold"]) == (
            2,
            2,
            100.0,
            True,
        )
        assert early["ongoing_activities"] == [4]
        later = await self.execution(client, pid, "2022-12-31")
        # Due now: 1, 2 (done late, 15.04 after 31.03), 3/2021 and 3/2022 (not done): 3 of 4 completed.
        assert (later["due"], later["completed_on_time"], later["completed_late"], later["overdue"]) == (4, 2, 1, 1)
        assert (later["execution_pct"], later["threshold_pct"], later["meets_threshold"]) == (75.0, 90.0, False)
        outcomes = {(o["activity_no"], o["period"]): o["outcome"] for o in later["obligations"]}
        assert outcomes == {
            (1, "all"): "completed_on_time",
            (2, "all"): "completed_late",
            (3, "2021"): "completed_on_time",
            (3, "2022"): "overdue",
            (3, "2023"): "not_due",
            (5, "all"): "not_due",
        }
        # As of a date before a completion, the completion does not count yet.
        before = await self.execution(client, pid, "2022-04-01")
        assert (before["due"], before["overdue"]) == (3, 1)
        # Cancelled for a year: out of the due list.
        await put(client, f"{report}/3/progress", {"year": 2022, "status": "cancelled"})
        cancelled = await self.execution(client, pid, "2022-12-31")
        assert (cancelled["due"], cancelled["cancelled"], cancelled["execution_pct"]) == (3, 1, 100.0)
        assert (await self.execution(client, pid, "2020-12-31"))["execution_pct"] is None

    @pytest.mark.parametrize(
        ("activity_no", "body", "pointer"),
        [
            (3, {"status": "done", "completed_on": "2021-12-01"}, "/year"),
            (1, {"year": 2021, "status": "done", "completed_on": "2021-05-01"}, "/year"),
            (3, {"year": 2030, "status": "in_progress"}, "/year"),
            (1, {"status": "done"}, "/completed_on"),
            (1, {"status": "in_progress", "completed_on": "2021-05-01"}, "/completed_on"),
            (1, {"status": "done", "completed_on": "2099-01-01"}, "/completed_on"),
        ],
    )
    async def test_bad_reports(
        self, client: httpx.AsyncClient, activity_no: int, body: dict[str, Any], pointer: str
    ) -> None:
        pid = await self.plan(client)
        answer = await put(client, f"/v1/programmes/{pid}/activities/{activity_no}/progress", body, expect=422)
        assert answer["errors"][0]["pointer"] == pointer
        missing = await client.put(
            f"/v1/programmes/{pid}/activities/99/progress", json={"status": "planned"}, headers=MUR_ADMIN
        )
        assert missing.status_code == 404

    async def test_volumes_per_activity_and_year(self, client: httpx.AsyncClient) -> None:
        pid = await self.plan(client)
        items = [
            {"activity_no": 1, "name_ru": "Автомобили", "unit": "единиц", "year": 2021, "planned": 12, "actual": 9},
            {"activity_no": 1, "name_ru": "Автомобили", "unit": "единиц", "year": 2022, "planned": 10},
            {"activity_no": 2, "name_ru": "ФАП", "unit": "единиц", "year": 2023, "planned": 0, "actual": 1},
        ]
        saved = await put(client, f"/v1/programmes/{pid}/volumes", {"items": items})
        assert [v["done_pct"] for v in saved] == [75.0, None, None]
        listed = (await client.get(f"/v1/programmes/{pid}/volumes", headers=MUR_ANALYST)).json()
        assert listed == saved
        execution = await self.execution(client, pid, "2021-12-31")
        assert [(v["year"], v["planned"], v["actual"]) for v in execution["volumes"]] == [(2021, 12.0, 9.0)]
        for bad, pointer in (
            ({**items[0], "activity_no": 99}, "/items/0/activity_no"),
            ({**items[0], "year": 2030}, "/items/0/year"),
            ({**items[0], "planned": -1}, "/items/0/planned"),
        ):
            refused = await put(client, f"/v1/programmes/{pid}/volumes", {"items": [bad]}, expect=422)
            assert refused["errors"][0]["pointer"] == pointer
        duplicate = await put(client, f"/v1/programmes/{pid}/volumes", {"items": [items[0], items[0]]}, expect=422)
        assert duplicate["errors"][0]["pointer"] == "/items/1"

    async def test_murmansk_plan_execution(
        self, client: httpx.AsyncClient, murmansk: tuple[list[PlanItem], Financing]
    ) -> None:
        plan, _ = murmansk
        pid = await programme(client)
        await put(client, f"/v1/programmes/{pid}/plan", {"items": plan_json(plan)})
        # 17 activities: activity 9 runs "на постоянной основе" (never due); activity 12 ends 30.06.2021.
        start = await self.execution(client, pid, "2021-12-31")
        assert (start["due"], start["overdue"], start["ongoing_activities"]) == (1, 1, [9])
        for n in [*range(1, 9), *range(10, 17)]:
            completed = "2021-06-25" if n == 12 else "2025-12-20"
            await put(
                client, f"/v1/programmes/{pid}/activities/{n}/progress", {"status": "done", "completed_on": completed}
            )
        end = await self.execution(client, pid, "2025-12-31")
        # 16 due, 15 done (activity 17 is not): 93.75 % meets the 90 % threshold.
        assert (end["due"], end["completed_on_time"], end["overdue"]) == (16, 15, 1)
        assert (end["execution_pct"], end["meets_threshold"]) == (93.75, True)
        assert (await self.execution(client, pid, "2021-12-31"))["execution_pct"] == 100.0
