"""How the soundness and shape tests decide a statement: as one claim declared from outside the package (one
reading, the builders' checks), run by the engine as the CLI would."""

from __future__ import annotations

import fim_audit.claims.builders as fa
from fim_audit.claims.engine import ClaimRecord, run_claim
from fim_audit.numeric.context import RunContext


def decide(checks, ctx: RunContext) -> ClaimRecord:
    claim = fa.claim("outside.s", fa.Source("outside", "-", "-", "s"), fa.reading("r", "s", checks))
    return run_claim(claim, ctx)
