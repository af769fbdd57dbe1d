"""The staffing rules of the federal primary-care centre's recommendations for a regional centre
(региональный центр ПМСП), as pure functions.

* **Staff by number of polyclinics**: up to 10 polyclinics → at least 3 staff; 11–40 → at least 4;
  41–100 → at least 5; over 100 → more than 5 (at least 6). The number of polyclinics is the larger
  of the number the centre declares for its region (``polyclinics_total``) and the number its
  members actually curate: a centre does not get smaller by curating fewer polyclinics than it has.
  Staff are all members, the head included.
* **Each member curates at least one polyclinic**; **the head at most two** (the head also runs
  the centre).
* **At least half of the staff are medically educated.**
* **One head** — the other rules speak of "the head"; none or two is reported.

Every rule is reported every time, with ``ok`` and a ``detail`` a person can act on. An empty centre
fails every rule about its members: nothing is shown compliant without a member to show it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MemberFact:
    name: str
    is_head: bool
    medical_education: bool
    polyclinics: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Check:
    rule: str
    ok: bool
    detail: str


HEAD_MAX_POLYCLINICS = 2


def required_staff(polyclinics: int) -> int:
    """The least staff for a number of polyclinics ("more than 5" over 100 is at least 6)."""
    if polyclinics <= 10:
        return 3
    if polyclinics <= 40:
        return 4
    if polyclinics <= 100:
        return 5
    return 6


def band(polyclinics: int) -> str:
    if polyclinics <= 10:
        return "up to 10 polyclinics: at least 3 staff"
    if polyclinics <= 40:
        return "11–40 polyclinics: at least 4 staff"
    if polyclinics <= 100:
        return "41–100 polyclinics: at least 5 staff"
    return "over 100 polyclinics: more than 5 staff"


def compliance(members: Sequence[MemberFact], polyclinics_total: int | None) -> list[Check]:
    """Every rule, in a fixed order."""
    curated = len({code for m in members for code in m.polyclinics})
    polyclinics = max(curated, polyclinics_total or 0)
    staff = len(members)
    need = required_staff(polyclinics)
    declared = f", {polyclinics_total} declared" if polyclinics_total is not None else ""
    checks = [
        Check(
            "staff_by_polyclinics",
            staff >= need,
            f"{staff} staff for {polyclinics} polyclinic(s) ({curated} curated{declared}); {band(polyclinics)}",
        )
    ]
    heads = [m for m in members if m.is_head]
    if len(heads) == 1:
        checks.append(Check("one_head", True, f"the head is {heads[0].name}"))
    else:
        names = ", ".join(h.name for h in heads)
        checks.append(
            Check("one_head", False, f"{len(heads)} heads{': ' + names if names else ''}; the centre has one")
        )
    if not members:
        checks.append(Check("member_curates_polyclinic", False, "the centre has no members yet"))
    else:
        idle = [m.name for m in members if not m.polyclinics]
        checks.append(
            Check(
                "member_curates_polyclinic",
                not idle,
                f"without a polyclinic: {', '.join(idle)}" if idle else f"all {staff} member(s) curate a polyclinic",
            )
        )
    if not heads:
        checks.append(Check("head_at_most_two_polyclinics", False, "the centre has no head"))
    else:
        over = [
            f"{h.name} ({len(set(h.polyclinics))})" for h in heads if len(set(h.polyclinics)) > HEAD_MAX_POLYCLINICS
        ]
        checks.append(
            Check(
                "head_at_most_two_polyclinics",
                not over,
                f"the head curates more than {HEAD_MAX_POLYCLINICS}: {', '.join(over)}"
                if over
                else f"the head curates {', '.join(str(len(set(h.polyclinics))) for h in heads)} polyclinic(s)",
            )
        )
    educated = sum(1 for m in members if m.medical_education)
    checks.append(
        Check(
            "half_medically_educated",
            staff > 0 and educated * 2 >= staff,
            f"{educated} of {staff} medically educated; at least half are asked"
            if staff
            else "the centre has no members yet",
        )
    )
    return checks
