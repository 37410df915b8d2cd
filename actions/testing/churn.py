"""Churn: what changed between two releases, and which tests the changes point at by name.

Pure: `{path: content hash}` maps and source texts in, changed files and symbols out; the words
of a changed item against a test's (see `selection` for how they weigh).
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Mapping, Sequence
from fnmatch import fnmatchcase
from functools import lru_cache

_STOP_TEXT = """
a an and api app are at be by can def e2e for from get in init is it lib main make of on or py
self set spec src test tests the to util utils when with
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
_SUFFIXES = ("ing", "ed", "es", "s", "e", "y")


def changed_files(baseline: Mapping[str, str], candidate: Mapping[str, str]) -> list[str]:
    """Paths added, removed or changed between two `{path: content hash}` maps, sorted."""
    return sorted(
        p for p in baseline.keys() | candidate.keys() if baseline.get(p) != candidate.get(p)
    )


def changed_symbols(old: str, new: str) -> list[str]:
    """The functions, classes and module-level names of Python source whose lines changed.

    Dotted and innermost (`make_app.place_order`); empty when either text is not Python.
    """
    old_lines, new_lines = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    in_old: set[int] = set()
    in_new: set[int] = set()
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            in_old.update(range(i1 + 1, i2 + 1))
            in_new.update(range(j1 + 1, j2 + 1))
    return sorted(_enclosing(old, in_old) | _enclosing(new, in_new))


def _enclosing(source: str, lines: set[int]) -> set[str]:
    if not lines:
        return set()
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    spans: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                start = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                spans.append((start, child.end_lineno or child.lineno, name))
                visit(child, f"{name}.")
            elif prefix == "" and isinstance(child, ast.Assign | ast.AnnAssign):
                targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        spans.append((child.lineno, child.end_lineno or child.lineno, target.id))

    visit(tree, "")
    found = set()
    for line in lines:
        inside = [span for span in spans if span[0] <= line <= span[1]]
        if inside:
            found.add(max(inside, key=lambda span: span[0])[2])
    return found


@lru_cache(maxsize=8192)
def tokens(text: str) -> frozenset[str]:
    """Stemmed words of a path, a symbol or a test id, without stop words."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    words = (w.lower() for w in re.split(r"[^A-Za-z0-9]+", spaced))
    return frozenset(_stem(w) for w in words if w and not w.isdigit() and w not in STOP_WORDS)


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=8192)
def item_tokens(item: str) -> frozenset[str]:
    """A changed file's words (folders and name), or a changed symbol's own name's words."""
    path, _, symbol = item.partition("::")
    if symbol:
        return tokens(symbol.rsplit(".", 1)[-1])
    return tokens(re.sub(r"\.[A-Za-z0-9]+$", "", path))


def name_similarity(test_id: str, item: str) -> float:
    """The share of a changed item's words found in the test's module and name."""
    wanted = item_tokens(item)
    return len(wanted & tokens(test_id)) / len(wanted) if wanted else 0.0


def mapped(test_id: str, item: str, test_map: Mapping[str, Sequence[str]]) -> float:
    """1.0 when the config's map ties the changed item to this test, else 0.0."""
    path = item.partition("::")[0]
    name = test_id.rpartition("::")[2]
    for glob, patterns in test_map.items():
        changed_matches = fnmatchcase(path, glob) or fnmatchcase(item, glob)
        if changed_matches and any(
            fnmatchcase(test_id, p) or fnmatchcase(name, p) for p in patterns
        ):
            return 1.0
    return 0.0
