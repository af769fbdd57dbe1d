"""Who may change a definition: only its owner, and a 403 that names the owner otherwise."""

from __future__ import annotations

import pytest

from zdrav_shared.auth import Principal
from zdrav_shared.ownership import FEDERAL_OWNER, default_owner, may_change, owners_of, require_owner
from zdrav_shared.problems import Forbidden, Unprocessable


def principal(*roles: str, scope: tuple[str, ...] = ("RU",)) -> Principal:
    return Principal(sub="u", roles=frozenset(roles), scope_org_units=frozenset(scope))


class TestOwners:
    def test_federal_owns_the_federation_only(self) -> None:
        federal = principal("federal")
        assert owners_of(federal) == {FEDERAL_OWNER}
        assert may_change(federal, "RU")
        assert not may_change(federal, "RU-MUR")

    def test_regional_admin_owns_its_regions(self) -> None:
        admin = principal("regional_admin", scope=("RU-MUR",))
        assert may_change(admin, "RU-MUR")
        assert not may_change(admin, "RU-KYA")
        assert not may_change(admin, "RU")

    @pytest.mark.parametrize("role", ["mo_operator", "analyst", "service"])
    def test_other_roles_own_nothing(self, role: str) -> None:
        assert owners_of(principal(role, scope=("RU-MUR",))) == frozenset()

    def test_refusal_names_the_owner(self) -> None:
        with pytest.raises(Forbidden) as refused:
            require_owner(principal("regional_admin", scope=("RU-MUR",)), "RU-KYA", "indicator KYA_1")
        body = refused.value.to_problem()
        assert body["owner"] == "RU-KYA" and body["reason"] == "not_owner"
        assert "RU-KYA" in body["detail"]


class TestDefaultOwner:
    def test_callers_own(self) -> None:
        assert default_owner(principal("federal"), None) == "RU"
        assert default_owner(principal("regional_admin", scope=("RU-KYA",)), None) == "RU-KYA"

    def test_asked_owner_must_be_the_callers(self) -> None:
        with pytest.raises(Forbidden):
            default_owner(principal("regional_admin", scope=("RU-KYA",)), "RU")

    def test_several_regions_must_choose(self) -> None:
        with pytest.raises(Unprocessable) as refused:
            default_owner(principal("regional_admin", scope=("RU-KYA", "RU-MUR")), None)
        assert refused.value.errors is not None and refused.value.errors[0].pointer == "/owner"
        assert default_owner(principal("regional_admin", scope=("RU-KYA", "RU-MUR")), "RU-MUR") == "RU-MUR"
