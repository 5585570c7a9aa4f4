"""The blind second annotation: packets hide the first labels; reviews are recorded and validate."""

import json

from factset.cli import main
from factset.curation.blind_review import first_labels, packets, record_reviews
from factset.curation.seeds import SeedStore, default_seed_dir

from .conftest import by_id, write_jsonl


def test_packets_show_the_text_and_hide_the_labels(records):
    items = {i["id"]: i for i in packets(records, SeedStore(default_seed_dir()))}
    passage = items["evd-000-001-02"]
    assert passage["ask"] == ["stance", "speaker"]
    assert passage["passage"]["quote"] == by_id(records, "evd-000-001-02")["quote"]
    assert passage["passage"]["before"] and passage["claim"]["text"].startswith("On 23 October 2024 John Kirby")
    source = by_id(records, passage["passage"]["source"])["published"]
    assert passage["passage"]["published"].startswith(source["value"])  # what an undated figure holds at (guide 2.4)
    flat = json.dumps(passage)
    assert "attests" not in flat and "speaker_id" not in flat and "stance\":" not in flat
    claim = json.dumps(items["clm-000-001"])
    assert "checkworthy" not in claim and "as_many_as" not in claim and "2024-10-23/day" not in claim
    assert "verdict" not in claim and "not_enough_evidence" not in claim


def test_recorded_reviews_validate(tmp_path, records, capsys):
    first = first_labels(records)
    second = {rid: dict(labels) for rid, labels in first.items()}
    second["evd-000-001-02"]["stance"] = "neutral"
    adjudicated = {"evd-000-001-02": {"stance": {"final": "attests", "note": "Kirby's own words, reported again."}}}
    pending = record_reviews(records, first, second, adjudicated, "annotator-2", "adjudicator-3")
    assert pending == []
    assert all(d["curation"]["review_status"] == "reviewed" for d in records)
    path = write_jsonl(tmp_path / "reviewed.jsonl", records)
    assert main(["validate", str(path)]) == 0
    capsys.readouterr()
    assert main(["agreement", "--format", "json", str(path)]) == 0
    stance = json.loads(capsys.readouterr().out)["aspects"]["stance"]
    assert (stance["n"], stance["observed"]) == (2, 0.5)


def test_an_unadjudicated_difference_is_refused(records):
    first = first_labels(records)
    second = {rid: dict(labels) for rid, labels in first.items()}
    second["clm-000-001"]["checkworthiness"] = "non_factual"
    try:
        record_reviews(records, first, second, {}, "a", "b")
    except ValueError as exc:
        assert "clm-000-001 checkworthiness" in str(exc)
    else:
        raise AssertionError("an unadjudicated difference was recorded")


def test_a_final_label_the_record_does_not_say_keeps_it_draft(records):
    first = first_labels(records)
    second = {rid: dict(labels) for rid, labels in first.items()}
    second["evd-000-001-02"]["stance"] = "neutral"
    adjudicated = {"evd-000-001-02": {"stance": {"final": "neutral", "note": "Only on the topic."}}}
    pending = record_reviews(records, first, second, adjudicated, "a", "b")
    assert pending == [("evd-000-001-02", "stance", "neutral", "attests")]
    assert by_id(records, "evd-000-001-02")["curation"]["review_status"] == "draft"


def test_the_review_commands_round_trip(tmp_path, records, capsys):
    folder = tmp_path / "curated"
    folder.mkdir()
    write_jsonl(folder / "records.jsonl", records)
    assert main(["review", "packets", str(folder), "--out", str(tmp_path / "blind")]) == 0
    assert (tmp_path / "blind" / "items.jsonl").is_file() and not (tmp_path / "blind" / "first-labels.json").exists()
    first = tmp_path / "blind.first-labels.json"
    second = tmp_path / "second.json"
    second.write_text(first.read_text(encoding="utf-8"), encoding="utf-8")
    adjudicated = tmp_path / "adjudicated.json"
    adjudicated.write_text("{}", encoding="utf-8")
    assert main(["review", "record", str(folder), "--first", str(first), "--second", str(second),
                 "--adjudicated", str(adjudicated), "--annotator", "a2"]) == 0
    assert "records reviewed" in capsys.readouterr().out
    assert main(["validate", str(folder)]) == 0


def test_an_entity_item_shows_each_passage_once_and_the_claims_it_makes(records):
    records.append(dict(by_id(records, "evd-000-001-02"), id="evd-000-001-03"))  # the same passage twice
    item = next(i for i in packets(records, SeedStore(default_seed_dir())) if i["id"] == "ent-john-kirby")
    quotes = [m["quote"] for m in item["mentions"] if "quote" in m]
    assert len(quotes) == len(set(quotes)) == 2
    assert any(m.get("claim", "").startswith("On 23 October 2024 John Kirby") for m in item["mentions"])
    assert "speaks_for" not in json.dumps(item["mentions"])
