"""Symbolic side of fim-audit: sympy derivations (general n where sympy can close them, exact fixed-n
sweeps otherwise) and exact counterexample certificates."""
