"""A release's manifest is data like any other: whoever can edit the folder can edit it.
Every file is listed and nothing else, its paths stay in the folder, its version is the
folder's name, its counts are the files' counts; anything else is a ReleaseError."""

from __future__ import annotations

import json
import shutil

import pytest

from factset.cli import main
from factset.curation.validate import validate
from factset.publish.build import build
from factset.publish.release import MANIFEST, ReleaseError, load, verify

from .conftest import RELEASES, fixture_seed_dir, write_jsonl


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from .conftest import valid_records

    folder = tmp_path_factory.mktemp("built")
    curated = folder / "curated"
    curated.mkdir()
    write_jsonl(curated / "records.jsonl", valid_records())
    return build(curated, folder / "releases", "1.0.0", "2026-01-02", validate=lambda paths: validate(paths),
                 seed_dir=fixture_seed_dir()).path


@pytest.fixture
def release(built, tmp_path):
    """A fresh copy of a built release, to tamper with."""
    copy = tmp_path / "releases" / "1.0.0"
    shutil.copytree(built, copy)
    return copy


def edit_manifest(release, change):
    manifest = json.loads((release / MANIFEST).read_text(encoding="utf-8"))
    change(manifest)
    (release / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def refused(release, match):
    with pytest.raises(ReleaseError, match=match):
        verify(release)
    with pytest.raises(ReleaseError, match=match):
        load(directory=release.parent)


def test_the_release_as_built_verifies(release):
    assert verify(release)["version"] == "1.0.0"
    assert load(directory=release.parent).version == "1.0.0"


def test_release_0_1_0_keeps_loading_and_verifying():
    release = load("0.1.0", directory=RELEASES)
    assert release.version == "0.1.0"
    assert len(release.claims) == release.manifest["counts"]["claims"]


@pytest.mark.parametrize("version", ["../../escaped", "/tmp/escaped", "2.0.0", "1.0.0\n"])
def test_the_version_is_the_folder_name(release, version, tmp_path, monkeypatch, capsys):
    """The manifest's version became report's output path: an absolute path or '..' wrote anywhere."""
    edit_manifest(release, lambda m: m.update(version=version))
    refused(release, "version")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("factset.publish.release.releases_dir", lambda: release.parent)
    assert main(["report"]) == 1
    assert "factset report:" in capsys.readouterr().err
    assert not (tmp_path / "report").exists() and not (tmp_path / "escaped").exists()


def test_edited_data_without_its_manifest_entry_is_refused(release):
    claims = release / "claims.jsonl"
    claims.write_text(claims.read_text(encoding="utf-8").replace("not_enough_evidence", "supported"), encoding="utf-8")
    edit_manifest(release, lambda m: m["files"].pop("claims.jsonl"))
    refused(release, "claims.jsonl is not listed in the manifest")


def test_an_empty_file_list_is_refused(release):
    edit_manifest(release, lambda m: m.update(files={}))
    refused(release, "not listed in the manifest")


def test_a_file_the_manifest_does_not_list_is_refused(release):
    (release / "extra.jsonl").write_text("{}\n", encoding="utf-8")
    refused(release, "extra.jsonl is not listed in the manifest")


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/hostname", "schema/../../outside.txt", "./claims.jsonl",
                                  "schema\\claim.schema.json", ""])
def test_manifest_paths_stay_in_the_folder_and_are_never_read(release, path, monkeypatch):
    (release.parent / "outside.txt").write_text("secret", encoding="utf-8")
    opened = []
    real_open = open

    def spy(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    edit_manifest(release, lambda m: m["files"].update({path: {"sha256": "0" * 64, "bytes": 6}}))
    monkeypatch.setattr("builtins.open", spy)
    refused(release, "not a plain relative path")
    assert not [f for f in opened if "outside" in f or "hostname" in f]


def test_a_symlink_in_the_release_is_refused(release):
    outside = release.parent / "outside.txt"
    outside.write_text("secret", encoding="utf-8")
    (release / "README.md").unlink()
    (release / "README.md").symlink_to(outside)
    refused(release, "README.md is a symbolic link")


@pytest.mark.parametrize("malformed", [
    "[]", "{}", '{"files": []}', "null",
    lambda m: m.pop("counts"),
    lambda m: m.update(counts={"claims": "1"}),
    lambda m: m["files"]["claims.jsonl"].pop("sha256"),
    lambda m: m["files"]["claims.jsonl"].update(bytes="12"),
    lambda m: m["files"].update({"claims.jsonl": "abc"}),
    lambda m: m.update(date="2026-13-45"),
    lambda m: m.update(schema_version=2),
])
def test_a_malformed_manifest_is_a_release_error(release, malformed):
    """A malformed manifest raised KeyError or TypeError."""
    if isinstance(malformed, str):
        (release / MANIFEST).write_text(malformed, encoding="utf-8")
    else:
        edit_manifest(release, malformed)
    refused(release, "manifest")


def test_counts_are_checked(release):
    edit_manifest(release, lambda m: m["counts"].update(claims=5))
    refused(release, "claims.jsonl holds 1 record")


def test_a_size_that_differs_is_refused_before_hashing(release):
    (release / "claims.jsonl").write_bytes((release / "claims.jsonl").read_bytes() + b"\n")
    refused(release, "claims.jsonl")
