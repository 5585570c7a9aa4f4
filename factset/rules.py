"""Rules the schema cannot express: within a record, and across records.

Rules read records as parsed JSON (dicts that have passed the schema, so
their shape can be trusted), whichever path validated them. Rules of a single
record run as it streams past (:func:`record_findings`). Rules across records
need only a compact summary of each record, kept in :class:`Facts`: 64-bit
hashes of ids in flat arrays, so memory grows by a few dozen bytes a record
while the file streams; :meth:`Facts.resolve` checks them all at the end.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from .seeds import SeedError, SeedStore

VerdictLabel = str
LABELS = ("supported", "refuted", "conflicting_evidence", "not_enough_evidence")
STANCES = ("supports", "refutes", "neutral")


def period_end(value: dt.date, precision: str) -> dt.date:
    """Last day of the period a date of this precision stands for."""
    if precision == "day":
        return value
    if precision == "week":
        return value + dt.timedelta(days=6)
    if precision == "month":
        return value.replace(day=calendar.monthrange(value.year, value.month)[1])
    return value.replace(month=12, day=31)


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
# Pre-filters on the raw JSON line: the escapes or literal characters that could decode to them.
SUSPECT_LINE = re.compile(r"\\u00[01][0-9a-fA-F]|\\u00[79][0-9a-fA-F]|\\u20(?:2[a-eA-E]|6[6-9])|\\[bft]|" + f"[{_BIDI}\x7f-\x9f]")
SUSPECT_BYTES = re.compile(
    rb"\\u00[01][0-9a-fA-F]|\\u00[79][0-9a-fA-F]|\\u20(?:2[a-eA-E]|6[6-9])|\\[bft]"
    rb"|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]|\x7f|\xc2[\x80-\x9f]"
)


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


def check_quantity(q: dict, at: str) -> Iterator[tuple[str, str]]:
    value, low, high, qualifier = q.get("value"), q.get("low"), q.get("high"), q["qualifier"]
    if value is None and low is None and high is None:
        yield at, "a quantity needs a value or a bound (low/high)"
    if low is not None and high is not None and low > high:
        yield f"{at}/low", f"low ({low}) is greater than high ({high})"
    if value is not None:
        if low is not None and value < low:
            yield f"{at}/value", f"value ({value}) is below low ({low})"
        if high is not None and value > high:
            yield f"{at}/value", f"value ({value}) is above high ({high})"
    if qualifier == "between" and (low is None or high is None):
        yield f"{at}/qualifier", "'between' needs both low and high"
    if qualifier in ("exact", "about") and value is None:
        yield f"{at}/qualifier", f"'{qualifier}' needs a value"
    if qualifier in ("up_to", "as_many_as", "fewer_than", "nearly") and high is None:
        yield f"{at}/high", f"'{qualifier}' needs high (the upper bound the text gives)"
    if qualifier in ("at_least", "more_than") and low is None:
        yield f"{at}/low", f"'{qualifier}' needs low (the lower bound the text gives)"


@dataclass(frozen=True)
class SourceInfo:
    """What the rules need of a source: its seed and the end of its publication period."""

    id: str
    seed_file: str
    published: str | None  # ISO date as written
    published_end: str | None  # ISO date: last day of the publication period

    @classmethod
    def of(cls, d: dict) -> SourceInfo:
        pub = d.get("published")
        end = period_end(dt.date.fromisoformat(pub["value"]), pub["precision"]).isoformat() if pub else None
        return cls(d["id"], d["seed_file"], pub["value"] if pub else None, end)


def record_findings(d: dict, sources: dict[str, SourceInfo], seeds: SeedStore) -> list[tuple[str, str]]:
    """Rules of one record: ``(pointer, message)`` for each finding.

    Rules that need the record's source run only when the source is known
    (``sources``); the caller defers the record otherwise.
    """
    out: list[tuple[str, str]] = []
    if d["curation"]["review_status"] == "retracted" and not d["curation"].get("note"):
        out.append(("/curation/note", "a retracted record needs a note saying why"))
    kind = d["type"]
    if kind == "claim":
        quantities = d.get("quantities") or ()
        if d["kind"] == "numeric_estimate" and not quantities:
            out.append(("/quantities", "a numeric_estimate claim needs at least one quantity"))
        for i, q in enumerate(quantities):
            out.extend(check_quantity(q, f"/quantities/{i}"))
        for i, rel in enumerate(d.get("relations") or ()):
            if rel["target"] == d["id"]:
                out.append((f"/relations/{i}/target", "a claim cannot relate to itself"))
        source = sources.get(d["source_id"])
        if source is not None and source.published_end is not None and d["claim_date"]["value"] > source.published_end:
            out.append(("/claim_date/value",
                        f"claim date {d['claim_date']['value']} is after the publication of {source.id} ({source.published})"))
    elif kind == "evidence":
        source = sources.get(d["source_id"])
        if source is not None:
            out.extend(check_evidence_text(d, source, seeds))
    elif kind == "source":
        out.extend(check_source_seed(d, seeds))
    return out


def check_evidence_text(ev: dict, source: SourceInfo, seeds: SeedStore) -> Iterator[tuple[str, str]]:
    """The quote stands at its offsets in the seed of its source."""
    try:
        seed = seeds.get(source.seed_file)
    except SeedError:
        return  # reported once, on the source
    start, end, quote = ev["start"], ev["end"], ev["quote"]
    if end <= start:
        yield "/end", f"end ({end}) must be greater than start ({start})"
        return
    if end > len(seed.text):
        yield "/end", f"end ({end}) is past the end of {source.seed_file} ({len(seed.text)} characters)"
        return
    found = seed.text[start:end]
    if found == quote:
        return
    try:
        at, stop = seed.locate(quote)
        hint = f"; the quote stands at start={at}, end={stop} (run 'factset offsets --write' to fix)"
    except SeedError as exc:
        hint = f"; {exc}"
    yield "/quote", f"quote is not the text at [{start}:{end}] of {source.seed_file}, which reads {found[:60]!r}{hint}"


def check_source_seed(src: dict, seeds: SeedStore) -> Iterator[tuple[str, str]]:
    try:
        seed = seeds.get(src["seed_file"])
    except SeedError as exc:
        yield "/seed_file", str(exc)
        return
    if seed.sha256 != src["sha256"]:
        yield "/sha256", f"sha256 does not match {src['seed_file']} (the file hashes to {seed.sha256}); seeds are never edited"


# ------------------------------------------------------------ across records

# What a reference points at, by code: (pointer template, kind of record named in messages).
REFS = {
    1: ("/source_id", "source"),
    2: ("/claimant_id", "claimant entity"),
    3: ("/attribution/chain/{}/entity_id", "entity"),
    4: ("/relations/{}/target", "claim"),
    5: ("/claim_id", "claim"),
    6: ("/source_id", "source"),
    7: ("/speaker_id", "speaker entity"),
}
_LABEL_CODE = {label: i for i, label in enumerate(LABELS)}
_STANCE_CODE = {stance: i for i, stance in enumerate(STANCES)}
_RELATED = 4  # bit set in an evidence's packed role/stance


def loc_of(file_index: int, line: int) -> int:
    return (file_index << 32) | line


def split_loc(loc: int) -> tuple[int, int]:
    return loc >> 32, loc & 0xFFFFFFFF


@dataclass
class Facts:
    """Compact summary of the records seen, for the rules across records."""

    ids: array = field(default_factory=lambda: array("q"))
    id_locs: array = field(default_factory=lambda: array("q"))
    id_checked: array = field(default_factory=lambda: array("b"))
    ref_targets: array = field(default_factory=lambda: array("q"))
    ref_locs: array = field(default_factory=lambda: array("q"))
    ref_codes: array = field(default_factory=lambda: array("i"))  # code << 16 | list index
    claims: array = field(default_factory=lambda: array("q"))
    claim_sources: array = field(default_factory=lambda: array("q"))
    claim_labels: array = field(default_factory=lambda: array("b"))
    claim_locs: array = field(default_factory=lambda: array("q"))
    claim_checked: array = field(default_factory=lambda: array("b"))
    evidence: array = field(default_factory=lambda: array("q"))
    evidence_claims: array = field(default_factory=lambda: array("q"))
    evidence_sources: array = field(default_factory=lambda: array("q"))
    evidence_kinds: array = field(default_factory=lambda: array("b"))  # stance code | _RELATED
    evidence_locs: array = field(default_factory=lambda: array("q"))
    cited_claims: array = field(default_factory=lambda: array("q"))
    cited_evidence: array = field(default_factory=lambda: array("q"))
    cited_locs: array = field(default_factory=lambda: array("q"))
    cited_index: array = field(default_factory=lambda: array("i"))
    rejected: dict[str, int] = field(default_factory=dict)  # id -> location of a record refused for its shape

    def add(self, d: dict, loc: int, checked: bool) -> None:
        """Note what the rules across records need of one valid record."""
        self.ids.append(hash(d["id"]))
        self.id_locs.append(loc)
        self.id_checked.append(checked)
        kind = d["type"]
        if kind == "claim":
            refs = [(1, 0, d["source_id"]), (2, 0, d["claimant_id"])]
            refs += [(3, i, hop["entity_id"]) for i, hop in enumerate(d["attribution"].get("chain") or ()) if hop.get("entity_id")]
            refs += [(4, i, rel["target"]) for i, rel in enumerate(d.get("relations") or ())]
            claim = hash(d["id"])
            self.claims.append(claim)
            self.claim_sources.append(hash(d["source_id"]))
            self.claim_labels.append(_LABEL_CODE[d["verdict"]["label"]])
            self.claim_locs.append(loc)
            self.claim_checked.append(checked)
            for i, ev_id in enumerate(d["verdict"]["evidence_ids"]):
                self.cited_claims.append(claim)
                self.cited_evidence.append(hash(ev_id))
                self.cited_locs.append(loc)
                self.cited_index.append(i)
        elif kind == "evidence":
            refs = [(5, 0, d["claim_id"]), (6, 0, d["source_id"])]
            if d.get("speaker_id") is not None:
                refs.append((7, 0, d["speaker_id"]))
            self.evidence.append(hash(d["id"]))
            self.evidence_claims.append(hash(d["claim_id"]))
            self.evidence_sources.append(hash(d["source_id"]))
            self.evidence_kinds.append(_STANCE_CODE[d["stance"]] | (_RELATED if d["role"] == "related" else 0))
            self.evidence_locs.append(loc)
        else:
            return
        if checked:
            for code, index, target in refs:
                self.ref_targets.append(hash(target))
                self.ref_locs.append(loc)
                self.ref_codes.append(code << 16 | index)

    def extend(self, other: Facts, loc_shift: int = 0) -> None:
        """Append another chunk's facts, its locations moved by ``loc_shift`` lines."""
        for name in self.__dataclass_fields__:
            if name == "rejected":
                for rid, loc in other.rejected.items():
                    self.rejected.setdefault(rid, loc + loc_shift)
                continue
            values = getattr(other, name)
            if loc_shift and name.endswith("locs"):
                values = array("q", (v + loc_shift for v in values))
            getattr(self, name).extend(values)

    # -------------------------------------------------------------- resolve

    def resolve(self, reread: Callable[[Iterable[int]], dict[int, dict]], where: Callable[[int], str]) -> Iterator[tuple[int, str, str]]:
        """``(loc, pointer, message)`` for every rule across records that fails.

        ``reread(locs)`` returns the records at those locations (only the few
        that need a message are read again); ``where(loc)`` is "path:line".
        """
        yield from self._duplicates(reread, where)
        yield from self._references(reread, where)
        yield from self._verdicts(reread)

    def _duplicates(self, reread, where) -> Iterator[tuple[int, str, str]]:
        ids = np.frombuffer(self.ids, dtype=np.int64)
        if len(ids) < 2:
            return
        order = np.argsort(ids, kind="stable")
        sorted_ids = ids[order]
        same = np.flatnonzero(sorted_ids[1:] == sorted_ids[:-1])
        if not len(same):
            return
        suspects = sorted({int(i) for k in same for i in (order[k], order[k + 1])})
        locs = np.frombuffer(self.id_locs, dtype=np.int64)
        records = reread(int(locs[i]) for i in suspects)
        first: dict[str, int] = {}
        checked = np.frombuffer(self.id_checked, dtype=np.int8)
        for i in sorted(suspects, key=lambda i: (0 if not checked[i] else 1, int(locs[i]))):
            loc = int(locs[i])
            rid = records[loc]["id"]
            if rid in first and checked[i]:
                yield loc, "/id", f"duplicate id {rid!r}: first used at {where(first[rid])}"
            first.setdefault(rid, loc)

    def _references(self, reread, where) -> Iterator[tuple[int, str, str]]:
        targets = np.frombuffer(self.ref_targets, dtype=np.int64)
        missing = np.flatnonzero(~np.isin(targets, np.frombuffer(self.ids, dtype=np.int64)))
        if not len(missing):
            return
        locs = np.frombuffer(self.ref_locs, dtype=np.int64)
        codes = np.frombuffer(self.ref_codes, dtype=np.int32)
        records = reread(int(locs[i]) for i in missing)
        for i in missing:
            code, index = int(codes[i]) >> 16, int(codes[i]) & 0xFFFF
            template, kind = REFS[code]
            pointer = template.format(index)
            record = records[int(locs[i])]
            target = _at(record, pointer)
            if target in self.rejected:
                yield int(locs[i]), pointer, f"{kind} {target!r} is itself invalid (see {where(self.rejected[target])})"
            else:
                yield int(locs[i]), pointer, f"{kind} {target!r} does not exist"

    def _verdicts(self, reread) -> Iterator[tuple[int, str, str]]:
        claims = np.frombuffer(self.claims, dtype=np.int64)
        if not len(claims):
            return
        n = len(claims)
        claim_sources = np.frombuffer(self.claim_sources, dtype=np.int64)
        order = np.argsort(claims, kind="stable")
        sorted_claims = claims[order]

        def claim_index(hashes: np.ndarray) -> np.ndarray:
            """Index of the claim each hash names (first claim with it), or -1."""
            pos = np.searchsorted(sorted_claims, hashes)
            pos = np.minimum(pos, n - 1)
            return np.where(sorted_claims[pos] == hashes, order[pos], -1)

        ev_claim = claim_index(np.frombuffer(self.evidence_claims, dtype=np.int64))
        ev_sources = np.frombuffer(self.evidence_sources, dtype=np.int64)
        kinds = np.frombuffer(self.evidence_kinds, dtype=np.int8)
        known = ev_claim >= 0
        own = np.zeros(len(ev_claim), dtype=bool)
        own[known] = ev_sources[known] == claim_sources[ev_claim[known]]
        related = (kinds & _RELATED) != 0
        deciding = known & related & ~own
        stance = kinds & 3

        def count(mask: np.ndarray) -> np.ndarray:
            return np.bincount(ev_claim[mask], minlength=n)

        total = count(known)
        origin_own = count(known & ~related & own)
        per_stance = [count(deciding & (stance == s)) for s in range(len(STANCES))]

        # Cited evidence: does it exist, belong to the claim, and decide the label?
        evidence = np.frombuffer(self.evidence, dtype=np.int64)
        ev_order = np.argsort(evidence, kind="stable")
        sorted_ev = evidence[ev_order]
        cited = np.frombuffer(self.cited_evidence, dtype=np.int64)
        cited_claim = claim_index(np.frombuffer(self.cited_claims, dtype=np.int64))
        if len(sorted_ev):
            pos = np.minimum(np.searchsorted(sorted_ev, cited), len(sorted_ev) - 1)
            cited_ev = np.where(sorted_ev[pos] == cited, ev_order[pos], -1)
        else:
            cited_ev = np.full(len(cited), -1)
        cited_stances = np.zeros((n, len(STANCES)), dtype=bool)
        if len(evidence):
            row = np.maximum(cited_ev, 0)
            belongs = (cited_ev >= 0) & (ev_claim[row] == cited_claim)
            decides = belongs & deciding[row]
            cited_stances[cited_claim[decides], stance[cited_ev[decides]]] = True
        else:
            belongs = np.zeros(len(cited), dtype=bool)

        labels = np.frombuffer(self.claim_labels, dtype=np.int8)
        checked = np.frombuffer(self.claim_checked, dtype=np.int8).astype(bool)
        claim_locs = np.frombuffer(self.claim_locs, dtype=np.int64)
        cited_locs = np.frombuffer(self.cited_locs, dtype=np.int64)
        cited_index = np.frombuffer(self.cited_index, dtype=np.int32)
        evidence_locs = np.frombuffer(self.evidence_locs, dtype=np.int64)
        messages: list[tuple[int, str, str]] = []
        need_source: list[int] = []  # claims without an origin passage in their own source
        foreign: list[tuple[int, int, int]] = []  # (claim loc, cited index, evidence row or -1)
        # A claim id used twice is reported as a duplicate; the verdict rules judge its first record.
        first = np.zeros(n, dtype=bool)
        first[np.unique(claims, return_index=True)[1]] = True
        for c in np.flatnonzero(checked & first):
            loc = int(claim_locs[c])
            if total[c] == 0:
                messages.append((loc, "", "claim has no evidence record (every claim needs its origin passage at least)"))
                continue
            if origin_own[c] == 0:
                need_source.append(loc)
            counts = {s: int(per_stance[i][c]) for i, s in enumerate(STANCES)}
            expected = expected_verdict(s for s, k in counts.items() if k)
            label = LABELS[labels[c]]
            if label != expected:
                text = ", ".join(f"{s}={counts[s]}" for s in STANCES)
                messages.append((loc, "/verdict/label",
                                 f"verdict {label!r} does not follow from the related evidence of other sources ({text}): expected {expected!r}"))
                continue
            missing = sorted(DECISIVE[expected] - {STANCES[s] for s in np.flatnonzero(cited_stances[c])})
            if missing:
                messages.append((loc, "/verdict/evidence_ids",
                                 f"a {expected!r} verdict must cite the related evidence that decides it: none cited with stance {' or '.join(missing)}"))
        for k in np.flatnonzero(~belongs):
            c = cited_claim[k]
            if c >= 0 and checked[c] and first[c] and total[c] > 0:
                foreign.append((int(cited_locs[k]), int(cited_index[k]), int(cited_ev[k])))
        yield from messages
        if not need_source and not foreign:
            return
        records = reread({*need_source, *(loc for loc, _, _ in foreign), *(int(evidence_locs[row]) for _, _, row in foreign if row >= 0)})
        for loc in need_source:
            yield loc, "", f"claim has no evidence with role 'origin' in its own source {records[loc]['source_id']}"
        for loc, index, row in foreign:
            ev_id = records[loc]["verdict"]["evidence_ids"][index]
            where = "does not exist" if row < 0 else f"belongs to {records[int(evidence_locs[row])]['claim_id']}"
            yield loc, f"/verdict/evidence_ids/{index}", f"cited evidence {ev_id!r} {where}, not to this claim"


def _at(record: dict, pointer: str):
    value = record
    for part in pointer.strip("/").split("/"):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value
