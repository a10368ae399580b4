"""A safe ``--where`` filter: comparisons of columns with literals, combined with and/or/not.

``--where "sex == 'F' and age_class in ('25_34', '35_44')"`` is parsed with
:mod:`ast` and evaluated here, node by node, on the table's columns: only column
names, string/number/boolean literals (and tuples/lists of them), the comparisons
``== != < <= > >= in not in``, ``and``, ``or``, ``not`` and parentheses are
accepted; anything else (calls, attributes, subscripts, arithmetic) is refused
before anything is evaluated, so a filter cannot run code (the same promise as
``--formula``). Missing values never match a comparison (except ``!=``), as in SQL
they are unknown.
"""

from __future__ import annotations

import ast

import numpy as np
import pandas as pd

from wecare_analysis.errors import InputError

ALLOWED = ("column names, quoted text, numbers, True/False, tuples or lists of them, "
           "== != < <= > >= in, not in, and, or, not, parentheses")

_COMPARE = {ast.Eq: "__eq__", ast.NotEq: "__ne__", ast.Lt: "__lt__", ast.LtE: "__le__", ast.Gt: "__gt__",
            ast.GtE: "__ge__"}


def _literal(node: ast.AST, expr: str):
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool)):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and isinstance(node.operand.value, (int, float)):
        return -node.operand.value
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(_literal(e, expr) for e in node.elts)
    raise InputError(f"--where {expr!r}: {ast.unparse(node)!r} is not allowed here; only {ALLOWED}.")


def _operand(node: ast.AST, data: pd.DataFrame, expr: str):
    if isinstance(node, ast.Name) and node.id not in ("True", "False"):
        if node.id not in data.columns:
            listed = ", ".join(map(str, list(data.columns)[:25]))
            raise InputError(f"--where {expr!r}: {node.id!r} is not a column; columns are {listed}"
                             f"{' …' if len(data.columns) > 25 else ''}.")
        return data[node.id]
    return _literal(node, expr)


def _compare(a, op: ast.cmpop, b, expr: str) -> pd.Series:
    if isinstance(op, (ast.In, ast.NotIn)):
        if not isinstance(a, pd.Series) or not isinstance(b, tuple):
            raise InputError(f"--where {expr!r}: 'in' needs a column on the left and a list of values on the right, "
                             "e.g. age_class in ('25_34', '35_44').")
        hit = a.isin(list(b))
        return hit if isinstance(op, ast.In) else ~hit & a.notna()
    if type(op) not in _COMPARE:
        raise InputError(f"--where {expr!r}: operator {type(op).__name__} is not allowed; only {ALLOWED}.")
    if not isinstance(a, pd.Series) and not isinstance(b, pd.Series):
        raise InputError(f"--where {expr!r}: a comparison needs a column.")
    if isinstance(a, pd.Series) and isinstance(b, pd.Series):
        return getattr(a, _COMPARE[type(op)])(b).fillna(False).astype(bool)
    col, lit = (a, b) if isinstance(a, pd.Series) else (b, a)
    if isinstance(lit, tuple):
        raise InputError(f"--where {expr!r}: compare a column with one value, or use 'in' for a list.")
    if isinstance(lit, str) and pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        raise InputError(f"--where {expr!r}: column {col.name!r} is numeric but is compared with text {lit!r}; "
                         "drop the quotes.")
    values = col.astype(object).where(col.notna(), None) if isinstance(lit, str) else col
    try:
        out = getattr(values, _COMPARE[type(op) if col is a else _flip(op)])(lit)
    except TypeError:
        raise InputError(f"--where {expr!r}: column {col.name!r} cannot be compared with {lit!r}.") from None
    return pd.Series(out, index=col.index).fillna(False).astype(bool) & (col.notna() | isinstance(op, ast.NotEq))


def _flip(op: ast.cmpop) -> type:
    return {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE}.get(type(op), type(op))


def _evaluate(node: ast.AST, data: pd.DataFrame, expr: str) -> pd.Series:
    if isinstance(node, ast.BoolOp):
        parts = [_evaluate(v, data, expr) for v in node.values]
        out = parts[0]
        for p in parts[1:]:
            out = (out & p) if isinstance(node.op, ast.And) else (out | p)
        return out
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return ~_evaluate(node.operand, data, expr)
    if isinstance(node, ast.Compare):
        left = _operand(node.left, data, expr)
        out = None
        for op, right_node in zip(node.ops, node.comparators):
            right = _operand(right_node, data, expr)
            part = _compare(left, op, right, expr)
            out = part if out is None else out & part
            left = right
        return out
    if isinstance(node, ast.Name) and node.id in data.columns and pd.api.types.is_bool_dtype(data[node.id]):
        return data[node.id].fillna(False).astype(bool)
    raise InputError(f"--where {expr!r}: {ast.unparse(node)!r} is not a condition; only {ALLOWED}.")


def where_mask(data: pd.DataFrame, expr: str) -> np.ndarray:
    """Return the boolean mask of the records matching ``expr`` (see the module docstring).

    Examples
    --------
    >>> df = pd.DataFrame({"sex": ["F", "M", "F"], "age": [30, 40, None]})
    >>> where_mask(df, "sex == 'F' and age < 35").tolist()
    [True, False, False]
    >>> try:
    ...     where_mask(df, "__import__('os').system('id')")
    ... except InputError as err:
    ...     print(err.message.split(";")[0])
    --where "__import__('os').system('id')": "__import__('os').system('id')" is not a condition
    """
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as err:
        raise InputError(f"--where {expr!r} cannot be read ({err.msg}); use e.g. \"sex == 'F' and "
                         f"age_class == '25_34'\" ({ALLOWED}).") from None
    return _evaluate(tree.body, data, expr).to_numpy(dtype=bool)
