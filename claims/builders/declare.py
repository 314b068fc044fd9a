"""Declaring claims compactly: ``claim``, ``reading`` and ``lemma`` accept the tuples of checks the builders return
(and single checks) as they come, so a declaration reads like the statement.

    LEMMA1 = claim(
        "example.lemma1",
        Source("example", "paper.txt", "Lemma 1", "d sigma_i / d z_j = sigma_i (delta_ij - sigma_j)"),
        reading(
            "jacobian",
            "For every n >= 1 and z in R^n: d sigma / dz = diag(sigma) - sigma sigma^T.",
            derivative(op.softmax, lambda z: op.diag(op.softmax(z)) - op.outer(op.softmax(z), op.softmax(z)),
                       wrt="z", over=space(z=logits()), what="softmax Jacobian"),
        ),
    )
"""

from __future__ import annotations

from typing import Iterable

from fim_audit.claims.model import Check, Claim, Figure, Formalization, Lemma, Source


def _checks(groups: Iterable[Check | Iterable[Check]]) -> tuple[Check, ...]:
    flat: list[Check] = []
    for group in groups:
        if isinstance(group, Check):
            flat.append(group)
        else:
            flat.extend(group)
    return tuple(flat)


def reading(
    key: str,
    statement: str,
    *checks: Check | Iterable[Check],
    primary: bool = False,
    lemmas: Iterable[Lemma] = (),
    argument: str | None = None,
) -> Formalization:
    """One precise reading of a claim, decided by ``checks`` (see :class:`claims.model.Formalization`)."""
    return Formalization(key, statement, _checks(checks), primary, tuple(lemmas), argument)


def lemma(statement: str, *checks: Check | Iterable[Check]) -> Lemma:
    """A supporting fact of a reading, with its own checks (see :class:`claims.model.Lemma`)."""
    return Lemma(statement, _checks(checks))


def claim(
    claim_id: str,
    source: Source,
    *readings: Formalization,
    correction: Formalization | None = None,
    notes: str = "",
    figures: Iterable[Figure] = (),
) -> Claim:
    """A claim with its fixed id, where it comes from, its readings, and optionally a corrected statement."""
    return Claim(claim_id, source, tuple(readings), correction, notes, tuple(figures))
