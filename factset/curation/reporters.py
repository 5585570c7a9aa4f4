"""Reporters: print a :class:`~factset.curation.result.Result` as text or JSON."""

from __future__ import annotations

import json
import re
from typing import TextIO

from .result import Result


_PLAIN_ID = re.compile(r"[A-Za-z0-9._-]{1,80}")


def _safe(record_id: str) -> str:
    """An id as given, or its repr when it holds anything a terminal could misrender."""
    return record_id if _PLAIN_ID.fullmatch(record_id) else repr(record_id)[:90]


def text(result: Result, out: TextIO) -> None:
    for e in result.sorted_errors():
        where = f"{e.path}:{e.line}" if e.line else e.path
        rid = f" {_safe(e.record_id)}" if e.record_id else ""
        at = e.pointer or ("(record)" if e.line else "(file)")
        out.write(f"{where}:{rid} {at}: {e.message} [{e.stage}]\n")
    for note in result.notes:
        out.write(f"note: {note}\n")
    counts = ", ".join(f"{n} {t}" for t, n in sorted(result.records.items())) or "no valid records"
    if result.ok:
        out.write(f"ok: {result.files} file(s), {counts}\n")
    else:
        out.write(f"invalid: {len(result.errors)} error(s) in {result.files} file(s); {counts}\n")


def as_json(result: Result, out: TextIO) -> None:
    doc = {
        "ok": result.ok,
        "files": result.files,
        "records": dict(sorted(result.records.items())),
        "errors": [e.as_dict() for e in result.sorted_errors()],
        "notes": result.notes,
    }
    out.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


REPORTERS = {"text": text, "json": as_json}
