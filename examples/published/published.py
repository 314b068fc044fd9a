"""A catalogue of published statements about softmax, attention, information geometry and optimisation, each beside
a false variant of the same shape (a constant, a direction, a factor, a sign), encoded from outside the package
through the public builders only, as docs/writing-claims.md says.  ``TRUTH`` is the key: which statements are true.

tests/test_published.py audits the catalogue in float64 and float32 and holds every verdict to the key (a true
statement PROVED or SUPPORTED, a false one REFUTED with a certified counterexample); ``published.lock.json`` is the
verdict lock, so ``fim-audit run --papers examples/published/published.py --check`` fails when a verdict changes.

Sources (cited per claim in its ``Source``):

* [GP17] B. Gao, L. Pavel, On the properties of the softmax function with application in game theory and
  reinforcement learning, arXiv:1704.00805 (2017).
* [BV04] S. Boyd, L. Vandenberghe, Convex Optimization, Cambridge University Press (2004).
* [CT06] T. M. Cover, J. A. Thomas, Elements of Information Theory, 2nd ed., Wiley (2006).
* [Boh92] D. Böhning, Multinomial logistic regression algorithm, Ann. Inst. Statist. Math. 44 (1992) 197-200.
* [Mar20] J. Martens, New insights and perspectives on the natural gradient method, JMLR 21(146) (2020).
* [AN00] S. Amari, H. Nagaoka, Methods of Information Geometry, AMS / Oxford University Press (2000).
* [Gol73] G. H. Golub, Some modified matrix eigenvalue problems, SIAM Review 15(2) (1973) 318-334.
* [Guo17] C. Guo, G. Pleiss, Y. Sun, K. Q. Weinberger, On calibration of modern neural networks, ICML (2017).
* [JKB97] N. L. Johnson, S. Kotz, N. Balakrishnan, Discrete Multivariate Distributions, Wiley (1997).
* [Bis06] C. M. Bishop, Pattern Recognition and Machine Learning, Springer (2006).
* [Vas17] A. Vaswani et al., Attention is all you need, NeurIPS (2017).
* [MTM14] C. J. Maddison, D. Tarlow, T. Minka, A* sampling, NeurIPS (2014) (after E. J. Gumbel, 1954).
* [Nes04] Y. Nesterov, Introductory Lectures on Convex Optimization, Kluwer (2004).

The later pairs use the shapes of issue 26, item 8: a Hessian, a label, an expectation over Gaussian or Gumbel noise,
a class of smooth functions, a negated bound (through a witness family, its false variant refuted by a proved bound)
and an existence (its false variant refuted by a proved bound as the impossibility).
"""

from __future__ import annotations

from functools import partial

import sympy as sp

from fim_audit.claims.builders import (
    SmoothFamily, Source, at_least, at_most, claim, derivative, eigenvalue_bounds, exists, expectation, gaussian,
    gumbel, hessian, identity, invariance, labels, lemma, limit, logits, loewner, monotone, op, positive,
    probabilities, rank, reading, real, space, unbounded, vectors,
)  # fmt: skip
from fim_audit.symbolic.outcome import Derivation, from_steps

PAPER = "published"

GP17 = partial(Source, "GP17", "arXiv:1704.00805")
BV04 = partial(Source, "BV04", "Boyd & Vandenberghe, Convex Optimization")
CT06 = partial(Source, "CT06", "Cover & Thomas, Elements of Information Theory, 2nd ed.")
BOH92 = partial(Source, "Boh92", "Ann. Inst. Statist. Math. 44:197-200")
MAR20 = partial(Source, "Mar20", "JMLR 21(146)")
AN00 = partial(Source, "AN00", "Amari & Nagaoka, Methods of Information Geometry")
GOL73 = partial(Source, "Gol73", "SIAM Review 15(2)")
GUO17 = partial(Source, "Guo17", "ICML 2017, On calibration of modern neural networks")
JKB97 = partial(Source, "JKB97", "Johnson, Kotz & Balakrishnan, Discrete Multivariate Distributions")
BIS06 = partial(Source, "Bis06", "Bishop, Pattern Recognition and Machine Learning")
VAS17 = partial(Source, "Vas17", "NeurIPS 2017, Attention is all you need")
MTM14 = partial(Source, "MTM14", "NeurIPS 2014, A* sampling")
NES04 = partial(Source, "Nes04", "Nesterov, Introductory Lectures on Convex Optimization")

Z = space(z=logits())
ZT = space(z=logits(), T=positive())
ZC = space(z=logits(), c=real())
ZL = space(z=logits(), lam=positive(0.05, 20.0))
XY = space(x=logits(), y=logits())
ROWS = space(p=probabilities())
POSITIVE_ROWS = space(p=probabilities(), assume=lambda p: op.min(p) > 0, condition="every p_i > 0")
PV = space(p=probabilities(), v=vectors())
ZV = space(z=logits(), v=vectors(), t=real(-1.0, 1.0), max_n=2)
"""n <= 2: sympy's exact limit of the KL quotient takes about a second at n = 2 and up to minutes beyond (each
point has a time budget; the readings say so)."""
LABELLED = space(z=logits(), y=labels())
PQ = space(p=probabilities(), q=probabilities(), min_n=2, max_n=2)
SMOOTH = SmoothFamily()
FUNCTIONS = space(x=vectors(), **SMOOTH.variables())


def fisher(p):
    """F(p) = diag(p) - p p^T: the Fisher information of the categorical distribution in its logits [Mar20 §9.2]."""
    return op.diag(p) - op.outer(p, p)


def norm(v):
    return op.sqrt(op.sum(v * v))


def kl(x, y):
    """KL(softmax(x) || softmax(y)), through log-softmax (no log of an underflowed 0)."""
    return op.sum(op.softmax(x) * (op.log_softmax(x) - op.log_softmax(y)))


def ones(p):
    return p * 0 + 1


def centring(p):
    """I - 1 1^T / n."""
    return op.eye(len(p), p) - op.outer(ones(p), ones(p)) / len(p)


def score_outer_mean(p):
    """E_(y ~ p)[(e_y - p)(e_y - p)^T] = M^T diag(p) M with M = I - 1 p^T (row k of M: e_k - p)."""
    m = op.eye(len(p), p) - op.outer(ones(p), p)
    return m.T @ op.diag(p) @ m


def cross_entropy(z, y):
    """-log softmax(z)_y [Bis06 §4.3.4]."""
    return -op.pick(op.log_softmax(z), y)


def argmax_is(z, y, g):
    """The indicator of argmax(z + g) = y."""
    return op.where(op.pick(z + g, y) >= op.max(z + g), 1, 0)


def gradient_descent_rate(constant, steps=2):
    """(min_(t < T) |grad f(x_t)|^2, constant L (f(x_0) - f(x_T)) / T) for T steps of size 1/L (the smooth family)."""

    def run(x, mu, a, b, c):
        member = {"mu": mu, "a": a, "b": b, "c": c}
        iterates = SMOOTH.descent(x, steps, **member)
        norms = [op.dot(g, g) for g in (SMOOTH.gradient(y, **member) for y in iterates[:-1])]
        decrease = SMOOTH.value(iterates[0], **member) - SMOOTH.value(iterates[-1], **member)
        return op.min(op.stack(norms)), constant * SMOOTH.smoothness(**member) * decrease / steps

    return run


def total_variation_at_most_one() -> Derivation:
    """TV(p, q) = sum |p_i - q_i| / 2 <= sum (p_i + q_i) / 2 = 1, by |a - b| <= a + b for a, b >= 0."""
    a, b = sp.symbols("a b", nonnegative=True)
    steps = {
        "|a - b| <= a + b for a, b >= 0 (both (a + b) - (a - b) = 2b and (a + b) + (a - b) = 2a are >= 0)": bool(
            (2 * b).is_nonnegative and (2 * a).is_nonnegative
        ),
        "sum_i (p_i + q_i) / 2 = 1 on the simplex": True,
    }
    return from_steps(
        steps, "TV <= 1", "TV(p, q) <= 1 for all distributions p, q", 1, "every n and p, q in the simplex"
    )


def gershgorin_half() -> Derivation:
    """lambda_max(diag p - p p^T) <= 1/2: Gershgorin's discs have centre and radius p_i (1 - p_i) [Boh92], and
    2 p (1 - p) <= 1/2."""
    p = sp.Symbol("p_i", nonnegative=True)
    half = sp.Rational(1, 2)
    steps = {
        "row i: centre p_i (1 - p_i), radius sum_(j != i) p_i p_j = p_i (1 - p_i)": True,
        "1/2 - 2 p (1 - p) = 2 (p - 1/2)^2 >= 0": sp.expand(half - 2 * p * (1 - p) - 2 * (p - half) ** 2) == 0,
    }
    return from_steps(steps, "Gershgorin", "lambda_max(F(p)) <= 1/2", 1, "every n >= 1 and p in the simplex")


BOHNING_BOUND = lemma(
    "lambda_max(diag p - p p^T) <= 1/2 for every n and p",
    eigenvalue_bounds(fisher, upper=lambda p: 0.5, over=ROWS, what="lambda_max <= 1/2", proof=gershgorin_half),
)


def pair(name, source, statement, checks, false_statement, false_checks, *, mutation):
    """A published statement (true) and its false variant (``mutation`` says what changed), as two claims."""
    true = claim(f"published.{name}", source, reading("as-published", statement, checks))
    false = claim(
        f"published.{name}.false-{mutation}",
        source,
        reading(f"variant-{mutation}", false_statement, false_checks),
        notes=f"A false variant of published.{name} ({mutation}); not a statement of the source.",
    )
    return true, false


STATEMENTS = [
    pair(
        "softmax-jacobian",
        GP17("Prop. 2", "∇σ(z) = diag(σ(z)) − σ(z)σ(z)ᵀ"),
        "For every n and z in R^n: d softmax / dz = diag(sigma) - sigma sigma^T.",
        derivative(op.softmax, lambda z: fisher(op.softmax(z)), wrt="z", over=Z, what="softmax Jacobian"),
        "For every n and z: d softmax / dz = sigma sigma^T - diag(sigma).",
        derivative(op.softmax, lambda z: -fisher(op.softmax(z)), wrt="z", over=Z, what="Jacobian, sign flipped"),
        mutation="sign",
    ),
    pair(
        "inverse-temperature-derivative",
        GP17("§2", "d σ(λz) / dλ = (diag σ − σσᵀ) z"),
        "For every z and lambda > 0: d softmax(lambda z) / d lambda = F(softmax(lambda z)) z.",
        derivative(
            lambda z, lam: op.softmax(lam * z),
            lambda z, lam: fisher(op.softmax(lam * z)) @ z,
            wrt="lam",
            over=ZL,
            what="d sigma(lambda z) / d lambda",
        ),
        "For every z and lambda > 0: d softmax(lambda z) / d lambda = -F(softmax(lambda z)) z.",
        derivative(
            lambda z, lam: op.softmax(lam * z),
            lambda z, lam: -(fisher(op.softmax(lam * z)) @ z),
            wrt="lam",
            over=ZL,
            what="d sigma(lambda z) / d lambda, sign flipped",
        ),
        mutation="sign",
    ),
    pair(
        "shift-invariance",
        GP17("§2", "σ(z + c𝟏) = σ(z)"),
        "For every z in R^n and c in R: softmax(z + c) = softmax(z).",
        invariance(op.softmax, lambda z, c: z + c, acting_on="z", over=ZC, what="shift"),
        "For every z in R^n and c in R: softmax(z + c) = softmax(z + c z) (invariance under scaling by 1 + c).",
        invariance(op.softmax, lambda z, c: z + c * z, acting_on="z", over=ZC, what="scaling"),
        mutation="action",
    ),
    pair(
        "lipschitz",
        GP17("Prop. 4", "σ is L-Lipschitz with L = λ (here λ = 1): ‖σ(x) − σ(y)‖₂ ≤ ‖x − y‖₂"),
        "For every n and x, y in R^n: ||softmax(x) - softmax(y)|| <= ||x - y||.",
        at_most(lambda x, y: norm(op.softmax(x) - op.softmax(y)), lambda x, y: norm(x - y), over=XY, what="1-Lip"),
        "For every n and x, y: ||softmax(x) - softmax(y)|| <= ||x - y|| / 4.",
        at_most(
            lambda x, y: norm(op.softmax(x) - op.softmax(y)), lambda x, y: norm(x - y) / 4, over=XY, what="1/4-Lip"
        ),
        mutation="constant",
    ),
    pair(
        "co-coercive",
        GP17("Prop. 4", "⟨σ(x) − σ(y), x − y⟩ ≥ (1/λ)‖σ(x) − σ(y)‖² (λ = 1)"),
        "For every n and x, y: <softmax(x) - softmax(y), x - y> >= ||softmax(x) - softmax(y)||^2.",
        at_least(
            lambda x, y: op.dot(op.softmax(x) - op.softmax(y), x - y),
            lambda x, y: op.dot(op.softmax(x) - op.softmax(y), op.softmax(x) - op.softmax(y)),
            over=XY,
            what="co-coercive, constant 1",
        ),
        "For every n and x, y: <softmax(x) - softmax(y), x - y> >= 2.5 ||softmax(x) - softmax(y)||^2 (the sharp "
        "constant is 2 = 1 / lambda_max(F)).",
        at_least(
            lambda x, y: op.dot(op.softmax(x) - op.softmax(y), x - y),
            lambda x, y: 2.5 * op.dot(op.softmax(x) - op.softmax(y), op.softmax(x) - op.softmax(y)),
            over=XY,
            what="co-coercive, constant 2.5",
        ),
        mutation="constant",
    ),
    pair(
        "positive",
        GP17("§2", "σᵢ(z) > 0 for every z ∈ ℝⁿ"),
        "For every n, z in R^n and i: softmax(z)_i > 0.",
        at_least(op.softmax, lambda z: 0 * z, over=Z, strict=True, what="sigma_i > 0"),
        "For every n, z in R^n and i: softmax(z)_i >= 1/n.",
        at_least(op.softmax, lambda z: 0 * z + 1 / len(z), over=Z, what="sigma_i >= 1/n"),
        mutation="constant",
    ),
    pair(
        "lse-upper",
        BV04("§3.1.5", "max(x) ≤ log Σ exp(xᵢ) ≤ max(x) + log n"),
        "For every n and z in R^n: logsumexp(z) <= max(z) + log n.",
        at_most(op.logsumexp, lambda z: op.max(z) + op.log(len(z)), over=Z, what="lse <= max + log n"),
        "For every n and z: logsumexp(z) <= max(z) + (log n) / 2.",
        at_most(op.logsumexp, lambda z: op.max(z) + op.log(len(z)) / 2, over=Z, what="lse <= max + log(n)/2"),
        mutation="factor",
    ),
    pair(
        "lse-lower",
        BV04("§3.1.5", "max(x) ≤ log Σ exp(xᵢ)"),
        "For every n and z in R^n: max(z) <= logsumexp(z).",
        at_most(lambda z: op.max(z), op.logsumexp, over=Z, what="max <= lse"),
        "For every n and z: max(z) + (log n) / 2 <= logsumexp(z).",
        at_most(lambda z: op.max(z) + op.log(len(z)) / 2, op.logsumexp, over=Z, what="max + log(n)/2 <= lse"),
        mutation="constant",
    ),
    pair(
        "lse-convex",
        BV04("§3.1.5", "the log-sum-exp function is convex"),
        "For every n and x, y in R^n: lse((x + y) / 2) <= (lse(x) + lse(y)) / 2.",
        at_most(
            lambda x, y: op.logsumexp((x + y) / 2),
            lambda x, y: (op.logsumexp(x) + op.logsumexp(y)) / 2,
            over=XY,
            what="midpoint convexity",
        ),
        "For every n and x, y: lse((x + y) / 2) >= (lse(x) + lse(y)) / 2 (concave).",
        at_least(
            lambda x, y: op.logsumexp((x + y) / 2),
            lambda x, y: (op.logsumexp(x) + op.logsumexp(y)) / 2,
            over=XY,
            what="midpoint concavity",
        ),
        mutation="direction",
    ),
    pair(
        "entropy-max",
        CT06("Thm. 2.6.4", "H(X) ≤ log |𝒳|, with equality iff X is uniform"),
        "For every n and p in the simplex: H(p) <= log n.",
        at_most(op.entropy, lambda p: op.log(len(p)), over=ROWS, what="H <= log n"),
        "For every n and p: H(p) <= (log n) / 2.",
        at_most(op.entropy, lambda p: op.log(len(p)) / 2, over=ROWS, what="H <= log(n)/2"),
        mutation="factor",
    ),
    pair(
        "gibbs",
        CT06("Thm. 2.6.3", "D(p‖q) ≥ 0"),
        "For every n and x, y in R^n: KL(softmax(x) || softmax(y)) >= 0.",
        at_least(lambda x, y: kl(x, y), lambda x, y: 0 * x[0], over=XY, what="KL >= 0"),
        "For every n and x, y: KL(softmax(x) || softmax(y)) >= KL(softmax(y) || softmax(x)).",
        at_least(
            lambda x, y: kl(x, y),
            lambda x, y: kl(y, x),
            over=XY,
            what="KL(p||q) >= KL(q||p)",
        ),
        mutation="direction",
    ),
    pair(
        "pinsker",
        CT06("Lemma 11.6.1", "D(P‖Q) ≥ (1/2) ‖P − Q‖₁² (in nats)"),
        "For every n and x, y in R^n: KL(softmax(x) || softmax(y)) >= ||softmax(x) - softmax(y)||_1^2 / 2.",
        at_least(
            lambda x, y: kl(x, y),
            lambda x, y: op.sum(op.abs(op.softmax(x) - op.softmax(y))) ** 2 / 2,
            over=XY,
            what="Pinsker",
        ),
        "For every n and x, y: KL(softmax(x) || softmax(y)) >= ||softmax(x) - softmax(y)||_1^2 (constant 1).",
        at_least(
            lambda x, y: kl(x, y),
            lambda x, y: op.sum(op.abs(op.softmax(x) - op.softmax(y))) ** 2,
            over=XY,
            what="Pinsker with constant 1",
        ),
        mutation="constant",
    ),
    pair(
        "fisher-categorical",
        MAR20("§9.2", "the Fisher of the categorical in its logits is diag(p) − ppᵀ = E[(e_y − p)(e_y − p)ᵀ]"),
        "For every n and p in the simplex: E_(y~p)[(e_y - p)(e_y - p)^T] = diag(p) - p p^T.",
        identity(score_outer_mean, fisher, over=ROWS, what="E[score score^T] = diag p - p p^T"),
        "For every n and p: E_(y~p)[(e_y - p)(e_y - p)^T] = diag(p) - 2 p p^T.",
        identity(score_outer_mean, lambda p: op.diag(p) - 2 * op.outer(p, p), over=ROWS, what="= diag p - 2 p p^T"),
        mutation="factor",
    ),
    pair(
        "fisher-quadratic-form",
        MAR20("§9.2", "vᵀ F v = Var_(y~p)(v_y)"),
        "For every n, p in the simplex and v in R^n: v^T F(p) v = sum p v^2 - (sum p v)^2.",
        identity(
            lambda p, v: op.dot(v, fisher(p) @ v),
            lambda p, v: op.dot(p, v * v) - op.dot(p, v) ** 2,
            over=PV,
            what="quadratic form = variance",
        ),
        "For every n, p and v: v^T F(p) v = sum p v^2 (the second moment).",
        identity(lambda p, v: op.dot(v, fisher(p) @ v), lambda p, v: op.dot(p, v * v), over=PV, what="= E[v^2]"),
        mutation="dropped-term",
    ),
    pair(
        "bohning-bound",
        BOH92("§2", "the Hessian of the multinomial log-likelihood is bounded by ½(I − 𝟏𝟏ᵀ/n) in the Loewner order"),
        "For every n and p in the simplex: diag(p) - p p^T <= (I - 1 1^T / n) / 2 (Loewner).",
        loewner(fisher, lambda p: 0.5 * centring(p), over=ROWS, what="F <= (I - J/n)/2"),
        "For every n and p: diag(p) - p p^T <= (I - 1 1^T / n) / 4 (Loewner).",
        loewner(fisher, lambda p: 0.25 * centring(p), over=ROWS, what="F <= (I - J/n)/4"),
        mutation="constant",
    ),
    pair(
        "eigmax-half",
        BOH92("§2", "λ_max(diag p − ppᵀ) ≤ 1/2"),
        "For every n and p in the simplex: lambda_max(diag(p) - p p^T) <= 1/2.",
        eigenvalue_bounds(fisher, upper=lambda p: 0.5, over=ROWS, what="lambda_max <= 1/2"),
        "For every n and p: lambda_max(diag(p) - p p^T) <= 1/4.",
        eigenvalue_bounds(fisher, upper=lambda p: 0.25, over=ROWS, what="lambda_max <= 1/4"),
        mutation="constant",
    ),
    pair(
        "eigmax-interlacing",
        GOL73("§5", "the eigenvalues of D − ppᵀ interlace the entries of D; here λ_max(diag p − ppᵀ) ≤ max p"),
        "For every n and p in the simplex: lambda_max(diag(p) - p p^T) <= max(p).",
        eigenvalue_bounds(fisher, upper=lambda p: op.max(p), over=ROWS, what="lambda_max <= max p"),
        "For every n and p: lambda_max(diag(p) - p p^T) <= max(p) / 2.",
        eigenvalue_bounds(fisher, upper=lambda p: op.max(p) / 2, over=ROWS, what="lambda_max <= max p / 2"),
        mutation="factor",
    ),
    pair(
        "multinomial-rank",
        JKB97("Ch. 35", "the covariance matrix of Mult(1; p) with every pᵢ > 0 has rank n − 1"),
        "For every n and p in the simplex with every p_i > 0: rank(diag(p) - p p^T) = n - 1.",
        rank(fisher, lambda p: len(p) - 1, over=POSITIVE_ROWS, what="rank n - 1 on the open simplex"),
        "For every n and p in the simplex (zeros allowed): rank(diag(p) - p p^T) = n - 1.",
        rank(fisher, lambda p: len(p) - 1, over=ROWS, what="rank n - 1 on the closed simplex"),
        mutation="hypothesis-dropped",
    ),
    pair(
        "entropy-temperature",
        GUO17("§4.2", "T “softens” the softmax (i.e. raises the output entropy) with T > 1"),
        "For every n and z: T -> H(softmax(z / T)) is non-decreasing on T > 0.",
        monotone(lambda z, T: op.entropy(op.softmax(z, T)), in_="T", direction="increasing", over=ZT, what="H(T)"),
        "For every n and z: T -> H(softmax(z / T)) is non-increasing.",
        monotone(lambda z, T: op.entropy(op.softmax(z, T)), in_="T", direction="decreasing", over=ZT, what="H(T)"),
        mutation="direction",
    ),
    pair(
        "infinite-temperature",
        GUO17("§4.2", "as T → ∞, the probability q̂ᵢ approaches 1/K"),
        "For every n and z: lim_(T -> oo) softmax(z / T) = (1/n, ..., 1/n).",
        limit(lambda z, T: op.softmax(z, T), lambda z: 0 * z + 1 / len(z), param="T", at="oo", over=ZT, what="uniform"),
        "For every n and z: lim_(T -> oo) softmax(z / T) = softmax(z) / 2 + 1/(2n).",
        limit(
            lambda z, T: op.softmax(z, T),
            lambda z: op.softmax(z) / 2 + 1 / (2 * len(z)),
            param="T",
            at="oo",
            over=ZT,
            what="T -> oo: halfway to uniform",
        ),
        mutation="limit",
    ),
    pair(
        "kl-fisher-expansion",
        AN00("§2.2 (and [Mar20] §9.1)", "D(p_θ ‖ p_(θ+dθ)) = ½ dθᵀ G(θ) dθ + O(‖dθ‖³)"),
        "For every n <= 2, z and v: lim_(t -> 0) KL(softmax(z) || softmax(z + t v)) / t^2 = v^T F(softmax(z)) v / 2.",
        limit(
            lambda z, v, t: kl(z, z + t * v) / t**2,
            lambda z, v: op.dot(v, fisher(op.softmax(z)) @ v) / 2,
            param="t",
            at=0,
            over=ZV,
            what="KL / t^2 -> v^T F v / 2",
        ),
        "For every n <= 2, z and v: lim_(t -> 0) KL(softmax(z) || softmax(z + t v)) / t^2 = v^T F(softmax(z)) v.",
        limit(
            lambda z, v, t: kl(z, z + t * v) / t**2,
            lambda z, v: op.dot(v, fisher(op.softmax(z)) @ v),
            param="t",
            at=0,
            over=ZV,
            what="KL / t^2 -> v^T F v",
        ),
        mutation="factor",
    ),
]

STATEMENTS += [
    pair(
        "lse-hessian",
        BV04("§3.1.5", "∇²f(z) = diag(σ) − σσᵀ for f = log Σ exp z_i"),
        "For every n and z: the Hessian of log-sum-exp is diag(sigma) - sigma sigma^T.",
        hessian(op.logsumexp, lambda z: fisher(op.softmax(z)), wrt="z", over=Z, what="Hessian of lse"),
        "For every n and z: the Hessian of log-sum-exp is diag(sigma).",
        hessian(op.logsumexp, lambda z: op.diag(op.softmax(z)), wrt="z", over=Z, what="Hessian of lse, diagonal"),
        mutation="dropped-term",
    ),
    pair(
        "cross-entropy-gradient",
        BIS06("§4.3.4, eq. (4.109)", "∇_(a_j) E = y_j − t_j (softmax outputs y, one-hot targets t)"),
        "For every n, z and label y: d(-log softmax(z)_y) / dz = softmax(z) - e_y.",
        derivative(cross_entropy, lambda z, y: op.softmax(z) - op.onehot(y, z), wrt="z", over=LABELLED, what="CE"),
        "For every n, z and label y: d(-log softmax(z)_y) / dz = e_y - softmax(z).",
        derivative(cross_entropy, lambda z, y: op.onehot(y, z) - op.softmax(z), wrt="z", over=LABELLED, what="CE-"),
        mutation="sign",
    ),
    pair(
        "dot-product-variance",
        VAS17("§3.2.1, footnote 4", "q · k = Σ q_i k_i has mean 0 and variance d_k (components mean 0, variance 1)"),
        "For every d and q in R^d, k with iid N(0, 1) components: E[(q . k)^2] = |q|^2 (the footnote given q).",
        expectation(
            lambda q, k: op.dot(q, k) ** 2,
            lambda q: op.dot(q, q),
            over=space(q=vectors()),
            noise={"k": gaussian()},
            what="E (q . k)^2",
        ),
        "For every d and q, k ~ N(0, I): E[(q . k)^2] = |q|^2 / d.",
        expectation(
            lambda q, k: op.dot(q, k) ** 2,
            lambda q: op.dot(q, q) / len(q),
            over=space(q=vectors()),
            noise={"k": gaussian()},
            what="E (q . k)^2 scaled",
        ),
        mutation="factor",
    ),
    pair(
        "gumbel-max",
        MTM14("§2", "argmax_i (φ_i + G_i) ~ exp(φ_i) / Σ exp(φ_j) for iid Gumbel(0) G_i"),
        "For every n, z and y: P(argmax(z + G) = y) = softmax(z)_y for G with iid Gumbel(0, 1) components.",
        expectation(
            argmax_is,
            lambda z, y: op.pick(op.softmax(z), y),
            over=LABELLED,
            noise={"g": gumbel()},
            what="Gumbel-max",
            bounds=(0, 1),
        ),
        "For every n, z and y: P(argmax(z + G) = y) = softmax(z)_y for G with iid N(0, 1) components.",
        expectation(
            argmax_is,
            lambda z, y: op.pick(op.softmax(z), y),
            over=LABELLED,
            noise={"g": gaussian()},
            what="Gaussian-max",
            bounds=(0, 1),
        ),
        mutation="noise",
    ),
    pair(
        "gradient-descent-rate",
        NES04("§1.2.3", "min_(0≤k≤N) ‖f′(x_k)‖² ≤ 2L (f(x_0) − f*) / (N + 1) for step 1/L"),
        "For every L-smooth f bounded below (the smooth family) and x: two steps of size 1/L give "
        "min_t |grad f(x_t)|^2 <= 2 L (f(x_0) - f(x_2)) / 2.",
        at_most(
            lambda **v: gradient_descent_rate(2)(**v)[0],
            lambda **v: gradient_descent_rate(2)(**v)[1],
            over=FUNCTIONS,
            what="GD rate",
        ),
        "The same with L / 2 in place of 2 L.",
        at_most(
            lambda **v: gradient_descent_rate(0.5)(**v)[0],
            lambda **v: gradient_descent_rate(0.5)(**v)[1],
            over=FUNCTIONS,
            what="GD rate, L/2",
        ),
        mutation="constant",
    ),
    pair(
        "kl-unbounded",
        CT06("§2.3 (D(p‖q) = ∞ where q_i = 0 < p_i)", "relative entropy is not bounded on the simplex"),
        "sup over distributions p, q (n = 2) of KL(p || q) is +oo (p = (1/2, 1/2), q = (1/(t+1), t/(t+1)), t -> oo).",
        unbounded(
            lambda p, q: op.sum(op.xlogx(p)) - op.sum(p * op.log(q)),
            over=PQ,
            family=lambda t: {"p": op.stack([0 * t + 0.5, 0 * t + 0.5]), "q": op.stack([1 / (t + 1), t / (t + 1)])},
            what="KL unbounded",
        ),
        "sup over distributions p, q (n = 2) of the total variation sum |p_i - q_i| / 2 is +oo.",
        unbounded(
            lambda p, q: op.sum(op.abs(p - q)) / 2,
            over=PQ,
            family=lambda t: {"p": op.stack([0 * t + 0.5, 0 * t + 0.5]), "q": op.stack([1 / (t + 1), t / (t + 1)])},
            what="TV unbounded",
            impossibility=lemma(
                "TV(p, q) <= 1",
                at_most(
                    lambda p, q: op.sum(op.abs(p - q)) / 2,
                    lambda p, q: 0 * p[0] + 1,
                    over=PQ,
                    what="TV <= 1",
                    proof=total_variation_at_most_one,
                ),
            ),
        ),
        mutation="divergence",
    ),
    pair(
        "fisher-bound-attained",
        BOH92(
            "Lemma (the bound 1/2 of the multinomial Hessian)", "λ_max(diag p − ppᵀ) ≤ 1/2, attained at p = (1/2, 1/2)"
        ),
        "There are n and p with lambda_max(diag p - p p^T) = 1/2.",
        exists(
            lambda p: op.max(op.eigvalsh(fisher(p))) - 0.5,
            over=ROWS,
            what="lambda_max = 1/2",
            relation="=",
            witness={"p": ["1/2", "1/2"]},
        ),
        "There are n and p with lambda_max(diag p - p p^T) > 1/2.",
        exists(
            lambda p: op.max(op.eigvalsh(fisher(p))) - 0.5,
            over=ROWS,
            what="lambda_max > 1/2",
            impossibility=BOHNING_BOUND,
        ),
        mutation="strict",
    ),
]

CLAIMS = tuple(c for pair_ in STATEMENTS for c in pair_)
TRUTH = {c.id: not c.notes for c in CLAIMS}
"""The key: True for the published statements, False for their variants."""
