"""Values from results.json (counterexample inputs and observations) as MathML: exact rationals as fractions,
sympy expressions through sympy's presentation printer, floats to 6 significant digits with a power of ten,
lists as vectors, lists of equal-length lists as matrices.  Anything else is text.

Strings are parsed by sympy only when they look like an expression (a restricted alphabet, no attribute access
or dunder names) and with a namespace of a few sympy names and no builtins, because a results.json handed to
``fim-audit report`` need not be our own.
"""

from __future__ import annotations

import math
import re
from html import escape
from typing import Any, Mapping

import sympy as sp
from sympy.parsing.sympy_parser import parse_expr
from sympy.printing.mathml import mathml

_SIGNIFICANT = 6
_LONGEST_EXPRESSION = 160
_EXPRESSION = re.compile(r"^[\w\s.+\-*/()^,]+$")
_UNSAFE = re.compile(r"__|[A-Za-z_)]\s*\.|\blambda\b")
_RATIONAL = re.compile(r"^-?\d+(/\d+)?$")
_NAMESPACE = {
    "__builtins__": {},
    **{
        name: getattr(sp, name)
        for name in (
            "Integer",
            "Rational",
            "Float",
            "Symbol",
            "Function",
            "sqrt",
            "log",
            "exp",
            "E",
            "pi",
            "oo",
            "zoo",
            "nan",
            "Abs",
            "harmonic",
            "Max",
            "Min",
        )  # fmt: skip
    },
}


def _sympy(text: str) -> sp.Basic | None:
    """``text`` as a sympy expression, or None when it is not one (or is not safe to parse)."""
    if len(text) > _LONGEST_EXPRESSION or not _EXPRESSION.match(text) or _UNSAFE.search(text):
        return None
    try:
        expression = parse_expr(text, global_dict=dict(_NAMESPACE), local_dict={})
    except Exception:  # noqa: BLE001 - sympy's parser raises anything from SyntaxError to TypeError
        return None
    return expression if isinstance(expression, sp.Basic) else None


def _float(value: float) -> str:
    if math.isnan(value):
        return "<mi>NaN</mi>"
    if math.isinf(value):
        return "<mrow><mo>-</mo><mi>&#x221E;</mi></mrow>" if value < 0 else "<mi>&#x221E;</mi>"
    mantissa, _, exponent = f"{value:.{_SIGNIFICANT}g}".partition("e")
    if not exponent:
        return f"<mn>{mantissa}</mn>"
    sign = "<mo>-</mo>" if mantissa.startswith("-") else ""
    return (
        f"<mrow>{sign}<mn>{mantissa.lstrip('-')}</mn><mo>&#x00B7;</mo>"
        f"<msup><mn>10</mn><mn>{int(exponent)}</mn></msup></mrow>"
    )


def _text(value: Any) -> str:
    return f"<mtext>{escape(str(value))}</mtext>"


def _string(text: str) -> str:
    if text in ("inf", "-inf", "nan"):  # strict JSON's spelling of non-finite floats (report.results)
        return _float(float(text))
    expression = sp.Rational(text) if _RATIONAL.match(text) else _sympy(text)
    return mathml(expression, printer="presentation") if expression is not None else _text(text)


def _is_matrix(value: list) -> bool:
    return (
        len(value) > 0
        and all(isinstance(row, list) and row and all(_is_scalar(x) for x in row) for row in value)
        and len({len(row) for row in value}) == 1
    )


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (int, float, str)) and not isinstance(value, bool)


def _element(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return _text(value)
    if isinstance(value, int):
        return f"<mn>{value}</mn>"
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list) and _is_matrix(value):
        rows = "".join("<mtr>" + "".join(f"<mtd>{_element(x)}</mtd>" for x in row) + "</mtr>" for row in value)
        return f"<mrow><mo>[</mo><mtable>{rows}</mtable><mo>]</mo></mrow>"
    if isinstance(value, list) and all(_is_scalar(x) for x in value):
        items = "<mo>,</mo>".join(_element(x) for x in value)
        return f"<mrow><mo>(</mo>{items}<mo>)</mo></mrow>"
    if isinstance(value, Mapping):
        items = "<mo>,</mo><mspace width='0.6em'/>".join(
            f"<mrow>{_text(key)}<mo>=</mo>{_element(item)}</mrow>" for key, item in value.items()
        )
        return f"<mrow>{items}</mrow>"
    return _text(value)


def to_mathml(value: Any) -> str:
    """One value as an inline ``<math>`` element."""
    return f'<math display="inline">{_element(value)}</math>'
