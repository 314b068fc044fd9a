"""The statement-shaped builders (claims/builders), held to true statements and to their wrong variants (issue 16,
item 7): every false variant (a bound's direction or constant, a sign, an index swap, a wrong limit, a wrong order)
must come out REFUTED through the same builder, with a certified counterexample, and every true one must not.

Each variant is recorded in the mutation catalogue (tests/mutation_log.py) as a "builder" mutant, so the kill rate
printed at the end of the run covers the builders too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest

import fim_audit.claims.builders as fa
from fim_audit.claims.builders import op
from fim_audit.claims.engine import run_claim
from fim_audit.claims.model import Check, Verdict
from fim_audit.claims.checks.fisher_models import fisher_floor
from fim_audit.numeric.logit_maps import PHASE_EPS, PHASE_INPUTS, PhaseScorer
from fim_audit.symbolic.fisher_models import UNIFORM_WITNESS_MU
from tests.mutation_log import MutantOutcome, record_mutant

pytestmark = pytest.mark.xdist_group("test_builders")  # module-scoped fixtures: computed once, in one xdist worker

P = fa.space(p=fa.probabilities())
P5 = fa.space(p=fa.probabilities(), min_n=5)
Z = fa.space(z=fa.logits())
ZT = fa.space(z=fa.logits(), tau=fa.positive())
TAU0 = fa.space(tau0=fa.positive(0.01, 10.0))


def fisher(p):
    return op.diag(p) - op.outer(p, p)


def entropy_at_temperature(z, tau):
    return op.entropy(op.softmax(z, tau))


def sigma_jacobian(z):
    s = op.softmax(z)
    return op.diag(s) - op.outer(s, s)


def top(z):
    return op.where(z >= op.max(z), 1, 0)


def schedule(t, tau0):
    return (tau0 / op.sqrt(t)) * (1 / op.sqrt(t))


@dataclass(frozen=True)
class Variant:
    """One statement through one builder: ``expected`` is its verdict; ``operator`` names the mutation that makes
    a false variant from the true statement (None for a true one)."""

    name: str
    checks: Callable[[], tuple[Check, ...]]
    expected: Verdict
    operator: str | None = None


def _floor(mu):
    return (fisher_floor(PhaseScorer(PHASE_EPS), PHASE_INPUTS, mu, catches="a floor above the infimum"),)


def _paired(differences, claimed):
    sample = fa.Sample(differences, "a paired difference", 1e-12)
    return lambda: (fa.paired(lambda ctx: sample, claimed=claimed, name="experiment: paired", catches="a sign"),)


VARIANTS = [
    # identities, derivatives, invariance
    Variant(
        "trace F = (1 - |p|^2)/tau^2",
        lambda: fa.identity(
            lambda p, tau: op.trace(fisher(p)) / tau**2,
            lambda p, tau: (1 - op.dot(p, p)) / tau**2,
            over=fa.space(p=fa.probabilities(), tau=fa.positive()),
            what="trace",
        ),
        Verdict.PROVED,
    ),
    Variant(
        "trace F = (1 - |p|^2)/tau",
        lambda: fa.identity(
            lambda p, tau: op.trace(fisher(p)) / tau**2,
            lambda p, tau: (1 - op.dot(p, p)) / tau,
            over=fa.space(p=fa.probabilities(), tau=fa.positive()),
            what="trace, wrong power",
        ),
        Verdict.REFUTED,
        "wrong power of tau",
    ),
    Variant(
        "Lemma 1", lambda: fa.derivative(op.softmax, sigma_jacobian, wrt="z", over=Z, what="Lemma 1"), Verdict.PROVED
    ),
    Variant(
        "Lemma 1, sigma_i (delta_ij + sigma_j)",
        lambda: fa.derivative(
            op.softmax,
            lambda z: op.diag(op.softmax(z)) + op.outer(op.softmax(z), op.softmax(z)),
            wrt="z",
            over=Z,
            what="Lemma 1, sign",
        ),
        Verdict.REFUTED,
        "sign flip",
    ),
    Variant(
        "grad log sigma_i = e_i - sigma",
        lambda: fa.derivative(
            op.log_softmax,
            lambda z: op.eye(len(z), z) - op.softmax(z)[None, :] + 0 * op.outer(z, z),
            wrt="z",
            over=Z,
            what="score",
        ),
        Verdict.PROVED,
    ),
    Variant(
        "grad log sigma_i, transposed",
        lambda: fa.derivative(
            op.log_softmax,
            lambda z: op.eye(len(z), z) - op.softmax(z)[:, None] + 0 * op.outer(z, z),
            wrt="z",
            over=Z,
            what="score, transposed",
        ),
        Verdict.REFUTED,
        "index swap",
    ),
    Variant(
        "d sigma(z/tau)/d tau",
        lambda: fa.derivative(
            op.softmax,
            lambda z, tau: -(z * op.softmax(z, tau) - op.softmax(z, tau) * op.dot(z, op.softmax(z, tau))) / tau**2,
            wrt="tau",
            over=ZT,
            what="dtau",
        ),
        Verdict.PROVED,
    ),
    Variant(
        "d sigma(z/tau)/d tau over tau",
        lambda: fa.derivative(
            op.softmax,
            lambda z, tau: -(z * op.softmax(z, tau) - op.softmax(z, tau) * op.dot(z, op.softmax(z, tau))) / tau,
            wrt="tau",
            over=ZT,
            what="dtau, wrong power",
        ),
        Verdict.REFUTED,
        "wrong power of tau",
    ),
    Variant(
        "softmax shift invariance",
        lambda: fa.invariance(
            op.softmax, lambda z, c: z + c, acting_on="z", over=fa.space(z=fa.logits(), c=fa.real()), what="shift"
        ),
        Verdict.PROVED,
    ),
    Variant(
        "softmax scale invariance",
        lambda: fa.invariance(
            op.softmax, lambda z, c: z * c, acting_on="z", over=fa.space(z=fa.logits(), c=fa.positive()), what="scale"
        ),
        Verdict.REFUTED,
        "wrong group action",
    ),
    # inequalities and spectra
    Variant(
        "eigmax <= 1/2",
        lambda: fa.eigenvalue_bounds(fisher, upper=lambda p: 0.5, over=P, what="eigmax <= 1/2"),
        Verdict.SUPPORTED,
    ),
    Variant(
        "eigmax <= 1/4",
        lambda: fa.eigenvalue_bounds(fisher, upper=lambda p: 0.25, over=P, what="eigmax <= 1/4"),
        Verdict.REFUTED,
        "bound constant",
    ),
    Variant(
        "eigmax >= 1/2",
        lambda: fa.eigenvalue_bounds(fisher, lower=lambda p: 0.5, over=P, what="eigmax >= 1/2"),
        Verdict.REFUTED,
        "bound direction",
    ),
    Variant(
        "H(p) >= 1 - |p|^2",
        lambda: fa.at_least(op.entropy, lambda p: 1 - op.dot(p, p), over=P, what="H >="),
        Verdict.SUPPORTED,
    ),
    Variant(
        "H(p) <= 1 - |p|^2",
        lambda: fa.at_most(op.entropy, lambda p: 1 - op.dot(p, p), over=P, what="H <="),
        Verdict.REFUTED,
        "bound direction",
    ),
    Variant(
        "p p^T <= diag p",
        lambda: fa.loewner(lambda p: op.outer(p, p), lambda p: op.diag(p), over=P, what="Loewner"),
        Verdict.SUPPORTED,
    ),
    Variant(
        "diag p <= p p^T",
        lambda: fa.loewner(lambda p: op.diag(p), lambda p: op.outer(p, p), over=P, what="Loewner, reversed"),
        Verdict.REFUTED,
        "bound direction",
    ),
    Variant(
        "eigenvalues of F interlace the sorted p",
        lambda: fa.sequence_bounds(
            (lambda p: op.eigvalsh(fisher(p)), lambda p: op.sort(p)),
            (lambda p: op.sort(p)[:-1], lambda p: op.eigvalsh(fisher(p))[1:]),
            over=fa.space(p=fa.probabilities(), min_n=2),
            what="interlacing",
        ),
        Verdict.SUPPORTED,
    ),
    Variant(
        "interlacing shifted by one",
        lambda: fa.sequence_bounds(
            (lambda p: op.sort(p)[1:], lambda p: op.eigvalsh(fisher(p))[:-1]),
            over=fa.space(p=fa.probabilities(), min_n=2),
            what="interlacing, shifted",
        ),
        Verdict.REFUTED,
        "index swap",
    ),
    Variant(
        "ker F = vectors constant on supp p",
        lambda: fa.kernel(
            fisher,
            lambda p: op.diag(op.where(p > 0, 0, 1)) + op.outer(op.where(p > 0, 1, 0), op.where(p > 0, 1, 0)),
            lambda p: len(p) - int((p > 0).sum()) + 1,
            over=P,
            what="kernel",
        ),
        Verdict.SUPPORTED,
    ),
    Variant(
        "ker F = span of the ones vector",
        lambda: fa.kernel(fisher, lambda p: 0 * op.outer(p, p) + 1, lambda p: 1, over=P, what="kernel, ones only"),
        Verdict.REFUTED,
        "dropped term",
    ),
    Variant(
        "rank F = |supp p| - 1",
        lambda: fa.rank(fisher, lambda p: max(int((p > 0).sum()) - 1, 0), over=P, what="rank"),
        Verdict.SUPPORTED,
    ),
    Variant(
        "rank F = |supp p|",
        lambda: fa.rank(fisher, lambda p: int((p > 0).sum()), over=P, what="rank + 1"),
        Verdict.REFUTED,
        "off by one",
    ),
    # monotonicity
    Variant(
        "H(softmax(z/T)) increases in T",
        lambda: fa.monotone(entropy_at_temperature, in_="tau", direction="increasing", over=ZT, what="H up in T"),
        Verdict.SUPPORTED,
    ),
    Variant(
        "H(softmax(z/T)) decreases in T",
        lambda: fa.monotone(
            entropy_at_temperature,
            in_="tau",
            direction="decreasing",
            over=ZT,
            what="H down in T",
        ),
        Verdict.REFUTED,
        "direction",
    ),
    Variant(
        "1/T strictly decreases in T",
        lambda: fa.monotone(
            lambda tau: 1 / tau,
            in_="tau",
            direction="decreasing",
            strict=True,
            over=fa.space(tau=fa.positive()),
            what="1/T strictly down",
        ),
        Verdict.SUPPORTED,
    ),
    Variant(
        "H(softmax(z/T)) strictly increases in T",
        lambda: fa.monotone(
            entropy_at_temperature,
            in_="tau",
            direction="increasing",
            strict=True,
            over=ZT,
            what="H strictly up in T",
        ),
        Verdict.REFUTED,
        "strict for non-strict",
    ),
    Variant(
        "larger |p| means smaller 1 - |p|^2",
        lambda: fa.monotone(
            lambda p: 1 - op.dot(p, p),
            along=lambda p: op.dot(p, p),
            direction="decreasing",
            over=P,
            what="Tsallis along the norm",
        ),
        Verdict.SUPPORTED,
    ),
    Variant(
        "larger |p| means lower entropy",
        lambda: fa.monotone(
            op.entropy, along=lambda p: op.dot(p, p), direction="decreasing", over=P, what="entropy along the norm"
        ),
        Verdict.REFUTED,
        "orders disagree",
    ),
    # limits
    Variant(
        "lim_(tau->0) sigma(z/tau) = uniform on argmax",
        lambda: fa.limit(
            op.softmax, lambda z: top(z) / op.sum(top(z)), param="tau", at=0, over=ZT, what="zero temperature"
        ),
        Verdict.SUPPORTED,
    ),
    Variant(
        "lim_(tau->0) sigma(z/tau) = sigma(z)",
        lambda: fa.limit(op.softmax, op.softmax, param="tau", at=0, over=ZT, what="zero temperature, sigma(z)"),
        Verdict.REFUTED,
        "wrong limit",
    ),
    Variant(
        "lim_(tau->oo) sigma(z/tau) = uniform",
        lambda: fa.limit(
            op.softmax, lambda z: 0 * z + 1 / len(z), param="tau", at="oo", over=ZT, what="high temperature"
        ),
        Verdict.SUPPORTED,
    ),
    Variant(
        "lim_(tau->oo) sigma(z/tau) = one-hot",
        lambda: fa.limit(op.softmax, top, param="tau", at="oo", over=ZT, what="high temperature, one-hot"),
        Verdict.REFUTED,
        "wrong limit",
    ),
    # sums and orders
    Variant(
        "sum t = T (T + 1) / 2",
        lambda: fa.partial_sum(lambda t: t, lambda T: T * (T + 1) / 2, what="Gauss"),
        Verdict.PROVED,
    ),
    Variant(
        "sum t = T^2 / 2",
        lambda: fa.partial_sum(lambda t: t, lambda T: T * T / 2, what="Gauss, T^2/2"),
        Verdict.REFUTED,
        "dropped term",
    ),
    Variant(
        "sum tau_t eta_t = Theta(log T)",
        lambda: fa.asymptotic(
            schedule, lambda T: op.log(T) + 1, relation="Theta", summed_over="t", over=TAU0, what="Theta(log T)"
        ),
        Verdict.PROVED,
    ),
    Variant(
        "sum tau_t eta_t = O(1)",
        lambda: fa.asymptotic(schedule, lambda T: 1 + 0 * T, relation="O", summed_over="t", over=TAU0, what="O(1)"),
        Verdict.REFUTED,
        "wrong order",
    ),
    Variant(
        "sum tau_t eta_t = o(log T)",
        lambda: fa.asymptotic(
            schedule, lambda T: op.log(T) + 1, relation="o", summed_over="t", over=TAU0, what="o(log T)"
        ),
        Verdict.REFUTED,
        "wrong order",
    ),
    # existence
    Variant(
        "some row has lambda_5 = 0",
        lambda: fa.exists(lambda p: op.eigvalsh(fisher(p))[-5], relation="=", over=P5, what="lambda_5 = 0"),
        Verdict.PROVED,
    ),
    # paired comparisons
    Variant("paired difference > 0", _paired([0.5, 0.6, 0.55, 0.52, 0.58], "positive"), Verdict.SUPPORTED),
    Variant("paired difference < 0", _paired([0.5, 0.6, 0.55, 0.52, 0.58], "negative"), Verdict.REFUTED, "direction"),
    # a uniform Fisher floor (fim-attn Def. 2 item 3 for every theta): the proved mu holds, the search finds the
    # infimum (about 0.01852) and refutes a floor just above it
    Variant("phase model: lambda_min(FIM) >= proved mu", lambda: _floor(UNIFORM_WITNESS_MU), Verdict.SUPPORTED),
    Variant("phase model: lambda_min(FIM) >= 0.019", lambda: _floor(0.019), Verdict.REFUTED, "floor above the infimum"),
]


@pytest.fixture(scope="module", params=VARIANTS, ids=[v.name for v in VARIANTS])
def decided(request, audit_context):
    variant = request.param
    claim = fa.claim(
        f"builder.{variant.name}",
        fa.Source("builder", "-", "tests/test_builders.py", variant.name),
        fa.reading("variant", variant.name, variant.checks()),
    )
    record = run_claim(claim, audit_context)
    if variant.operator is not None:
        killed = record.verdict is Verdict.REFUTED and record.counterexample is not None
        record_mutant(request.config, MutantOutcome(variant.name, variant.operator, "builder", killed, (), None))
    return variant, record


def test_the_builder_decides_the_variant(decided):
    variant, record = decided
    assert record.verdict is variant.expected, record.decision.reason
    if variant.expected is Verdict.REFUTED:
        assert record.counterexample is not None and record.counterexample.certified


def test_a_false_variant_never_gets_a_proof(decided):
    """No proof of a false statement; for a conjunction (a kernel: a basis in it and its dimension), a true
    conjunct may be proved, never the one that fails."""
    variant, record = decided
    if variant.operator is not None:
        from fim_audit.claims.model import Status

        refuted = {c.check.part for c in record.readings[0].checks if c.result.refutes}
        for c in record.readings[0].checks:
            if c.result.status is Status.PROVED:
                assert c.check.part is not None and c.check.part not in refuted, c.check.name


def test_a_false_existence_claim_is_not_refuted_by_a_failed_search(audit_context):
    """A failed witness search certifies nothing: without an impossibility proof a false existence claim is OPEN."""
    claim = fa.claim(
        "builder.exists-false",
        fa.Source("builder", "-", "tests/test_builders.py", "a row with eigmax > 1/2"),
        fa.reading(
            "r",
            "some p has eigmax > 1/2",
            fa.exists(lambda p: op.eigvalsh(fisher(p))[-1] - 0.5, over=P, what="eigmax > 1/2"),
        ),
    )
    assert run_claim(claim, audit_context).verdict is Verdict.OPEN


def test_every_public_builder_is_documented_and_exercised():
    """Like Hypothesis' strategy registry: each public builder has a docstring and a variant in VARIANTS."""
    source = open(__file__, encoding="utf-8").read()
    for builder in fa.BUILDERS:
        assert builder.__doc__ and len(builder.__doc__) > 40, builder.__name__
        assert f"fa.{builder.__name__}(" in source, f"no variant exercises {builder.__name__}"


def test_a_formula_that_does_not_evaluate_is_reported_before_running():
    (check, *_) = fa.identity(lambda p: p[5], lambda p: p, over=P, what="out of range")
    with pytest.raises(IndexError):
        check.validate()


def test_exact_values_keep_guaranteed_digits_and_read_float_constants_as_meant():
    """A float constant stands for the rational its author meant (1/3, 1/10); the 80-digit eigenvalues of a matrix
    with irrational entries are results and keep their digits (truncating them to doubles would let a
    certificate rest on rounding)."""
    import numpy as np
    import sympy as sp

    from fim_audit.claims.builders.formula import exact_values

    point = {"z": np.array([sp.Integer(0)] * 3, dtype=object)}
    assert exact_values(lambda z: 1 / len(z) + 0 * z[0], point).item() == sp.Rational(1, 3)
    assert exact_values(lambda z: 0.1 + 0 * z[0], point).item() == sp.Rational(1, 10)
    m = np.array([[sp.exp(sp.Rational(1, 3)), sp.Rational(1, 2)], [sp.Rational(1, 2), 1]], dtype=object)
    eigenvalues = exact_values(lambda m: op.eigvalsh(m), {"m": m})
    assert all(v._prec > 200 for v in eigenvalues)


def test_a_search_that_meets_no_case_is_no_evidence():
    """A statement whose hypothesis no drawn point meets passes its search vacuously: INCONCLUSIVE, so the claim
    is OPEN, not SUPPORTED (with the hypothesis met somewhere, the same builder supports it)."""
    import torch
    from hypothesis import strategies as st

    from fim_audit.claims.builders.primitives import check_property
    from fim_audit.claims.model import Status
    from fim_audit.numeric.context import RunContext
    from fim_audit.numeric.search.property import Evaluation

    def evaluate(met: bool, ctx: RunContext) -> Evaluation:
        return Evaluation(torch.zeros(1, dtype=torch.float64), lambda k: ({}, {}), cases=int(met))

    ctx = RunContext.create()
    assert check_property(st.just(False), evaluate, ctx).status is Status.INCONCLUSIVE
    assert check_property(st.booleans(), evaluate, ctx).status is Status.PASSED


def test_a_monte_carlo_mean_of_tiny_draws_keeps_its_standard_error():
    """E (q . k)^2 = |q|^2 at q = 4e-140: the draws are near 1e-279 and their squares underflowed to 0, so the
    standard error was 0 and a mean within sampling error of the claim was a failure at z = 1e300.  The sums are
    taken of exactly scaled draws: the claim stays within chance there as at q = 1, the factor-2 variant far off."""
    import numpy as np

    from fim_audit.claims.builders.expectation import Z_PASS
    from fim_audit.numeric.context import RunContext

    ctx = RunContext.create()
    z = {}
    for name, claimed in (("true", lambda q: op.dot(q, q)), ("false", lambda q: 2 * op.dot(q, q))):
        (check,) = [
            c
            for c in fa.expectation(
                lambda q, k: op.dot(q, k) ** 2, claimed, over=fa.space(q=fa.vectors()), noise={"k": fa.gaussian()},
                what="E (q . k)^2",
            )
            if c.name.startswith("torch")
        ]
        monte_carlo = check.run.__self__
        for q in (1.0, 4.173384340134336e-140):
            found = monte_carlo.estimate({"q": np.array([q])}, 4096, ctx, salt=0)
            assert found["standard_error"] > 0
            z[name, q] = found["z"]
    assert max(z["true", 4.173384340134336e-140], z["true", 1.0]) < Z_PASS
    assert min(z["false", 4.173384340134336e-140], z["false", 1.0]) > 4 * Z_PASS
