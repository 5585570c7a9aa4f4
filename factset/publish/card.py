"""The Hugging Face dataset card of a release: a YAML header declaring every config's
features, then the prose. Derived from the records, deterministic.
"""

from __future__ import annotations

import json
from typing import Any

from ..records.models import SCHEMA_VERSION
from .features import features
from .identity import CITATION, HOMEPAGE, LICENSE, MODELS

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


def dataset_card(version: str, date: str, counts: dict[str, int], by_type: dict[str, list],
                 with_timeline: bool = True) -> str:
    """The card; ``with_timeline`` when the release carries its timeline figure (drawn only
    where matplotlib is installed)."""
    timeline = ("\n![Estimates of the number of North Korean troops in Russia, by date, claimant and source]"
                "(timeline.png)\n" if with_timeline else "")
    header = "\n".join(_yaml(card_header(counts)))
    claims = by_type["claim"]
    verdicts = {label: sum(c.verdict is not None and c.verdict.label == label for c in claims) for label in
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
{timeline}
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
