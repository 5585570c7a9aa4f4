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

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

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


K = TypeVar("K", bound=Hashable)


def sides(speaks_for: Mapping[K, K]) -> tuple[dict[K, K], list[K]]:
    """The side of each entity that speaks for another: the body at the root of its
    ``speaks_for`` chain (an entity absent from the mapping is its own side). Also the
    entities on a loop of ``speaks_for``, which stay their own side (the validator reports
    them). Keys may be ids or their hashes: the one rule for the validator and for readers."""
    side: dict[K, K] = {}
    looping: list[K] = []
    for entity in speaks_for:
        seen, at = [], entity
        while at in speaks_for and at not in seen:
            seen.append(at)
            at = speaks_for[at]
        if at in seen:  # back on the chain: a loop
            looping.append(entity)
            at = entity
        side[entity] = at
    return side, looping


class Sides:
    """Who speaks in a passage and on whose side, from records (models or dicts).

    The speaker of a passage is its ``speaker_id``, or where the outlet narrates, the
    narrator of its source (``Source.narrator_id``; a source naming none is a voice of its
    own). :meth:`independent` is :func:`independent` with the sides filled in.
    """

    def __init__(self, entities: Iterable, sources: Iterable):
        def get(record, key):  # (records of an older schema may lack a field: None)
            return record.get(key) if isinstance(record, Mapping) else getattr(record, key, None)

        bodies = {get(e, "id"): get(e, "speaks_for") for e in entities}
        self._side, _ = sides({e: b for e, b in bodies.items() if b is not None})
        self._narrator = {get(s, "id"): get(s, "narrator_id") or get(s, "id") for s in sources}

    def of(self, entity: str) -> str:
        return self._side.get(entity, entity)

    def speaker(self, speaker_id: str | None, source_id: str) -> str:
        return speaker_id if speaker_id is not None else self._narrator.get(source_id, source_id)

    def independent(self, evidence_source: str, speaker_id: str | None, claim_source: str, claimant_id: str) -> bool:
        return independent(evidence_source, claim_source, self.of(self.speaker(speaker_id, evidence_source)), self.of(claimant_id))


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
