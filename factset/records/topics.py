"""The topic registry: every ``Claim.topic`` is one of its ids, each with a description.

A topic groups the claims about one question across sources, so that they can be
compared over time (e.g. every estimate of ``nk-troops-in-russia-count``). The registry
is ``data/topics.json``: ``{"topics": [{"id": ..., "description": ...}, ...]}``; every
release carries the copy it was built with (``topics.json``), and an installed package
the copy of the code it came with. Which one a validation uses:
:mod:`factset.curation.registry`.
"""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

from ..paths import bundled

TOPIC_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")  # as models.TOPIC_ID
FILE_NAME = "topics.json"
MAX_BYTES = 1 << 20  # a registry of a hundred topics is ~20 KB: a larger file is refused unread


class TopicsError(ValueError):
    """The registry cannot be read; says which file, entry (a JSON pointer) and line."""

    def __init__(self, path: Path, pointer: str, reason: str, line: int = 0):
        self.path, self.pointer, self.reason, self.line = path, pointer, reason, line
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {pointer + ': ' if pointer else ''}{reason}")


def default_path() -> Path:
    """The registry of this code: ``data/topics.json`` of the checkout, or its copy in the package."""
    return bundled(FILE_NAME, in_checkout=f"data/{FILE_NAME}")


def _shown(value) -> str:
    """A value of the file in a message: short, whatever it holds."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _read(path: Path) -> str:
    """The text of a regular file of bounded size (a FIFO, a device or a link is not read)."""
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            raise TopicsError(path, "", "the topic registry is a symbolic link: give the file itself")
        if not stat.S_ISREG(info.st_mode):
            raise TopicsError(path, "", "the topic registry is not a regular file")
        if info.st_size > MAX_BYTES:
            raise TopicsError(path, "", f"the topic registry is {info.st_size:,} bytes, over the limit of {MAX_BYTES:,}")
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise TopicsError(path, "", f"the topic registry is over the limit of {MAX_BYTES:,} bytes")
        return raw.decode("utf-8")
    except OSError as exc:
        raise TopicsError(path, "", f"cannot read the topic registry: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise TopicsError(path, "", f"the topic registry is not UTF-8 (byte {exc.start})") from None


def _object(pairs: list) -> dict:
    """A JSON object whose keys are all different (else two readers could disagree on it)."""
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate key {next(k for k in keys if keys.count(k) > 1)!r} in one object")
    return dict(pairs)


def load(path: Path) -> dict[str, str]:
    """Topic id -> description, in the registry's order; a TopicsError if it is malformed."""
    text = _read(path)
    try:
        doc = json.loads(text, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        raise TopicsError(path, "", f"invalid JSON: {exc.msg} at column {exc.colno}", exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        raise TopicsError(path, "", f"invalid JSON: {exc if isinstance(exc, ValueError) else 'nested too deeply'}") from None
    entries = doc.get("topics") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise TopicsError(path, "", 'expected {"topics": [{"id": ..., "description": ...}, ...]}')
    topics: dict[str, str] = {}
    for i, entry in enumerate(entries):
        where = f"/topics/{i}"
        if not isinstance(entry, dict) or set(entry) != {"id", "description"}:
            raise TopicsError(path, where, "an entry has exactly the keys 'id' and 'description'")
        topic, description = entry["id"], entry["description"]
        if not isinstance(topic, str) or not TOPIC_ID.fullmatch(topic):
            raise TopicsError(path, f"{where}/id", f"{_shown(topic)} is not a topic id (lower case words joined by "
                                                   "hyphens, e.g. 'nk-troops-in-russia-count')")
        if not isinstance(description, str) or not description.strip():
            raise TopicsError(path, f"{where}/description", f"topic {topic!r} needs a description")
        if topic in topics:
            raise TopicsError(path, f"{where}/id", f"topic {topic!r} is listed twice")
        topics[topic] = description
    return topics
