"""Write a TypeScript file with one typed call of every operation of an OpenAPI document, for
`make openapi-check`: `tsc --strict` must compile it against the client that openapi-typescript
generated from the same document (openapi-fetch), so that a front-end team can call each operation
through generated types without a cast.

Each call passes the operation's required path, query and header parameters and, when it takes one,
a request body built from the document's own schema (its examples where it has them, otherwise the
simplest value the schema accepts); it then reads one field of the typed success answer, so that an
answer typed as nothing usable fails to compile too.

    python scripts/openapi_calls.py openapi/kpi-api.json kpi-api > calls.ts
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

METHODS = ("get", "put", "post", "patch", "delete")
IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
STRING_FORMATS = {
    "date": "2025-06-30",
    "date-time": "2025-06-30T10:00:00Z",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


class Values:
    """Builds a JSON value that a schema accepts, resolving ``$ref`` against the document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        seen = 0
        while "$ref" in schema:
            ref = schema["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"external reference {ref}")
            node: Any = self.document
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            schema = node
            seen += 1
            if seen > 50:
                raise ValueError(f"reference loop at {ref}")
        return schema

    def value(self, schema: dict[str, Any], depth: int = 0) -> Any:
        schema = self.resolve(schema)
        if depth > 12:
            raise ValueError("schema nests too deep for an example")
        for key in ("const",):
            if key in schema:
                return schema[key]
        if "enum" in schema:
            return next(v for v in schema["enum"] if v is not None)
        if "examples" in schema and isinstance(schema["examples"], list) and schema["examples"]:
            return schema["examples"][0]
        if "example" in schema:
            return schema["example"]
        if "default" in schema and schema["default"] is not None:
            return schema["default"]
        for key in ("anyOf", "oneOf"):
            if key in schema:
                variants = [v for v in schema[key] if self.resolve(v).get("type") != "null"]
                return self.value(variants[0], depth + 1)
        if "allOf" in schema:
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                piece = self.value(part, depth + 1)
                if isinstance(piece, dict):
                    merged.update(piece)
            return merged
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "object" or "properties" in schema:
            properties = schema.get("properties", {})
            return {name: self.value(properties[name], depth + 1) for name in schema.get("required", [])}
        if kind == "array":
            count = max(1, int(schema.get("minItems", 1)))
            return [self.value(schema.get("items", {}), depth + 1) for _ in range(count)]
        if kind == "string":
            return {
                "date": "2025-06-30",
                "date-time": "2025-06-30T10:00:00Z",
                "uuid": "00000000-0000-4000-8000-000000000000",
            }.get(schema.get("format", ""), "X")
        if kind == "integer":
            return int(schema.get("minimum", 1))
        if kind == "number":
            return schema.get("minimum", 1)
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return {}


def ts(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def success_read(values: Values, operation: dict[str, Any]) -> str:
    """A statement reading one field of the typed success answer (or nothing for non-JSON answers)."""
    for status, response in sorted(operation.get("responses", {}).items()):
        if not str(status).startswith("2"):
            continue
        content = values.resolve(response).get("content", {})
        media = content.get("application/json")
        if not media or "schema" not in media:
            continue
        schema = values.resolve(media["schema"])
        if schema.get("type") == "array":
            return "  const read: number | undefined = data?.length;\n  void read;\n"
        required = [p for p in schema.get("required", []) if IDENTIFIER.match(p)]
        if required:
            return f"  const read = data?.{required[0]};\n  void read;\n"
    return "  void data;\n"


def body_argument(values: Values, operation: dict[str, Any]) -> str:
    body = operation.get("requestBody")
    if body is None:
        return ""
    body = values.resolve(body)
    content = body.get("content", {})
    if "application/json" in content:
        value = values.value(content["application/json"].get("schema", {}))
        return f"    body: {ts(value)},\n"
    if "multipart/form-data" in content:
        value = values.value(content["multipart/form-data"].get("schema", {}))
        return (
            f"    body: {ts(value)},\n"
            "    bodySerializer(body) {\n"
            "      const form = new FormData();\n"
            "      for (const [name, part] of Object.entries(body)) form.append(name, String(part));\n"
            "      return form;\n"
            "    },\n"
        )
    raise ValueError(f"no JSON or multipart body in {sorted(content)}")


def params_argument(values: Values, item: dict[str, Any], operation: dict[str, Any]) -> str:
    groups: dict[str, dict[str, Any]] = {}
    for parameter in [*item.get("parameters", []), *operation.get("parameters", [])]:
        parameter = values.resolve(parameter)
        if not parameter.get("required") or parameter["in"] not in {"path", "query", "header"}:
            continue
        groups.setdefault(parameter["in"], {})[parameter["name"]] = values.value(parameter.get("schema", {}))
    if not groups:
        return ""
    inner = ", ".join(f"{where}: {ts(found)}" for where, found in sorted(groups.items()))
    return f"    params: {{ {inner} }},\n"


def render(document: dict[str, Any], module: str) -> str:
    values = Values(document)
    server = (document.get("servers") or [{"url": "http://127.0.0.1"}])[0]["url"]
    lines = [
        f"// Generated by scripts/openapi_calls.py from openapi/{module}.json: one typed call per operation.",
        'import createClient from "openapi-fetch";',
        f'import type {{ paths }} from "./{module}";',
        "",
        f'const client = createClient<paths, "application/json">({{ baseUrl: {ts(server)} }});',
        "",
    ]
    count = 0
    for path, item in sorted(document.get("paths", {}).items()):
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            count += 1
            name = re.sub(r"[^A-Za-z0-9_]", "_", operation.get("operationId") or f"{method}_{path}")
            init = params_argument(values, item, operation) + body_argument(values, operation)
            argument = f", {{\n{init}  }}" if init else ""
            lines.append(f"export async function {name}(): Promise<void> {{")
            lines.append(f"  const {{ data, error }} = await client.{method.upper()}({ts(path)}{argument});")
            lines.append("  if (error !== undefined) return;")
            lines.append(success_read(values, operation).rstrip("\n"))
            lines.append("}")
            lines.append("")
    lines.append(f"export const OPERATIONS = {count};")
    return "\n".join(lines) + "\n"


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    document = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    sys.stdout.write(render(document, sys.argv[2]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
