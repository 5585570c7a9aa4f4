"""Shared fixtures: a small, valid record set built on the real seed 000."""

from __future__ import annotations

import atexit
import copy
import functools
import json
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CURATED = REPO / "data" / "curated"
RELEASES = REPO / "data" / "releases"

CURATION = {"curated_by": "tests", "review_status": "draft"}
KIRBY_QUOTE = (
    "“We do not yet know whether these soldiers will enter into combat alongside the Russian military, "
    "but this is certainly a highly concerning probability,” White House national security spokesperson "
    "John Kirby said Wednesday."
)
KIRBY_004 = "He also said that he did not know for sure. “But this is certainly a very worrying possibility,” he added."


def _source(source_id: str) -> dict:
    for line in (CURATED / "sources.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["id"] == source_id:
            record.pop("narrator_id", None)  # the fixture holds no outlet entities
            # a draft like the fixture's other records: what the fixtures test must not hang on
            # how far the real data's review has come
            record["curation"] = dict(CURATION)
            return record
    raise KeyError(source_id)


def _offsets(seed: str, quote: str) -> tuple[int, int]:
    text = (REPO / "seeds" / seed).read_bytes().decode("utf-8")
    start = text.index(quote)
    return start, start + len(quote)


def valid_records() -> list[dict]:
    """Source 000 and 004, Kirby, one claim with its origin and a passage of src-004 that attests it
    (Kirby's own words reported again: not independent, so the verdict is not_enough_evidence)."""
    s0, e0 = _offsets("000_eb25a17c97a16560.txt", KIRBY_QUOTE)
    s4, e4 = _offsets("004_1457dd9868dddab3.txt", KIRBY_004)
    return [
        _source("src-000"),
        _source("src-004"),
        {
            "type": "entity", "id": "ent-john-kirby", "name": "John Kirby", "kind": "person",
            "role": "White House national security spokesperson",
            "aliases": [{"name": "John F. Kirby", "kind": "variant"}], "curation": CURATION,
        },
        {
            "type": "claim", "id": "clm-000-001", "source_id": "src-000",
            "text": "On 23 October 2024 John Kirby said the US did not yet know whether North Korean soldiers in Russia would enter combat.",
            "claimant_id": "ent-john-kirby", "attribution": {"mode": "direct_quote"},
            "claim_date": {"value": "2024-10-23", "precision": "day", "basis": "other_source"},
            "kind": "statement", "topic": "nk-troops-combat-entry",
            "quantities": [{"value": 3000, "high": 3000, "qualifier": "as_many_as", "unit": "troops",
                            "counted": "North Korean troops in Russia", "text": "3,000"}],
            "checkworthiness": "checkworthy_factual",
            "attestation": {"label": "attested", "evidence_ids": ["evd-000-001-02"]},
            "verdict": {"label": "not_enough_evidence",
                        "justification": "src-004 reports the same remark by Kirby (evd-000-001-02): it attests the statement, no independent source corroborates it.",
                        "evidence_ids": ["evd-000-001-02"]},
            "curation": CURATION,
        },
        {
            "type": "evidence", "id": "evd-000-001-01", "claim_id": "clm-000-001", "source_id": "src-000",
            "quote": KIRBY_QUOTE, "start": s0, "end": e0, "role": "origin", "stance": "attests",
            "speaker_id": "ent-john-kirby", "curation": CURATION,
        },
        {
            "type": "evidence", "id": "evd-000-001-02", "claim_id": "clm-000-001", "source_id": "src-004",
            "quote": KIRBY_004, "start": s4, "end": e4, "role": "related", "stance": "attests",
            "speaker_id": "ent-john-kirby", "curation": CURATION,
        },
    ]


def write_jsonl(path: Path, records: list) -> Path:
    """Records (dicts, or raw strings written as they are) one per line."""
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


FIXTURE_SEEDS = ("000_eb25a17c97a16560.txt", "004_1457dd9868dddab3.txt")  # the seeds of valid_records()' sources


def write_seeds(folder: Path) -> Path:
    """A seed folder holding the fixture's two seeds only: a release covers every seed of
    its folder (a release rule), and the fixture describes these two."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in FIXTURE_SEEDS:
        (folder / name).write_bytes((REPO / "seeds" / name).read_bytes())
    return folder


@functools.cache
def fixture_seed_dir() -> Path:
    """One folder of the fixture's seeds for a whole run (removed at exit)."""
    folder = Path(tempfile.mkdtemp(prefix="factset-seeds-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return write_seeds(folder)


def write_checkout(root: Path, records: list, version: str = "1.0.0", dated: bool = True) -> Path:
    """A checkout to run 'factset build' in: data/curated, data/VERSION, data/topics.json,
    a CHANGELOG.md (dating ``version`` if ``dated``) and seeds/ (give it with --seeds);
    returns its data folder."""
    data = root / "data"
    (data / "curated").mkdir(parents=True, exist_ok=True)
    write_jsonl(data / "curated" / "records.jsonl", records)
    write_seeds(root / "seeds")
    (data / "topics.json").write_bytes((REPO / "data" / "topics.json").read_bytes())
    (data / "VERSION").write_text(version + "\n", encoding="utf-8")
    entry = f"## [{version}] - 2026-02-03" if dated else "## [Unreleased]"
    (root / "CHANGELOG.md").write_text(f"# Changelog\n\n{entry}\n- things\n", encoding="utf-8")
    return data


@pytest.fixture
def records() -> list[dict]:
    return copy.deepcopy(valid_records())


def by_id(records: list[dict], record_id: str) -> dict:
    return next(r for r in records if r["id"] == record_id)


@pytest.fixture(scope="session")
def latest():
    """The newest committed release (tests using it are skipped before the first one)."""
    from factset.publish import release

    if not release.versions(RELEASES):
        pytest.skip("no release committed yet")
    return release.load(directory=RELEASES)


@pytest.fixture(scope="session")
def fresh_release(tmp_path_factory):
    """A release built now, by this code, from data/curated: what the next release will be."""
    from factset.curation.validate import validate
    from factset.publish.build import build
    from factset.research.baselines import section
    from factset.research.timeline import release_figures

    out = tmp_path_factory.mktemp("releases")
    build(CURATED, out, "99.0.0", "2026-01-01", validate=lambda paths: validate(paths), figures=release_figures,
          baselines=section)
    from factset.publish import release

    return release.load(directory=out)
