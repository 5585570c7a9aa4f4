"""The rules across records, from a compact summary of each record.

Rules across records need only a compact summary of each record, kept in
:class:`Facts`: 64-bit hashes of ids in flat arrays, so memory grows by a few
dozen bytes a record while the files stream; :meth:`Facts.resolve` checks them
all at the end (unique ids, references resolving, verdicts following from the
evidence).
"""

from __future__ import annotations

import itertools
import operator
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..records.labels import DECISIVE, LABELS, STANCES
from .record_rules import Block

if TYPE_CHECKING:
    from concurrent.futures import Executor

_LABEL_CODE = {label: i for i, label in enumerate(LABELS)}
_STANCE_CODE = {stance: i for i, stance in enumerate(STANCES)}
_RELATED = 4  # bit set in an evidence's packed role/stance
# References kept in the generic table, by code: (pointer template, kind of record named in messages).
_CHAIN, _RELATION = 1, 2
_GENERIC = {_CHAIN: ("/attribution/chain/{}/entity_id", "entity"), _RELATION: ("/relations/{}/target", "claim")}
_NONE = 0  # the hash stored for an absent optional reference
_first = operator.itemgetter(0)
# An evidence's packed role/stance, by (stance, role).
_KIND_CODE = {(stance, role): code | (_RELATED if role == "related" else 0)
              for stance, code in _STANCE_CODE.items() for role in ("origin", "related")}


_STEP = 1 << 17  # lookups run in slices, so that their temporaries stay small at any size


def _sliced(n: int, fn: Callable[[int, int], object], pool: Executor | None) -> Iterable:
    """``fn(lo, hi)`` on each slice of ``range(n)``, results in order; side by side in the
    thread pool if there is one (numpy lets go of the GIL while it sorts and searches)."""
    bounds = [(lo, min(lo + _STEP, n)) for lo in range(0, n, _STEP)]
    if pool is None:
        return (fn(lo, hi) for lo, hi in bounds)
    return pool.map(lambda b: fn(*b), bounds)


def _lookup(sorted_keys: np.ndarray, positions: np.ndarray | None, hashes: np.ndarray,
            pool: Executor | None = None) -> np.ndarray:
    """For each hash, ``positions`` of the (first) equal key in ``sorted_keys`` (its index if None), or -1."""
    out = np.full(len(hashes), -1, dtype=np.int32)
    if not len(sorted_keys):
        return out
    last = len(sorted_keys) - 1

    def look(lo: int, hi: int) -> None:
        part = hashes[lo:hi]
        pos = np.minimum(np.searchsorted(sorted_keys, part), last)
        hit = sorted_keys[pos] == part
        out[lo:hi][hit] = pos[hit] if positions is None else positions[pos[hit]]

    for _ in _sliced(len(hashes), look, pool):
        pass
    return out


def _column(typecode: str):
    return field(default_factory=lambda: array(typecode))


@dataclass
class Facts:
    """Compact summary of the records seen, for the rules across records.

    Every record is one *row* of the id table (a 64-bit hash of its id);
    where it stands is kept once per *run* of rows on consecutive lines of one
    file (a whole clean file is one run); claims, evidence and references keep
    row numbers and hashes only, about 45 bytes a record. Rows are in file
    order, files of published records (``--against``) first.
    """

    ids: array = _column("q")
    run_starts: array = _column("I")  # the first row of each run
    run_files: array = _column("H")  # the file of its rows
    run_lines: array = _column("I")  # the line of its first row
    claim_rows: array = _column("I")
    claim_sources: array = _column("q")
    claim_claimants: array = _column("q")
    claim_labels: array = _column("b")
    cited_rows: array = _column("I")  # the citing claim's row
    cited_evidence: array = _column("q")  # (a claim's citations are consecutive: their index is derived)
    evidence_rows: array = _column("I")
    evidence_claims: array = _column("q")
    evidence_sources: array = _column("q")
    evidence_speakers: array = _column("q")
    evidence_kinds: array = _column("b")  # stance code | _RELATED
    ref_rows: array = _column("I")
    ref_targets: array = _column("q")
    ref_codes: array = _column("I")  # code << 16 | list index
    rejected: dict[str, tuple[int, int]] = field(default_factory=dict)  # id -> (file, line) of a record refused for its shape

    def adder(self) -> Callable[[dict, int, int], None]:
        """``add(record, file_index, line)``: note what the rules across records need of a valid record."""
        add_row, add_kind = self._row_adder(), self._kind_adder()

        def add(d: dict, file_index: int, line: int) -> None:
            add_kind(d, add_row(d, file_index, line))

        return add

    def block_adder(self) -> Callable[[Block, int, int], None]:
        """``add_block(block, file_index, first_line)``: as ``add`` on each record of a block of
        consecutive lines, with the same result, by columns rather than by records."""
        ids, new_run = self.ids, self._run_keeper()
        ev_rows, ev_claims, ev_sources = self.evidence_rows, self.evidence_claims, self.evidence_sources
        ev_speakers, ev_kinds = self.evidence_speakers, self.evidence_kinds
        cl_rows, cl_sources, cl_claimants, cl_labels = self.claim_rows, self.claim_sources, self.claim_claimants, self.claim_labels
        ci_rows, ci_evidence = self.cited_rows, self.cited_evidence
        kind_code, label_code, add_refs, chain = _KIND_CODE, _LABEL_CODE, self._add_refs, itertools.chain

        def add_block(block: Block, file_index: int, first_line: int) -> None:
            base = len(ids)
            new_run(base, file_index, first_line)
            ids.fromlist([hash(d["id"]) for d in block.records])
            evidence = block.evidence
            ev_rows.fromlist([base + i for i in block.evidence_at])
            ev_claims.fromlist([hash(d["claim_id"]) for d in evidence])
            ev_sources.fromlist([hash(d["source_id"]) for d in evidence])
            ev_speakers.fromlist([_NONE if (s := d.get("speaker_id")) is None else hash(s) for d in evidence])
            ev_kinds.fromlist([kind_code[d["stance"], d["role"]] for d in evidence])
            claims = block.claims
            if not claims:
                return
            rows = [base + i for i in block.claims_at]
            cl_rows.fromlist(rows)
            cl_sources.fromlist([hash(d["source_id"]) for d in claims])
            cl_claimants.fromlist([hash(d["claimant_id"]) for d in claims])
            cl_labels.fromlist([label_code[d["verdict"]["label"]] for d in claims])
            cited = [d["verdict"]["evidence_ids"] for d in claims]
            counts = list(map(len, cited))
            ci_rows.fromlist(list(chain.from_iterable(map(itertools.repeat, rows, counts))))
            ci_evidence.fromlist(list(map(hash, chain.from_iterable(cited))))
            add_refs(claims, rows)

        return add_block

    def _row_adder(self) -> Callable[[dict, int, int], int]:
        ids, id_table, new_run = self.ids.append, self.ids, self._run_keeper()

        def add_row(d: dict, file_index: int, line: int) -> int:
            row = len(id_table)
            new_run(row, file_index, line)
            ids(hash(d["id"]))
            return row

        return add_row

    def _run_keeper(self) -> Callable[[int, int, int], None]:
        """``new_run(row, file_index, line)``: start a run unless the row continues the last one."""
        starts, files, lines = self.run_starts, self.run_files, self.run_lines

        def new_run(row: int, file_index: int, line: int) -> None:
            if not starts or files[-1] != file_index or lines[-1] + (row - starts[-1]) != line:
                starts.append(row)
                files.append(file_index)
                lines.append(line)

        return new_run

    def _kind_adder(self) -> Callable[[dict, int], None]:
        """``add_kind(record, row)``: the columns of the record's type. A closure over the
        arrays' ``append`` methods: this runs once per record."""
        ev_rows, ev_claims, ev_sources = self.evidence_rows.append, self.evidence_claims.append, self.evidence_sources.append
        ev_speakers, ev_kinds = self.evidence_speakers.append, self.evidence_kinds.append
        cl_rows, cl_sources, cl_claimants, cl_labels = (
            self.claim_rows.append, self.claim_sources.append, self.claim_claimants.append, self.claim_labels.append)
        ci_rows, ci_evidence = self.cited_rows.append, self.cited_evidence.append
        kind_code = _KIND_CODE

        def add_kind(d: dict, row: int) -> None:
            kind = d["type"]
            if kind == "evidence":
                ev_rows(row)
                ev_claims(hash(d["claim_id"]))
                ev_sources(hash(d["source_id"]))
                speaker = d.get("speaker_id")
                ev_speakers(_NONE if speaker is None else hash(speaker))
                ev_kinds(kind_code[d["stance"], d["role"]])
            elif kind == "claim":
                cl_rows(row)
                cl_sources(hash(d["source_id"]))
                cl_claimants(hash(d["claimant_id"]))
                cl_labels(_LABEL_CODE[d["verdict"]["label"]])
                for ev_id in d["verdict"]["evidence_ids"]:
                    ci_rows(row)
                    ci_evidence(hash(ev_id))
                self._add_refs([d], [row])

        return add_kind

    def _add_refs(self, claims: list[dict], rows: list[int]) -> None:
        """The claims' references kept in the generic table: their chains' entities and their
        relations' targets; in row order, and a claim's chain before its relations."""
        refs = [(row, hop["entity_id"], _CHAIN << 16 | i) for row, d in zip(rows, claims)
                for i, hop in enumerate(d["attribution"].get("chain") or ()) if hop.get("entity_id") is not None]
        refs += [(row, rel["target"], _RELATION << 16 | i) for row, d in zip(rows, claims)
                 for i, rel in enumerate(d.get("relations") or ())]
        if not refs:
            return
        refs.sort(key=_first)  # stable: a claim's chain stays before its relations
        self.ref_rows.fromlist([ref[0] for ref in refs])
        self.ref_targets.fromlist([hash(ref[1]) for ref in refs])
        self.ref_codes.fromlist([ref[2] for ref in refs])

    def extend(self, other: Facts, line_shift: int = 0) -> None:
        """Append another range's facts; its lines move down by ``line_shift``."""
        base = len(self.ids)
        for name in self.__dataclass_fields__:
            values = getattr(other, name)
            if name == "rejected":
                for rid, (index, line) in values.items():
                    self.rejected.setdefault(rid, (index, line + line_shift))
                continue
            if name.startswith("run_"):
                continue
            if name.endswith("_rows") and base:
                values = array("I", (np.frombuffer(values, dtype=np.uint32) + base).tobytes())
            getattr(self, name).extend(values)
        new_run = self._run_keeper()
        for start, file_index, line in zip(other.run_starts, other.run_files, other.run_lines):
            new_run(base + start, file_index, line + line_shift)

    # -------------------------------------------------------------- resolve

    def resolve(self, against_files: int, reread: Callable[[Iterable[tuple[int, int]]], dict],
                where: Callable[[tuple[int, int]], str], threads: int = 1) -> Iterator[tuple[tuple[int, int], str, str]]:
        """``((file, line), pointer, message)`` for every rule across records that fails.

        Records of the first ``against_files`` files are published ones: used,
        never reported on. ``reread(locations)`` returns the records there (only
        the few a message needs are read again); ``where`` formats a location.
        To keep the peak of memory low, resolving uses the facts up: each column
        is let go once no later rule needs it, so this runs once. ``threads > 1``
        runs the lookups of each rule in that many threads.
        """
        if threads > 1:
            from concurrent.futures import ThreadPoolExecutor  # only here: its import costs ~4 ms
        with ThreadPoolExecutor(threads) if threads > 1 else nullcontext() as pool:
            self._pool = pool
            yield from self._resolve(against_files, reread, where)
        self._pool = None

    def _resolve(self, against_files, reread, where):
        starts = np.frombuffer(self.run_starts, dtype=np.uint32)
        run_files = np.frombuffer(self.run_files, dtype=np.uint16)
        run_lines = np.frombuffer(self.run_lines, dtype=np.uint32)

        def loc(row: int) -> tuple[int, int]:
            run = int(np.searchsorted(starts, row, "right")) - 1
            return int(run_files[run]), int(run_lines[run]) + int(row) - int(starts[run])

        self._loc = loc
        self._checked = np.repeat(run_files >= against_files, np.diff(np.append(starts, len(self.ids))))
        ids = np.frombuffer(self.ids, dtype=np.int64)
        yield from self._duplicates(ids, reread, where)
        # A reference is looked up among the records of the type it must name (ids carry their
        # type's prefix, so no other record could hold it): sources and entities are few, and a
        # small table is searched much faster than all ids.
        claim_rows = np.frombuffer(self.claim_rows, dtype=np.uint32)
        is_small = np.ones(len(ids), dtype=bool)
        is_small[claim_rows] = False
        is_small[np.frombuffer(self.evidence_rows, dtype=np.uint32)] = False
        self._sorted_small = np.sort(ids[is_small])  # sources and entities
        del is_small
        # Claims by id hash; a claim id used twice is reported as a duplicate, and the
        # verdict rules judge its first record (a stable sort puts it first).
        claims = ids[claim_rows]
        self._claim_order = np.argsort(claims, kind="stable").astype(np.int32)
        self._sorted_claims = claims[self._claim_order]
        del claims, ids
        # Each evidence record: the index of its claim, or -1.
        self._ev_claim = _lookup(self._sorted_claims, self._claim_order,
                                 np.frombuffer(self.evidence_claims, dtype=np.int64), self._pool)
        self._drop("evidence_claims")
        yield from self._references(reread, where)
        self._sorted_small = None
        self._drop("evidence_speakers", "claim_claimants", "ref_rows", "ref_targets", "ref_codes")
        yield from self._verdicts(reread)

    def _drop(self, *names: str) -> None:
        """Let columns go (views of them must be gone first)."""
        for name in names:
            setattr(self, name, array(getattr(self, name).typecode))

    def _duplicates(self, ids, reread, where):
        # Sorted a part at a time, ids falling into parts by the low bits of their hash: a
        # sorted copy of every id at once was the peak of memory of the whole run.
        parts = 1 << min(8, (len(ids) // _STEP).bit_length())
        low_byte = ids.view(np.uint8)[0 if sys.byteorder == "little" else 7::8]  # a view: no copy
        repeated = []
        for part in range(parts):
            s = np.sort(ids[(low_byte & (parts - 1)) == part]) if parts > 1 else np.sort(ids)
            repeated.append(s[1:][s[1:] == s[:-1]])
        repeated = np.unique(np.concatenate(repeated))
        if not len(repeated):
            return
        rows = np.flatnonzero(np.isin(ids, repeated))  # in file order, published files first
        records = reread(self._loc(r) for r in rows)
        first: dict[str, tuple[int, int]] = {}
        for row in rows:
            loc = self._loc(row)
            rid = records[loc]["id"]
            if rid in first and self._checked[row]:
                yield loc, "/id", f"duplicate id {rid!r}: first used at {where(first[rid])}"
            first.setdefault(rid, loc)

    def _references(self, reread, where):
        checked = self._checked
        missing: list[tuple[int, str, str]] = []  # (row, pointer, kind of record)

        def look(rows: np.ndarray, targets: np.ndarray, table: np.ndarray, present: bool = False):
            """Rows whose reference is not in ``table``, looked up a slice at a time (small temporaries)."""

            def bad_in(lo: int, hi: int):
                part, row_part = targets[lo:hi], rows[lo:hi]
                bad = checked[row_part] & (_lookup(table, None, part) < 0)
                if present:
                    bad &= part != _NONE
                return np.flatnonzero(bad) + lo, row_part[bad]

            for at, bad_rows in _sliced(len(rows), bad_in, self._pool):
                yield from zip(at.tolist(), bad_rows.tolist())

        def rows(column: array) -> np.ndarray:
            return np.frombuffer(column, dtype=np.uint32)

        def hashes(column: array) -> np.ndarray:
            return np.frombuffer(column, dtype=np.int64)

        small = self._sorted_small
        for row_column, targets, pointer, kind, present in (
            (self.claim_rows, self.claim_sources, "/source_id", "source", False),
            (self.claim_rows, self.claim_claimants, "/claimant_id", "claimant entity", False),
            (self.evidence_rows, self.evidence_sources, "/source_id", "source", False),
            (self.evidence_rows, self.evidence_speakers, "/speaker_id", "speaker entity", True),
        ):
            missing.extend((row, pointer, kind) for _, row in look(rows(row_column), hashes(targets), small, present))
        evidence_rows = rows(self.evidence_rows)
        missing.extend((row, "/claim_id", "claim")
                       for row in evidence_rows[checked[evidence_rows] & (self._ev_claim < 0)].tolist())
        codes = np.frombuffer(self.ref_codes, dtype=np.uint32)
        ref_rows, ref_targets = rows(self.ref_rows), hashes(self.ref_targets)
        for code, table in ((_CHAIN, small), (_RELATION, self._sorted_claims)):
            template, kind = _GENERIC[code]
            at = np.flatnonzero(codes >> 16 == code)
            for k, row in look(ref_rows[at], ref_targets[at], table):
                missing.append((row, template.format(int(codes[at[k]]) & 0xFFFF), kind))
        del evidence_rows, codes, ref_rows, ref_targets  # views of columns dropped next
        if not missing:
            return
        records = reread(self._loc(row) for row, _, _ in missing)
        for row, pointer, kind in missing:
            loc = self._loc(row)
            target = _at(records[loc], pointer)
            if target in self.rejected:
                yield loc, pointer, f"{kind} {target!r} is itself invalid (see {where(self.rejected[target])})"
            else:
                yield loc, pointer, f"{kind} {target!r} does not exist"

    def _verdicts(self, reread):
        ids = np.frombuffer(self.ids, dtype=np.int64)
        claim_rows = np.frombuffer(self.claim_rows, dtype=np.uint32)
        n = len(claim_rows)
        ev_claim, order, sorted_claims = self._ev_claim, self._claim_order, self._sorted_claims
        self._ev_claim = self._claim_order = self._sorted_claims = None
        if not n:
            return
        first = np.zeros(n, dtype=bool)  # the first record of each claim id
        first[order[np.r_[True, sorted_claims[1:] != sorted_claims[:-1]]]] = True
        del sorted_claims, order

        # Each evidence record: the claim it belongs to, and whether it decides that claim's verdict.
        known = ev_claim >= 0
        own = np.zeros(len(ev_claim), dtype=bool)  # from the claim's own source
        ev_sources = np.frombuffer(self.evidence_sources, dtype=np.int64)
        claim_sources = np.frombuffer(self.claim_sources, dtype=np.int64)
        for lo in range(0, len(ev_claim), _STEP):
            part = ev_claim[lo:lo + _STEP]
            hit = part >= 0
            own[lo:lo + _STEP][hit] = ev_sources[lo:lo + _STEP][hit] == claim_sources[part[hit]]
        del ev_sources, claim_sources
        self._drop("evidence_sources", "claim_sources")
        kinds = np.frombuffer(self.evidence_kinds, dtype=np.int8)
        related = (kinds & _RELATED) != 0
        stance = kinds & 3
        del kinds
        self._drop("evidence_kinds")
        deciding = known & related & ~own

        def count(mask: np.ndarray) -> np.ndarray:
            return np.bincount(ev_claim[mask], minlength=n).astype(np.int32)

        has_evidence = count(known) > 0
        has_origin = count(known & ~related & own) > 0
        del known, related, own
        per_stance = [count(deciding & (stance == s)) for s in range(len(STANCES))]

        # Cited evidence: does it exist, belong to the citing claim, and decide the label?
        evidence_rows = np.frombuffer(self.evidence_rows, dtype=np.uint32)
        evidence = ids[evidence_rows]
        del ids
        self._drop("ids")
        ev_order = np.argsort(evidence, kind="stable").astype(np.int32)
        evidence.sort()  # in place: the hashes in ev_order's order
        cited = np.frombuffer(self.cited_evidence, dtype=np.int64)
        cited_rows = np.frombuffer(self.cited_rows, dtype=np.uint32)
        cited_stances = np.zeros((n, len(STANCES)), dtype=bool)
        foreign_at: list[tuple[int, int]] = []  # (position, evidence index or -1) of citations not of their claim
        # With threads, all lookups at once, side by side; else a slice at a time (less memory).
        cited_ev = _lookup(evidence, ev_order, cited, self._pool) if self._pool is not None else None
        for lo in range(0, len(cited), _STEP):
            claim_part = np.searchsorted(claim_rows, cited_rows[lo:lo + _STEP])  # citations are rows of claims
            part = cited_ev[lo:lo + _STEP] if cited_ev is not None else _lookup(evidence, ev_order, cited[lo:lo + _STEP])
            found = part >= 0
            row = np.where(found, part, 0)
            ok = found & (ev_claim[row] == claim_part) if len(ev_claim) else found
            bad = np.flatnonzero(~ok)
            foreign_at.extend(zip((lo + bad).tolist(), part[bad].tolist()))
            decides = ok & deciding[row] if len(ev_claim) else ok
            cited_stances[claim_part[decides], stance[part[decides]]] = True
        del evidence, ev_order, deciding, stance, cited_ev

        labels = np.frombuffer(self.claim_labels, dtype=np.int8)
        checked = self._checked[claim_rows]
        # The expected label of every claim at once; Python looks only at the claims that fail.
        supports, refutes = per_stance[0] > 0, per_stance[1] > 0
        expected = np.where(supports & refutes, _LABEL_CODE["conflicting_evidence"],
                            np.where(supports, _LABEL_CODE["supported"],
                                     np.where(refutes, _LABEL_CODE["refuted"], _LABEL_CODE["not_enough_evidence"])))
        judged = checked & first
        wrong_label = judged & has_evidence & (labels != expected)
        uncited = (((supports & ~cited_stances[:, 0]) | (refutes & ~cited_stances[:, 1]))
                   & judged & has_evidence & ~wrong_label)
        messages = []
        for c in np.flatnonzero(judged & ~has_evidence):
            messages.append((self._loc(claim_rows[c]), "", "claim has no evidence record (every claim needs its origin passage at least)"))
        need_source = [self._loc(claim_rows[c]) for c in np.flatnonzero(judged & has_evidence & ~has_origin)]
        for c in np.flatnonzero(wrong_label):
            counts = ", ".join(f"{s}={int(per_stance[i][c])}" for i, s in enumerate(STANCES))
            messages.append((self._loc(claim_rows[c]), "/verdict/label",
                             f"verdict {LABELS[labels[c]]!r} does not follow from the related evidence of other sources "
                             f"({counts}): expected {LABELS[expected[c]]!r}"))
        for c in np.flatnonzero(uncited):
            label = LABELS[expected[c]]
            missing = sorted(DECISIVE[label] - {STANCES[s] for s in np.flatnonzero(cited_stances[c])})
            messages.append((self._loc(claim_rows[c]), "/verdict/evidence_ids",
                             f"a {label!r} verdict must cite the related evidence that decides it: none cited with stance {' or '.join(missing)}"))
        foreign = []  # (claim location, index among its citations, evidence location or None)
        for k, ev_index in foreign_at:
            c = int(np.searchsorted(claim_rows, cited_rows[k]))
            if checked[c] and first[c] and has_evidence[c]:
                index = k - int(np.searchsorted(cited_rows, cited_rows[k]))  # a claim's citations are consecutive
                foreign.append((self._loc(claim_rows[c]), index, self._loc(evidence_rows[ev_index]) if ev_index >= 0 else None))
        yield from messages
        if not need_source and not foreign:
            return
        records = reread([*need_source, *(loc for loc, _, _ in foreign), *(ev for _, _, ev in foreign if ev is not None)])
        for loc in need_source:
            yield loc, "", f"claim has no evidence with role 'origin' in its own source {records[loc]['source_id']}"
        for loc, index, ev_loc in foreign:
            ev_id = records[loc]["verdict"]["evidence_ids"][index]
            where = "does not exist" if ev_loc is None else f"belongs to {records[ev_loc]['claim_id']}"
            yield loc, f"/verdict/evidence_ids/{index}", f"cited evidence {ev_id!r} {where}, not to this claim"


def _at(record: dict, pointer: str):
    value = record
    for part in pointer.strip("/").split("/"):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value
