"""RequestModel's rules wherever a field puts its texts, integers and booleans, and SafeUrlMiddleware's
answer to control characters in a URL."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field, ValidationError

from zdrav_shared.problems import install_problem_handlers
from zdrav_shared.validation import INT32_MAX, PerItem, RequestModel, SafeUrlMiddleware, forbidden_character


class Plain(BaseModel):
    """A nested model that is not a RequestModel: the outer model's rules reach into it all the same."""

    name: str
    count: int


class Child(RequestModel):
    tag: str


class Body(RequestModel):
    text: str = "ok"
    maybe: str | None = None
    number: int = 0
    wide: int = Field(default=0, ge=0, le=10**12)  # a BIGINT column states its bounds
    small: int = Field(default=0, ge=0, le=5)
    flag: bool = False
    names: list[str] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)
    plain: list[Plain] = Field(default_factory=list)
    children: list[Child] = Field(default_factory=list)
    later: Later | None = None
    free: Any = None
    bulk: Annotated[list[dict[str, Any]], PerItem()] = Field(default_factory=list)


class Later(RequestModel):
    """Defined after the model that names it: the rules apply once the reference resolves."""

    note: str


Body.model_rebuild()


def _errors(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as info:
        Body.model_validate(data)
    return [(tuple(e["loc"]), e["type"]) for e in info.value.errors()]


@pytest.mark.parametrize(
    ("data", "loc"),
    [
        ({"text": "a\x00"}, ("text",)),
        ({"maybe": "\x1b[0m"}, ("maybe",)),
        ({"names": ["ok", "b\x07"]}, ("names", 1)),
        ({"counts": {"k\x00": 1}}, ("counts", "k\x00", "[key]")),
        ({"plain": [{"name": "\x01", "count": 1}]}, ("plain", 0, "name")),
        ({"children": [{"tag": "\x02"}]}, ("children", 0, "tag")),
        ({"later": {"note": "\x00"}}, ("later", "note")),
        ({"text": "half \ud800"}, ("text",)),
    ],
)
def test_texts_with_control_characters_are_refused(data: dict[str, Any], loc: tuple[Any, ...]) -> None:
    assert (loc, "text_control_character") in _errors(data)


def test_texts_inside_free_json_say_where() -> None:
    with pytest.raises(ValidationError) as info:
        Body.model_validate({"free": {"a": [1, {"b/c": "x\x00"}]}})
    (error,) = info.value.errors()
    assert error["loc"] == ("free",)
    assert error["msg"] == "the text at /a/1/b~1c holds a control character (U+0000)"


def test_tab_newline_and_carriage_return_are_text() -> None:
    body = Body.model_validate({"text": "a\tb\nc\r\n", "free": {"k": "line\n"}, "names": ["ё", "😀"]})
    assert body.text == "a\tb\nc\r\n"


@pytest.mark.parametrize(
    ("data", "loc"),
    [
        ({"number": INT32_MAX + 1}, ("number",)),
        ({"number": -(2**31) - 1}, ("number",)),
        ({"number": 9_223_372_036_854_775_807}, ("number",)),
        ({"counts": {"k": 2**31}}, ("counts", "k")),
        ({"plain": [{"name": "x", "count": 2**40}]}, ("plain", 0, "count")),
        ({"small": 6}, ("small",)),
        ({"wide": 10**12 + 1}, ("wide",)),
    ],
)
def test_integers_stay_within_their_column(data: dict[str, Any], loc: tuple[Any, ...]) -> None:
    assert loc in [where for where, _ in _errors(data)]


def test_declared_wider_bounds_are_kept() -> None:
    assert Body.model_validate({"wide": 10**12, "number": INT32_MAX}).wide == 10**12


@pytest.mark.parametrize("flag", [0, 1, "true", "false", "yes", 1.0])
def test_booleans_are_strict(flag: Any) -> None:
    assert (("flag",), "bool_type") in _errors({"flag": flag})


def test_a_per_item_field_is_left_to_the_service() -> None:
    assert Body.model_validate({"bulk": [{"comment": "\x00", "n": 2**63}]}).bulk == [{"comment": "\x00", "n": 2**63}]


def test_the_documented_schema_carries_the_bounds() -> None:
    schema = Body.model_json_schema()
    assert schema["properties"]["number"]["maximum"] == INT32_MAX
    assert schema["properties"]["wide"]["maximum"] == 10**12
    assert Body.zdrav_hardened and Later.zdrav_hardened


def test_forbidden_character() -> None:
    assert forbidden_character("обычный текст\t\n\r") is None
    assert forbidden_character("a\x7f") is None  # DEL is not a C0 control: PostgreSQL stores it
    assert forbidden_character("a\x1f") == "a control character (U+001F)"


@pytest.fixture
async def client() -> Any:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/items/{code}")
    async def item(code: str, q: str | None = None) -> dict[str, Any]:
        return {"code": code, "q": q}

    app.add_middleware(SafeUrlMiddleware)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        yield http


@pytest.mark.parametrize(
    ("url", "pointer"),
    [
        ("/items/a%00b", "/path"),
        ("/items/a%1B", "/path"),
        ("/items/a?q=x%00", "/query/q"),
        ("/items/a?x%07=1", "/query/x\x07"),
        ("/items/a?q=%ED%A0%80", None),  # an encoded surrogate is not UTF-8: read as U+FFFD, as Starlette does
    ],
)
async def test_urls_with_control_characters_are_422(client: httpx.AsyncClient, url: str, pointer: str | None) -> None:
    response = await client.get(url)
    if pointer is None:
        assert response.status_code == 200
        return
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["pointer"] for e in response.json()["errors"]] == [pointer]


async def test_ordinary_urls_pass(client: httpx.AsyncClient) -> None:
    response = await client.get("/items/%D0%B0?q=%D0%B1%09c%0A")
    assert response.json() == {"code": "а", "q": "б\tc\n"}
