"""Filling and checking evidence offsets, so curators never count characters.

Works on the raw lines of a hand-entered file (before validation), so an
evidence record may be written with its quote alone and get its offsets here.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .loader import expand, read_lines
from .seeds import SeedError, SeedStore


@dataclass
class Change:
    path: str
    line: int
    record_id: str
    message: str
    status: str  # "filled" (written), "to fill" (needs --write) or "error" (quote not usable)

    @property
    def resolved(self) -> bool:
        return self.status == "filled"


def seed_files_by_source(paths: list[Path]) -> dict[str, str]:
    out = {}
    for path in expand(paths):
        for line in read_lines(path):
            d = line.data
            if d and d.get("type") == "source" and isinstance(d.get("id"), str) and isinstance(d.get("seed_file"), str):
                out[d["id"]] = d["seed_file"]
    return out


def fill(path: Path, seeds: SeedStore, sources: dict[str, str], write: bool) -> list[Change]:
    """Check (and with ``write``, set) start/end of each evidence record of ``path``.

    Lines are those of the one line reader (:func:`~factset.curation.loader.read_lines`,
    split at newlines only); ``write`` replaces the lines of the evidence it fills and
    copies every other byte of the file as it is.
    """
    changes: list[Change] = []
    replaced: dict[int, bytes] = {}  # line number -> the line's new bytes (its ending kept)
    for line in read_lines(path):
        if line.error is not None:
            if line.number:  # (an empty file has nothing to fill)
                changes.append(Change(line.path, line.number, "(unread)", f"{line.error.message}: not checked", "error"))
            continue
        d = line.data
        if d.get("type") != "evidence":
            continue
        rid = str(d.get("id"))
        quote, source_id = d.get("quote"), d.get("source_id")
        if not isinstance(quote, str) or source_id not in sources:
            changes.append(Change(line.path, line.number, rid, f"needs 'quote' and a known 'source_id' (got {source_id!r})", "error"))
            continue
        try:
            seed = seeds.get(sources[source_id])
            start, end = seed.locate(quote, near=d.get("start") if isinstance(d.get("start"), int) else None)
        except SeedError as exc:
            changes.append(Change(line.path, line.number, rid, str(exc), "error"))
            continue
        if d.get("start") == start and d.get("end") == end:
            continue
        changes.append(Change(line.path, line.number, rid, f"offsets {d.get('start')}:{d.get('end')} -> {start}:{end}",
                              "filled" if write else "to fill"))
        if write:
            d["start"], d["end"] = start, end
            ending = "\r" if line.text.endswith("\r") else ""  # a CRLF line stays one
            replaced[line.number] = (json.dumps(d, ensure_ascii=False) + ending).encode("utf-8")
    if replaced:
        replace_atomically(path, lambda out: _copy_replacing(path, replaced, out))
    return changes


def _copy_replacing(path: Path, replaced: dict[int, bytes], out: BinaryIO) -> None:
    """Copy ``path`` to ``out`` a block at a time, lines numbered as the reader numbers them
    (split at ``\n`` only), with the lines in ``replaced`` swapped for their new bytes."""
    number, skipping = 1, 1 in replaced
    if skipping:
        out.write(replaced[1])
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            view, at = memoryview(block), 0
            while True:
                newline = block.find(b"\n", at)
                if not skipping:
                    out.write(view[at:len(block) if newline == -1 else newline])
                if newline == -1:
                    break
                out.write(b"\n")
                number, at = number + 1, newline + 1
                skipping = number in replaced
                if skipping:
                    out.write(replaced[number])


def write_atomically(path: Path, text: str) -> None:
    """Replace (or create) ``path`` with ``text`` in one step (a temporary file renamed over it), keeping its mode."""
    replace_atomically(path, lambda out: out.write(text.encode("utf-8")))


def replace_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Replace (or create) ``path`` with what ``write`` writes, in one step, keeping the file's mode."""
    if path.exists():
        mode = path.stat().st_mode & 0o777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.chmod(tmp, mode)  # mkstemp creates 0600; keep the file's own permissions
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


class Utf16Offsets:
    """Converts offsets counted in UTF-16 code units (JavaScript's string indexes, as some
    annotation tools write them) into factset's Unicode code point offsets, for one text.

    They differ after any character beyond U+FFFF (most emoji), which takes two UTF-16 units.
    """

    def __init__(self, text: str):
        self.plain = all(ord(ch) <= 0xFFFF for ch in text)
        self._index: dict[int, int] = {}
        if not self.plain:
            units = 0
            for at, ch in enumerate(text):
                self._index[units] = at
                units += 2 if ord(ch) > 0xFFFF else 1
            self._index[units] = len(text)

    def code_points(self, units: int) -> int | None:
        """The code point offset at ``units`` UTF-16 code units; None inside a surrogate pair or past the end."""
        return units if self.plain else self._index.get(units)
