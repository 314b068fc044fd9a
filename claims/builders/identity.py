"""Identities: ``lhs(x) = rhs(x)`` for every x of a space, entrywise for scalars, vectors and matrices; the same for
derivatives of any differentiable formula (``d f / d x = claimed``) and Hessians of a scalar one
(``d^2 f / d x^2 = claimed``); and invariance ``f(g . x) = f(x)``.

Each returns a tuple of checks:

* an exact sweep, n = min_n .. the profile's ``symbolic_max_n`` (PROVED with that scope, or DISPROVED with an exact
  point at the smallest failing n);
* optionally a general-n derivation you supply (``general_n``: a function returning a
  :class:`symbolic.outcome.Derivation`), which is what makes the scope "all n";
* a numeric search over the space's adversarial draws and corners, the tolerance carried through both sides
  (:mod:`numeric.bounded`), a failure certified by exact re-evaluation.

The claimed side is data: pass the false variant and the same builder refutes it.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np
import sympy as sp

from fim_audit.claims.builders import _statement
from fim_audit.claims.builders.domains import Space, Symbolic
from fim_audit.claims.builders.formula import (
    Formula,
    call,
    exact_values,
    numeric_derivative,
    numeric_hessian,
    numeric_values,
    require_variable,
)
from fim_audit.claims.builders.primitives import derivation_check
from fim_audit.claims.model import Check
from fim_audit.symbolic import formula as exact
from fim_audit.symbolic.outcome import Derivation

SWEEP_CATCHES = (
    "any claimed side that differs from the other at some n up to the profile bound: an exact counterexample at "
    "the smallest such n (sign flips, factors of 2, transposed indices, dropped terms)"
)
NUMERIC_CATCHES = (
    "any claimed side that misses the other by more than both sides' rounding bounds on some drawn or corner input, "
    "shrunk to a minimal one and certified by exact re-evaluation"
)
GENERAL_CATCHES = "a claimed side not identically equal to the other for symbolic n (alone it never refutes)"


def identity(
    lhs: Formula,
    rhs: Formula,
    *,
    over: Space,
    what: str,
    general_n: Callable[[], Derivation] | None = None,
    max_n: int | None = None,
) -> tuple[Check, ...]:
    """``lhs = rhs`` on ``over``.  ``what`` names the identity in check names ("softmax is shift invariant").
    ``max_n`` caps the exact sweep where its cost grows quickly (determinants of symbolic matrices)."""
    numeric, exact_sides = _statement.pointwise(lhs, rhs)
    relation = _statement.Relation(what, over, numeric, exact_sides, "=")
    return _identity_checks(relation, general_n, max_n)


def derivative(
    f: Formula,
    claimed: Formula,
    *,
    wrt: str,
    over: Space,
    what: str,
    general_n: Callable[[], Derivation] | None = None,
    max_n: int | None = None,
) -> tuple[Check, ...]:
    """``d f / d wrt = claimed`` on ``over``, for any differentiable formula ``f``.

    For a vector variable the derivative's last axis indexes its entries (``J[i, j] = d f_i / d x_j``; a scalar f
    gives the gradient); for a scalar variable it has f's shape.  Exactly: sympy differentiates f (logits through
    z = log e, d/dz_k = e_k d/de_k).  Numerically: forward-mode differentiation with its rounding bound
    (:func:`numeric.bounded.jacobian`), so autograd's side has a tolerance too.
    """
    return _derivative_checks(f, claimed, wrt, over, what, general_n, max_n, order=1)


def hessian(
    f: Formula,
    claimed: Formula,
    *,
    wrt: str,
    over: Space,
    what: str,
    general_n: Callable[[], Derivation] | None = None,
    max_n: int | None = None,
) -> tuple[Check, ...]:
    """``d^2 f / d wrt^2 = claimed`` on ``over``, for a scalar twice-differentiable formula ``f``: an (n, n) matrix
    ``H[i, j] = d^2 f / d x_i d x_j`` for a vector variable, a scalar for a scalar one.  Exactly: sympy differentiates
    twice; numerically: second-order forward-mode tangents with their rounding bound, H_ij by polarisation
    (:func:`numeric.bounded.hessian`; n (n + 1) / 2 passes per point)."""
    return _derivative_checks(f, claimed, wrt, over, what, general_n, max_n, order=2)


def _derivative_checks(
    f: Formula,
    claimed: Formula,
    wrt: str,
    over: Space,
    what: str,
    general_n: Callable[[], Derivation] | None,
    max_n: int | None,
    order: int,
) -> tuple[Check, ...]:
    role = "a derivative" if order == 1 else "a Hessian"
    if wrt not in over.variables:
        raise ValueError(f"{role} with respect to {wrt!r}, which is not a variable of the space")
    require_variable(f, wrt, list(over.variables), role)
    differentiate = numeric_derivative if order == 1 else numeric_hessian

    def numeric(inputs):
        return differentiate(f, wrt, inputs), numeric_values(claimed, inputs)

    def exact_sides(symbolic: Mapping[str, Symbolic]) -> tuple[Any, Any]:
        values = {name: v.value for name, v in symbolic.items()}
        derived = exact_values(f, values)
        if order == 2 and np.asarray(derived, dtype=object).ndim != 0:
            raise ValueError(f"a Hessian is of a scalar formula; this one has shape {np.shape(derived)}")
        for _ in range(order):
            derived = _exact_derivative(derived, symbolic[wrt], over.variables[wrt].vector, _length(values[wrt]))
        return derived, exact_values(claimed, values)

    relation = _statement.Relation(what, over, numeric, exact_sides, "=")
    return _identity_checks(relation, general_n, max_n)


def _length(value: Any) -> int:
    return len(value) if isinstance(value, np.ndarray) else 1


def _exact_derivative(values: Any, variable: Symbolic, vector: bool, n: int) -> Any:
    if variable.derivative is None:  # a constrained variable (a distribution), or exact numbers: needs symbols
        raise exact.NotExact("no derivative in this variable here")
    values = np.asarray(values, dtype=object)
    if not vector:
        return np.vectorize(lambda v: variable.derivative(sp.sympify(v), 0), otypes=[object])(values)
    columns = [
        np.vectorize(lambda v, k=k: variable.derivative(sp.sympify(v), k), otypes=[object])(values) for k in range(n)
    ]
    return np.stack(columns, axis=-1)


def invariance(
    f: Formula,
    action: Formula,
    *,
    acting_on: str,
    over: Space,
    what: str,
    general_n: Callable[[], Derivation] | None = None,
) -> tuple[Check, ...]:
    """``f(x with acting_on replaced by action(...)) = f(x)``: the value of f does not change when the variable
    ``acting_on`` is moved by ``action`` (a formula of the space's variables, which include the group element).
    Example: ``invariance(lambda z: op.softmax(z), lambda z, c: z + c, acting_on="z", over=space(z=logits(),
    c=real()), what="softmax is shift invariant")``."""
    if acting_on not in over.variables:
        raise ValueError(f"the action moves {acting_on!r}, which is not a variable of the space")

    def moved(**values: Any) -> Any:
        return call(f, {**values, acting_on: call(action, values)})

    return identity(moved, lambda **values: call(f, values), over=over, what=what, general_n=general_n)


def _identity_checks(
    relation: _statement.Relation, general_n: Callable[[], Derivation] | None, max_n: int | None
) -> tuple[Check, ...]:
    checks = (
        []
        if general_n is None
        else [derivation_check(f"sympy: {relation.what}, symbolic n", general_n, catches=GENERAL_CATCHES)]
    )
    checks.append(_statement.sweep(relation, catches=SWEEP_CATCHES, max_n=max_n))
    checks.append(
        _statement.numeric_check(relation, f"torch: {relation.what} (rounding bound carried)", catches=NUMERIC_CATCHES)
    )
    return tuple(checks)
