"""Parsing a kiosk batch so that one bad item is rejected alone instead of failing the request.

Three paths, each taken only when the one before cannot decide:

1. plain bodies, nearly all of them: orjson decodes the body and each item is checked by hand for
   the plain shape (an id in the 8-4-4-4-12 hex form, an RFC 3339 ``submitted_at`` with an offset,
   an answers object, optional codes). For such items this gives exactly what pydantic gives (a
   property test holds the two equal), at a fraction of the cost: no model, no ``UUID`` object;
2. anything else valid: the pydantic models (``ResponseBatch``), which also define the document;
3. a body with an invalid item: item by item, so that item is rejected alone with its pointers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import ValidationError

from survey_api.responses.errors import BatchTooLarge
from survey_api.responses.rules import item_body_hash
from survey_api.responses.schemas import CODE_MAX_LENGTH, BatchItem, ResponseBatch, ResponseStatus
from survey_api.responses.service import Candidate, Outcome
from zdrav_shared.problems import Unprocessable, validation_problem


@dataclass(slots=True)
class ParsedBatch:
    campaign_code: str | None = None
    org_unit_code: str | None = None
    candidates: list[Candidate] = field(default_factory=list)
    rejects: list[tuple[int, Outcome]] = field(default_factory=list)
    bindings: list[tuple[str | None, str | None, int]] = field(default_factory=list)
    """(campaign_code, org_unit_code, index) of the items that name either: most name neither."""

    def add(self, index: int, key: str, submitted_at: datetime, answers: dict[str, Any]) -> None:
        """An item with its canonical body hash; one whose body cannot be hashed is rejected."""
        try:
            body_hash = item_body_hash(key, submitted_at, answers)
        except (TypeError, ValueError) as exc:
            error = Unprocessable(f"the answers cannot be stored: {exc}", pointer=f"/responses/{index}/answers")
            self.rejects.append((index, Outcome(key, ResponseStatus.REJECTED, error)))
            return
        self.candidates.append(Candidate(index, key, submitted_at, answers, body_hash, f"/responses/{index}"))


def parse_batch(raw: bytes, max_items: int) -> ParsedBatch:
    """The body as candidates and rejects (see the module's paths). More than ``max_items`` items is a 413."""
    plain = _parse_plain(raw, max_items)
    return plain if plain is not None else _parse_models(raw, max_items)


def _parse_models(raw: bytes, max_items: int) -> ParsedBatch:
    """Paths 2 and 3."""
    try:
        batch = ResponseBatch.model_validate_json(raw)
    except ValidationError:
        return _parse_item_by_item(raw, max_items)
    _check_size(len(batch.responses), max_items)
    parsed = ParsedBatch(batch.campaign_code, batch.org_unit_code)
    for index, item in enumerate(batch.responses):
        parsed.add(index, str(item.id), item.submitted_at.astimezone(UTC), item.answers)  # aware: BatchItem says so
        if item.campaign_code is not None or item.org_unit_code is not None:
            parsed.bindings.append((item.campaign_code, item.org_unit_code, index))
    return parsed


# The plain shapes: what kiosks send. Anything else (another UUID spelling, a date without seconds
# or with more than microseconds, …) is left to pydantic, which accepts more.
_PLAIN_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_PLAIN_INSTANT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-][0-9]{2}:[0-9]{2})"
)


# A JSON escape of a control character (\u0000-\u001f, \b, \f) or of a surrogate: the body may hold a
# text that a request may not (zdrav_shared.validation), which only the models reject item by item.
# A false alarm (an escaped backslash before a "b") only costs the slower path.
_SUSPECT_ESCAPE = re.compile(rb"\\(?:u00[01][0-9a-fA-F]|u[dD][89a-fA-F][0-9a-fA-F]{2}|[bf])")


def _parse_plain(raw: bytes, max_items: int) -> ParsedBatch | None:
    """Path 1, or ``None`` when the body is not plain."""
    if _SUSPECT_ESCAPE.search(raw):
        return None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if type(data) is not dict or type(items := data.get("responses")) is not list:
        return None
    campaign_code, org_unit_code = data.get("campaign_code"), data.get("org_unit_code")
    if not (_plain_code(campaign_code) and _plain_code(org_unit_code)):
        return None
    _check_size(len(items), max_items)
    parsed = ParsedBatch(campaign_code, org_unit_code)
    for index, item in enumerate(items):
        if type(item) is not dict:
            return None
        response_id, submitted, answers = item.get("id"), item.get("submitted_at"), item.get("answers")
        if (
            type(response_id) is not str
            or type(submitted) is not str
            or type(answers) is not dict
            or not _PLAIN_ID.fullmatch(response_id)
            or not _PLAIN_INSTANT.fullmatch(submitted)
        ):
            return None
        try:
            submitted_at = datetime.fromisoformat(submitted).astimezone(UTC)
        except (ValueError, OverflowError):  # 2025-02-30, an offset of 24 h, year 0 in UTC: pydantic explains
            return None
        if "campaign_code" in item or "org_unit_code" in item:
            codes = item.get("campaign_code"), item.get("org_unit_code")
            if not (_plain_code(codes[0]) and _plain_code(codes[1])):
                return None
            if codes != (None, None):
                parsed.bindings.append((codes[0], codes[1], index))
        parsed.add(index, response_id.lower(), submitted_at, answers)
    return parsed


def _plain_code(value: Any) -> bool:
    return value is None or (type(value) is str and len(value) <= CODE_MAX_LENGTH)


def _check_size(count: int, max_items: int) -> None:
    if count > max_items:
        raise BatchTooLarge(f"{count} responses in one batch; send at most {max_items} per request")


def _parse_item_by_item(raw: bytes, max_items: int) -> ParsedBatch:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Unprocessable(f"the body is not valid JSON: {exc}", pointer="") from exc
    except RecursionError as exc:  # [[[[… thousands deep: json's C scanner gives up on the stack
        raise Unprocessable("the body is nested too deeply to be a batch", pointer="") from exc
    if not isinstance(data, dict) or not isinstance(data.get("responses"), list):
        raise Unprocessable("the body must be an object with a `responses` list", pointer="/responses")
    items: list[Any] = data["responses"]
    _check_size(len(items), max_items)
    parsed = ParsedBatch()
    for key in ("campaign_code", "org_unit_code"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise Unprocessable(f"{key} must be a string", pointer=f"/{key}")
        setattr(parsed, key, value)
    for index, item in enumerate(items):
        try:
            valid = BatchItem.model_validate(item)
        except ValidationError as exc:
            raw_id = item.get("id") if isinstance(item, dict) else None
            errors = [{**e, "loc": ("responses", index, *e["loc"])} for e in exc.errors()]
            outcome = Outcome(raw_id if isinstance(raw_id, str) else None, ResponseStatus.REJECTED)
            outcome.error = validation_problem(errors)
            parsed.rejects.append((index, outcome))
            continue
        parsed.add(index, str(valid.id), valid.submitted_at.astimezone(UTC), valid.answers)
        if valid.campaign_code is not None or valid.org_unit_code is not None:
            parsed.bindings.append((valid.campaign_code, valid.org_unit_code, index))
    return parsed
