"""Assemble committed results from partial runs: ``python -m bench.combine var/bench/A.json var/bench/B.json``.

A national run of every benchmark takes longer than a quiet hour of a shared machine; its parts can be
measured one after another (``BENCH_SCALE=national uv run python -m bench kpi``, then ``… bench survey``, …)
and put together here. Each part keeps its own line saying when, at which commit and under what load it
was measured, so the page never presents them as one run; a figure measured again in a later part
replaces the earlier one. Writes ``bench/results/<date>[-national].json``
and the generated part of ``docs/benchmarks.md``.

``python -m bench.combine --onto bench/results/X.json var/bench/C.json`` lays new parts over results
already committed (whose parts' files are gone): X's figures, and the part lines and notes of the
generated block of ``docs/benchmarks.md``, which must be X's. A new part's figures replace X's of the
same name, and its notes replace X's notes on the same subject (the words before the first colon).
``--only TEXT`` (after ``--onto X``) takes from the parts only the figures whose name holds TEXT: a
re-measured point of a curve without the figures that its run reports for "the largest point"; the
notes stay X's (they describe the whole curve).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from bench.__main__ import BEGIN, DOC, END, RESULTS, table, write_doc
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


def _committed(path: Path) -> tuple[list[Figure], list[str], list[str], dict[str, Any]]:
    """The figures of committed results, and the part lines, notes and machine of the doc's block."""
    figures = [Figure(**item) for item in json.loads(path.read_text())]
    text = DOC.read_text()
    block = text.partition(BEGIN)[2].partition(END)[0]
    intro, _, rest = block.partition("\n| figure |")
    machine = re.search(r"on (\d+) cores \((.+)\), ([\d.]+) GiB RAM, Python (\S+), PostgreSQL (.+) \(local", intro)
    if machine is None:
        raise SystemExit("docs/benchmarks.md: the generated block does not say which machine it was measured on")
    cores, cpu, memory, python, postgresql = machine.groups()
    lines = [line[2:] for line in intro.splitlines() if line.startswith("- ")]
    notes = [line[2:] for line in rest.splitlines() if line.startswith("- ")]
    names = {f.name for f in figures}
    table_names = {cells[1].strip() for cells in (line.split("|") for line in rest.splitlines()) if len(cells) > 2}
    if not names <= table_names:
        raise SystemExit(f"docs/benchmarks.md's generated block is not {path}'s: run combine with its parts")
    info = {"cores": cores, "cpu": cpu, "memory_gib": memory, "python": python, "postgresql": postgresql}
    return figures, lines, notes, info


def _subject(note: str) -> str:
    return note.split(":", 1)[0]


def main(argv: list[str]) -> int:
    onto: Path | None = None
    only = ""
    if argv[:1] == ["--onto"] and len(argv) > 1:
        onto, argv = Path(argv[1]), argv[2:]
        if argv[:1] == ["--only"] and len(argv) > 1:
            only, argv = argv[1], argv[2:]
    paths = argv
    if not paths:
        raise SystemExit(__doc__)
    parts = [_part(Path(p)) for p in paths]
    parts = [
        ([f for f in found if only in f.name], {**meta, "notes": [] if only else meta["notes"]})
        for found, meta in parts
    ]
    scales = {meta["info"]["scale"] for _, meta in parts}
    if len(scales) != 1:
        raise SystemExit(f"the parts were measured at different scales: {sorted(scales)}")
    scale = scales.pop()
    first = parts[0][1]["info"]
    date = max(meta["info"]["date"] for _, meta in parts)
    lines: list[str] = []
    notes: list[str] = []
    by_name: dict[str, Figure] = {}
    if onto is not None:
        if onto.stem.endswith("-national") != (scale == "national"):
            raise SystemExit(f"{onto} and the parts were measured at different scales (the parts: {scale})")
        committed, lines, notes, first = _committed(onto)
        by_name = {f.name: f for f in committed}
        subjects = {_subject(note) for _, meta in parts for note in meta["notes"]}
        notes = [note for note in notes if _subject(note) not in subjects]
        date = max(date, onto.stem.removesuffix("-national"))
    # A figure measured again in a later part (a phase re-run after a fix) replaces the earlier one, in
    # its place.
    for found, _ in parts:
        for figure in found:
            by_name[figure.name] = figure
    figures = list(by_name.values())
    notes += [note for _, meta in parts for note in meta["notes"]]
    lines += [_describe(meta) for _, meta in parts]
    target = RESULTS / f"{date}{'-national' if scale == 'national' else ''}.json"
    target.write_text(json.dumps([f.as_dict() for f in figures], indent=2, ensure_ascii=False) + "\n")
    print(f"bench.combine: wrote {target.relative_to(ROOT)}")
    block = "\n".join(
        [
            BEGIN,
            "",
            f"Assembled from {len(lines)} runs of parts of `make bench` (`python -m bench.combine`) on "
            f"{first['cores']} cores ({first['cpu']}), {first['memory_gib']} GiB RAM, Python {first['python']}, "
            f"PostgreSQL {first['postgresql']} (local, default settings):",
            "",
            *[f"- {line}" for line in lines],
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
