"""Assemble committed results from partial runs: ``python -m bench.combine var/bench/A.json var/bench/B.json``.

A national run of every benchmark takes longer than a quiet hour of a shared machine; its parts can be
measured one after another (``BENCH_SCALE=national uv run python -m bench kpi``, then ``… bench survey``, …)
and put together here. Each part keeps its own line saying when, at which commit and under what load it
was measured, so the page never presents them as one run; a figure measured again in a later part
replaces the earlier one. Writes ``bench/results/<date>[-national].json``
and the generated part of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.__main__ import BEGIN, END, RESULTS, table, write_doc
from bench.harness import ROOT, Figure


def _part(path: Path) -> tuple[list[Figure], dict[str, Any]]:
    figures = [Figure(**item) for item in json.loads(path.read_text())]
    meta_path = path.with_suffix(".meta.json")
    if not meta_path.exists():
        raise SystemExit(f"{meta_path} is missing: combine only runs made by this version of `python -m bench`")
    return figures, json.loads(meta_path.read_text())


def _describe(meta: dict[str, Any]) -> str:
    info = meta["info"]
    load = info["load"]
    selection = ", ".join(meta["argv"]) or "every benchmark"
    return (
        f"`{selection}` measured {info['date']} at scale `{info['scale']}` on {info['cpu']} "
        f"(commit `{info['commit']}`, {info['duration_s']:.0f} s; "
        f"load average before / after {load[0]:.2f} / {load[1]:.2f})"
    )


def main(paths: list[str]) -> int:
    if not paths:
        raise SystemExit(__doc__)
    parts = [_part(Path(p)) for p in paths]
    scales = {meta["info"]["scale"] for _, meta in parts}
    if len(scales) != 1:
        raise SystemExit(f"the parts were measured at different scales: {sorted(scales)}")
    scale = scales.pop()
    first = parts[0][1]["info"]
    date = max(meta["info"]["date"] for _, meta in parts)
    # A figure measured again in a later part (a phase re-run after a fix) replaces the earlier one.
    by_name: dict[str, Figure] = {}
    for found, _ in parts:
        for figure in found:
            by_name.pop(figure.name, None)
            by_name[figure.name] = figure
    figures = list(by_name.values())
    notes = [note for _, meta in parts for note in meta["notes"]]
    target = RESULTS / f"{date}{'-national' if scale == 'national' else ''}.json"
    target.write_text(json.dumps([f.as_dict() for f in figures], indent=2, ensure_ascii=False) + "\n")
    print(f"bench.combine: wrote {target.relative_to(ROOT)}")
    block = "\n".join(
        [
            BEGIN,
            "",
            f"Assembled from {len(parts)} runs of parts of `make bench` (`python -m bench.combine`) on "
            f"{first['cores']} cores ({first['cpu']}), {first['memory_gib']} GiB RAM, Python {first['python']}, "
            f"PostgreSQL {first['postgresql']} (local, default settings):",
            "",
            *[f"- {_describe(meta)}" for _, meta in parts],
            "",
            table(figures),
            "",
            *[f"- {note}" for note in notes],
            "",
            END,
        ]
    )
    write_doc(block)
    print("bench.combine: wrote docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
