"""The search machinery of the numeric checks: Hypothesis strategies that draw adversarial inputs
(:mod:`numeric.search.strategies`), and the runners that search them for a failing case or a witness and shrink it
(:mod:`numeric.search.property`)."""
