"""Rules the schema cannot express: within a record, and across records.

Each rule yields ``(record, pointer, message)``; :mod:`factset.validate` adds
the file and line. Rules run only on records that passed the schema and the
models, so they may trust the shape of what they read.
"""

from __future__ import annotations

import calendar
import re
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .models import Claim, DateInfo, Entity, Evidence, Quantity, Source, VerdictLabel
from .seeds import SeedError, SeedStore

Finding = tuple[object, str, str]  # (record, JSON pointer, message)


def period_end(date: DateInfo) -> dt.date:
    """Last day of the period a date with this precision stands for."""
    d = date.value
    if date.precision == "day":
        return d
    if date.precision == "week":
        return d + dt.timedelta(days=6)
    if date.precision == "month":
        return d.replace(day=calendar.monthrange(d.year, d.month)[1])
    return d.replace(month=12, day=31)


def expected_verdict(stances: Iterable[str]) -> VerdictLabel:
    """The verdict the stances of a claim's deciding evidence call for.

    Deciding evidence is the *related* evidence from sources other than the
    claim's own: the origin passage only shows that the claim was made, and
    another passage of the same article is not independent of it.
    """
    seen = set(stances)
    if "supports" in seen and "refutes" in seen:
        return "conflicting_evidence"
    if "supports" in seen:
        return "supported"
    if "refutes" in seen:
        return "refuted"
    return "not_enough_evidence"


# Stances a verdict's cited evidence must include: the ones that decide the label.
DECISIVE: dict[str, set[str]] = {
    "supported": {"supports"},
    "refuted": {"refutes"},
    "conflicting_evidence": {"supports", "refutes"},
    "not_enough_evidence": set(),
}

# ------------------------------------------------------------ single records

# Characters no record text needs and an attacker can use: C0/C1 controls and the
# bidirectional overrides/isolates that make text display differently from what it is.
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_HOSTILE = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_BIDI}]")
# Pre-filter on the raw JSON line: the escapes or literal characters that could decode to them.
SUSPECT_LINE = re.compile(r"\\u00[01][0-9a-fA-F]|\\u00[79][0-9a-fA-F]|\\u20(?:2[a-eA-E]|6[6-9])|\\[bft]|" + f"[{_BIDI}\x7f-\x9f]")


def check_text(data, at: str = "") -> Iterator[tuple[str, str]]:
    """Control characters (other than newline) and bidi overrides anywhere in a record."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from check_text(value, f"{at}/{key}")
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from check_text(value, f"{at}/{i}")
    elif isinstance(data, str):
        found = _HOSTILE.search(data)
        if found:
            kind = "bidirectional control" if found.group() in _BIDI else "control"
            yield at, f"{kind} character U+{ord(found.group()):04X} at position {found.start()} is not allowed in record text"


def check_quantity(q: Quantity, at: str) -> Iterator[tuple[str, str]]:
    if q.value is None and q.low is None and q.high is None:
        yield at, "a quantity needs a value or a bound (low/high)"
    if q.low is not None and q.high is not None and q.low > q.high:
        yield f"{at}/low", f"low ({q.low}) is greater than high ({q.high})"
    if q.value is not None:
        if q.low is not None and q.value < q.low:
            yield f"{at}/value", f"value ({q.value}) is below low ({q.low})"
        if q.high is not None and q.value > q.high:
            yield f"{at}/value", f"value ({q.value}) is above high ({q.high})"
    if q.qualifier == "between" and (q.low is None or q.high is None):
        yield f"{at}/qualifier", "'between' needs both low and high"
    if q.qualifier in ("exact", "about") and q.value is None:
        yield f"{at}/qualifier", f"'{q.qualifier}' needs a value"
    if q.qualifier in ("up_to", "as_many_as", "fewer_than", "nearly") and q.high is None:
        yield f"{at}/high", f"'{q.qualifier}' needs high (the upper bound the text gives)"
    if q.qualifier in ("at_least", "more_than") and q.low is None:
        yield f"{at}/low", f"'{q.qualifier}' needs low (the lower bound the text gives)"


def check_claim_shape(claim: Claim) -> Iterator[tuple[str, str]]:
    if claim.kind == "numeric_estimate" and not claim.quantities:
        yield "/quantities", "a numeric_estimate claim needs at least one quantity"
    for i, q in enumerate(claim.quantities):
        yield from check_quantity(q, f"/quantities/{i}")
    for i, rel in enumerate(claim.relations):
        if rel.target == claim.id:
            yield f"/relations/{i}/target", "a claim cannot relate to itself"


def check_evidence_text(ev: Evidence, source: Source, seeds: SeedStore) -> Iterator[tuple[str, str]]:
    """The quote stands at its offsets in the seed of its source."""
    try:
        seed = seeds.get(source.seed_file)
    except SeedError:
        return  # reported once, on the source
    if ev.end <= ev.start:
        yield "/end", f"end ({ev.end}) must be greater than start ({ev.start})"
        return
    if ev.end > len(seed.text):
        yield "/end", f"end ({ev.end}) is past the end of {source.seed_file} ({len(seed.text)} characters)"
        return
    found = seed.text[ev.start : ev.end]
    if found == ev.quote:
        return
    try:
        start, end = seed.locate(ev.quote)
        hint = f"; the quote stands at start={start}, end={end} (run 'factset offsets --write' to fix)"
    except SeedError as exc:
        hint = f"; {exc}"
    yield "/quote", f"quote is not the text at [{ev.start}:{ev.end}] of {source.seed_file}, which reads {found[:60]!r}{hint}"


def check_source_seed(src: Source, seeds: SeedStore) -> Iterator[tuple[str, str]]:
    try:
        seed = seeds.get(src.seed_file)
    except SeedError as exc:
        yield "/seed_file", str(exc)
        return
    if seed.sha256 != src.sha256:
        yield "/sha256", f"sha256 does not match {src.seed_file} (the file hashes to {seed.sha256}); seeds are never edited"


# ------------------------------------------------------------ across records


@dataclass
class Catalog:
    """Valid records by type and id; ``reference`` ones come from published data."""

    sources: dict[str, Source] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
    claims: dict[str, Claim] = field(default_factory=dict)
    evidence: dict[str, Evidence] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)  # id -> "path:line" of records refused for their shape

    def table(self, record) -> dict:
        return {Source: self.sources, Entity: self.entities, Claim: self.claims, Evidence: self.evidence}[type(record)]

    def add(self, record) -> None:
        self.table(record)[record.id] = record


def _ref(cat: Catalog, table: dict, kind: str, ref: str | None, at: str, record) -> Iterator[Finding]:
    if ref is not None and ref not in table:
        if ref in cat.rejected:
            yield record, at, f"{kind} {ref!r} is itself invalid (see {cat.rejected[ref]})"
        else:
            yield record, at, f"{kind} {ref!r} does not exist"


def check_catalog(cat: Catalog, checked: Iterable[object], seeds: SeedStore) -> Iterator[Finding]:
    """Cross-record rules for the ``checked`` records, resolved against ``cat``."""
    evidence_by_claim: dict[str, list[Evidence]] = defaultdict(list)
    for ev in cat.evidence.values():
        evidence_by_claim[ev.claim_id].append(ev)

    for rec in checked:
        if rec.curation.review_status == "retracted" and not rec.curation.note:
            yield rec, "/curation/note", "a retracted record needs a note saying why"
        if isinstance(rec, Source):
            for at, msg in check_source_seed(rec, seeds):
                yield rec, at, msg
        elif isinstance(rec, Entity):
            continue
        elif isinstance(rec, Claim):
            yield from _check_claim(rec, cat, evidence_by_claim.get(rec.id, []))
        elif isinstance(rec, Evidence):
            yield from _check_evidence(rec, cat, seeds)


def _check_claim(claim: Claim, cat: Catalog, evidence: list[Evidence]) -> Iterator[Finding]:
    for at, msg in check_claim_shape(claim):
        yield claim, at, msg
    yield from _ref(cat, cat.sources, "source", claim.source_id, "/source_id", claim)
    yield from _ref(cat, cat.entities, "claimant entity", claim.claimant_id, "/claimant_id", claim)
    for i, hop in enumerate(claim.attribution.chain):
        yield from _ref(cat, cat.entities, "entity", hop.entity_id, f"/attribution/chain/{i}/entity_id", claim)
    for i, rel in enumerate(claim.relations):
        yield from _ref(cat, cat.claims, "claim", rel.target, f"/relations/{i}/target", claim)

    source = cat.sources.get(claim.source_id)
    if source is not None and source.published is not None:
        latest = period_end(source.published)
        if claim.claim_date.value > latest:
            yield claim, "/claim_date/value", (
                f"claim date {claim.claim_date.value} is after the publication of {source.id} ({source.published.value})"
            )

    if not evidence:
        yield claim, "", "claim has no evidence record (every claim needs its origin passage at least)"
        return
    if not any(ev.role == "origin" and ev.source_id == claim.source_id for ev in evidence):
        yield claim, "", f"claim has no evidence with role 'origin' in its own source {claim.source_id}"

    ids = {ev.id for ev in evidence}
    for i, ev_id in enumerate(claim.verdict.evidence_ids):
        if ev_id not in ids:
            where = "does not exist" if ev_id not in cat.evidence else f"belongs to {cat.evidence[ev_id].claim_id}"
            yield claim, f"/verdict/evidence_ids/{i}", f"cited evidence {ev_id!r} {where}, not to this claim"
    # Only passages of *other* sources are independent of the claim's own article.
    deciding = [ev for ev in evidence if ev.role == "related" and ev.source_id != claim.source_id]
    related = [ev.stance for ev in deciding]
    expected = expected_verdict(related)
    if claim.verdict.label != expected:
        counts = ", ".join(f"{s}={related.count(s)}" for s in ("supports", "refutes", "neutral"))
        yield claim, "/verdict/label", (
            f"verdict {claim.verdict.label!r} does not follow from the related evidence of other sources ({counts}): expected {expected!r}"
        )
        return
    cited = {ev.stance for ev in deciding if ev.id in claim.verdict.evidence_ids}
    missing = sorted(DECISIVE[expected] - cited)
    if missing:
        yield claim, "/verdict/evidence_ids", (
            f"a {expected!r} verdict must cite the related evidence that decides it: none cited with stance {' or '.join(missing)}"
        )


def _check_evidence(ev: Evidence, cat: Catalog, seeds: SeedStore) -> Iterator[Finding]:
    yield from _ref(cat, cat.claims, "claim", ev.claim_id, "/claim_id", ev)
    yield from _ref(cat, cat.sources, "source", ev.source_id, "/source_id", ev)
    yield from _ref(cat, cat.entities, "speaker entity", ev.speaker_id, "/speaker_id", ev)
    source = cat.sources.get(ev.source_id)
    if source is not None:
        for at, msg in check_evidence_text(ev, source, seeds):
            yield ev, at, msg
