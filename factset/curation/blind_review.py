"""The blind second annotation, as a curator runs it (docs/ANNOTATION.md, "The blind second
annotation and adjudication").

1. :func:`packets` turns records into *items*: for each record only what the second annotator
   may see (a passage: the claim and the passage with its context; a claim: its text and its
   origin passage; a source: its text; an entity: the passages that name it) and the aspects
   to label — never the first labels, which :func:`first_labels` keeps apart.
2. The second annotator labels every item; a third reading adjudicates where the two differ.
3. :func:`record_reviews` writes both labels and the outcome into each record's
   ``curation.review``, and marks it ``reviewed`` when the record says what was adjudicated.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from ..records.review import ASPECTS
from .offsets import write_atomically
from .seeds import SeedError, SeedStore

CONTEXT = 300  # characters of seed text shown on each side of a passage


def _date(d: dict | None) -> str:
    return "unknown" if d is None else f"{d['value']} ({d['precision']})"


def _around(text: str, start: int, end: int, chars: int) -> dict:
    return {"before": text[max(0, start - chars):start], "quote": text[start:end], "after": text[end:end + chars]}


def entity_table(records: Iterable[dict], sides: bool) -> list[dict]:
    """The entities an annotator picks claimants and speakers from; ``sides`` adds whom each
    speaks for (needed to tell 'attests' from 'supports'; left out where sides are labelled)."""
    keep = ("id", "name", "kind", "role", "affiliation") + (("speaks_for",) if sides else ())
    return [{k: d.get(k) for k in keep} for d in records if d["type"] == "entity"]


def packets(records: list[dict], seeds: SeedStore, context: int = CONTEXT) -> list[dict]:
    """One blind item per live record (retracted records are history, not reviewed)."""
    live = [d for d in records if d["curation"]["review_status"] != "retracted"]
    sources = {d["id"]: d for d in live if d["type"] == "source"}
    entities = {d["id"]: d for d in live if d["type"] == "entity"}
    claims = {d["id"]: d for d in live if d["type"] == "claim"}
    texts = {}
    for source in sources.values():
        try:
            texts[source["id"]] = seeds.get(source["seed_file"]).text
        except SeedError:
            texts[source["id"]] = ""

    def who(entity_id: str) -> str:
        e = entities.get(entity_id)
        return entity_id if e is None else f"{e['name']}" + (f" ({e['role']})" if e.get("role") else "")

    origins = {d["claim_id"]: d for d in live if d["type"] == "evidence" and d["role"] == "origin"}
    items = []
    for d in live:
        kind = d["type"]
        if kind == "evidence":
            claim = claims.get(d["claim_id"])
            if claim is None:
                continue
            src = sources.get(d["source_id"], {})
            items.append({
                "id": d["id"], "type": kind, "ask": list(ASPECTS[kind]),
                "claim": {"text": claim["text"], "claimant": who(claim["claimant_id"]), "claimant_id": claim["claimant_id"],
                          "date": _date(claim["claim_date"]), "source": claim["source_id"]},
                # The article's date is what a figure the passage does not date holds at (guide 2.4).
                "passage": {"source": d["source_id"], "outlet": src.get("outlet"), "published": _date(src.get("published")),
                            **_around(texts.get(d["source_id"], ""), d["start"], d["end"], context)},
            })
        elif kind == "claim":
            origin = origins.get(d["id"])
            src = sources.get(d["source_id"], {})
            items.append({
                "id": d["id"], "type": kind, "ask": list(ASPECTS[kind]), "text": d["text"],
                "source": {"id": d["source_id"], "outlet": src.get("outlet"), "published": _date(src.get("published")),
                           "dateline": src.get("dateline")},
                "origin": None if origin is None else _around(texts.get(d["source_id"], ""), origin["start"], origin["end"], context),
            })
        elif kind == "source":
            items.append({"id": d["id"], "type": kind, "ask": list(ASPECTS[kind]), "seed_file": d["seed_file"],
                          "text": texts.get(d["id"], "")})
        elif kind == "entity":
            names = [d["name"], *(a["name"] for a in d.get("aliases", ()))]
            # Passages where it speaks, each once, then the claims it makes (their texts, not labels).
            spoken = {(ev["source_id"], ev["quote"]) for ev in live if ev["type"] == "evidence" and ev.get("speaker_id") == d["id"]}
            mentions = [{"source": s, "quote": q} for s, q in sorted(spoken)][:8]
            mentions += [{"source": c["source_id"], "claim": c["text"]} for c in claims.values()
                         if c["claimant_id"] == d["id"]][:max(0, 8 - len(mentions))]
            if len(mentions) < 3:  # too few: where the seeds name it
                mentions += _named(names, texts, context)[:8 - len(mentions)]
            items.append({"id": d["id"], "type": kind, "ask": list(ASPECTS[kind]), "name": d["name"], "kind": d["kind"],
                          "names_used": names, "mentions": mentions})
    return items


def _named(names: list[str], texts: dict[str, str], chars: int) -> list[dict]:
    """Passages of the seeds that name an entity (first occurrence of each name in each seed)."""
    out = []
    for source, text in sorted(texts.items()):
        for name in dict.fromkeys(names):
            at = text.find(name)
            if at != -1:
                out.append({"source": source, **_around(text, at, at + len(name), chars // 2)})
    return out


def first_labels(records: Iterable[dict]) -> dict[str, dict[str, str]]:
    """Each live record's labels as they stand now, by aspect: the first annotation."""
    return {d["id"]: {aspect: read(d) for aspect, read in ASPECTS[d["type"]].items()}
            for d in records if d["curation"]["review_status"] != "retracted"}


def differences(first: dict, second: dict) -> list[tuple[str, str, str, str]]:
    """(record id, aspect, first, second) wherever the two annotations differ."""
    return [(rid, aspect, value, second[rid][aspect]) for rid, labels in sorted(first.items()) if rid in second
            for aspect, value in labels.items() if aspect in second[rid] and second[rid][aspect] != value]


def record_reviews(records: list[dict], first: dict, second: dict, adjudicated: dict,
                   annotator: str, adjudicator: str | None) -> list[tuple[str, str, str, str]]:
    """Write ``curation.review`` into every record the second annotator labelled (in place).

    ``adjudicated[record id][aspect]`` is ``{"final": ..., "note": ...}`` where the labels
    differ (or where the adjudicator corrects a label both annotators gave). A record becomes ``reviewed`` when every aspect has both labels and the record
    says each final label; the rest stay ``draft``. Returns (record id, aspect, final, now)
    for every final label the record does not say yet (to be edited, then recorded again),
    and raises ValueError naming every difference that has no adjudication.
    """
    open_questions = [(rid, aspect) for rid, aspect, _, _ in differences(first, second)
                      if aspect not in adjudicated.get(rid, {})]
    if open_questions:
        listed = ", ".join(f"{rid} {aspect}" for rid, aspect in open_questions[:10])
        raise ValueError(f"{len(open_questions)} difference(s) have no adjudication: {listed}")
    pending = []
    for d in records:
        rid = d["id"]
        if rid not in second or rid not in first:
            continue
        labels = []
        for aspect, read in ASPECTS[d["type"]].items():
            if aspect not in second[rid]:
                continue
            a, b = first[rid][aspect], second[rid][aspect]
            # Where the two agree the label stands, unless the adjudicator corrected both (with a note).
            decision = adjudicated.get(rid, {}).get(aspect, {})
            final = decision.get("final", a)
            label = {"aspect": aspect, "first": a, "second": b, "final": final}
            if decision.get("note"):
                label["note"] = decision["note"]
            labels.append(label)
            if final != read(d):
                pending.append((rid, aspect, final, read(d)))
        review = {"annotator": annotator, **({"adjudicator": adjudicator} if adjudicator else {}), "labels": labels}
        complete = len(labels) == len(ASPECTS[d["type"]]) and not any(p[0] == rid for p in pending)
        d["curation"] = {**d["curation"], "review": review, "review_status": "reviewed" if complete else "draft"}
    return pending


def rewrite_jsonl(path: Path, records: list[dict]) -> None:
    """Write records one a line, as curated files are written, atomically."""
    write_atomically(path, "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in records))

