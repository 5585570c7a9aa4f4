"""The curated data itself: valid, and meeting the project's coverage targets.

The rules live in the validator (``factset validate``, run here on data/curated) and in
the release rules (``factset build``, run on it by the ``fresh_release`` fixture); the
targets checked here are goals of the project rather than rules of a record.
"""

import json
from collections import Counter

import pytest

from factset.curation.validate import validate

from .conftest import CURATED, REPO


def _records():
    out = []
    for path in sorted(CURATED.glob("*.jsonl")):
        out.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return out


RECORDS = _records()
BY_TYPE = {t: [r for r in RECORDS if r["type"] == t] for t in ("source", "entity", "claim", "evidence")}
SEEDS = {s["id"]: (REPO / "seeds" / s["seed_file"]).read_bytes().decode("utf-8") for s in BY_TYPE["source"]}
CLAIMS = {c["id"]: c for c in BY_TYPE["claim"]}


def test_curated_data_is_valid():
    result = validate([CURATED])
    assert result.ok, result.sorted_errors()[:5]


@pytest.mark.parametrize("evidence", BY_TYPE["evidence"], ids=lambda e: e["id"])
def test_quote_is_at_its_offsets(evidence):
    text = SEEDS[evidence["source_id"]]
    assert 0 <= evidence["start"] < evidence["end"] <= len(text)
    assert text[evidence["start"]:evidence["end"]] == evidence["quote"]


def test_coverage_targets():
    per_source = Counter(c["source_id"] for c in BY_TYPE["claim"])
    assert len(BY_TYPE["claim"]) >= 100
    # Every source with claims is covered; one without any is an article just added ('factset
    # add-source'), a draft whose claims are still to be written.
    assert set(per_source) <= set(SEEDS) and min(per_source.values()) >= 12
    awaiting = [s for s in BY_TYPE["source"] if s["id"] not in per_source]
    assert all(s["curation"]["review_status"] == "draft" for s in awaiting), [s["id"] for s in awaiting]
    with_evidence = {e["claim_id"] for e in BY_TYPE["evidence"]}
    assert set(CLAIMS) <= with_evidence
    cross = [e for e in BY_TYPE["evidence"] if e["source_id"] != CLAIMS[e["claim_id"]]["source_id"]]
    assert len(cross) >= 25


def test_the_troop_estimates_share_a_topic_and_differ():
    counts = [q for c in BY_TYPE["claim"] if c.get("topic") == "nk-troops-in-russia-count" for q in c.get("quantities", [])]
    assert {3000, 10000, 11000, 12000} <= {q.get("value") for q in counts}
    across_sources = [
        (c["id"], r["target"]) for c in BY_TYPE["claim"] for r in c.get("relations", [])
        if r["kind"] == "updates" and CLAIMS[r["target"]]["source_id"] != c["source_id"]
    ]
    assert across_sources, "later estimates must point at the earlier ones they update, across sources"


def test_the_degraded_translation_is_flagged():
    src = next(s for s in BY_TYPE["source"] if s["id"] == "src-004")
    assert src["text_quality"] == "degraded_machine_translation"
    flagged = [e for e in BY_TYPE["evidence"] if e["source_id"] == "src-004"
               and any(f["kind"] in ("garbled_translation", "mistranslation") for f in e.get("flags", []))]
    assert len(flagged) >= 10
