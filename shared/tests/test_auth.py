"""Token verification (HS256, RS256 through JWKS), the principal's scope, and the role/scope checks."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import jwt
import pytest
import respx
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, FastAPI

from zdrav_shared.auth import (
    JwksCache,
    Principal,
    Role,
    TokenVerifier,
    current_principal,
    issue_token,
    principal_from_claims,
    require_role,
    require_scope,
    role_required,
)
from zdrav_shared.problems import Forbidden, ServiceUnavailable, Unauthorized, install_problem_handlers
from zdrav_shared.testing import TEST_JWT_SECRET

JWKS_URL = "https://idp.test/realms/zdrav/protocol/openid-connect/certs"


def hs256(claims: dict[str, Any], secret: str = TEST_JWT_SECRET, headers: dict[str, Any] | None = None) -> str:
    return jwt.encode(claims, secret, algorithm="HS256", headers=headers)


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "sub": "op-1",
        "roles": ["mo_operator"],
        "scope_org_units": ["RU-MUR"],
        "iat": now,
        "exp": now + 600,
    }
    base.update(overrides)
    return base


@pytest.fixture
def verifier() -> TokenVerifier:
    return TokenVerifier(secret=TEST_JWT_SECRET, leeway_s=5)


class TestHs256:
    async def test_valid_token_gives_the_principal(self, verifier: TokenVerifier) -> None:
        principal = await verifier.verify(issue_token(TEST_JWT_SECRET, "op-1", ["mo_operator"], ["RU-MUR"]))
        assert principal.sub == "op-1"
        assert principal.roles == frozenset({"mo_operator"})
        assert principal.scope_org_units == frozenset({"RU-MUR"})
        assert principal.claims["sub"] == "op-1"

    async def test_expired(self, verifier: TokenVerifier) -> None:
        token = issue_token(TEST_JWT_SECRET, "op-1", ["mo_operator"], ["RU-MUR"], ttl_s=60, now=time.time() - 3600)
        with pytest.raises(Unauthorized, match="expired") as info:
            await verifier.verify(token)
        assert info.value.status == 401
        assert info.value.headers["WWW-Authenticate"].startswith("Bearer")

    async def test_expired_within_leeway_is_accepted(self, verifier: TokenVerifier) -> None:
        assert (await verifier.verify(hs256(claims(exp=int(time.time()) - 2)))).sub == "op-1"

    async def test_wrong_key(self, verifier: TokenVerifier) -> None:
        with pytest.raises(Unauthorized, match="signature"):
            await verifier.verify(hs256(claims(), secret="another-secret-of-sufficient-length-0123456789"))

    async def test_alg_none_is_refused(self, verifier: TokenVerifier) -> None:
        token = jwt.encode(claims(roles=["federal"], scope_org_units=["RU"]), None, algorithm="none")
        with pytest.raises(Unauthorized, match="not accepted"):
            await verifier.verify(token)

    async def test_hand_made_alg_none_is_refused(self, verifier: TokenVerifier) -> None:
        def b64(data: dict[str, Any]) -> str:
            return jwt.utils.base64url_encode(json.dumps(data).encode()).decode()

        token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims(roles=['federal']))}."
        with pytest.raises(Unauthorized):
            await verifier.verify(token)

    @pytest.mark.parametrize("token", ["", "abc", "a.b.c", "Bearer x.y.z"])
    async def test_malformed(self, verifier: TokenVerifier, token: str) -> None:
        with pytest.raises(Unauthorized):
            await verifier.verify(token)

    @pytest.mark.parametrize(
        "bad",
        [
            {"roles": "federal"},
            {"roles": ["federal", 1]},
            {"roles": {"federal": True}},
            {"scope_org_units": "RU"},
            {"scope_org_units": [None]},
        ],
    )
    async def test_claims_of_the_wrong_shape(self, verifier: TokenVerifier, bad: dict[str, Any]) -> None:
        with pytest.raises(Unauthorized) as info:
            await verifier.verify(hs256(claims(**bad)))
        assert info.value.status == 401

    @pytest.mark.parametrize("missing", ["sub", "exp"])
    async def test_required_claims(self, verifier: TokenVerifier, missing: str) -> None:
        body = claims()
        del body[missing]
        with pytest.raises(Unauthorized):
            await verifier.verify(hs256(body))

    async def test_audience_is_checked_when_configured(self) -> None:
        verifier = TokenVerifier(secret=TEST_JWT_SECRET, audience="zdrav")
        assert (await verifier.verify(hs256(claims(aud="zdrav")))).sub == "op-1"
        with pytest.raises(Unauthorized):
            await verifier.verify(hs256(claims(aud="someone-else")))
        with pytest.raises(Unauthorized):
            await verifier.verify(hs256(claims()))

    async def test_rs256_refused_without_jwks(self, verifier: TokenVerifier, rsa_key: rsa.RSAPrivateKey) -> None:
        with pytest.raises(Unauthorized, match="not accepted"):
            await verifier.verify(jwt.encode(claims(), rsa_key, algorithm="RS256", headers={"kid": "k1"}))

    def test_needs_a_secret_or_jwks(self) -> None:
        with pytest.raises(ValueError):
            TokenVerifier()


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def rsa_key_2() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    data: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**data, "kid": kid, "use": "sig", "alg": "RS256"}


def rs256(key: rsa.RSAPrivateKey, kid: str | None, **overrides: Any) -> str:
    headers = {"kid": kid} if kid is not None else None
    return jwt.encode(claims(**overrides), key, algorithm="RS256", headers=headers)


@pytest.fixture
def idp() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


class TestRs256Jwks:
    async def test_kid_lookup_and_cache(
        self, idp: respx.MockRouter, rsa_key: rsa.RSAPrivateKey, rsa_key_2: rsa.RSAPrivateKey
    ) -> None:
        route = idp.get(JWKS_URL).respond(json={"keys": [jwk(rsa_key, "k1"), jwk(rsa_key_2, "k2")]})
        verifier = TokenVerifier(jwks=JwksCache(JWKS_URL))
        assert (await verifier.verify(rs256(rsa_key, "k1"))).sub == "op-1"
        assert (await verifier.verify(rs256(rsa_key_2, "k2", sub="op-2"))).sub == "op-2"
        assert route.call_count == 1  # cached

    async def test_key_of_another_kid_is_a_bad_signature(
        self, idp: respx.MockRouter, rsa_key: rsa.RSAPrivateKey, rsa_key_2: rsa.RSAPrivateKey
    ) -> None:
        idp.get(JWKS_URL).respond(json={"keys": [jwk(rsa_key, "k1"), jwk(rsa_key_2, "k2")]})
        verifier = TokenVerifier(jwks=JwksCache(JWKS_URL))
        with pytest.raises(Unauthorized, match="signature"):
            await verifier.verify(rs256(rsa_key_2, "k1"))

    async def test_unknown_kid_refreshes(
        self, idp: respx.MockRouter, rsa_key: rsa.RSAPrivateKey, rsa_key_2: rsa.RSAPrivateKey
    ) -> None:
        route = idp.get(JWKS_URL)
        route.side_effect = [
            httpx.Response(200, json={"keys": [jwk(rsa_key, "k1")]}),
            httpx.Response(200, json={"keys": [jwk(rsa_key, "k1"), jwk(rsa_key_2, "k2")]}),
            httpx.Response(200, json={"keys": [jwk(rsa_key, "k1"), jwk(rsa_key_2, "k2")]}),
        ]
        verifier = TokenVerifier(jwks=JwksCache(JWKS_URL, min_refresh_s=0.0))
        assert (await verifier.verify(rs256(rsa_key, "k1"))).sub == "op-1"
        assert (await verifier.verify(rs256(rsa_key_2, "k2"))).sub == "op-1"  # rotated in
        assert route.call_count == 2
        with pytest.raises(Unauthorized, match="unknown key"):
            await verifier.verify(rs256(rsa_key_2, "k-nobody-has"))
        assert route.call_count == 3

    async def test_unknown_kids_do_not_flood_the_provider(
        self, idp: respx.MockRouter, rsa_key: rsa.RSAPrivateKey, rsa_key_2: rsa.RSAPrivateKey
    ) -> None:
        route = idp.get(JWKS_URL).respond(json={"keys": [jwk(rsa_key, "k1")]})
        verifier = TokenVerifier(jwks=JwksCache(JWKS_URL, min_refresh_s=60.0))
        assert (await verifier.verify(rs256(rsa_key, "k1"))).sub == "op-1"
        for forged in range(5):
            with pytest.raises(Unauthorized, match="unknown key"):
                await verifier.verify(rs256(rsa_key_2, f"forged-{forged}"))
        assert route.call_count == 1

    async def test_no_kid_with_a_single_key(self, idp: respx.MockRouter, rsa_key: rsa.RSAPrivateKey) -> None:
        idp.get(JWKS_URL).respond(json={"keys": [jwk(rsa_key, "k1")]})
        verifier = TokenVerifier(jwks=JwksCache(JWKS_URL))
        assert (await verifier.verify(rs256(rsa_key, None))).sub == "op-1"

    async def test_endpoint_down_without_keys_is_503(self, idp: respx.MockRouter, rsa_key: rsa.RSAPrivateKey) -> None:
        idp.get(JWKS_URL).mock(side_effect=httpx.ConnectError("refused"))
        verifier = TokenVerifier(jwks=JwksCache(JWKS_URL))
        with pytest.raises(ServiceUnavailable) as info:
            await verifier.verify(rs256(rsa_key, "k1"))
        assert info.value.status == 503

    async def test_endpoint_error_status_without_keys_is_503(
        self, idp: respx.MockRouter, rsa_key: rsa.RSAPrivateKey
    ) -> None:
        idp.get(JWKS_URL).respond(502, text="bad gateway")
        with pytest.raises(ServiceUnavailable):
            await TokenVerifier(jwks=JwksCache(JWKS_URL)).verify(rs256(rsa_key, "k1"))

    async def test_endpoint_down_with_cached_keys_keeps_serving(
        self, idp: respx.MockRouter, rsa_key: rsa.RSAPrivateKey
    ) -> None:
        route = idp.get(JWKS_URL)
        route.side_effect = [httpx.Response(200, json={"keys": [jwk(rsa_key, "k1")]}), httpx.ConnectError("down")]
        # every call wants a refresh, and no verified token is remembered
        verifier = TokenVerifier(jwks=JwksCache(JWKS_URL, ttl_s=0.0), cache_size=0)
        assert (await verifier.verify(rs256(rsa_key, "k1"))).sub == "op-1"
        assert (await verifier.verify(rs256(rsa_key, "k1"))).sub == "op-1"
        assert route.call_count == 2

    async def test_a_verified_token_is_remembered_until_it_expires(
        self, idp: respx.MockRouter, rsa_key: rsa.RSAPrivateKey
    ) -> None:
        route = idp.get(JWKS_URL).respond(json={"keys": [jwk(rsa_key, "k1")]})
        verifier = TokenVerifier(jwks=JwksCache(JWKS_URL, ttl_s=0.0))
        token = rs256(rsa_key, "k1")
        for _ in range(3):
            assert (await verifier.verify(token)).sub == "op-1"
        assert route.call_count == 1

    async def test_uses_the_given_client(self, rsa_key: rsa.RSAPrivateKey) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json={"keys": [jwk(rsa_key, "k1")]})

        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            verifier = TokenVerifier(jwks=JwksCache(JWKS_URL, client=http))
            assert (await verifier.verify(rs256(rsa_key, "k1"))).sub == "op-1"

    async def test_hs256_refused_when_only_jwks(self, idp: respx.MockRouter) -> None:
        verifier = TokenVerifier(jwks=JwksCache(JWKS_URL))
        with pytest.raises(Unauthorized, match="not accepted"):
            await verifier.verify(hs256(claims()))


def principal(roles: set[str], scope: set[str]) -> Principal:
    return Principal(sub="u", roles=frozenset(roles), scope_org_units=frozenset(scope))


MUR_HOSPITAL = ["MUR-MON-CH", "RU-MUR-MON", "RU-MUR", "RU"]
KYA_HOSPITAL = ["KYA-NOR-CH", "RU-KYA-NOR", "RU-KYA", "RU"]


class TestPrincipal:
    def test_region_scope_covers_its_subtree_only(self) -> None:
        mur = principal({"regional_admin"}, {"RU-MUR"})
        assert mur.covers(MUR_HOSPITAL)
        assert mur.covers(["RU-MUR"])
        assert not mur.covers(KYA_HOSPITAL)  # sharing the RU ancestor is not enough
        assert not mur.covers(["RU"])
        assert not mur.covers([])
        assert not mur.is_federal

    def test_organisation_scope(self) -> None:
        operator = principal({"mo_operator"}, {"MUR-MON-CH"})
        assert operator.covers(["MUR-MON-CH.AP", *MUR_HOSPITAL])
        assert not operator.covers(["RU-MUR-MON", "RU-MUR", "RU"])  # not upwards

    @pytest.mark.parametrize(("roles", "scope"), [({"analyst"}, {"RU"}), ({"federal"}, set()), ({"service"}, set())])
    def test_federal_covers_everything(self, roles: set[str], scope: set[str]) -> None:
        p = principal(roles, scope)
        assert p.is_federal
        assert p.covers(KYA_HOSPITAL) and p.covers(["anything"]) and p.covers([])

    def test_require_scope(self) -> None:
        mur = principal({"mo_operator"}, {"RU-MUR"})
        require_scope(mur, MUR_HOSPITAL)
        with pytest.raises(Forbidden, match="KYA-NOR-CH") as info:
            require_scope(mur, KYA_HOSPITAL)
        assert info.value.status == 403
        with pytest.raises(Forbidden, match="X-1"):
            require_scope(mur, KYA_HOSPITAL, code="X-1")

    def test_require_role(self) -> None:
        analyst = principal({"analyst"}, {"RU"})
        require_role(analyst, Role.ANALYST, Role.FEDERAL)
        with pytest.raises(Forbidden, match="regional_admin") as info:
            require_role(analyst, Role.REGIONAL_ADMIN)
        assert info.value.status == 403
        assert analyst.has_role("analyst") and not analyst.has_role("federal")

    def test_principal_from_claims(self) -> None:
        p = principal_from_claims({"sub": 5, "roles": ["analyst"]})
        assert p.sub == "5" and p.scope_org_units == frozenset()


class TestDependencies:
    @pytest.fixture
    async def client(self) -> AsyncIterator[httpx.AsyncClient]:
        app = FastAPI()
        install_problem_handlers(app)
        app.state.token_verifier = TokenVerifier(secret=TEST_JWT_SECRET)

        @app.get("/me")
        async def me(p: Principal = Depends(current_principal)) -> dict[str, str]:
            return {"sub": p.sub}

        @app.get("/admin")
        async def admin(p: Principal = Depends(role_required(Role.FEDERAL, Role.REGIONAL_ADMIN))) -> dict[str, str]:
            return {"sub": p.sub}

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            yield http

    async def test_missing_token_is_401_with_challenge(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/me")
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Bearer realm="zdrav"'
        assert response.headers["content-type"] == "application/problem+json"

    async def test_token_and_roles(self, client: httpx.AsyncClient) -> None:
        operator = {"Authorization": f"Bearer {issue_token(TEST_JWT_SECRET, 'op', ['mo_operator'], ['RU-MUR'])}"}
        admin = {"Authorization": f"Bearer {issue_token(TEST_JWT_SECRET, 'ad', ['regional_admin'], ['RU-MUR'])}"}
        assert (await client.get("/me", headers=operator)).json() == {"sub": "op"}
        assert (await client.get("/admin", headers=operator)).status_code == 403
        assert (await client.get("/admin", headers=admin)).json() == {"sub": "ad"}
        bad = {"Authorization": "Bearer " + hs256(claims(roles="federal"))}
        assert (await client.get("/me", headers=bad)).status_code == 401
