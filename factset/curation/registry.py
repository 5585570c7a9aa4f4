"""Which topic registry a validation checks ``Claim.topic`` against.

In this order (docs/CURATION.md, "Topics"):

1. the file named with ``--topics`` (``topics=`` of :func:`factset.curation.validate.validate`);
2. else, given ``--against`` a release folder (one holding ``manifest.json``), the first one
   named: the ``topics.json`` it was released with. A release published before the registry
   existed (0.1.0) has none: then no topic is checked, and the report says so;
3. else the registry of the code: ``data/topics.json`` in a checkout, its copy in an
   installed package.

A registry that cannot be read is an error of the validation (file, line and entry named);
its topics are then not checked.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..records import topics as topics_mod
from .loader import is_release, release_problems



@dataclass(frozen=True)
class Registry:
    """The topics a validation accepts, and the file they come from (named in messages)."""

    path: Path
    topics: dict[str, str]

    def check(self, topic: str) -> Iterator[tuple[str, str]]:
        """``(pointer, message)`` if ``topic`` is not registered, with the closest registered one."""
        if topic in self.topics:
            return
        close = difflib.get_close_matches(topic, list(self.topics), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        yield "/topic", (f"unknown topic {topic!r}: {hint}(the topics are listed in {_shown(self.path)}; "
                         "add one there, with a description, only when none fits)")


@dataclass(frozen=True)
class Choice:
    registry: Registry | None  # None: topics are not checked
    note: str | None = None  # why not, when that is not the caller's choice
    error: topics_mod.TopicsError | None = None  # the registry that applies cannot be read


def _release_of(path: Path) -> Path | None:
    folder = path if path.is_dir() else path.parent
    return folder if is_release(folder) else None


def choose(against: Iterable[Path] = (), explicit: Path | None = None) -> Choice:
    """The registry that applies to records checked ``against`` these paths (see the module)."""
    if explicit is not None:
        path = explicit
    else:
        release = next(filter(None, map(_release_of, against)), None)
        if release is not None:
            path = release / topics_mod.FILE_NAME
            if not path.exists():
                return Choice(None, note=(f"release {release.name} has no topic registry ({topics_mod.FILE_NAME}; it was "
                                          "published before there was one): topics are not checked against it "
                                          "(give --topics FILE to check them)"))
            problem = release_problems(release, [topics_mod.FILE_NAME])[topics_mod.FILE_NAME]
            if problem is not None:
                return Choice(None, error=topics_mod.TopicsError(path, "", problem))
        else:
            path = topics_mod.default_path()
            if not path.exists():
                return Choice(None, note=f"no topic registry found at {path}: topics are not checked (give --topics FILE)")
    try:
        return Choice(Registry(path, topics_mod.load(path)))
    except topics_mod.TopicsError as exc:
        return Choice(None, error=exc)


def _shown(path: Path) -> str:
    """A path as short as it can be said: relative to the working folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)
