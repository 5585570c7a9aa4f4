"""Flat tables of a release for pandas (the ``pandas`` extra): one row per record, nested
fields flattened, the names of claimants and speakers joined in; or a task's rows.
"""

from __future__ import annotations

from typing import Any



def _pandas():
    try:
        import pandas
    except ImportError:
        raise ImportError("flat tables need pandas: pip install 'factset[pandas]'") from None
    return pandas


def _date(d) -> tuple[Any, Any]:
    return (None, None) if d is None else (d.value, d.precision)


def claim_rows(release) -> list[dict]:
    names = {e.id: e.name for e in release.entities}
    rows = []
    for c in sorted(release.claims, key=lambda c: c.id):
        date, precision = _date(c.claim_date)
        verdict = getattr(c, "verdict", None)
        attestation = getattr(c, "attestation", None)
        rows.append({
            "id": c.id, "source_id": c.source_id, "text": c.text, "claimant_id": c.claimant_id,
            "claimant": names.get(c.claimant_id), "attribution": c.attribution.mode, "claim_date": date,
            "claim_date_precision": precision, "kind": c.kind, "topic": c.topic,
            "checkworthiness": getattr(c, "checkworthiness", None),
            "attestation": attestation.label if attestation else None,
            "verdict": verdict.label if verdict else None,
            "verdict_evidence": len(verdict.evidence_ids) if verdict else 0,
            "quantities": "; ".join(q.text for q in c.quantities),
            "relations": "; ".join(f"{r.kind} {r.target}" for r in c.relations),
            "flags": "; ".join(f.kind for f in c.flags),
            "review_status": c.curation.review_status,
        })
    return rows


def evidence_rows(release) -> list[dict]:
    names = {e.id: e.name for e in release.entities}
    claims = {c.id: c for c in release.claims}
    rows = []
    for ev in sorted(release.evidence, key=lambda e: e.id):
        claim = claims.get(ev.claim_id)
        rows.append({
            "id": ev.id, "claim_id": ev.claim_id, "claim": claim.text if claim else None,
            "claimant": names.get(claim.claimant_id) if claim else None, "source_id": ev.source_id,
            "quote": ev.quote, "start": ev.start, "end": ev.end, "role": ev.role, "stance": ev.stance,
            "speaker_id": ev.speaker_id, "speaker": names.get(ev.speaker_id) if ev.speaker_id else None,
            "flags": "; ".join(f.kind for f in ev.flags), "review_status": ev.curation.review_status,
        })
    return rows


def source_rows(release) -> list[dict]:
    rows = []
    for s in sorted(release.sources, key=lambda s: s.id):
        date, precision = _date(s.published)
        rows.append({"id": s.id, "outlet": s.outlet, "title": s.title, "byline": "; ".join(s.byline),
                     "published": date, "published_precision": precision, "language": s.language,
                     "text_quality": s.text_quality, "seed_file": s.seed_file,
                     "claims": sum(c.source_id == s.id for c in release.claims)})
    return rows


def entity_rows(release) -> list[dict]:
    return [{"id": e.id, "name": e.name, "kind": e.kind, "role": e.role, "affiliation": e.affiliation,
             "country": e.country, "speaks_for": getattr(e, "speaks_for", None),
             "aliases": "; ".join(a.name for a in e.aliases)} for e in sorted(release.entities, key=lambda e: e.id)]


ROWS = {"claims": claim_rows, "evidence": evidence_rows, "sources": source_rows, "entities": entity_rows}


def frame(release, name: str):
    """``claims``, ``evidence``, ``sources``, ``entities``, or ``<task>/<split>``."""
    pandas = _pandas()
    if name in ROWS:
        return pandas.DataFrame(ROWS[name](release))
    task, _, split = name.partition("/")
    if not split:
        raise KeyError(f"no table {name!r}: use one of {', '.join(ROWS)}, or a task and split such as 'verification/test'")
    return pandas.DataFrame(release.task(task, split))
