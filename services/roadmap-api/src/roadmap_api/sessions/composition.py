"""Working-group composition rules, checked with warnings (never refusals).

A session may set per-category limits for every group (the Krasnoyarsk session put 7 chief
physicians, one ministry, one insurance-fund and one college representative in each group of 10)
and a group size. Without rules of its own a session is checked against the default: one chief
physician per group (``min`` 1, ``max`` 1) — a group without one lacks the person who can carry a
project into a hospital, a group with two tends to be run by them. A rule with ``min`` and ``max``
equal asks for exactly that many.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class CategoryRule:
    category: str
    min: int | None = None
    max: int | None = None


@dataclass(frozen=True, slots=True)
class CompositionRules:
    categories: tuple[CategoryRule, ...] = ()
    group_size_min: int | None = None
    group_size_max: int | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> CompositionRules:
        """Rules stored on the session, or the default when it has none."""
        if data is None:
            return DEFAULT_RULES
        return cls(
            tuple(CategoryRule(c["category"], c.get("min"), c.get("max")) for c in data.get("categories", [])),
            data.get("group_size_min"),
            data.get("group_size_max"),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "categories": [{"category": c.category, "min": c.min, "max": c.max} for c in self.categories],
            "group_size_min": self.group_size_min,
            "group_size_max": self.group_size_max,
        }


DEFAULT_RULES = CompositionRules((CategoryRule("chief_physician", 1, 1),))


def _label(category: str) -> str:
    return category.replace("_", " ")


def group_warnings(name: str, categories: Sequence[str], rules: CompositionRules) -> list[str]:
    """What a group of participants (their categories) breaks in ``rules``; empty when nothing."""
    counts = Counter(categories)
    warnings: list[str] = []
    for rule in rules.categories:
        n = counts.get(rule.category, 0)
        wanted = _wanted(rule)
        if (rule.min is not None and n < rule.min) or (rule.max is not None and n > rule.max):
            warnings.append(f"{name}: {n} {_label(rule.category)}(s); the rule asks for {wanted}")
    size = len(categories)
    if rules.group_size_min is not None and size < rules.group_size_min:
        warnings.append(f"{name}: {size} participant(s); at least {rules.group_size_min} per group")
    if rules.group_size_max is not None and size > rules.group_size_max:
        warnings.append(f"{name}: {size} participant(s); at most {rules.group_size_max} per group")
    return warnings


def _wanted(rule: CategoryRule) -> str:
    if rule.min is not None and rule.min == rule.max:
        return f"exactly {rule.min}"
    if rule.min is not None and rule.max is not None:
        return f"{rule.min} to {rule.max}"
    if rule.min is not None:
        return f"at least {rule.min}"
    return f"at most {rule.max}"
