"""JUnit test ids and pytest node ids: the plugin names tests as the report does, and back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions.testing.junit import node_id
from actions.testing.pytest_plugin.preprod_e2e import junit_id

# (JUnit id, known test files, node id)
IDS = [
    ("e2e.test_shop::test_order", (), "e2e/test_shop.py::test_order"),
    ("e2e.test_shop::test_bad[no-quantity]", (), "e2e/test_shop.py::test_bad[no-quantity]"),
    ("e2e.test_shop.TestCart::test_total", (), "e2e/test_shop.py::TestCart::test_total"),
    ("suite.Checks::test_x", ("suite.py",), "suite.py::Checks::test_x"),
    ("tests.v1.checks::test_x", ("tests/v1/checks.py",), "tests/v1/checks.py::test_x"),
    ("test_params::test_p[a.b::c]", (), "test_params.py::test_p[a.b::c]"),
    ("no_class_name", (), "no_class_name"),
]


@pytest.mark.parametrize(("test_id", "files", "expected"), IDS)
def test_a_junit_id_maps_back_to_a_node_id(
    test_id: str, files: tuple[str, ...], expected: str
) -> None:
    assert node_id(test_id, files) == expected


def test_the_plugin_names_a_test_as_pytest_junit_report_does() -> None:
    assert junit_id("e2e/test_shop.py::test_order") == "e2e.test_shop::test_order"
    assert junit_id("e2e/test_a.py::TestCart::test_x[1-2]") == "e2e.test_a.TestCart::test_x[1-2]"


_module = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
_klass = st.from_regex(r"Test[A-Z][a-z]{0,6}", fullmatch=True)
_name = st.from_regex(r"test_[a-z0-9_]{1,10}", fullmatch=True)
_params = st.one_of(st.just(""), st.from_regex(r"\[[a-z0-9.:/-]{1,8}\]", fullmatch=True))


@given(
    folders=st.lists(_module, max_size=3),
    module=_module,
    classes=st.lists(_klass, max_size=2),
    name=_name,
    params=_params,
)
def test_node_ids_survive_the_round_trip_through_junit(
    folders: list[str], module: str, classes: list[str], name: str, params: str
) -> None:
    path = "/".join([*folders, f"test_{module}.py"])
    original = "::".join([path, *classes, name]) + params

    assert node_id(junit_id(original), {path}) == original
    assert node_id(junit_id(original)) == original  # capitalised names are classes
