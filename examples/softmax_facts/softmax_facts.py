"""The claims of "A Short Note on Softmax Attention and its Fisher Information" (paper.md beside this file), declared
with fim-audit's public builders only: the worked example of docs/writing-claims.md.

Audit it from anywhere:  fim-audit run --papers examples/softmax_facts/softmax_facts.py --check
or as tests:             cd examples/softmax_facts && python -m pytest      (pytest.ini names this module)
Its verdict lock is softmax_facts.lock.json, beside it (written by --update-lock).
"""

from functools import partial

from fim_audit.claims.builders import (
    Source, asymptotic, at_most, claim, derivative, eigenvalue_bounds, exists, identity, invariance, limit, logits,
    lemma, monotone, op, positive, probabilities, rank, reading, real, space, vectors,
)  # fmt: skip

PAPER = "softmax-facts"
source = partial(Source, PAPER, "paper.md")


def fisher(p):
    """F(p) = diag(p) - p p^T (§1)."""
    return op.diag(p) - op.outer(p, p)


def attention(z, T):
    """sigma(z / T)."""
    return op.softmax(z, T)


def maximisers(z):
    """The indicator of argmax z (every maximiser)."""
    return op.where(z >= op.max(z), 1, 0)


def uniform_on_maximisers(z):
    return maximisers(z) / op.sum(maximisers(z))


ROWS = space(p=probabilities())
LOGITS = space(z=logits(), T=positive())
FIVE_OR_MORE = space(p=probabilities(), min_n=5)

SHIFT = claim(
    "softmax-facts.shift-invariance",
    source("Lemma 1", "σ(z + c𝟏) = σ(z) for all c ∈ ℝ"),
    reading(
        "all-shifts",
        "For every n >= 1, z in R^n and c in R: softmax(z + c) = softmax(z).",
        invariance(op.softmax, lambda z, c: z + c, acting_on="z", over=space(z=logits(), c=real()), what="shift"),
    ),
)

SCALE = claim(
    "softmax-facts.scale-invariance",
    source("Proposition 1", "σ(cz) = σ(z) for all c > 0"),
    reading(
        "all-scalings",
        "For every n >= 1, z in R^n and c > 0: softmax(c z) = softmax(z).",
        invariance(op.softmax, lambda z, c: c * z, acting_on="z", over=space(z=logits(), c=positive()), what="scale"),
    ),
)

ROW_SUMS = claim(
    "softmax-facts.jacobian-row-sums",
    source("Lemma 2", "Σⱼ ∂σᵢ/∂zⱼ = 0"),
    reading(
        "row-sums",
        "For every n >= 1, z in R^n and every i: sum_j d sigma_i / d z_j = d sigma_i(z + c 1) / dc = 0.",
        derivative(
            lambda z, c: op.softmax(z + c),
            lambda z: 0 * z,
            wrt="c",
            over=space(z=logits(), c=real()),
            what="row sums of the Jacobian",
        ),
    ),
)

VARIANCE = lemma(
    "v^T F(p) v = Var_(i~p)(v_i) for every v",
    identity(
        lambda p, v: op.dot(v, fisher(p) @ v),
        lambda p, v: op.dot(p, v * v) - op.dot(p, v) ** 2,
        over=space(p=probabilities(), v=vectors()),
        what="quadratic form of F = variance",
    ),
)

EIGMAX = claim(
    "softmax-facts.eigmax-half",
    source("Proposition 2", "The largest eigenvalue of F(p) is at most 1/2 for every attention distribution p."),
    reading(
        "all-rows",
        "For every n >= 1 and p in the simplex: lambda_max(diag p - p p^T) <= 1/2.",
        eigenvalue_bounds(fisher, upper=lambda p: 0.5, over=ROWS, what="lambda_max(F) <= 1/2"),
        lemmas=[VARIANCE],
        argument="lambda_max = max over unit v of Var(v_i) <= (max v - min v)^2 / 4 <= 1/2 (Popoviciu).",
    ),
)

RANK = claim(
    "softmax-facts.rank",
    source("Proposition 3", "The rank of F(p) is one less than the number of keys that receive attention."),
    reading(
        "support",
        "For every n >= 1 and p in the simplex: rank F(p) = |supp p| - 1.",
        rank(fisher, lambda p: int((p > 0).sum()) - 1, over=ROWS, what="rank F = |supp p| - 1"),
    ),
)

ENTROPY_BOUND = claim(
    "softmax-facts.entropy-below-trace",
    source("Proposition 4", "H(p) ≤ tr F(p) = 1 − ‖p‖²"),
    reading(
        "all-rows",
        "For every n >= 1 and p in the simplex: H(p) <= 1 - ||p||^2.",
        at_most(op.entropy, lambda p: 1 - op.dot(p, p), over=ROWS, what="H(p) <= 1 - |p|^2"),
    ),
    correction=reading(
        "reversed",
        "For every p in the simplex: 1 - ||p||^2 <= H(p) (the Tsallis-2 entropy is below the Shannon entropy).",
        at_most(lambda p: 1 - op.dot(p, p), op.entropy, over=ROWS, what="1 - |p|^2 <= H(p)"),
    ),
)

FIFTH_EIGENVALUE = claim(
    "softmax-facts.fifth-eigenvalue-vanishes",
    source(
        "Remark 1", "Some attention distributions over five or more keys have a vanishing fifth eigenvalue λ₅(F(p))."
    ),
    reading(
        "witness",
        "Some p in the simplex with n >= 5 entries has lambda_5(F(p)) = 0 (the fifth largest eigenvalue).",
        exists(
            lambda p: op.eigvalsh(fisher(p))[-5],
            relation="=",
            over=FIVE_OR_MORE,
            what="lambda_5 = 0",
        ),
    ),
)

TEMPERATURE = claim(
    "softmax-facts.entropy-rises-with-temperature",
    source("Proposition 5", "T ↦ H(σ(z/T)) is non-decreasing."),
    reading(
        "all-logits",
        "For every n >= 1 and z in R^n: T -> H(softmax(z / T)) is non-decreasing on T > 0.",
        monotone(lambda z, T: op.entropy(attention(z, T)), in_="T", direction="increasing", over=LOGITS, what="H(T)"),
    ),
)

ZERO_TEMPERATURE = claim(
    "softmax-facts.zero-temperature",
    source("Proposition 6", "As T → 0, σ(z/T) tends to the one-hot vector at the largest logit."),
    reading(
        "one-hot",
        "For every z in R^n: lim_(T->0+) softmax(z / T) is one-hot at argmax z.",
        limit(attention, maximisers, param="T", at=0, over=LOGITS, what="one-hot limit"),
    ),
    correction=reading(
        "uniform-on-ties",
        "For every z: lim_(T->0+) softmax(z / T) is uniform on the maximisers of z (one-hot when there is one).",
        limit(attention, uniform_on_maximisers, param="T", at=0, over=LOGITS, what="limit uniform on the maximisers"),
    ),
)

SCHEDULE = claim(
    "softmax-facts.bounded-steps",
    source("Proposition 7", "With the step size ηₜ = 1/t, the accumulated step Σₜ₌₁ᵀ ηₜ stays bounded: it is O(1)."),
    reading(
        "big-o",
        "sum_(t=1)^T 1/t = O(1) as T -> oo.",
        asymptotic(lambda t: 1 / t, lambda T: 1 + 0 * T, summed_over="t", what="sum 1/t = O(1)"),
    ),
    correction=reading(
        "logarithmic",
        "sum_(t=1)^T 1/t = Theta(log T) (the harmonic numbers).",
        asymptotic(lambda t: 1 / t, lambda T: op.log(T) + 1, relation="Theta", summed_over="t", what="Theta(log T)"),
    ),
)

CLAIMS = (
    SHIFT,
    SCALE,
    ROW_SUMS,
    EIGMAX,
    RANK,
    ENTROPY_BOUND,
    FIFTH_EIGENVALUE,
    TEMPERATURE,
    ZERO_TEMPERATURE,
    SCHEDULE,
)
