"""Every error a request can end in is answered as RFC 9457 problem+json, never a traceback."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from zdrav_shared.problems import (
    PROBLEM_JSON,
    PROBLEM_TYPE_BASE,
    Problem,
    pointer_from_loc,
    problem_responses,
    validation_problem,
)

EXPECTED = [
    ("bad-request", 400, {}),
    ("unauthorized", 401, {"www-authenticate": 'Bearer realm="zdrav"'}),
    ("forbidden", 403, {}),
    ("not-found", 404, {}),
    ("conflict", 409, {}),
    ("precondition-failed", 412, {}),
    ("payload-too-large", 413, {}),
    ("validation-error", 422, {}),
    ("rate-limited", 429, {"retry-after": "7"}),
    ("service-unavailable", 503, {"retry-after": "9"}),
    ("peer-unavailable", 503, {"retry-after": "5"}),
]


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith(PROBLEM_TYPE_BASE)
    assert body["title"]
    Problem.model_validate(body)
    return body


class TestProblemErrors:
    @pytest.mark.parametrize(("slug", "status", "headers"), EXPECTED)
    async def test_each_subclass_renders(
        self, client: httpx.AsyncClient, slug: str, status: int, headers: dict[str, str]
    ) -> None:
        response = await client.get(f"/raise/{slug}")
        body = assert_problem(response, status)
        assert body["type"] == PROBLEM_TYPE_BASE + slug
        assert body["instance"] == f"/raise/{slug}"
        assert body["detail"]
        for name, value in headers.items():
            assert response.headers[name] == value

    async def test_extra_members_and_pointers_are_kept(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/raise/conflict")).json()["current_etag"] == 'W/"2"'
        assert (await client.get("/raise/peer-unavailable")).json()["target"] == "survey-api"
        errors = (await client.get("/raise/validation-error")).json()["errors"]
        assert errors == [{"pointer": "/items/0/value", "message": "value is negative"}]


class TestValidation:
    async def test_body_error_points_into_the_body(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/items", json={"items": [{"value": "many", "period": "2025Q2"}]})
        body = assert_problem(response, 422)
        assert body["type"] == PROBLEM_TYPE_BASE + "validation-error"
        assert [e["pointer"] for e in body["errors"]] == ["/items/0/value"]
        assert body["errors"][0]["message"]
        assert "/items/0/value" in body["detail"]

    async def test_bad_period_is_a_422_with_the_period_message(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/items", json={"items": [{"value": 1, "period": "2025"}, {"value": 1, "period": "2025Q5"}]}
        )
        body = assert_problem(response, 422)
        assert body["errors"] == [
            {"pointer": "/items/1/period", "message": "'2025Q5' is not a period: use 2025, 2025Q2 or 2025-04"}
        ]

    async def test_valid_body_passes(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/items", json={"items": [{"value": 3, "period": "2025-04"}]})
        assert response.status_code == 200
        assert response.json() == {"count": 1, "periods": ["2025-04"]}

    async def test_malformed_json_is_a_422_not_a_500(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/items", content=b'{"items": [', headers={"content-type": "application/json"})
        assert_problem(response, 422)

    def test_pointers(self) -> None:
        assert pointer_from_loc(("body", "items", 0, "value")) == "/items/0/value"
        assert pointer_from_loc(("query", "period")) == "/query/period"
        assert pointer_from_loc(("body", "a/b", "c~d")) == "/a~1b/c~0d"
        assert pointer_from_loc(()) == ""

    def test_validation_problem_strips_the_value_error_prefix(self) -> None:
        problem = validation_problem([{"loc": ("body", "x"), "msg": "Value error, too big"}])
        assert problem.errors is not None
        assert problem.errors[0].message == "too big"
        assert problem.status == 422


class TestUnexpected:
    async def test_a_bug_is_a_500_problem_not_a_traceback(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/boom")
        body = assert_problem(response, 500)
        assert body["type"] == PROBLEM_TYPE_BASE + "internal-error"
        assert "Traceback" not in response.text
        assert "a bug" not in response.text  # the exception text stays in the logs

    async def test_a_500_still_carries_the_request_id(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/boom", headers={"X-Request-ID": "req-500"})
        assert response.status_code == 500
        assert response.headers["x-request-id"] == "req-500"

    async def test_database_connection_refused_is_a_503(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/db-down")
        body = assert_problem(response, 503)
        assert body["type"] == PROBLEM_TYPE_BASE + "service-unavailable"
        assert int(response.headers["retry-after"]) > 0

    async def test_unknown_route_and_method(self, client: httpx.AsyncClient) -> None:
        body = assert_problem(await client.get("/nowhere"), 404)
        assert body["type"] == PROBLEM_TYPE_BASE + "not-found"
        body = assert_problem(await client.delete("/items"), 405)
        assert body["type"] == PROBLEM_TYPE_BASE + "method-not-allowed"


class TestOpenApi:
    def test_problem_schema_is_registered(self, app: FastAPI) -> None:
        assert "Problem" in app.openapi()["components"]["schemas"]

    def test_problem_responses(self) -> None:
        responses = problem_responses(404, 422)
        assert set(responses) == {404, 422}
        assert PROBLEM_JSON in responses[422]["content"]
