"""schema.org ClaimReview markup of every verdict, as Google's fact-check structured data
documents it: one review per claim with a veracity verdict (a ``non_factual`` claim has
none), each with

- ``url``: the review page of the release (``factset report`` writes one anchor per claim
  and embeds this markup) plus ``#<claim id>``; the page is configurable and recorded here;
- ``claimReviewed``, ``datePublished`` (the release date; a preview has none yet) and an
  ``author`` with a ``url``;
- ``itemReviewed``: the Claim, with its author (the claimant; left out where the records
  name only an unnamed outlet), its date and its appearance (the article: headline, byline,
  publisher, date), every date at its own precision (``2024-10``, ``2024-W43``), never
  flattened to a day;
- ``reviewRating``: ``alternateName`` always; a ``ratingValue`` only for the labels that sit
  on a truth scale (``refuted`` 1, ``supported`` 2): conflicting and missing evidence say
  nothing about truth, so they get no number.
"""

from __future__ import annotations

import json

from .identity import PUBLISHER

TRUTH_SCALE = {"refuted": 1, "supported": 2}  # worstRating 1, bestRating 2
ALTERNATE_NAMES = {
    "supported": "Supported",
    "refuted": "Refuted",
    "conflicting_evidence": "Conflicting evidence",
    "not_enough_evidence": "Not enough evidence",
}


def iso_date(d) -> str:
    """An ISO 8601 date at the precision of a DateInfo: 2024-10-23, 2024-W43, 2024-10 or 2024."""
    if d.precision == "day":
        return d.value.isoformat()
    if d.precision == "week":
        year, week, _ = d.value.isocalendar()
        return f"{year:04d}-W{week:02d}"
    if d.precision == "month":
        return f"{d.value.year:04d}-{d.value.month:02d}"
    return f"{d.value.year:04d}"


def unnamed_outlets(by_type: dict[str, list]) -> set[str]:
    """Entities that stand for an outlet the text does not name: the news-outlet narrator
    of a source whose ``outlet`` is null. Their name is the curators' description, not a name."""
    kinds = {e.id: e.kind for e in by_type["entity"]}
    return {s.narrator_id for s in by_type["source"] if s.outlet is None and s.narrator_id
            and kinds.get(s.narrator_id) == "news_outlet"}


def _agent(entity) -> dict:
    agent = {"@type": "Person" if entity.kind == "person" else "Organization", "name": entity.name}
    if entity.role and entity.kind == "person":
        agent["jobTitle"] = entity.role
    return agent


def _appearance(source, entities: dict, unnamed: set[str]) -> dict:
    article: dict = {"@type": "NewsArticle", "identifier": source.id}
    if source.title:
        article["headline"] = source.title
    if source.published is not None:
        article["datePublished"] = iso_date(source.published)
    if source.byline:
        article["author"] = [{"@type": "Person", "name": name} for name in source.byline]
    outlet = entities.get(source.narrator_id) if source.narrator_id else None
    if outlet is not None and outlet.kind == "news_outlet" and outlet.id not in unnamed:
        article["publisher"] = {"@type": "Organization", "name": outlet.name}
    return article


def reviews(by_type: dict[str, list], version: str, date: str, review_page: str) -> list[dict]:
    """One ClaimReview per claim with a verdict, by claim id."""
    entities = {e.id: e for e in by_type["entity"]}
    sources = {s.id: s for s in by_type["source"]}
    unnamed = unnamed_outlets(by_type)
    released = date[:4].isdigit()
    out = []
    for claim in sorted(by_type["claim"], key=lambda c: c.id):
        if claim.verdict is None or claim.curation.review_status == "retracted":
            continue
        item: dict = {"@type": "Claim", "datePublished": iso_date(claim.claim_date)}
        claimant = entities.get(claim.claimant_id)
        if claimant is not None and claimant.id not in unnamed:
            item["author"] = _agent(claimant)
        if claim.source_id in sources:
            item["appearance"] = _appearance(sources[claim.source_id], entities, unnamed)
        label = claim.verdict.label
        rating: dict = {"@type": "Rating", "alternateName": ALTERNATE_NAMES[label],
                        "ratingExplanation": claim.verdict.justification}
        if label in TRUTH_SCALE:
            rating.update(ratingValue=TRUTH_SCALE[label], worstRating=min(TRUTH_SCALE.values()),
                          bestRating=max(TRUTH_SCALE.values()))
        review = {
            "@type": "ClaimReview",
            "@id": f"{review_page}#{claim.id}",
            "url": f"{review_page}#{claim.id}",
            "identifier": claim.id,
            "claimReviewed": claim.text,
            "author": dict(PUBLISHER),
            "itemReviewed": item,
            "reviewRating": rating,
        }
        if released:
            review["datePublished"] = date
        out.append(review)
    return out


def claimreview(by_type: dict[str, list], version: str, date: str, review_page: str) -> str:
    """The markup as one JSON-LD document: the review page, then every review."""
    page = {"@type": "WebPage", "@id": review_page, "url": review_page,
            "name": f"factset {version}: the verdict on every claim", "publisher": dict(PUBLISHER)}
    doc = {"@context": "https://schema.org", "@graph": [page, *reviews(by_type, version, date, review_page)]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
