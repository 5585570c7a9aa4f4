"""Each cross-record rule: the valid fixture passes, one targeted mistake fails where it should."""

import pytest

from factset.records.labels import expected_verdict
from factset.curation.validate import validate

from .conftest import REPO, by_id, write_jsonl


def run(tmp_path, records):
    result = validate([write_jsonl(tmp_path / "records.jsonl", records)])
    return [(e.line, e.record_id, e.pointer, e.stage, e.message) for e in result.sorted_errors()]


def test_valid_fixture_passes(tmp_path, records):
    assert run(tmp_path, records) == []


def only(errors):
    assert len(errors) == 1, errors
    return errors[0]


def independent_support(records):
    """Make the related passage of src-004 independent support: spoken by someone on another
    side than the claimant, supporting; the claim is then 'supported' and no longer attested."""
    records.append({"type": "entity", "id": "ent-analyst", "name": "An analyst", "kind": "person",
                    "curation": {"curated_by": "tests", "review_status": "draft"}})
    by_id(records, "evd-000-001-02").update(speaker_id="ent-analyst", stance="supports")
    claim = by_id(records, "clm-000-001")
    claim["attestation"] = {"label": "not_attested", "evidence_ids": []}
    claim["verdict"]["label"] = "supported"
    assert run_in(records) == []
    return records


def run_in(records):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        return run(Path(folder), records)


def test_duplicate_id(tmp_path, records):
    records.append(dict(by_id(records, "ent-john-kirby"), name="Another"))
    line, rid, at, stage, msg = only(run(tmp_path, records))
    assert (line, rid, at, stage) == (7, "ent-john-kirby", "/id", "rules")
    assert "first used at" in msg and ":3" in msg


@pytest.mark.parametrize(
    "record_id, field, value, pointer, expect",
    [
        ("clm-000-001", "claimant_id", "ent-nobody", "/claimant_id", "claimant entity 'ent-nobody' does not exist"),
        ("clm-000-001", "source_id", "src-999", "/source_id", "source 'src-999' does not exist"),
        ("evd-000-001-02", "claim_id", "clm-000-999", "/claim_id", "claim 'clm-000-999' does not exist"),
        ("evd-000-001-02", "speaker_id", "ent-nobody", "/speaker_id", "speaker entity 'ent-nobody' does not exist"),
    ],
)
def test_dangling_references(tmp_path, records, record_id, field, value, pointer, expect):
    by_id(records, record_id)[field] = value
    errors = run(tmp_path, records)
    assert any(e[1] == record_id and e[2] == pointer and expect in e[4] for e in errors), errors


def test_evidence_source_must_exist(tmp_path, records):
    by_id(records, "evd-000-001-02")["source_id"] = "src-009"
    line, rid, at, _, msg = only(run(tmp_path, records))
    assert (rid, at) == ("evd-000-001-02", "/source_id") and "does not exist" in msg


def test_quote_must_stand_at_its_offsets(tmp_path, records):
    ev = by_id(records, "evd-000-001-01")
    right = ev["start"]
    ev["start"] += 1
    ev["end"] += 1
    _, rid, at, _, msg = only(run(tmp_path, records))
    assert (rid, at) == ("evd-000-001-01", "/quote")
    assert f"start={right}" in msg


def test_straight_quotes_do_not_match_curly_seed_text(tmp_path, records):
    ev = by_id(records, "evd-000-001-01")
    ev["quote"] = ev["quote"].replace("“", '"').replace("”", '"')
    _, _, at, _, msg = only(run(tmp_path, records))
    assert at == "/quote" and "curly quotes" in msg


def test_offsets_out_of_range(tmp_path, records):
    ev = by_id(records, "evd-000-001-01")
    ev["start"], ev["end"] = 10**6, 10**6 + 5
    _, _, at, _, msg = only(run(tmp_path, records))
    assert at == "/end" and "past the end" in msg


def test_source_hash_must_match_seed(tmp_path, records):
    by_id(records, "src-000")["sha256"] = "0" * 64
    _, rid, at, _, msg = only(run(tmp_path, records))
    assert (rid, at) == ("src-000", "/sha256") and "does not match" in msg


def test_missing_seed_file(tmp_path, records):
    by_id(records, "src-004")["seed_file"] = "999_0000000000000000.txt"
    errors = run(tmp_path, records)
    assert any(e[1] == "src-004" and e[2] == "/seed_file" and "not found" in e[4] for e in errors)


def test_verdict_must_follow_stances(tmp_path, records):
    independent_support(records)
    by_id(records, "clm-000-001")["verdict"]["label"] = "refuted"
    _, rid, at, _, msg = only(run(tmp_path, records))
    assert (rid, at) == ("clm-000-001", "/verdict/label")
    assert "expected 'supported'" in msg and "supports=1" in msg


def test_verdict_cites_evidence_of_its_claim(tmp_path, records):
    by_id(records, "clm-000-001")["verdict"]["evidence_ids"] = ["evd-000-002-01", "evd-000-001-02"]
    _, _, at, _, msg = only(run(tmp_path, records))
    assert at == "/verdict/evidence_ids/0" and "does not exist" in msg


def test_claim_needs_origin_evidence(tmp_path, records):
    by_id(records, "evd-000-001-01")["role"] = "related"
    errors = run(tmp_path, records)
    assert any(e[2] == "" and "no evidence with role 'origin'" in e[4] for e in errors), errors


def test_claim_needs_evidence(tmp_path, records):
    records = [r for r in records if r["type"] != "evidence"]
    by_id(records, "clm-000-001")["verdict"]["label"] = "not_enough_evidence"
    errors = run(tmp_path, records)
    assert any("claim has no evidence record" in e[4] for e in errors), errors


def test_claim_date_not_after_publication(tmp_path, records):
    by_id(records, "clm-000-001")["claim_date"]["value"] = "2024-10-28"  # src-000 is of the week of 21 October
    _, _, at, _, msg = only(run(tmp_path, records))
    assert at == "/claim_date/value" and "after the publication of src-000" in msg


@pytest.mark.parametrize(
    "change, pointer",
    [
        ({"qualifier": "between", "low": 5000, "high": 3000, "value": None}, "/quantities/0/low"),
        ({"value": 4000, "high": 3000}, "/quantities/0/value"),
        ({"qualifier": "between", "value": None, "low": 2000, "high": None}, "/quantities/0/qualifier"),
        ({"qualifier": "more_than", "high": None}, "/quantities/0/low"),
    ],
)
def test_quantity_rules(tmp_path, records, change, pointer):
    q = by_id(records, "clm-000-001")["quantities"][0]
    q.update(change)
    errors = run(tmp_path, records)
    assert [e[2] for e in errors] == [pointer], errors


def test_numeric_estimate_needs_quantity(tmp_path, records):
    claim = by_id(records, "clm-000-001")
    claim["kind"], claim["quantities"] = "numeric_estimate", []
    assert [e[2] for e in run(tmp_path, records)] == ["/quantities"]


def test_claim_cannot_relate_to_itself(tmp_path, records):
    by_id(records, "clm-000-001")["relations"] = [{"kind": "updates", "target": "clm-000-001"}]
    assert [e[2:4] for e in run(tmp_path, records)] == [("/relations/0/target", "rules")]


def _retract(record):
    record["curation"] = {"curated_by": "t", "review_status": "retracted"}


QUANTITY = {"value": 3000, "high": 3000, "qualifier": "as_many_as", "unit": "troops",
            "counted": "North Korean troops in Russia", "text": "3,000"}
# One mistake each for every rule of a single record (rules.record_findings).
SINGLE_RECORD_MISTAKES = {
    "claim date after publication": ("clm-000-001", lambda c: c["claim_date"].update(value="2024-10-28")),
    "quantity low > high": ("clm-000-001", lambda c: c.update(quantities=[dict(QUANTITY, low=5000, high=3000, value=None)])),
    "quantity without value or bound": ("clm-000-001", lambda c: c.update(quantities=[dict(QUANTITY, value=None, high=None)])),
    "numeric estimate without quantity": ("clm-000-001", lambda c: c.update(kind="numeric_estimate", quantities=[])),
    "relation to itself": ("clm-000-001", lambda c: c.update(relations=[{"kind": "updates", "target": "clm-000-001"}])),
    "retracted claim without note": ("clm-000-001", _retract),
    "retracted evidence without note": ("evd-000-001-01", _retract),
    "retracted entity without note": ("ent-john-kirby", _retract),
    "quote not at its offsets": ("evd-000-001-02", lambda e: e.update(start=e["start"] + 1, end=e["end"] + 1)),
    "offsets not spanning the quote": ("evd-000-001-02", lambda e: e.update(end=e["end"] + 1)),
    "seed hash": ("src-004", lambda s: s.update(sha256="0" * 64)),
    "evidence id of another claim": ("evd-000-001-02", lambda e: e.update(id="evd-000-002-02")),
    "claim id of another seed": ("clm-000-001", lambda c: c.update(id="clm-004-001")),
    "week not starting on its Monday": ("clm-000-001", lambda c: c["claim_date"].update(precision="week")),
    "month not starting on its first": ("src-004", lambda s: s["published"].update(precision="month")),
    "unknown topic": ("clm-000-001", lambda c: c.update(topic="nk-troop-count")),
    "numeral not structured": ("clm-000-001", lambda c: c.update(text=c["text"] + " It named 12 units.")),
    "record id in the text": ("clm-000-001", lambda c: c.update(text=c["text"] + " As src-004 says.")),
    "justification citing an unlisted passage": (
        "clm-000-001", lambda c: c["verdict"].update(justification=c["verdict"]["justification"] + " See evd-000-001-07.")),
}


@pytest.mark.parametrize("record_id, mistake", SINGLE_RECORD_MISTAKES.values(), ids=SINGLE_RECORD_MISTAKES)
def test_the_block_prefilter_lets_every_single_record_rule_through(records, record_id, mistake):
    """needing_rules may skip a record only if record_findings would find nothing in it."""
    from factset.curation.record_rules import Block, SourceInfo, needing_rules, record_findings
    from factset.curation.registry import choose
    from factset.curation.seeds import SeedStore, default_seed_dir

    seeds = SeedStore(default_seed_dir())
    topics = choose().registry
    assert topics is not None
    sources = {d["id"]: SourceInfo.of(d) for d in records if d["type"] == "source"}
    texts = {s.id: seeds.text_of(s.seed_file) for s in sources.values()}
    types = [d["type"] for d in records]
    del by_id(records, "clm-000-001")["quantities"]  # a quantity is always checked: without it, the claim may be skipped
    assert not [d["id"] for d in records if record_findings(d, sources, seeds, topics)]
    assert needing_rules(Block.of(records, types), texts, sources, topics) == [0, 1, 2]  # the sources and the entity only

    at = records.index(by_id(records, record_id))
    mistake(records[at])  # (it may change the record's id)
    found = [i for i, d in enumerate(records) if record_findings(d, sources, seeds, topics)]
    assert found == [at]
    assert at in needing_rules(Block.of(records, types), texts, sources, topics)


def test_retraction_needs_a_reason(tmp_path, records):
    by_id(records, "ent-john-kirby")["curation"] = {"curated_by": "t", "review_status": "retracted"}
    assert [e[2] for e in run(tmp_path, records)] == ["/curation/note"]


def test_references_resolve_against_published_records(tmp_path, records):
    published = write_jsonl(tmp_path / "published.jsonl", records[:3])
    contribution = write_jsonl(tmp_path / "new.jsonl", records[3:])
    result = validate([contribution], against=[published])
    assert result.ok, result.errors
    result = validate([contribution])
    assert {e.message for e in result.errors} >= {"claimant entity 'ent-john-kirby' does not exist"}


def test_contribution_may_not_reuse_a_published_id(tmp_path, records):
    published = write_jsonl(tmp_path / "published.jsonl", records)
    contribution = write_jsonl(tmp_path / "new.jsonl", [records[2]])
    result = validate([contribution], against=[published])
    assert [e.message.split(":")[0] for e in result.errors] == ["duplicate id 'ent-john-kirby'"]


@pytest.mark.parametrize(
    "stances, label",
    [
        ([], "not_enough_evidence"),
        (["neutral"], "not_enough_evidence"),
        (["supports", "neutral"], "supported"),
        (["refutes"], "refuted"),
        (["supports", "refutes"], "conflicting_evidence"),
    ],
)
def test_expected_verdict(stances, label):
    assert expected_verdict(stances) == label


def test_verdict_must_cite_the_deciding_evidence(tmp_path, records):
    independent_support(records)
    verdict = by_id(records, "clm-000-001")["verdict"]
    verdict.update(evidence_ids=["evd-000-001-01"], justification="The analyst says the same.")  # the origin only
    _, _, at, _, msg = only(run(tmp_path, records))
    assert at == "/verdict/evidence_ids" and "none cited with stance supports" in msg


def test_verdict_lists_every_passage_its_justification_cites(tmp_path, records):
    verdict = by_id(records, "clm-000-001")["verdict"]
    listed = verdict["evidence_ids"]
    verdict["justification"] += " Also (evd-000-001-09) and evd-000-001-08; again evd-000-001-09."
    line, rid, at, _, msg = only(run(tmp_path, records))
    assert (rid, at) == ("clm-000-001", "/verdict/evidence_ids")
    assert "cites evd-000-001-08, evd-000-001-09, which evidence_ids does not list" in msg
    verdict["evidence_ids"] = listed + ["evd-000-001-08", "evd-000-001-09"]
    assert [e for e in run(tmp_path, records) if e[2] == "/verdict/evidence_ids"] == []  # listed: nothing to say


def test_the_cited_id_pattern_is_the_schemas():
    from factset.curation.record_rules import EVIDENCE_ID_IN_TEXT
    from factset.records.models import EVIDENCE_ID

    assert EVIDENCE_ID[1:-1] in EVIDENCE_ID_IN_TEXT.pattern  # the schema's pattern without ^ and $


def test_an_id_inside_a_longer_token_is_not_a_citation(tmp_path, records):
    verdict = by_id(records, "clm-000-001")["verdict"]
    verdict["justification"] += " (xevd-000-001-09, evd-000-001-09x, evd-000-001-09-1)"
    assert run(tmp_path, records) == []


def test_nearly_needs_an_upper_bound(tmp_path, records):
    q = by_id(records, "clm-000-001")["quantities"][0]
    q.update(qualifier="nearly", high=None)
    assert [e[2] for e in run(tmp_path, records)] == ["/quantities/0/high"]


def test_control_and_bidi_characters_are_refused(tmp_path, records):
    by_id(records, "clm-000-001")["text"] += " \u202e"
    by_id(records, "ent-john-kirby")["name"] = "John\u0000Kirby"
    by_id(records, "evd-000-001-01")["note"] = "a note\nwith a newline is fine"
    errors = run(tmp_path, records)
    assert [(e[1], e[2], e[3]) for e in errors] == [
        ("ent-john-kirby", "/name", "rules"),
        ("clm-000-001", "/text", "rules"),
    ]


def test_same_article_passages_do_not_decide_a_verdict(tmp_path, records):
    independent_support(records)
    ev = by_id(records, "evd-000-001-02")
    text = (REPO / "seeds" / "000_eb25a17c97a16560.txt").read_text(encoding="utf-8")
    quote = "For the time being, we will continue to monitor the situation closely."
    ev.update(source_id="src-000", quote=quote, start=text.index(quote), end=text.index(quote) + len(quote))
    errors = run(tmp_path, records)
    assert [(e[2], "expected 'not_enough_evidence'" in e[4]) for e in errors] == [("/verdict/label", True)]
    claim = by_id(records, "clm-000-001")
    claim["verdict"]["label"] = "not_enough_evidence"
    assert run(tmp_path, records) == []


HOSTILE = [*(chr(c) for c in range(0x20) if c != 0x0A), *(chr(c) for c in range(0x7F, 0xA0)),
           *"\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"]


@pytest.mark.parametrize("ascii_only", [False, True], ids=["literal-or-short-escape", "u-escape"])
@pytest.mark.parametrize("char", HOSTILE, ids=lambda c: f"U+{ord(c):04X}")
def test_every_hostile_character_is_refused_on_both_paths(char, ascii_only):
    """Whichever way JSON spells the character (raw, \\r-style short escape, \\uXXXX), both paths refuse it."""
    import json

    from factset.curation.fast_path import LineChecker
    from factset.curation.reference_path import check_slow

    record = json.loads((REPO / "tests" / "bad_inputs" / "control_chars.jsonl").read_text(encoding="utf-8"))
    record["name"] = f"Test{char}Person"
    raw = json.dumps(record, ensure_ascii=ascii_only).encode("utf-8")
    assert LineChecker()._fast(raw) is None  # not accepted: goes down the reference path
    data, findings, _ = check_slow(raw, first_line=True)
    assert data is not None
    assert [(at, stage) for at, stage, _ in findings] == [("/name", "rules")], findings
    assert f"U+{ord(char):04X}" in findings[0][2]


@pytest.mark.parametrize("jobs", [1, 2])
def test_locations_survive_gaps_files_and_ranges(tmp_path, records, monkeypatch, jobs):
    """Rows keep their file and line through blank lines, refused lines, published files
    given with --against, and a file split across workers."""
    import orjson

    from factset.curation import validate as validate_mod

    monkeypatch.setattr(validate_mod, "RANGE_BYTES", 300)  # a range of a line or two
    published = write_jsonl(tmp_path / "published.jsonl", [r for r in records if r["type"] == "source"])
    rest = [r for r in records if r["type"] != "source"]
    by_id(rest, "clm-000-001")["claimant_id"] = "ent-nobody"
    entities = [orjson.dumps(r).decode() for r in rest if r["type"] == "entity"]
    others = [orjson.dumps(r).decode() for r in rest if r["type"] != "entity"]
    lines = ["", "not json", *entities, "  ", "[]", *others]
    path = write_jsonl(tmp_path / "contributed.jsonl", lines)
    claim_line = 1 + lines.index(orjson.dumps(by_id(rest, "clm-000-001")).decode())
    assert claim_line > len(entities) + 4
    result = validate([path], against=[published], jobs=jobs)
    got = [(e.path, e.line, e.pointer) for e in result.sorted_errors()]
    assert got == [(str(path), 2, ""), (str(path), len(entities) + 4, ""), (str(path), claim_line, "/claimant_id")]


@pytest.mark.parametrize("change, pointer", [
    ({"qualifier": "more_than", "value": 2000, "low": 3000, "high": None}, "/quantities/0/value"),
    ({"qualifier": "at_least", "value": 3000, "low": 3000, "high": 4000}, "/quantities/0/high"),
    ({"qualifier": "about", "value": 3000, "low": 2000, "high": None}, "/quantities/0/low"),
    ({"qualifier": "between", "value": 2500, "low": 2000, "high": 3000}, "/quantities/0/value"),
    ({"qualifier": "as_many_as", "value": 3000, "low": 1000, "high": 3000}, "/quantities/0/low"),
])
def test_each_qualifier_is_written_one_way(tmp_path, records, change, pointer):
    by_id(records, "clm-000-001")["quantities"][0].update(change)
    assert [e[2] for e in run(tmp_path, records)] == [pointer]


@pytest.mark.parametrize("change", [
    {"qualifier": "more_than", "value": 3000, "low": 3000, "high": None},
    {"qualifier": "between", "value": None, "low": 2000, "high": 3000},
    {"qualifier": "exact", "value": 3000, "low": None, "high": None},
])
def test_the_one_way_passes(tmp_path, records, change):
    by_id(records, "clm-000-001")["quantities"][0].update(change)
    assert run(tmp_path, records) == []
