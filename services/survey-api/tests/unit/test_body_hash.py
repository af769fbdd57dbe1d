"""Canonical JSON and the body hash that tells a resend from a different body with the same id."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_api.common import Channel as ResponseChannel
from survey_api.common import EnteredBy
from survey_api.responses.rules import canonical_body_hash, canonical_json, item_body_hash, response_body_hash

RESPONSE_ID = UUID("3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f")
MSK = timezone(timedelta(hours=3))


def _body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": RESPONSE_ID,
        "submitted_at": datetime(2025, 4, 1, 10, 0, tzinfo=MSK),
        "answers": {"q1_process": "yes", "nps": 9, "comment": "Всё хорошо"},
    }
    body.update(changes)
    return body


class Channel(StrEnum):
    KIOSK = "kiosk"


def test_canonical_form_by_hand() -> None:
    assert (
        canonical_json(_body())
        == (
            '{"answers":{"comment":"Всё хорошо","nps":9,"q1_process":"yes"},'
            '"id":"3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f",'
            '"submitted_at":"2025-04-01T07:00:00Z"}'
        ).encode()
    )


def test_hash_is_hex_sha256() -> None:
    digest = canonical_body_hash(_body())
    assert len(digest) == 64
    assert int(digest, 16) >= 0
    # the SHA-256 of an empty object "{}"
    assert canonical_body_hash({}) == "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"


def test_same_instant_in_another_offset_is_the_same_body() -> None:
    utc = _body(submitted_at=datetime(2025, 4, 1, 7, 0, tzinfo=UTC))
    assert canonical_body_hash(utc) == canonical_body_hash(_body())


def test_uuid_object_and_its_string_hash_alike() -> None:
    assert canonical_body_hash(_body(id=str(RESPONSE_ID))) == canonical_body_hash(_body())


def test_pydantic_json_mode_string_matches_the_datetime() -> None:
    assert canonical_body_hash(_body(submitted_at="2025-04-01T07:00:00Z")) == canonical_body_hash(_body())


@pytest.mark.parametrize(
    "changes",
    [
        {"answers": {"q1_process": "rather_yes", "nps": 9, "comment": "Всё хорошо"}},
        {"answers": {"q1_process": "yes", "nps": 9}},
        {"answers": {"q1_process": "yes", "nps": "9", "comment": "Всё хорошо"}},
        {"submitted_at": datetime(2025, 4, 1, 10, 0, 1, tzinfo=MSK)},
        {"submitted_at": datetime(2025, 4, 1, 10, 0, 0, 1, tzinfo=MSK)},
    ],
)
def test_a_different_body_has_a_different_hash(changes: dict[str, Any]) -> None:
    assert canonical_body_hash(_body(**changes)) != canonical_body_hash(_body())


def test_microseconds_are_kept() -> None:
    body = {"t": datetime(2025, 4, 1, 7, 0, 0, 120000, tzinfo=UTC)}
    assert canonical_json(body) == b'{"t":"2025-04-01T07:00:00.120000Z"}'


def test_other_types() -> None:
    body = {"d": date(2025, 4, 1), "x": Decimal("67.50"), "c": Channel.KIOSK, "l": (1, None, True)}
    assert canonical_json(body) == b'{"c":"kiosk","d":"2025-04-01","l":[1,null,true],"x":"67.5"}'


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"t": datetime(2025, 4, 1, 7, 0)}, ValueError),
        ({"x": float("nan")}, ValueError),
        ({"x": Decimal("Infinity")}, ValueError),
        ({"x": {1, 2}}, TypeError),
        ({"x": b"bytes"}, TypeError),
        ({"x": {1: "a"}}, TypeError),
    ],
)
def test_values_without_a_canonical_form_are_refused(body: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        canonical_body_hash(body)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20,
)


def _reversed_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _reversed_keys(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_keys(item) for item in value]
    return value


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(max_size=5), _JSON, max_size=6))
def test_hash_is_invariant_to_key_order(payload: dict[str, Any]) -> None:
    assert canonical_body_hash(_reversed_keys(payload)) == canonical_body_hash(payload)


@settings(max_examples=100, deadline=None)
@given(
    st.datetimes(datetime(1900, 1, 1), datetime(2999, 12, 31), timezones=st.just(UTC)),
    st.integers(min_value=-12 * 60, max_value=14 * 60),
)
def test_hash_is_invariant_to_the_offset_of_an_instant(instant: datetime, offset_minutes: int) -> None:
    shifted = instant.astimezone(timezone(timedelta(minutes=offset_minutes)))
    assert canonical_body_hash({"t": shifted}) == canonical_body_hash({"t": instant})


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text()
)


@given(st.dictionaries(st.text(), _SCALARS, max_size=8))
@settings(max_examples=200)
def test_flat_answers_fast_path_encodes_like_the_general_path(answers: dict[str, Any]) -> None:
    """A plain dict of scalars is taken as it is (the kiosk hot path); any other mapping goes through
    the general normalisation. Both must give the same bytes."""
    from types import MappingProxyType

    fast = canonical_json(_body(answers=answers))
    general = canonical_json(_body(answers=MappingProxyType(answers)))
    assert fast == general


def test_fast_path_still_refuses_nan_and_writes_enums_by_value() -> None:
    with pytest.raises(ValueError):
        canonical_json(_body(answers={"x": float("nan")}))
    assert canonical_json({"answers": {"c": Channel.KIOSK}}) == b'{"answers":{"c":"kiosk"}}'


# -- the kiosk-item fast path (orjson) -------------------------------------------------------------

_ITEM_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),  # beyond 64 bits too: orjson refuses them and the general path writes them
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),  # lone surrogates included: both paths must refuse them
    st.lists(st.one_of(st.text(max_size=8), st.integers(), st.none()), max_size=4),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=3),
)


def _general_or_error(answers: dict[str, Any], submitted_at: datetime) -> str | type[Exception]:
    try:
        return canonical_body_hash({"id": RESPONSE_ID, "submitted_at": submitted_at, "answers": answers})
    except (TypeError, ValueError) as exc:
        return ValueError if isinstance(exc, ValueError) else TypeError


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(st.text(max_size=8), _ITEM_VALUES, max_size=8),
    st.datetimes(timezones=st.just(UTC)),  # years 1 to 9999, with and without microseconds
)
def test_item_hash_equals_the_canonical_hash(answers: dict[str, Any], submitted_at: datetime) -> None:
    """Byte for byte the general path's hash, or the same refusal, whatever the answers hold."""
    expected = _general_or_error(answers, submitted_at)
    try:
        found: str | type[Exception] = item_body_hash(str(RESPONSE_ID), submitted_at, answers)
    except (TypeError, ValueError) as exc:
        found = ValueError if isinstance(exc, ValueError) else TypeError
    assert found == expected


def test_item_hash_writes_every_code_point_like_json() -> None:
    text = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    submitted_at = datetime(2025, 4, 1, 7, 0, 0, 123, tzinfo=UTC)
    answers = {"comment": text, text[:300]: 1, "nps": 2**63 - 1, "list": ["\x00", "\u2028"]}
    assert item_body_hash(str(RESPONSE_ID), submitted_at, answers) == canonical_body_hash(
        {"id": RESPONSE_ID, "submitted_at": submitted_at, "answers": answers}
    )


def test_item_hash_by_hand_and_in_utc_only() -> None:
    body = _body()
    utc = body["submitted_at"].astimezone(UTC)
    assert item_body_hash(str(RESPONSE_ID), utc, body["answers"]) == canonical_body_hash(body)
    with pytest.raises(ValueError):
        item_body_hash(str(RESPONSE_ID), body["submitted_at"], body["answers"])


# -- the single-response fast path (orjson) -------------------------------------------------------


def _hash_or_error(hasher: Any, body: dict[str, Any]) -> str | type[Exception]:
    try:
        return str(hasher(body))
    except (TypeError, ValueError) as exc:
        return ValueError if isinstance(exc, ValueError) else TypeError


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(st.text(max_size=8), _ITEM_VALUES, max_size=8),
    st.datetimes(timezones=st.sampled_from([UTC, MSK, timezone(timedelta(hours=-5, minutes=-30))])),
    st.uuids(),
    st.text(max_size=12),
    st.text(max_size=12),
    st.sampled_from(list(ResponseChannel)),
    st.one_of(st.none(), st.sampled_from(list(EnteredBy))),
)
def test_single_response_hash_equals_the_canonical_hash(
    answers: dict[str, Any],
    submitted_at: datetime,
    response_id: UUID,
    campaign_code: str,
    org_unit_code: str,
    channel: ResponseChannel,
    entered_by: EnteredBy | None,
) -> None:
    """A ResponseCreate's dump (entered_by only when sent): the canonical hash, or the same refusal."""
    body: dict[str, Any] = {
        "id": response_id,
        "campaign_code": campaign_code,
        "org_unit_code": org_unit_code,
        "channel": channel,
        "submitted_at": submitted_at,
        "answers": answers,
    }
    if entered_by is not None:
        body["entered_by"] = entered_by
    try:
        submitted_at.astimezone(UTC)
    except OverflowError:  # an instant before year 1 in UTC: the model refuses it before any hash
        return
    assert _hash_or_error(response_body_hash, body) == _hash_or_error(canonical_body_hash, body)


def test_single_response_hash_takes_the_general_path_for_other_shapes() -> None:
    """A float answer, a nested object, a naive instant: the general path writes or refuses them."""
    body = {**_body(answers={"score": 1e16, "nested": {"a": [1.5]}}), "channel": ResponseChannel.ONLINE}
    assert response_body_hash(body) == canonical_body_hash(body)
    with pytest.raises(ValueError):
        response_body_hash(_body(submitted_at=datetime(2025, 4, 1, 10, 0)))
