"""Write (or, with --check, compare) each service's OpenAPI document under openapi/<service>.json."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = {"kpi-api": "kpi_api", "survey-api": "survey_api", "roadmap-api": "roadmap_api"}


def render(package: str) -> str:
    """The service's OpenAPI document as committed: sorted keys, 2-space indent, final newline."""
    app = importlib.import_module(f"{package}.app").create_app()
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when a committed document is stale")
    args = parser.parse_args()
    stale = []
    for service, package in SERVICES.items():
        path = ROOT / "openapi" / f"{service}.json"
        document = render(package)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != document:
                stale.append(service)
        else:
            path.parent.mkdir(exist_ok=True)
            path.write_text(document, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print(f"stale OpenAPI documents: {', '.join(stale)} — run `make openapi` and commit", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
