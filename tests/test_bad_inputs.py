"""The hostile-input corpus: each file gives its one expected, located error, exit 1,
no traceback, in bounded time and memory, and nothing is written."""

import json
import resource
import subprocess
import sys
import time

import pytest

from .conftest import REPO

CORPUS = REPO / "tests" / "bad_inputs"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
LIMIT_SECONDS, LIMIT_BYTES = 5, 500 * 2**20


def run_validate(path, cwd, *extra):
    before = sorted(p.name for p in cwd.iterdir())
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "factset.cli", "validate", "--format", "json", "--against", str(REPO / "data" / "curated"), *extra, str(path)],
        capture_output=True, text=True, cwd=cwd, timeout=60,
    )
    elapsed = time.monotonic() - started
    assert sorted(p.name for p in cwd.iterdir()) == before, "validation wrote files"
    return proc, elapsed


def check(proc, elapsed, expect):
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert elapsed < LIMIT_SECONDS
    errors = json.loads(proc.stdout)["errors"]
    assert len(errors) == 1, errors
    (error,) = errors
    assert (error["line"], error["pointer"], error["stage"]) == (expect["line"], expect["pointer"], expect["stage"])
    assert expect["message"] in error["message"]
    # ru_maxrss of children is in KiB on Linux: the largest child so far stays under the bound.
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 < LIMIT_BYTES


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_file(name, tmp_path):
    """Through the fast path and the reference path (--slow): the expected error, and the same report."""
    fast, elapsed = run_validate(CORPUS / name, tmp_path)
    check(fast, elapsed, EXPECTED[name])
    slow, elapsed = run_validate(CORPUS / name, tmp_path, "--slow")
    check(slow, elapsed, EXPECTED[name])
    assert fast.stdout == slow.stdout


def test_fifty_megabyte_line(tmp_path):
    from .synthetic import write_long_line

    path = write_long_line(tmp_path / "huge_line.jsonl", b'{"type": "entity", "id": "ent-x", "name": "', 50, b'"}\n')
    proc, elapsed = run_validate(path, tmp_path)
    check(proc, elapsed, {"line": 1, "pointer": "", "stage": "read", "message": "over the limit of 1,048,576"})


def test_line_limit_is_configurable(tmp_path):
    entity = CORPUS / "unknown_field.jsonl"
    proc, elapsed = run_validate(entity, tmp_path, "--max-line-bytes", "50")
    check(proc, elapsed, {"line": 1, "pointer": "", "stage": "read", "message": "over the limit of 50 (--max-line-bytes)"})


def test_corpus_readme_lists_every_file():
    table = (CORPUS / "README.md").read_text(encoding="utf-8")
    for name in EXPECTED:
        assert f"`{name}`" in table


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_both_paths_give_the_same_report(name):
    """The fast path and the reference path report each hostile file alike, byte for byte."""
    import io

    from factset.curation.reporters import as_json
    from factset.curation.validate import validate

    reports = []
    for fast in (True, False):
        out = io.StringIO()
        as_json(validate([CORPUS / name], against=[REPO / "data" / "curated"], fast=fast), out)
        reports.append(out.getvalue())
    assert reports[0] == reports[1]
