"""fim-metrics.result-table: can the doc's FIM table tell RA's attention from attention with no structure at
all? (seed 004_a860e49dea2b827a.txt, "FIM Data from Experiments"; issue 18.)

The doc's numbers come from its own code (knlp, ``ra.py``; numeric/pooled_fisher.py reproduces it): 64 query
rows sampled from the 4 x 128 rows of each head, pooled into one row-averaged Fisher, eigmax and energies
averaged over heads, on 4 sequences of 128 uniformly random tokens.  The null this check measures the same way
is exactly uniform causal attention at T = 128 (row t attends to tokens 1..t with weight 1/t): the flattest
causal attention there is, with no learned structure.  The check draws ``DRAWS`` seeded measurements of it
(each a mean over ``HEADS`` heads, GPT-2's 12: the narrowest band a per-layer mean can have; one head's band
is 3.5 times wider) and asks, per reported value, where it falls in that distribution.

No statement-shaped builder fits: the variables are a paper's reported numbers and a sampled measurement
procedure, and the question is whether the numbers can separate two hypotheses.
"""

from __future__ import annotations

import functools
import statistics
from typing import Any

import torch

from fim_audit.claims.model import Check, CheckResult, Counterexample, Kind, Status
from fim_audit.numeric.context import RunContext
from fim_audit.numeric.pooled_fisher import KNLP_SAMPLES, knlp_metrics, knlp_sample, pooled_fisher_metrics

TABLE = {
    "RA+MLA": {"eigmax": 0.0352, "energy_r8": 0.223, "energy_r16": 0.373},
    "RA+MLA+KVSplice": {"eigmax": 0.0341, "energy_r8": 0.220, "energy_r16": 0.370},
}
"""The doc's table, verbatim."""
LENGTH = 128
SEQUENCES = 4
HEADS = 12
DRAWS = {"default": 100, "ci": 100, "thorough": 1000}
"""Seeded measurements of the null per profile: 100 estimate its mean to 0.1 standard deviation and the
standard deviation itself to about 7%."""
INSIDE = 1.0
"""A reported value at most this many standard deviations of the null from its mean is certified as
indistinguishable from it: the central 95% band is 1.96 standard deviations wide on each side, so an
error of 7% in the standard deviation and 0.1 in the mean cannot move such a value out of it."""


def uniform_causal(length: int = LENGTH) -> torch.Tensor:
    """Exactly uniform causal attention (length, length) in float64: row t is 1/t on its first t entries."""
    mask = torch.tril(torch.ones(length, length, dtype=torch.float64))
    return mask / mask.sum(dim=-1, keepdim=True)


@functools.lru_cache(maxsize=4)
def null_measurements(draws: int, seed: int) -> dict[str, list[float]]:
    """``draws`` measurements of uniform causal attention as knlp measures a layer: per metric, the means over
    HEADS heads of SEQUENCES sequences each (float32, as knlp computes), all heads of all draws solved in one
    batch."""
    rows = uniform_causal().float()[None].expand(SEQUENCES, LENGTH, LENGTH).reshape(SEQUENCES * LENGTH, LENGTH)
    generator = torch.Generator().manual_seed(seed)
    sampled = torch.stack([knlp_sample(rows, KNLP_SAMPLES, generator) for _ in range(draws * HEADS)])
    metrics = knlp_metrics(sampled.reshape(draws, HEADS, KNLP_SAMPLES, LENGTH))
    return {name: metrics[name].double().mean(dim=-1).tolist() for name in TABLE["RA+MLA"]}


def _positions(ctx: RunContext, table: dict[str, dict[str, float]]) -> tuple[dict[str, Any], dict[str, float]]:
    """Each reported value's position in the null (z-score), the null's mean and standard deviation, and the
    exact pooled value of uniform causal attention over all its rows."""
    draws = DRAWS[ctx.profile.name]
    null = null_measurements(draws, ctx.shared_seed("fim-metrics.result-table", "null"))
    exact = {name: float(value) for name, value in pooled_fisher_metrics(uniform_causal()).items()}
    observed: dict[str, Any] = {"draws": draws, "heads": HEADS, "exact_uniform_all_rows": {}}
    z = {}
    for name, values in null.items():
        mean, sd = statistics.fmean(values), statistics.stdev(values)
        observed[f"null_{name}"] = {"mean": mean, "sd": sd}
        observed["exact_uniform_all_rows"][name] = exact[name]
        for row, reported in table.items():
            z[f"{row} {name}"] = (reported[name] - mean) / sd
    observed["z"] = z
    return observed, z


def table_check(table: dict[str, dict[str, float]], *, distinguishes: bool, catches: str) -> Check:
    """The statement that a table's numbers (rows of eigmax, energy_r8, energy_r16) distinguish the measured
    attention from uniform causal attention measured the same way (``distinguishes``: some reported value
    lies outside the null's central 95% band), or that they do not (every value inside it): the same
    measurement decides both."""

    def evaluate(ctx: RunContext) -> CheckResult:
        observed, z = _positions(ctx, table)
        outside = {key: value for key, value in z.items() if abs(value) > 1.96}
        detail = (
            f"uniform causal attention at T = {LENGTH}, measured as knlp does ({SEQUENCES} x {LENGTH} rows, 64 "
            f"sampled, means over {HEADS} heads, {observed['draws']} seeded draws): "
            + ", ".join(
                f"{name} {observed[f'null_{name}']['mean']:.4f} +- {observed[f'null_{name}']['sd']:.4f}"
                for name in TABLE["RA+MLA"]
            )
            + "; the table's values at z = "
            + ", ".join(f"{key} {value:+.2f}" for key, value in z.items())
        )
        holds = bool(outside) if distinguishes else not outside
        if holds:
            return CheckResult(Status.PASSED, detail, cases=observed["draws"])
        if distinguishes:
            certified = all(abs(value) <= INSIDE for value in z.values())
            certificate = (
                f"seeded draws; every reported value within {INSIDE:g} standard deviation of uniform attention's mean "
                f"(largest |z| {max(abs(v) for v in z.values()):.2f}), inside the 95% band (1.96) by a margin no "
                "error of the estimated deviation at this many draws can close"
                if certified
                else "a reported value is inside the band but near its edge: more draws would decide"
            )
        else:
            certified = all(abs(value) > 2 * 1.96 for value in outside.values())
            certificate = (
                f"reported values {sorted(outside)} beyond twice the 95% band" if certified else "near the band's edge"
            )
        return CheckResult(
            Status.FAILED,
            detail,
            observed["draws"],
            counterexample=Counterexample(
                {"table": TABLE, "length": LENGTH, "heads": HEADS}, observed, certified, certificate
            ),
        )

    side = "outside" if distinguishes else "inside"
    return Check(
        f"experiment: the table against uniform causal attention measured the same way ({side} its band)",
        Kind.EXPERIMENT,
        catches,
        evaluate,
    )
