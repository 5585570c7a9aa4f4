"""Agreement is measured from the recorded reviews: golden kappa values, derived verdicts, the command."""

import json

import pytest

from factset.cli import main
from factset.curation.agreement import NO_VERDICT, _derived_verdicts, kappa, measure

from .conftest import by_id, valid_records, write_jsonl
from .test_rules import independent_support


def table(counts, labels):
    """(first, second) pairs of a confusion table (rows: first annotator)."""
    return [(labels[i], labels[j]) for i, row in enumerate(counts) for j, n in enumerate(row) for _ in range(n)]


# Golden values: what statsmodels' cohens_kappa (Fleiss, Cohen & Everitt standard error) gives.
@pytest.mark.parametrize("counts, expected", [
    ([[20, 5], [10, 15]], {"n": 50, "observed": 0.7, "kappa": 0.4, "ci95": [0.1511, 0.6489]}),
    ([[30, 2, 1], [3, 25, 4], [0, 5, 30]], {"n": 100, "observed": 0.85, "kappa": 0.7748, "ci95": [0.6699, 0.8798]}),
])
def test_kappa_and_its_interval_match_the_reference(counts, expected):
    assert kappa(table(counts, "abc")) == expected


def test_kappa_is_undefined_where_chance_agreement_is_certain():
    assert kappa([("a", "a")] * 5) == {"n": 5, "observed": 1.0, "kappa": None, "ci95": None}
    assert kappa([]) == {"n": 0, "observed": None, "kappa": None, "ci95": None}


def test_perfect_and_chance_agreement():
    assert kappa([("a", "a"), ("b", "b")] * 10)["kappa"] == 1.0
    assert kappa(table([[25, 25], [25, 25]], "ab"))["kappa"] == 0.0


def reviewed(record, **aspects):
    """Mark a record reviewed with (first, second, final) per aspect."""
    record["curation"] = {"curated_by": "curator", "review_status": "reviewed", "review": {
        "annotator": "second", "adjudicator": "third",
        "labels": [{"aspect": a, "first": f, "second": s, "final": x, "note": "decided on the text"}
                   for a, (f, s, x) in aspects.items()]}}


def fully_reviewed(records, second_stance="supports", second_speaker="ent-analyst"):
    independent_support(records)
    reviewed(by_id(records, "evd-000-001-01"), stance=("attests",) * 3, speaker=("ent-john-kirby",) * 3)
    reviewed(by_id(records, "evd-000-001-02"), stance=("supports", second_stance, "supports"),
             speaker=("ent-analyst", second_speaker, "ent-analyst"))
    claim = by_id(records, "clm-000-001")
    reviewed(claim, text=("faithful",) * 3, claimant=("ent-john-kirby",) * 3, claim_date=("2024-10-23/day",) * 3,
             quantities=("as_many_as 3000 [-,3000]",) * 3, checkworthiness=("checkworthy_factual",) * 3)
    return records


def by_type(records):
    out = {}
    for r in records:
        out.setdefault(r["type"], []).append(r)
    return out


def test_measure_pairs_first_and_second_labels(records):
    report = measure(by_type(fully_reviewed(records, second_stance="neutral")))
    stance = report["aspects"]["stance"]
    assert stance["n"] == 2 and stance["observed"] == 0.5
    assert report["aspects"]["stance_related"]["n"] == 1  # the origin passage left out
    assert report["aspects"]["stance"]["by_source"].keys() == {"src-000", "src-004"}
    assert report["reviewed"] == {"source": 0, "entity": 0, "claim": 1, "evidence": 2}
    assert report["annotators"] == {"first": ["curator", "tests"], "second": ["second"], "adjudicators": ["third"]}


def derived(records):
    t = by_type(records)
    return _derived_verdicts(t["claim"], t["evidence"], t["entity"], t["source"])


def test_verdicts_are_derived_from_each_annotators_own_labels(records):
    assert derived(fully_reviewed(records)) == [("src-000", "supported", "supported")]
    # The second annotator heard the claimant himself: the passage does not decide for them.
    assert derived(fully_reviewed(valid_records(), second_speaker="ent-john-kirby")) == [
        ("src-000", "supported", "not_enough_evidence")]
    assert derived(fully_reviewed(valid_records(), second_stance="refutes")) == [("src-000", "supported", "refuted")]


def test_a_non_factual_reading_derives_no_verdict(records):
    records = fully_reviewed(records)
    labels = by_id(records, "clm-000-001")["curation"]["review"]["labels"]
    next(x for x in labels if x["aspect"] == "checkworthiness")["second"] = "non_factual"
    assert derived(records) == [("src-000", "supported", NO_VERDICT)]
    assert measure(by_type(records))["aspects"]["verdict"]["observed"] == 0.0


def test_the_agreement_command_reads_the_recorded_reviews(tmp_path, records, capsys):
    path = write_jsonl(tmp_path / "reviewed.jsonl", fully_reviewed(records, second_stance="neutral"))
    assert main(["validate", str(path)]) == 0
    capsys.readouterr()
    assert main(["agreement", "--format", "json", str(path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["aspects"]["stance"]["observed"] == 0.5
    assert main(["agreement", str(path)]) == 0
    assert "stance" in capsys.readouterr().out


def test_the_agreement_command_refuses_invalid_data(tmp_path, records, capsys):
    by_id(records, "clm-000-001")["verdict"] = None
    path = write_jsonl(tmp_path / "bad.jsonl", records)
    assert main(["agreement", str(path)]) == 1
    assert "run 'factset validate' first" in capsys.readouterr().err


def test_entity_aspects_are_grouped_as_entities_and_print(tmp_path, records, capsys):
    # An entity has no source: the per-source table groups it under "entities" (it crashed the text report).
    records = fully_reviewed(records)
    reviewed(by_id(records, "ent-john-kirby"), country=("United States",) * 3, speaks_for=("none",) * 3)
    entity = by_id(records, "ent-john-kirby")
    entity["country"], entity["speaks_for"] = "United States", None
    report = measure(by_type(records))
    assert report["aspects"]["country"]["by_source"].keys() == {"entities"}
    path = write_jsonl(tmp_path / "reviewed.jsonl", records)
    assert main(["validate", str(path)]) == 0
    capsys.readouterr()
    assert main(["agreement", str(path)]) == 0
    out = capsys.readouterr().out
    assert "country" in out and "  entities" in out


def test_a_fresh_sample_is_measured_against_the_final_labels(tmp_path, records, capsys):
    from factset.curation.agreement import resample

    records = fully_reviewed(records)
    sample = {"evd-000-001-01": {"stance": "attests", "speaker": "ent-john-kirby"},
              "evd-000-001-02": {"stance": "neutral", "speaker": "ent-analyst", "note": "on topic only"}}
    report = resample(by_type(records), sample)
    assert report["sample"] == 2
    assert report["aspects"]["stance"]["n"] == 2 and report["aspects"]["stance"]["observed"] == 0.5
    assert report["aspects"]["speaker"]["observed"] == 1.0
    assert report["aspects"]["stance_related"]["n"] == 1
    path = write_jsonl(tmp_path / "reviewed.jsonl", records)
    labels = tmp_path / "sample.json"
    labels.write_text(json.dumps(sample), encoding="utf-8")
    assert main(["agreement", "--resample", str(labels), "--format", "json", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["aspects"]["stance"]["observed"] == 0.5


@pytest.mark.parametrize("sample, problem", [
    ({"evd-000-009-09": {"stance": "supports"}}, "/evd-000-009-09: no live record has this id"),
    ({"evd-000-001-02": {"verdict": "supported"}}, "/evd-000-001-02/verdict: no aspect 'verdict' for a record of type evidence (its aspects: stance, speaker)"),
    ({"evd-000-001-02": {"stance": 1}}, "/evd-000-001-02/stance: a label is a string"),
    ({"evd-000-001-02": "supports"}, "/evd-000-001-02: expected an object"),
    (["supports"], "/: expected an object"),
])
def test_a_malformed_sample_is_refused_with_located_messages(tmp_path, records, capsys, sample, problem):
    path = write_jsonl(tmp_path / "reviewed.jsonl", fully_reviewed(records))
    labels = tmp_path / "sample.json"
    labels.write_text(json.dumps(sample), encoding="utf-8")
    assert main(["agreement", "--resample", str(labels), str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{labels}: {problem}")


def test_an_unreadable_sample_is_a_usage_error(tmp_path, records, capsys):
    path = write_jsonl(tmp_path / "reviewed.jsonl", fully_reviewed(records))
    assert main(["agreement", "--resample", str(tmp_path / "missing.json"), str(path)]) == 2
    assert "cannot read" in capsys.readouterr().err
