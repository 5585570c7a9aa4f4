"""Evidence as W3C Web Annotations (Web Annotation Data Model, www.w3.org/TR/annotation-model/).

One annotation per evidence record, in an ``AnnotationCollection`` whose first page holds
them all. The target is the seed text, identified by its sha256 as an RFC 6920 named
information URI (``ni:///sha-256;<base64url>``: the text itself, wherever a copy lives),
with two selectors for the passage: ``TextQuoteSelector`` (exact, and up to
:data:`CONTEXT` characters of prefix and suffix) and ``TextPositionSelector`` (start, end).
The body is the claim (a ``TextualBody`` whose id names the claim; purpose ``linking``)
and the stance (a ``TextualBody``; purpose ``classifying``).

Positions count Unicode code points, as factset's offsets do. The model leaves the unit
open (w3c/web-annotation#206) and browser-side tools count UTF-16 code units: such a
consumer should anchor by the quote selector, which does not depend on the unit.
Annotation and claim ids are ``urn:factset:<record id>`` (a private URN namespace, not
registered: the ids are stable, not resolvable).
"""

from __future__ import annotations

import base64

CONTEXT = 32  # characters of prefix and suffix, enough to tell repeated passages apart
ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
ID_PREFIX = "urn:factset:"


def seed_iri(sha256_hex: str) -> str:
    """The RFC 6920 ni URI of a text with this sha256."""
    digest = base64.urlsafe_b64encode(bytes.fromhex(sha256_hex)).decode("ascii").rstrip("=")
    return f"ni:///sha-256;{digest}"


def annotation(evidence, claim, source, text: str) -> dict:
    """One evidence record as a Web Annotation (without @context: it sits in a collection)."""
    start, end = evidence.start, evidence.end
    if text[start:end] != evidence.quote:  # validated records never fail this; a release copy might be damaged
        raise ValueError(f"{evidence.id}: the quote is not at [{start}:{end}] of {source.seed_file}")
    return {
        "id": ID_PREFIX + evidence.id,
        "type": "Annotation",
        "motivation": "linking",
        "body": [
            {"type": "TextualBody", "id": ID_PREFIX + claim.id, "purpose": "linking", "value": claim.text,
             "format": "text/plain", "language": "en"},
            {"type": "TextualBody", "purpose": "classifying", "value": evidence.stance},
        ],
        "target": {
            "source": seed_iri(source.sha256),
            "selector": [
                {"type": "TextQuoteSelector", "exact": evidence.quote,
                 "prefix": text[max(0, start - CONTEXT):start], "suffix": text[end:end + CONTEXT]},
                {"type": "TextPositionSelector", "start": start, "end": end},
            ],
        },
    }


def collection(sources, claims, evidence, texts: dict[str, str]) -> dict:
    """Every evidence record as an annotation, in one collection (ordered by evidence id)."""
    by_source = {s.id: s for s in sources}
    by_claim = {c.id: c for c in claims}
    items = [annotation(e, by_claim[e.claim_id], by_source[e.source_id], texts[e.source_id])
             for e in sorted(evidence, key=lambda e: e.id)]
    return {
        "@context": ANNO_CONTEXT,
        "id": ID_PREFIX + "evidence",
        "type": "AnnotationCollection",
        "label": "factset evidence: passages of the seed articles and their stance on each claim",
        "total": len(items),
        "first": {"id": ID_PREFIX + "evidence/page1", "type": "AnnotationPage", "startIndex": 0, "items": items},
    }
