"""fim-audit builders (the public API)."""
