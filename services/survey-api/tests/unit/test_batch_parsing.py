"""The plain-body parser of kiosk batches against the pydantic models it stands in for."""

from __future__ import annotations

import json
import uuid
from datetime import UTC
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_api.responses.batch import ParsedBatch, _parse_models, _parse_plain, parse_batch
from survey_api.responses.errors import BatchTooLarge

_IDS = st.one_of(
    st.uuids().map(str),
    st.uuids().map(lambda u: str(u).upper()),
    st.uuids().map(lambda u: u.hex),  # pydantic accepts it, the plain parser leaves it to pydantic
    st.uuids().map(lambda u: "{" + str(u) + "}"),
    st.sampled_from(["", "not-a-uuid", "00000000-0000-0000-0000-000000000000", "3F2B8C1E-4D5A-4B6C-9E7F-0A1B2C3D4E5G"]),
    st.integers(0, 9),
    st.none(),
)
_INSTANTS = st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat().replace("+00:00", "Z")),
    st.sampled_from(
        [
            "2025-05-10T09:00:00+03:00", "2025-05-10T09:00:00.123456789Z", "2025-05-10T09:00Z", "2025-05-10 09:00:00Z",
            "2025-05-10t09:00:00z", "2025-05-10T09:00:00", "2025-02-30T09:00:00Z", "2025-05-10T24:00:00Z",
            "2025-05-10T09:00:60Z", "2025-05-10T09:00:00+24:00", "2025-05-10T09:00:00+23:59",
            "2025-05-10T09:00:00-00:00",
            "2025-05-10T09:00:00+0300", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999-12:00",
            "0001-01-01T00:30:00+01:00", "٢٠٢٥-05-10T09:00:00Z", "1700000000", "",
        ]
    ),
    st.integers(0, 2_000_000_000),
    st.none(),
)  # fmt: skip
_ANSWERS = st.one_of(
    st.dictionaries(
        st.text(max_size=6), st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8)), max_size=4
    ),
    st.lists(st.integers(), max_size=2),
    st.text(max_size=3),
    st.none(),
)
_CODES = st.one_of(st.none(), st.sampled_from(["mur-2025", "MUR-1", "x" * 64, "x" * 65]), st.integers(0, 2))


@st.composite
def _items(draw: st.DrawFn) -> Any:
    item: dict[str, Any] = {}
    for key, values in (("id", _IDS), ("submitted_at", _INSTANTS), ("answers", _ANSWERS)):
        if draw(st.integers(0, 9)):  # sometimes missing
            item[key] = draw(values)
    for key in ("campaign_code", "org_unit_code", "extra"):
        if not draw(st.integers(0, 4)):
            item[key] = draw(_CODES)
    return item if draw(st.integers(0, 30)) else draw(st.sampled_from([[], 3, "item", None]))


@st.composite
def _bodies(draw: st.DrawFn) -> Any:
    body: dict[str, Any] = {"responses": draw(st.lists(_items(), max_size=5))}
    for key in ("campaign_code", "org_unit_code"):
        if not draw(st.integers(0, 3)):
            body[key] = draw(_CODES)
    return body


def _view(parsed: ParsedBatch) -> Any:
    for candidate in parsed.candidates:
        assert candidate.submitted_at.tzinfo is UTC
    rejects = [(i, o.id, o.status, o.problem) for i, o in parsed.rejects]
    return parsed.campaign_code, parsed.org_unit_code, parsed.candidates, rejects, parsed.bindings


@settings(max_examples=600, deadline=None)
@given(_bodies())
def test_the_plain_parser_parses_as_the_models_do(body: Any) -> None:
    raw = json.dumps(body).encode()
    plain = _parse_plain(raw, 1000)
    if plain is not None:
        assert _view(plain) == _view(_parse_models(raw, 1000))


def _kiosk_item(**changes: Any) -> dict[str, Any]:
    item = {
        "id": str(uuid.uuid4()),
        "submitted_at": "2025-05-10T09:00:00.25+03:00",
        "answers": {"q1_process": "yes", "nps": 9, "comment": "Спасибо"},
    }
    return {**item, **changes}


def test_what_kiosks_send_takes_the_plain_path() -> None:
    body = {
        "campaign_code": "mur-2025",
        "responses": [_kiosk_item(), _kiosk_item(id=str(uuid.uuid4()).upper()), _kiosk_item(org_unit_code="MUR-1")],
    }
    raw = json.dumps(body).encode()
    plain = _parse_plain(raw, 1000)
    assert plain is not None
    assert _view(plain) == _view(_parse_models(raw, 1000))
    assert [c.key for c in plain.candidates] == [item["id"].lower() for item in body["responses"]]
    assert plain.bindings == [(None, "MUR-1", 2)]


def test_an_instant_outside_the_utc_years_is_rejected_on_its_own() -> None:
    for instant in ("0001-01-01T00:30:00+01:00", "9999-12-31T23:59:59-12:00"):
        raw = json.dumps({"responses": [_kiosk_item(), _kiosk_item(submitted_at=instant)]}).encode()
        parsed = parse_batch(raw, 1000)
        assert len(parsed.candidates) == 1
        [(index, outcome)] = parsed.rejects
        assert index == 1 and outcome.problem is not None
        assert [e["pointer"] for e in outcome.problem["errors"]] == ["/responses/1/submitted_at"]


def test_anything_else_is_left_to_the_models() -> None:
    for odd in (_kiosk_item(id=uuid.uuid4().hex), _kiosk_item(submitted_at="2025-05-10 09:00:00Z"), {"id": 1}):
        assert _parse_plain(json.dumps({"responses": [_kiosk_item(), odd]}).encode(), 1000) is None
    assert _parse_plain(b'{"responses": [', 1000) is None


def test_too_many_items_is_413_on_either_path() -> None:
    for item in (_kiosk_item(), {"id": "odd"}):
        with pytest.raises(BatchTooLarge):
            parse_batch(json.dumps({"responses": [item] * 3}).encode(), 2)
