"""ETags from row versions and the If-Match check."""

from __future__ import annotations

import pytest

from zdrav_shared.etags import check_if_match, etag
from zdrav_shared.problems import Conflict


def test_etag_is_weak_and_quoted() -> None:
    assert etag(3) == 'W/"3"'


@pytest.mark.parametrize(
    "if_match",
    [None, "*", " * ", 'W/"3"', '"3"', "3", ' W/"3" ', 'W/"1", W/"3"', '"2","3"', 'W/"2", "3"'],
)
def test_matching_or_absent_if_match_passes(if_match: str | None) -> None:
    check_if_match(if_match, 3)


@pytest.mark.parametrize("if_match", ['W/"2"', '"2"', "2", 'W/"4"', 'W/"1", W/"2"', "", 'W/"33"', 'W/"3', "W/3", "x"])
def test_stale_or_foreign_if_match_is_a_conflict(if_match: str) -> None:
    with pytest.raises(Conflict) as info:
        check_if_match(if_match, 3)
    assert info.value.status == 409
    assert info.value.extra["current_etag"] == 'W/"3"'
    assert "version 3" in str(info.value.detail)


def test_round_trip_of_the_served_etag() -> None:
    for version in (1, 2, 10, 12345):
        check_if_match(etag(version), version)
        with pytest.raises(Conflict):
            check_if_match(etag(version), version + 1)
