"""The best-practice catalogue (seeded with the method's nine health practices) and measures as the
method's template has them: "(Ф)" with proposals for the federal roadmap, reused assets and
catalogue practices referred to by code."""

from __future__ import annotations

from typing import Any

import httpx

from zdrav_shared.testing import auth

FEDERAL = auth(["federal"], ["RU"], sub="federal")
MUR_ADMIN = auth(["regional_admin"], ["RU-MUR"], sub="mur-admin")
KYA_ADMIN = auth(["regional_admin"], ["RU-KYA"], sub="kya-admin")
MUR_ANALYST = auth(["analyst"], ["RU-MUR"])
MUR_OPERATOR = auth(["mo_operator"], ["RU-MUR"])
BP = "/v1/best-practices"


async def roadmap(client: httpx.AsyncClient, region: str = "RU-MUR", **extra: Any) -> httpx.Response:
    body = {"region_code": region, "life_situation": "ССЗ", "title": "ДК", **extra}
    return await client.post("/v1/roadmaps", json=body, headers=FEDERAL)


class TestCatalogue:
    async def test_the_nine_health_practices_are_seeded(self, client: httpx.AsyncClient) -> None:
        items = (await client.get(BP, headers=MUR_OPERATOR)).json()["items"]
        assert [p["code"] for p in items] == [f"nsi-bp-{n}" for n in range(1, 10)]
        first = items[0]
        assert first["name_ru"] == "Республиканский логистический центр управления сердечно-сосудистыми рисками"
        assert first["regions_ru"] == ["Республика Башкортостан"]
        assert first["life_situation_codes"] == ["nsi-health-1", "nsi-health-3"]
        assert "летальность от инфаркта миокарда с 12,7% до 9,9%" in first["result_ru"]
        assert (first["owner"], first["url"]) == ("RU", None)
        assert items[4]["result_ru"] is None  # «Мобильная поликлиника»: no result printed
        suited = (await client.get(BP, params={"life_situation": "nsi-health-2"}, headers=MUR_ANALYST)).json()
        assert [p["code"] for p in suited["items"]] == ["nsi-bp-4"]
        one = await client.get(f"{BP}/nsi-bp-6", headers=MUR_ANALYST)
        assert one.json()["regions_ru"] == ["Сахалинская область"]
        assert (await client.get(f"{BP}/nsi-bp-99", headers=MUR_ANALYST)).status_code == 404

    async def test_regions_add_their_own_and_only_owners_change(self, client: httpx.AsyncClient) -> None:
        body = {
            "code": "mur-bp-1",
            "name_ru": "Единая диспетчерская записи к кардиологу",
            "regions_ru": ["Мурманская область"],
            "result_ru": "ожидание записи с 14 до 5 дней",
            "life_situation_codes": ["nsi-health-1"],
            "url": "https://example.org/practice",
        }
        created = await client.post(BP, json=body, headers=MUR_ADMIN)
        assert created.status_code == 201, created.text
        assert (created.json()["owner"], created.json()["url"]) == ("RU-MUR", "https://example.org/practice")
        assert (await client.post(BP, json=body, headers=KYA_ADMIN)).status_code == 409
        unknown = await client.post(
            BP, json={**body, "code": "mur-bp-2", "life_situation_codes": ["nope"]}, headers=MUR_ADMIN
        )
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["pointer"] == "/life_situation_codes/0"
        assert (await client.post(BP, json={**body, "code": "x-1"}, headers=MUR_OPERATOR)).status_code == 403
        not_owner = await client.patch(f"{BP}/nsi-bp-1", json={"result_ru": "x"}, headers=MUR_ADMIN)
        assert not_owner.status_code == 403 and not_owner.json()["owner"] == "RU"
        assert (await client.patch(f"{BP}/mur-bp-1", json={"result_ru": "x"}, headers=KYA_ADMIN)).status_code == 403
        changed = await client.patch(
            f"{BP}/mur-bp-1", json={"result_ru": "ожидание с 14 до 4 дней", "reason": "данные 2022"}, headers=MUR_ADMIN
        )
        assert changed.status_code == 200 and changed.json()["version"] == 2
        federal = await client.patch(f"{BP}/nsi-bp-7", json={"regions_ru": ["Тюменская область"]}, headers=FEDERAL)
        assert federal.status_code == 200
        trail = (await client.get("/v1/audit-entries", params={"entity": "best_practice"}, headers=KYA_ADMIN)).json()
        # Federal catalogue entries are everyone's to read; a region's own only its own.
        assert [(e["action"], e["region_code"]) for e in trail["items"]] == [("updated", "RU")]


class TestMeasures:
    async def test_the_template_fields(self, client: httpx.AsyncClient) -> None:
        created = await roadmap(
            client,
            measures=[
                {
                    "problem": "Неэффективное использование рабочего времени врача",
                    "causes": ["документы"],
                    "solution": "передача немедицинского функционала помощнику (Ф)",
                    "federal_proposals": ["Изменить порядок оформления направлений (приказ Минздрава)"],
                    "reused_assets": ["Регламент работы помощника врача (Белгородская обл.)"],
                    "best_practice_codes": ["nsi-bp-6", "nsi-bp-6", "nsi-bp-8"],
                },
                {"problem": "Очередь у кабинета забора анализов", "solution": "расширение времени забора"},
            ],
        )
        assert created.status_code == 201, created.text
        federal, local = created.json()["measures"]
        assert federal["federal_level"] is True  # from the method's "(Ф)"
        assert federal["federal_proposals"] == ["Изменить порядок оформления направлений (приказ Минздрава)"]
        assert federal["reused_assets"] == ["Регламент работы помощника врача (Белгородская обл.)"]
        assert federal["best_practice_codes"] == ["nsi-bp-6", "nsi-bp-8"]
        assert (local["federal_level"], local["federal_proposals"], local["best_practice_codes"]) == (False, [], [])
        rid = created.json()["id"]
        added = await client.post(
            f"/v1/roadmaps/{rid}/measures",
            json={"problem": "Сроки ВМП", "solution": "информирование", "federal_level": True},
            headers=MUR_ADMIN,
        )
        assert added.status_code == 201 and added.json()["federal_level"] is True

    async def test_bad_references_are_422(self, client: httpx.AsyncClient) -> None:
        unknown = await roadmap(
            client, measures=[{"problem": "p", "solution": "s", "best_practice_codes": ["nsi-bp-1", "nope"]}]
        )
        assert unknown.status_code == 422
        assert unknown.json()["errors"] == [
            {"pointer": "/measures/0/best_practice_codes/1", "message": unknown.json()["errors"][0]["message"]}
        ]
        assert "nope" in unknown.json()["errors"][0]["message"]
        contradiction = await roadmap(
            client, measures=[{"problem": "p", "solution": "s", "federal_level": False, "federal_proposals": ["x"]}]
        )
        assert contradiction.status_code == 422
        assert contradiction.json()["errors"][0]["pointer"] == "/measures/0/federal_proposals"
        rid = (await roadmap(client)).json()["id"]
        direct = await client.post(
            f"/v1/roadmaps/{rid}/measures",
            json={"problem": "p", "solution": "s", "best_practice_codes": ["zz"]},
            headers=MUR_ADMIN,
        )
        assert direct.status_code == 422 and direct.json()["errors"][0]["pointer"] == "/best_practice_codes/0"

    async def test_the_federal_proposals_list(self, client: httpx.AsyncClient) -> None:
        mur = await roadmap(
            client,
            measures=[
                {"problem": "ВМП", "solution": "минимальный перечень анализов для ФЦ (Ф)", "federal_proposals": ["A"]},
                {"problem": "Очередь", "solution": "запись"},
            ],
        )
        await roadmap(client, region="RU-KYA", measures=[{"problem": "P", "solution": "S (Ф)"}])
        mine = (await client.get("/v1/federal-proposals", headers=MUR_ANALYST)).json()["items"]
        assert [(p["region_code"], p["roadmap_id"], p["federal_proposals"]) for p in mine] == [
            ("RU-MUR", mur.json()["id"], ["A"])
        ]
        everyone = (await client.get("/v1/federal-proposals", headers=FEDERAL)).json()["items"]
        assert [p["region_code"] for p in everyone] == ["RU-MUR", "RU-KYA"]
        kya = (await client.get("/v1/federal-proposals", params={"region": "RU-KYA"}, headers=FEDERAL)).json()
        assert [p["solution"] for p in kya["items"]] == ["S (Ф)"]
        assert (
            await client.get("/v1/federal-proposals", params={"region": "RU-KYA"}, headers=MUR_ANALYST)
        ).status_code == 403
