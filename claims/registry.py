"""All registered claims, one module per paper, in a fixed order; selection by pattern."""

from __future__ import annotations

from fnmatch import fnmatchcase

from claims import attn_natgrad, fim_attn, fim_metrics, holistic, tt_fim
from claims.model import Claim

PAPER_MODULES = (fim_attn, tt_fim, attn_natgrad, fim_metrics, holistic)
"""Each module exposes PAPER, SEED_FILE and CLAIMS; adding a paper means adding its module here."""


def all_claims() -> tuple[Claim, ...]:
    """Every claim, in paper order then declaration order; ids are checked to be unique."""
    claims = tuple(claim for module in PAPER_MODULES for claim in module.CLAIMS)
    ids = [claim.id for claim in claims]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate claim ids in the registry: {duplicates}")
    return claims


def matches(claim_id: str, pattern: str) -> bool:
    """A glob pattern (``fim-attn.thm1*``) or, without glob characters, an id prefix (``fim-attn.thm1``).

    Several patterns may be given separated by commas; a claim matching any of them is selected.
    """
    for part in (p.strip() for p in pattern.split(",")):
        if not part:
            continue
        if any(ch in part for ch in "*?["):
            if fnmatchcase(claim_id, part):
                return True
        elif claim_id.startswith(part):
            return True
    return False


def select(pattern: str | None) -> tuple[Claim, ...]:
    """The claims matching ``pattern`` (all when None)."""
    claims = all_claims()
    return claims if pattern is None else tuple(c for c in claims if matches(c.id, pattern))
