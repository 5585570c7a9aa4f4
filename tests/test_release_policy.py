"""The release policy, enforced against the newest release: no released id vanishes
(retract instead), the version is greater, and the bump matches the change (MAJOR for
changed or retracted records or a new schema, MINOR for added records, PATCH for
metadata only). Previews are held to it as releases are."""

from __future__ import annotations

import copy
import json
import shutil

import pytest

from factset.cli import main
from factset.curation.validate import validate
from factset.publish.build import build
from factset.publish.release import ReleaseError

from .conftest import CURATED, RELEASES, by_id, fixture_seed_dir, write_checkout, write_jsonl

DATE = "2026-01-02"


def figures_a(release):
    return {"timeline.png": b"\x89PNG drawn by one matplotlib"}


def figures_b(release):
    return {"timeline.png": b"\x89PNG drawn by another matplotlib"}


def run_build(curated, releases, version, figures=figures_a, **kw):
    # The fixture's records describe two seeds: the release rules look at a folder of those only.
    seeds = None if curated == CURATED else fixture_seed_dir()
    return build(curated, releases, version, DATE, validate=lambda paths: validate(paths), figures=figures,
                 seed_dir=seeds, **kw)


@pytest.fixture
def released(tmp_path, records):
    """Release 1.0.0 of the fixture records; returns (curated folder, releases folder)."""
    curated = tmp_path / "curated"
    curated.mkdir()
    write_jsonl(curated / "records.jsonl", records)
    releases = tmp_path / "releases"
    run_build(curated, releases, "1.0.0")
    return curated, releases


def rewrite(curated, records):
    write_jsonl(curated / "records.jsonl", records)


def added(records):
    return records + [{"type": "entity", "id": "ent-analyst", "name": "An analyst", "kind": "person",
                       "curation": {"curated_by": "tests", "review_status": "draft"}}]


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_released_id_may_not_vanish(released, records):
    curated, releases = released
    rewrite(curated, [r for r in records if r["id"] != "ent-john-kirby" and r["type"] != "claim" and r["type"] != "evidence"])
    with pytest.raises(ReleaseError, match=r"drop 4 released record\(s\): clm-000-001, ent-john-kirby, evd-000-001-01, "
                                           r"evd-000-001-02.*retract"):
        run_build(curated, releases, "2.0.0")
    assert not (releases / "2.0.0").exists()


def test_an_empty_curated_folder_is_an_error(released):
    curated, releases = released
    (curated / "records.jsonl").unlink()
    with pytest.raises(ReleaseError, match="validation error"):
        run_build(curated, releases, "2.0.0")
    (curated / "records.jsonl").write_text("", encoding="utf-8")
    with pytest.raises(ReleaseError, match="validation error"):
        run_build(curated, releases, "2.0.0")


@pytest.mark.parametrize("version", ["1.0.0-unused", "0.9.0", "0.0.1"])
def test_the_version_must_be_greater_than_the_newest_release(released, records, version):
    curated, releases = released
    rewrite(curated, added(records))
    if version == "1.0.0-unused":
        (releases / "1.0.0").rename(releases / "1.2.0")  # the newest is now 1.2.0, above 1.1.0
        (releases / "1.2.0" / "manifest.json").write_text(
            (releases / "1.2.0" / "manifest.json").read_text(encoding="utf-8").replace('"version": "1.0.0"', '"version": "1.2.0"'),
            encoding="utf-8")
        version = "1.1.0"
    with pytest.raises(ReleaseError, match=rf"version {version} is not greater than the newest release"):
        run_build(curated, releases, version)


@pytest.mark.parametrize("change, right, wrong", [
    ("added", "1.1.0", ["1.0.1", "2.0.0", "1.2.0"]),
    ("changed", "2.0.0", ["1.1.0", "1.0.1", "3.0.0"]),
    ("retracted", "2.0.0", ["1.1.0"]),
    ("metadata only", "1.0.1", ["1.1.0", "2.0.0"]),
])
def test_the_bump_matches_the_change(released, records, change, right, wrong):
    curated, releases = released
    if change == "added":
        records = added(records)
    elif change == "changed":
        by_id(records, "ent-john-kirby")["role"] = "Spokesperson"
    elif change == "retracted":
        by_id(records, "ent-john-kirby")["curation"] = {"curated_by": "tests", "review_status": "retracted",
                                                         "note": "a duplicate"}
    rewrite(curated, records)
    level = {"added": "MINOR", "changed": "MAJOR", "retracted": "MAJOR", "metadata only": "PATCH"}[change]
    for version in wrong:
        with pytest.raises(ReleaseError, match=rf"a {level} change.*: the version is {right}, not {version}") as exc:
            run_build(curated, releases, version)
        if change in ("changed", "retracted"):
            assert "ent-john-kirby" in str(exc.value)
        if change == "added":
            assert "ent-analyst" in str(exc.value)
    assert run_build(curated, releases, right).status == "built"


def test_the_real_next_release_is_a_major_change_from_0_1_0(tmp_path):
    """0.1.0 -> 1.0.0: the schema went 1.0.0 -> 2.0.0 (a schema change makes the data bump
    MAJOR); release 0.1.0 is read with its own models."""
    releases = tmp_path / "releases"
    shutil.copytree(RELEASES / "0.1.0", releases / "0.1.0")
    for version in ("0.2.0", "0.1.1", "1.1.0", "2.0.0"):
        with pytest.raises(ReleaseError, match=r"a MAJOR change \(schema 1\.0\.0 -> 2\.0\.0\): the version is 1\.0\.0"):
            run_build(CURATED, releases, version)
    assert run_build(CURATED, releases, "1.0.0").status == "built"
    assert snapshot(releases / "0.1.0") == snapshot(RELEASES / "0.1.0")


def test_figures_are_derived_a_release_is_its_data(released):
    """Rebuilding with another matplotlib (other PNG bytes) was refused with 'bump data/VERSION'
    though the data had not changed."""
    curated, releases = released
    before = snapshot(releases / "1.0.0")
    outcome = run_build(curated, releases, "1.0.0", figures=figures_b)
    assert outcome.status == "unchanged"
    assert snapshot(releases / "1.0.0") == before
    assert run_build(curated, releases, "1.0.0", figures=None).status == "unchanged"


def test_rebuilding_a_release_with_other_data_is_refused_with_the_bump_to_make(released, records):
    curated, releases = released
    by_id(records, "ent-john-kirby")["role"] = "Spokesperson"
    rewrite(curated, records)
    with pytest.raises(ReleaseError, match=r"release 1\.0\.0 already exists .* its data differ in: entities\.jsonl.*"
                                           r"set data/VERSION to 2\.0\.0"):
        run_build(curated, releases, "1.0.0")


@pytest.mark.parametrize("dated", [False, True])
def test_previews_and_releases_are_held_to_the_policy(tmp_path, records, monkeypatch, capsys, dated):
    monkeypatch.chdir(tmp_path)
    data = write_checkout(tmp_path, added(records), "1.0.0", dated=True)
    seeds = ["--seeds", str(tmp_path / "seeds")]
    assert main(["build", "--data", str(data), *seeds]) == 0
    write_checkout(tmp_path, records, "1.1.0", dated)  # ent-analyst is gone
    capsys.readouterr()
    assert main(["build", "--data", str(data), *seeds]) == 1
    err = capsys.readouterr().err
    assert "drop 1 released record(s): ent-analyst" in err and "retract" in err and "Traceback" not in err
    assert not (tmp_path / "build" / "preview" / "1.1.0").exists() and not (data / "releases" / "1.1.0").exists()
