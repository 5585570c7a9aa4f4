"""Dates and numbers at their extremes: the fast path and the reference path give the same
verdict on every one, and whatever `validate` accepts, `build` and `report` handle.

The fast path (jiter/orjson + jsonschema-rs) and the reference path (json + jsonschema +
Pydantic) are different libraries: where they could read a value differently (a year 0000,
an integer no double holds), the verdict must still be one, or `validate` would pass what
`build` then crashes on.
"""

from __future__ import annotations

import copy
import json

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from factset.curation.fast_path import BlockChecker, LineChecker
from factset.curation.reference_path import check_slow

from .conftest import by_id, fixture_seed_dir, valid_records

RECORDS = valid_records()
CLAIM, SOURCE, EVIDENCE = by_id(RECORDS, "clm-000-001"), by_id(RECORDS, "src-000"), by_id(RECORDS, "evd-000-001-01")
FAST = LineChecker(fast=True)
BLOCKS = BlockChecker()
LIMIT = 2**53 - 1  # the largest integer every JSON parser reads exactly (I-JSON, RFC 7493)


def verdicts(record_text: str) -> tuple[bool, bool, bool]:
    """(fast line path, block path, reference path): whether each accepts the line."""
    raw = record_text.encode("utf-8")
    fast, fast_findings, _ = FAST.check(raw, False)
    slow, slow_findings, _ = check_slow(raw, False)
    block = BLOCKS.check(raw)
    assert fast_findings == slow_findings or fast is not None  # the fast path hands refusals to the reference path
    return fast is not None and not fast_findings, block is not None, slow is not None and not slow_findings


def same_verdict(record_text: str) -> bool:
    fast, block, slow = verdicts(record_text)
    assert fast == slow, record_text
    assert not block or slow, record_text  # the block path may decline, never vouch for a refused line
    return slow


# ------------------------------------------------------------------------------- dates

DIGITS = st.text("0123456789", min_size=1, max_size=5)
YEAR = st.one_of(st.integers(0, 9999).map(lambda y: f"{y:04d}"), st.sampled_from(["0000", "0001", "9999", "10000", "-001"]))
MONTH = st.one_of(st.integers(0, 13).map(lambda m: f"{m:02d}"), DIGITS)
DAY = st.one_of(st.integers(0, 32).map(lambda d: f"{d:02d}"), DIGITS)
DATES = st.one_of(
    st.builds(lambda y, m, d: f"{y}-{m}-{d}", YEAR, MONTH, DAY),
    st.builds(lambda y, m, d, tail: f"{y}-{m}-{d}{tail}", YEAR, MONTH, DAY, st.sampled_from(["T00:00:00", "Z", " ", "\n"])),
    st.text(alphabet="0123456789-WT:+Z ２", max_size=12),
)
PRECISIONS = st.sampled_from(["day", "week", "month", "year"])


def dated(where: str, value: str, precision: str) -> str:
    if where == "claim_date":
        d = copy.deepcopy(CLAIM)
        d["claim_date"].update(value=value, precision=precision)
    elif where == "as_of":
        d = copy.deepcopy(CLAIM)
        d["quantities"][0]["as_of"] = {"value": value, "precision": precision, "basis": "stated"}
    else:
        d = copy.deepcopy(SOURCE)
        d["published"].update(value=value, precision=precision)
    return json.dumps(d, ensure_ascii=False)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(where=st.sampled_from(["claim_date", "as_of", "published"]), value=DATES, precision=PRECISIONS)
@example(where="claim_date", value="0000-01-01", precision="day")
@example(where="published", value="0000-01-01", precision="day")
@example(where="as_of", value="0000-12-31", precision="year")
@example(where="as_of", value="9999-12-30", precision="week")
@example(where="published", value="9999-12-31", precision="week")
@example(where="claim_date", value="0001-01-01", precision="year")
def test_fast_and_reference_paths_agree_on_every_date(where, value, precision):
    same_verdict(dated(where, value, precision))


def test_a_year_python_cannot_hold_is_refused_by_both_paths():
    for where in ("claim_date", "as_of", "published"):
        assert not same_verdict(dated(where, "0000-01-01", "day")), where
        assert same_verdict(dated(where, "9999-12-31", "week")), where  # the period is cut at the last day there is


# ----------------------------------------------------------------------------- numbers

NUMBER_TEXTS = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.integers(LIMIT - 3, LIMIT + 3).map(str),
    st.integers(-LIMIT - 3, -LIMIT + 3).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["1e308", "1E+308", "1.7976931348623157e308", "1.8e308", "-1.8e308", "5e-324", "1e-400", "-0",
                     "-0.0", "0e0", "1" + "0" * 400, "-1" + "0" * 400, "9007199254740993", "18446744073709551616",
                     "1.0", "12.50", "1e2"]),
)


def with_number(field: str, text: str) -> str:
    if field in ("start", "end"):
        d = copy.deepcopy(EVIDENCE)
        d[field] = 424242
    else:
        d = copy.deepcopy(CLAIM)
        d["quantities"][0].update(value=None, low=None, high=None, qualifier="exact")
        d["quantities"][0][field] = 424242
    line = json.dumps(d, ensure_ascii=False)
    assert line.count("424242") == 1
    return line.replace("424242", text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(["value", "low", "high", "start", "end"]), text=NUMBER_TEXTS)
@example(field="value", text="1" + "0" * 400)
@example(field="value", text=str(LIMIT + 2))
@example(field="start", text=str(LIMIT + 2))
@example(field="high", text="1.7976931348623157e308")
def test_fast_and_reference_paths_agree_on_every_number(field, text):
    same_verdict(with_number(field, text))
    compact = orjson.dumps(json.loads(with_number(field, "424242"))).decode().replace("424242", text)
    same_verdict(compact)  # the layout orjson writes takes the one-parse block path


@pytest.mark.parametrize("text", ["1" + "0" * 400, str(LIMIT + 1), str(-LIMIT - 1), "18446744073709551616"])
def test_an_integer_no_double_holds_is_refused_by_both_paths(text):
    assert not same_verdict(with_number("value", text))
    _, findings, _ = check_slow(with_number("value", text).encode(), False)
    assert findings[0][1:] == ("json", findings[0][2]) and "9,007,199,254,740,991" in findings[0][2]


@pytest.mark.parametrize("text", [str(LIMIT), str(-LIMIT), "1.7976931348623157e308", "5e-324"])
def test_the_extremes_a_double_holds_are_accepted(text):
    assert same_verdict(with_number("value", text))


# ------------------------------------------------------- what validate accepts, build and report handle

EXTREMES = {
    "the last week there is": {"as_of": {"value": "9999-12-27", "precision": "week", "basis": "stated"},
                               "quantity": {"value": LIMIT, "qualifier": "exact"}},
    # (9999-12-30 with precision week is refused now: a week is written as its Monday, 9999-12-27)
    "the last day there is": {"as_of": {"value": "9999-12-31", "precision": "day", "basis": "stated"},
                              "quantity": {"value": -LIMIT, "qualifier": "about"}},
    "the first year there is": {"as_of": {"value": "0001-01-01", "precision": "year", "basis": "stated"},
                                "quantity": {"low": -1.7976931348623157e308, "high": 1.7976931348623157e308,
                                             "qualifier": "between"}},
    "the largest doubles": {"as_of": {"value": "9999-12-01", "precision": "month", "basis": "stated"},
                            "quantity": {"value": 1.7976931348623157e308, "low": 1.7976931348623157e308,
                                         "qualifier": "more_than"}},
    "the smallest double": {"as_of": None, "quantity": {"value": 5e-324, "qualifier": "exact"}},
}


@pytest.mark.parametrize("case", EXTREMES)
def test_whatever_validate_accepts_build_and_report_handle(case, tmp_path):
    """A quantity of 10^400, an as-of date in the week of 9999-12-30 and a country '$\\foo$'
    (matplotlib math text) passed validate and crashed build or report."""
    from factset.curation.validate import validate
    from factset.publish.build import build
    from factset.publish.release import load
    from factset.research.report import write_report
    from factset.research.timeline import MAIN_TOPIC, release_figures, timeline_points

    from .conftest import write_jsonl

    records = copy.deepcopy(RECORDS)
    claim = by_id(records, "clm-000-001")
    quantity = {**claim["quantities"][0], "value": None, "low": None, "high": None, **EXTREMES[case]["quantity"]}
    if EXTREMES[case]["as_of"] is not None:
        quantity["as_of"] = EXTREMES[case]["as_of"]
    claim.update(kind="numeric_estimate", topic=MAIN_TOPIC, quantities=[quantity])
    by_id(records, "ent-john-kirby").update(country="$\\foo$", name="Kirby $x^2$ \\frac{1}{0}")
    curated = tmp_path / "curated"
    curated.mkdir()
    write_jsonl(curated / "records.jsonl", records)
    result = validate([curated])
    assert result.ok, result.errors
    outcome = build(curated, tmp_path / "releases", "1.0.0", "2026-01-01", validate=lambda paths: validate(paths),
                    figures=release_figures, seed_dir=fixture_seed_dir())
    release = load(directory=tmp_path / "releases")
    assert outcome.path == release.path and len(timeline_points(release)) == 1
    written = write_report(release, tmp_path / "report")
    assert {p.name for p in written} == {"timeline.png", "matrix.png", "index.html"}
    assert "Kirby $x^2$" in (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
