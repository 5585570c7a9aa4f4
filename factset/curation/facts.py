"""The rules across records, from a compact summary of each record.

Rules across records need only a compact summary of each record, kept in
:class:`Facts`: 64-bit hashes of ids in flat arrays, so memory grows by a few
dozen bytes a record while the files stream; :meth:`Facts.resolve` checks them
all at the end: ids unique, references resolving, the stances of the claimant's
own words, attestation and verdicts following from the evidence, symmetric
relations symmetric and updates pointing back in time.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
import sys
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..records.dates import period_end
from ..records.labels import DECISIVE, LABELS, RELATION_KINDS, STANCES, SYMMETRIC_RELATIONS, TIME_ORDERED_RELATIONS, sides
from .result import MAX_ERRORS_PER_FILE
from .record_rules import Block
from .result import KnockOn

if TYPE_CHECKING:
    from concurrent.futures import Executor

_LABEL_CODE = {label: i for i, label in enumerate(LABELS)}
_NO_VERDICT = -1  # the label code of a claim without a verdict (non_factual)
_STANCE_CODE = {stance: i for i, stance in enumerate(STANCES)}
_SUPPORTS, _REFUTES, _ATTESTS = _STANCE_CODE["supports"], _STANCE_CODE["refutes"], _STANCE_CODE["attests"]
_RELATED = 4  # bit set in an evidence's packed role/stance (stance codes fit in the two bits below)
_RETRACTED = 8  # bit set for a retracted record: it stays, and counts for nothing
# References kept in the generic table, by kind: (pointer template, kind of record named in messages).
_CHAIN, _SPEAKS_FOR, _NARRATOR = 1, 2, 3
_RELATION = 8  # + the index of the relation's kind in RELATION_KINDS
_RELATION_CODE = {kind: _RELATION + i for i, kind in enumerate(RELATION_KINDS)}
_GENERIC = {
    _CHAIN: ("/attribution/chain/{}/entity_id", "entity"),
    _SPEAKS_FOR: ("/speaks_for", "entity"),
    _NARRATOR: ("/narrator_id", "entity"),
    **{code: ("/relations/{}/target", "claim") for code in _RELATION_CODE.values()},
}
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


def _days(date: dict) -> tuple[int, int]:
    """First and last day (ordinals) of the period a dated value stands for."""
    try:
        first = dt.date.fromisoformat(date["value"])
        return first.toordinal(), period_end(first, date["precision"]).toordinal()
    except (ValueError, OverflowError):  # a date the schema let through and Python cannot hold: refused elsewhere
        return 0, 0


def _pair_keys(a: np.ndarray, b: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """One 64-bit key for each (claim, target, kind), different from (target, claim, kind)'s."""
    with np.errstate(over="ignore"):
        return (a.view(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + b.view(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F)
                + kinds.astype(np.uint64)).view(np.int64)


@dataclass
class Facts:
    """Compact summary of the records seen, for the rules across records.

    Every record is one *row* of the id table (a 64-bit hash of its id);
    where it stands is kept once per *run* of rows on consecutive lines of one
    file (a whole clean file is one run); claims, evidence and references keep
    row numbers, hashes and small codes only, about 60 bytes a record. Rows are
    in file order, files of published records (``--against``) first. Sources
    and entities are few: what the rules need of them beyond their ids (who
    speaks for whom, who narrates a source) is kept in small dicts.
    """

    ids: array = _column("q")
    run_starts: array = _column("I")  # the first row of each run
    run_files: array = _column("I")  # the file of its rows
    run_lines: array = _column("I")  # the line of its first row
    claim_rows: array = _column("I")
    claim_sources: array = _column("q")
    claim_claimants: array = _column("q")
    claim_labels: array = _column("b")  # verdict label code, or _NO_VERDICT
    claim_retracted: array = _column("b")
    claim_attested: array = _column("b")  # 1 if the claim's attestation says 'attested'
    claim_first_days: array = _column("i")  # claim date: first day of its period (ordinal)
    claim_last_days: array = _column("i")  # and last day
    cited_rows: array = _column("I")  # the citing claim's row
    cited_evidence: array = _column("q")  # (a claim's citations are consecutive: their index is derived)
    attesting_rows: array = _column("I")  # the claim's row, for each id of its attestation's evidence_ids
    attesting_evidence: array = _column("q")
    evidence_rows: array = _column("I")
    evidence_claims: array = _column("q")
    evidence_sources: array = _column("q")
    evidence_speakers: array = _column("q")
    evidence_kinds: array = _column("b")  # stance code | _RELATED | _RETRACTED
    ref_rows: array = _column("I")
    ref_targets: array = _column("q")
    ref_kinds: array = _column("B")  # _CHAIN, _SPEAKS_FOR, _NARRATOR or a relation's code
    ref_index: array = _column("I")  # the reference's index in its list (chain, relations)
    speaks_for: dict[int, tuple[int, int]] = field(default_factory=dict)  # entity hash -> (its body's hash, row)
    narrators: dict[int, int] = field(default_factory=dict)  # source hash -> its narrator's hash
    seed_sources: list = field(default_factory=list)  # (seed file, source hash, row, id numbered for it) of every source
    rejected: dict[str, tuple[int, int]] = field(default_factory=dict)  # id -> (file, line) of a record refused for its shape
    rejected_evidence: dict[str, str] = field(default_factory=dict)  # claim id -> the first refused evidence naming it
    omitted: Counter = field(default_factory=Counter)  # file -> errors found beyond the cap, not reported
    error_limit: int = MAX_ERRORS_PER_FILE  # errors of one rule reported a file (the rest are counted)

    def adder(self) -> Callable[[dict, int, int], None]:
        """``add(record, file_index, line)``: note what the rules across records need of a valid record
        (a block of one record: the lines that come one at a time are few)."""
        add_block = self.block_adder()

        def add(d: dict, file_index: int, line: int) -> None:
            add_block(Block.of([d], [d["type"]]), file_index, line)

        return add

    def block_adder(self) -> Callable[[Block, int, int], None]:
        """``add_block(block, file_index, first_line)``: note what the rules across records need of the
        valid records of a block of consecutive lines, by columns rather than by records."""
        ids, new_run = self.ids, self._run_keeper()
        ev_rows, ev_claims, ev_sources = self.evidence_rows, self.evidence_claims, self.evidence_sources
        ev_speakers, ev_kinds = self.evidence_speakers, self.evidence_kinds
        cl_rows, cl_sources, cl_claimants, cl_labels = self.claim_rows, self.claim_sources, self.claim_claimants, self.claim_labels
        cl_attested, cl_first, cl_last = self.claim_attested, self.claim_first_days, self.claim_last_days
        cl_retracted = self.claim_retracted
        ci_rows, ci_evidence = self.cited_rows, self.cited_evidence
        at_rows, at_evidence = self.attesting_rows, self.attesting_evidence
        kind_code, label_code, claim_refs, chain = _KIND_CODE, _LABEL_CODE, self._claim_refs, itertools.chain

        def citations(rows: list[int], cited: list[list[str]], row_column: array, id_column: array) -> None:
            counts = list(map(len, cited))
            row_column.fromlist(list(chain.from_iterable(map(itertools.repeat, rows, counts))))
            id_column.fromlist(list(map(hash, chain.from_iterable(cited))))

        def add_block(block: Block, file_index: int, first_line: int) -> None:
            base = len(ids)
            new_run(base, file_index, first_line)
            ids.fromlist([hash(d["id"]) for d in block.records])
            evidence = block.evidence
            ev_rows.fromlist([base + i for i in block.evidence_at])
            ev_claims.fromlist([hash(d["claim_id"]) for d in evidence])
            ev_sources.fromlist([hash(d["source_id"]) for d in evidence])
            ev_speakers.fromlist([_NONE if (s := d.get("speaker_id")) is None else hash(s) for d in evidence])
            ev_kinds.fromlist([kind_code[d["stance"], d["role"]] | (_RETRACTED if d["curation"]["review_status"] == "retracted" else 0)
                               for d in evidence])
            refs = [] if block.only_claims_and_evidence() else self._sources_and_entities(block, base)
            claims = block.claims
            if not claims:
                self._keep_refs(refs)
                return
            rows = [base + i for i in block.claims_at]
            cl_rows.fromlist(rows)
            cl_sources.fromlist([hash(d["source_id"]) for d in claims])
            cl_claimants.fromlist([hash(d["claimant_id"]) for d in claims])
            verdicts = [d["verdict"] for d in claims]
            cl_labels.fromlist([_NO_VERDICT if v is None else label_code[v["label"]] for v in verdicts])
            cl_attested.fromlist([d["attestation"]["label"] == "attested" for d in claims])
            cl_retracted.fromlist([d["curation"]["review_status"] == "retracted" for d in claims])
            days = [_days(d["claim_date"]) for d in claims]
            cl_first.fromlist([first for first, _ in days])
            cl_last.fromlist([last for _, last in days])
            citations(rows, [[] if v is None else v["evidence_ids"] for v in verdicts], ci_rows, ci_evidence)
            citations(rows, [d["attestation"].get("evidence_ids") or [] for d in claims], at_rows, at_evidence)
            refs += claim_refs(claims, rows)
            refs.sort(key=_first)  # stable: in row order, and a claim's chain before its relations
            self._keep_refs(refs)

        return add_block

    def _sources_and_entities(self, block: Block, base: int) -> list[tuple[int, str, int, int]]:
        """Note who the block's entities speak for and who narrates its sources; their references."""
        refs = []
        for i, (d, kind) in enumerate(zip(block.records, block.types)):
            if kind == "entity" and (body := d.get("speaks_for")) is not None:
                self.speaks_for.setdefault(hash(d["id"]), (hash(body), base + i))
                refs.append((base + i, body, _SPEAKS_FOR, 0))
            elif kind == "source":
                self.seed_sources.append((d["seed_file"], hash(d["id"]), base + i,
                                          d["id"][4:] == d["seed_file"].partition("_")[0]))
                if (narrator := d.get("narrator_id")) is not None:
                    self.narrators.setdefault(hash(d["id"]), hash(narrator))
                    refs.append((base + i, narrator, _NARRATOR, 0))
        return refs

    def _run_keeper(self) -> Callable[[int, int, int], None]:
        """``new_run(row, file_index, line)``: start a run unless the row continues the last one."""
        starts, files, lines = self.run_starts, self.run_files, self.run_lines

        def new_run(row: int, file_index: int, line: int) -> None:
            if not starts or files[-1] != file_index or lines[-1] + (row - starts[-1]) != line:
                starts.append(row)
                files.append(file_index)
                lines.append(line)

        return new_run

    @staticmethod
    def _claim_refs(claims: list[dict], rows: list[int]) -> list[tuple[int, str, int, int]]:
        """The claims' references kept in the generic table: their chains' entities and their
        relations' targets, as (row, target id, kind, index in its list)."""
        refs = [(row, hop["entity_id"], _CHAIN, i) for row, d in zip(rows, claims)
                for i, hop in enumerate(d["attribution"].get("chain") or ()) if hop.get("entity_id") is not None]
        refs += [(row, rel["target"], _RELATION_CODE[rel["kind"]], i) for row, d in zip(rows, claims)
                 for i, rel in enumerate(d.get("relations") or ())]
        return refs

    def _keep_refs(self, refs: list[tuple[int, str, int, int]]) -> None:
        if refs:
            self.ref_rows.fromlist([ref[0] for ref in refs])
            self.ref_targets.fromlist([hash(ref[1]) for ref in refs])
            self.ref_kinds.fromlist([ref[2] for ref in refs])
            self.ref_index.fromlist([ref[3] for ref in refs])

    def extend(self, other: Facts, line_shift: int = 0) -> None:
        """Append another range's facts; its lines move down by ``line_shift``."""
        base = len(self.ids)
        for name in self.__dataclass_fields__:
            values = getattr(other, name)
            if name == "rejected":
                for rid, (index, line) in values.items():
                    self.rejected.setdefault(rid, (index, line + line_shift))
                continue
            if name == "rejected_evidence":
                for claim, evidence in values.items():
                    self.rejected_evidence.setdefault(claim, evidence)
                continue
            if name == "speaks_for":
                for entity, (body, row) in values.items():
                    self.speaks_for.setdefault(entity, (body, row + base))
                continue
            if name == "narrators":
                for source, narrator in values.items():
                    self.narrators.setdefault(source, narrator)
                continue
            if name == "seed_sources":
                self.seed_sources.extend((seed, source, row + base, numbered) for seed, source, row, numbered in values)
                continue
            if name in ("omitted", "error_limit"):  # (found only when resolving)
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
        run_files = np.frombuffer(self.run_files, dtype=np.uint32)
        run_lines = np.frombuffer(self.run_lines, dtype=np.uint32)

        def loc(row: int) -> tuple[int, int]:
            run = int(np.searchsorted(starts, row, "right")) - 1
            return int(run_files[run]), int(run_lines[run]) + int(row) - int(starts[run])

        self._loc, self._where = loc, where
        self._run_bounds = starts, run_files
        self._checked = np.repeat(run_files >= against_files, np.diff(np.append(starts, len(self.ids))))
        ids = np.frombuffer(self.ids, dtype=np.int64)
        yield from self._duplicates(ids, reread, where)
        yield from self._one_source_per_seed(reread, where)
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
        yield from self._sides_without_cycles(reread, where)
        yield from self._references(reread, where)
        yield from self._relations(reread)
        self._drop("claim_first_days", "claim_last_days", "ref_rows", "ref_targets", "ref_kinds", "ref_index")
        yield from self._verdicts(reread)
        self._sorted_small = None

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
        # Each repeated row and the first row of its id; the repeats in checked files are reported.
        order = np.argsort(ids[rows], kind="stable")
        sorted_rows = rows[order]
        starts_group = np.r_[True, ids[sorted_rows[1:]] != ids[sorted_rows[:-1]]]
        first_rows = sorted_rows[np.maximum.accumulate(np.where(starts_group, np.arange(len(order)), 0))]
        repeats = ~starts_group & self._checked[sorted_rows]
        by_row = np.argsort(sorted_rows[repeats], kind="stable")
        again, first_of = sorted_rows[repeats][by_row], first_rows[repeats][by_row]
        keep = self._first_of(again)
        again, first_of = again[keep], first_of[keep]
        records = reread([self._loc(r) for r in (*again.tolist(), *first_of.tolist())])
        for row, first_row in zip(again.tolist(), first_of.tolist()):
            loc, first_loc = self._loc(row), self._loc(first_row)
            rid = records[loc]["id"]
            if records[first_loc]["id"] == rid:  # (else two ids whose hashes collide: not a duplicate)
                yield loc, "/id", f"duplicate id {rid!r}: first used at {where(first_loc)}"

    # ---------------------------------------------------------- the cap

    def _first_of(self, rows: np.ndarray) -> np.ndarray:
        """Of problem rows in ascending order (one problem each, a row possibly more than once),
        which are among the first ``error_limit`` rows with a problem in their file; the others
        are counted in ``omitted``. Only what is reported is read again (the result is capped
        at the same number per file)."""
        keep = np.ones(len(rows), dtype=bool)
        if len(rows) <= self.error_limit:
            return keep
        starts, run_files = self._run_bounds
        files = run_files[np.searchsorted(starts, rows, "right") - 1]
        new_row = np.r_[True, rows[1:] != rows[:-1]]
        new_file = np.r_[True, files[1:] != files[:-1]]
        distinct = np.cumsum(new_row)
        before_file = np.maximum.accumulate(np.where(new_file, distinct - 1, 0))
        keep = distinct - before_file <= self.error_limit
        self.omitted.update(Counter(files[~keep].tolist()))
        return keep

    def _capped(self, problems: list, row: Callable = _first) -> list:
        """The problems (tuples) whose row is among the first reported of their file, in row order."""
        if len(problems) <= self.error_limit:
            return problems
        problems = sorted(problems, key=row)
        keep = self._first_of(np.fromiter(map(row, problems), dtype=np.int64, count=len(problems)))
        return [p for p, k in zip(problems, keep.tolist()) if k]

    def _one_source_per_seed(self, reread, where):
        """A seed file has one source record: under two source ids, an article could
        corroborate its own claims as if it were another source. Its id is 'src-' and the
        seed's number (``src-003`` of ``003_….txt``), compared as written; a second source
        of a seed is told that, not also that its id is not the seed's (it could not be)."""
        first: dict[str, tuple[int, int]] = {}  # seed file -> (source hash, row) of its first source
        twins, misnumbered = [], []
        for seed, source, row, numbered in sorted(self.seed_sources, key=lambda s: s[2]):
            if seed in first and source != first[seed][0]:
                if self._checked[row]:  # (one id twice is a duplicate id)
                    twins.append((row, first[seed][1]))
                continue
            first.setdefault(seed, (source, row))
            if not numbered and self._checked[row]:
                misnumbered.append(row)
        if not (twins or misnumbered):
            return
        records = reread([*(self._loc(r) for pair in twins for r in pair), *map(self._loc, misnumbered)])
        for row in misnumbered:
            d = records[self._loc(row)]
            number = d["seed_file"].partition("_")[0]
            yield self._loc(row), "/id", (f"source id {d['id']!r} does not match its seed file {d['seed_file']!r}: a source "
                                          f"id is 'src-' and the seed file's number, here 'src-{number}'")
        for row, first_row in twins:
            loc, first_loc = self._loc(row), self._loc(first_row)
            seed = records[loc]["seed_file"]
            yield loc, "/seed_file", (f"seed file {seed!r} already has its source {records[first_loc]['id']} "
                                      f"({where(first_loc)}): one source record per seed file")

    # ----------------------------------------------------------- sides

    def _sides_without_cycles(self, reread, where):
        """The side each entity is on: the body at the root of its ``speaks_for`` chain.
        An entity on a loop of ``speaks_for`` is reported and stays its own side."""
        speaks_for = self.speaks_for
        self._side, looping = sides({entity: body for entity, (body, _) in speaks_for.items()})
        rows = sorted(speaks_for[e][1] for e in looping if self._checked[speaks_for[e][1]])
        if rows:
            records = reread(self._loc(r) for r in rows)
            for row in rows:
                loc = self._loc(row)
                yield loc, "/speaks_for", (f"{records[loc]['id']!r} speaks for itself through a loop of speaks_for "
                                           "(one entity must be at the root of the chain)")

    def _sides(self, hashes: np.ndarray) -> np.ndarray:
        """The side of each entity hash (itself where it speaks for no one)."""
        if not self._side or not len(hashes):
            return hashes
        unique, inverse = np.unique(hashes, return_inverse=True)
        side = self._side
        return np.array([side.get(h, h) for h in unique.tolist()], dtype=np.int64)[inverse]

    def _speakers(self) -> np.ndarray:
        """Each evidence's speaker: its speaker_id, or for the outlet's own narration the
        narrator of its source (or, if the source names none, a voice of that source alone)."""
        speakers = np.frombuffer(self.evidence_speakers, dtype=np.int64)
        narrated = speakers == _NONE
        if not narrated.any():
            return speakers
        sources = np.frombuffer(self.evidence_sources, dtype=np.int64)[narrated]
        unique, inverse = np.unique(sources, return_inverse=True)
        narrators = self.narrators
        out = speakers.copy()
        out[narrated] = np.array([narrators.get(s, s) for s in unique.tolist()], dtype=np.int64)[inverse]
        return out

    # ------------------------------------------------------- references

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
        ref_kinds = np.frombuffer(self.ref_kinds, dtype=np.uint8)
        ref_index = np.frombuffer(self.ref_index, dtype=np.uint32)
        ref_rows, ref_targets = rows(self.ref_rows), hashes(self.ref_targets)
        is_relation = ref_kinds >= _RELATION
        for relations, table in ((False, small), (True, self._sorted_claims)):
            at = np.flatnonzero(is_relation == relations)
            for k, row in look(ref_rows[at], ref_targets[at], table):
                template, kind = _GENERIC[int(ref_kinds[at[k]])]
                missing.append((row, template.format(int(ref_index[at[k]])), kind))
        del evidence_rows, ref_kinds, ref_index, ref_rows, ref_targets  # views of columns dropped later
        missing = self._capped(missing)
        if not missing:
            return
        records = reread(self._loc(row) for row, _, _ in missing)
        for row, pointer, kind in missing:
            loc = self._loc(row)
            target = _at(records[loc], pointer)
            if target in self.rejected:
                yield loc, pointer, KnockOn(f"{kind} {target!r} is itself invalid (see {where(self.rejected[target])})")
            else:
                yield loc, pointer, f"{kind} {target!r} does not exist"

    def _relations(self, reread):
        """Symmetric relations come in pairs; an update points from a later claim to an earlier one."""
        kinds = np.frombuffer(self.ref_kinds, dtype=np.uint8)
        at = np.flatnonzero(kinds >= _RELATION)
        if not len(at):
            return
        ref_rows = np.frombuffer(self.ref_rows, dtype=np.uint32)[at]
        targets = np.frombuffer(self.ref_targets, dtype=np.int64)[at]
        kinds = kinds[at]
        index = np.frombuffer(self.ref_index, dtype=np.uint32)[at]
        ids = np.frombuffer(self.ids, dtype=np.int64)
        claim_rows = np.frombuffer(self.claim_rows, dtype=np.uint32)
        target_claim = _lookup(self._sorted_claims, self._claim_order, targets, self._pool)
        own_claim = np.searchsorted(claim_rows, ref_rows)  # relations are kept by claims only
        retracted = np.frombuffer(self.claim_retracted, dtype=np.int8) == 1
        # A retracted claim keeps its relations as they were: neither end of them is judged.
        checked = (self._checked[ref_rows] & (target_claim >= 0) & ~retracted[own_claim]
                   & ~retracted[np.where(target_claim >= 0, target_claim, 0)])
        problems: list[tuple[int, str, str]] = []  # (row, pointer, what) -- message written below

        symmetric = np.isin(kinds, [_RELATION_CODE[k] for k in SYMMETRIC_RELATIONS])
        forward = _pair_keys(ids[ref_rows], targets, kinds)[symmetric]
        backward = np.sort(_pair_keys(targets, ids[ref_rows], kinds)[symmetric])
        lonely = np.zeros(len(at), dtype=bool)
        lonely[symmetric] = _lookup(backward, None, forward) < 0
        for k in np.flatnonzero(lonely & checked):
            problems.append((int(ref_rows[k]), f"/relations/{int(index[k])}", "symmetric"))

        first = np.frombuffer(self.claim_first_days, dtype=np.int32)
        last = np.frombuffer(self.claim_last_days, dtype=np.int32)
        ordered = np.isin(kinds, [_RELATION_CODE[k] for k in TIME_ORDERED_RELATIONS])
        safe_target = np.where(target_claim >= 0, target_claim, 0)
        later = ordered & checked & (first[safe_target] > last[own_claim])
        for k in np.flatnonzero(later):
            problems.append((int(ref_rows[k]), f"/relations/{int(index[k])}/target", "later"))
        del first, last, ids, kinds
        problems = self._capped(problems)
        if not problems:
            return
        records = reread(self._loc(row) for row, _, _ in problems)
        targets_of = {}  # target claim id -> its record, for the dates in messages
        for row, pointer, what in problems:
            loc = self._loc(row)
            d = records[loc]
            rel = d["relations"][int(pointer.split("/")[2])]
            if what == "symmetric":
                yield loc, pointer, (f"'{rel['kind']}' goes both ways: {rel['target']} has no '{rel['kind']}' "
                                     f"relation back to {d['id']}")
            else:
                targets_of[(loc, pointer)] = rel
        if targets_of:
            wanted = {}
            for (loc, pointer), rel in targets_of.items():
                k = int(np.searchsorted(self._sorted_claims, hash(rel["target"])))
                wanted[(loc, pointer)] = self._loc(int(claim_rows[self._claim_order[k]]))
            target_records = reread(wanted.values())
            for (loc, pointer), rel in targets_of.items():
                d, target = records[loc], target_records[wanted[(loc, pointer)]]
                when, then = d["claim_date"], target["claim_date"]
                yield loc, pointer, (f"'{rel['kind']}' points from a later claim to an earlier one, but {rel['target']} is "
                                     f"dated {then['value']} ({then['precision']}), after this claim "
                                     f"({when['value']}, {when['precision']}): put the relation on {rel['target']}, "
                                     f"pointing here")

    # ---------------------------------------------------------- verdicts

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
        kinds = np.frombuffer(self.evidence_kinds, dtype=np.int8)
        related = (kinds & _RELATED) != 0
        stance = kinds & 3
        # A retracted passage stays in the data and counts for nothing (its own rules still ran).
        retracted_ev = (kinds & _RETRACTED) != 0
        known = (ev_claim >= 0) & ~retracted_ev
        del kinds
        self._drop("evidence_kinds")
        safe_claim = np.where(known, ev_claim, 0)
        ev_sources = np.frombuffer(self.evidence_sources, dtype=np.int64)
        claim_sources = np.frombuffer(self.claim_sources, dtype=np.int64)
        own = known & (ev_sources == claim_sources[safe_claim])  # from the claim's own source
        speakers = self._speakers()
        claimants = np.frombuffer(self.claim_claimants, dtype=np.int64)
        ev_claimant = claimants[safe_claim]
        by_claimant = known & (speakers == ev_claimant)  # the claimant's own words
        same_side = known & (self._sides(speakers) == self._sides(ev_claimant))
        # Who speaks is known only where both entities exist (a missing one is reported as such).
        speakers_known = known & (_lookup(self._sorted_small, None, ev_claimant) >= 0) & (
            (_lookup(self._sorted_small, None, speakers) >= 0) | (np.frombuffer(self.evidence_speakers, dtype=np.int64) == _NONE))
        del ev_sources, claim_sources, speakers, claimants, ev_claimant
        self._drop("evidence_sources", "claim_sources", "evidence_speakers", "claim_claimants")
        deciding = known & related & ~own & ~same_side

        def count(mask: np.ndarray) -> np.ndarray:
            return np.bincount(ev_claim[mask], minlength=n).astype(np.int32)

        has_evidence = count(known) > 0
        has_origin = count(known & ~related & own) > 0
        attesting = known & ~own & (stance == _ATTESTS)
        attested_by = count(attesting)
        per_stance = [count(deciding & (stance == s)) for s in range(len(STANCES))]
        evidence_rows = np.frombuffer(self.evidence_rows, dtype=np.uint32)
        checked_ev = self._checked[evidence_rows]
        # The claimant's own words cannot corroborate; 'attests' needs the claimant's side to speak.
        own_words = np.flatnonzero(checked_ev & by_claimant & ((stance == _SUPPORTS) | (stance == _REFUTES)))
        foreign_attests = np.flatnonzero(checked_ev & speakers_known & ~same_side & (stance == _ATTESTS))
        del by_claimant, same_side, checked_ev, speakers_known

        # Cited evidence (verdicts and attestations): does it exist, belong to the citing claim,
        # and decide (or attest)?
        # Claims judged without one of their evidence records, refused for its shape: what is
        # found wrong with their verdict may follow from that (a knock-on, which names it).
        refused = {hash(claim): evidence for claim, evidence in self.rejected_evidence.items()}
        claim_hashes = ids[claim_rows] if refused else None

        def said(c: int, text: str) -> str:
            evidence = refused.get(int(claim_hashes[c])) if refused else None
            if evidence is None:
                return text
            return KnockOn(f"{text} (judged without {evidence!r}, which is itself invalid: see "
                           f"{self._where(self.rejected[evidence])})")

        evidence = ids[evidence_rows]
        del ids
        self._drop("ids")
        ev_order = np.argsort(evidence, kind="stable").astype(np.int32)
        evidence.sort()  # in place: the hashes in ev_order's order

        def cited(rows_column: array, ids_column: array, counts_as: np.ndarray):
            """(positions of citations not of their claim, the evidence index or -1 of each,
            and per claim the stances of its valid citations that ``counts_as``)."""
            cited_ids = np.frombuffer(ids_column, dtype=np.int64)
            cited_rows = np.frombuffer(rows_column, dtype=np.uint32)
            stances = np.zeros((n, len(STANCES)), dtype=bool)
            foreign_at: list[tuple[int, int]] = []
            # With threads, all lookups at once, side by side; else a slice at a time (less memory).
            cited_ev = _lookup(evidence, ev_order, cited_ids, self._pool) if self._pool is not None else None
            for lo in range(0, len(cited_ids), _STEP):
                claim_part = np.searchsorted(claim_rows, cited_rows[lo:lo + _STEP])  # citations are rows of claims
                part = cited_ev[lo:lo + _STEP] if cited_ev is not None else _lookup(evidence, ev_order, cited_ids[lo:lo + _STEP])
                found = part >= 0
                row = np.where(found, part, 0)
                ok = found & (ev_claim[row] == claim_part) if len(ev_claim) else found
                if len(ev_claim):
                    ok &= ~retracted_ev[row]  # a retracted passage may not be cited either
                bad = np.flatnonzero(~ok)
                foreign_at.extend(zip((lo + bad).tolist(), part[bad].tolist()))
                counted = ok & counts_as[row] if len(ev_claim) else ok
                stances[claim_part[counted], stance[part[counted]]] = True
            return foreign_at, stances, cited_rows

        foreign_cited, cited_stances, cited_rows = cited(self.cited_rows, self.cited_evidence, deciding)
        foreign_attesting, attesting_stances, attesting_rows = cited(self.attesting_rows, self.attesting_evidence, attesting)
        del evidence, ev_order, deciding

        labels = np.frombuffer(self.claim_labels, dtype=np.int8)
        has_verdict = labels != _NO_VERDICT
        checked = self._checked[claim_rows]
        # The expected label of every claim at once; Python looks only at the claims that fail.
        supports, refutes = per_stance[_SUPPORTS] > 0, per_stance[_REFUTES] > 0
        expected = np.where(supports & refutes, _LABEL_CODE["conflicting_evidence"],
                            np.where(supports, _LABEL_CODE["supported"],
                                     np.where(refutes, _LABEL_CODE["refuted"], _LABEL_CODE["not_enough_evidence"])))
        judged = checked & first & (np.frombuffer(self.claim_retracted, dtype=np.int8) == 0)
        judged_verdict = judged & has_verdict & has_evidence
        wrong_label = judged_verdict & (labels != expected)
        uncited = (((supports & ~cited_stances[:, _SUPPORTS]) | (refutes & ~cited_stances[:, _REFUTES]))
                   & judged_verdict & ~wrong_label)
        attested = np.frombuffer(self.claim_attested, dtype=np.int8) == 1
        wrong_attestation = judged & has_evidence & (attested != (attested_by > 0))
        messages = []

        def capped(mask: np.ndarray) -> np.ndarray:
            """The claims of a mask, those of the first reported a file (claims are in row order)."""
            found = np.flatnonzero(mask)
            return found[self._first_of(claim_rows[found].astype(np.int64))]

        for c in capped(judged & ~has_evidence):
            messages.append((self._loc(claim_rows[c]), "", said(c, "claim has no evidence record (every claim needs its origin passage at least)")))
        need_source = [(self._loc(claim_rows[c]), c) for c in capped(judged & has_evidence & ~has_origin)]
        for c in capped(wrong_label):
            counts = ", ".join(f"{STANCES[s]}={int(per_stance[s][c])}" for s in (_SUPPORTS, _REFUTES))
            messages.append((self._loc(claim_rows[c]), "/verdict/label", said(c,
                             f"verdict {LABELS[labels[c]]!r} does not follow from the independent evidence (related "
                             f"passages of other sources whose speaker is not on the claimant's side: {counts}): "
                             f"expected {LABELS[expected[c]]!r}")))
        for c in capped(uncited):
            label = LABELS[expected[c]]
            missing = sorted(DECISIVE[label] - {STANCES[s] for s in np.flatnonzero(cited_stances[c])})
            messages.append((self._loc(claim_rows[c]), "/verdict/evidence_ids", said(c,
                             f"a {label!r} verdict must cite the independent evidence that decides it: none cited with stance {' or '.join(missing)}")))
        for c in capped(wrong_attestation):
            if attested[c]:
                text = "'attested' needs a passage of another source with stance 'attests' (the claimant's side making this statement)"
            else:
                text = (f"{int(attested_by[c])} passage(s) of other sources attest this statement (stance 'attests'): "
                        "the label is 'attested', with their ids in evidence_ids")
            messages.append((self._loc(claim_rows[c]), "/attestation/label", said(c, text)))
        lists_any = np.bincount(np.searchsorted(claim_rows, attesting_rows), minlength=n) > 0  # (none: a single-record rule)
        for c in capped(judged & attested & (attested_by > 0) & lists_any & ~attesting_stances[:, _ATTESTS]):
            messages.append((self._loc(claim_rows[c]), "/attestation/evidence_ids",
                             said(c, "an 'attested' claim lists at least one attesting passage of another source")))

        def foreign(foreign_at, cited_rows, field):
            out = []  # (claim location, pointer, index among its citations, evidence location or None)
            reported = [(k, ev_index) for k, ev_index in foreign_at
                        if checked[c := int(np.searchsorted(claim_rows, cited_rows[k]))] and first[c] and has_evidence[c]]
            for k, ev_index in self._capped(reported, lambda kv: int(cited_rows[kv[0]])):
                c = int(np.searchsorted(claim_rows, cited_rows[k]))
                index = k - int(np.searchsorted(cited_rows, cited_rows[k]))  # a claim's citations are consecutive
                out.append((self._loc(claim_rows[c]), field, index,
                            self._loc(evidence_rows[ev_index]) if ev_index >= 0 else None))
            return out

        strangers = (foreign(foreign_cited, cited_rows, "verdict")
                     + foreign(foreign_attesting, attesting_rows, "attestation"))
        own_word_locs = [self._loc(r) for r in evidence_rows[own_words][self._first_of(evidence_rows[own_words].astype(np.int64))]]
        foreign_attest_locs = [self._loc(r) for r in
                               evidence_rows[foreign_attests][self._first_of(evidence_rows[foreign_attests].astype(np.int64))]]
        yield from messages
        if not (need_source or strangers or own_word_locs or foreign_attest_locs):
            return
        records = reread([*(loc for loc, _ in need_source), *(loc for loc, _, _, _ in strangers),
                          *(ev for _, _, _, ev in strangers if ev is not None), *own_word_locs, *foreign_attest_locs])
        for loc, c in need_source:
            yield loc, "", said(c, f"claim has no evidence with role 'origin' in its own source {records[loc]['source_id']}")
        for loc, field_name, index, ev_loc in strangers:
            ev_id = records[loc][field_name]["evidence_ids"][index]
            if ev_loc is None and ev_id in self.rejected:
                text = KnockOn(f"cited evidence {ev_id!r} is itself invalid (see {self._where(self.rejected[ev_id])})")
            elif ev_loc is None:
                text = f"cited evidence {ev_id!r} does not exist"
            elif records[ev_loc]["claim_id"] == records[loc]["id"]:
                text = f"cited evidence {ev_id!r} is retracted: it counts for nothing, cite what decides instead"
            else:
                text = f"cited evidence {ev_id!r} is evidence for {records[ev_loc]['claim_id']}, not for this claim"
            yield loc, f"/{field_name}/evidence_ids/{index}", text
        for loc in own_word_locs:
            d = records[loc]
            yield loc, "/stance", (f"the passage's speaker is the claimant ({d['speaker_id'] or 'the narrator of ' + d['source_id']}): "
                                   f"the claimant's own words attest that the statement was made, they cannot "
                                   f"{d['stance'][:-1]} it; use 'attests' (or 'neutral')")
        for loc in foreign_attest_locs:
            d = records[loc]
            yield loc, "/stance", (f"'attests' means the claimant's side makes the statement, but the speaker "
                                   f"{d['speaker_id'] or 'the narrator of ' + d['source_id']} is not on the claimant's side "
                                   "(see speaks_for): use 'supports', 'refutes' or 'neutral'")


def _at(record: dict, pointer: str):
    value = record
    for part in pointer.strip("/").split("/"):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value
