"""Schema constraints: ADS's ``Expression("($x > 0) and ($x < 10)")`` and its ``evaluate(x=...)``.

An expression is a ``string.Template`` over the column's value (``$x``), in Python syntax. ADS
substitutes the values and runs the result in asteval's interpreter; schemas travel inside artifacts
and catalog records written by others, so here the substituted text is parsed and only literals,
comparisons, ``and``/``or``/``not``, arithmetic and ``in`` over literal lists are evaluated. Nothing
is imported, called or looked up, and anything else is refused with a message that says what.
"""
from __future__ import annotations

import ast
import operator
from dataclasses import asdict, dataclass
from string import Template
from typing import Any

_COMPARE = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_, ast.IsNot: operator.is_not,
}
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_UNARY = {ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos}
_NAMES = {"True": True, "False": False, "None": None}


class ExpressionError(ValueError):
    """The expression cannot be evaluated (bad substitution, syntax, or a construct not allowed)."""


@dataclass
class Expression:
    """A constraint on a column (``domain.constraints``): ``expression`` in ``language`` (python)."""

    expression: str
    language: str = "python"

    def __post_init__(self) -> None:
        if not self.expression or not self.language:
            raise ValueError("An Expression needs both an expression and a language.")

    def evaluate(self, **kwargs: Any) -> Any:
        """The expression's value with ``$name`` replaced by each keyword's value (``evaluate(x=3)``)."""
        if self.language.lower() != "python":
            raise ExpressionError(f"Evaluation is supported for python expressions only, not {self.language!r}.")
        try:
            text = Template(self.expression).substitute({k: repr(v) for k, v in kwargs.items()})
        except (KeyError, ValueError) as exc:
            raise ExpressionError(f"Cannot substitute into {self.expression!r} ({exc}); pass a value for each "
                                  "$name the expression uses, e.g. evaluate(x=...).") from None
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            raise ExpressionError(f"{text!r} is not a Python expression: {exc.msg}.") from None
        return _eval(tree.body, text)

    def to_dict(self) -> dict:
        return asdict(self)


def _eval(node: ast.AST, text: str) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return _NAMES[node.id]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = [_eval(e, text) for e in node.elts]
        return set(items) if isinstance(node, ast.Set) else items
    if isinstance(node, ast.BoolOp):
        values = (_eval(v, text) for v in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand, text))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_eval(node.left, text), _eval(node.right, text))
    if isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        left = _eval(node.left, text)
        for op, comparator in zip(node.ops, node.comparators):
            right = _eval(comparator, text)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    raise ExpressionError(f"{text!r}: {type(node).__name__} is not allowed in a constraint (literals, comparisons, "
                          "and/or/not, arithmetic and `in` over literal lists are).")
