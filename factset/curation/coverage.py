"""Release rules: what the whole dataset must hold before it is released.

``factset validate`` judges any set of records, a contribution as much as the whole
dataset: every rule it runs holds for a part as well as for the whole (a claim has
its origin passage, a reference resolves). The rules here hold only for the whole:
a contribution of one claim cannot cover every seed. ``factset build`` checks them
on the curated records after they validate (docs/CURATION.md, "Release rules"):

- every seed file has a source record (the release covers its seeds);
- every source has at least one claim, unless it is a draft: an article just added
  (``factset add-source``) awaits its claims, a reviewed source without any is noise;
- a passage carries the same flags wherever it is quoted (a passage garbled for one
  claim is garbled for all: the flags describe the seed, not the claim).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from ..records.models import SEED_FILE, Claim, Evidence, Source

_SEED_FILE = re.compile(SEED_FILE)
_SHOWN = 10  # problems listed by kind; the rest are counted


def release_problems(records: Iterable, seed_dir: Path) -> list[str]:
    """What keeps the records (models) from being released, one sentence each."""
    records = list(records)
    sources = [r for r in records if isinstance(r, Source)]
    claims = [r for r in records if isinstance(r, Claim)]
    evidence = [r for r in records if isinstance(r, Evidence)]
    problems: list[str] = []

    described = {s.seed_file for s in sources}
    seeds = sorted(p.name for p in seed_dir.iterdir() if _SEED_FILE.fullmatch(p.name)) if seed_dir.is_dir() else []
    problems += _listed([f"seed {name} has no source record: add one (docs/CURATION.md, 'Adding a source')"
                         for name in seeds if name not in described])

    claimed = {c.source_id for c in claims}
    problems += _listed([f"source {s.id} ({s.seed_file}) has no claim, yet is {s.curation.review_status}: only a draft "
                         "(an article just added) may await its claims; extract them, or leave the seed out"
                         for s in sorted(sources, key=lambda s: s.id)
                         if s.id not in claimed and s.curation.review_status != "draft"])

    by_passage: dict[tuple[str, int, int], dict[str, tuple[str, ...]]] = {}
    for ev in evidence:
        by_passage.setdefault((ev.source_id, ev.start, ev.end), {})[ev.id] = tuple(sorted({f.kind for f in ev.flags}))
    differing = []
    for (source, start, end), flags in sorted(by_passage.items()):
        if len(set(flags.values())) > 1:
            listed = "; ".join(f"{ev_id}: {', '.join(kinds) or 'none'}" for ev_id, kinds in sorted(flags.items()))
            differing.append(f"passage [{start}:{end}] of {source} is quoted with different flags ({listed}): a passage "
                             "carries the same flags wherever it is quoted")
    problems += _listed(differing)
    return problems


def _listed(problems: list[str]) -> list[str]:
    if len(problems) <= _SHOWN:
        return problems
    return [*problems[:_SHOWN], f"... and {len(problems) - _SHOWN} more like these"]
