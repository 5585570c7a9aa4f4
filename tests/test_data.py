"""The curated data itself: coverage, and every quote where its offsets say."""

import json
import re
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


def test_every_claimant_and_speaker_is_an_entity():
    entities = {e["id"] for e in BY_TYPE["entity"]}
    assert {c["claimant_id"] for c in BY_TYPE["claim"]} <= entities
    assert {e.get("speaker_id") for e in BY_TYPE["evidence"]} - {None} <= entities


# Numerals in claim texts that are names or dates, not quantities.
NOT_QUANTITIES = re.compile(
    r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}\b"
    r"|\b(January|February|March|April|May|June|July|August|September|October|November|December) \d{4}\b"
    r"|\bOct\. \d+\b|\bArticle \d+\b|\bT-72\b|\b38 North\b|\bsrc-\d+\b"
)


@pytest.mark.parametrize("claim", BY_TYPE["claim"], ids=lambda c: c["id"])
def test_every_number_a_claim_states_is_a_quantity(claim):
    numerals = re.findall(r"\d[\d,.]*", NOT_QUANTITIES.sub("", claim["text"]))
    if numerals:
        assert claim.get("quantities"), f"{claim['id']} states {numerals} but has no quantity"


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


@pytest.mark.parametrize("claim", BY_TYPE["claim"], ids=lambda c: c["id"])
def test_claim_text_reads_without_the_dataset(claim):
    """A claim is read outside factset: no internal ids in its text."""
    assert not re.search(r"\b(src|clm|evd|ent)-[0-9a-z]", claim["text"]), claim["text"]


def test_a_passage_carries_the_same_flags_wherever_it_is_quoted():
    by_span = {}
    for ev in BY_TYPE["evidence"]:
        kinds = sorted(f["kind"] for f in ev.get("flags", []))
        by_span.setdefault((ev["source_id"], ev["start"], ev["end"]), {})[ev["id"]] = kinds
    differing = {span: ids for span, ids in by_span.items() if len({tuple(k) for k in ids.values()}) > 1}
    assert not differing, differing
