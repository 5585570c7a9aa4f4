"""docs/REVIEW-0.1.0.md answers every finding of the independent review of release 0.1.0.

The review itself lives outside the repository (../shared/review/); the fixture keeps what the
table must answer — each finding's id, the record it names and its severity — so that CI on a
clean clone can check the table."""
import json
import re

from .conftest import REPO

FIXTURE = REPO / "tests" / "fixtures" / "review" / "release-0.1.0-findings.json"
TABLE = REPO / "docs" / "REVIEW-0.1.0.md"
ROW = re.compile(r"^\| (?P<finding>[^ |]+) \| (?P<record>[^|]*?) \| (?P<code>[^|]*?) \| "
                 r"(?P<severity>[^|]*?) \| (?P<outcome>[^|]*?) \| (?P<what>.*) \|$", re.M)


def table_rows():
    rows = {}
    for m in ROW.finditer(TABLE.read_text(encoding="utf-8")):
        if m["finding"] == "finding":  # the header row
            continue
        assert m["finding"] not in rows, f"finding {m['finding']} answered twice"
        rows[m["finding"]] = m.groupdict()
    return rows


def findings():
    return [f for fs in json.loads(FIXTURE.read_text(encoding="utf-8")).values() for f in fs]


def test_every_finding_has_exactly_one_answer():
    rows = table_rows()
    wanted = {f["finding"] for f in findings()}
    assert len(wanted) == 124
    assert sorted(wanted - rows.keys()) == []
    assert sorted(rows.keys() - wanted) == []


def test_each_answer_names_the_record_and_says_what_became_of_it():
    rows = table_rows()
    for f in findings():
        row = rows[f["finding"]]
        assert f["id"] in row["record"], (f["finding"], row["record"])
        assert row["severity"].strip() == f["severity"], f["finding"]
        assert row["outcome"].strip() in ("fixed", "kept"), f["finding"]
        # a kept finding needs its reason; a fixed one says what was done
        assert len(row["what"].strip()) >= 20, f["finding"]


def test_the_summary_line_counts_the_table():
    rows = table_rows()
    fixed = sum(r["outcome"].strip() == "fixed" for r in rows.values())
    kept = sum(r["outcome"].strip() == "kept" for r in rows.values())
    text = TABLE.read_text(encoding="utf-8")
    assert f"It made {len(rows)} findings" in text
    assert f"**{fixed} fixed, {kept} kept**" in text
