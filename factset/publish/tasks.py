"""The task views of a release: rows ready for a model, in ``train`` and ``test``
(:mod:`.splits`), written beside the records as ``tasks/<task>/<split>.jsonl`` and declared
as Hugging Face configs with ``ClassLabel`` labels.

- ``verification``: one row per claim with a veracity verdict: the claim, who made it and
  when, and its *independent* passages (another source, a speaker not on the claimant's
  side: the only ones that decide a verdict); the label is the verdict.
- ``stance``: one row per related passage of a claim (the origin passage, where the claim
  is made, is ``attests`` by definition and left out): the claim, the passage and its
  context in the source, as the blind second annotator sees them (not who speaks: naming
  the speaker is part of the judgement); the label is the stance.
- ``time_relations``: one row per pair of claims linked by ``same_as``, ``updates`` or
  ``conflicts_with``, the earlier claim first (for ``updates``: the claim updated first,
  the one updating it second), with their dates and structured quantities; the label is
  the relation. A pair holds one row even when the relation is recorded on both claims.

Retracted claims and passages are in no task. The order of each task's classes is frozen
(ClassLabel codes): new values are appended, never inserted.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from ..records.labels import LABELS, STANCES, Sides
from .passages import CONTEXT_CHARS, window
from .splits import NO_VERDICT, SPLITS, Assignment, assign

TIME_RELATIONS = ("same_as", "updates", "conflicts_with")  # frozen: the ClassLabel order of time_relations

_TEXT = {"dtype": "string"}
_DATE = {"dtype": "date32"}
_SPLIT_FIELDS = [
    {"name": "group", "dtype": "string"},
    {"name": "claim_sources", "list": "string"},
    {"name": "group_sources", "list": "string"},
]
_QUANTITY = [
    {"name": "text", "dtype": "string"}, {"name": "qualifier", "dtype": "string"},
    {"name": "value", "dtype": "float64"}, {"name": "low", "dtype": "float64"}, {"name": "high", "dtype": "float64"},
    {"name": "unit", "dtype": "string"}, {"name": "counted", "dtype": "string"},
    {"name": "as_of", "dtype": "date32"}, {"name": "as_of_precision", "dtype": "string"},
]


def _claim_fields(suffix: str = "") -> list[dict]:
    return [
        {"name": f"claim{suffix}_id", **_TEXT}, {"name": f"claim{suffix}", **_TEXT},
        {"name": f"claimant{suffix}", **_TEXT}, {"name": f"claimant{suffix}_id", **_TEXT},
        {"name": f"claim{suffix}_date", **_DATE}, {"name": f"claim{suffix}_date_precision", **_TEXT},
    ]


def class_label(classes: tuple[str, ...]) -> dict:
    return {"class_label": {"names": {str(i): name for i, name in enumerate(classes)}}}


@dataclass(frozen=True)
class Task:
    name: str
    label: str  # the field holding the label
    classes: tuple[str, ...]  # the ClassLabel order (frozen)
    row: str  # what one row is, for the card
    features: tuple[dict, ...]

    def __post_init__(self):
        assert self.features[-len(_SPLIT_FIELDS) - 1]["name"] == self.label


TASKS = {
    "verification": Task(
        "verification", "label", LABELS,
        "a claim with a veracity verdict, its independent passages and the verdict",
        (
            {"name": "id", **_TEXT}, *(_claim_fields()[1:]),
            {"name": "source_id", **_TEXT}, {"name": "checkworthiness", **_TEXT},
            {"name": "passages", "list": [
                {"name": "evidence_id", **_TEXT}, {"name": "source_id", **_TEXT},
                {"name": "speaker", **_TEXT}, {"name": "speaker_id", **_TEXT}, {"name": "text", **_TEXT},
            ]},
            {"name": "label", "dtype": class_label(LABELS)},
            *_SPLIT_FIELDS,
        ),
    ),
    "stance": Task(
        "stance", "stance", STANCES,
        "a claim and a related passage of a source, with the passage's context and its stance on the claim",
        (
            {"name": "id", **_TEXT}, *_claim_fields(),
            {"name": "passage", **_TEXT}, {"name": "passage_source_id", **_TEXT},
            {"name": "context", **_TEXT}, {"name": "passage_start", "dtype": "int64"},
            {"name": "stance", "dtype": class_label(STANCES)},
            *_SPLIT_FIELDS,
        ),
    ),
    "time_relations": Task(
        "time_relations", "label", TIME_RELATIONS,
        "two claims (the earlier first) with dates and quantities, and how the second relates to the first",
        (
            {"name": "id", **_TEXT},
            *_claim_fields("_a"), {"name": "quantities_a", "list": _QUANTITY},
            *_claim_fields("_b"), {"name": "quantities_b", "list": _QUANTITY},
            {"name": "label", "dtype": class_label(TIME_RELATIONS)},
            *_SPLIT_FIELDS,
        ),
    ),
}


@dataclass(frozen=True)
class Views:
    """Every task's rows by split, and the assignment they come from."""

    rows: dict[str, dict[str, list[dict]]]  # task -> split -> rows (sorted by id)
    assignment: Assignment

    def files(self) -> dict[str, str]:
        """``tasks/<task>/<split>.jsonl`` -> its text (one JSON object a line, fields in feature order)."""
        return {f"tasks/{task}/{split}.jsonl": "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
                for task, by_split in self.rows.items() for split, rows in by_split.items()}


def _live(records: list) -> list:
    return [r for r in records if r.curation.review_status != "retracted"]


def independent_passages(claims: list, evidence: list, sides: Sides) -> dict[str, list]:
    """Claim id -> its independent passages (related, another source, a speaker not on the
    claimant's side), sorted by id: what decides its verdict."""
    by_id = {c.id: c for c in claims}
    out: dict[str, list] = defaultdict(list)
    for ev in sorted(evidence, key=lambda e: e.id):
        claim = by_id.get(ev.claim_id)
        if claim is not None and ev.role == "related" and sides.independent(ev.source_id, ev.speaker_id, claim.source_id,
                                                                             claim.claimant_id):
            out[claim.id].append(ev)
    return out


def build_views(by_type: dict[str, list], texts: dict[str, str], context_chars: int = CONTEXT_CHARS) -> Views:
    """The task rows of a release's records (``texts``: source id -> seed text)."""
    claims = sorted(_live(by_type["claim"]), key=lambda c: c.id)
    evidence = _live(by_type["evidence"])
    names = {e.id: e.name for e in by_type["entity"]}
    sides = Sides(by_type["entity"], by_type["source"])
    independent = independent_passages(claims, evidence, sides)
    deciding = {cid: [ev for ev in passages if ev.stance in ("supports", "refutes")] for cid, passages in independent.items()}
    pairs = time_pairs(claims)
    assignment = assign(claims, deciding, {c.id: c.verdict.label if c.verdict else NO_VERDICT for c in claims}, pairs)
    by_id = {c.id: c for c in claims}

    def split_fields(*claim_ids: str) -> dict[str, Any]:
        group = assignment.group[claim_ids[0]]
        return {"group": group, "claim_sources": sorted({by_id[c].source_id for c in claim_ids}),
                "group_sources": list(assignment.group_sources[group])}

    def claim_fields(claim, suffix: str = "") -> dict[str, Any]:
        return {f"claim{suffix}_id": claim.id, f"claim{suffix}": claim.text, f"claimant{suffix}": names.get(claim.claimant_id),
                f"claimant{suffix}_id": claim.claimant_id, f"claim{suffix}_date": claim.claim_date.value.isoformat(),
                f"claim{suffix}_date_precision": claim.claim_date.precision}

    rows: dict[str, list[tuple[str, dict]]] = {task: [] for task in TASKS}  # (split, row)
    for claim in claims:
        if claim.verdict is None:
            continue
        passages = [{"evidence_id": ev.id, "source_id": ev.source_id, "speaker": names.get(ev.speaker_id) if ev.speaker_id else None,
                     "speaker_id": ev.speaker_id, "text": ev.quote} for ev in independent.get(claim.id, [])]
        fields = claim_fields(claim)
        del fields["claim_id"]
        rows["verification"].append((assignment.split[claim.id], {
            "id": claim.id, **fields, "source_id": claim.source_id, "checkworthiness": claim.checkworthiness,
            "passages": passages, "label": claim.verdict.label, **split_fields(claim.id)}))

    for ev in sorted(evidence, key=lambda e: e.id):
        claim = by_id.get(ev.claim_id)
        if claim is None or ev.role != "related":
            continue
        context, offset = window(texts[ev.source_id], ev.start, ev.end, context_chars)
        rows["stance"].append((assignment.split[claim.id], {
            "id": ev.id, **claim_fields(claim), "passage": ev.quote, "passage_source_id": ev.source_id,
            "context": context, "passage_start": offset, "stance": ev.stance, **split_fields(claim.id)}))

    for (first, second), kind in sorted(pairs.items()):
        a, b = by_id[first], by_id[second]
        rows["time_relations"].append((assignment.split[a.id], {
            "id": f"{a.id}+{b.id}", **claim_fields(a, "_a"), "quantities_a": _quantities(a),
            **claim_fields(b, "_b"), "quantities_b": _quantities(b), "label": kind, **split_fields(a.id, b.id)}))

    out = {task: {split: sorted((row for s, row in pairs if s == split), key=lambda r: r["id"]) for split in SPLITS}
           for task, pairs in rows.items()}
    return Views(out, assignment)


def time_pairs(claims: list) -> dict[tuple[str, str], str]:
    """(earlier claim id, later claim id) -> relation, for every pair linked by one of
    :data:`TIME_RELATIONS`. ``updates`` runs from the later claim to the earlier; a symmetric
    relation is ordered by date, then id. Where a pair carries two of them, the first in
    :data:`TIME_RELATIONS` order is kept."""
    by_id = {c.id: c for c in claims}
    kept: dict[frozenset, tuple[tuple[str, str], str]] = {}  # the pair, either way round -> (ordered pair, relation)
    for claim in claims:
        for relation in claim.relations:
            target = by_id.get(relation.target)
            if relation.kind not in TIME_RELATIONS or target is None or target.id == claim.id:
                continue
            if relation.kind == "updates":
                key = (target.id, claim.id)
            else:
                first, second = sorted((claim, target), key=lambda c: (c.claim_date.value, c.id))
                key = (first.id, second.id)
            known = kept.get(frozenset(key))
            if known is None or TIME_RELATIONS.index(relation.kind) < TIME_RELATIONS.index(known[1]):
                kept[frozenset(key)] = (key, relation.kind)
    return dict(kept.values())


def _quantities(claim) -> list[dict]:
    return [{"text": q.text, "qualifier": q.qualifier, "value": q.value, "low": q.low, "high": q.high, "unit": q.unit,
             "counted": q.counted, "as_of": q.as_of.value.isoformat() if q.as_of else None,
             "as_of_precision": q.as_of.precision if q.as_of else None} for q in claim.quantities]
