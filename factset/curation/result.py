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


@dataclass
class Result:
    errors: list[Error] = field(default_factory=list)
    files: int = 0
    records: Counter = field(default_factory=Counter)  # valid records by type
    notes: list[str] = field(default_factory=list)  # what was not checked, and why

    @property
    def ok(self) -> bool:
        return not self.errors

    def sorted_errors(self) -> list[Error]:
        """Root causes first, then knock-on errors; each in file, line and stage order."""
        return sorted(self.errors, key=lambda e: (isinstance(e.message, KnockOn), e.path, e.line,
                                                  STAGES.index(e.stage), e.pointer, e.message))


def pointer(parts) -> str:
    """RFC 6901 pointer from a sequence of keys and indexes."""
    out = ""
    for part in parts:
        out += "/" + str(part).replace("~", "~0").replace("/", "~1")
    return out
