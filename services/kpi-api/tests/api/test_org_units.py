from __future__ import annotations

import httpx
import pytest

from zdrav_shared.testing import auth, token

FEDERAL = auth(["federal"], ["RU"])
MUR_ADMIN = auth(["regional_admin"], ["RU-MUR"])
KYA_ADMIN = auth(["regional_admin"], ["RU-KYA"])
MUR_OPERATOR = auth(["mo_operator"], ["RU-MUR"])


async def make(client: httpx.AsyncClient, headers: dict[str, str] | None = None, **body: object) -> httpx.Response:
    return await client.post("/v1/org-units", json=body, headers=headers or FEDERAL)


@pytest.fixture
async def tree(client: httpx.AsyncClient) -> None:
    units = [
        {"code": "RU", "name_ru": "Российская Федерация", "level": "federation"},
        {
            "code": "RU-MUR",
            "name_ru": "Мурманская область",
            "level": "region",
            "parent_code": "RU",
            "timezone": "Europe/Moscow",
        },
        {
            "code": "RU-KYA",
            "name_ru": "Красноярский край",
            "level": "region",
            "parent_code": "RU",
            "timezone": "Asia/Krasnoyarsk",
        },
        {"code": "RU-MUR-MON", "name_ru": "г. Мончегорск", "level": "municipality", "parent_code": "RU-MUR"},
        {
            "code": "MUR-MON-CH",
            "name_ru": "Мончегорская ЦГБ",
            "level": "organisation",
            "parent_code": "RU-MUR-MON",
            "kind": "hospital",
        },
        {
            "code": "MUR-MON-CH.AP",
            "name_ru": "Взрослая поликлиника",
            "level": "subdivision",
            "parent_code": "MUR-MON-CH",
            "kind": "adult_polyclinic",
        },
    ]
    for unit in units:
        response = await make(client, **unit)
        assert response.status_code == 201, response.text


class TestCreate:
    async def test_created_unit_carries_path_region_and_zone(self, client: httpx.AsyncClient, tree: None) -> None:
        response = await client.get("/v1/org-units/MUR-MON-CH.AP", headers=MUR_OPERATOR)
        assert response.status_code == 200
        body = response.json()
        assert body["path"] == ["RU", "RU-MUR", "RU-MUR-MON", "MUR-MON-CH", "MUR-MON-CH.AP"]
        assert body["region_code"] == "RU-MUR"
        assert body["timezone"] == "Europe/Moscow"
        assert body["parent_code"] == "MUR-MON-CH"
        assert response.headers["etag"] == 'W/"1"'
        assert body["created_at"].endswith(("Z", "+00:00")), "timestamps must read back timezone-aware"

    async def test_duplicate_code_is_409(self, client: httpx.AsyncClient, tree: None) -> None:
        response = await make(client, code="RU-MUR-MON", name_ru="x", level="municipality", parent_code="RU-MUR")
        assert response.status_code == 409
        assert response.headers["content-type"] == "application/problem+json"

    @pytest.mark.parametrize(
        ("body", "pointer"),
        [
            ({"code": "X1", "name_ru": "x", "level": "municipality", "parent_code": "RU"}, "/parent_code"),
            ({"code": "X2", "name_ru": "x", "level": "subdivision", "parent_code": "RU-MUR-MON"}, "/parent_code"),
            ({"code": "RU-ZZ", "name_ru": "x", "level": "region", "parent_code": "RU"}, "/timezone"),
            (
                {"code": "RU-ZZ", "name_ru": "x", "level": "region", "parent_code": "RU", "timezone": "Mars/Olympus"},
                "/timezone",
            ),
            ({"code": "bad code", "name_ru": "x", "level": "municipality", "parent_code": "RU-MUR"}, "/code"),
            ({"code": "X3", "name_ru": "x", "level": "municipality", "parent_code": "NOPE"}, "/parent_code"),
            ({"code": "X4", "name_ru": "x", "level": "planet", "parent_code": "RU"}, "/level"),
        ],
    )
    async def test_rule_violations_are_422_with_pointer(
        self, client: httpx.AsyncClient, tree: None, body: dict[str, str], pointer: str
    ) -> None:
        response = await make(client, **body)
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["status"] == 422
        assert pointer in [e["pointer"] for e in problem["errors"]]

    async def test_regional_admin_writes_inside_its_region_only(self, client: httpx.AsyncClient, tree: None) -> None:
        inside = await make(
            client, MUR_ADMIN, code="RU-MUR-KIR", name_ru="г. Кировск", level="municipality", parent_code="RU-MUR"
        )
        assert inside.status_code == 201
        outside = await make(
            client, KYA_ADMIN, code="RU-MUR-APA", name_ru="г. Апатиты", level="municipality", parent_code="RU-MUR"
        )
        assert outside.status_code == 403
        assert outside.headers["content-type"] == "application/problem+json"

    async def test_operator_cannot_write(self, client: httpx.AsyncClient, tree: None) -> None:
        response = await make(
            client, MUR_OPERATOR, code="RU-MUR-KIR", name_ru="x", level="municipality", parent_code="RU-MUR"
        )
        assert response.status_code == 403


class TestAuth:
    async def test_malformed_token_is_401(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/org-units", headers={"Authorization": "Bearer not.a.jwt"})
        assert response.status_code == 401
        assert response.json()["type"].endswith("/unauthorized")

    async def test_missing_token_is_401(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/v1/org-units")).status_code == 401

    async def test_expired_token_is_401(self, client: httpx.AsyncClient) -> None:
        expired = token(["federal"], ["RU"], ttl_s=-3600)
        response = await client.get("/v1/org-units", headers={"Authorization": f"Bearer {expired}"})
        assert response.status_code == 401
        assert "expired" in response.json()["detail"]

    async def test_token_signed_with_another_key_is_401(self, client: httpx.AsyncClient) -> None:
        from zdrav_shared.auth import issue_token

        forged = issue_token("another-secret-entirely-0123456789abcdef", "x", ["federal"], ["RU"])
        response = await client.get("/v1/org-units", headers={"Authorization": f"Bearer {forged}"})
        assert response.status_code == 401


class TestRead:
    async def test_unknown_code_is_404(self, client: httpx.AsyncClient, tree: None) -> None:
        response = await client.get("/v1/org-units/NOPE", headers=FEDERAL)
        assert response.status_code == 404
        assert response.json()["code"] == "NOPE"

    async def test_subtree_and_ancestors(self, client: httpx.AsyncClient, tree: None) -> None:
        subtree = await client.get("/v1/org-units/RU-MUR/subtree", headers=FEDERAL)
        assert [u["code"] for u in subtree.json()] == ["RU-MUR", "RU-MUR-MON", "MUR-MON-CH", "MUR-MON-CH.AP"]
        shallow = await client.get("/v1/org-units/RU-MUR/subtree?depth=1", headers=FEDERAL)
        assert [u["code"] for u in shallow.json()] == ["RU-MUR", "RU-MUR-MON"]
        ancestors = await client.get("/v1/org-units/MUR-MON-CH/ancestors", headers=FEDERAL)
        assert [u["code"] for u in ancestors.json()] == ["RU", "RU-MUR", "RU-MUR-MON"]

    async def test_list_pages_through_all_units_in_code_order(self, client: httpx.AsyncClient, tree: None) -> None:
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/v1/org-units", params=params, headers=FEDERAL)).json()
            seen += [u["code"] for u in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == sorted(seen) and len(seen) == 6

    async def test_filters(self, client: httpx.AsyncClient, tree: None) -> None:
        regions = await client.get("/v1/org-units?level=region", headers=FEDERAL)
        assert [u["code"] for u in regions.json()["items"]] == ["RU-KYA", "RU-MUR"]
        under = await client.get("/v1/org-units?under=RU-MUR-MON", headers=FEDERAL)
        assert len(under.json()["items"]) == 3
        children = await client.get("/v1/org-units?parent_code=RU", headers=FEDERAL)
        assert len(children.json()["items"]) == 2

    async def test_bad_cursor_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/org-units?cursor=%%%", headers=FEDERAL)
        assert response.status_code == 422

    async def test_limit_over_maximum_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/org-units?limit=100000", headers=FEDERAL)
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/query/limit"


class TestUpdate:
    async def test_update_with_current_etag_then_stale_is_409(self, client: httpx.AsyncClient, tree: None) -> None:
        first = await client.patch(
            "/v1/org-units/RU-MUR-MON", json={"rural": True}, headers={**MUR_ADMIN, "If-Match": 'W/"1"'}
        )
        assert first.status_code == 200 and first.json()["rural"] is True
        assert first.headers["etag"] == 'W/"2"'
        stale = await client.patch(
            "/v1/org-units/RU-MUR-MON", json={"rural": False}, headers={**MUR_ADMIN, "If-Match": 'W/"1"'}
        )
        assert stale.status_code == 409

    async def test_update_outside_scope_is_403(self, client: httpx.AsyncClient, tree: None) -> None:
        response = await client.patch("/v1/org-units/RU-MUR-MON", json={"rural": True}, headers=KYA_ADMIN)
        assert response.status_code == 403

    async def test_invalid_zone_is_422(self, client: httpx.AsyncClient, tree: None) -> None:
        response = await client.patch("/v1/org-units/RU-MUR", json={"timezone": "Europe/Nowhere"}, headers=FEDERAL)
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/timezone"


class TestImport:
    CSV = (
        "\ufeffcode;name_ru;level;parent_code;timezone;rural\n"
        "RU-MUR-KIR;г. Кировск;municipality;RU-MUR;;нет\n"
        "MUR-KIR-CH;Кировская ЦГБ;organisation;RU-MUR-KIR;;\n"
        "MUR-KIR-FAP1;ФАП Титан;organisation;RU-MUR-KIR;;да\n"
    )

    async def upload(self, client: httpx.AsyncClient, text: str, headers: dict[str, str], dry: bool = False):
        files = {"file": ("units.csv", text.encode("utf-8"), "text/csv")}
        return await client.post(f"/v1/org-units/import?dry_run={str(dry).lower()}", files=files, headers=headers)

    async def test_import_applies_all_rows(self, client: httpx.AsyncClient, tree: None) -> None:
        response = await self.upload(client, self.CSV, MUR_ADMIN)
        assert response.status_code == 200, response.text
        assert response.json()["created"] == 3
        fap = (await client.get("/v1/org-units/MUR-KIR-FAP1", headers=FEDERAL)).json()
        assert fap["rural"] is True and fap["path"][-2] == "RU-MUR-KIR"

    async def test_dry_run_applies_nothing(self, client: httpx.AsyncClient, tree: None) -> None:
        response = await self.upload(client, self.CSV, FEDERAL, dry=True)
        assert response.json() == {"dry_run": True, "applied": False, "rows": 3, "created": 0, "errors": []}
        assert (await client.get("/v1/org-units/RU-MUR-KIR", headers=FEDERAL)).status_code == 404

    async def test_one_bad_row_applies_nothing_and_names_the_row(self, client: httpx.AsyncClient, tree: None) -> None:
        bad = self.CSV + "MUR-KIR-X;Отделение;subdivision;RU-MUR-KIR;;\n"
        response = await self.upload(client, bad, FEDERAL)
        assert response.status_code == 422
        problem = response.json()
        assert problem["errors"][0]["pointer"] == "/rows/4/parent_code"
        assert problem["report"]["errors"][0]["row"] == 4
        assert (await client.get("/v1/org-units/RU-MUR-KIR", headers=FEDERAL)).status_code == 404

    async def test_rows_outside_scope_are_refused(self, client: httpx.AsyncClient, tree: None) -> None:
        response = await self.upload(client, self.CSV, KYA_ADMIN)
        assert response.status_code == 422
        assert "outside your scope" in response.json()["report"]["errors"][0]["message"]

    async def test_not_utf8_is_422(self, client: httpx.AsyncClient, tree: None) -> None:
        files = {"file": ("u.csv", "code;name_ru;level\nX;Тест;region\n".encode("cp1251"), "text/csv")}
        response = await client.post("/v1/org-units/import", files=files, headers=FEDERAL)
        assert response.status_code == 422


class TestLimitsAndErrors:
    async def test_body_over_limit_is_413(self, client: httpx.AsyncClient) -> None:
        body = b'{"code": "' + b"A" * 70_000 + b'"}'
        response = await client.post(
            "/v1/org-units", content=body, headers={**FEDERAL, "content-type": "application/json"}
        )
        assert response.status_code == 413
        assert response.json()["status"] == 413

    async def test_malformed_json_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/org-units", content=b"{not json", headers={**FEDERAL, "content-type": "application/json"}
        )
        assert response.status_code == 422

    async def test_request_id_is_echoed_or_generated(self, client: httpx.AsyncClient) -> None:
        given = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
        assert given.headers["x-request-id"] == "abc-123"
        generated = await client.get("/healthz")
        assert len(generated.headers["x-request-id"]) == 32

    async def test_readyz_reports_migrations_at_head(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["migrations_at_head"] is True

    async def test_metrics_use_route_templates(self, client: httpx.AsyncClient, tree: None) -> None:
        await client.get("/v1/org-units/RU-MUR", headers=FEDERAL)
        text = (await client.get("/metrics")).text
        assert 'route="/v1/org-units/{code}"' in text
        assert "RU-MUR" not in text
