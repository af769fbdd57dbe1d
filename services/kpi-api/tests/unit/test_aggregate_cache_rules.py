"""Which generations a root's cached figures depend on (kpi_api.aggregate_cache.rules)."""

from __future__ import annotations

import random

from kpi_api.aggregate_cache.rules import methods_key, region_path, root_generation, statuses_key

GENERATIONS = {"/RU/": 2, "/RU/RU-MUR/": 5, "/RU/RU-KYA/": 7}


def test_a_value_counts_under_its_region_or_the_federation() -> None:
    assert region_path("/RU/RU-MUR/RU-MUR-MUR/MUR-A/") == "/RU/RU-MUR/"
    assert region_path("/RU/RU-MUR/") == "/RU/RU-MUR/"
    assert region_path("/RU/") == "/RU/"


def test_a_root_at_or_below_a_region_reads_its_region_and_the_federations_own_values() -> None:
    # The federation's own generation is included though its values lie outside these subtrees: a
    # needless recomputation after a write at RU, never a missed one.
    assert root_generation("/RU/RU-MUR/", GENERATIONS) == 2 + 5
    assert root_generation("/RU/RU-MUR/RU-MUR-MUR/MUR-A/", GENERATIONS) == 2 + 5


def test_the_federation_reads_every_region() -> None:
    assert root_generation("/RU/", GENERATIONS) == 2 + 5 + 7


def test_a_region_with_no_write_yet_reads_zero_and_a_first_write_changes_it() -> None:
    assert root_generation("/RU/RU-SPE/", {"/RU/RU-MUR/": 5}) == 0
    assert root_generation("/RU/RU-SPE/", {"/RU/RU-MUR/": 5, "/RU/RU-SPE/": 1}) == 1


def test_a_code_that_is_a_prefix_of_another_is_not_its_parent() -> None:
    # Paths end with "/": RU-MU is not inside RU-MUR.
    assert root_generation("/RU/RU-MU/", {"/RU/RU-MUR/": 5, "/RU/RU-MU/": 3}) == 3


def test_keys() -> None:
    assert statuses_key(("submitted", "approved")) == "approved,submitted"
    assert statuses_key(None) == "*"
    assert methods_key("average", None, "organisation") == "average||organisation"


def test_the_look_up_equals_the_definition_on_any_tree() -> None:
    """Every key that is a prefix of the root, or that the root is a prefix of, and no other."""
    rng = random.Random(7)
    codes = ["RU", "RU-A", "RU-AB", "M1", "M12", "O1"]
    for _ in range(2000):
        depth = rng.randint(1, 5)
        root = "/" + "/".join(rng.choice(codes) for _ in range(depth)) + "/"
        keys = {
            region_path("/" + "/".join(rng.choice(codes) for _ in range(rng.randint(1, 4))) + "/") for _ in range(6)
        }
        generations = {key: rng.randint(1, 9) for key in keys}
        expected = sum(g for key, g in generations.items() if root.startswith(key) or key.startswith(root))
        assert root_generation(root, generations) == expected, (root, generations)
