"""Churn: what changed between a baseline and a candidate release, and which tests it points at."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from actions.testing.churn import changed_files, changed_symbols, item_tokens, name_similarity
from actions.testing.smart import changed_items, hash_tree, release_churn

ROOT = Path(__file__).resolve().parents[2]
SHOP_RELEASES = ROOT / "examples" / "shop" / "releases"

# (what it shows, baseline {path: hash}, candidate, changed)
DIFFS = [
    ("identical trees change nothing", {"a.py": "1"}, {"a.py": "1"}, []),
    (
        "a file whose content changed",
        {"a.py": "1", "b.py": "2"},
        {"a.py": "1", "b.py": "3"},
        ["b.py"],
    ),
    (
        "an added and a removed file",
        {"a.py": "1", "old.py": "2"},
        {"a.py": "1", "new.py": "3"},
        ["new.py", "old.py"],
    ),
    ("empty trees", {}, {}, []),
]


@pytest.mark.parametrize(
    ("baseline", "candidate", "expected"), [d[1:] for d in DIFFS], ids=[d[0] for d in DIFFS]
)
def test_changed_files_compare_content_hashes(
    baseline: dict[str, str], candidate: dict[str, str], expected: list[str]
) -> None:
    assert changed_files(baseline, candidate) == expected


OLD = textwrap.dedent(
    """
    LIMIT = 10
    TIMEOUT = 2.0


    def total(price, quantity):
        return price * quantity


    def make_app():
        @route("POST", "/orders")
        def place_order(request):
            return 201, {}

        return place_order


    def gone():
        pass
    """
)

# (what it shows, the change applied to OLD, the symbols it changed)
SYMBOLS = [
    ("a function's body", ("price * quantity", "price * (quantity + 1)"), ["total"]),
    (
        "a nested function, named with its parent",
        ("return 201, {}", "return 200, {}"),
        ["make_app.place_order"],
    ),
    ("a decorator belongs to its function", ('"/orders"', '"/order"'), ["make_app.place_order"]),
    ("a module-level name", ("LIMIT = 10", "LIMIT = 11"), ["LIMIT"]),
    ("a removed function, found in the old text", ("def gone():\n    pass\n", ""), ["gone"]),
]


@pytest.mark.parametrize(
    ("edit", "expected"), [s[1:] for s in SYMBOLS], ids=[s[0] for s in SYMBOLS]
)
def test_changed_symbols_name_the_innermost_definition(
    edit: tuple[str, str], expected: list[str]
) -> None:
    assert changed_symbols(OLD, OLD.replace(*edit)) == expected


def test_text_that_is_not_python_has_no_symbols() -> None:
    assert changed_symbols("not: [python", "not: [python either") == []


def test_release_folders_are_compared_by_content_and_python_files_by_symbol(
    tmp_path: Path,
) -> None:
    old, new = tmp_path / "1.0", tmp_path / "1.1"
    for folder, version in ((old, "1.0"), (new, "1.1")):
        (folder / "__pycache__").mkdir(parents=True)
        (folder / "__pycache__" / "orders.cpython-311.pyc").write_bytes(version.encode())
        (folder / "VERSION").write_text(version)
        (folder / "catalog.py").write_text("def search():\n    return []\n")
    (old / "orders.py").write_text(OLD)
    (new / "orders.py").write_text(OLD.replace("LIMIT = 10", "LIMIT = 11"))

    assert set(hash_tree(old)) == {"VERSION", "catalog.py", "orders.py"}
    assert changed_items(old, new) == ["VERSION", "orders.py", "orders.py::LIMIT"]


def test_the_shop_1_1_churn_names_the_order_total_it_broke() -> None:
    churn = release_churn(SHOP_RELEASES, "1.0", "1.1")

    assert churn is not None
    assert churn["baseline"] == "1.0"
    assert "storefront.py::order_total" in churn["changed"]
    assert "storefront.py::make_app.get_product" in churn["changed"]
    assert not any(item.startswith("catalog.py") for item in churn["changed"])


@pytest.mark.parametrize(
    ("baseline", "version"),
    [(None, "1.1"), ("1.1", "1.1"), ("1.0", "9.9"), ("..", "1.1"), ("1.0", "../1.1")],
    ids=["no baseline", "same version", "missing folder", "parent folder", "path in version"],
)
def test_no_churn_without_two_release_folders(baseline: str | None, version: str) -> None:
    assert release_churn(SHOP_RELEASES, baseline, version) is None


# (changed item, test id, similarity)
NAMES = [
    ("shop/orders.py", "e2e.test_shop::test_order_of_one_item_is_placed", 1.0),
    (
        "storefront.py::make_app.place_order",
        "e2e.test_shop::test_placed_order_can_be_read_back",
        1.0,
    ),
    ("storefront.py::order_total", "e2e.test_shop::test_order_of_one_item_is_placed", 0.5),
    ("catalog.py", "e2e.test_shop::test_storefront_is_healthy", 0.0),
    ("VERSION", "e2e.test_shop::test_catalog_is_healthy", 0.0),
    ("src/api/__init__.py", "e2e.test_api::test_anything", 0.0),
]


@pytest.mark.parametrize(("item", "test_id", "expected"), NAMES)
def test_a_changed_item_points_at_tests_sharing_its_words(
    item: str, test_id: str, expected: float
) -> None:
    assert name_similarity(test_id, item) == pytest.approx(expected)


def test_a_symbol_is_matched_by_its_own_name_only() -> None:
    assert item_tokens("storefront.py::make_app.place_order") == {"plac", "order"}
    assert item_tokens("shop/orders.py") == {"shop", "order"}
