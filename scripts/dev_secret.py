"""The JWT secret of `make run` and `make token`: ZDRAV_JWT_SECRET from the environment, else one generated
once and kept under ./var (standard library only, so that `make token` starts fast)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var"


def jwt_secret() -> str:
    """ZDRAV_JWT_SECRET from the environment, else one generated once and kept under ./var."""
    if os.environ.get("ZDRAV_JWT_SECRET"):
        return os.environ["ZDRAV_JWT_SECRET"]
    path = VAR / "jwt_secret"
    if not path.exists():
        VAR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
