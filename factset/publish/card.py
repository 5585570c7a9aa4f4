"""The Hugging Face dataset card of a release: a YAML header declaring every config's
features and splits, then the sections of the Hub's dataset card template. Every figure,
name and source in it is read off the records (or computed from them: splits, agreement,
coverage, baseline scores); nothing that the data can change is written by hand.
Deterministic.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from ..records.labels import CHECKWORTHINESS
from ..records.models import SCHEMA_VERSION
from . import describe
from .describe import Content, count, pct
from .features import features
from .identity import (ANNOTATION_LICENSE_URL, ANNOTATIONS_CREATORS, CODE_LICENSE, HOMEPAGE, LICENSE, LICENSE_NAME, MODELS, PRETTY_NAME,
                       SUBJECT, citation)
from .splits import SPLITS, TEST_SHARE, fold
from .tasks import TASKS


# ------------------------------------------------------------------ YAML header


def _yaml(value: Any, indent: int = 0) -> list[str]:
    """Block-style YAML for dicts, lists and scalars (strings JSON-quoted: valid YAML)."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{_scalar(key)}:")
                lines.extend(_yaml(item, indent + 2))
            else:
                lines.append(f"{pad}{_scalar(key)}: {_scalar(item)}")
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
    if isinstance(value, str) and value and value.replace("_", "").replace("-", "").isalnum() and not value[0].isdigit():
        return value
    return json.dumps(value, ensure_ascii=False)


def size_category(rows: int) -> str:
    """The Hub's size category of a config of ``rows`` rows."""
    for bound, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if rows < bound:
            return name
    return "1M<n<10M"


def card_header(data: Content) -> dict[str, Any]:
    config_rows = {**data.counts, **{task: sum(len(rows) for rows in splits.values()) for task, splits in data.views.rows.items()}}
    translated = any(s.text_quality == "degraded_machine_translation" for s in data.by_type["source"])
    return {
        "pretty_name": PRETTY_NAME,
        "license": LICENSE,
        "license_name": LICENSE_NAME,
        "license_link": "LICENSE",
        "language": sorted({s.language.split("-")[0] for s in data.by_type["source"]}),
        "language_creators": ["found", *(["machine-generated"] if translated else [])],
        "annotations_creators": list(ANNOTATIONS_CREATORS),
        "multilinguality": ["monolingual"] if len({s.language for s in data.by_type["source"]}) <= 1 else ["multilingual"],
        "source_datasets": ["original"],
        "task_categories": ["text-classification"],
        "task_ids": ["fact-checking", "natural-language-inference", "multi-class-classification"],
        "tags": ["fact-checking", "claim-verification", "stance-detection", "temporal-reasoning", "misinformation", "news"],
        # The largest config decides: the rows are not summed across configs.
        "size_categories": [size_category(max(config_rows.values(), default=0))],
        "configs": [
            *({"config_name": name, "data_files": [{"split": "train", "path": f"{name}.jsonl"}],
               **({"default": True} if name == "claims" else {})} for name in MODELS),
            *({"config_name": task, "data_files": [{"split": split, "path": f"tasks/{task}/{split}.jsonl"} for split in SPLITS]}
              for task in TASKS),
        ],
        "dataset_info": [
            *({"config_name": name, "features": features(model)} for name, model in MODELS.items()),
            *({"config_name": task.name, "features": [dict(f) for f in task.features]} for task in TASKS.values()),
        ],
    }


# ------------------------------------------------------------------ helpers


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _date(d) -> str:
    if d is None:
        return "unknown"
    return f"{d.value.isoformat()} ({d.precision})"


# ------------------------------------------------------------------ sections


def _structure(data: Content) -> str:
    counts = data.counts
    record_rows = [
        ["`claims`", counts["claims"], "`train`", "a self-contained claim: claimant, dates, structured numbers, topic, relations, check-worthiness, attestation, verdict"],
        ["`evidence`", counts["evidence"], "`train`", "a verbatim passage of a source, located by character offsets, with its stance on one claim"],
        ["`sources`", counts["sources"], "`train`", "a source article: outlet, byline, dates, language, text quality, rights"],
        ["`entities`", counts["entities"], "`train`", "a claimant or speaker, with every spelling the sources use and the side it speaks for"],
    ]
    task_rows = [[f"`{name}`", " / ".join(str(len(data.views.rows[name][s])) for s in SPLITS), " / ".join(f"`{s}`" for s in SPLITS),
                  task.row] for name, task in TASKS.items()]
    fields = []
    for name, task in TASKS.items():
        names = ", ".join(f"`{f['name']}`" for f in task.features)
        fields.append(f"- `{name}`: {names}. Label `{task.label}`: ClassLabel "
                      + ", ".join(f"{i} `{c}`" for i, c in enumerate(task.classes)) + ".")
    example = _example(data)
    return f"""## Dataset Structure

Each release folder is a dataset repository: four configs of records (each one split,
`train`, holding every record) and three task views with `train` and `test` splits.

{_table(["config", "rows", "splits", "one row is"], record_rows + task_rows)}

The record configs' fields are declared in the YAML header above and documented in the
JSON Schema of the release (`schema/`). In brief:

- Dates are kept apart: `claim_date` (when the statement was made), each quantity's
  `as_of` (the date a figure describes) and the source's `published` date. Each has a
  `precision` (`day`/`week`/`month`/`year`, the value being the period's first day) and a
  `basis` saying how it was obtained.
- Numbers are structured: `value`, `low`, `high`, `qualifier`, `unit`, `counted`, and
  `text` (as written in the source).
- Evidence offsets are Unicode code points into the source text, end exclusive (W3C
  TextPositionSelector): `text[start:end] == quote`.
- `relations` link claims: `same_as` (the same statement from another source),
  `updates`, `supersedes`, `conflicts_with`, `related_to`.

The task views' fields (label orders are frozen: codes never change meaning):

{chr(10).join(fields)}
- Every task row also has `group`, `claim_sources` and `group_sources` (see Splits).

### Labels

- Check-worthiness (every claim; ClaimBuster's classes): {", ".join(f"`{c}`" for c in CHECKWORTHINESS)}. Opinions,
  predictions, recommendations and rhetorical questions are `non_factual` and carry no verdict.
- Stance of a passage on a claim: `supports` / `refutes` (it asserts the same / an incompatible
  content: same fact, figure and time), `neutral` (on the topic but neither; a figure of another
  date is an update, not a refutation), `attests` (it reports the claimant's side making the
  statement: it was *said*, which is not that it is *true*).
- Verdict (AVeriTeC's labels), decided only by **independent** passages: of another source,
  spoken by someone not on the claimant's side. `supported`: some support, none refutes;
  `refuted`: some refute, none supports; `conflicting_evidence`: both; `not_enough_evidence`:
  neither. The validator enforces the rule.
- Time relations: `same_as`, `updates` (the second claim is a later figure or statement about
  the same thing), `conflicts_with` (incompatible statements about the same thing at the same time).

### An example

The first `test` row of `verification`{example[0]}:

```json
{example[1]}
```

{_splits(data)}"""


def _example(data: Content) -> tuple[str, str]:
    rows = data.views.rows["verification"]["test"] or data.views.rows["verification"]["train"]
    if not rows:
        return " (there is none: this release has no claim with a verdict)", "{}"
    row = dict(rows[0])
    shown = row["passages"][:2]
    note = "" if len(shown) == len(row["passages"]) else f" ({len(shown)} of its {len(row['passages'])} passages shown)"
    row["passages"] = shown
    return note, json.dumps(row, ensure_ascii=False, indent=2)


def _splits(data: Content) -> str:
    views = data.views
    parts = [f"""### Splits

`train` and `test` are made without leakage and without randomness (the rules are in
`factset/publish/splits.py`). Claims linked by `same_as`, `updates` or `conflicts_with`,
or having a deciding passage (an independent passage that supports or refutes them) with
the same words, form one **group**, and a group is never split: no statement, and no
deciding passage, is in both `train` and `test`. Groups are placed largest first, each
where it keeps the `test` share of every verdict label (and of the time-relation pairs)
closest to {pct(TEST_SHARE)}. Every row of every task sits in the split of its claims.
"""]
    for name, task in TASKS.items():
        rows = views.rows[name]
        present = [c for c in task.classes if any(r[task.label] == c for s in SPLITS for r in rows[s])]
        table = [[f"`{s}`", len(rows[s]), *(sum(r[task.label] == c for r in rows[s]) for c in present)] for s in SPLITS]
        parts.append(f"`{name}` ({task.label}):\n\n" + _table(["split", "rows", *(f"`{c}`" for c in present)], table))
    parts.append("""**Leave-one-source-out folds** (for cross-validation): for each source S, `test` is the
rows whose claims come from S and `train` the rows whose group holds no claim of S; rows of a
group that reaches S from another source are in neither. `release.folds(task)` gives them;
with `datasets`, filter on `claim_sources` and `group_sources`. Rows per fold (train / test /
left out):
""")
    sources = sorted(s.id for s in data.by_type["source"])
    fold_rows = []
    for name in TASKS:
        everything = views.rows[name]["train"] + views.rows[name]["test"]
        cells = []
        for source in sources:
            f = fold(everything, source)
            cells.append(f"{len(f['train'])} / {len(f['test'])} / {len(everything) - len(f['train']) - len(f['test'])}")
        fold_rows.append([f"`{name}`", *cells])
    parts.append(_table(["task", *(f"`{s}`" for s in sources)], fold_rows))
    parts.append(_baselines(data))
    return "\n\n".join(parts)


def _baselines(data: Content) -> str:
    head = "### Baselines\n\n"
    if data.baselines is None:
        return head + "Not computed for this build (`factset build` computes them on the `test` split)."
    return head + data.baselines.rstrip("\n")


def _creation(data: Content) -> str:
    sources = sorted(data.by_type["source"], key=lambda s: s.id)
    claims = data.by_type["claim"]
    entities = data.by_type["entity"]
    source_rows = [[f"`{s.id}`", s.outlet or "not named in the text", ", ".join(s.byline) or "–", _date(s.published),
                    s.language, s.text_quality, sum(c.source_id == s.id for c in claims)] for s in sources]
    kinds = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(Counter(e.kind for e in entities).items()))
    return f"""## Dataset Creation

### Curation Rationale

Fact-checking datasets usually give one verdict per claim. News about a developing event
is different: officials give different figures on different dates, outlets relay each
other, and a statement repeated by another outlet is not a confirmation. factset records,
for every claim, who made it, when, in which words, who else reports it (attestation), and
which *independent* passages corroborate or contradict it (veracity), so that models and
readers can tell repetition from corroboration and an update from a contradiction.

### Source Data

#### Data Collection and Processing

{describe.collection(data)}

{_table(["source", "outlet", "byline", "published (precision)", "language", "text quality", "claims"], source_rows)}

#### Who are the source data producers?

The journalists and outlets of the articles above, and the people and bodies they quote:
{count(len(entities), "entity", "entities")} ({kinds}).

### Annotations

#### Annotation process

{_annotation_process(data)}

#### Who are the annotators?

{describe.annotators(data)}

#### Personal and Sensitive Information

{chr(10).join(chr(10) + line if i else line for i, line in enumerate(describe.personal(data)))}"""


def _kappa_row(aspect: str, m: dict) -> list:
    """One row of an agreement table (aspect, n, observed agreement, kappa, 95 % CI)."""
    return [aspect, m["n"], _number(m["observed"]), _number(m["kappa"]), _interval(m["ci95"])]


def _annotation_process(data: Content) -> str:
    a = data.agreement
    text = f"{describe.ANNOTATION_GUIDE}\n\n**{describe.review_status(data)}**"
    if not a["aspects"]:
        return text + _remeasure(data)
    rows = [_kappa_row(aspect, m) for aspect, m in a["aspects"].items()]
    per_source = [[aspect, f"`{source}`", m["n"], _number(m["kappa"]), _interval(m["ci95"])]
                  for aspect in ("stance", "checkworthiness", "verdict")
                  for source, m in a["aspects"].get(aspect, {}).get("by_source", {}).items()]
    text += ("\n\nAgreement between the first and the blind second annotation, before adjudication (`factset "
             f"agreement` computes it from the records). {a['method']}\n\n"
             + _table(["aspect", "n", "observed agreement", "Cohen's κ", "95 % CI"], rows))
    if per_source:
        text += "\n\nPer source:\n\n" + _table(["aspect", "source", "n", "κ", "95 % CI"], per_source)
    return text + _remeasure(data)


def _remeasure(data: Content) -> str:
    """The newest fresh blind sample against these labels: how far they can be reproduced."""
    r = data.remeasured
    if not r or not r["report"]["aspects"]:
        return ""
    rows = [_kappa_row(aspect, m) for aspect, m in r["report"]["aspects"].items() if aspect != "stance_related"]
    return (f"\n\nRe-measured after adjudication on a fresh blind sample of {r['report']['sample']} passage(s) "
            f"(`data/resamples/{r['file']}` in the repository; `factset agreement --resample` computes it). "
            f"{r['report']['method']}\n\n" + _table(["aspect", "n", "observed agreement", "Cohen's κ", "95 % CI"], rows))


def _number(x) -> str:
    return "–" if x is None else f"{x:.2f}"


def _interval(ci) -> str:
    return "–" if ci is None else f"[{ci[0]:.2f}, {ci[1]:.2f}]"


def _limitations(data: Content) -> str:
    bullets = "\n".join(f"- {line}" for line in describe.biases(data) + describe.limitations(data))
    return f"""## Bias, Risks, and Limitations

{bullets}

### Recommendations

Use factset to study and evaluate claim verification, stance and time relations on a small,
carefully documented set; report macro-F1 and per-class scores with the split used; do not
read its verdicts as statements of fact about the events, the outlets or the people."""


def _rights(data: Content) -> str:
    rows = [[f"`{sid}`", rights, f"{length:,}", pct(quotes), pct(with_contexts)]
            for sid, rights, length, quotes, with_contexts in describe.coverage_rows(data)]
    return f"""## Licence and rights

- **Annotations** (every record's fields, labels, verdicts, relations and notes, the task
  views' labels and the metadata): [CC BY 4.0]({ANNOTATION_LICENSE_URL}), by the factset
  contributors.
- **Code** (the factset package that validates, builds and reads releases): {CODE_LICENSE}.
- **Article text.** The quoted passages (`evidence.quote`, the task views' passages and
  contexts) are excerpts of the articles, whose copyright stays with their outlets and
  authors; they are included so that every label can be verified against the words it is
  about, and are not licensed under CC BY 4.0. The article files themselves are not in this
  folder (the factset package ships them, for verification), but the excerpts reproduce this
  share of each article:

{_table(["source", "copyright (as the text shows it)", "characters", "covered by quotes", "by quotes and stance contexts"], rows)}

The `LICENSE` file of this folder says the same."""


def _disagreement(data: Content) -> str:
    kinds = Counter(r.kind for c in data.by_type["claim"] for r in c.relations)
    pairs = sum(len(rows) for rows in data.views.rows["time_relations"].values())
    if not (kinds["updates"] or kinds["conflicts_with"]):
        return ""
    return (f" The articles disagree: {count(kinds['updates'], 'claim')} update an earlier figure or statement, "
            f"{count(kinds['conflicts_with'] // 2, 'pair')} of claims conflict, and {count(pairs, 'pair')} of claims "
            "are linked in time (the `time_relations` task).")


def dataset_card(data: Content) -> str:
    header = "\n".join(_yaml(card_header(data)))
    counts = data.counts
    sources = data.by_type["source"]
    timeline = ("\n![Estimates of one quantity over time, by who gave them and where](timeline.png)\n"
                if data.with_timeline else "")
    curators = ", ".join(f"`{p}`" for p in data.agreement["annotators"]["first"]) or "none recorded"
    return f"""---
{header}
---

# {PRETTY_NAME} — release {data.version}

A hand-curated, structured fact-check dataset about {SUBJECT}, built from
{count(len(sources), "news article")}: {count(counts['claims'], "claim")}, {count(counts['evidence'], "evidence passage")}
and {count(counts['entities'], "claimant or speaker", "claimants and speakers")}. factset records who claimed what, when,
in which words, who else reports it, and which independent sources corroborate or contradict
it.{_disagreement(data)}
{timeline}
## Dataset Details

### Dataset Description

- **Curated by:** {curators} (see Annotations)
- **Language(s):** {", ".join(sorted({s.language for s in sources}))}
- **License:** annotations CC BY 4.0; code {CODE_LICENSE}; quoted article text: its outlets' copyright (see Licence and rights)
- **Release:** {data.version}, {"released " + data.date if data.released else "not released yet (a preview)"}; schema {SCHEMA_VERSION}

### Dataset Sources

- **Repository:** {HOMEPAGE} (the `factset` package: validator, builder, loader, scorer, baselines)
- **Fact-check pages:** every verdict is a schema.org ClaimReview (`claimreview.jsonld`) whose `url` is
  {data.review_page}#&lt;claim id&gt;: the report page `factset report` writes for this release (one anchor
  per claim, the markup embedded), published at that address
- **Machine-readable description:** `croissant.json` (MLCommons Croissant 1.0 with the RAI vocabulary)

```python
from datasets import load_dataset
test = load_dataset("path/to/this/folder", "verification", split="test")

import factset                        # pip install factset
release = factset.load()              # verified models, lookups by id, context of a passage
release.task("stance", "train")       # rows as dicts; release.folds("stance") for cross-validation
```

`factset score verification predictions.jsonl` scores predictions (`{{"id": ..., "label": ...}}` a line).

## Uses

### Direct Use

{chr(10).join("- " + line for line in describe.USES)}

### Out-of-Scope Use

{chr(10).join("- " + line for line in describe.OUT_OF_SCOPE)}

{_structure(data)}

{_creation(data)}

{_limitations(data)}

{_rights(data)}

## Citation

```bibtex
{citation(data.version, data.date)}
```
"""
