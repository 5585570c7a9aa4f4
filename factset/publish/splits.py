"""The splits of the task views: ``train`` and ``test`` without leakage, and
leave-one-source-out folds for cross-validation. Deterministic: no random numbers and
nothing that depends on Python's hash seed or on the order records come in.

**Groups.** Claims that a model could learn from one another sit in one *group*, and a
group is never split: two claims are in one group when

- they are linked by ``same_as`` (the same statement from two sources), ``updates`` or
  ``conflicts_with`` (a pair of the ``time_relations`` task), or
- a *deciding* passage of one (an independent passage that supports or refutes it, see
  :mod:`factset.records.labels`) has the same words as a deciding passage of the other
  (whitespace aside, in any source: the same words decide both),

and groups are the connected components of those links. A group is named by its smallest
claim id.

**Train and test.** Groups are taken largest first (ties: by the sha256 of the group's
name) and each is put where the share in ``test`` of every verdict label (claims with no
verdict count as one more label) and of the pairs of ``time_relations`` stays closest to
:data:`TEST_SHARE` (the sum of the distances to it is smallest); a tie goes to ``train``. Counts and label distributions per split are on the dataset card.

**Leave-one-source-out folds.** For each source S: ``test`` holds the rows whose claims
come from S; ``train`` the rows whose group holds no claim of S. Rows of a group that
reaches S without coming from S belong to neither (so nothing in train shares a statement
or a deciding passage with the test claims). Each task row carries ``claim_sources`` and
``group_sources`` for this; :func:`fold` applies the rule.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SPLITS = ("train", "test")
TEST_SHARE = 0.3
GROUPING_RELATIONS = frozenset({"same_as", "updates", "conflicts_with"})
NO_VERDICT = "no_verdict"  # the stratum of a claim without a veracity verdict
PAIRS = "time_relations pairs"  # the stratum of the pairs of time_relations (never a verdict label)


@dataclass(frozen=True)
class Assignment:
    group: dict[str, str]  # claim id -> its group's name (the smallest claim id in it)
    split: dict[str, str]  # claim id -> "train" or "test"
    group_sources: dict[str, tuple[str, ...]]  # group name -> sorted source ids of its claims


class _Components:
    def __init__(self, items: Iterable[str]):
        self.parent = {item: item for item in items}

    def find(self, item: str) -> str:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)  # the root is the smallest id: order does not matter


def links(claims: Iterable, deciding: Mapping[str, Iterable]) -> list[tuple[str, str]]:
    """Pairs of claim ids that must share a split: relations of :data:`GROUPING_RELATIONS`,
    and deciding passages (``claim id -> passages``) with the same words."""
    ids = set()
    pairs = []
    for claim in claims:
        ids.add(claim.id)
        pairs.extend((claim.id, r.target) for r in claim.relations if r.kind in GROUPING_RELATIONS)
    by_words: dict[str, list[str]] = defaultdict(list)
    for claim_id in sorted(deciding):
        for ev in deciding[claim_id]:
            by_words[" ".join(ev.quote.split())].append(claim_id)
    for claim_ids in by_words.values():
        pairs.extend((claim_ids[0], other) for other in claim_ids[1:])
    return [(a, b) for a, b in pairs if a in ids and b in ids]


def _order_key(group: str, size: int) -> tuple[int, str]:
    return -size, hashlib.sha256(group.encode("utf-8")).hexdigest()


def assign(claims: list, deciding: Mapping[str, Iterable], strata: Mapping[str, str],
           pairs: Iterable[tuple[str, str]] = ()) -> Assignment:
    """Groups and splits of ``claims`` (see the module's docstring): ``strata`` is each claim's
    verdict label (or :data:`NO_VERDICT`), ``pairs`` the claim pairs of ``time_relations``."""
    components = _Components(sorted(c.id for c in claims))
    for a, b in links(claims, deciding):
        components.join(a, b)
    source_of = {c.id: c.source_id for c in claims}
    members: dict[str, list[str]] = defaultdict(list)
    for claim_id in sorted(source_of):
        members[components.find(claim_id)].append(claim_id)
    group = {claim_id: name for name, ids in members.items() for claim_id in ids}

    weights = {name: Counter(strata[c] for c in ids) for name, ids in members.items()}
    for first, _ in pairs:
        weights[group[first]][PAIRS] += 1
    totals = sum(weights.values(), Counter())
    target = {key: TEST_SHARE * n for key, n in totals.items()}

    def distance(test: Counter) -> float:
        return sum(abs(test[key] - target[key]) for key in totals)

    in_test: Counter = Counter()
    split = {}
    for name in sorted(members, key=lambda g: _order_key(g, len(members[g]))):
        to_test = distance(in_test + weights[name]) < distance(in_test)
        if to_test:
            in_test += weights[name]
        for claim_id in members[name]:
            split[claim_id] = "test" if to_test else "train"
    group_sources = {name: tuple(sorted({source_of[c] for c in ids})) for name, ids in members.items()}
    return Assignment(group, split, group_sources)


def fold(rows: Iterable[dict], source: str) -> dict[str, list[dict]]:
    """The leave-one-source-out fold of ``source``: ``{"train": [...], "test": [...]}`` of task
    rows (each with ``claim_sources`` and ``group_sources``)."""
    out: dict[str, list[dict]] = {"train": [], "test": []}
    for row in rows:
        if source in row["claim_sources"]:
            out["test"].append(row)
        elif source not in row["group_sources"]:
            out["train"].append(row)
    return out
