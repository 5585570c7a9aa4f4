"""Seed texts: reading them exactly, hashing them, and finding quotes in them.

Offsets are Unicode code point indexes into the text decoded from UTF-8 with
no newline translation, end exclusive (W3C TextPositionSelector).
"""

from __future__ import annotations

import hashlib
import unicodedata
from functools import cached_property
from pathlib import Path

from ..paths import bundled

class SeedError(Exception):
    pass


class Seed:
    def __init__(self, path: Path):
        self.path = path

    @cached_property
    def raw(self) -> bytes:
        return self.path.read_bytes()

    @cached_property
    def text(self) -> str:
        return self.raw.decode("utf-8")

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
        starts = self.find_all(quote)
        if not starts:
            raise SeedError(f"quote not found in {self.path.name}{_hint(self.text, quote)}")
        if len(starts) > 1:
            by_distance = sorted(starts, key=lambda at: abs(at - near)) if near is not None else []
            if not by_distance or abs(by_distance[0] - near) == abs(by_distance[1] - near):
                raise SeedError(
                    f"quote occurs {len(starts)} times in {self.path.name} (at {', '.join(map(str, starts))}); "
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
        self._seeds: dict[str, Seed] = {}

    def text_of(self, file_name: str) -> str | None:
        """The text of a seed, or None when there is no such seed."""
        try:
            return self.get(file_name).text
        except SeedError:
            return None

    def get(self, file_name: str) -> Seed:
        if file_name not in self._seeds:
            path = self.directory / file_name
            if Path(file_name).name != file_name or not path.is_file():
                raise SeedError(f"seed file {file_name!r} not found in {self.directory}")
            self._seeds[file_name] = Seed(path)
        return self._seeds[file_name]


def default_seed_dir() -> Path:
    return bundled("seeds")
