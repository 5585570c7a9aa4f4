"""The metadata beside a release: the dataset card, Croissant (with RAI) and ClaimReview,
each complete in its own tools and derived from the data."""

import copy
import json
import re
import shutil
import subprocess

import pytest

from factset.curation.agreement import measure
from factset.publish.card import card_header, dataset_card, size_category
from factset.publish.claimreview import TRUTH_SCALE, iso_date, unnamed_outlets
from factset.publish.describe import Content
from factset.publish.features import features
from factset.publish.identity import MODELS, review_page
from factset.publish.passages import seed_texts
from factset.publish.tasks import TASKS, build_views
from factset.records.models import Claim, RECORD_TYPES

from .conftest import valid_records


def _header(release):
    yaml = pytest.importorskip("yaml")
    text = (release.path / "README.md").read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1]), text


def _content(records, agreement=None, date="2026-01-01"):
    models = [RECORD_TYPES[d["type"]].model_validate_json(json.dumps(d)) for d in records]
    by_type = {t: [m for m in models if m.type == t] for t in ("source", "entity", "claim", "evidence")}
    return Content("9.9.9", date, by_type, build_views(by_type, seed_texts(by_type["source"])),
                   seed_texts(by_type["source"]), agreement or measure(by_type), None, review_page("9.9.9"))


def test_card_header_declares_every_config_with_its_features_and_splits(fresh_release):
    header, _ = _header(fresh_release)
    assert [c["config_name"] for c in header["configs"]] == [*MODELS, *TASKS]
    infos = {info["config_name"]: info["features"] for info in header["dataset_info"]}
    for name, model in MODELS.items():
        assert infos[name] == features(model)
    for name, task in TASKS.items():
        splits = {f["split"]: f["path"] for f in next(c for c in header["configs"] if c["config_name"] == name)["data_files"]}
        assert splits == {"train": f"tasks/{name}/train.jsonl", "test": f"tasks/{name}/test.jsonl"}
        label = next(f for f in infos[name] if f["name"] == task.label)
        assert list(label["dtype"]["class_label"]["names"].values()) == list(task.classes)
    for key in ("annotations_creators", "language_creators", "multilinguality", "source_datasets", "license",
                "license_name", "license_link", "pretty_name", "task_categories", "task_ids"):
        assert header[key], key
    assert header["license_link"] == "LICENSE" and (fresh_release.path / "LICENSE").is_file()


def test_size_category_is_the_largest_config_not_the_sum(fresh_release):
    header, _ = _header(fresh_release)
    rows = {**fresh_release.manifest["counts"],
            **{t: len(fresh_release.task(t, "train")) + len(fresh_release.task(t, "test")) for t in TASKS}}
    assert header["size_categories"] == [size_category(max(rows.values()))]
    assert [size_category(n) for n in (0, 999, 1000, 9999, 10_000)] == ["n<1K", "n<1K", "1K<n<10K", "1K<n<10K", "10K<n<100K"]


SECTIONS = ["## Dataset Details", "### Dataset Description", "## Uses", "### Direct Use", "### Out-of-Scope Use",
            "## Dataset Structure", "### An example", "### Splits", "### Baselines", "## Dataset Creation",
            "### Curation Rationale", "### Source Data", "#### Annotation process", "#### Who are the annotators?",
            "#### Personal and Sensitive Information", "## Bias, Risks, and Limitations", "## Licence and rights",
            "## Citation"]


def test_card_has_the_template_sections_in_order_and_a_citation_with_url(fresh_release):
    _, text = _header(fresh_release)
    positions = [text.index(section + "\n") for section in SECTIONS]
    assert positions == sorted(positions)
    citation = text.split("```bibtex")[1]
    assert re.search(r"url\s*=\s*\{https?://", citation) and "year   = {2026}" in citation
    for task in TASKS:  # counts and label distributions per split
        assert f"`{task}` (" in text


def test_card_prose_follows_the_data(records):
    """A card written from two sources says two, names only those, and no count it cannot know."""
    text = dataset_card(_content(records))
    assert "built from\n2 news articles" in text
    assert not re.search(r"\bfive\b|src-00[123]", text, re.IGNORECASE)
    assert "src-004 is a degraded machine translation" in text  # read off its text_quality
    assert "1 claims" not in text and "| `claims` | 1 |" in text


def test_card_states_truthfully_that_nothing_is_reviewed_yet(fresh_release):
    _, text = _header(fresh_release)
    if any(r.curation.review_status == "reviewed" for name in ("sources", "entities", "claims", "evidence")
           for r in getattr(fresh_release, name)):
        pytest.skip("reviews are recorded: the agreement table test covers the card")
    section = text.split("#### Annotation process")[1].split("#### Who are")[0]
    assert "No blind second annotation is recorded yet" in section
    assert "κ" not in section and "kappa" not in section.lower()


def test_card_prints_the_agreement_the_measure_gives(records):
    """The figures come from curation.agreement.measure, none typed by hand."""
    stub = {"method": "Cohen's kappa (stub method).",
            "aspects": {"stance": {"n": 37, "observed": 0.9189, "kappa": 0.8312, "ci95": [0.7011, 0.9613],
                                   "by_source": {"src-004": {"n": 37, "observed": 0.9189, "kappa": 0.8312, "ci95": [0.7011, 0.9613]}}}},
            "annotators": {"first": ["tests"], "second": ["blind-1"], "adjudicators": ["judge-1"]},
            "reviewed": {"source": 0, "entity": 0, "claim": 0, "evidence": 2},
            "records": {"source": 2, "entity": 1, "claim": 1, "evidence": 2}}
    text = dataset_card(_content(records, agreement=stub))
    section = text.split("#### Annotation process")[1].split("#### Personal")[0]
    assert "| stance | 37 | 0.92 | 0.83 | [0.70, 0.96] |" in section
    assert "| stance | `src-004` | 37 | 0.83 | [0.70, 0.96] |" in section
    assert "stub method" in section and "blind-1" in section and "judge-1" in section
    assert "2 of 2 evidence records" in section


def test_card_says_every_live_record_is_reviewed_and_counts_the_retracted_apart(records):
    # A retracted record is kept for history and never labelled again: it is not "waiting" for review.
    stub = {"method": "m.", "aspects": {"stance": {"n": 2, "observed": 1.0, "kappa": None, "ci95": None, "by_source": {}}},
            "annotators": {"first": ["tests"], "second": ["blind-1"], "adjudicators": []},
            "reviewed": {"source": 2, "entity": 1, "claim": 1, "evidence": 2},
            "records": {"source": 2, "entity": 1, "claim": 1, "evidence": 3},
            "retracted": {"source": 0, "entity": 0, "claim": 0, "evidence": 1}}
    section = dataset_card(_content(records, agreement=stub)).split("#### Annotation process")[1]
    assert "Every record is reviewed: 2 of 2 source records, 1 of 1 entity records, 1 of 1 claim records, " \
           "2 of 2 evidence records (1 retracted record kept for history, not labelled again)." in section
    stub["reviewed"]["evidence"] = 1
    section = dataset_card(_content(records, agreement=stub)).split("#### Annotation process")[1]
    assert "Reviewed so far: " in section and "1 of 2 evidence records (1 retracted" in section


def test_card_states_rights_with_the_measured_coverage(fresh_release):
    _, text = _header(fresh_release)
    rights = text.split("## Licence and rights")[1]
    for source in fresh_release.sources:
        row = next(line for line in rights.splitlines() if line.startswith(f"| `{source.id}` |"))
        assert source.rights.article_copyright in row and re.search(r"\| \d+ % \| \d+ % \|$", row)


def test_card_features_match_what_datasets_reads(fresh_release, tmp_path):
    datasets = pytest.importorskip("datasets")
    ds = datasets.load_dataset(str(fresh_release.path), "claims", split="train", cache_dir=str(tmp_path))
    assert list(ds.features) == list(Claim.model_fields)
    assert ds.features["claim_date"]["value"].dtype == "date32"
    numeric = [row for row in ds if row["kind"] == "numeric_estimate"]
    assert numeric and all(row["quantities"] for row in numeric)


# ------------------------------------------------------------------ ClaimReview


def _reviews(release):
    doc = json.loads((release.path / "claimreview.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"] == "https://schema.org"
    return [node for node in doc["@graph"] if node["@type"] == "ClaimReview"], doc


def test_claimreview_one_per_verdict_with_url_date_and_author(fresh_release):
    reviews, doc = _reviews(fresh_release)
    page = next(node for node in doc["@graph"] if node["@type"] == "WebPage")["url"]
    assert [r["identifier"] for r in reviews] == sorted(c.id for c in fresh_release.claims if c.verdict is not None)
    by_id = {c.id: c for c in fresh_release.claims}
    for review in reviews:
        claim = by_id[review["identifier"]]
        assert review["url"] == f"{page}#{claim.id}" and page.startswith("https://")
        assert review["datePublished"] == fresh_release.manifest["date"]
        assert review["author"]["url"].startswith("https://") and review["author"]["name"]
        assert review["claimReviewed"] == claim.text
        rating = review["reviewRating"]
        assert rating["alternateName"] and rating["ratingExplanation"] == claim.verdict.justification
        assert ("ratingValue" in rating) == (claim.verdict.label in TRUTH_SCALE)
        assert review["itemReviewed"]["datePublished"] == iso_date(claim.claim_date)


def test_claimreview_keeps_precision_and_leaks_no_placeholder_or_note(fresh_release):
    reviews, _ = _reviews(fresh_release)
    by_type = {"source": fresh_release.sources, "entity": fresh_release.entities}
    unnamed = {e.name for e in fresh_release.entities if e.id in unnamed_outlets(by_type)}
    outlets = {s.outlet for s in fresh_release.sources if s.outlet}
    entity_names = {e.name for e in fresh_release.entities}
    text = json.dumps(reviews)
    assert all(name not in text for name in unnamed)
    for review in reviews:
        appearance = review["itemReviewed"].get("appearance", {})
        publisher = appearance.get("publisher")
        if publisher:  # an outlet's name as an entity, never the curators' note on the source
            assert publisher["name"] in entity_names and publisher["name"] not in outlets - entity_names
    weekly = [c for c in fresh_release.claims if c.verdict and c.claim_date.precision == "week"]
    assert weekly and all(re.fullmatch(r"\d{4}-W\d{2}", next(r for r in reviews if r["identifier"] == c.id)
                                       ["itemReviewed"]["datePublished"]) for c in weekly)


def test_iso_dates_at_their_precision():
    from factset.records.models import DateInfo

    def d(value, precision):
        return DateInfo(value=__import__("datetime").date.fromisoformat(value), precision=precision, basis="stated")

    assert [iso_date(d("2024-10-23", "day")), iso_date(d("2024-10-21", "week")), iso_date(d("2024-10-01", "month")),
            iso_date(d("2024-01-01", "year")), iso_date(d("9999-12-27", "week"))] == \
        ["2024-10-23", "2024-W43", "2024-10", "2024", "9999-W52"]


def test_a_preview_publishes_no_review_date(records):
    from factset.publish.claimreview import reviews

    content = _content(records, date="unreleased")
    assert all("datePublished" not in r for r in reviews(content.by_type, "9.9.9", "unreleased", content.review_page))


# ------------------------------------------------------------------ Croissant


def test_croissant_carries_every_field_references_and_the_rai_block(fresh_release):
    doc = json.loads((fresh_release.path / "croissant.json").read_text(encoding="utf-8"))
    sets = {rs["@id"]: rs for rs in doc["recordSet"]}
    assert list(sets) == [*MODELS, *TASKS]
    for name, model in MODELS.items():
        names = {f["name"].split(".")[0] for f in sets[name]["field"]}
        assert names == set(model.model_fields), name  # lists included
    for name, task in TASKS.items():
        assert {f["name"].split(".")[0] for f in sets[name]["field"]} == {f["name"] for f in task.features} | {"split"}
    claims = {f["@id"]: f for f in sets["claims"]["field"]}
    assert claims["claims/quantities"]["repeated"] and {s["name"] for s in claims["claims/quantities"]["subField"]} >= {"value", "as_of.value"}
    assert claims["claims/verdict.evidence_ids"]["repeated"]
    evidence = {f["@id"]: f for f in sets["evidence"]["field"]}
    assert evidence["evidence/claim_id"]["references"] == {"field": {"@id": "claims/id"}}
    assert "'evidence'" in claims["claims/verdict.evidence_ids"]["description"]  # named where not declared
    for key in ("rai:dataCollection", "rai:dataAnnotationProtocol", "rai:annotationsPerItem", "rai:dataAnnotationAnalysis",
                "rai:dataLimitations", "rai:dataBiases", "rai:personalSensitiveInformation", "rai:dataUseCases",
                "rai:dataReleaseMaintenancePlan"):
        assert doc[key], key


@pytest.mark.skipif(shutil.which("mlcroissant") is None, reason="mlcroissant is not installed")
def test_croissant_validates_and_loads_every_record_set_with_every_field(fresh_release):
    proc = subprocess.run(["mlcroissant", "validate", "--jsonld", str(fresh_release.path / "croissant.json")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not re.search(r"^E\d{4} ", proc.stderr, re.MULTILINE)  # absl-style error lines
    mlc = pytest.importorskip("mlcroissant")
    dataset = mlc.Dataset(jsonld=str(fresh_release.path / "croissant.json"))
    doc = json.loads((fresh_release.path / "croissant.json").read_text(encoding="utf-8"))
    expected = {**fresh_release.manifest["counts"],
                **{t: len(fresh_release.task(t, "train")) + len(fresh_release.task(t, "test")) for t in TASKS}}
    for rs in doc["recordSet"]:
        records = list(dataset.records(record_set=rs["@id"]))
        assert len(records) == expected[rs["@id"]], rs["@id"]
        assert all(set(r) == {f["@id"] for f in rs["field"]} for r in records), rs["@id"]
