"""Parsing a kiosk batch so that one bad item is rejected alone instead of failing the request."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from pydantic import ValidationError

from survey_api.responses.errors import BatchTooLarge
from survey_api.responses.rules import item_body_hash
from survey_api.responses.schemas import BatchItem, ResponseBatch, ResponseStatus
from survey_api.responses.service import Candidate, Outcome
from zdrav_shared.problems import Unprocessable, validation_problem


@dataclass(slots=True)
class ParsedBatch:
    campaign_code: str | None = None
    org_unit_code: str | None = None
    items: list[tuple[int, BatchItem]] = field(default_factory=list)
    rejects: list[tuple[int, Outcome]] = field(default_factory=list)

    def candidates(self) -> list[Candidate]:
        """Items with their canonical body hash; an item whose body cannot be hashed is rejected."""
        found: list[Candidate] = []
        for index, item in self.items:
            key = str(item.id)
            submitted_at = item.submitted_at.astimezone(UTC)  # aware: BatchItem says so
            try:
                body_hash = item_body_hash(key, submitted_at, item.answers)
            except (TypeError, ValueError) as exc:
                error = Unprocessable(f"the answers cannot be stored: {exc}", pointer=f"/responses/{index}/answers")
                self.rejects.append((index, Outcome(key, ResponseStatus.REJECTED, error)))
                continue
            found.append(Candidate(index, item.id, key, submitted_at, item.answers, body_hash, f"/responses/{index}"))
        return found


def parse_batch(raw: bytes, max_items: int) -> ParsedBatch:
    """The fast path validates the whole body at once (pydantic-core); only a body with a bad item
    takes the slow path that validates item by item. More than ``max_items`` items is a 413."""
    try:
        batch = ResponseBatch.model_validate_json(raw)
    except ValidationError:
        return _parse_item_by_item(raw, max_items)
    _check_size(len(batch.responses), max_items)
    return ParsedBatch(batch.campaign_code, batch.org_unit_code, list(enumerate(batch.responses)))


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
            parsed.items.append((index, BatchItem.model_validate(item)))
        except ValidationError as exc:
            raw_id = item.get("id") if isinstance(item, dict) else None
            errors = [{**e, "loc": ("responses", index, *e["loc"])} for e in exc.errors()]
            outcome = Outcome(raw_id if isinstance(raw_id, str) else None, ResponseStatus.REJECTED)
            outcome.error = validation_problem(errors)
            parsed.rejects.append((index, outcome))
    return parsed
