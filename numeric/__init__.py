"""Numeric side of fim-audit: torch implementations of the objects the papers talk about (softmax, the
categorical Fisher, logit maps), tolerances, Hypothesis strategies, and the batched property checks."""
