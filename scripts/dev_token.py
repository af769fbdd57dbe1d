"""`make token ROLE=… SCOPE=…`: print a dev JWT signed with the same secret as `make run`.

Imports PyJWT and the standard library only (zdrav_shared.tokens, dev_secret): well under half a second."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dev_secret import jwt_secret

from zdrav_shared.tokens import issue_token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--role", default=os.environ.get("ROLE") or "federal", help="comma-separated roles")
    parser.add_argument("--scope", default=os.environ.get("SCOPE") or "RU", help="comma-separated org-unit codes")
    parser.add_argument("--sub", default=os.environ.get("SUB") or "dev-user")
    parser.add_argument("--ttl", type=int, default=int(os.environ.get("TTL") or 8 * 3600), help="seconds")
    args = parser.parse_args()
    roles = [r.strip() for r in args.role.split(",") if r.strip()]
    scope = [s.strip() for s in args.scope.split(",") if s.strip()]
    print(issue_token(jwt_secret(), args.sub, roles, scope, ttl_s=args.ttl))


if __name__ == "__main__":
    main()
