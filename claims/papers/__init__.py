"""The five seed papers, one declaration module each (``PAPER``, ``SEED_FILE``, ``CLAIMS``).

This module is a paper collection (:mod:`claims.registry`): it is registered as the entry point ``seeds`` of the
group ``fim_audit.papers``, exactly as a paper outside the package would be, and its one verdict lock is
``claims/verdicts.lock.json``.
"""

from __future__ import annotations

from fim_audit.claims.lock import LOCK_PATH

PAPERS = (
    "fim_audit.claims.papers.fim_attn",
    "fim_audit.claims.papers.tt_fim",
    "fim_audit.claims.papers.attn_natgrad",
    "fim_audit.claims.papers.fim_metrics",
    "fim_audit.claims.papers.holistic",
)
LOCK = LOCK_PATH
