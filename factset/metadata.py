"""Metadata written beside a release: the Hugging Face dataset card (with its
YAML header declaring every config's features), a Croissant description and a
schema.org ClaimReview export. All derived from the models, all deterministic.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import types
import typing
from typing import Any, Literal, Union

from pydantic import BaseModel

from .models import SCHEMA_VERSION, Claim, Entity, Evidence, Source

MODELS = {"sources": Source, "entities": Entity, "claims": Claim, "evidence": Evidence}
LICENSE = "cc-by-4.0"
HOMEPAGE = "https://pypi.org/project/factset/"  # where the package is published
CITATION = """@misc{factset,
  title  = {factset: a hand-curated, structured fact-check dataset},
  author = {{factset contributors}},
  year   = {2026},
  note   = {Version VERSION},
}"""

# ------------------------------------------------------------ HF features


def _strip_optional(tp):
    """``X | None`` -> X; unions of numbers -> float."""
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if all(a in (int, float) for a in args):
            return float
        if len(args) == 1:
            return _strip_optional(args[0])
        raise TypeError(f"no feature type for union {tp}")
    if origin is typing.Annotated:
        return _strip_optional(typing.get_args(tp)[0])
    return tp


def feature(tp) -> dict[str, Any]:
    """The ``datasets`` YAML feature entry (without name) of a model annotation."""
    tp = _strip_optional(tp)
    origin = typing.get_origin(tp)
    if origin is list:
        inner = feature(typing.get_args(tp)[0])
        return {"list": inner.get("dtype") or inner["struct"]}
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return {"struct": features(tp)}
    if origin is Literal or tp is str:
        return {"dtype": "string"}
    if tp is bool:
        return {"dtype": "bool"}
    if tp is int:
        return {"dtype": "int64"}
    if tp is float:
        return {"dtype": "float64"}
    if tp is dt.date:
        return {"dtype": "date32"}
    raise TypeError(f"no feature type for {tp}")


def features(model: type[BaseModel]) -> list[dict[str, Any]]:
    return [{"name": name, **feature(field.annotation)} for name, field in model.model_fields.items()]


def _yaml(value: Any, indent: int = 0) -> list[str]:
    """Block-style YAML for dicts, lists and scalars (strings JSON-quoted: valid YAML)."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:")
                lines.extend(_yaml(item, indent + 2))
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            sub = _yaml(item, indent + 2)
            if isinstance(item, (dict, list)):
                lines.append(f"{pad}- {sub[0].lstrip()}")
                lines.extend(sub[1:])
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    return lines


def _scalar(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return "{}" if isinstance(value, dict) else "[]"
    if isinstance(value, str) and value.replace("_", "").replace("-", "").isalnum() and not value[0].isdigit():
        return value
    return json.dumps(value, ensure_ascii=False)


def card_header(counts: dict[str, int]) -> dict[str, Any]:
    total = sum(counts.values())
    size = "n<1K" if total < 1000 else "1K<n<10K" if total < 10_000 else "10K<n<100K"
    return {
        "pretty_name": "factset: North Korean troops in Russia (Oct-Nov 2024)",
        "license": LICENSE,
        "language": ["en"],
        "task_categories": ["text-classification"],
        "task_ids": ["fact-checking"],
        "tags": ["fact-checking", "claim-detection", "misinformation", "news"],
        "size_categories": [size],
        "configs": [
            {"config_name": name, "data_files": [{"split": "train", "path": f"{name}.jsonl"}], **({"default": True} if name == "claims" else {})}
            for name in MODELS
        ],
        "dataset_info": [
            {"config_name": name, "features": features(model)}
            for name, model in MODELS.items()
        ],
    }


def dataset_card(version: str, date: str, counts: dict[str, int], by_type: dict[str, list]) -> str:
    header = "\n".join(_yaml(card_header(counts)))
    claims = by_type["claim"]
    verdicts = {label: sum(c.verdict.label == label for c in claims) for label in
                ("supported", "refuted", "conflicting_evidence", "not_enough_evidence")}
    sources = sorted(by_type["source"], key=lambda s: s.id)
    source_rows = "\n".join(
        f"| `{s.id}` | {s.outlet or 'unknown'} | {s.published.value if s.published else 'unknown'} "
        f"({s.published.precision if s.published else '-'}) | {s.text_quality} | "
        f"{sum(c.source_id == s.id for c in claims)} |"
        for s in sources
    )
    cross = sum(1 for e in by_type["evidence"] if e.role == "related" and
                next((c.source_id for c in claims if c.id == e.claim_id), e.source_id) != e.source_id)
    verdict_rows = "\n".join(f"| `{label}` | {n} |" for label, n in verdicts.items())
    return f"""---
{header}
---

# factset {version}

A hand-curated, structured fact-check dataset built from five news articles
(October–November 2024) on North Korean troops sent to Russia. The articles
disagree — 3,000, 8,000, 10,000, 11,000 and 12,000 troops, from different
officials on different dates — and factset records exactly that: who claimed
what, when, in which words, and how the sources agree or conflict.

Released {date}. Schema version {SCHEMA_VERSION}. Code and tools: {HOMEPAGE}.

![Estimates of the number of North Korean troops in Russia, by date, claimant and source](timeline.png)

## Configs

| config | records | one row is |
|---|---|---|
| `claims` | {counts['claims']} | a self-contained claim with claimant, date, structured numbers, topic, relations and verdict |
| `evidence` | {counts['evidence']} | a verbatim passage of a source with character offsets and a stance on a claim |
| `sources` | {counts['sources']} | a source article: outlet, byline, dates, text quality |
| `entities` | {counts['entities']} | a claimant or speaker, with every spelling the sources use |

```python
from datasets import load_dataset
claims = load_dataset("path/to/this/folder", "claims", split="train")
```

or, after `pip install factset`: `factset.load()` (verified models) and
`factset.hf_path()` (this folder, for `load_dataset`).

## Sources

| id | outlet | published (precision) | text quality | claims |
|---|---|---|---|---|
{source_rows}

{cross} evidence records link a claim to a passage of a *different* source.

## Label set

Verdicts follow the AVeriTeC label set and are judged only on a claim's
*related* evidence from *other* sources (the origin passage shows that the
claim was made, not that it is true; another passage of the same article is not
independent). The validator enforces the rule:

| label | claims |
|---|---|
{verdict_rows}

- `supported`: at least one passage of another source supports it and none refutes it.
- `refuted`: at least one refutes it and none supports it.
- `conflicting_evidence`: passages both support and refute it.
- `not_enough_evidence`: no passage of another source supports or refutes it.

Different figures from different officials on different dates are recorded as
updates (`relations`), with `neutral` stance, not as refutations.

## Fields

- Dates are kept apart: `claim_date` (when the statement was made), each
  quantity's `as_of` (the date a figure describes) and the source's
  `published` date. Each has a `precision` (`day`/`week`/`month`/`year`, the
  value being the period's first day) and a `basis` (`stated`,
  `inferred_from_weekday`, `inferred_from_context`, `publication_date`,
  `other_source`).
- Numbers are structured: `value`, `low`, `high`, `qualifier` (`about`,
  `more_than`, `as_many_as`, …), `unit`, `counted`, and `text` (as written).
- Evidence offsets are Unicode code points into the source text, end exclusive
  (W3C TextPositionSelector): `text[start:end] == quote`.
- `topic` groups claims about the same question across sources (e.g.
  `nk-troops-in-russia-count`).

## Known issues

- One source (`src-004`) is a degraded machine translation: garbled sentences
  and mistranslated words are recorded as they stand and flagged
  (`flags[].kind` = `garbled_translation` / `mistranslation`).
- Names are spelled differently across sources (Zelenskyy/Zelensky,
  John Kirby/John F. Kirby) and one is misspelled (Anthony Blinken); entities
  list every spelling as an alias.
- Publication dates of three sources are not stated; they are inferred at week
  precision, and the `note` says how.
- The article texts are not part of this dataset (copyright of their outlets);
  the factset package ships them for offset verification.

## Licence and citation

Annotations: CC BY 4.0. The quoted passages remain the property of their
outlets and are included as short quotations for research.

```bibtex
{CITATION.replace("VERSION", version)}
```
"""


# ------------------------------------------------------------ ClaimReview


def claimreview(by_type: dict[str, list], version: str) -> str:
    """schema.org ClaimReview markup of every claim, as one JSON-LD graph."""
    entities = {e.id: e for e in by_type["entity"]}
    sources = {s.id: s for s in by_type["source"]}
    names = {"supported": "Supported", "refuted": "Refuted",
             "conflicting_evidence": "Conflicting evidence", "not_enough_evidence": "Not enough evidence"}
    ratings = {"refuted": 1, "conflicting_evidence": 2, "not_enough_evidence": 3, "supported": 4}
    graph = []
    for claim in sorted(by_type["claim"], key=lambda c: c.id):
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


# ------------------------------------------------------------ Croissant

CROISSANT_CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

_CR_TYPES = {"string": "sc:Text", "int64": "sc:Integer", "float64": "sc:Float", "bool": "sc:Boolean", "date32": "sc:Date"}


def _cr_fields(name: str, file_id: str, entries: list[dict], parents: tuple[str, ...] = ()) -> list[dict]:
    """Croissant fields of the scalar columns; a nested scalar is read from its
    top-level column with a ``transform.jsonPath`` (JSON Lines are read as columns)."""
    fields = []
    for entry in entries:
        path = (*parents, entry["name"])
        if "dtype" in entry:
            source: dict[str, Any] = {"fileObject": {"@id": file_id}, "extract": {"column": path[0]}}
            if len(path) > 1:
                source["transform"] = {"jsonPath": ".".join(path[1:])}
            fields.append({
                "@type": "cr:Field",
                "@id": f"{name}/{'.'.join(path)}",
                "name": ".".join(path),
                "dataType": _CR_TYPES[entry["dtype"]],
                "source": source,
            })
        elif "struct" in entry:
            fields.extend(_cr_fields(name, file_id, entry["struct"], path))
        # Lists of objects have no flat column; they stay in the JSONL and the HF features.
    return fields


def croissant(version: str, date: str, files: dict[str, str]) -> str:
    distribution = [
        {
            "@type": "cr:FileObject",
            "@id": f"{name}.jsonl",
            "name": f"{name}.jsonl",
            "contentUrl": f"{name}.jsonl",
            "encodingFormat": "application/jsonlines",
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        }
        for name, text in files.items()
    ]
    record_sets = [
        {"@type": "cr:RecordSet", "@id": name, "name": name, "key": {"@id": f"{name}/id"},
         "field": _cr_fields(name, f"{name}.jsonl", features(model))}
        for name, model in MODELS.items()
    ]
    doc = {
        "@context": CROISSANT_CONTEXT,
        "@type": "sc:Dataset",
        "name": "factset",
        "description": "A hand-curated, structured fact-check dataset: sources, claimants, claims and evidence "
                       "about North Korean troops sent to Russia (news articles of October-November 2024).",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "citeAs": CITATION.replace("VERSION", version),
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "url": HOMEPAGE,
        "version": version,
        "datePublished": date,
        "distribution": distribution,
        "recordSet": record_sets,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
