"""Opaque keyset cursors and pages with a 'more' row."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from hypothesis import given, settings
from hypothesis import strategies as st

from zdrav_shared.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    PageParams,
    decode_cursor,
    encode_cursor,
    make_page,
    page_params,
)
from zdrav_shared.problems import Unprocessable, install_problem_handlers

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**53), 2**53), st.text(max_size=20), st.floats(allow_nan=False)
)
sort_keys = st.lists(json_scalars, max_size=4)


class TestCursor:
    @settings(max_examples=200, deadline=None)
    @given(sort_keys)
    def test_round_trip(self, key: list[Any]) -> None:
        cursor = encode_cursor(key)
        assert decode_cursor(cursor) == key
        assert "=" not in cursor and "+" not in cursor and "/" not in cursor  # URL-safe, unpadded

    def test_non_json_values_travel_as_strings(self) -> None:
        from datetime import date
        from decimal import Decimal

        assert decode_cursor(encode_cursor([date(2025, 4, 1), Decimal("1.50"), 7])) == ["2025-04-01", "1.50", 7]

    @pytest.mark.parametrize(
        "cursor",
        [
            "not a cursor!",
            "%%%",
            "abc",  # decodes to bytes that are not JSON
            base64.urlsafe_b64encode(b'{"a": 1}').decode(),  # JSON, but not a list
            base64.urlsafe_b64encode(b'"text"').decode(),
            base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),  # not UTF-8
            base64.urlsafe_b64encode(b"[1, 2").decode(),  # truncated
        ],
    )
    def test_tampered_cursor_is_a_422_at_the_cursor(self, cursor: str) -> None:
        with pytest.raises(Unprocessable) as info:
            decode_cursor(cursor)
        assert info.value.status == 422
        assert info.value.errors is not None
        assert info.value.errors[0].pointer == "/query/cursor"

    def test_flipped_character_is_refused(self) -> None:
        cursor = encode_cursor(["RU-MUR", 42])
        tampered = cursor[:-3] + ("A" if cursor[-3] != "A" else "B") + cursor[-2:]
        with contextlib.suppress(Unprocessable):
            assert decode_cursor(tampered) != ["RU-MUR", 42]

    @settings(max_examples=200, deadline=None)
    @given(st.text(max_size=80))
    def test_any_string_decodes_to_a_list_or_a_422(self, cursor: str) -> None:
        with contextlib.suppress(Unprocessable):
            assert isinstance(decode_cursor(cursor), list)


def rows(n: int) -> list[dict[str, Any]]:
    return [{"code": f"U{i:03d}", "id": i} for i in range(n)]


def key(row: dict[str, Any]) -> tuple[str, int]:
    return (row["code"], row["id"])


class TestMakePage:
    def test_more_rows_give_a_cursor_to_the_last_item(self) -> None:
        page = make_page(rows(4), PageParams(limit=3), key)
        assert [r["id"] for r in page.items] == [0, 1, 2]
        assert page.next_cursor is not None
        assert decode_cursor(page.next_cursor) == ["U002", 2]
        assert page.limit == 3

    @pytest.mark.parametrize("n", [0, 1, 3])
    def test_no_more_rows_no_cursor(self, n: int) -> None:
        page = make_page(rows(n), PageParams(limit=3), key)
        assert len(page.items) == n
        assert page.next_cursor is None

    @settings(max_examples=100, deadline=None)
    @given(st.integers(0, 30), st.integers(1, 10))
    def test_walking_the_cursors_visits_every_row_once(self, total: int, limit: int) -> None:
        all_rows = rows(total)
        seen: list[dict[str, Any]] = []
        after: list[Any] | None = None
        for _ in range(total + 2):
            start = 0 if after is None else next(i for i, r in enumerate(all_rows) if list(key(r)) == after) + 1
            page = make_page(all_rows[start : start + limit + 1], PageParams(limit=limit, after=after), key)
            seen.extend(page.items)
            if page.next_cursor is None:
                break
            after = decode_cursor(page.next_cursor)
        assert seen == all_rows


class TestPageParams:
    @pytest.fixture
    async def client(self) -> AsyncIterator[httpx.AsyncClient]:
        app = FastAPI()
        install_problem_handlers(app)

        @app.get("/list")
        async def listing(params: PageParams = Depends(page_params)) -> dict[str, Any]:
            return params.model_dump()

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            yield http

    async def test_defaults_and_decoding(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/list")).json() == {"limit": DEFAULT_LIMIT, "after": None}
        cursor = encode_cursor(["a", 1])
        assert (await client.get("/list", params={"limit": 5, "cursor": cursor})).json() == {
            "limit": 5,
            "after": ["a", 1],
        }

    @pytest.mark.parametrize("limit", [0, MAX_LIMIT + 1, -1])
    async def test_limit_is_bounded(self, client: httpx.AsyncClient, limit: int) -> None:
        response = await client.get("/list", params={"limit": limit})
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/query/limit"

    async def test_tampered_cursor_is_a_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/list", params={"cursor": "garbage!"})
        assert response.status_code == 422
        assert response.json()["errors"] == [
            {"pointer": "/query/cursor", "message": "the cursor is not valid; start again without it"}
        ]
