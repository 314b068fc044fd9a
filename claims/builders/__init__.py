"""fim-audit's public API: where a paper's statements become checks.

A claim is declared as data (:func:`claim`, :func:`reading`, :class:`Source`), and each reading is decided by the
checks that a *statement-shaped builder* returns for the statement as the paper gives it: the claimed formula,
bound, direction or limit is a parameter, so the same builder decides a true statement and its false variant.
Formulas are written once, with :data:`op`, and evaluated in torch (with their rounding bound) and in sympy
(exactly); what they quantify over is a :func:`space` of named variables.  See docs/writing-claims.md.
"""

# declarations
from fim_audit.claims.builders.declare import claim, lemma, reading
from fim_audit.claims.model import (
    Check,
    CheckResult,
    Claim,
    Counterexample,
    Figure,
    Formalization,
    Kind,
    Lemma,
    Source,
    Status,
)

# formulas and what they range over
from fim_audit.claims.builders.formula import Formula, op
from fim_audit.claims.builders.domains import (
    Space,
    Variable,
    integers,
    labels,
    logits,
    positive,
    probabilities,
    real,
    space,
    vectors,
    weights,
)

# statement-shaped builders
from fim_audit.claims.builders.identity import derivative, hessian, identity, invariance
from fim_audit.claims.builders.inequality import (
    at_least,
    at_most,
    conjunct,
    eigenvalue_bounds,
    kernel,
    loewner,
    rank,
    sequence_bounds,
)
from fim_audit.claims.builders.monotone import monotone
from fim_audit.claims.builders.limits import limit
from fim_audit.claims.builders.sums import asymptotic, partial_sum
from fim_audit.claims.builders.exists import exists
from fim_audit.claims.builders.functions import SmoothFamily
from fim_audit.claims.builders.expectation import RandomVariable, expectation, gaussian, gumbel, uniform
from fim_audit.claims.builders.unbounded import unbounded
from fim_audit.claims.builders.paired import Sample, decide, paired

# softmax calculus, with general-n derivations (entry kernels kernel(x_i, x_j, delta_ij))
from fim_audit.claims.builders.softmax import (
    fisher_decomposition_checks,
    inner_expectation_checks,
    potential_hessian_checks,
    score_chain_checks,
    score_fisher_checks,
    softmax_derivative_checks,
    tau_derivative_checks,
)

# primitives, for a check no builder covers (write the reason beside it)
from fim_audit.claims.builders.primitives import (
    CannotCertify,
    Evaluation,
    check_property,
    derivation_check,
    property_check,
    search_witness,
    sweep_check,
    symbolic_check,
    witness_check,
)
from fim_audit.numeric.context import RunContext

__all__ = [
    # declarations
    "Check",
    "CheckResult",
    "Claim",
    "Counterexample",
    "Figure",
    "Formalization",
    "Kind",
    "Lemma",
    "Source",
    "Status",
    "claim",
    "lemma",
    "reading",
    # formulas and spaces
    "Formula",
    "Space",
    "RandomVariable",
    "SmoothFamily",
    "Variable",
    "integers",
    "labels",
    "logits",
    "op",
    "positive",
    "probabilities",
    "real",
    "space",
    "unbounded",
    "uniform",
    "vectors",
    "weights",
    # statement-shaped builders
    "asymptotic",
    "at_least",
    "conjunct",
    "at_most",
    "decide",
    "derivative",
    "hessian",
    "eigenvalue_bounds",
    "exists",
    "expectation",
    "gaussian",
    "gumbel",
    "identity",
    "invariance",
    "kernel",
    "limit",
    "loewner",
    "monotone",
    "paired",
    "partial_sum",
    "rank",
    "Sample",
    "sequence_bounds",
    # softmax calculus
    "fisher_decomposition_checks",
    "inner_expectation_checks",
    "potential_hessian_checks",
    "score_chain_checks",
    "score_fisher_checks",
    "softmax_derivative_checks",
    "tau_derivative_checks",
    # primitives
    "CannotCertify",
    "Evaluation",
    "RunContext",
    "check_property",
    "derivation_check",
    "property_check",
    "search_witness",
    "sweep_check",
    "symbolic_check",
    "witness_check",
]

BUILDERS = (
    identity,
    derivative,
    invariance,
    at_most,
    at_least,
    loewner,
    eigenvalue_bounds,
    sequence_bounds,
    rank,
    kernel,
    monotone,
    limit,
    partial_sum,
    asymptotic,
    exists,
    paired,
)
"""The statement-shaped builders (the mutation catalogue holds each to a false variant)."""
