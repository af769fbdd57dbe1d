"""Every request body of every service is a ``RequestModel`` (zdrav_shared.validation), and every
``RequestModel`` holds its rules on every field — found by walking the classes, not listed by hand, so
that a model added tomorrow is held to them too: texts without control characters, integers within a
32-bit column, strict booleans."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from support import SERVICES, ServiceSpec

from zdrav_shared.validation import INT32_MAX, INT32_MIN, RequestModel

# Integer fields that hold a BIGINT column and may state wider bounds than 32 bits (none today).
BIGINT_FIELDS: frozenset[tuple[str, str]] = frozenset()


def _load_services() -> None:
    """Build each app once so that every module holding a model is imported."""
    for spec in SERVICES.values():
        spec.create_app(spec.settings("sqlite+aiosqlite:///:memory:"))


def _subclasses(cls: type[BaseModel]) -> Iterator[type[BaseModel]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _request_models() -> list[type[RequestModel]]:
    _load_services()
    found = {c for c in _subclasses(RequestModel) if c.__module__.split(".")[0] != "zdrav_shared"}
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")  # type: ignore[misc]


REQUEST_MODELS = _request_models()


def _id(cls: type[BaseModel]) -> str:
    return f"{cls.__module__.split('.')[0]}.{cls.__qualname__}"


def test_every_service_has_request_models() -> None:
    packages = {cls.__module__.split(".")[0] for cls in REQUEST_MODELS}
    assert packages == {spec.package for spec in SERVICES.values()}
    assert len(REQUEST_MODELS) > 60


# --- the compiled rules -----------------------------------------------------------------------------


def _leaves(schema: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any], bool]]:
    """(where, schema, wrapped by the text check) of every str/int/bool/any schema under ``schema``."""
    if isinstance(schema, list):
        for n, item in enumerate(schema):
            yield from _leaves(item, f"{path}[{n}]")
        return
    if not isinstance(schema, dict):
        return
    kind = schema.get("type")
    if not isinstance(kind, str):  # a mapping of fields (a field may be named "type")
        for key, value in schema.items():
            yield from _leaves(value, f"{path}.{key}")
        return
    if schema.get("metadata", {}).get("zdrav_per_item"):
        return
    function = schema.get("function", {}).get("function") if kind == "function-after" else None
    inner = schema.get("schema", {})
    if getattr(function, "__name__", "") in {"_check_text", "_check_json"} and inner.get("type") in {"str", "any"}:
        yield path, inner, True
        for key, value in inner.items():
            if key not in {"metadata", "serialization"}:
                yield from _leaves(value, f"{path}.{key}")
        return
    if kind in {"str", "int", "bool", "any"}:
        yield path, schema, False
    for key, value in schema.items():
        if key not in {"metadata", "serialization", "function"}:
            yield from _leaves(value, f"{path}.{key}")


@pytest.mark.parametrize("model", REQUEST_MODELS, ids=_id)
def test_the_compiled_schema_holds_the_rules(model: type[RequestModel]) -> None:
    assert model.zdrav_hardened, "built without RequestModel's rules (a forward reference never resolved?)"
    for where, schema, checked in _leaves(model.__pydantic_core_schema__):
        kind = schema["type"]
        if kind in {"str", "any"}:
            assert checked, f"{model.__name__}{where}: a text without the control-character check"
        elif kind == "bool":
            assert schema.get("strict") is True, f"{model.__name__}{where}: a lax boolean"
        elif kind == "int":
            upper = schema.get("le", schema.get("lt", INT32_MAX + 1) - 1)
            lower = schema.get("ge", schema.get("gt", INT32_MIN - 1) + 1)
            if (model.__name__, where) not in BIGINT_FIELDS:
                assert INT32_MIN <= lower <= upper <= INT32_MAX, f"{model.__name__}{where}: [{lower}, {upper}]"


# --- the rules at work, field by field ---------------------------------------------------------------


def _bad_values(schema: dict[str, Any], depth: int = 0) -> Iterator[Any]:
    """Values a request may not send where ``schema`` validates (nested in lists and dicts)."""
    if depth > 4:
        return
    kind = schema.get("type")
    if kind in {"nullable", "default", "function-after", "function-before", "function-wrap"}:
        yield from _bad_values(schema["schema"], depth)
    elif kind == "str":
        yield "ok\x00"
        yield "ok\x1b[31m"
    elif kind == "any":
        yield {"text": ["ok", "ok\x00"]}
    elif kind == "int":
        upper = schema.get("le", schema.get("lt", INT32_MAX + 1) - 1)
        yield upper + 1
        yield 9_223_372_036_854_775_807
    elif kind == "bool":
        yield 0
        yield 1
        yield "true"
    elif kind in {"list", "set", "frozenset", "tuple"}:
        items = schema.get("items_schema")
        if isinstance(items, dict):
            yield from ([bad] for bad in _bad_values(items, depth + 1))
    elif kind == "dict":
        yield from ({"k": bad} for bad in _bad_values(schema.get("values_schema", {}), depth + 1))


def _fields(model: type[RequestModel]) -> Iterator[tuple[str, dict[str, Any]]]:
    schema: dict[str, Any] = model.__pydantic_core_schema__  # type: ignore[assignment]
    while schema.get("type") in {"definitions", "function-after", "function-before", "function-wrap"}:
        schema = schema["schema"]
    assert schema["type"] == "model", schema["type"]
    fields = schema["schema"]
    while fields.get("type") != "model-fields":
        fields = fields["schema"]
    for name, field in fields["fields"].items():
        yield field.get("validation_alias") or name, field["schema"]


def _probes() -> Iterator[Any]:
    for model in REQUEST_MODELS:
        for name, schema in _fields(model):
            if schema.get("metadata", {}).get("zdrav_per_item"):
                continue
            for n, bad in enumerate(_bad_values(schema)):
                yield pytest.param(model, name, bad, id=f"{_id(model)}.{name}#{n}")


@pytest.mark.parametrize(("model", "field", "bad"), list(_probes()))
def test_each_field_refuses_what_a_column_cannot_hold(model: type[RequestModel], field: str, bad: Any) -> None:
    with pytest.raises(ValidationError) as info:
        model.model_validate({field: bad})
    here = [e for e in info.value.errors() if e["loc"] and e["loc"][0] == field]
    assert here, f"{model.__name__}.{field} accepted {bad!r}"


# --- every request body in the committed documents ------------------------------------------------


def _body_models(spec: ServiceSpec) -> set[str]:
    """Names (titles) of the object schemas reachable from the request bodies of a document."""
    document = spec.openapi()
    components = document["components"]["schemas"]
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                name = ref.rsplit("/", 1)[-1]
                if name not in names:
                    target = components[name]
                    if "properties" in target:
                        names.add(name)
                    walk(target)
            if "properties" in node and isinstance(node.get("title"), str):
                names.add(node["title"])
            for value in node.values():
                walk(value)

    for item in document["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                content = operation["requestBody"]["content"]
                # multipart bodies hold files only (the spreadsheet imports): no model of ours.
                walk({k: v for k, v in content.items() if k == "application/json"})
    return names


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_request_body_model_is_a_request_model(service: str) -> None:
    spec = SERVICES[service]
    # the service's own models and the shared ones it serves (the webhooks router)
    prefixes = (spec.package + ".", "zdrav_shared.")
    ours = {cls.__name__ for cls in _subclasses(RequestModel) if cls.__module__.startswith(prefixes)}
    missing = sorted(_body_models(spec) - ours)
    assert not missing, f"request body models of {service} that are not RequestModel: {missing}"
    assert len(_body_models(spec)) > 5
