"""Pagination: ``Page[T]`` with an opaque keyset cursor and a hard maximum page size."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from zdrav_shared.problems import Unprocessable

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    """One page of a list in a stable order; pass ``next_cursor`` back as ``cursor`` for the next."""

    items: list[T]
    next_cursor: str | None = Field(default=None, description="Opaque; absent on the last page")
    limit: int


class PageParams(BaseModel):
    """Validated ``limit`` and decoded ``cursor`` (the last sort key of the previous page)."""

    limit: int
    after: list[Any] | None = None


def encode_cursor(sort_key: list[Any]) -> str:
    """Encode the sort key of the last item of a page."""
    raw = json.dumps(sort_key, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    """Decode a cursor from :func:`encode_cursor`; a tampered one is a 422 pointing at it."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise Unprocessable("the cursor is not valid; start again without it", pointer="/query/cursor") from exc
    if not isinstance(value, list):
        raise Unprocessable("the cursor is not valid; start again without it", pointer="/query/cursor")
    return value


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512, description="From the previous page")] = None,
) -> PageParams:
    """FastAPI dependency for list endpoints."""
    return PageParams(limit=limit, after=decode_cursor(cursor) if cursor else None)


def make_page(rows: list[T], params: PageParams, sort_key: Any) -> Page[T]:
    """Build a page from up to ``limit + 1`` rows fetched in order (the extra row says 'more')."""
    has_more = len(rows) > params.limit
    items = rows[: params.limit]
    next_cursor = encode_cursor(list(sort_key(items[-1]))) if has_more and items else None
    return Page[T](items=items, next_cursor=next_cursor, limit=params.limit)
