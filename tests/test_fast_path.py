"""The fast path and the reference path report the same errors; so do 1 and N jobs."""

import pytest

from factset.curation import validate as validate_mod
from factset.curation.reporters import as_json
from .synthetic import mixed_lines, realistic_lines
from factset.curation.validate import validate


def report(result) -> str:
    import io

    out = io.StringIO()
    as_json(result, out)
    return out.getvalue()


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    path = tmp_path_factory.mktemp("mixed") / "mixed.jsonl"
    path.write_bytes(b"\n".join(mixed_lines(3000, error_rate=0.25, seed=7)) + b"\n")
    return path


def test_fast_and_reference_paths_agree_byte_for_byte(mixed):
    fast = validate([mixed], fast=True)
    slow = validate([mixed], fast=False)
    assert len(slow.errors) > 300  # the file really is full of mistakes
    assert {"read", "json", "schema", "rules"} <= {e.stage for e in slow.errors}
    assert report(fast) == report(slow)


def test_jobs_give_the_same_report(mixed, monkeypatch):
    monkeypatch.setattr(validate_mod, "RANGE_BYTES", 64 * 1024)  # many ranges even for a small file
    one = validate([mixed], jobs=1)
    two = validate([mixed], jobs=2)
    assert len(validate_mod._tasks([(mixed, True)])) > 5
    assert report(one) == report(two)


@pytest.mark.parametrize("jobs", [1, 2])
def test_rules_across_records_give_the_same_report_a_slice_at_a_time(mixed, tmp_path, monkeypatch, jobs):
    """The rules across records work on slices of _STEP rows (and find duplicates a part of
    the ids at a time) to bound memory at scale; with tiny slices the report is the same."""
    from factset.curation import facts as rules

    lines = mixed.read_bytes().splitlines()
    copies = [line for line in lines if line.startswith(b'{"type":')][100:2000:150]  # ids used twice
    path = tmp_path / "with-duplicates.jsonl"
    path.write_bytes(b"\n".join(lines + copies) + b"\n")
    whole = validate([path], jobs=jobs)
    assert sum("duplicate id" in e.message for e in whole.errors) >= 5
    assert sum("does not exist" in e.message for e in whole.errors) >= 20
    monkeypatch.setattr(rules, "_STEP", 16)
    assert report(validate([path], jobs=jobs)) == report(whole)


def test_clean_synthetic_file_is_valid(tmp_path):
    path = tmp_path / "clean.jsonl"
    path.write_text("".join(line + "\n" for line in realistic_lines(2500)), encoding="utf-8")
    result = validate([path], jobs=2)
    assert result.ok, result.sorted_errors()[:3]
    assert sum(result.records.values()) == 2500


@pytest.fixture(scope="module", params=["orjson", "json.dumps"])
def mostly_valid(request, tmp_path_factory):
    """Few mistakes: most chunks pass the block checker whole, a few go line by line; in the
    compact layout orjson writes (one parse a chunk) and in json.dumps's (jiter on each line)."""
    import json

    from factset.curation.loader import parse_object

    lines = list(mixed_lines(6000, error_rate=0.004, seed=11))
    if request.param == "json.dumps":
        relaid = []
        for raw in lines:
            try:
                relaid.append(json.dumps(parse_object(raw.decode("utf-8")), ensure_ascii=False).encode())
            except ValueError:
                relaid.append(raw)
        lines = relaid
    path = tmp_path_factory.mktemp("mostly") / f"mostly-{request.param}.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_block_path_agrees_with_the_reference_path(mostly_valid, monkeypatch):
    from factset.curation.fast_path import BlockChecker

    vouched, original = [], BlockChecker.check

    def counting(self, chunk):
        records = original(self, chunk)
        vouched.append(records is not None)
        return records

    monkeypatch.setattr(BlockChecker, "check", counting)
    fast = validate([mostly_valid], fast=True)
    assert 0.5 < sum(vouched) / len(vouched) < 1  # both ways are taken
    slow = validate([mostly_valid], fast=False)
    assert 5 < len(slow.errors) < 100
    assert report(fast) == report(slow)


def test_block_and_line_facts_are_the_same(tmp_path):
    """add_block on a chunk gives exactly the columns of add on each of its records."""
    import json

    from factset.curation.facts import Facts
    from factset.curation.record_rules import Block

    records = [json.loads(line) for line in realistic_lines(1500)]
    one, block = Facts(), Facts()
    add = one.adder()
    for number, record in enumerate(records, start=7):
        add(record, 3, number)
    add_block = block.block_adder()
    for at in range(0, len(records), 40):
        part = records[at:at + 40]
        add_block(Block.of(part, [d["type"] for d in part]), 3, 7 + at)
    assert len(one.ids) == 1500 and len(one.cited_evidence) > 300 and len(one.ref_targets) > 10
    assert one == block


def test_lines_whose_boundaries_differ_from_their_records_are_read_one_by_one():
    """Three valid records, written as orjson writes them, cut into lines elsewhere than
    between records: joined, the lines parse to the three records; alone, none of them does."""
    import orjson

    from factset.curation.fast_path import BlockChecker

    entity = orjson.loads(next(line for line in realistic_lines(60) if '"type":"entity"' in line))
    one, two, three = (orjson.dumps({**entity, "id": f"ent-test-{k}", "note": "before,after"}) for k in "abc")
    cut = one.index(b"before,") + len(b"before")
    checker = BlockChecker()
    assert checker.check(b"\n".join([one, two, three])) is not None  # the records are valid
    assert checker.check(b"\n".join([one[:cut], one[cut + 1:], two + b"," + three])) is None


def test_any_json_layout_gives_the_same_report(tmp_path):
    """Records laid out otherwise than orjson writes them (spaces, escaped non-ASCII) take the
    line-by-line path and are judged the same."""
    import json

    from factset.curation.loader import parse_object

    lines = list(mixed_lines(1200, error_rate=0.02, seed=3))
    compact = tmp_path / "compact.jsonl"
    compact.write_bytes(b"\n".join(lines) + b"\n")
    spaced = tmp_path / "spaced.jsonl"
    relaid = []
    for raw in lines:
        try:
            relaid.append(json.dumps(parse_object(raw.decode("utf-8")), ensure_ascii=True).encode())
        except ValueError:
            relaid.append(raw)  # lines that the strict reading refuses stay as they are
    spaced.write_bytes(b"\n".join(relaid) + b"\n")
    a, b = validate([compact]), validate([spaced])
    assert not a.ok
    assert [(e.line, e.pointer, e.stage) for e in a.sorted_errors()] == [(e.line, e.pointer, e.stage) for e in b.sorted_errors()]


@pytest.mark.parametrize("jobs", [1, 2])
def test_records_before_their_source_are_still_checked(tmp_path, monkeypatch, jobs):
    """Sources at the end of the file: their records are checked once every source is known."""
    import json

    monkeypatch.setattr(validate_mod, "RANGE_BYTES", 64 * 1024)
    lines = list(realistic_lines(2000))
    sources = [line for line in lines if json.loads(line)["type"] == "source"]
    rest = [line for line in lines if json.loads(line)["type"] != "source"]
    bad = next(i for i, line in enumerate(rest) if json.loads(line)["type"] == "evidence")
    record = json.loads(rest[bad])
    record["start"] += 1
    rest[bad] = json.dumps(record, ensure_ascii=False)
    path = tmp_path / "sources-last.jsonl"
    path.write_text("\n".join(rest + sources) + "\n", encoding="utf-8")
    result = validate([path], jobs=jobs)
    assert [(e.line, e.pointer) for e in result.sorted_errors()] == [(bad + 1, "/quote")]
    assert sum(result.records.values()) == 2000


def test_array_schema_of_each_type_judges_each_record_by_its_own_schema(mixed):
    """The compiled array schema of a type accepts a record exactly when the committed schema of
    that type does; the block checker refuses records of no known type."""
    import json

    import jsonschema_rs

    from factset.records import schema
    from factset.curation.fast_path import BlockChecker, fast_validators

    own = {name: jsonschema_rs.Draft202012Validator(schema.load(name), validate_formats=True)
           for name in schema.RECORD_NAMES}
    arrays = fast_validators()
    verdicts = []
    for raw in mixed.read_bytes().splitlines():
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("type") in own:
            expected = own[data["type"]].is_valid(data)
            assert arrays[data["type"]].is_valid([data]) == expected, raw[:200]
            verdicts.append(expected)
    assert 50 < verdicts.count(False) < len(verdicts) - 1000
    entity = next(line for line in realistic_lines(60) if '"type":"entity"' in line).encode()
    assert BlockChecker().check(entity) is not None
    for stranger in (b'{"type": "tweet"}', b"{}", b"[]", b'{"type": ["entity"]}'):
        assert BlockChecker().check(entity + b"\n" + stranger) is None, stranger


@pytest.mark.parametrize("layout", ["orjson", "json.dumps"])
@pytest.mark.parametrize("mistake", ["none", "offset 5.0", "quantity 1e999", "duplicate key", "control character"])
def test_block_checker_leaves_what_the_schema_misses_to_the_line_path(layout, mistake):
    """Lines the compiled schema would pass but the strict reading refuses: the block checker
    must not vouch for a chunk holding one, in either layout."""
    import json

    import orjson

    from factset.curation.fast_path import BlockChecker

    every = [json.loads(line) for line in realistic_lines(1200)]
    start = next(i for i, d in enumerate(every) if d["type"] == "claim" and d.get("quantities"))
    records = every[start:start + 40]
    claim = records[0]
    evidence = next(d for d in records if d["type"] == "evidence")

    def write(d):
        return orjson.dumps(d) if layout == "orjson" else json.dumps(d, ensure_ascii=False).encode()

    lines = [write(d) for d in records]
    at_claim, at_evidence = records.index(claim), records.index(evidence)
    if mistake == "offset 5.0":
        lines[at_evidence] = write({**evidence, "start": float(evidence["start"])})
    elif mistake == "quantity 1e999":
        value = claim["quantities"][0]["value"]
        lines[at_claim] = lines[at_claim].replace(f':{value},'.encode(), b':1e999,').replace(f': {value},'.encode(), b': 1e999,')
        assert b"1e999" in lines[at_claim]
    elif mistake == "duplicate key":
        lines[at_evidence] = lines[at_evidence][:-1] + (b',"note":null}' if layout == "orjson" else b', "note": null}')
    elif mistake == "control character":
        lines[at_evidence] = write({**evidence, "note": "a\rb"})
    got = BlockChecker().check(b"\n".join(lines))
    assert (got is not None) == (mistake == "none")
