"""The metadata beside a release: dataset card header, Croissant, ClaimReview."""

import json
import re
import shutil
import subprocess

import pytest

from factset.publish.card import MODELS, card_header, features
from factset.records.models import Claim


def test_card_header_declares_every_config(fresh_release):
    yaml = pytest.importorskip("yaml")
    text = (fresh_release.path / "README.md").read_text(encoding="utf-8")
    header = yaml.safe_load(text.split("---\n")[1])
    assert header == card_header(fresh_release.manifest["counts"])
    assert [c["config_name"] for c in header["configs"]] == list(MODELS)
    for info in header["dataset_info"]:
        assert info["features"] == features(MODELS[info["config_name"]])
    assert header["license"] == "cc-by-4.0" and header["language"] == ["en"]


def test_card_features_match_what_datasets_reads(fresh_release, tmp_path):
    datasets = pytest.importorskip("datasets")
    ds = datasets.load_dataset(str(fresh_release.path), "claims", split="train", cache_dir=str(tmp_path))
    assert list(ds.features) == list(Claim.model_fields)
    assert ds.features["claim_date"]["value"].dtype == "date32"
    assert ds.features["quantities"].feature["value"].dtype == "float64"
    numeric = [row for row in ds if row["kind"] == "numeric_estimate"]
    assert numeric and all(row["quantities"] for row in numeric)


def test_claimreview_has_one_review_per_claim(fresh_release):
    doc = json.loads((fresh_release.path / "claimreview.jsonld").read_text(encoding="utf-8"))
    reviews = doc["@graph"]
    assert [r["identifier"] for r in reviews] == sorted(c.id for c in fresh_release.claims if c.verdict is not None)
    by_id = {c.id: c for c in fresh_release.claims}
    for review in reviews:
        claim = by_id[review["identifier"]]
        assert review["@type"] == "ClaimReview"
        assert review["claimReviewed"] == claim.text
        assert review["reviewRating"]["ratingExplanation"] == claim.verdict.justification
        assert review["itemReviewed"]["datePublished"] == claim.claim_date.value.isoformat()


@pytest.mark.skipif(shutil.which("mlcroissant") is None, reason="mlcroissant is not installed")
def test_croissant_validates_and_reads_every_record(fresh_release):
    proc = subprocess.run(["mlcroissant", "validate", "--jsonld", str(fresh_release.path / "croissant.json")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not re.search(r"^E\d{4} ", proc.stderr, re.MULTILINE)  # absl-style error lines
    mlc = pytest.importorskip("mlcroissant")
    dataset = mlc.Dataset(jsonld=str(fresh_release.path / "croissant.json"))
    for name, count in fresh_release.manifest["counts"].items():
        assert sum(1 for _ in dataset.records(record_set=name)) == count
