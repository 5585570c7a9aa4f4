"""Round trips with annotation tools: Label Studio tasks and exports, W3C Web Annotations.

The fixtures in tests/annotation_tools/ are written by hand in each tool's own format
(see its README); the round trips run on the curated data itself.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from factset.cli import main
from factset.curation.label_studio import BadExport, read_export, tasks, to_evidence
from factset.curation.offsets import Utf16Offsets
from factset.curation.web_annotation import annotation, seed_iri
from factset.records.models import Claim, Evidence, Source

from .conftest import CURATED, REPO, by_id

FIXTURES = Path(__file__).parent / "annotation_tools"
EMOJI_TEXT = ("Officials 🙂 said on Monday 👍🏽 that some 11,000 North Korean troops were in Kursk. "
              "🇺🇦 Kyiv agreed, a spokesman said.\n")
ORIGIN = {
    "type": "evidence", "id": "evd-900-001-01", "claim_id": "clm-900-001", "source_id": "src-900",
    "quote": "some 11,000 North Korean troops were in Kursk", "role": "origin", "stance": "attests",
    "speaker_id": "ent-officials", "flags": [], "curation": {"curated_by": "tests", "review_status": "draft"},
    "start": 35, "end": 80,
}


def curated_evidence() -> dict[str, dict]:
    out = {}
    for path in sorted(CURATED.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record["type"] == "evidence":
                out[record["id"]] = record
    return out


def as_label_studio_export(tasks_doc: list) -> list:
    """What Label Studio's JSON export gives for these tasks once an annotator submitted each
    pre-annotation as it stands: the regions move into an annotation, predictions become ids."""
    out = []
    for n, task in enumerate(tasks_doc, 1):
        result = [dict(r, origin="prediction") for r in task["predictions"][0]["result"]]
        out.append({
            "id": n, "data": task["data"], "predictions": [n], "drafts": [], "meta": {}, "project": 1,
            "annotations": [{"id": n, "completed_by": 1, "result": result, "was_cancelled": False, "ground_truth": False,
                             "created_at": "2024-11-20T10:00:00Z", "updated_at": "2024-11-20T10:00:00Z",
                             "lead_time": 3.5, "task": n, "parent_prediction": n}],
        })
    return out


# ------------------------------------------------------------------ Label Studio


def test_label_studio_round_trip_returns_every_evidence_record_unchanged(tmp_path, capsys):
    out = tmp_path / "ls"
    assert main(["export", "--format", "label-studio", "--out", str(out), str(CURATED)]) == 0
    made = json.loads((out / "tasks.json").read_text(encoding="utf-8"))
    assert "<Labels name=\"stance\" toName=\"text\">" in (out / "label-config.xml").read_text(encoding="utf-8")
    export = tmp_path / "export.json"
    export.write_text(json.dumps(as_label_studio_export(made), ensure_ascii=False), encoding="utf-8")
    back = tmp_path / "back.jsonl"
    assert main(["import", "--format", "label-studio", str(export), "--out", str(back), "--against", str(CURATED)]) == 0

    curated = curated_evidence()
    returned = {d["id"]: d for d in map(json.loads, back.read_text(encoding="utf-8").splitlines())}
    assert set(returned) == set(curated)
    for rid, record in curated.items():
        keys = ("id", "source_id", "quote", "start", "end")
        assert {k: returned[rid][k] for k in keys} == {k: record[k] for k in keys}
        assert returned[rid] == record  # and every other field too
    assert f"{len(curated)} unchanged, 0 changed, 0 new" in capsys.readouterr().out


def test_the_exported_tasks_import_as_they_are(tmp_path):
    """A task nobody annotated gives back its pre-annotation: the tasks file itself round-trips."""
    out = tmp_path / "ls"
    assert main(["export", "--format", "label-studio", "--out", str(out), str(CURATED)]) == 0
    back = tmp_path / "back.jsonl"
    assert main(["import", "--format", "label-studio", str(out / "tasks.json"), "--out", str(back),
                 "--against", str(CURATED)]) == 0
    assert len(back.read_text(encoding="utf-8").splitlines()) == len(curated_evidence())


def test_a_label_studio_export_with_utf16_offsets_around_emoji_imports_correctly():
    imported = to_evidence(read_export(FIXTURES / "label_studio_export_utf16.json"), {"src-900": EMOJI_TEXT},
                           {"clm-900-001"}, {"evd-900-001-01": ORIGIN}, "tests")
    first, new = imported.records
    assert first == ORIGIN  # 38:83 in UTF-16 units is 35:80 in code points: the same record
    assert new["id"] == "evd-900-001-02" and new["stance"] == "supports" and new["role"] == "related"
    assert EMOJI_TEXT[new["start"]:new["end"]] == new["quote"] == "🇺🇦 Kyiv agreed"
    assert (new["start"], new["end"]) == (82, 96)
    Evidence.model_validate(new)
    assert (imported.unchanged, imported.changed, imported.added) == (1, 0, 1)


def test_utf16_offsets_convert_only_at_character_boundaries():
    units = Utf16Offsets(EMOJI_TEXT)
    assert units.code_points(38) == 35 and units.code_points(101) == 96
    assert units.code_points(11) is None  # between the two halves of 🙂
    plain = Utf16Offsets("no emoji here")
    assert plain.code_points(5) == 5


def _fixture_export() -> list:
    return json.loads((FIXTURES / "label_studio_export_utf16.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("damage, words", [
    (lambda t: t["annotations"][0]["result"][1]["value"].update(start=90, end=104), "task 7, result 1 (id 'Xq3_bT9kLm')"),
    (lambda t: t["annotations"][0]["result"][1]["value"].pop("text"), "value.text (the passage) is missing"),
    (lambda t: t["annotations"][0]["result"][1]["value"].update(labels=["agrees"]), "one stance of"),
    (lambda t: t["annotations"].append(copy.deepcopy(t["annotations"][0])), "2 annotations"),
    (lambda t: t["data"].update(text=EMOJI_TEXT.replace("Kursk", "Kursk region")), "is not the text of src-900's seed"),
    (lambda t: t["data"].update(claim_id="clm-900-404"), "is not a claim of the curated data"),
    (lambda t: t["annotations"][0]["result"][0].update(id="evd-900-002-01"), "belongs to clm-900-002"),
    (lambda t: t["annotations"][0]["result"][1].update(id="evd-900-001-01"), "appears twice"),
])
def test_an_export_that_does_not_match_the_seed_is_refused(damage, words):
    export = _fixture_export()
    damage(export[0])
    with pytest.raises(BadExport, match=None) as refused:
        to_evidence(export, {"src-900": EMOJI_TEXT}, {"clm-900-001"}, {"evd-900-001-01": ORIGIN}, "tests")
    assert words in str(refused.value)


def test_the_import_command_refuses_a_mismatch_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "ls"
    assert main(["export", "--format", "label-studio", "--out", str(out), str(CURATED)]) == 0
    made = json.loads((out / "tasks.json").read_text(encoding="utf-8"))
    made[0]["predictions"][0]["result"][0]["value"]["start"] += 1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(made, ensure_ascii=False), encoding="utf-8")
    back = tmp_path / "back.jsonl"
    assert main(["import", "--format", "label-studio", str(bad), "--out", str(back), "--against", str(CURATED)]) == 1
    err = capsys.readouterr().err
    assert "task 0, result 0" in err and "is not the seed text" in err and "Traceback" not in err
    assert not back.exists()


def test_search_in_pairs_every_claim_with_a_source():
    source = Source.model_validate_json(json.dumps(_source_900()))
    claim = Claim.model_validate_json(json.dumps(_claim_900()))
    made = tasks([source], [claim], [], {"src-900": EMOJI_TEXT}, search_in=["src-900"])
    assert [(t["data"]["claim_id"], t["data"]["source_id"], t["predictions"][0]["result"]) for t in made] == [
        ("clm-900-001", "src-900", [])]


def _source_900() -> dict:
    return {"type": "source", "id": "src-900", "seed_file": "900_0000000000000000.txt", "sha256": "0" * 64,
            "outlet": "Test Wire", "title": None, "byline": [], "dateline": None,
            "published": {"value": "2024-11-18", "precision": "day", "basis": "stated"}, "language": "en",
            "rights": {"annotation_license": "CC-BY-4.0", "article_copyright": "unknown"}, "text_quality": "clean",
            "curation": {"curated_by": "tests", "review_status": "draft"}}


def _claim_900() -> dict:
    return {"type": "claim", "id": "clm-900-001", "source_id": "src-900",
            "text": "On 18 November 2024 officials said some 11,000 North Korean troops were in Russia's Kursk region.",
            "claimant_id": "ent-officials", "attribution": {"mode": "unnamed_officials"},
            "claim_date": {"value": "2024-11-18", "precision": "day", "basis": "stated"}, "kind": "statement",
            "checkworthiness": "checkworthy_factual", "attestation": {"label": "not_attested"},
            "verdict": {"label": "not_enough_evidence", "justification": "No other source reports the figure.",
                        "evidence_ids": ["evd-900-001-01"]},
            "curation": {"curated_by": "tests", "review_status": "draft"}}


# ------------------------------------------------------------------ W3C Web Annotation


def test_web_annotation_matches_the_hand_written_annotation(records):
    expected = json.loads((FIXTURES / "web_annotation_evd-000-001-01.json").read_text(encoding="utf-8"))
    source = Source.model_validate_json(json.dumps(by_id(records, "src-000")))
    claim = Claim.model_validate_json(json.dumps(by_id(records, "clm-000-001")))
    evidence = Evidence.model_validate_json(json.dumps(by_id(records, "evd-000-001-01")))
    text = (REPO / "seeds" / source.seed_file).read_bytes().decode("utf-8")
    assert annotation(evidence, claim, source, text) == expected


def test_web_annotation_carries_every_quote_in_both_selectors(tmp_path):
    out = tmp_path / "wa"
    assert main(["export", "--format", "web-annotation", "--out", str(out), str(CURATED)]) == 0
    doc = json.loads((out / "annotations.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"] == "http://www.w3.org/ns/anno.jsonld" and doc["type"] == "AnnotationCollection"
    items = doc["first"]["items"]
    curated = curated_evidence()
    assert doc["total"] == len(items) == len(curated)
    seeds = {}
    for line in (CURATED / "sources.jsonl").read_text(encoding="utf-8").splitlines():
        source = json.loads(line)
        seeds[source["id"]] = (seed_iri(source["sha256"]), (REPO / "seeds" / source["seed_file"]).read_bytes().decode("utf-8"))
    for item in items:
        record = curated[item["id"].removeprefix("urn:factset:")]
        iri, text = seeds[record["source_id"]]
        quote, position = item["target"]["selector"]
        assert item["target"]["source"] == iri
        assert quote["type"] == "TextQuoteSelector" and quote["exact"] == record["quote"]
        assert text[position["start"] - len(quote["prefix"]):position["start"]] == quote["prefix"]
        assert text[position["end"]:position["end"] + len(quote["suffix"])] == quote["suffix"]
        assert position["type"] == "TextPositionSelector"
        assert text[position["start"]:position["end"]] == record["quote"]
        assert (position["start"], position["end"]) == (record["start"], record["end"])
        assert item["body"][1]["value"] == record["stance"] and item["body"][0]["id"] == "urn:factset:" + record["claim_id"]


def test_seed_iri_is_rfc_6920():
    # RFC 6920 section 8.1: the name of "Hello World!" (its sha256 in hex here)
    assert seed_iri("7f83b1657ff1fc53b92dc18148a1d65dfc2d4b1fa3d677284addd200126d9069") == \
        "ni:///sha-256;f4OxZX_x_FO5LcGBSKHWXfwtSx-j1ncoSt3SABJtkGk"


def test_a_hostile_export_gives_a_message_not_a_traceback(tmp_path, capsys):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000, encoding="utf-8")
    assert main(["import", "--format", "label-studio", str(deep), "--out", str(tmp_path / "x.jsonl"),
                 "--against", str(CURATED)]) == 1
    assert "nested too deeply" in capsys.readouterr().err
    export = _fixture_export()
    export[0].update(predictions=5, annotations={"not": "a list"})  # no list of regions anywhere: nothing to read
    imported = to_evidence(export, {"src-900": EMOJI_TEXT}, {"clm-900-001"}, {"evd-900-001-01": ORIGIN}, "tests")
    assert imported.records == []
    assert main(["import", "--format", "label-studio", str(tmp_path / "absent.json"), "--out", str(tmp_path / "x.jsonl")]) == 2
    assert main(["export", "--format", "label-studio", "--out", str(tmp_path / "ls"), "--search-in", "src-999",
                 str(CURATED)]) == 2
    assert "--search-in src-999: no such source" in capsys.readouterr().err
