"""The per-process cache of successful kiosk authentications, on a clock the tests move by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.campaigns.context import CampaignCache
from survey_api.kiosks.errors import KioskTokenInvalid
from survey_api.kiosks.service import KioskService, hash_token
from survey_api.kiosks.token_cache import AuthenticatedKiosk, KioskTokenCache
from survey_api.models import Kiosk

TTL = 5.0
KIOSK = AuthenticatedKiosk(id="k-1", campaign_code="mur-2025", org_unit_code="MUR-GP1")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def kiosk(n: int) -> AuthenticatedKiosk:
    return AuthenticatedKiosk(id=f"k-{n}", campaign_code="mur-2025", org_unit_code="MUR-GP1")


class TestTimeToLive:
    def test_a_success_is_served_from_the_cache_within_the_ttl(self, clock: Clock) -> None:
        cache = KioskTokenCache(TTL, clock=clock)
        cache.put("h1", KIOSK)
        clock.now += TTL - 0.001
        assert cache.get("h1") is KIOSK

    def test_an_entry_expires_after_the_ttl(self, clock: Clock) -> None:
        cache = KioskTokenCache(TTL, clock=clock)
        cache.put("h1", KIOSK)
        clock.now += TTL
        assert cache.get("h1") is None

    def test_putting_again_restarts_the_ttl(self, clock: Clock) -> None:
        cache = KioskTokenCache(TTL, clock=clock)
        cache.put("h1", KIOSK)
        clock.now += 4
        cache.put("h1", KIOSK)
        clock.now += 4
        assert cache.get("h1") is KIOSK

    def test_an_unknown_hash_is_a_miss(self, clock: Clock) -> None:
        cache = KioskTokenCache(TTL, clock=clock)
        cache.put("h1", KIOSK)
        assert cache.get("h2") is None

    def test_ttl_zero_caches_nothing(self, clock: Clock) -> None:
        cache = KioskTokenCache(0, clock=clock)
        cache.put("h1", KIOSK)
        cache.invalidate("h1")
        assert cache.get("h1") is None
        assert len(cache) == 0

    def test_the_snapshot_cannot_be_changed(self) -> None:
        with pytest.raises(AttributeError):
            KIOSK.campaign_code = "other"  # type: ignore[misc]


class TestInvalidation:
    def test_invalidate_drops_the_entry(self, clock: Clock) -> None:
        cache = KioskTokenCache(TTL, clock=clock)
        cache.put("h1", KIOSK)
        cache.put("h2", kiosk(2))
        cache.invalidate("h1")
        assert cache.get("h1") is None
        assert cache.get("h2") == kiosk(2)

    def test_a_check_that_read_the_row_before_the_revocation_committed_is_not_cached(self, clock: Clock) -> None:
        cache = KioskTokenCache(TTL, clock=clock)
        cache.invalidate("h1")
        cache.put("h1", KIOSK)
        assert cache.get("h1") is None
        clock.now += TTL
        cache.put("h1", KIOSK)  # one TTL later the revocation has long committed or rolled back
        assert cache.get("h1") is KIOSK

    def test_invalidating_an_uncached_token_bars_only_that_token(self, clock: Clock) -> None:
        cache = KioskTokenCache(TTL, clock=clock)
        cache.invalidate("h1")
        cache.put("h2", kiosk(2))
        assert cache.get("h2") == kiosk(2)


class TestSizeBound:
    def test_the_oldest_entry_goes_when_full(self, clock: Clock) -> None:
        cache = KioskTokenCache(TTL, max_entries=3, clock=clock)
        for n in range(5):
            cache.put(f"h{n}", kiosk(n))
            clock.now += 0.1
        assert len(cache) == 3
        assert [cache.get(f"h{n}") for n in range(5)] == [None, None, kiosk(2), kiosk(3), kiosk(4)]

    def test_expired_entries_go_before_live_ones(self, clock: Clock) -> None:
        cache = KioskTokenCache(TTL, max_entries=3, clock=clock)
        cache.put("old", kiosk(0))
        clock.now += TTL - 1
        cache.put("a", kiosk(1))
        cache.put("b", kiosk(2))
        clock.now += 1  # "old" has expired, "a" and "b" have not
        cache.put("c", kiosk(3))
        assert len(cache) == 3
        assert [cache.get(h) for h in ("a", "b", "c")] == [kiosk(1), kiosk(2), kiosk(3)]

    def test_a_refreshed_entry_is_no_longer_the_oldest(self, clock: Clock) -> None:
        cache = KioskTokenCache(TTL, max_entries=2, clock=clock)
        cache.put("a", kiosk(1))
        clock.now += 0.1
        cache.put("b", kiosk(2))
        clock.now += 0.1
        cache.put("a", kiosk(1))
        cache.put("c", kiosk(3))
        assert [cache.get(h) for h in ("a", "b", "c")] == [kiosk(1), None, kiosk(3)]

    def test_many_tokens_never_exceed_the_bound(self, clock: Clock) -> None:
        cache = KioskTokenCache(TTL, max_entries=100, clock=clock)
        for n in range(1000):
            cache.put(f"h{n}", kiosk(n))
            cache.invalidate(f"r{n}")
        assert len(cache) == 100


class FakeRepository:
    """Answers ``by_token_hash`` from a dict and counts the look-ups."""

    def __init__(self, *rows: Kiosk) -> None:
        self.rows = {row.token_hash: row for row in rows}
        self.lookups = 0

    async def by_token_hash(self, token_hash: str) -> Kiosk | None:
        self.lookups += 1
        return self.rows.get(token_hash)


def row(kiosk_id: str, token: str, revoked: bool = False) -> Kiosk:
    return Kiosk(
        id=kiosk_id,
        campaign_code="mur-2025",
        org_unit_code="MUR-GP1",
        token_hash=hash_token(token),
        revoked_at=datetime(2025, 5, 1, tzinfo=UTC) if revoked else None,
    )


def service_over(repo: FakeRepository, tokens: KioskTokenCache) -> KioskService:
    service = KioskService(cast(AsyncSession, None), CampaignCache(TTL, "Europe/Moscow"), tokens)
    service.repo = cast(Any, repo)
    return service


class TestAuthenticate:
    async def test_a_success_is_cached_under_the_token_hash(self, clock: Clock) -> None:
        tokens = KioskTokenCache(TTL, clock=clock)
        service = service_over(FakeRepository(row("k-1", "zk_good")), tokens)
        authenticated = await service.authenticate("zk_good")
        assert authenticated == KIOSK
        assert tokens.get(hash_token("zk_good")) == KIOSK
        assert tokens.get("zk_good") is None

    @pytest.mark.parametrize(("token", "detail"), [("zk_unknown", "not known"), ("zk_revoked", "revoked")])
    async def test_a_refused_token_is_not_cached(self, clock: Clock, token: str, detail: str) -> None:
        tokens = KioskTokenCache(TTL, clock=clock)
        repo = FakeRepository(row("k-2", "zk_revoked", revoked=True))
        service = service_over(repo, tokens)
        for _ in range(2):
            with pytest.raises(KioskTokenInvalid, match=detail):
                await service.authenticate(token)
        assert repo.lookups == 2
        assert len(tokens) == 0
