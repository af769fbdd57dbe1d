"""`make token ROLE=… SCOPE=…`: print a dev JWT signed with the same secret as `make run`.

Imports the standard library only (zdrav_shared.tokens, dev_secret): well under half a second. Refuses a
role the services do not know (a token with none of theirs is refused with 403 everywhere) and a
lifetime beyond what they accept (401)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dev_secret import jwt_secret

from zdrav_shared.tokens import MAX_SERVICE_TOKEN_TTL_S, MAX_USER_TOKEN_TTL_S, ROLES, Role, issue_token, unknown_roles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    roles_help = f"comma-separated: {', '.join(ROLES)}"
    parser.add_argument("--role", default=os.environ.get("ROLE") or "federal", help=roles_help)
    parser.add_argument("--scope", default=os.environ.get("SCOPE") or "RU", help="comma-separated org-unit codes")
    parser.add_argument("--sub", default=os.environ.get("SUB") or "dev-user")
    parser.add_argument("--ttl", type=int, default=int(os.environ.get("TTL") or 8 * 3600), help="seconds")
    args = parser.parse_args()
    roles = [r.strip() for r in args.role.split(",") if r.strip()]
    scope = [s.strip() for s in args.scope.split(",") if s.strip()]
    unknown = unknown_roles(roles)
    if not roles or unknown:
        what = f"unknown role(s): {', '.join(unknown)}" if unknown else "no role given"
        parser.exit(2, f"make token: {what}; ROLE must be one or more of: {', '.join(ROLES)}\n")
    if Role.SERVICE in roles:
        limit = int(os.environ.get("ZDRAV_MAX_SERVICE_TOKEN_TTL_S") or MAX_SERVICE_TOKEN_TTL_S)
    else:
        limit = int(os.environ.get("ZDRAV_MAX_TOKEN_TTL_S") or MAX_USER_TOKEN_TTL_S)
    if not 0 < args.ttl <= limit:
        parser.exit(2, f"make token: TTL must be between 1 and {limit} seconds (the services refuse longer)\n")
    print(issue_token(jwt_secret(), args.sub, roles, scope, ttl_s=args.ttl))


if __name__ == "__main__":
    main()
