"""Reading JSONL record files: yields each line as parsed data or as a located error.

The parser is stricter than :func:`json.loads`: duplicate keys, NaN/Infinity,
numbers too large for a double, lone surrogates, a byte order mark and invalid
UTF-8 are errors, because a contributed file that two JSON libraries would read
differently is not a file we can vouch for. Lines are read with a length limit,
so one enormous line cannot exhaust memory.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .result import Error

DEFAULT_MAX_LINE_BYTES = 1 << 20  # 1 MiB: a real record is a few KiB


@dataclass(frozen=True)
class Line:
    path: str
    number: int
    text: str | None  # decoded line, None when it could not be decoded
    data: dict[str, Any] | None  # parsed object, None on error
    error: Error | None


class _Reject(ValueError):
    pass


def _no_duplicate_keys(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise _Reject(f"duplicate key {key!r} in one object")
        seen[key] = value
    return seen


def _no_constants(name):
    raise _Reject(f"{name} is not valid JSON")


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise _Reject(f"number {text[:20]} is too large for a double")
    return value


# A \uD800-\uDFFF escape: json.loads accepts a lone one, UTF-8 cannot encode it.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def parse_object(text: str) -> dict[str, Any]:
    """Parse one record; raises ValueError with a plain message."""
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants,
                          parse_float=_finite_float)
    except _Reject as exc:
        raise ValueError(str(exc)) from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise ValueError("invalid JSON: nested too deeply") from None
    except ValueError as exc:
        if "digits" in str(exc):  # Python refuses to convert integers of more than 4300 digits
            raise ValueError("invalid JSON: an integer has more than 4300 digits") from None
        raise ValueError(f"invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"a record must be a JSON object, not {type(data).__name__}")
    if _SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("invalid JSON: a string holds a lone UTF-16 surrogate (\\uD800-\\uDFFF escape)") from None
    return data


def parse_line(raw: bytes, first_line: bool) -> tuple[str | None, dict[str, Any] | None, str | None, str]:
    """One non-blank line: ``(text, data, None, "")`` or ``(text or None, None, message, stage)``."""
    if first_line and raw.startswith(b"\xef\xbb\xbf"):
        return None, None, "file starts with a UTF-8 byte order mark; save it as UTF-8 without BOM", "read"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, None, f"invalid UTF-8 at byte {exc.start} of the line", "read"
    try:
        return text, parse_object(text), None, ""
    except ValueError as exc:
        return text, None, str(exc), "json"


_BLOCK = 1 << 20


def line_range(path: Path, start: int, end: int | None, max_line_bytes: int) -> Iterator[tuple[int, bytes, int]]:
    """``(number, raw, length)`` of the lines that begin in ``[start, end)``; numbers count from 1 at ``start``.

    ``raw`` is the line without its newline; ``length`` counts the newline. The
    file is read in blocks, and a line longer than ``max_line_bytes`` is not
    kept: its ``raw`` is empty and only its length is known.
    """
    with open(path, "rb") as handle:
        handle.seek(start)
        position, number = start, 0
        pending: list[bytes] = []  # the pieces of a line that runs on past a block
        pending_length = 0
        while True:
            block = handle.read(_BLOCK)
            if not block:
                break
            pieces = block.split(b"\n")
            rest = pieces.pop()
            for piece in pieces:
                number += 1
                if pending:
                    length = pending_length + len(piece) + 1
                    raw = b"" if length > max_line_bytes else b"".join(pending) + piece
                    pending, pending_length = [], 0
                else:
                    length = len(piece) + 1
                    raw = piece if length <= max_line_bytes else b""
                yield number, raw, length
                position += length
                if end is not None and position >= end:
                    return
            if rest:
                pending_length += len(rest)
                if pending_length <= max_line_bytes:
                    pending.append(rest)
                else:
                    pending = [b""]  # too long to keep: only its length matters now
        if pending_length:
            yield number + 1, b"".join(pending) if pending_length <= max_line_bytes else b"", pending_length


def read_lines(path: Path, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> Iterator[Line]:
    """Each non-blank line of a JSONL file, parsed or with the reason it could not be.

    A file with no record at all is an error (line 0): an empty contribution is a mistake.
    """
    name = str(path)
    seen_record = False
    for number, raw, length in line_range(path, 0, None, max_line_bytes):
        if length > max_line_bytes:
            seen_record = True
            yield Line(name, number, None, None, Error(name, number, "", "read", too_long(length, max_line_bytes)))
            continue
        if not raw.strip():
            continue
        seen_record = True
        text, data, message, stage = parse_line(raw, number == 1)
        error = Error(name, number, "", stage, message) if message else None
        yield Line(name, number, text, data, error)
    if not seen_record:
        yield Line(name, 0, None, None, Error(name, 0, "", "read", EMPTY_FILE))


EMPTY_FILE = "file holds no records (it is empty or blank)"


def too_long(length: int, limit: int) -> str:
    return f"line is {length:,} bytes, over the limit of {limit:,} (--max-line-bytes)"


def expand(paths: list[Path]) -> list[Path]:
    """Files named, and the ``*.jsonl`` files (sorted) of folders named."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.jsonl") if p.is_file()))
        else:
            files.append(path)
    return files
