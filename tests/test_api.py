"""The release API: lookups by id, the context of a passage, flat tables, task views,
short reprs and the module's public names."""

import subprocess
import sys

import pytest

import factset
from factset.publish.release import Release, ReleaseError


def test_the_module_lists_its_public_api():
    names = dir(factset)
    assert {"load", "Release", "Claim", "Evidence", "Source", "Entity", "hf_path", "versions", "TASKS"} <= set(names)
    assert "annotations" not in names and "_LAZY" not in names


def test_repr_of_a_release_is_short(latest, fresh_release):
    for release in (latest, fresh_release):
        text = repr(release)
        assert len(text) < 600 and release.version in text and f"{len(release.claims)} claims" in text


def test_repr_of_the_loaded_release_is_short_in_a_fresh_interpreter():
    proc = subprocess.run([sys.executable, "-c", "import factset; print(len(repr(factset.load())))"],
                          capture_output=True, text=True, check=True)
    assert int(proc.stdout) < 600


def test_lookups_by_id(fresh_release):
    claim = fresh_release.claims[0]
    assert fresh_release.claim(claim.id) is claim and fresh_release.get(claim.id) is claim
    assert fresh_release.claimant(claim).id == claim.claimant_id
    assert fresh_release.source(claim.source_id).id == claim.source_id
    evidence = fresh_release.evidence_of(claim.id)
    assert evidence == sorted((e for e in fresh_release.evidence if e.claim_id == claim.id), key=lambda e: e.id)
    assert fresh_release.passage(evidence[0].id) is evidence[0]
    with pytest.raises(KeyError, match="no claim 'clm-999-999'"):
        fresh_release.claim("clm-999-999")
    with pytest.raises(KeyError, match="no claim"):
        fresh_release.claim(claim.source_id)  # a source's id is not a claim's


def test_context_is_the_seed_text_around_the_quote(fresh_release):
    ev = fresh_release.evidence[0]
    context = fresh_release.context(ev, chars=120)
    assert ev.quote in context and len(context) <= len(ev.quote) + 240
    assert fresh_release.context(ev.id, chars=0) == ev.quote


def test_context_refuses_a_seed_that_is_not_the_curated_text(fresh_release, tmp_path, monkeypatch):
    from factset.curation import seeds

    source = fresh_release.source(fresh_release.evidence[0].source_id)
    (tmp_path / source.seed_file).write_text("not the article", encoding="utf-8")
    monkeypatch.setattr(seeds, "default_seed_dir", lambda: tmp_path)
    import factset.publish.passages as passages

    monkeypatch.setattr(passages, "default_seed_dir", lambda: tmp_path)
    with pytest.raises(ReleaseError, match="does not match the source's sha256"):
        fresh_release.context(fresh_release.evidence[0])


def test_tasks_of_a_release_and_of_one_published_before_them(fresh_release):
    rows = fresh_release.task("verification", "test")
    assert rows and {"id", "claim", "passages", "label"} <= set(rows[0])
    with pytest.raises(KeyError, match="tasks are"):
        fresh_release.task("nope")
    with pytest.raises(ReleaseError, match="no task views"):
        factset.load(version="0.1.0").task("verification")


def test_flat_tables(fresh_release):
    pd = pytest.importorskip("pandas")
    claims = fresh_release.frame("claims")
    assert isinstance(claims, pd.DataFrame) and len(claims) == len(fresh_release.claims)
    assert {"claimant", "verdict", "checkworthiness", "claim_date"} <= set(claims.columns)
    evidence = fresh_release.frame("evidence")
    assert len(evidence) == len(fresh_release.evidence) and "speaker" in evidence.columns
    assert len(fresh_release.frame("stance/test")) == len(fresh_release.task("stance", "test"))
    with pytest.raises(KeyError):
        fresh_release.frame("nothing")


def test_hf_path_is_taken_by_load_dataset_as_it_is(tmp_path):
    datasets = pytest.importorskip("datasets")
    path = factset.hf_path()
    assert isinstance(path, str)
    assert len(datasets.load_dataset(path, "sources", split="train", cache_dir=str(tmp_path))) == len(factset.load().sources)


def test_a_release_built_in_memory_keeps_its_interface():
    release = Release("1.2.3", __import__("pathlib").Path("."), {"date": "2026-01-01"}, [], [], [], [])
    assert repr(release) == "<factset.Release 1.2.3 (2026-01-01): 0 sources, 0 entities, 0 claims, 0 evidence; at .>"
