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


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def shown(text) -> str:
    """A path or message as one printable line: a byte of a file name that is not UTF-8
    as ``\\xe9``, a control character or line break as its escape (a file named
    ``x\\nok: ...`` cannot print a line of its own)."""
    text = str(text).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def text(result: Result, out: TextIO) -> None:
    for e in result.sorted_errors():
        where = f"{shown(e.path)}:{e.line}" if e.line else shown(e.path)
        rid = f" {_safe(e.record_id)}" if e.record_id else ""
        at = e.pointer or ("(record)" if e.line else "(file)")
        out.write(f"{where}:{rid} {shown(at)}: {shown(e.message)} [{e.stage}]\n")
    for path, n in sorted(result.omitted.items()):
        shown_here = sum(e.path == path for e in result.errors)
        out.write(f"{shown(path)}: {n:,} more error(s) in this file, not shown (the first {shown_here:,} are)\n")
    for note in result.notes:
        out.write(f"note: {shown(note)}\n")
    counts = ", ".join(f"{n} {t}" for t, n in sorted(result.records.items())) or "no valid records"
    if result.ok:
        out.write(f"ok: {result.files} file(s), {counts}\n")
    else:
        out.write(f"invalid: {result.count:,} error(s) in {result.files} file(s); {counts}\n")


def _encodable(text: str) -> str:
    """Text as UTF-8 can write it (a file name's undecodable byte as ``\\xe9``)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def as_json(result: Result, out: TextIO) -> None:
    doc = {
        "ok": result.ok,
        "files": result.files,
        "records": dict(sorted(result.records.items())),
        "errors": [dict(e.as_dict(), path=shown(e.path), message=_encodable(e.message)) for e in result.sorted_errors()],
        "omitted": {shown(path): n for path, n in sorted(result.omitted.items())},  # errors beyond the cap, by file
        "notes": [_encodable(note) for note in result.notes],
    }
    out.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


REPORTERS = {"text": text, "json": as_json}
