"""What every request body may hold: :class:`RequestModel`, the one base of every request model.

Everything a client sends is untrusted, and some of it is fine for pydantic yet not for the database:
a NUL in a text is a 500 on PostgreSQL (and stored silently on SQLite), an integer past 2^31 − 1 is a
500 on an INTEGER column, ``0`` for a boolean is a guess. A subclass of :class:`RequestModel` refuses
all three with a 422 and a pointer, whatever its fields look like — nested lists, dicts, optional
fields, other models and free JSON (``Any``) included — because the rules are applied to the model's
compiled core schema once it is complete, not field by field:

- every text (``str`` anywhere, dict keys too, and texts inside ``Any`` values) holds no C0 control
  character other than tab, line feed and carriage return, and no unpaired surrogate (which no
  database encoding can store);
- every integer without its own bounds lies in a signed 32-bit column's range; a field that states
  wider bounds (a BIGINT column) keeps them;
- booleans are strict: ``true``/``false`` only.

:class:`SafeUrlMiddleware` does the same for texts in the URL (path and query) of every request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from pydantic import BaseModel, GetCoreSchemaHandler
from pydantic_core import CoreSchema, PydanticCustomError, SchemaValidator, core_schema
from starlette.types import ASGIApp, Receive, Scope, Send

from zdrav_shared.problems import FieldError, Unprocessable, pointer_from_loc, problem_response

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
"""C0 controls but tab, line feed and carriage return; and lone surrogates (valid JSON escapes that
no UTF-8 text can hold)."""

_PER_ITEM = "zdrav_per_item"
# Parts of a core schema that are not validation schemas of the input: left as they are.
_SKIPPED_KEYS = frozenset({"metadata", "serialization", "config", "ref", "cls", "function"})


def forbidden_character(text: str) -> str | None:
    """A description of the first character a request text may not hold, or ``None``."""
    match = _FORBIDDEN.search(text)
    if match is None:
        return None
    char = match.group()
    if "\ud800" <= char <= "\udfff":
        return f"an unpaired surrogate (U+{ord(char):04X})"
    return f"a control character (U+{ord(char):04X})"


def _check_text(value: str) -> str:
    problem = forbidden_character(value)
    if problem is not None:
        raise PydanticCustomError("text_control_character", "the text holds {problem}", {"problem": problem})
    return value


def _check_json(value: Any) -> Any:
    """Texts anywhere inside a free JSON value, keys included; the message says where."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            problem = forbidden_character(item)
            if problem is not None:
                raise PydanticCustomError(
                    "text_control_character",
                    "the text at {where} holds {problem}",
                    {"where": where or "/", "problem": problem},
                )
        elif isinstance(item, Mapping):
            for key, child in item.items():
                name = str(key).replace("~", "~0").replace("/", "~1")
                stack.append((f"{where}/{name}", key))
                stack.append((f"{where}/{name}", child))
        elif isinstance(item, list | tuple):
            stack.extend((f"{where}/{n}", child) for n, child in enumerate(item))
    return value


class PerItem:
    """Marks a field (``Annotated[list[dict[str, Any]], PerItem()]``) whose items the service validates
    one by one — each with a :class:`RequestModel` — so that a bad item is rejected alone in a bulk
    call: :class:`RequestModel` leaves the field as it is instead of failing the whole request."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        schema = handler(source)
        return {**schema, "metadata": {**schema.get("metadata", {}), _PER_ITEM: True}}


def harden_schema(schema: Any) -> Any:
    """A copy of a pydantic core schema with the rules of :class:`RequestModel` applied to every
    ``str``, ``int``, ``bool`` and ``any`` schema in it (see the module docstring)."""
    if isinstance(schema, list):
        return [harden_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    kind = schema.get("type")
    if not isinstance(kind, str):  # not a schema: a mapping of fields (a field may be named "type")
        return {key: harden_schema(value) for key, value in schema.items()}
    if schema.get("metadata", {}).get(_PER_ITEM):
        return schema
    node = {key: value if key in _SKIPPED_KEYS else harden_schema(value) for key, value in schema.items()}
    if kind == "bool":
        node["strict"] = True
    elif kind == "int":
        if "le" not in node and "lt" not in node:
            node["le"] = INT32_MAX
        if "ge" not in node and "gt" not in node:
            node["ge"] = INT32_MIN
    elif kind == "str":
        return core_schema.no_info_after_validator_function(_check_text, node)
    elif kind == "any":
        return core_schema.no_info_after_validator_function(_check_json, node)
    return node


class RequestModel(BaseModel):
    """The base of every request body model of every service (see the module docstring). Response
    models stay plain ``BaseModel``: they are what the service itself wrote."""

    zdrav_hardened: ClassVar[bool] = False
    """True once this class's validator applies the rules: a test holds every subclass to it."""

    @classmethod
    def __pydantic_on_complete__(cls) -> None:
        """Rebuild the validator from the hardened schema once pydantic has built the class (at
        creation, or at the rebuild that resolves its forward references)."""
        super().__pydantic_on_complete__()
        schema: CoreSchema = harden_schema(cls.__pydantic_core_schema__)
        cls.__pydantic_core_schema__ = schema
        config = schema.get("config") if schema.get("type") == "model" else None
        # Not the pre-built validators of nested models: they would skip the rules.
        cls.__pydantic_validator__ = SchemaValidator(schema, config, _use_prebuilt=False)
        cls.zdrav_hardened = True


def _text_errors(kind: str, pairs: list[tuple[str, str]]) -> list[FieldError]:
    errors = []
    for name, value in pairs:
        problem = forbidden_character(name) or forbidden_character(value)
        if problem is not None:
            errors.append(FieldError(pointer=pointer_from_loc((kind, name)), message=f"the text holds {problem}"))
    return errors


class SafeUrlMiddleware:
    """Refuse a request whose path or query holds a control character (``%00`` and the other C0
    controls but tab, line feed and carriage return) or an unpaired surrogate: 422 with a pointer
    (``/path`` or ``/query/<name>``), before routing — no code or free-text parameter can reach the
    database with one (PostgreSQL cannot even compare such a text)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            errors = self._errors(scope)
            if errors:
                detail = "; ".join(f"{e.pointer}: {e.message}" for e in errors[:5])
                response = problem_response(Unprocessable(detail, errors=errors), scope.get("path"))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _errors(scope: Scope) -> list[FieldError]:
        errors: list[FieldError] = []
        # The server has percent-decoded the path already (``%00`` is a NUL here).
        problem = forbidden_character(scope.get("path", ""))
        if problem is not None:
            errors.append(FieldError(pointer="/path", message=f"the path holds {problem}"))
        query = scope.get("query_string", b"").decode("latin-1")
        if query and ("%" in query or _FORBIDDEN.search(query)):
            pairs = parse_qsl(query, keep_blank_values=True)  # as Starlette reads it
            errors.extend(_text_errors("query", pairs))
        return errors
