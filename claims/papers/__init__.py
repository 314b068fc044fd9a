"""The five seed papers, one declaration module each (``PAPER``, ``SEED_FILE``, ``CLAIMS``).

This module is a paper collection (:mod:`claims.registry`): it is registered as the entry point ``seeds`` of the
group ``fim_audit.papers``, exactly as a paper outside the package would be, and its one verdict lock is
``claims/verdicts.lock.json``.
"""

from __future__ import annotations

from claims.lock import LOCK_PATH

PAPERS = (
    "claims.papers.fim_attn",
    "claims.papers.tt_fim",
    "claims.papers.attn_natgrad",
    "claims.papers.fim_metrics",
    "claims.papers.holistic",
)
LOCK = LOCK_PATH
