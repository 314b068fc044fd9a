"""Bespoke checks of the seed papers: each module decides statements whose shape no public builder
(:mod:`claims.builders`) covers, and says why in its docstring."""
