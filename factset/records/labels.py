"""What the labels mean: the veracity verdicts, the evidence stances, and how a verdict
follows from the stances of the evidence that decides it.

The orders of ``LABELS`` and ``STANCES`` are part of the published interface (codes,
ClassLabel orders); new values are appended, never inserted.
"""

from __future__ import annotations

from collections.abc import Iterable

VerdictLabel = str
LABELS = ("supported", "refuted", "conflicting_evidence", "not_enough_evidence")
STANCES = ("supports", "refutes", "neutral")


def expected_verdict(stances: Iterable[str]) -> VerdictLabel:
    """The verdict the stances of a claim's deciding evidence call for.

    Deciding evidence is the *related* evidence from sources other than the
    claim's own: the origin passage only shows that the claim was made, and
    another passage of the same article is not independent of it.
    """
    seen = set(stances)
    if "supports" in seen and "refutes" in seen:
        return "conflicting_evidence"
    if "supports" in seen:
        return "supported"
    if "refutes" in seen:
        return "refuted"
    return "not_enough_evidence"


# Stances a verdict's cited evidence must include: the ones that decide the label.
DECISIVE: dict[str, set[str]] = {
    "supported": {"supports"},
    "refuted": {"refutes"},
    "conflicting_evidence": {"supports", "refutes"},
    "not_enough_evidence": set(),
}
