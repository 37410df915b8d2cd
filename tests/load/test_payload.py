"""Request templates: generators, vars, types and escapes, rendered with a seeded generator."""

from __future__ import annotations

import itertools
import re
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions.testing.payload import TemplateError, display_name, references, render

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def draw(template: object, seed: int = 7, values: dict[str, object] | None = None) -> object:
    return render(template, Random(seed), itertools.count(1), values)


def test_the_same_seed_renders_the_same_values() -> None:
    template = {"id": "{int:1:1000}", "ref": "o-{uuid}", "tags": ["{choice:a,b,c}", "{hex:8}"]}

    assert draw(template, seed=3) == draw(template, seed=3)
    assert draw(template, seed=3) != draw(template, seed=4)


def test_a_lone_placeholder_keeps_its_type() -> None:
    assert isinstance(draw("{int:1:3}"), int)
    assert isinstance(draw("{float:0.5:1.5}"), float)
    assert isinstance(draw("{seq}"), int)


def test_a_placeholder_within_text_renders_as_text() -> None:
    assert draw("qty-{int:4:4}") == "qty-4"


def test_int_bounds_are_inclusive() -> None:
    rng = Random(1)
    drawn = {render("{int:1:3}", rng, itertools.count()) for _ in range(200)}

    assert drawn == {1, 2, 3}


def test_float_stays_within_its_bounds() -> None:
    rng = Random(2)
    drawn = [render("{float:-1:1}", rng, itertools.count()) for _ in range(200)]

    assert all(-1 <= value <= 1 for value in drawn)


def test_choice_keeps_numbers_as_numbers_and_trims_words() -> None:
    rng = Random(5)
    numbers = {render("{choice:4,5}", rng, itertools.count()) for _ in range(50)}
    words = {render("{choice: red , blue}", rng, itertools.count()) for _ in range(50)}

    assert numbers == {4, 5}
    assert words == {"red", "blue"}


def test_uuid_is_a_version_4_uuid() -> None:
    assert UUID4.match(str(draw("{uuid}")))


def test_hex_has_the_asked_length() -> None:
    assert re.fullmatch(r"[0-9a-f]{24}", str(draw("{hex:24}")))


def test_seq_counts_up_across_renders() -> None:
    counter = itertools.count(1)
    rng = Random(0)

    assert [render("user{seq}", rng, counter) for _ in range(3)] == ["user1", "user2", "user3"]


def test_a_var_is_the_value_drawn_for_this_request() -> None:
    body = {"product_id": "{product}", "note": "about {product}"}

    assert draw(body, values={"product": 17}) == {"product_id": 17, "note": "about 17"}


def test_double_braces_are_literal_braces() -> None:
    assert draw('{{"raw": {int:2:2}}}') == '{"raw": 2}'


def test_values_that_are_not_text_pass_through() -> None:
    assert draw({"n": 3, "ok": True, "none": None}) == {"n": 3, "ok": True, "none": None}


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("{int:5:1}", "the lower bound 5 is above the upper 1"),
        ("{int:1}", "int needs two bounds"),
        ("{int:a:b}", "int needs two bounds"),
        ("{float:1}", "float needs two bounds"),
        ("{choice:}", "choice needs values"),
        ("{choice:a,,b}", "choice needs values"),
        ("{hex:0}", "hex needs a length from 1 to 128"),
        ("{uuid:4}", "uuid takes no arguments"),
        ("{date:today}", "'date' is not a generator"),
        ("{two words}", "'two words' is not a generator"),
        ("open { brace", "unbalanced '{'"),
        ("close } brace", "unbalanced '}'"),
    ],
)
def test_a_malformed_template_names_its_problem(template: str, problem: str) -> None:
    with pytest.raises(TemplateError, match=re.escape(problem)):
        references(template)


def test_references_name_the_vars_used_anywhere() -> None:
    template = {"a": ["/x/{first}", {"b": "{second}-{int:1:2}"}], "c": 4}

    assert references(template) == {"first", "second"}


@pytest.mark.parametrize(
    ("template", "name"),
    [
        ("/api/products/{id}", "/api/products/[id]"),
        ("/sessions/{uuid}", "/sessions/[uuid]"),
        ("/files/{hex:8}/raw", "/files/[hex]/raw"),
        ("/plain", "/plain"),
    ],
)
def test_statistics_name_a_path_by_its_template(template: str, name: str) -> None:
    assert display_name(template) == name


@given(st.text())
def test_escaped_text_renders_to_itself(text: str) -> None:
    escaped = text.replace("{", "{{").replace("}", "}}")

    assert render(escaped, Random(0), itertools.count()) == text
