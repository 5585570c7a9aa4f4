import json

import pytest

from factset.curation.validate import validate
from factset.publish import build as release_build
from factset.publish import release
from factset.publish.build import build
from factset.publish.release import ReleaseError, load, verify
from factset.research.timeline import release_figures

from .conftest import REPO, by_id, write_checkout, write_jsonl, write_seeds

TOPICS = REPO / "data" / "topics.json"

DATE = "2026-01-02"


def releasable(records):
    """The fixture's records, and a claim of src-004 (its origin is the passage src-004 gives of
    Kirby's remark): every source then has a claim, as a release needs."""
    origin = dict(by_id(records, "evd-000-001-02"), id="evd-004-001-01", claim_id="clm-004-001", role="origin")
    claim = dict(by_id(records, "clm-000-001"), id="clm-004-001", source_id="src-004", claimant_id="ent-john-kirby", quantities=[],
                 text="On 23 October 2024 John Kirby said North Korean troops entering combat in Russia's war was a very worrying possibility.",
                 attestation={"label": "not_attested", "evidence_ids": []},
                 verdict={"label": "not_enough_evidence", "evidence_ids": ["evd-004-001-01"],
                          "justification": "Only the article itself reports the remark (evd-004-001-01)."})
    return [*records, claim, origin]


@pytest.fixture
def seeds(tmp_path):
    return write_seeds(tmp_path / "seeds")


@pytest.fixture
def curated(tmp_path, records, seeds):
    folder = tmp_path / "curated"
    folder.mkdir()
    write_jsonl(folder / "records.jsonl", releasable(records))
    return folder


def run_build(curated, out, version="1.0.0", topics=TOPICS, **kw):
    seeds = curated.parent / "seeds"
    return build(curated, out, version, DATE, validate=lambda paths: validate(paths, seed_dir=seeds, topics=topics),
                 figures=release_figures, seed_dir=seeds, topics=topics, **kw)


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_release_layout_and_manifest(tmp_path, curated):
    outcome = run_build(curated, tmp_path / "releases")
    assert outcome.status == "built"
    files = snapshot(outcome.path)
    assert {"sources.jsonl", "entities.jsonl", "claims.jsonl", "evidence.jsonl", "manifest.json", "README.md",
            "croissant.json", "claimreview.jsonld", "schema/claim.schema.json"} <= set(files)
    manifest = json.loads(files["manifest.json"])
    assert manifest["version"] == "1.0.0" and manifest["date"] == DATE
    assert manifest["counts"] == {"sources": 2, "entities": 1, "claims": 2, "evidence": 3}
    assert files["topics.json"] == TOPICS.read_bytes() and "topics.json" in manifest["files"]
    assert set(manifest["files"]) == set(files) - {"manifest.json"}
    ids = [json.loads(line)["id"] for line in files["evidence.jsonl"].decode().splitlines()]
    assert ids == sorted(ids)


def test_rebuild_is_byte_identical(tmp_path, curated):
    first = snapshot(run_build(curated, tmp_path / "a").path)
    second = snapshot(run_build(curated, tmp_path / "b").path)
    assert first == second
    again = run_build(curated, tmp_path / "a")
    assert again.status == "unchanged"
    assert snapshot(again.path) == first


def test_existing_release_is_never_rewritten(tmp_path, curated, records):
    out = tmp_path / "releases"
    before = snapshot(run_build(curated, out).path)
    by_id(records, "ent-john-kirby")["role"] = "Spokesperson"
    write_jsonl(curated / "records.jsonl", releasable(records))
    with pytest.raises(ReleaseError, match="already exists .* data differ in: .*entities.jsonl.*set data/VERSION to 2.0.0"):
        run_build(curated, out)
    assert snapshot(out / "1.0.0") == before
    assert run_build(curated, out, version="2.0.0").status == "built"


def test_invalid_data_writes_nothing(tmp_path, curated, records):
    by_id(records, "clm-000-001")["claimant_id"] = "ent-nobody"
    write_jsonl(curated / "records.jsonl", releasable(records))
    with pytest.raises(ReleaseError, match="1 validation error"):
        run_build(curated, tmp_path / "releases")
    assert not (tmp_path / "releases").exists()


def test_failed_write_leaves_nothing_behind(tmp_path, curated):
    out = tmp_path / "releases"
    with pytest.raises(OSError, match="injected failure"):
        run_build(curated, out, _fail_after=3)
    assert list(out.iterdir()) == []


def test_load_verifies_and_returns_models(tmp_path, curated):
    out = tmp_path / "releases"
    run_build(curated, out, version="1.0.0")
    run_build(curated, out, version="1.0.1")  # the same records: a PATCH
    latest = load(directory=out)
    assert latest.version == "1.0.1"
    assert [c.id for c in latest.claims] == ["clm-000-001", "clm-004-001"]
    assert len(latest.evidence) == latest.manifest["counts"]["evidence"] == 3
    assert load("1.0.0", directory=out).version == "1.0.0"
    with pytest.raises(ReleaseError, match="release '9.9.9' not found"):
        load("9.9.9", directory=out)


def test_tampered_file_is_refused(tmp_path, curated):
    path = run_build(curated, tmp_path / "releases").path
    claims = path / "claims.jsonl"
    claims.write_text(claims.read_text(encoding="utf-8").replace("not_enough_evidence", "supported"), encoding="utf-8")
    with pytest.raises(ReleaseError, match=r"claims.jsonl does not match its sha256"):
        verify(path)
    with pytest.raises(ReleaseError, match=r"claims.jsonl does not match"):
        load(directory=tmp_path / "releases")


def test_changelog_entry_gives_the_date(tmp_path):
    log = tmp_path / "CHANGELOG.md"
    log.write_text("# Changelog\n\n## [0.2.0] - 2026-03-04\n### Added\n- things\n", encoding="utf-8")
    assert release_build.changelog_date(log, "0.2.0") == "2026-03-04"
    with pytest.raises(ReleaseError, match=r"no entry '## \[0.3.0\]"):
        release_build.changelog_date(log, "0.3.0")


def test_load_dataset_yields_the_jsonl_rows(tmp_path, curated):
    datasets = pytest.importorskip("datasets")
    path = run_build(curated, tmp_path / "releases").path
    for name in release.FILES:
        ds = datasets.load_dataset(str(path), name, split="train", cache_dir=str(tmp_path / "cache"))
        rows = [json.loads(line) for line in (path / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]
        assert len(ds) == len(rows)
        assert [_plain(r) for r in ds] == rows


def _plain(value):
    """A datasets row as JSON would write it (dates as ISO strings, whole floats as ints)."""
    import datetime as dt

    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# ---------------------------------------------------------------- what a build leaves on disk


def test_a_release_folder_has_the_umask_mode(tmp_path, curated):
    """Release folders were created 0700: other users could not load them."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        path = run_build(curated, tmp_path / "releases").path
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o755
    assert stat.S_IMODE((path / "schema").stat().st_mode) == 0o755
    assert stat.S_IMODE((path / "claims.jsonl").stat().st_mode) == 0o644


def test_what_a_killed_build_left_is_cleaned(tmp_path, curated):
    out = tmp_path / "releases"
    out.mkdir()
    old_style = out / ".1.0.0.k2j4h5g6"  # the temporary folder of a build killed before this fix
    dead = out / ".building-1.0.0.999999999"  # of a process that no longer runs
    for folder in (old_style, dead):
        (folder / "schema").mkdir(parents=True)
        (folder / "claims.jsonl").write_text("{}\n", encoding="utf-8")
    kept = out / ".notes"
    kept.mkdir()
    run_build(curated, out)
    assert sorted(p.name for p in out.iterdir()) == [".notes", "1.0.0"]


def test_build_errors_are_messages_not_tracebacks(tmp_path, records, monkeypatch, capsys):
    from factset.cli import main

    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    assert main(["build", "--data", str(data)]) == 2
    assert f"{data / 'curated'}: no such folder" in capsys.readouterr().err
    (data / "curated").mkdir(parents=True)
    write_jsonl(data / "curated" / "records.jsonl", records)
    (data / "VERSION").mkdir()
    assert main(["build", "--data", str(data)]) == 1
    assert "VERSION" in capsys.readouterr().err
    (data / "VERSION").rmdir()
    (data / "VERSION").write_bytes(b"1.0.0\xff\n")
    assert main(["build", "--data", str(data)]) == 1
    assert "VERSION" in capsys.readouterr().err
    (data / "VERSION").write_text("1.0.0\n", encoding="utf-8")
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_bytes(b"# Changelog\n\n## [1.0.0] - 2026-01-02\n- caf\xe9\n")
    assert main(["build", "--data", str(data)]) == 1
    assert "CHANGELOG.md is not valid UTF-8" in capsys.readouterr().err
    changelog.write_text("# Changelog\n\n## [1.0.0] - 2026-13-45\n", encoding="utf-8")
    assert main(["build", "--data", str(data)]) == 1
    assert "2026-13-45 is not a date" in capsys.readouterr().err
    assert not (data / "releases").exists()


def test_build_into_a_read_only_folder_is_a_message(tmp_path, records, monkeypatch, capsys):
    from factset.cli import main

    monkeypatch.chdir(tmp_path)
    data = write_checkout(tmp_path, records)
    real_mkdir = type(tmp_path).mkdir

    def read_only(self, *args, **kwargs):  # (as root, a 0555 folder would still be written)
        if self.parent.name == "releases" or self.name == "releases":
            raise PermissionError(13, "Permission denied", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(type(tmp_path), "mkdir", read_only)
    assert main(["build", "--data", str(data), "--seeds", str(tmp_path / "seeds")]) == 2
    err = capsys.readouterr().err
    assert "Permission denied" in err and "Traceback" not in err


def test_build_on_a_full_disk_is_a_message(tmp_path, curated, monkeypatch, capsys, records):
    from factset.cli import main

    real_write = type(tmp_path).write_bytes

    def full(self, data):
        if self.suffix == ".jsonl":
            raise OSError(28, "No space left on device", str(self))
        return real_write(self, data)

    monkeypatch.chdir(tmp_path)
    data = write_checkout(tmp_path, records)
    monkeypatch.setattr(type(tmp_path), "write_bytes", full)
    assert main(["build", "--data", str(data), "--seeds", str(tmp_path / "seeds")]) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert [p.name for p in (data / "releases").iterdir()] == []


# ------------------------------------------------------------ release rules


def test_a_seed_without_source_is_not_released(tmp_path, curated, seeds):
    (seeds / "007_0123456789abcdef.txt").write_text("A seventh article.", encoding="utf-8")
    with pytest.raises(ReleaseError, match=r"breaks the release rules .*\n  - seed 007_0123456789abcdef.txt has no source record"):
        run_build(curated, tmp_path / "releases")
    assert not (tmp_path / "releases").exists()


def reviewed(record):
    """The record marked reviewed, with a blind review that agrees on every aspect."""
    from factset.records.review import ASPECTS

    labels = [{"aspect": aspect, "first": read(record), "second": read(record), "final": read(record)}
              for aspect, read in ASPECTS[record["type"]].items()]
    record["curation"] = {"curated_by": "tests", "review_status": "reviewed",
                          "review": {"annotator": "second", "labels": labels}}
    return record


def test_a_reviewed_source_without_claim_is_not_released(tmp_path, curated, records):
    write_jsonl(curated / "records.jsonl", records)  # src-004 is only quoted: a draft awaiting its claims
    assert run_build(curated, tmp_path / "releases").status == "built"
    reviewed(by_id(records, "src-004"))
    write_jsonl(curated / "records.jsonl", records)
    with pytest.raises(ReleaseError, match=r"\n  - source src-004 \(004_1457dd9868dddab3.txt\) has no claim, yet is reviewed"):
        run_build(curated, tmp_path / "releases", version="2.0.0")


def test_a_passage_flagged_for_one_claim_only_is_not_released(tmp_path, curated, records):
    released = releasable(records)
    by_id(released, "evd-000-001-02")["flags"] = [{"kind": "garbled_translation", "note": "Garbled."}]
    write_jsonl(curated / "records.jsonl", released)  # evd-004-001-01 quotes the same passage, unflagged
    with pytest.raises(ReleaseError, match=r"passage \[\d+:\d+\] of src-004 is quoted with different flags "
                                           r"\(evd-000-001-02: garbled_translation; evd-004-001-01: none\)"):
        run_build(curated, tmp_path / "releases")


def test_a_release_needs_a_readable_topic_registry(tmp_path, curated):
    bad = tmp_path / "topics.json"
    bad.write_text('{"topics": [{"id": "x"}]}', encoding="utf-8")
    with pytest.raises(ReleaseError, match=r"topic registry .*topics.json: /topics/0: an entry has exactly the keys"):
        run_build(curated, tmp_path / "releases", topics=bad)


def _samples(tmp_path, **files):
    folder = tmp_path / "resamples"
    folder.mkdir()
    for name, labels in files.items():
        (folder / f"{name}.json").write_text(json.dumps(labels), encoding="utf-8")
    return folder


def test_the_card_prints_the_newest_fresh_sample_against_the_released_labels(tmp_path, curated, records):
    stance = by_id(records, "evd-000-001-02")["stance"]
    other = "neutral" if stance != "neutral" else "supports"
    folder = _samples(tmp_path, **{"stances-1": {"evd-000-001-02": {"stance": other}},
                                   "stances-2": {"evd-000-001-02": {"stance": stance, "note": "blind"}}})
    card = (run_build(curated, tmp_path / "releases", resamples=folder).path / "README.md").read_text(encoding="utf-8")
    assert "fresh blind sample of 1 passage(s) (`data/resamples/stances-2.json`" in card  # the newest, not the first
    assert "| stance | 1 | 1.00 |" in card


def test_no_sample_no_remeasure_on_the_card(tmp_path, curated):
    card = (run_build(curated, tmp_path / "releases", resamples=tmp_path / "none").path / "README.md").read_text(encoding="utf-8")
    assert "Re-measured" not in card


@pytest.mark.parametrize("content, says", [
    (b"{not json", "is not UTF-8 JSON"),
    (json.dumps({"evd-999-999-99": {"stance": "neutral"}}).encode(), "no live record has this id"),
    (json.dumps({"evd-000-001-02": {"stance": 3}}).encode(), "a label is a string"),
])
def test_a_sample_that_does_not_fit_stops_the_build_with_nothing_written(tmp_path, curated, content, says):
    folder = tmp_path / "resamples"
    folder.mkdir()
    (folder / "stances-1.json").write_bytes(content)
    with pytest.raises(ReleaseError, match=says):
        run_build(curated, tmp_path / "releases", resamples=folder)
    assert not (tmp_path / "releases" / "1.0.0").exists()


def test_a_linked_sample_is_refused(tmp_path, curated):
    folder = _samples(tmp_path, **{"real": {}})
    (folder / "stances-1.json").symlink_to(folder / "real.json")
    with pytest.raises(ReleaseError, match="regular file"):
        run_build(curated, tmp_path / "releases", resamples=folder)


def test_every_committed_sample_names_live_records_of_the_curated_data():
    """A sample whose records were retracted or renamed would stop the build; say so here first."""
    from factset.curation.agreement import resample
    from factset.curation.loader import expand
    from factset.publish.build import read_models

    records = read_models(expand([REPO / "data" / "curated"]))
    by_type = {t: [r for r in records if r.type == t] for t in ("source", "entity", "claim", "evidence")}
    samples = sorted((REPO / "data" / "resamples").glob("stances-[0-9]*.json"))
    samples = [p for p in samples if release_build.SAMPLE_FILE.fullmatch(p.name)]
    assert samples, "data/resamples keeps the fresh blind samples"
    for path in samples:
        report = resample(by_type, json.loads(path.read_text(encoding="utf-8")))
        assert report["aspects"]["stance"]["n"] == report["sample"], path.name
