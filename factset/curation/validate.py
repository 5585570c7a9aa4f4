"""The checker: streams record files through the line checks and the rules.

:func:`validate` fills a :class:`~factset.curation.result.Result` and prints nothing.
Memory stays flat as files grow: each chunk of lines is checked and dropped,
and only a compact summary of each record (:class:`~factset.curation.facts.Facts`) is
kept for the rules across records, resolved once at the end. ``jobs > 1`` splits the
files into byte ranges checked by forked worker processes; the result,
errors included, is the same as with one job.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import jiter
import numpy as np

from .fast_path import BlockChecker, LineChecker
from .loader import DEFAULT_MAX_LINE_BYTES, EMPTY_FILE, inputs, line_chunks, line_range, too_long
from .result import MAX_ERRORS_PER_FILE, Error, Result, keep_first
from .facts import Facts
from .record_rules import SourceInfo, needing_rules, record_findings
from .registry import Registry, choose as choose_registry
from .seeds import SeedStore, default_seed_dir

RANGE_BYTES = 8 << 20  # a byte range, a task: small enough to balance workers, large enough to amortise


@dataclass(frozen=True)
class Options:
    seed_dir: Path
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    fast: bool = True
    topics: Registry | None = None  # None: topics are not checked


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
    deferred: array = field(default_factory=lambda: array("I"))  # lines of records whose source was not known yet
    sources: dict = field(default_factory=dict)  # sources found in this range
    omitted: Counter = field(default_factory=Counter)  # errors beyond the cap (result.keep_first), by path


# ---------------------------------------------------------------- one range

_STATE: dict = {}  # per process: the checkers, seeds, options and the sources known so far


def _init(options: Options) -> None:
    _STATE.update(checker=LineChecker(fast=options.fast), blocks=BlockChecker() if options.fast else None,
                  seeds=SeedStore(options.seed_dir), sources={}, options=options)


def _run(task: Task) -> TaskResult:
    """Check one byte range: a chunk of lines at a time where the block checker vouches
    for all of them, else line by line; the result is the same either way."""
    checker, seeds, sources, options = _STATE["checker"], _STATE["seeds"], _STATE["sources"], _STATE["options"]
    topics = options.topics
    check_block = _STATE["blocks"].check if _STATE["blocks"] is not None else None
    out = TaskResult()
    limit, checked, path, index = options.max_line_bytes, task.checked, task.path, task.file_index
    errors, counts, facts, deferred = out.errors, out.counts, out.facts, out.deferred
    check, add, add_block = checker.check, facts.adder(), facts.block_adder()
    texts: dict[str, str] = {}  # seed text by source id, for the sources known so far
    records = number = 0

    def know_text(info: SourceInfo) -> None:
        text = seeds.text_of(info.seed_file, info.sha256)
        if text is not None:
            texts[info.id] = text

    def new_source(record: dict) -> None:
        info = sources[record["id"]] = out.sources[record["id"]] = SourceInfo.of(record, trusted=not checked)
        know_text(info)

    def rules(record: dict, kind: str, number: int) -> None:
        if kind == "source" and record["id"] not in sources:
            new_source(record)
        if not checked:
            return
        if kind != "entity" and kind != "source" and record["source_id"] not in sources:
            deferred.append(number)
            return
        found = record_findings(record, sources, seeds, topics)
        if found:
            errors.extend(Error(path, number, at, "rules", msg, record["id"]) for at, msg in found)

    def one_line(number: int, raw: bytes) -> None:
        record, findings, data = check(raw, task.start == 0 and number == 1)
        if findings or record is None:
            rid = data.get("id") if data is not None and isinstance(data.get("id"), str) else None
            if checked:
                errors.extend(Error(path, number, at, stage, msg, rid) for at, stage, msg in findings)
            if record is None:
                if rid is not None:
                    facts.rejected.setdefault(rid, (index, number))
                    if data.get("type") == "evidence" and isinstance(data.get("claim_id"), str):
                        facts.rejected_evidence.setdefault(data["claim_id"], rid)
                return
        kind = record["type"]
        if checked:
            counts[kind] += 1
        rules(record, kind, number)
        add(record, index, number)

    for info in sources.values():
        know_text(info)
    for chunk, overlong in line_chunks(Path(path), task.start, task.end, limit):
        first = number + 1
        if overlong:
            number = first
            records += 1
            if checked:
                errors.append(Error(path, first, "", "read", too_long(overlong, limit)))
            continue
        block = check_block(chunk) if check_block is not None else None
        if block is None:
            for number, raw in enumerate(chunk.split(b"\n"), start=first):
                if raw.strip():
                    records += 1
                    one_line(number, raw)
            if len(errors) > _CAP_AT:
                errors[:] = keep_first(errors, out.omitted)
            continue
        number += len(block.records)
        records += len(block.records)
        if checked:
            counts.update(block.types)
        for i in needing_rules(block, texts, sources, topics):
            rules(block.records[i], block.types[i], first + i)
        add_block(block, index, first)
        if len(errors) > _CAP_AT:
            errors[:] = keep_first(errors, out.omitted)
    if len(errors) > _CAP_AT:
        errors[:] = keep_first(errors, out.omitted)
    out.lines, out.records = number, records
    return out


_CAP_AT = 4 * MAX_ERRORS_PER_FILE  # errors held before the surplus is counted and let go


# ---------------------------------------------------------------- all files


def validate(
    paths: Iterable[Path],
    against: Iterable[Path] = (),
    seed_dir: Path | None = None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    jobs: int = 1,
    fast: bool = True,
    progress: bool = False,
    topics: Path | None = None,
) -> Result:
    """Check the records of ``paths``; ``against`` holds published records they may refer to.

    Records of ``against`` are trusted (they were validated when released):
    they resolve references and claim ids, and are not themselves reported on.
    Topics are checked against the registry ``topics``, by default the one that
    applies (:mod:`factset.curation.registry`).
    """
    against = [Path(p) for p in against]
    registry = choose_registry(against, topics)
    options = Options(seed_dir or default_seed_dir(), max_line_bytes, fast, registry.registry)
    paths = [Path(p) for p in paths]
    checked_files, skipped = inputs(paths)
    published, skipped_published = inputs(against)
    # A file given both ways is checked (and so not also trusted): each file is read once.
    checked_ids = {_identity(p) for p in checked_files}
    files = [(p, False) for p in published if _identity(p) not in checked_ids] + [(p, True) for p in checked_files]
    named = {p for p in paths if not p.is_dir()}
    names = [str(p) for p, _ in files]
    tasks = _tasks(files)
    jobs = max(1, min(jobs, os.cpu_count() or 1))  # more processes than cores only cost memory

    result = Result(files=sum(checked for _, checked in files))
    result.errors.extend(Error(str(path), 0, "", "read", reason) for path, reason in skipped_published + skipped)
    if registry.error is not None:
        exc = registry.error
        result.errors.append(Error(str(exc.path), exc.line, exc.pointer, "read", exc.reason))
    if registry.note is not None:
        result.notes.append(registry.note)
    facts = Facts()
    deferred: dict[int, array] = {}  # file index -> lines
    bar = _progress_bar(sum(_size(p) for p, _ in files)) if progress else None
    results = _execute(tasks, jobs, options)
    found_sources: dict[str, SourceInfo] = {}
    lines_seen: Counter = Counter()
    records_seen: Counter = Counter()
    with _collector_paused(), _closed(results):
        for task, out in zip(tasks, results):
            shift = lines_seen[task.file_index]
            lines_seen[task.file_index] += out.lines
            records_seen[task.file_index] += out.records
            result.errors.extend(_shifted(e, shift) for e in out.errors)
            result.omitted.update(out.omitted)
            if len(result.errors) > _CAP_AT:
                result.cap()
            result.records.update(out.counts)
            facts.extend(out.facts, line_shift=shift)
            if out.deferred:
                lines = deferred.setdefault(task.file_index, array("I"))
                lines.extend(np.frombuffer(out.deferred, dtype=np.uint32) + np.uint32(shift))
            for source_id, info in out.sources.items():
                found_sources.setdefault(source_id, info)
            if bar is not None:
                bar.update((task.end or _size(Path(task.path))) - task.start)
    if bar is not None:
        bar.close()

    for index, (path, checked) in enumerate(files):
        # A file given by name must hold records (an empty contribution is a mistake); one found in a
        # folder may be empty: the claims file 'factset add-source' creates awaits its first claim.
        if checked and records_seen[index] == 0 and path in named:
            result.errors.append(Error(str(path), 0, "", "read", EMPTY_FILE))
    for folder in (p for p in paths if p.is_dir()):  # a folder, though, must hold some
        inside = [i for i, (path, checked) in enumerate(files) if checked and folder in path.parents]
        if inside and not any(records_seen[i] for i in inside):
            result.errors.append(Error(str(folder), 0, "", "read", "no records found: the folder's *.jsonl files are empty"))

    # Records that came before their source (in the pass) are checked now that every source is known.
    reread = _Reread(names, max_line_bytes)
    seeds = _STATE["seeds"]  # this process's store (_execute set it up), its texts already read
    for (index, line), record in reread.each(deferred):
        found = record_findings(record, found_sources, seeds, options.topics)
        result.errors.extend(Error(names[index], line, at, "rules", msg, record["id"]) for at, msg in found)
        if len(result.errors) > _CAP_AT:
            result.cap()

    found = list(facts.resolve(len(files) - result.files, reread, lambda loc: f"{names[loc[0]]}:{loc[1]}", threads=jobs))
    records = reread(loc for loc, _, _ in found)
    for loc, at, message in found:
        result.errors.append(Error(names[loc[0]], loc[1], at, "rules", message, records[loc]["id"]))
    for index, n in facts.omitted.items():
        result.omitted[names[index]] += n
    result.cap()
    return result


@contextmanager
def _closed(results: Iterator):
    """Close a generator of results when the loop over it ends, even by Ctrl-C: now, not
    whenever the interrupted frame is let go."""
    try:
        yield
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()


@contextmanager
def _collector_paused():
    """Pause the cyclic garbage collector: records are acyclic, so reference counting
    frees them, and the collector would only walk each chunk's fresh dicts again (~3 %)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _shifted(error: Error, shift: int) -> Error:
    if not shift or error.line == 0:
        return error
    return Error(error.path, error.line + shift, error.pointer, error.stage, error.message, error.record_id)


def _identity(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_dev, info.st_ino


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
        if size <= RANGE_BYTES:
            tasks.append(Task(index, str(path), 0, None, checked))
            continue
        cuts = [0]
        with open(path, "rb") as handle:
            for nominal in range(RANGE_BYTES, size, RANGE_BYTES):
                if nominal < cuts[-1]:  # inside the long line just crossed: the same cut
                    continue
                at = _next_line_start(handle, nominal)
                if at >= size:
                    break
                cuts.append(at)
        bounds = [*cuts, None]
        tasks.extend(Task(index, str(path), a, b, checked) for a, b in zip(bounds, bounds[1:]))
    return tasks


def _next_line_start(handle, at: int) -> int:
    """The offset after the first newline at or after ``at`` (the file's end if none),
    read a block at a time: a line of any length is never held whole."""
    handle.seek(at)
    while block := handle.read(64 << 10):
        newline = block.find(b"\n")
        if newline != -1:
            return at + newline + 1
        at += len(block)
    return at


def _execute(tasks: list[Task], jobs: int, options: Options) -> Iterator[TaskResult]:
    """The results of the tasks, in order.

    Sources are met as the files are read (they usually lead a file); a record
    read before its source is checked once every source is known. With
    ``jobs > 1`` the first range is checked here before the workers start, so
    that each worker begins knowing the sources it holds.
    """
    _init(options)
    if jobs <= 1 or len(tasks) <= 1:
        return map(_run, tasks)
    import multiprocessing  # only here: one job is the common case, and the import costs ~8 ms

    if "fork" not in multiprocessing.get_all_start_methods():
        return map(_run, tasks)  # (without fork, as on Windows, one process: the result is the same)
    first = _run(tasks[0])
    # fork: workers inherit the checkers and the sources known so far, and the parent's
    # str hash seed, so their id hashes agree.
    # SIGINT is held while the workers are forked, so that none is interrupted before it ignores it.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pool = multiprocessing.get_context("fork").Pool(min(jobs, len(tasks) - 1), initializer=_worker_init)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
    return _pooled(first, pool, tasks[1:])


def _worker_init() -> None:
    """A worker leaves Ctrl-C to the parent (which ends the pool), and its collector off (as
    _collector_paused)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    gc.disable()


def _pooled(first: TaskResult, pool, tasks: list[Task]) -> Iterator[TaskResult]:
    """The first result, then the pool's in order; the pool is ended whatever happens (on
    Ctrl-C or an error its workers are terminated, not waited for: they would never finish)."""
    finished = False
    try:
        yield first
        yield from pool.imap(_run, tasks)
        finished = True
    finally:
        if finished:
            pool.close()
        else:
            pool.terminate()
        pool.join()


class _Reread:
    """Records at given locations, read again when a message needs them."""

    def __init__(self, names: list[str], limit: int):
        self.names, self.limit, self.cache = names, limit, {}

    def __call__(self, locs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], dict]:
        """The records at ``locs``, kept for later calls (messages need only a few)."""
        by_file: dict[int, set[int]] = {}
        for index, line in set(locs) - set(self.cache):
            by_file.setdefault(index, set()).add(line)
        for loc, record in self.each(by_file):
            self.cache[loc] = record
        return self.cache

    def each(self, lines_by_file: dict[int, Iterable[int]]) -> Iterator[tuple[tuple[int, int], dict]]:
        """``((file, line), record)`` for the given lines, in file order, kept nowhere
        (all the records of a large file may be asked for)."""
        for index in sorted(lines_by_file):
            wanted = np.unique(np.fromiter(lines_by_file[index], dtype=np.uint32))  # sorted, compact
            if not len(wanted):
                continue
            at, next_line = 0, int(wanted[0])
            for number, raw, _ in line_range(Path(self.names[index]), 0, None, self.limit):
                if number == next_line:
                    yield (index, number), jiter.from_json(raw)  # a valid record: any exact parser reads it alike
                    at += 1
                    if at == len(wanted):
                        break
                    next_line = int(wanted[at])


def _progress_bar(total: int):
    """A progress bar on a terminal; none when piped or in CI."""
    if os.environ.get("CI") or not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="B", unit_scale=True, desc="validating", file=sys.stderr, leave=False)
