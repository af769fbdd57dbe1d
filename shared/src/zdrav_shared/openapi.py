"""The finishing touches of each service's OpenAPI document, derived from the code (``routes``).

FastAPI writes the operations, schemas and — from the security schemes among the routes'
dependencies — ``securitySchemes`` and each operation's ``security``. This adds what it cannot know:

* ``servers`` (the service's address under ``make run``), ``info.contact`` and ``info.license``;
* ``x-roles`` on each operation that declares roles (``RolesRequired``), and a line saying who may call
  it at the end of its description;
* the ``ETag`` and ``Location`` response headers on the success answers of the operations that send
  them (and ``ETag`` on their 409/412, which carry the current version), as reusable ``components.headers``;
* the platform's code formats (DESIGN §3) on every field and query parameter named after a code or a
  period that does not describe itself (``indicator_code``, ``org_unit_code``, ``campaign_code``,
  ``period``…), so that a new route's fields are documented the same way;
* numeric ``default``\\ s and examples that pydantic wrote as strings (a ``Decimal`` default becomes
  ``"0.95"`` in JSON Schema) turned into numbers where the schema says number, so that every example
  is valid against its schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import FastAPI
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel

from zdrav_shared.auth import KIOSK_SCHEME, USER_SCHEME
from zdrav_shared.routes import Operation, operations

CONTACT = {"name": "Zdrav platform team", "url": "https://zdrav.example/support", "email": "api@zdrav.example"}
LICENSE = {"name": "Proprietary — Zdrav platform", "identifier": "LicenseRef-Zdrav-Proprietary"}
"""No open licence: the platform belongs to the health authorities that run it (SPDX ``LicenseRef-``)."""

HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": (
            'The version of the resource as a weak ETag (`W/"3"`). Send it back as `If-Match` with the '
            "next change: a stale one is refused (409 or 412) instead of overwriting someone else's edit."
        ),
        "schema": {"type": "string", "pattern": '^W/"[0-9]+"$', "examples": ['W/"3"']},
    },
    "Location": {
        "description": "The path of the resource the request created.",
        "schema": {"type": "string", "format": "uri-reference", "examples": ["/v1/indicators/STAFFING_RATE"]},
    },
}

_NUMERIC = {"number", "integer"}

INDICATOR_CODE = "an indicator code: capital Latin letters, digits and `_`, starting with a letter (`[A-Z][A-Z0-9_]*`)"
ORG_UNIT_CODE = (
    "an org-unit code: `RU` (the federation), a region's ISO 3166-2:RU code (`RU-MUR`), or capital Latin letters, "
    "digits, `-` and `.` (`MUR-GP1`)"
)
REGION_CODE = "a region's ISO 3166-2:RU code (`RU-MUR`, `RU-KYA`)"
CAMPAIGN_CODE = "a survey campaign's code: kebab-case, lower-case Latin letters and digits (`mur-2025q2`)"
QUESTIONNAIRE_CODE = "a questionnaire's code: kebab-case, lower-case Latin letters and digits (`nsi-standard`)"
PERIOD = "a period: year `2025`, quarter `2025Q2` or month `2025-04`"

CODE_FORMATS: dict[str, str] = {
    "indicator_code": INDICATOR_CODE,
    "org_unit_code": ORG_UNIT_CODE,
    "parent_code": ORG_UNIT_CODE,
    "region_code": REGION_CODE,
    "campaign_code": CAMPAIGN_CODE,
    "questionnaire_code": QUESTIONNAIRE_CODE,
    "period": PERIOD,
}
"""Body fields (schema properties) named after a code, and what they hold."""

PARAMETER_FORMATS: dict[str, str] = {
    "indicator": INDICATOR_CODE,
    "indicators": "comma-separated indicator codes (`[A-Z][A-Z0-9_]*` each)",
    "org_unit": ORG_UNIT_CODE,
    "org_units": "comma-separated org-unit codes (`RU`, `RU-MUR`, `MUR-GP1`)",
    "region": REGION_CODE,
    "regions": "comma-separated ISO 3166-2:RU region codes",
    "parent": ORG_UNIT_CODE,
    "campaign": CAMPAIGN_CODE,
    "period": PERIOD,
    "periods": "comma-separated periods (`2025`, `2025Q2`, `2025-04`)",
}
"""Query and path parameters named after a code, and what they hold."""

RESOURCE_CODES: dict[str, str] = {
    "indicators": INDICATOR_CODE,
    "org-units": ORG_UNIT_CODE,
    "regions": REGION_CODE,
    "campaigns": CAMPAIGN_CODE,
    "questionnaires": QUESTIONNAIRE_CODE,
}
"""What a ``{code}`` path parameter holds, by the collection it follows (``/v1/indicators/{code}``)."""


def embedded_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema made self-contained, for a body documented by hand (items validated one
    by one): its ``$defs`` are written in place of their ``$ref``s, since embedded in the document a
    ``#/$defs/…`` reference would point at the document's root and resolve to nothing."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(definitions[ref.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(value) for value in node]
        return node

    inlined: dict[str, Any] = inline(schema)
    return inlined


def finish_document(app: FastAPI, document: dict[str, Any], server_url: str | None) -> dict[str, Any]:
    """Complete ``document`` (FastAPI's output for ``app``) in place and return it."""
    info = document.setdefault("info", {})
    info.setdefault("contact", CONTACT)
    info.setdefault("license", LICENSE)
    if server_url and not document.get("servers"):
        document["servers"] = [
            {"url": server_url, "description": "`make run` on this machine; a deployment serves the same paths"}
        ]
    components = document.setdefault("components", {})
    used_headers: set[str] = set()
    for operation in operations(app):
        entry = document.get("paths", {}).get(operation.path, {}).get(operation.method.lower())
        if entry is None:
            continue
        _declare_roles(entry, operation)
        _declare_security(entry, components, operation)
        for header in sorted(operation.headers):
            for status, response in entry.get("responses", {}).items():
                # A 304 names the ETag it confirms; a write refused for a stale version (409/412) answers
                # with the current ETag too, so that the client can read again and retry without guessing.
                if str(status).startswith("2") or (header == "ETag" and str(status) in ("304", "409", "412")):
                    response.setdefault("headers", {})[header] = {"$ref": f"#/components/headers/{header}"}
                    used_headers.add(header)
    if used_headers:
        components.setdefault("headers", {}).update({h: HEADERS[h] for h in sorted(used_headers)})
    for path, item in document.get("paths", {}).items():
        _describe_path_codes(path, item)
    for node in _schema_nodes(document):
        _numbers_as_numbers(node)
        _describe_codes(node)
    return document


def _describe_path_codes(path: str, item: dict[str, Any]) -> None:
    """``{code}`` after a known collection holds that collection's code: say which format."""
    segments = path.split("/")
    for operation in item.values():
        for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
            if parameter.get("in") != "path" or "description" in parameter:
                continue
            placeholder = "{" + str(parameter.get("name")) + "}"
            if placeholder in segments and segments.index(placeholder) > 0:
                collection = segments[segments.index(placeholder) - 1]
                if collection in RESOURCE_CODES and str(parameter.get("name")).endswith("code"):
                    parameter["description"] = _sentence(RESOURCE_CODES[collection])


def _describe_codes(node: dict[str, Any]) -> None:
    """Describe the code-named properties of a schema and code-named parameters, where they say nothing."""
    properties = node.get("properties")
    if isinstance(properties, dict) and node.get("type") == "object":
        for name, schema in properties.items():
            if name in CODE_FORMATS and isinstance(schema, dict) and "$ref" not in schema:
                schema.setdefault("description", _sentence(CODE_FORMATS[name]))
    if node.get("in") in {"query", "path"} and node.get("name") in PARAMETER_FORMATS:
        node.setdefault("description", _sentence(PARAMETER_FORMATS[node["name"]]))


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + "."


def _declare_roles(entry: dict[str, Any], operation: Operation) -> None:
    who = who_may_call(operation)
    if operation.roles is not None:
        entry["x-roles"] = list(operation.roles)
    if who:
        description = entry.get("description", "").rstrip()
        entry["description"] = f"{description}\n\n**Who may call:** {who}".strip()


def _declare_security(entry: dict[str, Any], components: dict[str, Any], operation: Operation) -> None:
    """Each operation's ``security`` from the schemes its code declares (``routes.declared_schemes``):
    what FastAPI wrote, and the schemes a dependency reads itself, which FastAPI cannot see."""
    if not operation.schemes:
        return
    entry["security"] = [{name: []} for name in operation.schemes]
    definitions = components.setdefault("securitySchemes", {})
    for scheme in operation.scheme_objects:
        if scheme.scheme_name not in definitions:
            definitions[scheme.scheme_name] = jsonable_encoder(scheme.model, by_alias=True, exclude_none=True)


def who_may_call(operation: Operation) -> str:
    """One sentence for the operation's description: the token and roles it accepts."""
    user = USER_SCHEME in operation.schemes
    kiosk = KIOSK_SCHEME in operation.schemes
    if not operation.schemes:
        return ""
    if operation.roles is None:
        people = "any signed-in user (the data is limited to the caller's org-unit scope)" if user else ""
    else:
        people = "a user with one of the roles " + ", ".join(f"`{r}`" for r in operation.roles)
    if kiosk and people:
        return f"{people}, or a kiosk token."
    if kiosk:
        return "a kiosk token only (user tokens are refused)."
    return f"{people}."


def _schema_nodes(value: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in the document (schemas, parameters, media types)."""
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _schema_nodes(child)
    elif isinstance(value, list):
        for child in value:
            yield from _schema_nodes(child)


def _is_numeric_schema(node: dict[str, Any]) -> bool:
    kinds = node.get("type")
    if isinstance(kinds, str):
        return kinds in _NUMERIC
    if isinstance(kinds, list):
        return any(k in _NUMERIC for k in kinds)
    variants = node.get("anyOf") or node.get("oneOf") or []
    return any(isinstance(v, dict) and v.get("type") in _NUMERIC for v in variants)


def _numbers_as_numbers(node: dict[str, Any]) -> None:
    if not _is_numeric_schema(node):
        return
    if "default" in node:
        node["default"] = _as_number(node["default"])
    if "example" in node:
        node["example"] = _as_number(node["example"])
    if isinstance(node.get("examples"), list):
        node["examples"] = [_as_number(e) for e in node["examples"]]


def _as_number(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    if not number.is_finite():
        return value
    return int(number) if number == number.to_integral_value() and "." not in value else float(number)
