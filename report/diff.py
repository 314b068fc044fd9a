"""``fim-audit diff OLD NEW``: what changed between two results files, claim by claim (verdict changes, new
and removed claims).  This is the view CI shows when the verdict lock check fails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class VerdictDiff:
    changed: tuple[tuple[str, str, str], ...]
    added: tuple[tuple[str, str], ...]
    removed: tuple[tuple[str, str], ...]

    @property
    def empty(self) -> bool:
        return not (self.changed or self.added or self.removed)


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> VerdictDiff:
    before = {claim["id"]: claim["verdict"] for claim in old["claims"]}
    after = {claim["id"]: claim["verdict"] for claim in new["claims"]}
    return VerdictDiff(
        changed=tuple((i, before[i], after[i]) for i in after if i in before and before[i] != after[i]),
        added=tuple((i, after[i]) for i in after if i not in before),
        removed=tuple((i, before[i]) for i in before if i not in after),
    )


def render(diff: VerdictDiff, old_label: str, new_label: str) -> str:
    if diff.empty:
        return f"no verdict changes between {old_label} and {new_label}\n"
    lines = [f"verdict changes from {old_label} to {new_label}:"]
    lines += [f"  changed  {claim_id:<34} {before} -> {after}" for claim_id, before, after in diff.changed]
    lines += [f"  added    {claim_id:<34} {verdict}" for claim_id, verdict in diff.added]
    lines += [f"  removed  {claim_id:<34} (was {verdict})" for claim_id, verdict in diff.removed]
    return "\n".join(lines) + "\n"
