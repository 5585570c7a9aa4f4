"""The checker: streams record files through the line checks and the rules.

:func:`validate` fills a :class:`~factset.result.Result` and prints nothing.
Memory stays flat as files grow: each line is checked and dropped, and only a
compact summary of each record (:class:`~factset.rules.Facts`) is kept for
the rules across records, resolved once at the end. ``jobs > 1`` splits the
files into byte ranges checked by forked worker processes; the result,
errors included, is the same as with one job.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .linecheck import LineChecker
from .loader import DEFAULT_MAX_LINE_BYTES, EMPTY_FILE, expand, line_range, parse_object, too_long
from .result import Error, Result
from .rules import Facts, SourceInfo, record_findings
from .seeds import SeedStore, default_seed_dir

CHUNK_BYTES = 8 << 20  # a worker's share of a file; small enough to balance, large enough to amortise


@dataclass(frozen=True)
class Options:
    seed_dir: Path
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    fast: bool = True


@dataclass(frozen=True)
class Task:
    file_index: int
    path: str
    start: int
    end: int | None
    checked: bool  # False for published records given with --against: used, not reported


@dataclass
class TaskResult:
    lines: int = 0  # lines read (to number the next range of the same file)
    records: int = 0  # non-blank lines
    errors: list[Error] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    facts: Facts = field(default_factory=Facts)
    deferred: list[int] = field(default_factory=list)  # lines of records whose source was not known yet
    sources: dict = field(default_factory=dict)  # sources found in this range


# ---------------------------------------------------------------- one range

_STATE: dict = {}  # per process: the checker, seeds and known sources (set before forking)


def _init(options: Options, sources: dict[str, SourceInfo]) -> None:
    _STATE.update(checker=LineChecker(fast=options.fast), seeds=SeedStore(options.seed_dir), sources=dict(sources), options=options)


def _run(task: Task) -> TaskResult:
    checker, seeds, sources, options = _STATE["checker"], _STATE["seeds"], _STATE["sources"], _STATE["options"]
    out = TaskResult()
    limit, checked, path, index = options.max_line_bytes, task.checked, task.path, task.file_index
    errors, counts, facts, deferred = out.errors, out.counts, out.facts, out.deferred
    check, add = checker.check, facts.adder()
    records = number = 0
    for number, raw, length in line_range(Path(path), task.start, task.end, limit):
        if length > limit:
            records += 1
            if checked:
                errors.append(Error(path, number, "", "read", too_long(length, limit)))
            continue
        if not raw.strip():
            continue
        records += 1
        record, findings, data = check(raw, task.start == 0 and number == 1)
        if findings or record is None:
            rid = data.get("id") if data is not None and isinstance(data.get("id"), str) else None
            if checked:
                errors.extend(Error(path, number, at, stage, msg, rid) for at, stage, msg in findings)
            if record is None:
                if rid is not None:
                    facts.rejected.setdefault(rid, (index, number))
                continue
        kind = record["type"]
        if kind == "source" and record["id"] not in sources:
            sources[record["id"]] = out.sources[record["id"]] = SourceInfo.of(record)
        if checked:
            counts[kind] += 1
            if kind != "entity" and kind != "source" and record["source_id"] not in sources:
                deferred.append(number)
            else:
                found = record_findings(record, sources, seeds)
                if found:
                    errors.extend(Error(path, number, at, "rules", msg, record["id"]) for at, msg in found)
        add(record, index, number)
    out.lines, out.records = number, records
    return out


# ---------------------------------------------------------------- all files


def validate(
    paths: Iterable[Path],
    against: Iterable[Path] = (),
    seed_dir: Path | None = None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    jobs: int = 1,
    fast: bool = True,
    progress: bool = False,
) -> Result:
    """Check the records of ``paths``; ``against`` holds published records they may refer to.

    Records of ``against`` are trusted (they were validated when released):
    they resolve references and claim ids, and are not themselves reported on.
    """
    options = Options(seed_dir or default_seed_dir(), max_line_bytes, fast)
    files = [(p, False) for p in expand(list(against))] + [(p, True) for p in expand(list(paths))]
    names = [str(p) for p, _ in files]
    checker = LineChecker(fast=fast)
    sources = _find_sources(files, checker, max_line_bytes)
    tasks = _tasks(files)

    result = Result(files=sum(checked for _, checked in files))
    facts = Facts()
    deferred: list[tuple[int, int]] = []
    found_sources = dict(sources)
    lines_seen: Counter = Counter()
    records_seen: Counter = Counter()
    bar = _progress_bar(sum(_size(p) for p, _ in files)) if progress else None
    for task, out in zip(tasks, _execute(tasks, jobs, options, sources)):
        shift = lines_seen[task.file_index]
        lines_seen[task.file_index] += out.lines
        records_seen[task.file_index] += out.records
        result.errors.extend(_shifted(e, shift) for e in out.errors)
        result.records.update(out.counts)
        facts.extend(out.facts, line_shift=shift)
        deferred.extend((task.file_index, line + shift) for line in out.deferred)
        for source_id, info in out.sources.items():
            found_sources.setdefault(source_id, info)
        if bar is not None:
            bar.update((task.end or _size(Path(task.path))) - task.start)
    if bar is not None:
        bar.close()

    for index, (path, checked) in enumerate(files):
        if checked and records_seen[index] == 0:
            result.errors.append(Error(str(path), 0, "", "read", EMPTY_FILE))

    # Records that came before their source (in the pass) are checked now that every source is known.
    reread = _Reread(names, max_line_bytes)
    seeds = SeedStore(options.seed_dir)
    records = reread(deferred)
    for loc in sorted(deferred):
        found = record_findings(records[loc], found_sources, seeds)
        result.errors.extend(Error(names[loc[0]], loc[1], at, "rules", msg, records[loc]["id"]) for at, msg in found)

    found = list(facts.resolve(len(files) - result.files, reread, lambda loc: f"{names[loc[0]]}:{loc[1]}"))
    records = reread(loc for loc, _, _ in found)
    for loc, at, message in found:
        result.errors.append(Error(names[loc[0]], loc[1], at, "rules", message, records[loc]["id"]))
    return result


def _shifted(error: Error, shift: int) -> Error:
    if not shift or error.line == 0:
        return error
    return Error(error.path, error.line + shift, error.pointer, error.stage, error.message, error.record_id)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _tasks(files: list[tuple[Path, bool]]) -> list[Task]:
    """Byte ranges of the files, each starting at a line start (the same with any number of jobs)."""
    tasks = []
    for index, (path, checked) in enumerate(files):
        size = _size(path)
        if size <= CHUNK_BYTES:
            tasks.append(Task(index, str(path), 0, None, checked))
            continue
        cuts = [0]
        with open(path, "rb") as handle:
            for nominal in range(CHUNK_BYTES, size, CHUNK_BYTES):
                handle.seek(max(nominal, cuts[-1]))
                handle.readline()  # to the start of the next line
                if handle.tell() >= size:
                    break
                if handle.tell() > cuts[-1]:
                    cuts.append(handle.tell())
        bounds = [*cuts, None]
        tasks.extend(Task(index, str(path), a, b, checked) for a, b in zip(bounds, bounds[1:]))
    return tasks


def _execute(tasks: list[Task], jobs: int, options: Options, sources: dict[str, SourceInfo]):
    if jobs <= 1 or len(tasks) <= 1:
        _init(options, sources)
        return map(_run, tasks)
    # fork: workers share the parent's str hash seed, so their id hashes agree.
    pool = multiprocessing.get_context("fork").Pool(jobs, initializer=_init, initargs=(options, sources))
    return _closing(pool, pool.imap(_run, tasks))


def _closing(pool, results):
    try:
        yield from results
    finally:
        pool.close()
        pool.join()


def _find_sources(files: list[tuple[Path, bool]], checker: LineChecker, limit: int) -> dict[str, SourceInfo]:
    """Source records, found before the pass so that any range can check quotes.

    A quick byte search for lines holding ``"source"``; a source written in
    some other way is still found in the pass, and records that needed it
    earlier are checked at the end.
    """
    sources: dict[str, SourceInfo] = {}
    for path, _ in files:
        with open(path, "rb") as handle:
            carry, offset = b"", 0  # carry: the unfinished last line of the previous block
            while block := handle.read(8 << 20):
                data, base = carry + block, offset - len(carry)
                cut = data.rfind(b"\n") + 1
                at = data.find(b'"source"', 0, cut)
                while at != -1:
                    start, end = data.rfind(b"\n", 0, at) + 1, data.find(b"\n", at)
                    _add_source(sources, checker, data[start:end], base + start == 0, limit)
                    at = data.find(b'"source"', end, cut)
                carry = data[cut:] if len(data) - cut <= limit else b""
                offset += len(block)
            if carry and b'"source"' in carry:
                _add_source(sources, checker, carry, offset == len(carry), limit)
    return sources


def _add_source(sources: dict, checker: LineChecker, raw: bytes, first_line: bool, limit: int) -> None:
    if len(raw) < limit:
        record, _, _ = checker.check(raw, first_line=first_line)
        if record is not None and record["type"] == "source":
            sources.setdefault(record["id"], SourceInfo.of(record))


class _Reread:
    """Records at given locations, read again (and kept) when a message needs them."""

    def __init__(self, names: list[str], limit: int):
        self.names, self.limit, self.cache = names, limit, {}

    def __call__(self, locs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], dict]:
        by_file: dict[int, set[int]] = {}
        for index, line in set(locs) - set(self.cache):
            by_file.setdefault(index, set()).add(line)
        for index, lines in by_file.items():
            last = max(lines)
            for number, raw, _ in line_range(Path(self.names[index]), 0, None, self.limit):
                if number in lines:
                    self.cache[(index, number)] = parse_object(raw.decode("utf-8"))
                if number >= last:
                    break
        return self.cache


def _progress_bar(total: int):
    """A progress bar on a terminal; none when piped or in CI."""
    if os.environ.get("CI") or not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="B", unit_scale=True, desc="validating", file=sys.stderr, leave=False)
