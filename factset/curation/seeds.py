"""Seed texts: reading them exactly, hashing them, and finding quotes in them.

Offsets are Unicode code point indexes into the text decoded from UTF-8 with
no newline translation, end exclusive (W3C TextPositionSelector).
"""

from __future__ import annotations

import hashlib
import os
import stat
import unicodedata
from functools import cached_property
from pathlib import Path

from ..paths import bundled

# A news article is a few KiB; a seed file of more is not one, and is not read whole.
MAX_SEED_BYTES = 16 << 20
SHOWN = 10  # occurrences a message lists (their count says how many there are)


class SeedError(Exception):
    pass


class Seed:
    """A seed's bytes and text, read once (:meth:`SeedStore.get` reads only regular files)."""

    def __init__(self, path: Path, raw: bytes, text: str):
        self.path, self.raw, self.text = path, raw, text

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    def find_all(self, quote: str) -> list[int]:
        """Start offsets of every occurrence of ``quote`` (overlapping ones included)."""
        starts, at = [], self.text.find(quote)
        while at != -1:
            starts.append(at)
            at = self.text.find(quote, at + 1)
        return starts

    def locate(self, quote: str, near: int | None = None) -> tuple[int, int]:
        """The (start, end) of ``quote``; ``near`` picks the closest of several occurrences.

        Raises SeedError when the quote is absent, or ambiguous and ``near``
        does not say which occurrence is meant.
        """
        if not quote:  # (it would be found at every position)
            raise SeedError("the quote is empty: give the passage as it stands in the seed")
        starts = self.find_all(quote)
        if not starts:
            raise SeedError(f"quote not found in {self.path.name}{_hint(self.text, quote)}")
        if len(starts) > 1:
            by_distance = sorted(starts, key=lambda at: abs(at - near)) if near is not None else []
            if not by_distance or abs(by_distance[0] - near) == abs(by_distance[1] - near):
                shown = ", ".join(map(str, starts[:SHOWN])) + (f" and {len(starts) - SHOWN} more" if len(starts) > SHOWN else "")
                raise SeedError(
                    f"quote occurs {len(starts)} times in {self.path.name} (at {shown}); "
                    "give an offset near the one you mean ('start' in the record; --near with 'factset locate'), "
                    "or quote a longer passage"
                )
            starts = by_distance
        return starts[0], starts[0] + len(quote)


_LOOKALIKES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


def _hint(text: str, quote: str) -> str:
    """Why a quote that is not in the text may look as if it were."""
    for form in ("NFC", "NFKC"):
        normal = unicodedata.normalize(form, quote)
        if normal != quote and normal in text:
            return f"; it matches only after Unicode {form} normalisation: copy the passage from the seed as it is"
    at = text.translate(_LOOKALIKES).find(quote.translate(_LOOKALIKES))
    if at != -1:
        return (
            f"; it matches at {at} only if curly quotes/dashes are treated as straight ones: "
            f"copy the passage exactly, e.g. {text[at:at + len(quote)]!r}"
        )
    return closest_passage(text, quote)


_ANCHOR = 12  # characters of the quote that must stand in the text for a passage to count as close
_SHOWN = 40  # characters of a difference shown at each end


def _longest(found, n: int) -> int:
    """The largest k <= n with ``found(k)`` (which holds for every smaller k once it holds)."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if found(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _clip(text: str) -> str:
    return repr(text) if len(text) <= 2 * _SHOWN else repr(text[:_SHOWN] + "…" + text[-_SHOWN:])


def closest_passage(text: str, quote: str) -> str:
    """Where the passage of ``text`` most like ``quote`` stands and how it differs, as the tail of
    a message ("" if no passage shares a dozen characters with the quote's start or end).

    The passage is anchored by the longest start (or, failing that, end) of the quote that
    stands in the text; the difference is what follows the anchor up to where the quote's end
    stands again: a typo, a word changed or left out shows as just that. Costs a few dozen
    substring searches, whatever the quote.
    """
    head = _longest(lambda k: quote[:k] in text, min(len(quote), 400))
    tail = _longest(lambda k: quote[len(quote) - k:] in text, min(len(quote), 400))
    if max(head, tail) < min(_ANCHOR, len(quote)):
        return ""
    if head >= tail:
        start = text.find(quote[:head])
        rest = quote[head:]
        # The longest end of the rest that stands in the text shortly after the anchor.
        window = text[start + head:start + len(quote) + _SHOWN]
        back = _longest(lambda k: rest[len(rest) - k:] in window, min(len(rest), 400))
        gap = window.find(rest[len(rest) - back:]) if back else min(len(rest), len(window))
        seed_part, quote_part = window[:gap], rest[:len(rest) - back]
        end = start + head + gap + back
        before, after = quote[max(0, head - 20):head], rest[len(rest) - back:][:20]
    else:
        end = text.find(quote[len(quote) - tail:]) + tail
        rest = quote[:len(quote) - tail]
        window_start = max(0, end - tail - len(rest) - _SHOWN)
        window = text[window_start:end - tail]
        front = _longest(lambda k: rest[:k] in window, min(len(rest), 400))
        gap = window.rfind(rest[:front]) + front if front else max(0, len(window) - len(rest))
        seed_part, quote_part = window[gap:], rest[front:]
        start = window_start + gap - front
        before, after = rest[max(0, front - 20):front], quote[len(quote) - tail:][:20]
    return (f"; the closest passage, at start={start}, end={end}, reads {_clip(before + seed_part + after)} "
            f"where the quote has {_clip(before + quote_part + after)}")


class SeedStore:
    """Seeds by file name, read lazily and once."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._seeds: dict[str, Seed | str] = {}  # each seed read once: it, or why it cannot be used

    def text_of(self, file_name: str, sha256: str | None = None) -> str | None:
        """The text of a seed, or None when there is no such seed (or, given ``sha256``, it hashes otherwise)."""
        try:
            return (self.get(file_name) if sha256 is None else self.verified(file_name, sha256)).text
        except SeedError:
            return None

    def get(self, file_name: str) -> Seed:
        """The seed of that name; a SeedError unless it is a regular UTF-8 file directly in the folder."""
        if file_name not in self._seeds:
            self._seeds[file_name] = _read_seed(self.directory, file_name)
        found = self._seeds[file_name]
        if isinstance(found, str):
            raise SeedError(found)
        return found

    def verified(self, file_name: str, sha256: str) -> Seed:
        """The seed, if it hashes to ``sha256`` (a source record's): a seed is never edited."""
        seed = self.get(file_name)
        if seed.sha256 != sha256:
            raise SeedError(f"seed file {file_name!r} hashes to {seed.sha256}, not to the sha256 its source gives "
                            f"({sha256}): seeds are never edited")
        return seed


def _read_seed(directory: Path, file_name: str) -> Seed | str:
    """Read a seed, never following a link out of the folder nor blocking on a FIFO or a device.

    The name is a bare file name (no separator, no '..'); the file is opened without
    following a symbolic link and must then be a regular file: a record cannot make the
    validator read (and quote back, character by character) anything else. Returns the
    seed, or the message saying why it cannot be used.
    """
    path = directory / file_name
    if Path(file_name).name != file_name or file_name in (".", ".."):
        return f"seed file {file_name!r} not found in {directory}: a seed is named by its file name alone"
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        if path.is_symlink():  # (O_NOFOLLOW says so too, where it exists)
            return f"seed file {file_name!r} in {directory} is a symbolic link: a seed must be a regular file in the seed folder"
        fd = os.open(path, flags)
    except FileNotFoundError:
        return f"seed file {file_name!r} not found in {directory}"
    except OSError as exc:
        return (f"seed file {file_name!r} in {directory} cannot be read ({exc.strerror}): "
                "a seed must be a regular file in the seed folder")
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        return (f"seed file {file_name!r} in {directory} is not a regular file: a seed must be a regular file "
                "in the seed folder")
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > MAX_SEED_BYTES:
            return f"seed file {file_name!r} is {info.st_size:,} bytes, over the {MAX_SEED_BYTES:,} a seed may have"
        raw = handle.read(MAX_SEED_BYTES + 1)
    if len(raw) > MAX_SEED_BYTES:
        return f"seed file {file_name!r} grew over the {MAX_SEED_BYTES:,} bytes a seed may have"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"seed file {file_name!r} is not valid UTF-8 (byte {exc.start}): a seed is stored as UTF-8"
    return Seed(path, raw, text)


def default_seed_dir() -> Path:
    return bundled("seeds")
