"""The rules a contributor meets beyond the shape of a record, and messages they can act on.

Each rule: the valid fixture passes, one mistake fails where it should, with a message that
says what to write instead; both paths (fast and reference) give the same report.
"""

import hashlib
import io
import json

import pytest

from factset.cli import main
from factset.curation.reporters import as_json
from factset.curation.validate import validate

from .conftest import REPO, by_id, write_jsonl


def report(result) -> str:
    out = io.StringIO()
    as_json(result, out)
    return out.getvalue()


def run(tmp_path, records, **kw):
    """Located errors of the records, the same on both paths (or the test fails)."""
    path = write_jsonl(tmp_path / "records.jsonl", records)
    fast, slow = validate([path], fast=True, **kw), validate([path], fast=False, **kw)
    assert report(fast) == report(slow)
    return [(e.record_id, e.pointer, e.stage, e.message) for e in fast.sorted_errors()]


def only(errors):
    assert len(errors) == 1, errors
    return errors[0]


def renamed(records, old, new):
    """The records with an id (and every mention of it) renamed."""
    return json.loads(json.dumps(records, ensure_ascii=False).replace(old, new))


# ------------------------------------------------------------------ ids


def test_the_fixture_passes(tmp_path, records):
    assert run(tmp_path, records) == []


@pytest.mark.parametrize("old, new, record_id, expect", [
    ("evd-000-001-02", "evd-000-002-02", "evd-000-002-02",
     "evidence id 'evd-000-002-02' does not follow its claim 'clm-000-001': an evidence id is its claim's numbers "
     "and a running number, e.g. 'evd-000-001-02'"),
    ("clm-000-001", "clm-004-001", "clm-004-001",
     "claim id 'clm-004-001' has the number of seed 004, but its source is src-000: a claim id starts with its "
     "source's number, e.g. 'clm-000-001'"),
    ("clm-000-001", "clm-0000-001", "clm-0000-001", "has the number of seed 0000, but its source is src-000"),
    ("src-004", "src-005", "src-005",
     "source id 'src-005' does not match its seed file '004_1457dd9868dddab3.txt': a source id is 'src-' and the "
     "seed file's number, here 'src-004'"),
])
def test_ids_carry_their_origin(tmp_path, records, old, new, record_id, expect):
    records = renamed(records, old, new)
    if old.startswith("clm"):  # the claim's evidence follows it, so that only the claim is wrong
        records = renamed(records, "evd" + old[3:], "evd" + new[3:])
    rid, pointer, stage, message = only(run(tmp_path, records))
    assert (rid, pointer, stage) == (record_id, "/id", "rules")
    assert expect in message


def test_renumbered_copies_keep_their_ids_valid(tmp_path):
    """tests/synthetic.py renumbers copies in the claim's running number: still valid ids."""
    from .synthetic import write_realistic

    result = validate([write_realistic(tmp_path / "copies.jsonl", 2500)])
    assert result.ok, result.sorted_errors()[:3]


# ---------------------------------------------------------------- dates


def _set_date(records, where, date):
    if where == "claim_date":
        by_id(records, "clm-000-001")["claim_date"].update(date)
    elif where == "as_of":
        by_id(records, "clm-000-001")["quantities"][0]["as_of"] = {"basis": "stated", **date}
    else:
        by_id(records, "src-000")["published"].update(date)
    return {"claim_date": "/claim_date/value", "as_of": "/quantities/0/as_of/value", "published": "/published/value"}[where]


@pytest.mark.parametrize("where, precision, value, first_day", [
    ("claim_date", "week", "2024-10-23", "2024-10-21"),
    ("claim_date", "month", "2024-10-23", "2024-10-01"),
    ("claim_date", "year", "2024-10-23", "2024-01-01"),
    ("as_of", "week", "2024-10-27", "2024-10-21"),  # a Sunday: its ISO week began on the Monday before
    ("as_of", "month", "2024-02-29", "2024-02-01"),
    ("published", "week", "2024-10-22", "2024-10-21"),
])
def test_a_date_of_a_period_is_its_first_day(tmp_path, records, where, precision, value, first_day):
    pointer = _set_date(records, where, {"value": value, "precision": precision})
    rid, at, stage, message = only(run(tmp_path, records))
    assert (at, stage) == (pointer, "rules")
    assert f"use {first_day}" in message and f"precision {precision!r}" in message
    _set_date(records, where, {"value": first_day, "precision": precision})
    assert run(tmp_path, records) == []


@pytest.mark.parametrize("value, precision", [("0001-01-01", "week"), ("9999-12-27", "week"), ("9999-12-01", "month")])
def test_period_dates_at_the_ends_of_the_calendar(tmp_path, records, value, precision):
    """The first day of a period is computed without leaving the calendar (0001-01-01 is a Monday)."""
    _set_date(records, "as_of", {"value": value, "precision": precision})
    assert run(tmp_path, records) == []
    _set_date(records, "as_of", {"value": "9999-12-31", "precision": precision})
    (_, at, _, message), = run(tmp_path, records)
    assert at == "/quantities/0/as_of/value" and "use 9999-12-" in message


# --------------------------------------------------------------- topics


def test_an_unknown_topic_gets_the_closest_registered_one(tmp_path, records):
    by_id(records, "clm-000-001")["topic"] = "nk-troop-combat-entry"
    rid, at, stage, message = only(run(tmp_path, records))
    assert (rid, at, stage) == ("clm-000-001", "/topic", "rules")
    assert message.startswith("unknown topic 'nk-troop-combat-entry': did you mean 'nk-troops-combat-entry'?")
    assert "data/topics.json" in message


def test_a_topic_like_none_gets_no_suggestion(tmp_path, records):
    by_id(records, "clm-000-001")["topic"] = "weather"
    (_, _, _, message), = run(tmp_path, records)
    assert message.startswith("unknown topic 'weather': (the topics are listed in")


def registry(path, *ids):
    path.write_text(json.dumps({"topics": [{"id": t, "description": f"About {t}."} for t in ids]}), encoding="utf-8")
    return path


def test_the_registry_can_be_named(tmp_path, records):
    mine = registry(tmp_path / "mine.json", "weather")
    by_id(records, "clm-000-001")["topic"] = "weather"
    assert run(tmp_path, records, topics=mine) == []
    assert [e[1] for e in run(tmp_path, records)] == ["/topic"]  # not a topic of data/topics.json


def fake_release(folder, records, topics=None):
    """A folder that is a release as far as the topic lookup is concerned."""
    folder.mkdir()
    names = []
    for name, kind in (("sources", "source"), ("entities", "entity"), ("claims", "claim"), ("evidence", "evidence")):
        write_jsonl(folder / f"{name}.jsonl", [r for r in records if r["type"] == kind])
        names.append(f"{name}.jsonl")
    if topics is not None:
        registry(folder / "topics.json", *topics)
        names.append("topics.json")
    files = {n: {"sha256": hashlib.sha256((folder / n).read_bytes()).hexdigest()} for n in names}
    (folder / "manifest.json").write_text(json.dumps({"files": files}), encoding="utf-8")
    return folder


def test_against_a_release_whose_registry_was_edited_the_registry_is_refused(tmp_path, records, capsys):
    published, contribution = records[:3], records[3:]
    by_id(contribution, "clm-000-001")["topic"] = "weather"
    path = write_jsonl(tmp_path / "new.jsonl", contribution)
    release = fake_release(tmp_path / "2.0.0", published, topics=["nk-troops-combat-entry"])
    registry(release / "topics.json", "weather")  # edited after it was published
    result = validate([path], against=[release])
    assert not result.ok
    assert [(e.stage, "does not match its sha256" in e.message) for e in result.errors] == [("read", True)]
    assert main(["validate", str(path), "--against", str(release)]) == 1
    assert "2.0.0/topics.json" in capsys.readouterr().out


def test_against_a_release_its_own_registry_decides(tmp_path, records):
    published, contribution = records[:3], records[3:]
    by_id(contribution, "clm-000-001")["topic"] = "weather"
    path = write_jsonl(tmp_path / "new.jsonl", contribution)
    release = fake_release(tmp_path / "2.0.0", published, topics=["weather"])
    assert validate([path], against=[release]).ok
    release = fake_release(tmp_path / "3.0.0", published, topics=["nk-troops-combat-entry"])
    result = validate([path], against=[release])
    assert [(e.pointer, e.message.split(":")[0]) for e in result.errors] == [("/topic", "unknown topic 'weather'")]
    assert "3.0.0/topics.json" in result.errors[0].message


def test_against_a_release_without_registry_topics_are_not_checked_and_the_report_says_so(tmp_path, records, capsys):
    published, contribution = records[:3], records[3:]
    by_id(contribution, "clm-000-001")["topic"] = "weather"
    path = write_jsonl(tmp_path / "new.jsonl", contribution)
    release = fake_release(tmp_path / "0.9.0", published)
    result = validate([path], against=[release])
    assert result.ok
    assert result.notes == ["release 0.9.0 has no topic registry (topics.json; it was published before there was "
                            "one): topics are not checked against it (give --topics FILE to check them)"]
    assert main(["validate", str(path), "--against", str(release)]) == 0
    out = capsys.readouterr().out
    assert "note: release 0.9.0 has no topic registry" in out and out.endswith("ok: 1 file(s), 1 claim, 2 evidence\n")


def test_release_0_1_0_has_no_registry_and_still_serves_as_the_published_records(tmp_path, records):
    release = REPO / "data" / "releases" / "0.1.0"
    assert not (release / "topics.json").exists()
    path = write_jsonl(tmp_path / "entity.jsonl", [dict(by_id(records, "ent-john-kirby"), id="ent-someone-new")])
    result = validate([path], against=[release])
    assert result.ok, result.errors
    assert result.notes and result.notes[0].startswith("release 0.1.0 has no topic registry")


@pytest.mark.parametrize("content, line, pointer, reason", [
    ('{"topics": [', 1, "", "invalid JSON"),
    ('{\n  "topics": [\n    {"id": "a", "description": "A."},\n    {"id": "a" "description": "A."}\n  ]\n}\n', 4, "",
     "invalid JSON: Expecting ',' delimiter"),
    ('{"topics": {}}', 0, "", 'expected {"topics": [{"id": ..., "description": ...}, ...]}'),
    ('{"topics": [{"id": "a"}]}', 0, "/topics/0", "exactly the keys 'id' and 'description'"),
    ('{"topics": [{"id": "Not An Id", "description": "x"}]}', 0, "/topics/0/id", "'Not An Id' is not a topic id"),
    ('{"topics": [{"id": "ok\\n", "description": "x"}]}', 0, "/topics/0/id", "is not a topic id"),
    ('{"topics": [{"id": "a", "description": " "}]}', 0, "/topics/0/description", "needs a description"),
    ('{"topics": [{"id": "a", "description": "A."}, {"id": "a", "description": "B."}]}', 0, "/topics/1/id",
     "listed twice"),
    ('{"topics": [], "topics": []}', 0, "", "duplicate key 'topics'"),
])
def test_a_malformed_registry_is_a_located_error(tmp_path, records, content, line, pointer, reason, capsys):
    bad = tmp_path / "topics.json"
    bad.write_text(content, encoding="utf-8")
    path = write_jsonl(tmp_path / "records.jsonl", records)
    result = validate([path], topics=bad)
    assert [(e.path, e.line, e.pointer, e.stage) for e in result.errors] == [(str(bad), line, pointer, "read")]
    assert reason in result.errors[0].message
    assert main(["validate", str(path), "--topics", str(bad)]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and out.startswith(str(bad))


def test_a_registry_that_is_no_regular_file_is_not_read(tmp_path, records):
    import os

    path = write_jsonl(tmp_path / "records.jsonl", records)
    link = tmp_path / "link.json"
    link.symlink_to(REPO / "data" / "topics.json")
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    huge = tmp_path / "huge.json"
    huge.write_bytes(b" " * (2 << 20))
    for registry_path, reason in ((link, "symbolic link"), (fifo, "not a regular file"), (huge, "over the limit")):
        (error,) = validate([path], topics=registry_path).errors
        assert reason in error.message, error


def test_a_missing_named_registry_is_a_usage_error(tmp_path, records, capsys):
    path = write_jsonl(tmp_path / "records.jsonl", records)
    assert main(["validate", str(path), "--topics", str(tmp_path / "none.json")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


# ------------------------------------------------------------- numerals


def test_every_numeral_of_a_claim_text_is_a_quantity(tmp_path, records):
    claim = by_id(records, "clm-000-001")
    claim["text"] += " Some 12,000 more were expected within 2 weeks."
    rid, at, stage, message = only(run(tmp_path, records))
    assert (rid, at, stage) == ("clm-000-001", "/text", "rules")
    position = claim["text"].index("12,000")
    assert message.startswith(f"the text states '12,000' (at {position}), '2' (at {claim['text'].index('2 weeks')}), "
                              "which no quantity structures: add a quantity")
    claim["quantities"] += [dict(claim["quantities"][0], text="some 12,000", value=12000, high=None, qualifier="about"),
                            dict(claim["quantities"][0], text="two weeks", value=2, high=None, qualifier="exact", unit="weeks")]
    assert run(tmp_path, records) == []


def test_a_claim_text_names_no_record_id(tmp_path, records):
    by_id(records, "clm-000-001")["text"] += " As src-004 also reports."
    (rid, at, _, message), = run(tmp_path, records)
    assert (rid, at) == ("clm-000-001", "/text") and "names the record id 'src-004'" in message


# ------------------------------------------------------------- messages


def test_each_missing_field_is_reported_once(tmp_path, records):
    claim = by_id(records, "clm-000-001")
    missing = ["text", "claimant_id", "attribution", "claim_date", "kind", "checkworthiness", "attestation", "verdict"]
    for name in missing:
        del claim[name]
    errors = run(tmp_path, records)
    own = [e for e in errors if e[0] == "clm-000-001"]
    assert sorted(e[1] for e in own) == sorted(f"/{name}" for name in missing)
    assert all(e[3] == f"missing required field {e[1][1:]!r}" for e in own)
    # and the claim's evidence names it as the cause, after it
    assert [e[0] for e in errors[len(own):]] == ["evd-000-001-01", "evd-000-001-02"]
    assert all("is itself invalid" in e[3] for e in errors[len(own):])


def test_root_causes_come_before_their_knock_on_errors(tmp_path, records):
    """A source refused for its shape, in a file read after the claims that cite it (as
    sources.jsonl after claims-000.jsonl): its own error heads the report."""
    folder = tmp_path / "curated"
    folder.mkdir()
    sources = [r for r in records if r["type"] == "source"]
    del by_id(sources, "src-000")["sha256"]
    write_jsonl(folder / "claims-000.jsonl", [r for r in records if r["type"] in ("claim", "evidence")])
    write_jsonl(folder / "entities.jsonl", [r for r in records if r["type"] == "entity"])
    write_jsonl(folder / "sources.jsonl", sources)
    errors = validate([folder]).sorted_errors()
    assert (errors[0].record_id, errors[0].pointer) == ("src-000", "/sha256")
    assert [e.record_id for e in errors[1:]] == ["clm-000-001", "evd-000-001-01"]
    assert all(f"is itself invalid (see {folder / 'sources.jsonl'}:1)" in e.message for e in errors[1:])


def test_a_verdict_judged_without_a_refused_passage_says_so(tmp_path, records):
    from .test_rules import independent_support

    independent_support(records)
    del by_id(records, "evd-000-001-02")["quote"]
    errors = run(tmp_path, records)
    assert errors[0] == ("evd-000-001-02", "/quote", "schema", "missing required field 'quote'")
    assert errors[1][:2] == ("clm-000-001", "/verdict/evidence_ids/0")
    assert errors[1][3] == f"cited evidence 'evd-000-001-02' is itself invalid (see {tmp_path / 'records.jsonl'}:6)"
    assert errors[2][:2] == ("clm-000-001", "/verdict/label")
    assert errors[2][3].endswith(f"(judged without 'evd-000-001-02', which is itself invalid: see {tmp_path / 'records.jsonl'}:6)")
    assert len(errors) == 3


@pytest.mark.parametrize("record_id, field, value, expect", [
    ("clm-000-001", "id", "clm-000-1", "'clm-000-1' is not a valid claim id: e.g. 'clm-000-001'"),
    ("ent-john-kirby", "id", "ent-John", "'ent-John' is not a valid entity id: e.g. 'ent-john-kirby'"),
    ("evd-000-001-01", "id", "evd-000-001-1", "'evd-000-001-1' is not a valid evidence id: e.g. 'evd-000-001-01'"),
    ("src-000", "id", "src-0", "'src-0' is not a valid source id: e.g. 'src-000'"),
    ("src-000", "seed_file", "000.txt", "'000.txt' is not a seed file name: e.g. 003_79ee2a5e145d287a.txt"),
    ("clm-000-001", "topic", "Troops", "'Troops' is not a topic id: e.g. 'nk-troops-in-russia-count'"),
])
def test_a_malformed_id_gets_an_example_not_a_pattern(tmp_path, records, record_id, field, value, expect):
    by_id(records, record_id)[field] = value
    errors = [e for e in run(tmp_path, records) if e[2] == "schema"]
    assert len(errors) == 1 and errors[0][3].startswith(expect), errors
    assert "^" not in errors[0][3] and "[0-9]" not in errors[0][3]


@pytest.mark.parametrize("value", ["23/10/2024", "2024-02-30", "2024-10-23T10:00", "October 2024"])
def test_a_bad_date_says_which_format(tmp_path, records, value):
    by_id(records, "clm-000-001")["claim_date"]["value"] = value
    (rid, at, stage, message), *_ = run(tmp_path, records)
    assert (at, stage) == ("/claim_date/value", "schema")
    assert message == f"{value!r} is not a date: use YYYY-MM-DD, a day of the calendar (e.g. '2024-10-23')"


def test_a_quote_of_another_seed_says_which(tmp_path, records):
    ev = by_id(records, "evd-000-001-02")
    ev["source_id"] = "src-000"  # the passage is in seed 004
    errors = run(tmp_path, records)
    quote_errors = [e for e in errors if e[1] == "/quote"]
    (_, _, _, message), = quote_errors
    assert (f"the quote is not in 000_eb25a17c97a16560.txt, it stands in 004_1457dd9868dddab3.txt, the seed of src-004, "
            f"at start={ev['start']}, end={ev['end']}: is source_id 'src-004' meant?") in message


def test_a_quote_nearly_in_its_seed_shows_the_difference(tmp_path, records):
    ev = by_id(records, "evd-000-001-01")
    ev["quote"] = ev["quote"].replace("yet know", "yet understand")
    (_, at, _, message), = run(tmp_path, records)
    assert at == "/quote"
    assert (f"quote not found in 000_eb25a17c97a16560.txt; the closest passage, at start={ev['start']}, "
            f"end={ev['start'] + len(ev['quote']) - 6}, reads '“We do not yet know whether") in message
    assert "where the quote has '“We do not yet understand whether" in message
