"""Rules applied to a survey response when it arrives: masking, duplicate detection, device clocks.

Pure code: no FastAPI, no database, no I/O.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any
from uuid import UUID

import orjson

from zdrav_shared.periods import Period, PeriodType

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"

# -- personal data in free text -------------------------------------------------------------------

# \w is Unicode-aware, so Cyrillic mailboxes and domains (почта@больница.рф) are caught too.
_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")

_SEP = r"[ \u00a0-]?"  # one space, no-break space or hyphen between digits
_BRACKET = r"[ \u00a0-]?[()]?[ \u00a0-]?"  # the same, allowing the ( ) around an area code
_PHONE = re.compile(
    "(?:"
    # +7 / 8 / 7 followed by exactly ten digits: +7 912 345-67-89, 8(912)3456789, 8 (8152) 12-34-56.
    rf"(?:\+{_SEP}7|(?<![\d+])[78]){_BRACKET}[0-9](?:{_BRACKET}[0-9]){{9}}"
    # a ten-digit mobile number without the country prefix: (912) 345-67-89, 9123456789.
    rf"|(?<![\d+])\(?9[0-9]{{2}}\)?{_SEP}[0-9]{{3}}{_SEP}[0-9]{{2}}{_SEP}[0-9]{{2}}"
    # a seven-digit local number written the way only phone numbers are: 345-67-89.
    r"|(?<![\d+-])[0-9]{3}-[0-9]{2}-[0-9]{2}"
    ")(?![0-9])"
)


def mask_personal_data(text: str) -> str:
    """Replace e-mail addresses with ``[email]`` and phone numbers with ``[phone]``.

    Free-text comments are stored and shown to analysts, and respondents often leave a contact
    ("перезвоните мне 8 912 345-67-89"). Russian phone formats are recognised by their digit count,
    not by their spelling: a ``+7``, ``7`` or ``8`` prefix and exactly ten more digits, grouped by
    spaces, hyphens or brackets in any way (``+7 912 345-67-89``, ``8(912)3456789``,
    ``89123456789``, ``+7-912-345-67-89``, ``8 (8152) 12-34-56``); a ten-digit number starting
    with 9 (a mobile without prefix); and ``345-67-89``.

    Ordinary numbers are left alone: a number glued to other digits is never a phone, dots are not
    phone separators (so dates such as ``12.03.2025`` stay), and short numbers (``2 часа``,
    ``15 минут``, cabinet ``305``) have too few digits. Six-digit local numbers (``12-34-56``) are
    not masked: they cannot be told from a ``dd-mm-yy`` date.

    The result contains no new digits, and masking it again changes nothing.
    """
    return _PHONE.sub(PHONE_MASK, _EMAIL.sub(EMAIL_MASK, text))


# -- duplicate detection ---------------------------------------------------------------------------


def canonical_json(payload: Any) -> bytes:
    """The canonical UTF-8 JSON encoding of a response body, the input of :func:`canonical_body_hash`.

    Keys sorted, no insignificant whitespace, non-ASCII kept as is. Aware datetimes are converted
    to UTC and written as ISO 8601 with ``Z`` (``2025-04-01T07:00:00Z``, microseconds only when
    present), so the same instant sent with another offset gives the same encoding. Dates are ISO,
    UUIDs lower-case, Decimals in their normalised plain form, enums by value, tuples as lists.

    Raises ``ValueError`` for a naive datetime (its instant is unknown) and for NaN or infinity,
    and ``TypeError`` for anything without one obvious JSON form (sets, bytes, objects).
    """
    return json.dumps(
        _normalise(payload),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def canonical_body_hash(payload: Mapping[str, Any]) -> str:
    """Hex SHA-256 of :func:`canonical_json`, stored beside a response to recognise resends.

    A kiosk retries a batch until it is acknowledged, so the same response id arrives again.
    Comparing hashes tells a true resend (same id, same body: answer ``duplicate``) from a
    different body reusing an id (a client bug: refuse it rather than silently keep the first).
    Hash the body as the client sent it (``id``, ``submitted_at``, ``answers``, and for online
    responses ``campaign_code``, ``org_unit_code``, ``channel``), before masking and without
    server-side fields such as ``received_at``. Pass the python-mode dump of the request model so
    that datetimes are datetime objects and get normalised.
    """
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def item_body_hash(response_id: str, submitted_at: datetime, answers: Mapping[str, Any]) -> str:
    """:func:`canonical_body_hash` of a kiosk item's body ``{id, submitted_at, answers}``, given the id
    as lower-case text and ``submitted_at`` in UTC (both as the canonical form writes them).

    The whole body is written by orjson (compiled; sorted keys, UTC instants with ``Z``) when the
    answers hold only strings, integers, booleans, nulls and lists of them: for those it writes byte
    for byte what :func:`canonical_json` writes (a property test holds the two equal over all such
    answers, all instants and every code point). Anything else (floats, nested objects, integers
    beyond 64 bits, unencodable text) takes the general path, which writes or refuses it. A tenth of
    the general path's cost: the hash is computed for every item of every kiosk batch.
    """
    if submitted_at.tzinfo is not UTC:
        raise ValueError("submitted_at must be in UTC")
    if type(answers) is dict and _written_alike(answers):
        body = {"answers": answers, "id": response_id, "submitted_at": submitted_at}
        try:
            return hashlib.sha256(orjson.dumps(body, option=_CANONICAL_ORJSON)).hexdigest()
        except orjson.JSONEncodeError:
            pass  # integers beyond 64 bits, lone surrogates: the general path decides
    return canonical_body_hash({"id": response_id, "submitted_at": submitted_at, "answers": answers})


def response_body_hash(fields: Mapping[str, Any]) -> str:
    """:func:`canonical_body_hash` of a single response's body (``ResponseCreate``'s python-mode dump).

    Written by orjson, as :func:`item_body_hash` writes a kiosk item, when the answers are written alike
    and the other fields are texts, the id, enums of text and an aware ``submitted_at``: what a form or
    an operator sends. Anything else takes the general path. A property test holds the two equal.
    """
    answers, submitted_at = fields.get("answers"), fields.get("submitted_at")
    if (
        type(answers) is dict
        and type(submitted_at) is datetime
        and submitted_at.utcoffset() is not None
        and all(
            type(value) in _PLAIN_FIELDS or isinstance(value, StrEnum)
            for name, value in fields.items()
            if name not in ("answers", "submitted_at")
        )
        and _written_alike(answers)
    ):
        body = {**fields, "submitted_at": submitted_at.astimezone(UTC)}
        try:
            return hashlib.sha256(orjson.dumps(body, option=_CANONICAL_ORJSON)).hexdigest()
        except orjson.JSONEncodeError:
            pass  # lone surrogates: the general path decides
    return canonical_body_hash(fields)


_CANONICAL_ORJSON = orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z

# Types orjson writes exactly as json.dumps(ensure_ascii=False, separators=(",", ":")) does; not
# float (orjson writes 1e16 where json writes 1e+16) and not subclasses (enums are written by value
# only by the general path).
_ORJSON_SAME = frozenset({str, int, bool, type(None)})
_ORJSON_SAME_OR_LIST = _ORJSON_SAME | {list}
_PLAIN_FIELDS = frozenset({str, UUID})
"""The types of a single response's other fields that :func:`response_body_hash` writes by orjson (a
UUID lower-case, as the general path writes it; enums of text by value)."""


def _written_alike(answers: dict[str, Any]) -> bool:
    """Whether orjson writes these answers as the canonical form does (see :data:`_ORJSON_SAME`)."""
    value_types = set(map(type, answers.values()))
    if value_types <= _ORJSON_SAME:
        return True
    return value_types <= _ORJSON_SAME_OR_LIST and all(map(_is_code_list, filter(_is_list, answers.values())))


def _is_list(value: Any) -> bool:
    return type(value) is list


def _is_code_list(value: Any) -> bool:
    return type(value) is list and all(type(item) in _ORJSON_SAME for item in value)


_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def _normalise(value: Any) -> Any:
    # Fast path for the common flat answers object ({code: "yes" | 9 | "text"}): JSON-decoded keys are
    # strings and these scalars are written as they are (NaN still fails in json.dumps). ~40 % of
    # the hashing cost of a kiosk batch.
    if (
        type(value) is dict
        and all(type(item) in _JSON_SCALARS for item in value.values())
        and all(type(key) is str for key in value)
    ):
        return value
    # Order matters: enum members may also be str/int and are written by value; a datetime is
    # also a date and must keep its time and offset.
    if isinstance(value, Enum):
        return _normalise(value.value)
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, datetime):
        return _utc_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} has no JSON form")
        return format(value.normalize(), "f")
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, got {type(key).__name__}")
            result[key] = _normalise(item)
        return result
    if isinstance(value, list | tuple):
        return [_normalise(item) for item in value]
    raise TypeError(f"{type(value).__name__} has no canonical JSON form")


def _utc_iso(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a naive datetime has no instant: give it a time zone")
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# -- device clocks ---------------------------------------------------------------------------------

FUTURE_TOLERANCE = timedelta(minutes=5)
"""How far ahead of the server a device clock may be before ``submitted_at`` is distrusted."""

MAX_OFFLINE_AGE = timedelta(days=30)
"""How old ``submitted_at`` may be: kiosks run offline for hours or days, not for months."""


class ClockSkew(StrEnum):
    """Verdict on a device's ``submitted_at`` compared with the server's ``received_at``."""

    NONE = "none"
    FUTURE = "future"
    TOO_OLD = "too_old"


@dataclass(frozen=True, slots=True)
class ClockCheck:
    """The skew verdict and the instant the response is attributed to (for periods)."""

    skew: ClockSkew
    effective_at: datetime


def clock_skew(
    submitted_at: datetime,
    received_at: datetime,
    *,
    future_tolerance: timedelta = FUTURE_TOLERANCE,
    max_age: timedelta = MAX_OFFLINE_AGE,
) -> ClockSkew:
    """Judge a kiosk's ``submitted_at`` against the server's ``received_at`` (both aware).

    The rule: a response submitted more than ``future_tolerance`` (5 minutes) after it was
    received is ``FUTURE`` — the device clock is wrong, as nothing can be sent before it is
    answered, and a few minutes cover ordinary drift. One submitted more than ``max_age``
    (30 days) before it was received is ``TOO_OLD`` — longer than a kiosk plausibly stays offline,
    so most likely a device whose clock reset. Anything in between is ``NONE``: past timestamps
    are legitimate because kiosks queue answers while offline and send them later.

    A skewed response is still accepted (refusing it would make the kiosk retry forever and lose
    a real answer); it is flagged and attributed to ``received_at`` instead (see
    :func:`check_clock`).
    """
    if submitted_at.utcoffset() is None or received_at.utcoffset() is None:
        raise ValueError("submitted_at and received_at must be timezone-aware")
    lead = submitted_at - received_at
    if lead > future_tolerance:
        return ClockSkew.FUTURE
    if -lead > max_age:
        return ClockSkew.TOO_OLD
    return ClockSkew.NONE


def check_clock(
    submitted_at: datetime,
    received_at: datetime,
    *,
    future_tolerance: timedelta = FUTURE_TOLERANCE,
    max_age: timedelta = MAX_OFFLINE_AGE,
) -> ClockCheck:
    """:func:`clock_skew` plus the instant to attribute the response to.

    ``effective_at`` is ``submitted_at`` when the device clock is trusted, else ``received_at``,
    always in UTC. Aggregates use it to place a response in a period, so a kiosk whose clock says
    2031 cannot push answers into a future quarter.
    """
    skew = clock_skew(submitted_at, received_at, future_tolerance=future_tolerance, max_age=max_age)
    chosen = submitted_at if skew is ClockSkew.NONE else received_at
    return ClockCheck(skew=skew, effective_at=chosen.astimezone(UTC))


@dataclass(frozen=True, slots=True)
class ClockWindow:
    """The submission times :func:`check_clock` trusts for responses received at one instant.

    A batch's items share ``received_at``, so the verdict for the common case, a trusted clock, is
    two comparisons instead of a call per item: ``trusts(t)`` holds exactly when
    ``check_clock(t, received_at).skew`` is ``NONE``.
    """

    earliest: datetime
    latest: datetime

    @classmethod
    def around(
        cls,
        received_at: datetime,
        *,
        future_tolerance: timedelta = FUTURE_TOLERANCE,
        max_age: timedelta = MAX_OFFLINE_AGE,
    ) -> ClockWindow:
        if received_at.utcoffset() is None:
            raise ValueError("received_at must be timezone-aware")
        return cls(received_at - max_age, received_at + future_tolerance)

    def trusts(self, submitted_at: datetime) -> bool:
        """For an aware ``submitted_at``; cheapest when it is in UTC, like the window."""
        return self.earliest <= submitted_at <= self.latest


def response_month(effective_at: datetime, zone: tzinfo) -> Period:
    """The reporting month of a response, by the local date in the org unit's region.

    A deadline "by the 5th" means the 5th in local time, and so does "answered in April": an
    answer given at 02:00 on 1 April in Krasnoyarsk (UTC+7) is 19:00 UTC on 31 March but belongs
    to ``2025-04``. Quarters and years follow from the month (``Period.parent``).
    """
    if effective_at.utcoffset() is None:
        raise ValueError("effective_at must be timezone-aware")
    return Period.containing(effective_at.astimezone(zone).date(), PeriodType.MONTH)
