"""schema.org ClaimReview markup of every verdict, as one JSON-LD graph."""

from __future__ import annotations

import json


def claimreview(by_type: dict[str, list], version: str) -> str:
    """schema.org ClaimReview markup of every claim, as one JSON-LD graph."""
    entities = {e.id: e for e in by_type["entity"]}
    sources = {s.id: s for s in by_type["source"]}
    names = {"supported": "Supported", "refuted": "Refuted",
             "conflicting_evidence": "Conflicting evidence", "not_enough_evidence": "Not enough evidence"}
    ratings = {"refuted": 1, "conflicting_evidence": 2, "not_enough_evidence": 3, "supported": 4}
    graph = []
    for claim in sorted((c for c in by_type["claim"] if c.verdict is not None), key=lambda c: c.id):
        who = entities.get(claim.claimant_id)
        src = sources.get(claim.source_id)
        graph.append({
            "@type": "ClaimReview",
            "@id": f"factset:{version}/{claim.id}",
            "identifier": claim.id,
            "claimReviewed": claim.text,
            "author": {"@type": "Organization", "name": "factset"},
            "itemReviewed": {
                "@type": "Claim",
                "author": {"@type": "Person" if who and who.kind == "person" else "Organization",
                           "name": who.name if who else claim.claimant_id},
                "datePublished": claim.claim_date.value.isoformat(),
                "appearance": {"@type": "NewsArticle", "identifier": claim.source_id,
                               "publisher": (src.outlet if src and src.outlet else "unknown")},
            },
            "reviewRating": {
                "@type": "Rating",
                "ratingValue": ratings[claim.verdict.label],
                "bestRating": 4,
                "worstRating": 1,
                "alternateName": names[claim.verdict.label],
                "ratingExplanation": claim.verdict.justification,
            },
        })
    doc = {"@context": {"@vocab": "https://schema.org/", "factset": "urn:factset:"}, "@graph": graph}
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"

