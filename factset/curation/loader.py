"""Reading JSONL record files: yields each line as parsed data or as a located error.

The parser is stricter than :func:`json.loads`: duplicate keys, NaN/Infinity,
numbers too large for a double, lone surrogates, a byte order mark and invalid
UTF-8 are errors, because a contributed file that two JSON libraries would read
differently is not a file we can vouch for. Lines are read with a length limit,
so one enormous line cannot exhaust memory.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import stat
from collections.abc import Iterable, Iterator
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


# The largest integer every JSON parser reads exactly: beyond it a double rounds, and one
# parser's value is not another's (I-JSON, RFC 7493, section 2.2).
MAX_EXACT_INTEGER = 2**53 - 1


def _exact_int(text):
    if len(text) > 4300:  # (converting it would take quadratic time: not even tried)
        raise _Reject("invalid JSON: an integer has more than 4300 digits")
    if len(text) > 15 and abs(int(text)) > MAX_EXACT_INTEGER:
        shown = text if len(text) <= 24 else f"{text[:12]}...({len(text)} digits)"
        raise _Reject(f"integer {shown} is beyond ±{MAX_EXACT_INTEGER:,}, the largest every JSON parser reads exactly "
                      "(I-JSON, RFC 7493)")
    return int(text)


# A \uD800-\uDFFF escape: json.loads accepts a lone one, UTF-8 cannot encode it.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def parse_object(text: str) -> dict[str, Any]:
    """Parse one record; raises ValueError with a plain message."""
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants,
                          parse_float=_finite_float, parse_int=_exact_int)
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


_BLOCK = 1 << 20  # bytes read at a time
CHUNK_BYTES = 32 << 10  # a chunk of lines: small enough that its records stay in the CPU's cache


def line_chunks(path: Path, start: int, end: int | None, max_line_bytes: int,
                chunk_bytes: int | None = None) -> Iterator[tuple[bytes, int]]:
    """The lines that begin in ``[start, end)``, a chunk at a time: ``(chunk, 0)``.

    A chunk is whole consecutive lines joined by newlines (no final newline),
    about ``chunk_bytes`` long; ``end`` is a line start or None. A line whose
    length (newline included) is over ``max_line_bytes`` is never held whole:
    it comes alone as ``(b"", length)``. Blank lines are kept. Chunks come in
    file order, so the reader numbers the lines: a chunk holds as many lines as
    it has newlines plus one (its caller often knows that number already).
    """
    limit, chunk_bytes = max_line_bytes, CHUNK_BYTES if chunk_bytes is None else chunk_bytes
    with open(path, "rb") as handle:
        handle.seek(start)
        left = None if end is None else end - start  # bytes of the range not read yet
        pending: list[bytes] = []  # the pieces of a line that runs on past a read
        pending_length = 0
        while left is None or left > 0:
            data = handle.read(_BLOCK if left is None else min(_BLOCK, left))
            if not data:
                break
            if left is not None:
                left -= len(data)
            stop = data.rfind(b"\n")
            if stop == -1:  # no line ends in this read
                pending_length += len(data)
                pending = pending + [data] if pending_length <= limit else [b""]
                continue
            at = 0  # data[at:] is not yielded yet
            if pending_length:  # the first line began in an earlier read
                first_end = data.find(b"\n")
                length = pending_length + first_end + 1
                yield (b"", length) if length > limit else (b"".join(pending) + data[:first_end], 0)
                pending, pending_length, at = [], 0, first_end + 1
            while at <= stop:
                cut = data.find(b"\n", min(at + chunk_bytes, stop))
                chunk = data[at:cut]
                if len(chunk) + 1 <= limit:
                    yield chunk, 0
                else:  # some line of it may be too long: line by line
                    for line in chunk.split(b"\n"):
                        yield (line, 0) if len(line) + 1 <= limit else (b"", len(line) + 1)
                at = cut + 1
            rest = data[stop + 1:]
            if rest:
                pending, pending_length = ([rest] if len(rest) <= limit else [b""]), len(rest)
        if pending_length:  # a last line without a newline
            yield (b"".join(pending), 0) if pending_length <= limit else (b"", pending_length)


def line_range(path: Path, start: int, end: int | None, max_line_bytes: int) -> Iterator[tuple[int, bytes, int]]:
    """``(number, raw, overlong)`` of each line of :func:`line_chunks`, one at a time;
    numbers count from 1 at ``start``.

    ``overlong`` is 0, or the length of a line over ``max_line_bytes`` (whose ``raw`` is empty).
    """
    number = 0
    for chunk, overlong in line_chunks(path, start, end, max_line_bytes):
        if overlong:
            number += 1
            yield number, b"", overlong
            continue
        for raw in chunk.split(b"\n"):
            number += 1
            yield number, raw, 0


def read_lines(path: Path, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> Iterator[Line]:
    """Each non-blank line of a JSONL file, parsed or with the reason it could not be.

    A file with no record at all is an error (line 0): an empty contribution is a mistake.
    """
    name = str(path)
    seen_record = False
    for number, raw, overlong in line_range(path, 0, None, max_line_bytes):
        if overlong:
            seen_record = True
            yield Line(name, number, None, None, Error(name, number, "", "read", too_long(overlong, max_line_bytes)))
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
    """Files named, and the ``*.jsonl`` files (sorted) of folders named; each file once."""
    return inputs(paths)[0]


def inputs(paths: list[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """``(files, skipped)``: the files named and the ``*.jsonl`` files (sorted) of the folders
    named, each once however often it is named; and what is not read, with why.

    Only regular files are read: a FIFO or a device would block or never end. In a folder a
    symbolic link is not followed (a contribution must not make the validator read files
    elsewhere); a file named by the caller is read wherever it is. A folder without any
    ``*.jsonl`` file is skipped with "no records found". Of a release folder (one with a
    ``manifest.json``) only the four record files are read: its task views are not records.
    """
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    seen: set[tuple[int, int]] = set()

    def add(path: Path) -> None:
        try:
            info = path.stat()
        except OSError as exc:
            skipped.append((path, f"cannot be read: {exc.strerror}"))
            return
        if not stat.S_ISREG(info.st_mode):
            skipped.append((path, "not a regular file: only regular files are read"))
        elif (info.st_dev, info.st_ino) not in seen:
            seen.add((info.st_dev, info.st_ino))
            files.append(path)

    for path in paths:
        if not path.is_dir():
            add(path)
            continue
        if is_release(path):  # a release: its record files, not its task views
            for name, problem in release_problems(path, RELEASE_RECORD_FILES).items():
                if problem is None:
                    add(path / name)
                else:
                    skipped.append((path / name, problem))
            continue
        found = []
        for folder, dirs, names in os.walk(path):  # (does not descend into linked folders)
            for name in dirs:
                if os.path.islink(os.path.join(folder, name)):
                    found.append((Path(folder, name), NOT_FOLLOWED))
            found.extend((Path(folder, name), NOT_FOLLOWED if os.path.islink(os.path.join(folder, name)) else None)
                         for name in names if name.endswith(".jsonl"))
        if not found:
            skipped.append((path, "no records found: the folder holds no *.jsonl file"))
        for file, reason in sorted(found):
            if reason is None:
                add(file)
            else:
                skipped.append((file, reason))
    return files, skipped


NOT_FOLLOWED = "a symbolic link is not followed: name the file itself to read it"
RELEASE_MANIFEST = "manifest.json"  # what makes a folder a release (factset.publish.release.MANIFEST)


def is_release(folder: Path) -> bool:
    """Whether a folder is a release: it holds a manifest."""
    return (folder / RELEASE_MANIFEST).is_file()


MAX_MANIFEST_BYTES = 1 << 20  # a real manifest is a few KiB


def release_problems(folder: Path, names: Iterable[str]) -> dict[str, str | None]:
    """For each file ``name`` of the release ``folder``: why it cannot be trusted, or None.

    Published records are trusted (they are not checked again), so they must be the records
    that were published: each file must be a regular file whose sha256 is the one its release's
    ``manifest.json`` lists (read once for all the names). A release edited in place, or a
    manifest that does not list the file, is refused rather than believed.
    """
    manifest_path = folder / RELEASE_MANIFEST
    try:
        info = manifest_path.lstat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_MANIFEST_BYTES:
            unreadable = f"{manifest_path} is not a regular file of at most {MAX_MANIFEST_BYTES:,} bytes: the release cannot be verified"
            return dict.fromkeys(names, unreadable)
        manifest = json.loads(manifest_path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return dict.fromkeys(names, f"{manifest_path} cannot be read as JSON: the release cannot be verified")
    files = manifest.get("files") if isinstance(manifest, dict) else None
    return {name: _file_problem(folder / name, files.get(name) if isinstance(files, dict) else None, manifest_path)
            for name in names}


def _file_problem(path: Path, entry: object, manifest_path: Path) -> str | None:
    """Why ``path`` does not match its ``entry`` of the manifest, or None."""
    expected = entry.get("sha256") if isinstance(entry, dict) else None
    if not isinstance(expected, str):
        return f"{manifest_path} lists no sha256 for {path.name}: the release cannot be verified"
    try:
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file: only regular files are read"
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        return f"cannot be read: {exc.strerror}"
    if digest.hexdigest() != expected:
        return (f"does not match its sha256 in {manifest_path}: a published release is trusted only as it was "
                "published (rebuild it, or restore it from version control)")
    return None
# The record files of a release folder (as factset.publish.release.FILES names them; a test keeps them equal).
RELEASE_RECORD_FILES = ("sources.jsonl", "entities.jsonl", "claims.jsonl", "evidence.jsonl")
