"""Validate rendered Kubernetes objects offline and strictly; run by scripts/k8s_validate.sh in the
kubernetes-validate venv (it provides kubernetes_validate, jsonschema and PyYAML).

    python k8s_schema_validate.py --schemas deploy/k8s/schemas --kubernetes "1.29.0 1.37.0" <rendered.yaml>...

- Kubernetes' own kinds: against the Kubernetes OpenAPI schemas of every version given
  (kubernetes-validate, strict: an unknown field fails).
- Custom resources: against the vendored CRD schemas, ``<schemas>/<group>/<kind>_<version>.json``
  (made strict by scripts/crd_schemas.py; deploy/k8s/schemas/README.md says where they come from).
- An object of a kind neither knows fails: nothing is waved through with a warning.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml
from kubernetes_validate.utils import SchemaNotFoundError


def crd_schema(schemas: Path, obj: dict[str, Any]) -> Path | None:
    group, _, version = obj["apiVersion"].rpartition("/")
    if not group or "." not in group or group.endswith(".k8s.io"):
        return None  # core, apps, batch, networking.k8s.io…: Kubernetes' own
    return schemas / group / f"{obj['kind'].lower()}_{version}.json"


def validate(obj: dict[str, Any], schemas: Path, versions: list[str]) -> list[str]:
    where = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
    path = crd_schema(schemas, obj)
    if path is not None:
        if not path.is_file():
            return [f"{where}: no schema for {obj['apiVersion']} {obj['kind']} (expected {path})"]
        validator = jsonschema.Draft7Validator(json.loads(path.read_text(encoding="utf-8")))
        return [
            f"{where}: {'.'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
            for error in sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path))
        ]
    errors = []
    for version in versions:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except SchemaNotFoundError:
            errors.append(f"{where}: Kubernetes {version} has no schema for {obj['apiVersion']} {obj['kind']}")
        except jsonschema.ValidationError as error:
            path_text = ".".join(str(p) for p in error.path) or "<root>"
            errors.append(f"{where}: Kubernetes {version}: {path_text}: {error.message}")
    return errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schemas", type=Path, required=True)
    parser.add_argument("--kubernetes", required=True, help='versions, space-separated: "1.29.0 1.37.0"')
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    versions = args.kubernetes.split()
    failures = 0
    for file in args.files:
        objects = [o for o in yaml.safe_load_all(file.read_text(encoding="utf-8")) if o]
        custom = 0
        for obj in objects:
            custom += crd_schema(args.schemas, obj) is not None
            for error in validate(obj, args.schemas, versions):
                print(f"ERROR {file.name}: {error}")
                failures += 1
        print(
            f"  {file.name}: {len(objects)} objects ({custom} custom resources against deploy/k8s/schemas), "
            f"Kubernetes {', '.join(versions)}"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
