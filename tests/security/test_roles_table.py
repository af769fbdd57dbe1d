"""docs/roles.md and the roles the routes declare (``RolesRequired`` dependencies) are one and the same,
and the declarations are what the services enforce:

* the committed table is what ``scripts/roles.py`` renders from the code;
* every role a route does not declare is refused at the door (403 naming the roles), before anything
  else is looked at;
* every role a route declares gets past every role check, the services' own included: a valid request
  (the authorisation matrix's builders) by a caller holding only that role, scoped to the whole
  federation, is never refused for its role;
* every ``require_role`` in a service's code checks a set of roles that some route of that service
  declares — a role check hidden in a service, with no declaration, fails here;
* a kiosk token on any user endpoint is told what it may do ("kiosk tokens may only post responses").
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from support import ROOT, SERVICES, bearer, kpi_mock
from test_authz_matrix import BUILDERS, SEEDS, World

from zdrav_shared.auth import KIOSK_TOKEN_ELSEWHERE, USER_SCHEME, Role
from zdrav_shared.routes import Operation, operations
from zdrav_shared.testing import ThrowawayDatabase, token

ROLE_REFUSAL = "this operation needs one of the roles"
ALL_ROLES = [r.value for r in Role]


def _roles_script() -> Any:
    spec = importlib.util.spec_from_file_location("zdrav_roles_script", ROOT / "scripts" / "roles.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def declared(service: str) -> list[Operation]:
    app = importlib.import_module(f"{SERVICES[service].package}.app").create_app()
    return [op for op in operations(app) if op.in_schema]


DECLARED = {service: declared(service) for service in SERVICES}


def test_the_committed_table_is_what_the_code_declares() -> None:
    script = _roles_script()
    committed = (ROOT / "docs" / "roles.md").read_text(encoding="utf-8")
    assert committed == script.render(), "docs/roles.md is stale: run `make roles` and commit"


def test_every_documented_operation_is_in_the_table() -> None:
    table = (ROOT / "docs" / "roles.md").read_text(encoding="utf-8")
    for service, found in DECLARED.items():
        for op in found:
            assert f"| {service} | `{op.operation_id}` | `{op.method} {op.path}` |" in table


# --- the declarations are enforced ----------------------------------------------------------------


@pytest.fixture(scope="module")
def database_urls() -> Iterator[dict[str, str]]:
    databases = {name: ThrowawayDatabase(f"sec-roles-{name}", spec.migrations_dir) for name, spec in SERVICES.items()}
    try:
        yield {name: database.create() for name, database in databases.items()}
    finally:
        for database in databases.values():
            database.drop()


@pytest.fixture(scope="module")
async def worlds(database_urls: dict[str, str]) -> AsyncIterator[dict[str, World]]:
    """The authorisation matrix's seeded services (both regions, their data and a kiosk)."""
    managers = []
    found: dict[str, World] = {}
    with kpi_mock():
        try:
            for name, spec in SERVICES.items():
                app: FastAPI = spec.create_app(spec.settings(database_urls[name]))
                manager = LifespanManager(app)
                await manager.__aenter__()
                managers.append(manager)
                client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}")
                found[name] = World(client, app=app)
                await SEEDS[name](found[name])
            yield found
        finally:
            for world in found.values():
                await world.client.aclose()
            for manager in reversed(managers):
                await manager.__aexit__(None, None, None)


def only(role: str) -> dict[str, str]:
    return bearer(token([role], ["RU"], sub=f"roles-{role}"))


def concrete(path: str) -> str:
    """A path template with every parameter filled (the door is checked before the parameters)."""
    return re.sub(r"\{[^}]+\}", "1", path)


DOOR_CASES = [
    (service, op.operation_id, role)
    for service, found in DECLARED.items()
    for op in found
    if op.roles is not None and USER_SCHEME in op.schemes
    for role in ALL_ROLES
    if role not in op.roles
]


@pytest.mark.parametrize(("service", "operation_id", "role"), DOOR_CASES)
async def test_an_undeclared_role_is_refused_at_the_door(
    worlds: dict[str, World], service: str, operation_id: str, role: str
) -> None:
    op = next(o for o in DECLARED[service] if o.operation_id == operation_id)
    assert op.roles is not None
    response = await worlds[service].client.request(op.method, concrete(op.path), headers=only(role), json={})
    assert response.status_code == 403, response.text
    detail = response.json()["detail"]
    assert detail.startswith(ROLE_REFUSAL) and all(r in detail for r in op.roles), detail


GRANT_CASES = [
    (service, op.operation_id, role)
    for service, found in DECLARED.items()
    for op in found
    if USER_SCHEME in op.schemes
    for role in (op.roles if op.roles is not None else ALL_ROLES)
]


@pytest.mark.parametrize(("service", "operation_id", "role"), GRANT_CASES)
async def test_a_declared_role_passes_every_role_check(
    worlds: dict[str, World], service: str, operation_id: str, role: str
) -> None:
    builder = BUILDERS[service].get(operation_id)
    if builder is None:
        pytest.fail(f"{service} {operation_id} has no request builder in test_authz_matrix.BUILDERS")
    world = worlds[service]
    method, path, kwargs = await builder(world, "own")
    response = await world.client.request(method, path, headers=only(role), **kwargs)
    if response.status_code == 403:
        assert not response.json().get("detail", "").startswith(ROLE_REFUSAL), (
            f"{service} {operation_id} declares {role} but refused it for its role: {response.text[:300]} — "
            "a role check in the service that the route does not declare (change the route's role_required)"
        )


# --- no role check hides in a service -------------------------------------------------------------


def _role_checks(package: str) -> list[tuple[str, int, frozenset[str]]]:
    """(file, line, roles) of every ``require_role(principal, …)`` in a service's code, the roles
    resolved from the constants they name."""
    found = []
    root = Path(importlib.import_module(package).__file__ or "").parent
    for path in sorted(root.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        if "require_role(" not in source:
            continue
        module_name = f"{package}." + ".".join(path.relative_to(root).with_suffix("").parts)
        module = importlib.import_module(module_name.removesuffix(".__init__"))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "require_role":
                roles: set[str] = set()
                for arg in node.args[1:]:
                    starred = isinstance(arg, ast.Starred)
                    expression = ast.Expression(arg.value if isinstance(arg, ast.Starred) else arg)
                    value = eval(compile(expression, str(path), "eval"), vars(module))
                    roles |= {str(v) for v in value} if starred else {str(value)}
                found.append((str(path.relative_to(ROOT)), node.lineno, frozenset(roles)))
    return found


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_role_check_in_a_service_is_declared_by_a_route(service: str) -> None:
    declarations = {frozenset(op.roles) for op in DECLARED[service] if op.roles is not None}
    hidden = [
        f"{file}:{line} requires {sorted(roles)}"
        for file, line, roles in _role_checks(SERVICES[service].package)
        if roles not in declarations
    ]
    assert not hidden, (
        "role checks that no route declares (give the routes that reach them "
        f"`Depends(role_required(...))` with the same roles): {hidden}"
    )


def test_role_checks_are_found_at_all() -> None:
    """The scan above must see the services' checks, or it proves nothing."""
    assert len(_role_checks("kpi_api")) >= 5
    assert inspect.getsource(_role_checks)


# --- kiosk tokens ---------------------------------------------------------------------------------

KIOSK_CASES = [
    (service, op.operation_id)
    for service, found in DECLARED.items()
    for op in found
    if op.schemes == (USER_SCHEME,) or (USER_SCHEME in op.schemes and "KioskToken" not in op.schemes)
]


@pytest.mark.parametrize(("service", "operation_id"), KIOSK_CASES)
async def test_a_kiosk_token_on_a_user_endpoint_is_told_what_it_may_do(
    worlds: dict[str, World], service: str, operation_id: str
) -> None:
    op = next(o for o in DECLARED[service] if o.operation_id == operation_id)
    response = await worlds[service].client.request(
        op.method, concrete(op.path), headers=bearer("zk_" + "k" * 43), json={}
    )
    assert response.status_code == 401
    assert response.json()["detail"] == KIOSK_TOKEN_ELSEWHERE
    assert "malformed" not in response.text


async def test_a_user_token_on_the_kiosk_batch_is_told_what_to_use(worlds: dict[str, World]) -> None:
    response = await worlds["survey-api"].client.post(
        "/v1/responses/batch", headers=only("federal"), json={"responses": []}
    )
    assert response.status_code == 401
    assert "kiosk token" in response.json()["detail"] and "POST /v1/responses" in response.json()["detail"]
