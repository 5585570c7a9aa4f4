"""Passages in their seed text: the context around a quote, and how much of each seed a
release reproduces. Offsets are code points, end exclusive (as in the records).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..curation.seeds import SeedError, SeedStore, default_seed_dir

CONTEXT_CHARS = 300  # the context of a passage in the stance task: this many characters either side


def window(text: str, start: int, end: int, chars: int = CONTEXT_CHARS) -> tuple[str, int]:
    """``(context, offset)``: ``text[start:end]`` with up to ``chars`` characters either side,
    cut at whitespace so that no word is split (never inside the passage), and where the
    passage starts in the context."""
    if chars < 0:
        raise ValueError(f"chars must be 0 or more, not {chars}")
    lo, hi = max(0, start - chars), min(len(text), end + chars)
    if lo > 0 and not text[lo - 1].isspace():  # mid-word: move to the next word's start
        while lo < start and not text[lo].isspace():
            lo += 1
    if hi < len(text) and not text[hi].isspace():
        while hi > end and not text[hi - 1].isspace():
            hi -= 1
    context = text[lo:hi]
    stripped = context.lstrip()
    offset = start - lo - (len(context) - len(stripped))
    return stripped.rstrip(), offset


def seed_texts(sources: Iterable, seed_dir: Path | None = None) -> dict[str, str]:
    """Source id -> its seed text, each checked against the source's sha256 (a SeedError
    naming the source if a seed is missing or is not the text that was curated)."""
    store = SeedStore(seed_dir or default_seed_dir())
    texts = {}
    for source in sources:
        try:
            seed = store.get(source.seed_file)
        except SeedError as exc:
            raise SeedError(f"{source.id}: {exc}") from None
        if seed.sha256 != source.sha256:
            raise SeedError(f"{source.id}: seed {seed.path} does not match the source's sha256: it is not the text "
                               "that was curated")
        texts[source.id] = seed.text
    return texts


def coverage(length: int, spans: Iterable[tuple[int, int]]) -> float:
    """The share of ``length`` characters that the union of ``spans`` covers."""
    covered, reach = 0, 0
    for start, end in sorted(spans):
        start = max(start, reach)
        if end > start:
            covered += end - start
            reach = end
    return covered / length if length else 0.0
