"""Turn CustomResourceDefinitions into the JSON schemas `make k8s-validate` checks custom resources against.

    python3 scripts/crd_schemas.py <crd.yaml>... --out deploy/k8s/schemas

Writes ``<out>/<group>/<kind>_<version>.json`` (lower-case kind) for every served version of each CRD:
its ``openAPIV3Schema``, made strict the way the API server's pruning is (an unknown field fails
instead of being dropped): ``additionalProperties: false`` on every object that lists its properties,
unless it preserves unknown fields; ``nullable`` as a null type; descriptions left out (they are most
of the size and none of the checks). CEL rules (``x-kubernetes-validations``) are not evaluated here —
the API server does that. Needs PyYAML (the validator's environment has it).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml

NAMED = ("properties", "patternProperties", "definitions")
"""Keywords whose keys are names (a property called ``description`` is kept), not schema keywords."""


def strict(node: Any) -> Any:
    """A copy of an OpenAPI v3 schema node as a strict JSON schema."""
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    found = {
        key: {name: strict(sub) for name, sub in value.items()} if key in NAMED else strict(value)
        for key, value in node.items()
        if key != "description"
    }
    preserves = node.get("x-kubernetes-preserve-unknown-fields")
    if "properties" in found and "additionalProperties" not in found and not preserves:
        found["additionalProperties"] = False
    if found.pop("nullable", False) and "type" in found:
        found["type"] = [found["type"], "null"]
    return found


def convert(crd_path: Path, out: Path) -> list[Path]:
    written = []
    for crd in yaml.safe_load_all(crd_path.read_text(encoding="utf-8")):
        if not crd or crd.get("kind") != "CustomResourceDefinition":
            continue
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if not version.get("served", True):
                continue
            schema = strict(version["schema"]["openAPIV3Schema"])
            schema["$schema"] = "http://json-schema.org/draft-07/schema#"
            # The object must say what it is: apiVersion and kind are required and fixed.
            schema.setdefault("properties", {})
            schema["properties"]["apiVersion"] = {"const": f"{group}/{version['name']}"}
            schema["properties"]["kind"] = {"const": kind}
            schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind", "metadata"})
            target = out / group / f"{kind.lower()}_{version['name']}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n", encoding="utf-8")
            written.append(target)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("crds", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    for crd in args.crds:
        for path in convert(crd, args.out):
            print(f"{crd} → {path}")


if __name__ == "__main__":
    main()
