"""Inter-annotator agreement, computed from the reviews recorded in the data.

Every reviewed record carries, per aspect, the curator's label (``first``) and the label of a
second annotator who labelled blind (``second``). Agreement is measured between those two,
before adjudication: the observed share of agreement and Cohen's kappa, with n and a 95 %
confidence interval from the large-sample standard error of Fleiss, Cohen & Everitt (1969)
(deterministic: no resampling), overall and per source.

The verdict is not labelled directly: each annotator's verdict is *derived* from their own
check-worthiness, claimant, evidence stances and speakers with the rules of
:mod:`factset.records.labels`, so verdict agreement measures how far two independent
annotations lead to the same verdict.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable

from ..records.labels import CHECKWORTHINESS, LABELS, STANCES, Sides, expected_verdict
from ..records.review import ASPECTS, NARRATOR, TEXT_LABELS

METHOD = (
    "Cohen's kappa between the curator's label and a blind second annotation (recorded per record in "
    "curation.review, before adjudication), with n and a 95 % confidence interval from the large-sample "
    "standard error of Fleiss, Cohen & Everitt (1969). Verdict agreement compares the verdicts derived from "
    "each annotator's own labels (check-worthiness, claimant, stances, speakers) by the dataset's verdict rule. "
    "'stance_related' leaves out origin passages (where the claim is made), whose stance is 'attests' by definition. "
    "'text' asks whether a claim's text is faithful to its origin passage; the curator wrote it, so the first label "
    "is always 'faithful' and kappa is 0 by construction: read its observed agreement (the share the second "
    "annotator found faithful; the others were adjudicated and, where found unfaithful, rewritten)."
)
NO_VERDICT = "no_verdict"  # an annotator's verdict where their check-worthiness says non_factual
# Categories in a fixed order where the label set is closed (others: the values seen, sorted).
CATEGORIES = {"stance": STANCES, "stance_related": STANCES, "checkworthiness": CHECKWORTHINESS,
              "text": TEXT_LABELS, "verdict": (*LABELS, NO_VERDICT)}
ASPECT_ORDER = ("stance", "stance_related", "speaker", "verdict", "checkworthiness", "text", "claimant",
                "claim_date", "quantities", "published", "text_quality", "country", "speaks_for")


def kappa(pairs: list[tuple[str, str]], categories: Iterable[str] = ()) -> dict:
    """``{"n", "observed", "kappa", "ci95"}`` of (first, second) label pairs.

    ``kappa`` and ``ci95`` are None where kappa is undefined (no pairs, or both annotators
    used one and the same category throughout: chance agreement is then 1)."""
    n = len(pairs)
    if not n:
        return {"n": 0, "observed": None, "kappa": None, "ci95": None}
    labels = list(dict.fromkeys([*categories, *sorted({a for a, _ in pairs} | {b for _, b in pairs})]))
    joint = Counter(pairs)
    p = {(a, b): joint[a, b] / n for a in labels for b in labels}
    row = {a: sum(p[a, b] for b in labels) for a in labels}  # first annotator's marginals
    col = {b: sum(p[a, b] for a in labels) for b in labels}  # second annotator's
    observed = sum(p[a, a] for a in labels)
    chance = sum(row[a] * col[a] for a in labels)
    out = {"n": n, "observed": round(observed, 4), "kappa": None, "ci95": None}
    if chance >= 1:
        return out
    k = (observed - chance) / (1 - chance)
    # Fleiss, Cohen & Everitt (1969), the variance of kappa under no assumption of chance agreement.
    a_term = sum(p[i, i] * (1 - (row[i] + col[i]) * (1 - k)) ** 2 for i in labels)
    b_term = (1 - k) ** 2 * sum(p[i, j] * (col[i] + row[j]) ** 2 for i in labels for j in labels if i != j)
    c_term = (k - chance * (1 - k)) ** 2
    variance = max(a_term + b_term - c_term, 0.0) / (n * (1 - chance) ** 2)
    half = 1.959964 * math.sqrt(variance)
    out["kappa"] = round(k, 4)
    out["ci95"] = [round(max(-1.0, k - half), 4), round(min(1.0, k + half), 4)]
    return out


def _as_dict(record) -> dict:
    return record.model_dump(mode="json") if hasattr(record, "model_dump") else record


ENTITIES = "entities"  # the group of aspects measured per source that entities have no source for


def _group(d: dict) -> str:
    """Where a record's agreement is counted per source: its source (an entity belongs to no one
    source: its aspects are measured over all entities)."""
    return d["id"] if d["type"] == "source" else d.get("source_id") or ENTITIES


def _pairs(records: list[dict]) -> dict[str, list[tuple[str, str, str]]]:
    """aspect -> (source id, first, second) of every recorded review label."""
    out: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for d in records:
        review = d["curation"].get("review")
        if review is None:
            continue
        source = _group(d)
        for label in review["labels"]:
            out[label["aspect"]].append((source, label["first"], label["second"]))
            if label["aspect"] == "stance" and d["type"] == "evidence" and d["role"] == "related":
                out["stance_related"].append((source, label["first"], label["second"]))
    return out


def _derived_verdicts(claims: list[dict], evidence: list[dict], entities: list[dict],
                      sources: list[dict]) -> list[tuple[str, str, str]]:
    """(source id, first annotator's verdict, second's) of every factual claim whose own review
    and every evidence review are recorded."""
    sides = Sides(entities, sources)
    by_claim: dict[str, list[dict]] = defaultdict(list)
    for ev in evidence:
        by_claim[ev["claim_id"]].append(ev)
    out = []
    for claim in claims:
        if claim["verdict"] is None or claim["curation"].get("review") is None:
            continue
        passages = by_claim[claim["id"]]
        reviews = [_labels(ev) for ev in passages]
        if any(r is None for r in reviews):
            continue
        claim_labels = _labels(claim)
        verdicts = []
        for who in ("first", "second"):
            if claim_labels.get("checkworthiness", {}).get(who, claim["checkworthiness"]) == "non_factual":
                verdicts.append(NO_VERDICT)
                continue
            claimant = claim_labels.get("claimant", {}).get(who, claim["claimant_id"])
            stances = []
            for ev, labels in zip(passages, reviews):
                speaker = labels.get("speaker", {}).get(who, ev.get("speaker_id") or NARRATOR)
                speaker_id = None if speaker == NARRATOR else speaker
                if ev["role"] == "related" and sides.independent(ev["source_id"], speaker_id, claim["source_id"], claimant):
                    stances.append(labels.get("stance", {}).get(who, ev["stance"]))
            verdicts.append(expected_verdict(stances))
        out.append((claim["source_id"], verdicts[0], verdicts[1]))
    return out


def _labels(d: dict) -> dict[str, dict[str, str]] | None:
    review = d["curation"].get("review")
    return None if review is None else {label["aspect"]: label for label in review["labels"]}


def measure(records: dict[str, list]) -> dict:
    """Agreement of every reviewed aspect, from records by type (models or dicts)."""
    typed = {kind: [_as_dict(r) for r in records.get(kind, ())] for kind in ("source", "entity", "claim", "evidence")}
    everything = [d for kind in typed.values() for d in kind]
    pairs = _pairs(everything)
    derived = _derived_verdicts(typed["claim"], typed["evidence"], typed["entity"], typed["source"])
    if derived:
        pairs["verdict"] = derived
    aspects = _kappas(pairs)
    reviews = [d["curation"]["review"] for d in everything if d["curation"].get("review")]
    return {
        "method": METHOD,
        "aspects": aspects,
        "annotators": {
            "first": sorted({d["curation"]["curated_by"] for d in everything}),
            "second": sorted({r["annotator"] for r in reviews}),
            "adjudicators": sorted({r["adjudicator"] for r in reviews if r.get("adjudicator")}),
        },
        "reviewed": {kind: sum(d["curation"]["review_status"] == "reviewed" for d in ds) for kind, ds in typed.items()},
        "records": {kind: len(ds) for kind, ds in typed.items()},
        # kept for history, never labelled again: not counted as waiting for review
        "retracted": {kind: sum(d["curation"]["review_status"] == "retracted" for d in ds) for kind, ds in typed.items()},
    }


def _kappas(pairs: dict[str, list[tuple[str, str, str]]]) -> dict[str, dict]:
    """aspect -> kappa of its (group, label, label) pairs, overall and per group, aspects in a fixed order."""
    out = {}
    for aspect in sorted(pairs, key=lambda a: (ASPECT_ORDER.index(a) if a in ASPECT_ORDER else len(ASPECT_ORDER), a)):
        categories = CATEGORIES.get(aspect, ())
        by_source: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for source, a, b in pairs[aspect]:
            by_source[source].append((a, b))
        out[aspect] = {**kappa([(a, b) for _, a, b in pairs[aspect]], categories),
                       "by_source": {s: kappa(p, categories) for s, p in sorted(by_source.items())}}
    return out


def _number(x) -> str:
    return "–" if x is None else f"{x:.2f}"


HEADER = f"{'aspect':<16} {'n':>5} {'agree':>6} {'kappa':>6}  95% CI"


def _row(name: str, m: dict) -> str:
    ci = "–" if m["ci95"] is None else f"[{m['ci95'][0]:.2f}, {m['ci95'][1]:.2f}]"
    return f"{name:<16} {m['n']:>5} {_number(m['observed']):>6} {_number(m['kappa']):>6}  {ci}"


def as_text(report: dict) -> str:
    """A plain table of ``measure``'s result, for the terminal."""
    lines = [HEADER]
    for aspect, m in report["aspects"].items():
        lines.append(_row(aspect, m))
        lines.extend(_row(f"  {source}", s) for source, s in m["by_source"].items())
    if not report["aspects"]:
        lines.append("(no review recorded yet: nothing to measure)")
    reviewed = ", ".join(f"{report['reviewed'][k]}/{report['records'][k]} {k}" for k in report["records"])
    lines.append(f"reviewed: {reviewed}")
    lines.append(f"second annotators: {', '.join(report['annotators']['second']) or '–'}; "
                 f"adjudicators: {', '.join(report['annotators']['adjudicators']) or '–'}")
    return "\n".join(lines) + "\n"


RESAMPLE_METHOD = (
    "Cohen's kappa between a fresh blind annotation of a sample, made after adjudication by an annotator who "
    "saw neither earlier label, and the records' final (adjudicated) labels: how far the published labels can "
    "be reproduced. n, observed agreement and a 95 % confidence interval as for the review agreement."
)


def resample(records: dict[str, list], labels: object) -> dict:
    """Agreement of a blind ``labels`` sample ({record id: {aspect: label}}) with the records' labels.

    Raises ValueError listing every entry that names no live record, an aspect that record does
    not have, or a label that is not a string (a JSON pointer into the file for each).
    """
    typed = [_as_dict(r) for kind in ("source", "entity", "claim", "evidence") for r in records.get(kind, ())]
    live = {d["id"]: d for d in typed if d["curation"]["review_status"] != "retracted"}
    if not isinstance(labels, dict):
        raise ValueError(["/: expected an object {record id: {aspect: label}}"])
    problems, pairs = [], defaultdict(list)
    for rid, given in labels.items():
        record = live.get(rid)
        if record is None:
            problems.append(f"/{rid}: no live record has this id")
            continue
        if not isinstance(given, dict):
            problems.append(f"/{rid}: expected an object {{aspect: label}}")
            continue
        aspects = ASPECTS[record["type"]]
        for aspect, label in given.items():
            if aspect == "note":
                continue
            if aspect not in aspects:
                problems.append(f"/{rid}/{aspect}: no aspect {aspect!r} for a record of type {record['type']} "
                                f"(its aspects: {', '.join(aspects)})")
            elif not isinstance(label, str):
                problems.append(f"/{rid}/{aspect}: a label is a string")
            else:
                source = _group(record)
                pairs[aspect].append((source, aspects[aspect](record), label))
                if aspect == "stance" and record["type"] == "evidence" and record["role"] == "related":
                    pairs["stance_related"].append((source, aspects[aspect](record), label))
    if problems:
        raise ValueError(problems)
    return {"method": RESAMPLE_METHOD, "sample": len(labels), "aspects": _kappas(pairs)}


def resample_as_text(report: dict) -> str:
    lines = [f"a blind sample of {report['sample']} record(s) against the final labels", HEADER]
    lines.extend(_row(aspect, m) for aspect, m in report["aspects"].items())
    return "\n".join(lines) + "\n"
