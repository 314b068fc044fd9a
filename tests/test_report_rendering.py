"""The pieces a referee reads: statements as MathML (report/statement.py), values as mathematics
(report/values.py), the decisive-evidence line (report/evidence.py) and the generated README table
(report/readme.py)."""

from __future__ import annotations

import re

import pytest

from fim_audit.claims.model import Claim, Formalization, Source
from fim_audit.claims.registry import all_claims
from fim_audit.report import evidence, markers, readme, statement, values
from tests.test_reports import _claim, _document


def test_inline_and_display_maths_become_mathml():
    page = statement.to_html(r"For $\sigma_i(z)$: $$\frac{\partial \sigma_i}{\partial z_j} = 0$$ and **bold** `x`")
    assert page.count("<math") == 2 and 'display="block"' in page and 'display="inline"' in page
    assert "<mfrac>" in page and "<b>bold</b>" in page and "<code>x</code>" in page
    assert "$" not in page and "\\frac" not in page


@pytest.mark.parametrize(
    "source, why",
    [
        (r"broken $\frac{a}{$ maths", "NoAvailableTokensError"),
        (r"unknown $\foo x$ command", "unknown command"),
        (r"costs $5 to see", "unmatched $"),
        (r"$\begin{aligned} x$", "MissingEndError"),
    ],
)
def test_unrenderable_maths_falls_back_to_marked_source(source, why):
    """Never a broken page, never a silent mis-rendering: the source, escaped, in a marked span."""
    page = statement.to_html(source)
    fallback = re.search(r'<span class="tex-fallback" title="([^"]*)">([^<]*)</span>', page)
    assert fallback is not None, page
    assert why in fallback.group(1)
    assert "<math" not in page or why == "unknown command" and "\\foo" not in page.split("<span")[0]


def test_statement_text_is_escaped():
    page = statement.to_html("a < b & <script>alert(1)</script> and $x < y$")
    assert "<script>" not in page and "&lt;script&gt;" in page and "<math" in page


def test_escaped_underscore_in_text_keeps_no_backslash():
    page = statement.to_html(r"$\text{FIM\_block} \approx A$")
    assert "FIM_block" in page and "\\_" not in page


def test_every_seed_statement_renders_without_fallback():
    """The worst statements of the seeds (aligned environments, cases, \\text with escapes, code fences)."""
    texts = [c.source.statement for c in all_claims()] + [f.statement for c in all_claims() for f in c.formalizations]
    rendered = [statement.to_html(text) for text in texts]
    assert not [text for text, page in zip(texts, rendered, strict=True) if statement.FALLBACK_CLASS in page]
    assert sum(page.count("<math") for page in rendered) >= 60


@pytest.mark.parametrize(
    "value, expected",
    [
        ("1/3", "<mfrac><mn>1</mn><mn>3</mn></mfrac>"),
        ([["1/2", "0"], ["0", "1"]], "<mtable>"),
        (["1", "2"], "<mo>(</mo>"),
        (1.4610991909073547e-07, "<msup><mn>10</mn><mn>-7</mn></msup>"),
        (0.25, "<mn>0.25</mn>"),
        ("inf", "&#x221E;"),
        ("E/(1 + E)**2", "<msup>"),
        ("2 layers x 2 heads, width 32", "<mtext>2 layers x 2 heads, width 32</mtext>"),
    ],
)
def test_values_render_as_mathematics(value, expected):
    assert expected in values.to_mathml(value)


@pytest.mark.parametrize(
    "hostile", ["__import__('os').system('false')", "().__class__", "x.conjugate()", "lambda: 1", "<b>x</b>"]
)
def test_values_never_evaluate_code_from_a_results_file(hostile):
    shown = values.to_mathml(hostile)
    assert shown.startswith('<math display="inline"><mtext>') and "<b>" not in shown


def _reading(key, verdict, checks, primary=False):
    return {"key": key, "statement": key, "verdict": verdict, "reason": "", "checks": checks, "primary": primary}


def _check(name, kind, outcome, detail, *, scope=None, certified=None, cases=1):
    counterexample = None
    if certified is not None:
        counterexample = {"inputs": {}, "observed": {}, "certified": certified, "certificate": "c"}
    return {"name": name, "kind": kind, "outcome": outcome, "detail": detail, "scope": scope, "cases": cases,
            "counterexample": counterexample}  # fmt: skip


def test_evidence_of_a_refutation_is_the_exact_certified_counterexample():
    checks = [
        _check("n", "numeric", "fail", "float margin 1e13", certified=True),
        _check("s", "symbolic", "fail", "fails at n = 2 (exact)", certified=True),
        _check("w", "numeric", "fail", "no witness", certified=False),
    ]
    claim = {"verdict": "REFUTED", "reason": "r", "formalizations": [_reading("only", "REFUTED", checks)]}
    assert evidence.evidence_line(claim) == "fails at n = 2 (exact)"


def test_evidence_of_a_proof_is_the_widest_derivation_with_the_numeric_tally():
    checks = [
        _check("sweep", "symbolic", "pass", "exact for every n <= 6", scope="n <= 6"),
        _check("general", "symbolic", "pass", "symbolic n: residual 0"),
        _check("torch", "numeric", "pass", "ok", cases=40),
    ]
    claim = {"verdict": "PROVED", "reason": "r", "formalizations": [_reading("only", "PROVED", checks)]}
    assert evidence.evidence_line(claim) == "symbolic n: residual 0; 1 numeric check agrees"


def test_evidence_of_an_ill_posed_claim_shows_a_holding_and_a_failing_reading():
    claim = {
        "verdict": "ILL_POSED",
        "reason": "r",
        "formalizations": [
            _reading("a", "PROVED", [_check("p", "symbolic", "pass", "true here")]),
            _reading("b", "REFUTED", [_check("q", "symbolic", "fail", "false there", certified=True)]),
        ],
    }
    assert evidence.evidence_line(claim) == "a (PROVED): true here; b (REFUTED): false there"


def test_a_claim_names_its_decisive_checks():
    checks = [_check("first", "numeric", "pass", "one"), _check("second", "experiment", "pass", "two")]
    claim = {"verdict": "SUPPORTED", "reason": "r", "decisive": ["second"],
             "formalizations": [_reading("only", "SUPPORTED", checks)]}  # fmt: skip
    assert evidence.evidence_line(claim) == "two"


def test_a_claim_cannot_name_a_check_it_does_not_have():
    template = all_claims()[0]
    with pytest.raises(ValueError, match="decisive checks it does not have"):
        Claim(
            "x.y",
            Source("p", "f", "w", "s"),
            (Formalization("r", "s", template.formalizations[0].checks),),
            decisive=("no such check",),
        )


def test_readme_table_is_replaced_between_the_markers_only():
    document = _document(_claim("a.b", "PROVED", "pass"))
    text = f"intro\n{readme.START}\nold table\n{readme.END}\noutro\n"
    updated = readme.with_table(text, document)
    assert updated.startswith("intro\n") and updated.endswith(f"{readme.END}\noutro\n")
    assert "old table" not in updated and "| `a.b` |" in readme.current_table(updated)
    with pytest.raises(markers.MarkerError):
        readme.with_table("no markers", document)


def test_every_seed_figure_caption_says_what_to_look_for():
    captions = [figure.caption for claim in all_claims() for figure in claim.figures]
    assert len(captions) >= 10 and all("Look for:" in caption for caption in captions)


def test_a_figure_with_an_unlabelled_axis_is_refused(tmp_path, monkeypatch, audit_context):
    import matplotlib.pyplot as plt

    from fim_audit.claims.model import Figure
    from fim_audit.report import figures

    def unlabelled(ctx):
        figure, axes = plt.subplots()
        axes.plot([0, 1], [0, 1])
        axes.set_xlabel("x")
        return figure

    monkeypatch.setattr(figures, "renderer", lambda figure: unlabelled)
    template = all_claims()[0]
    claim = Claim(
        "x.y",
        template.source,
        template.formalizations,
        figures=(Figure("bare", "caption", "fim_audit.report.figures:log_axes"),),
    )
    with pytest.raises(ValueError, match="axes without an x or y label"):
        figures.render_figures(claim, audit_context, tmp_path)


def test_stored_mathml_is_rebuilt_from_a_whitelist():
    """A results file given to `fim-audit report` may not be ours: its MathML is parsed and rebuilt, and
    anything outside presentation MathML rejects it whole (the fuzz suite found raw insertion)."""
    from fim_audit.report.markup import safe_mathml

    good = '<math display="block"><mrow><mi>x</mi><mo>&#x2202;</mo><mn>2</mn></mrow></math>'
    assert safe_mathml(good) == '<math display="block"><mrow><mi>x</mi><mo>∂</mo><mn>2</mn></mrow></math>'
    for bad in (
        "<math><mi>x</mi></math><script>alert(1)</script>",
        '<math><mi onclick="alert(1)">x</mi></math>',
        "<math><mi>x</mi>",
        "<math><!-- c --></math>",
        "<p>x</p>",
        "plain text",
        None,
    ):
        assert safe_mathml(bad) is None, bad
    assert safe_mathml("<math><mtext>a &lt;script&gt;</mtext></math>") == "<math><mtext>a &lt;script&gt;</mtext></math>"
