"""What the labels mean: check-worthiness, the evidence stances, attestation and the
veracity verdicts, and how a verdict follows from the evidence that decides it.

Two judgements are kept apart. **Attestation**: do other sources report the claimant
making the statement? A passage that does has the stance ``attests``; it shows the
statement was *said*. **Veracity**: does *independent* evidence corroborate or
contradict the content? Only a related passage of another source whose speaker is not
on the claimant's side decides (:func:`independent`); its stance ``supports`` or
``refutes`` the claim. Opinions, predictions, recommendations and rhetorical questions
are ``non_factual`` and carry no verdict.

The orders of ``LABELS``, ``STANCES`` and ``CHECKWORTHINESS`` are part of the published
interface (codes, ClassLabel orders); new values are appended, never inserted.
"""

from __future__ import annotations

from collections.abc import Iterable

VerdictLabel = str
LABELS = ("supported", "refuted", "conflicting_evidence", "not_enough_evidence")
STANCES = ("supports", "refutes", "neutral", "attests")
CHECKWORTHINESS = ("checkworthy_factual", "unimportant_factual", "non_factual")
ATTESTATION = ("attested", "not_attested")
# Kinds of claim that cannot be true or false: they must be non_factual.
NON_FACTUAL_KINDS = frozenset({"prediction", "opinion", "recommendation"})


def independent(evidence_source: str, claim_source: str, speaker_side: str, claimant_side: str) -> bool:
    """Whether a related passage may decide a verdict: it stands in another source *and*
    its speaker is on another side than the claimant (sides: see ``Entity.speaks_for``).
    The claimant's own words reported again attest that they were said; they do not
    corroborate them."""
    return evidence_source != claim_source and speaker_side != claimant_side


def expected_verdict(stances: Iterable[str]) -> VerdictLabel:
    """The verdict the stances of a claim's independent evidence call for."""
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

# Relations between claims (the order of ``Relation.kind``'s values).
RELATION_KINDS = ("same_as", "updates", "supersedes", "conflicts_with", "related_to")
# Recorded on both claims of a pair.
SYMMETRIC_RELATIONS = frozenset({"same_as", "conflicts_with"})
# Point from the later claim to the earlier one: the target is not dated after the claim.
TIME_ORDERED_RELATIONS = frozenset({"updates", "supersedes"})
