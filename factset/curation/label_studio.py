"""Round trips with Label Studio: evidence out as pre-annotated tasks, its JSON export back in.

The formats are Label Studio's own (labelstud.io/guide/task_format, /guide/predictions,
/guide/export): a task is ``{"data": {...}, "predictions": [{"model_version", "result"}]}``;
its export adds ``"annotations": [{"result", "was_cancelled", "completed_by", ...}]``; a
text span in a result is ``{"id", "from_name", "to_name", "type": "labels", "value":
{"start", "end", "text", "labels"}}``.

One task per claim and source: the seed text (``$text``) with the claim shown above it
(``$claim``), and every evidence passage of that claim in that seed as a region whose id
is the evidence id and whose label is its stance. Coming back, each region's offsets are
checked against the seed: ``text[start:end] == value.text`` in code points, or else in
UTF-16 code units (Label Studio's browser side counts those: an emoji is two), converted
and checked again; a region that matches neither is refused, never guessed.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

from ..records.labels import STANCES
from ..records.models import EVIDENCE_ID, Evidence
from .offsets import Utf16Offsets

FROM_NAME, TO_NAME = "stance", "text"  # the names of the Labels and Text tags in label_config()
MODEL_VERSION = "factset"  # the pre-annotations' model_version: the curated evidence
MAX_EXPORT_BYTES = 512 << 20


class BadExport(ValueError):
    """The export cannot be read back; the message names the task and the region."""


def label_config() -> str:
    """The labeling interface the tasks are made for (paste it into the project's settings)."""
    labels = "\n".join(f"    <Label value={quoteattr(stance)}/>" for stance in STANCES)
    return (f'<View>\n  <Header value="$claim"/>\n  <Labels name="{FROM_NAME}" toName="{TO_NAME}">\n{labels}\n  </Labels>\n'
            f'  <Text name="{TO_NAME}" value="$text"/>\n</View>\n')


def region(evidence) -> dict:
    """One evidence passage as a Label Studio text span result."""
    return {"id": evidence.id, "from_name": FROM_NAME, "to_name": TO_NAME, "type": "labels",
            "value": {"start": evidence.start, "end": evidence.end, "text": evidence.quote, "labels": [evidence.stance]}}


def tasks(sources, claims, evidence, texts: dict[str, str], search_in: list[str] = ()) -> list[dict]:
    """A task per (claim, source) pair that has evidence, and per (claim, source) for each source of ``search_in``."""
    by_pair: dict[tuple[str, str], list] = defaultdict(list)
    for e in sorted(evidence, key=lambda e: e.id):
        by_pair[(e.claim_id, e.source_id)].append(e)
    by_source = {s.id: s for s in sources}
    unknown = [s for s in search_in if s not in by_source]
    if unknown:
        raise BadExport(f"--search-in {', '.join(unknown)}: no such source")
    for claim in claims:
        for source_id in search_in:
            by_pair.setdefault((claim.id, source_id), [])
    text_of = {c.id: c.text for c in claims}
    out = []
    for (claim_id, source_id), passages in sorted(by_pair.items()):
        source = by_source[source_id]
        out.append({
            "data": {"text": texts[source_id], "claim": text_of[claim_id], "claim_id": claim_id, "source_id": source_id,
                     "seed_file": source.seed_file, "seed_sha256": source.sha256},
            "predictions": [{"model_version": MODEL_VERSION, "result": [region(e) for e in passages]}],
        })
    return out


def read_export(path: Path) -> list:
    """The tasks of a Label Studio JSON export (a list of tasks)."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise BadExport("not a regular file")
        if size > MAX_EXPORT_BYTES:
            raise BadExport(f"is {size:,} bytes, over the limit of {MAX_EXPORT_BYTES:,}")
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise BadExport(f"cannot read it: {exc.strerror}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadExport(f"is not a JSON file: {exc}") from None
    except RecursionError:
        raise BadExport("is not a JSON file Label Studio writes: nested too deeply") from None
    if isinstance(doc, dict):  # a single task
        doc = [doc]
    if not isinstance(doc, list):
        raise BadExport("a Label Studio JSON export is a list of tasks")
    return doc


@dataclass
class Imported:
    records: list[dict] = field(default_factory=list)
    unchanged: int = 0
    changed: int = 0
    added: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.unchanged} unchanged, {self.changed} changed, {self.added} new"


def to_evidence(export: list, texts: dict[str, str], claim_ids: set[str], existing: dict[str, dict],
                curated_by: str) -> Imported:
    """Evidence records from the tasks of an export: every passage re-checked against its seed.

    ``texts``: seed text by source id; ``existing``: the curated evidence by id (whose other
    fields a region keeps). A task's annotation is used if it has one (a task with two
    is refused: adjudicate first); a task nobody annotated gives back its pre-annotation.
    """
    imported = Imported()
    taken: dict[str, str] = {}  # evidence id -> where it was read
    numbers: dict[str, set[int]] = defaultdict(set)  # claim id -> evidence numbers in use
    for rid in existing:
        numbers[_claim_of(rid)].add(int(rid.rsplit("-", 1)[1]))
    fresh = []  # regions of new passages: numbered once every existing id is known
    for n, task in enumerate(export):
        where = f"task {task.get('id', n) if isinstance(task, dict) else n}"
        claim_id, source_id, text = _task_data(task, where, texts, claim_ids)
        exported = {r.get("id") for p in _items(task.get("predictions")) if isinstance(p, dict)
                    for r in _items(p.get("result")) if isinstance(r, dict) and isinstance(r.get("id"), str)}
        seen = set()
        for i, result in enumerate(_result(task, where)):
            at = f"{where}, result {i} (id {result.get('id')!r})" if isinstance(result, dict) else f"{where}, result {i}"
            start, end, quote, stance = _span(result, at, text)
            rid = result["id"] if isinstance(result.get("id"), str) and re.match(EVIDENCE_ID, result["id"]) else None
            if rid is not None and _claim_of(rid) != claim_id:
                raise BadExport(f"{at}: evidence {rid} belongs to {_claim_of(rid)}, not to this task's claim {claim_id}")
            if rid is not None and rid in taken:
                raise BadExport(f"{at}: evidence {rid} appears twice (also in {taken[rid]})")
            if rid is not None:
                taken[rid] = at
                seen.add(rid)
            fields = {"claim_id": claim_id, "source_id": source_id, "quote": quote, "start": start, "end": end,
                      "stance": stance}
            if rid is not None and rid in existing:
                before = existing[rid]
                record = {**before, **fields}
                if (record["quote"], record["start"], record["end"], record["stance"], record["source_id"]) == (
                        before["quote"], before["start"], before["end"], before["stance"], before["source_id"]):
                    imported.unchanged += 1
                else:
                    imported.changed += 1
                imported.records.append(_valid(record, at))
            else:
                fresh.append((at, rid, fields))
        gone = sorted(r for r in exported - seen if isinstance(r, str) and r in existing)
        if gone:
            imported.notes.append(f"{where}: {', '.join(gone)} not in the annotation (deleted in Label Studio?): "
                                  "not written; retract them in the curated data if they are wrong")
    for at, rid, fields in fresh:
        claim_id = fields["claim_id"]
        if rid is None:
            number = max(numbers[claim_id], default=0) + 1
            rid = f"{claim_id.replace('clm-', 'evd-')}-{number:02d}"
        numbers[claim_id].add(int(rid.rsplit("-", 1)[1]))
        record = {"type": "evidence", "id": rid, **fields, "role": "related", "speaker_id": None, "flags": [],
                  "curation": {"curated_by": curated_by, "review_status": "draft"}}
        record = {k: record[k] for k in ("type", "id", "claim_id", "source_id", "quote", "role", "stance", "speaker_id",
                                         "flags", "curation", "start", "end")}
        imported.added += 1
        imported.records.append(_valid(record, at))
        imported.notes.append(f"{at}: new evidence {rid} ({fields['stance']}): set its speaker_id (null: the narrator)")
    imported.records.sort(key=lambda d: d["id"])
    return imported


def _items(value) -> list:
    """A list as it stands; anything else (absent, or not a list) as no items."""
    return value if isinstance(value, list) else []


def _claim_of(evidence_id: str) -> str:
    return "clm-" + evidence_id[4:].rsplit("-", 1)[0]


def _task_data(task, where: str, texts: dict[str, str], claim_ids: set[str]) -> tuple[str, str, str]:
    data = task.get("data") if isinstance(task, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("claim_id"), str) or not isinstance(data.get("source_id"), str):
        raise BadExport(f"{where}: not a task of 'factset export --format label-studio' (no data.claim_id and data.source_id)")
    claim_id, source_id = data["claim_id"], data["source_id"]
    if claim_id not in claim_ids:
        raise BadExport(f"{where}: data.claim_id {claim_id!r} is not a claim of the curated data")
    if source_id not in texts:
        raise BadExport(f"{where}: data.source_id {source_id!r} is not a source of the curated data")
    if data.get("text") != texts[source_id]:
        raise BadExport(f"{where}: data.text is not the text of {source_id}'s seed (the seed changed, or the task was edited)")
    return claim_id, source_id, texts[source_id]


def _result(task: dict, where: str) -> list:
    """The regions to read: the one submitted annotation, else the factset pre-annotation."""
    annotations = [a for a in _items(task.get("annotations")) if isinstance(a, dict) and not a.get("was_cancelled")]
    if len(annotations) > 1:
        who = ", ".join(str(a.get("completed_by")) for a in annotations)
        raise BadExport(f"{where}: {len(annotations)} annotations (by {who}); keep the adjudicated one before importing")
    if annotations:
        chosen = annotations[0].get("result")
    else:
        predictions = [p for p in _items(task.get("predictions"))
                       if isinstance(p, dict) and p.get("model_version") == MODEL_VERSION]
        chosen = predictions[0].get("result") if predictions else []
    if not isinstance(chosen, list):
        raise BadExport(f"{where}: 'result' is not a list of regions")
    return chosen


def _span(result, at: str, text: str) -> tuple[int, int, str, str]:
    """A region's (start, end, quote, stance) in code points, its quote checked against the seed text."""
    if not isinstance(result, dict) or result.get("type") != "labels" or result.get("from_name") != FROM_NAME:
        raise BadExport(f"{at}: not a '{FROM_NAME}' labels region of a text span (type 'labels', from_name '{FROM_NAME}')")
    value = result.get("value")
    if not isinstance(value, dict):
        raise BadExport(f"{at}: no value")
    start, end, quote, labels = value.get("start"), value.get("end"), value.get("text"), value.get("labels")
    if type(start) is not int or type(end) is not int or not 0 <= start < end:
        raise BadExport(f"{at}: value.start and value.end must be integers with 0 <= start < end (got {start!r}, {end!r})")
    if not isinstance(quote, str) or not quote:
        raise BadExport(f"{at}: value.text (the passage) is missing: the offsets cannot be checked")
    if not isinstance(labels, list) or len(labels) != 1 or labels[0] not in STANCES:
        raise BadExport(f"{at}: value.labels must be one stance of {', '.join(STANCES)} (got {labels!r})")
    if text[start:end] == quote:
        return start, end, quote, labels[0]
    units = Utf16Offsets(text)
    cp_start, cp_end = units.code_points(start), units.code_points(end)
    if cp_start is not None and cp_end is not None and text[cp_start:cp_end] == quote:
        return cp_start, cp_end, quote, labels[0]
    found = text.find(quote)
    hint = f"; the passage stands at {found}:{found + len(quote)} (code points)" if found != -1 else "; it is not in the seed"
    raise BadExport(f"{at}: value.text is not the seed text at [{start}:{end}], in code points or UTF-16 units{hint}")


def _valid(record: dict, at: str) -> dict:
    try:
        Evidence.model_validate(record)
    except ValueError as exc:
        raise BadExport(f"{at}: the evidence record would be invalid: {exc}") from None
    return record
