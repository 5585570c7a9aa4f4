"""The fast path and the reference path report the same errors; so do 1 and N jobs."""

import pytest

from factset import validate as validate_mod
from factset.output import as_json
from factset.synthetic import mixed_lines, realistic_lines
from factset.validate import validate


def report(result) -> str:
    import io

    out = io.StringIO()
    as_json(result, out)
    return out.getvalue()


@pytest.fixture(scope="module")
def mixed(tmp_path_factory, latest):
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
    monkeypatch.setattr(validate_mod, "CHUNK_BYTES", 64 * 1024)  # many ranges even for a small file
    one = validate([mixed], jobs=1)
    two = validate([mixed], jobs=2)
    assert len(validate_mod._tasks([(mixed, True)])) > 5
    assert report(one) == report(two)


def test_clean_synthetic_file_is_valid(tmp_path, latest):
    path = tmp_path / "clean.jsonl"
    path.write_text("".join(line + "\n" for line in realistic_lines(2500)), encoding="utf-8")
    result = validate([path], jobs=2)
    assert result.ok, result.sorted_errors()[:3]
    assert sum(result.records.values()) == 2500
