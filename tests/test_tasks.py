"""The task views and their splits: labels as ClassLabel, rows built by the label rules,
no leakage between train and test, deterministic whatever the order or the hash seed."""

import json
import os
import random
import subprocess
import sys
from collections import defaultdict

import pytest

from factset.publish.passages import seed_texts, window
from factset.publish.splits import _Components, assign, fold, links
from factset.publish.tasks import TASKS, TIME_RELATIONS, build_views, independent_passages, time_pairs
from factset.records.labels import LABELS, RELATION_KINDS, STANCES, Sides

from .conftest import REPO


def _rows(release, task):
    return {split: release.task(task, split) for split in ("train", "test")}


def _split_of_claims(release):
    split = {}
    for s in ("train", "test"):
        for row in release.task("verification", s) + release.task("stance", s):
            split[row["id"] if row["id"].startswith("clm-") else row["claim_id"]] = s
    return split


def test_class_label_orders_are_frozen():
    assert TASKS["verification"].classes == LABELS == ("supported", "refuted", "conflicting_evidence", "not_enough_evidence")
    assert TASKS["stance"].classes == STANCES == ("supports", "refutes", "neutral", "attests")
    assert TIME_RELATIONS == ("same_as", "updates", "conflicts_with") and set(TIME_RELATIONS) <= set(RELATION_KINDS)


@pytest.mark.parametrize("task", list(TASKS))
def test_load_dataset_reads_train_and_test_with_class_labels(fresh_release, task, tmp_path):
    datasets = pytest.importorskip("datasets")
    ds = datasets.load_dataset(str(fresh_release.path), task, cache_dir=str(tmp_path))
    assert sorted(ds) == ["test", "train"]
    label = TASKS[task].label
    for split in ("train", "test"):
        feature = ds[split].features[label]
        assert isinstance(feature, datasets.ClassLabel) and feature.names == list(TASKS[task].classes)
        rows = fresh_release.task(task, split)
        assert [feature.int2str(v) for v in ds[split][label]] == [r[label] for r in rows]
        assert ds[split]["id"] == [r["id"] for r in rows]


def test_no_same_statement_pair_crosses_splits(fresh_release):
    split = _split_of_claims(fresh_release)
    pairs = [(c.id, r.target) for c in fresh_release.claims for r in c.relations if r.kind == "same_as"]
    assert pairs, "the data links same statements with same_as"
    crossing = [(a, b) for a, b in pairs if a in split and b in split and split[a] != split[b]]
    assert crossing == []


def test_no_deciding_passage_is_in_both_splits(fresh_release):
    split = _split_of_claims(fresh_release)
    words = defaultdict(set)
    for s in ("train", "test"):
        for row in fresh_release.task("stance", s):
            if row["stance"] in ("supports", "refutes"):
                ev = fresh_release.passage(row["id"])
                claim = fresh_release.claim(ev.claim_id)
                sides = Sides(fresh_release.entities, fresh_release.sources)
                if sides.independent(ev.source_id, ev.speaker_id, claim.source_id, claim.claimant_id):
                    words[" ".join(ev.quote.split())].add(split[claim.id])
    assert words and all(len(splits) == 1 for splits in words.values())


def test_every_row_sits_in_the_split_of_its_claims_and_time_pairs_never_straddle(fresh_release):
    split = _split_of_claims(fresh_release)
    for s in ("train", "test"):
        for row in fresh_release.task("time_relations", s):
            assert split.get(row["claim_a_id"], s) == split.get(row["claim_b_id"], s) == s
        for row in fresh_release.task("stance", s):
            assert split[row["claim_id"]] == s


def test_verification_rows_hold_the_independent_passages_and_the_verdict(fresh_release):
    sides = Sides(fresh_release.entities, fresh_release.sources)
    rows = {r["id"]: r for s in ("train", "test") for r in fresh_release.task("verification", s)}
    assert set(rows) == {c.id for c in fresh_release.claims if c.verdict is not None and c.curation.review_status != "retracted"}
    for claim_id, row in rows.items():
        claim = fresh_release.claim(claim_id)
        assert row["label"] == claim.verdict.label and row["claim"] == claim.text
        expected = [ev.id for ev in fresh_release.evidence_of(claim) if ev.role == "related"
                    and ev.curation.review_status != "retracted"
                    and sides.independent(ev.source_id, ev.speaker_id, claim.source_id, claim.claimant_id)]
        assert [p["evidence_id"] for p in row["passages"]] == expected
        assert all(p["source_id"] != claim.source_id for p in row["passages"])


def test_stance_rows_are_the_related_passages_in_their_context(fresh_release):
    rows = [r for s in ("train", "test") for r in fresh_release.task("stance", s)]
    assert {r["id"] for r in rows} == {e.id for e in fresh_release.evidence if e.role == "related"
                                        and e.curation.review_status != "retracted"}
    for row in rows:
        ev = fresh_release.passage(row["id"])
        assert row["context"][row["passage_start"]:row["passage_start"] + len(row["passage"])] == row["passage"] == ev.quote
        assert row["stance"] == ev.stance
        assert "speaker" not in " ".join(row)  # the speaker is part of the judgement, not an input


def test_time_relation_rows_put_the_earlier_claim_first(fresh_release):
    rows = [r for s in ("train", "test") for r in fresh_release.task("time_relations", s)]
    relations = {(c.id, r.target, r.kind) for c in fresh_release.claims for r in c.relations}
    assert rows
    for row in rows:
        a, b = row["claim_a_id"], row["claim_b_id"]
        if row["label"] == "updates":
            assert (b, a, "updates") in relations  # the second updates the first
        else:
            assert (a, b, row["label"]) in relations or (b, a, row["label"]) in relations
            assert (row["claim_a_date"], a) <= (row["claim_b_date"], b)


def test_leave_one_source_out_folds_keep_groups_whole(fresh_release):
    for task in TASKS:
        folds = fresh_release.folds(task)
        assert sorted(folds) == sorted(s.id for s in fresh_release.sources)
        for source, parts in folds.items():
            assert all(source in r["claim_sources"] for r in parts["test"])
            assert all(source not in r["group_sources"] for r in parts["train"])
            train_groups = {r["group"] for r in parts["train"]}
            assert not train_groups & {r["group"] for r in parts["test"]}


class _Claim:
    def __init__(self, id, source_id, relations=()):
        self.id, self.source_id = id, source_id
        self.relations = [type("R", (), {"kind": k, "target": t})() for k, t in relations]


class _Passage:
    def __init__(self, source_id, quote):
        self.source_id, self.quote = source_id, quote


def test_groups_join_same_statements_and_shared_deciding_words_transitively():
    claims = [_Claim("clm-001-001", "src-001", [("same_as", "clm-002-001")]), _Claim("clm-002-001", "src-002"),
              _Claim("clm-003-001", "src-003"), _Claim("clm-003-002", "src-003"), _Claim("clm-004-001", "src-004"),
              _Claim("clm-004-002", "src-004", [("related_to", "clm-004-001")])]
    deciding = {"clm-002-001": [_Passage("src-005", "Some  10,000 troops")],
                "clm-003-002": [_Passage("src-005", "Some 10,000\ntroops")],  # the same words, whitespace aside
                "clm-004-001": [_Passage("src-005", "Other words")]}
    strata = {c.id: "supported" for c in claims}
    assignment = assign(claims, deciding, strata)
    group = assignment.group
    assert group["clm-001-001"] == group["clm-002-001"] == group["clm-003-002"] == "clm-001-001"
    assert len({group["clm-003-001"], group["clm-004-001"], group["clm-004-002"], group["clm-001-001"]}) == 4  # related_to does not join
    assert assignment.group_sources["clm-001-001"] == ("src-001", "src-002", "src-003")
    assert all(assignment.split[a] == assignment.split[b] for a, b in links(claims, deciding))


def test_splits_do_not_depend_on_record_order(fresh_release):
    by_type = {"source": list(fresh_release.sources), "entity": list(fresh_release.entities),
               "claim": list(fresh_release.claims), "evidence": list(fresh_release.evidence)}
    texts = seed_texts(by_type["source"])
    first = build_views(by_type, texts).files()
    rng = random.Random(7)
    for records in by_type.values():
        rng.shuffle(records)
    assert build_views(by_type, texts).files() == first
    on_disk = {f"tasks/{t}/{s}.jsonl": (fresh_release.path / "tasks" / t / f"{s}.jsonl").read_text(encoding="utf-8")
               for t in TASKS for s in ("train", "test")}
    assert on_disk == first


SCRIPT = """
import hashlib, json
from pathlib import Path
from factset.curation.loader import expand
from factset.publish.build import read_models
from factset.publish.passages import seed_texts
from factset.publish.tasks import build_views
records = read_models(expand([Path({curated!r})]))
by_type = {{t: [r for r in records if r.type == t] for t in ("source", "entity", "claim", "evidence")}}
files = build_views(by_type, seed_texts(by_type["source"])).files()
print(hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest())
"""


def test_splits_do_not_depend_on_the_hash_seed():
    digests = set()
    for seed in ("1", "2"):
        proc = subprocess.run([sys.executable, "-c", SCRIPT.format(curated=str(REPO / "data" / "curated"))],
                              capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed}, check=True)
        digests.add(proc.stdout.strip())
    assert len(digests) == 1


def test_context_window_cuts_at_whitespace_and_keeps_the_passage():
    text = "alpha beta gamma delta epsilon zeta"
    context, offset = window(text, text.index("gamma"), text.index("gamma") + 5, chars=8)
    assert context == "beta gamma delta" and context[offset:offset + 5] == "gamma"
    assert window(text, 0, 5, chars=0) == ("alpha", 0)


def test_components_are_named_by_their_smallest_id_whatever_the_join_order():
    for order in ([("b", "c"), ("a", "c")], [("a", "c"), ("b", "c")], [("c", "b"), ("c", "a")]):
        comp = _Components(["c", "b", "a"])
        for x, y in order:
            comp.join(x, y)
        assert {comp.find(x) for x in "abc"} == {"a"}


def test_independent_passages_follow_the_label_rule(fresh_release):
    sides = Sides(fresh_release.entities, fresh_release.sources)
    got = independent_passages(fresh_release.claims, fresh_release.evidence, sides)
    for claim in fresh_release.claims:
        for ev in got.get(claim.id, []):
            assert ev.role == "related" and ev.source_id != claim.source_id
            assert sides.of(sides.speaker(ev.speaker_id, ev.source_id)) != sides.of(claim.claimant_id)
    assert time_pairs(fresh_release.claims)
