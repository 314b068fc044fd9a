"""The mutation catalogue's record of outcomes (tests/test_mutants.py) and its kill-rate summary, printed at
the end of the pytest run by tests/conftest.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import pytest


@dataclass(frozen=True)
class MutantOutcome:
    """One mutant's fate: ``paths`` are (exact, float) kills for a formula mutant and the claims whose locked
    verdict it changed for an implementation mutant; ``equivalent`` explains an unkillable one."""

    name: str
    operator: str
    kind: str
    killed: bool
    paths: Sequence
    equivalent: str | None


OUTCOMES = pytest.StashKey[dict]()


def record_mutant(config: pytest.Config, outcome: MutantOutcome) -> None:
    config.stash.setdefault(OUTCOMES, {})[outcome.name] = outcome


def summary_lines(config: pytest.Config) -> list[str]:
    """The kill rate, per kind and per operator, with every survivor named: empty when no mutant ran."""
    outcomes = list(config.stash.get(OUTCOMES, {}).values())
    if not outcomes:
        return []
    equivalent = [o for o in outcomes if o.equivalent]
    killable = [o for o in outcomes if not o.equivalent]
    killed = [o for o in killable if o.killed]
    formula = [o for o in killable if o.kind == "formula"]
    implementation = [o for o in killable if o.kind == "implementation"]
    builder = [o for o in killable if o.kind == "builder"]
    rate = 100.0 * len(killed) / len(killable) if killable else 100.0
    lines = [
        f"{len(outcomes)} mutants: {len(killed)} of {len(killable)} killable killed ({rate:.0f}%), "
        f"{len(equivalent)} equivalent",
        f"  formula mutants: {sum(o.killed for o in formula)}/{len(formula)} refuted; exact path killed "
        f"{sum(o.paths[0] for o in formula)}, float path killed {sum(o.paths[1] for o in formula)}",
        f"  implementation mutants: {sum(o.killed for o in implementation)}/{len(implementation)} changed a "
        "locked verdict",
        f"  builder variants (false statements through the public builders): {sum(o.killed for o in builder)}/"
        f"{len(builder)} refuted",
    ]
    operators = sorted({o.operator for o in killable})
    for operator in operators:
        group = [o for o in killable if o.operator == operator]
        lines.append(f"  {operator}: {sum(o.killed for o in group)}/{len(group)}")
    lines += [f"  SURVIVED: {o.name} ({o.operator})" for o in killable if not o.killed]
    lines += [f"  equivalent: {o.name}: {o.equivalent}" for o in equivalent]
    return lines
