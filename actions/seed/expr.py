"""Derived columns: a tiny arithmetic language over a row's other columns, evaluated on arrays.

`round(quantity * unit_price, 2)`, `where(quantity > 1, total * 0.95, total)`: numbers, column
names, `+ - * / // % **`, comparisons, and the functions below. Python's parser reads the text;
only the node kinds listed here are accepted, and evaluation walks the tree with numpy (never
`eval`), so a whole column is computed at once.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_FUNCTIONS: dict[str, tuple[int, int, Callable[..., Any]]] = {  # name: (min args, max args, fn)
    "round": (1, 2, lambda x, n=0: np.round(x, int(n))),
    "abs": (1, 1, np.abs),
    "min": (2, 2, np.minimum),
    "max": (2, 2, np.maximum),
    "floor": (1, 1, np.floor),
    "ceil": (1, 1, np.ceil),
    "sqrt": (1, 1, np.sqrt),
    "where": (3, 3, np.where),
}


def parse_expr(text: str) -> ast.Expression:
    """The checked syntax tree of an expression; ValueError naming what is not allowed."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"cannot parse the expression {text!r} ({exc.msg})") from None
    for node in ast.walk(tree.body):
        _check(node, text)
    return tree


def _check(node: ast.AST, text: str) -> None:
    if isinstance(node, ast.BinOp) and type(node.op) not in _BINARY:
        raise ValueError(f"the operator in {text!r} is not allowed")
    if isinstance(node, ast.Compare) and (len(node.ops) != 1 or type(node.ops[0]) not in _COMPARE):
        raise ValueError(f"use one comparison at a time in {text!r}")
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in _FUNCTIONS or node.keywords:
            raise ValueError(f"functions allowed in expressions are {', '.join(_FUNCTIONS)}")
        low, high, _ = _FUNCTIONS[name]
        if not low <= len(node.args) <= high:
            raise ValueError(f"{name}() takes {low} to {high} arguments in {text!r}")
    if isinstance(node, ast.Constant) and (
        isinstance(node.value, bool) or not isinstance(node.value, int | float)
    ):
        raise ValueError(f"only numbers may appear as constants in {text!r}")
    allowed = (ast.BinOp, ast.UnaryOp, ast.Compare, ast.Call, ast.Name, ast.Constant, ast.Load)
    allowed_ops = (ast.operator, ast.cmpop, ast.USub, ast.UAdd)
    if not isinstance(node, allowed + allowed_ops):
        raise ValueError(f"{type(node).__name__} is not allowed in {text!r}")


def expr_names(tree: ast.Expression) -> set[str]:
    """The column names an expression reads (function names excluded)."""
    functions = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    return {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and id(node) not in functions
    }


def evaluate(tree: ast.Expression, columns: Mapping[str, np.ndarray]) -> np.ndarray:
    """The expression computed over whole columns at once."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(_eval(tree.body, columns))


def _eval(node: ast.AST, columns: Mapping[str, np.ndarray]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return columns[node.id]
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, columns)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_eval(node.left, columns), _eval(node.right, columns))
    if isinstance(node, ast.Compare):
        compare = _COMPARE[type(node.ops[0])]
        return compare(_eval(node.left, columns), _eval(node.comparators[0], columns))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        args = [_eval(arg, columns) for arg in node.args]
        return _FUNCTIONS[node.func.id][2](*args)
    raise ValueError(f"{type(node).__name__} is not allowed")  # parse_expr rejects it first
