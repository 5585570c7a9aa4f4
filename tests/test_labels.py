"""What the labels mean, as `factset validate` enforces it: each rule fails on a targeted
mistake, at the field to blame, and passes once the mistake is mended."""

import copy

import pytest

from .conftest import by_id
from .test_rules import independent_support, run

DRAFT = {"curated_by": "tests", "review_status": "draft"}


def where(tmp_path, records):
    return [(e[1], e[2]) for e in run(tmp_path, records)]


def message(tmp_path, records, record_id, pointer):
    return next(e[4] for e in run(tmp_path, records) if (e[1], e[2]) == (record_id, pointer))


# ------------------------------------------------------------- check-worthiness


def test_a_claim_without_checkworthiness_is_refused(tmp_path, records):
    del by_id(records, "clm-000-001")["checkworthiness"]
    errors = run(tmp_path, records)
    assert errors[0][1:3] == ("clm-000-001", "/checkworthiness")
    assert all("clm-000-001' is itself invalid" in e[4] for e in errors[1:])  # its evidence: a knock-on
    assert "missing required field 'checkworthiness'" in message(tmp_path, records, "clm-000-001", "/checkworthiness")


def test_a_non_factual_claim_carries_no_verdict(tmp_path, records):
    claim = by_id(records, "clm-000-001")
    claim.update(kind="prediction", checkworthiness="non_factual")
    assert where(tmp_path, records) == [("clm-000-001", "/verdict")]
    assert "carries no veracity verdict" in message(tmp_path, records, "clm-000-001", "/verdict")
    claim["verdict"] = None
    assert run(tmp_path, records) == []


def test_predictions_and_opinions_are_non_factual(tmp_path, records):
    claim = by_id(records, "clm-000-001")
    claim.update(kind="opinion", verdict=None)
    assert ("clm-000-001", "/checkworthiness") in where(tmp_path, records)
    claim["checkworthiness"] = "non_factual"
    assert run(tmp_path, records) == []


def test_a_factual_claim_needs_a_verdict(tmp_path, records):
    by_id(records, "clm-000-001")["verdict"] = None
    assert where(tmp_path, records) == [("clm-000-001", "/verdict")]


# ------------------------------------------------------ attestation and veracity


def test_the_claimants_own_words_cannot_support(tmp_path, records):
    """Kirby's statement reported again by src-004 attests that he said it; it does not corroborate it."""
    independent_support(records)
    by_id(records, "evd-000-001-02")["speaker_id"] = "ent-john-kirby"
    got = where(tmp_path, records)
    assert ("evd-000-001-02", "/stance") in got and ("clm-000-001", "/verdict/label") in got
    assert "expected 'not_enough_evidence'" in message(tmp_path, records, "clm-000-001", "/verdict/label")
    assert "use 'attests'" in message(tmp_path, records, "evd-000-001-02", "/stance")


def test_a_speaker_on_the_claimants_side_does_not_decide(tmp_path, records):
    """Two spokespeople of one government are one side: one does not corroborate the other."""
    independent_support(records)
    records.append({"type": "entity", "id": "ent-white-house", "name": "White House", "kind": "government", "curation": DRAFT})
    by_id(records, "ent-john-kirby")["speaks_for"] = "ent-white-house"
    by_id(records, "ent-analyst")["speaks_for"] = "ent-white-house"
    assert where(tmp_path, records) == [("clm-000-001", "/verdict/label")]
    by_id(records, "ent-analyst")["speaks_for"] = None
    assert run(tmp_path, records) == []


def test_a_passage_of_the_claims_own_source_does_not_decide(tmp_path, records):
    independent_support(records)
    ev = by_id(records, "evd-000-001-02")
    text = (records[0]["seed_file"], )
    from .conftest import REPO

    seed = (REPO / "seeds" / text[0]).read_text(encoding="utf-8")
    quote = "For the time being, we will continue to monitor the situation closely."
    ev.update(source_id="src-000", quote=quote, start=seed.index(quote), end=seed.index(quote) + len(quote))
    assert where(tmp_path, records) == [("clm-000-001", "/verdict/label")]


def test_attests_needs_the_claimants_side_to_speak(tmp_path, records):
    records.append({"type": "entity", "id": "ent-analyst", "name": "An analyst", "kind": "person", "curation": DRAFT})
    by_id(records, "evd-000-001-02")["speaker_id"] = "ent-analyst"
    assert where(tmp_path, records) == [("evd-000-001-02", "/stance")]
    assert "is not on the claimant's side" in message(tmp_path, records, "evd-000-001-02", "/stance")


def test_attestation_follows_the_attesting_passages(tmp_path, records):
    claim = by_id(records, "clm-000-001")
    claim["attestation"] = {"label": "not_attested", "evidence_ids": []}
    assert where(tmp_path, records) == [("clm-000-001", "/attestation/label")]
    claim["attestation"] = {"label": "attested", "evidence_ids": []}
    assert where(tmp_path, records) == [("clm-000-001", "/attestation/evidence_ids")]
    claim["attestation"] = {"label": "attested", "evidence_ids": ["evd-000-001-01"]}  # the origin: its own source
    assert where(tmp_path, records) == [("clm-000-001", "/attestation/evidence_ids")]


def test_an_origin_passage_attests(tmp_path, records):
    by_id(records, "evd-000-001-01")["stance"] = "supports"
    assert ("evd-000-001-01", "/stance") in where(tmp_path, records)


def test_a_loop_of_speaks_for_is_refused(tmp_path, records):
    records.append({"type": "entity", "id": "ent-analyst", "name": "An analyst", "kind": "person",
                    "speaks_for": "ent-john-kirby", "curation": DRAFT})
    assert run(tmp_path, records) == []
    by_id(records, "ent-john-kirby")["speaks_for"] = "ent-analyst"
    assert sorted(where(tmp_path, records)) == [("ent-analyst", "/speaks_for"), ("ent-john-kirby", "/speaks_for")]


# ------------------------------------------------------------------ relations


def second_claim(records, date):
    """A second claim of src-000 (a copy of the first, with its own origin passage), dated ``date``."""
    claim = copy.deepcopy(by_id(records, "clm-000-001"))
    claim.update(id="clm-000-002", claim_date={"value": date, "precision": "day", "basis": "stated"},
                 attestation={"label": "not_attested", "evidence_ids": []},
                 verdict={"label": "not_enough_evidence", "justification": "Nothing independent bears on it.",
                          "evidence_ids": ["evd-000-002-01"]})
    origin = dict(by_id(records, "evd-000-001-01"), id="evd-000-002-01", claim_id="clm-000-002")
    records += [claim, origin]
    return claim


def test_an_update_points_from_the_later_claim_to_the_earlier(tmp_path, records):
    later = second_claim(records, "2024-10-25")
    earlier = by_id(records, "clm-000-001")  # 2024-10-23
    earlier["relations"] = [{"kind": "updates", "target": "clm-000-002"}]
    assert where(tmp_path, records) == [("clm-000-001", "/relations/0/target")]
    assert "dated 2024-10-25 (day), after this claim" in message(tmp_path, records, "clm-000-001", "/relations/0/target")
    earlier["relations"] = []
    later["relations"] = [{"kind": "updates", "target": "clm-000-001"}]
    assert run(tmp_path, records) == []


def test_precision_lets_an_update_within_the_same_week_stand(tmp_path, records):
    later = second_claim(records, "2024-10-21")
    later["claim_date"]["precision"] = "week"  # any day of 21-27 October: not surely after the 23rd
    by_id(records, "clm-000-001")["relations"] = [{"kind": "updates", "target": "clm-000-002"}]
    assert run(tmp_path, records) == []


@pytest.mark.parametrize("kind", ["same_as", "conflicts_with"])
def test_a_symmetric_relation_goes_both_ways(tmp_path, records, kind):
    other = second_claim(records, "2024-10-23")
    by_id(records, "clm-000-001")["relations"] = [{"kind": kind, "target": "clm-000-002"}]
    assert where(tmp_path, records) == [("clm-000-001", "/relations/0")]
    other["relations"] = [{"kind": kind, "target": "clm-000-001"}]
    assert run(tmp_path, records) == []


# ---------------------------------------------------------------------- review


def review(first, second=None, final=None, note=None, adjudicator=None, **aspects):
    labels = []
    for aspect, (a, b, c) in aspects.items():
        labels.append({"aspect": aspect, "first": a, "second": b, "final": c, **({"note": note} if note else {})})
    return {"annotator": "second-annotator", **({"adjudicator": adjudicator} if adjudicator else {}), "labels": labels}


def test_a_reviewed_record_needs_its_review(tmp_path, records):
    ev = by_id(records, "evd-000-001-02")
    ev["curation"] = {"curated_by": "tests", "review_status": "reviewed"}
    assert where(tmp_path, records) == [("evd-000-001-02", "/curation/review")]
    ev["curation"]["review"] = review(None, stance=("attests", "attests", "attests"))
    assert where(tmp_path, records) == [("evd-000-001-02", "/curation/review/labels")]  # the speaker is not labelled
    ev["curation"]["review"] = review(None, stance=("attests", "attests", "attests"),
                                      speaker=("ent-john-kirby", "ent-john-kirby", "ent-john-kirby"))
    assert run(tmp_path, records) == []


def test_a_review_says_what_the_record_says(tmp_path, records):
    ev = by_id(records, "evd-000-001-02")
    ev["curation"] = {"curated_by": "tests", "review_status": "reviewed", "review": review(
        None, stance=("attests", "neutral", "neutral"), speaker=("ent-john-kirby",) * 3,
        note="The passage reports Kirby's words.", adjudicator="third-reader")}
    assert where(tmp_path, records) == [("evd-000-001-02", "/curation/review/labels/0/final")]
    ev["curation"]["review"]["labels"][0]["final"] = "attests"
    assert run(tmp_path, records) == []


def test_differing_labels_need_an_adjudication(tmp_path, records):
    ev = by_id(records, "evd-000-001-02")
    ev["curation"] = {"curated_by": "tests", "review_status": "reviewed", "review": review(
        None, stance=("attests", "neutral", "attests"), speaker=("ent-john-kirby",) * 3)}
    assert where(tmp_path, records) == [("evd-000-001-02", "/curation/review/labels/0/note")]


def test_a_claim_review_reads_its_aspects_off_the_claim(tmp_path, records):
    claim = by_id(records, "clm-000-001")
    values = {"text": "faithful", "claimant": "ent-john-kirby", "claim_date": "2024-10-23/day",
              "quantities": "as_many_as 3000 [-,3000]", "checkworthiness": "checkworthy_factual"}
    claim["curation"] = {"curated_by": "tests", "review_status": "reviewed",
                         "review": review(None, **{k: (v, v, v) for k, v in values.items()})}
    assert run(tmp_path, records) == []
    claim["quantities"][0].update(value=2999, high=2999)
    assert where(tmp_path, records) == [("clm-000-001", "/curation/review/labels/3/final")]


# ------------------------------------------------------------------ retraction


def test_a_retracted_passage_counts_for_nothing(tmp_path, records):
    independent_support(records)
    ev = by_id(records, "evd-000-001-02")
    ev["curation"] = {"curated_by": "tests", "review_status": "retracted", "note": "Not about this claim."}
    got = where(tmp_path, records)
    assert ("clm-000-001", "/verdict/label") in got  # no independent support left: not_enough_evidence
    assert ("clm-000-001", "/verdict/evidence_ids/0") in got  # and it may not be cited
    assert "is retracted" in message(tmp_path, records, "clm-000-001", "/verdict/evidence_ids/0")
    claim = by_id(records, "clm-000-001")
    claim["verdict"] = {"label": "not_enough_evidence", "justification": "No independent passage bears on it.",
                        "evidence_ids": ["evd-000-001-01"]}
    assert run(tmp_path, records) == []


def test_a_retracted_claim_is_history_not_judged(tmp_path, records):
    claim = by_id(records, "clm-000-001")
    claim["attestation"] = {"label": "not_attested", "evidence_ids": []}  # stale: would be an error if judged
    claim["curation"] = {"curated_by": "tests", "review_status": "retracted", "note": "A duplicate of another claim."}
    assert run(tmp_path, records) == []


def test_a_correction_of_an_agreed_label_needs_an_adjudication(tmp_path, records):
    ev = by_id(records, "evd-000-001-02")
    ev["stance"] = "neutral"
    ev["curation"] = {"curated_by": "tests", "review_status": "reviewed", "review": review(
        None, stance=("attests", "attests", "neutral"), speaker=("ent-john-kirby",) * 3)}
    assert ("evd-000-001-02", "/curation/review/labels/0/note") in where(tmp_path, records)
