"""What validation found: located errors, and the counts a reporter prints."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

# Stages in the order they run; an error's stage says which check found it.
STAGES = ("read", "json", "schema", "model", "rules")

Finding = tuple[str, str, str]  # (pointer, stage, message) of one line, before it is located


class KnockOn(str):
    """The message of an error that follows from another one, which it names ("… is itself
    invalid (see FILE:LINE)"): reports list it after every root cause, so that a reader
    fixes the causes first."""


@dataclass(frozen=True, order=True)
class Error:
    path: str
    line: int  # 1-based line of the record; 0 when the error concerns the whole file
    pointer: str  # RFC 6901 JSON pointer into the record ("" = the whole record)
    stage: str
    message: str
    record_id: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


# Errors reported per file; the rest are counted. A file of hostile records must not make the
# report, or the memory holding it, grow without bound (the first ones show what is wrong).
MAX_ERRORS_PER_FILE = 1000


def error_order(e: Error) -> tuple:
    """Report order: root causes first, then knock-on errors; each in file, line and stage order."""
    return isinstance(e.message, KnockOn), e.path, e.line, STAGES.index(e.stage), e.pointer, e.message


@dataclass
class Result:
    errors: list[Error] = field(default_factory=list)  # at most MAX_ERRORS_PER_FILE a file, once capped
    files: int = 0
    records: Counter = field(default_factory=Counter)  # valid records by type
    notes: list[str] = field(default_factory=list)  # what was not checked, and why
    omitted: Counter = field(default_factory=Counter)  # path -> errors found beyond the cap, not kept

    @property
    def ok(self) -> bool:
        return not self.errors and not self.omitted

    @property
    def count(self) -> int:
        """Every error found, shown or not."""
        return len(self.errors) + sum(self.omitted.values())

    def sorted_errors(self) -> list[Error]:
        return sorted(self.errors, key=error_order)

    def cap(self, limit: int = MAX_ERRORS_PER_FILE) -> None:
        """Keep the first ``limit`` errors of each file (in report order), count the rest."""
        self.errors = keep_first(self.errors, self.omitted, limit)


def keep_first(errors: list[Error], omitted: Counter, limit: int = MAX_ERRORS_PER_FILE) -> list[Error]:
    """The first ``limit`` errors of each file in report order; the others are counted in
    ``omitted``. Which are kept does not depend on the order errors were found in."""
    by_path: dict[str, list[Error]] = {}
    for e in errors:
        by_path.setdefault(e.path, []).append(e)
    if all(len(found) <= limit for found in by_path.values()):
        return errors
    kept = []
    for path, found in by_path.items():
        if len(found) > limit:
            found.sort(key=error_order)
            omitted[path] += len(found) - limit
            del found[limit:]
        kept.extend(found)
    return kept


def pointer(parts) -> str:
    """RFC 6901 pointer from a sequence of keys and indexes."""
    out = ""
    for part in parts:
        out += "/" + str(part).replace("~", "~0").replace("/", "~1")
    return out
