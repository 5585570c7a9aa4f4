"""What every file published beside a release says of the dataset as a whole: its
record configs, scope, licences, home page, where its reviews are shown and how to cite
it. One place, so that the card, Croissant and ClaimReview cannot disagree.
"""

from __future__ import annotations

from ..records.models import Claim, Entity, Evidence, Source

MODELS = {"sources": Source, "entities": Entity, "claims": Claim, "evidence": Evidence}
NAME = "factset"
# The question the dataset is about: its scope, which no new record changes (counts and
# sources are always read off the records).
SUBJECT = "North Korean troops sent to Russia"
PRETTY_NAME = "factset: North Korean troops in Russia"
HOMEPAGE = "https://pypi.org/project/factset/"  # where the package is published
# The Hub's licence keys: the release mixes CC BY 4.0 annotations with quoted news text,
# so its licence is 'other', explained in the LICENSE file each release carries.
LICENSE = "other"
LICENSE_NAME = "cc-by-4.0-annotations-with-quoted-news-text"
ANNOTATION_LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
CODE_LICENSE = "MIT"
# The Hub's annotations_creators: who wrote the labels. Every curator, second annotator and
# adjudicator of release 1.0.0 is a session of an AI language model (see ANNOTATORS).
ANNOTATIONS_CREATORS = ["machine-generated"]
ANNOTATORS = ("Every annotator named here is a separate session of an AI language model, working from the "
              "annotation guide (docs/ANNOTATION.md) and the seed texts; none is a person. The blind second "
              "annotators and the adjudicators saw only their packets (never the other labels, nor the data), as "
              "the guide's review procedure sets out. Later readings (fresh blind samples, consistency readings, "
              "the reading of every passage under the settled rules, an audit of every claim) name their "
              "adjudicators in the review notes they changed ('Re-adjudicated by ...'); data/resamples/ in the "
              "repository keeps their blind labels. The maintainers wrote the guide, ran the procedure and hold "
              "every record to the validator.")
# Where the report page of each release is published: 'factset report' writes it with one
# anchor per claim and the ClaimReview markup embedded. Each ClaimReview's url is this page
# plus '#<claim id>' (Google requires the url of a page that shows the review). Override with
# 'factset build --review-page URL'; the value used is recorded in claimreview.jsonld and on
# the card.
REVIEW_PAGE = "https://factset.github.io/report/{version}/index.html"
PUBLISHER = {"@type": "Organization", "name": "factset contributors", "url": HOMEPAGE}


def review_page(version: str, template: str = REVIEW_PAGE) -> str:
    return template.replace("{version}", version)


def citation(version: str, date: str) -> str:
    """BibTeX of a release; the year is the release's (none for a preview)."""
    year = f"  year   = {{{date[:4]}}},\n" if date[:4].isdigit() else ""
    return (f"@misc{{factset,\n  title  = {{{PRETTY_NAME} -- a hand-curated, structured fact-check dataset}},\n"
            f"  author = {{{{factset contributors}}}},\n{year}  note   = {{Version {version}}},\n  url    = {{{HOMEPAGE}}},\n}}")
