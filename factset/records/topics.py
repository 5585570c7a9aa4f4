"""The topic registry: every ``Claim.topic`` is one of its ids, each with a description.

A topic groups the claims about one question across sources, so that they can be
compared over time (e.g. every estimate of ``nk-troops-in-russia-count``). The registry
is ``data/topics.json``: ``{"topics": [{"id": ..., "description": ...}, ...]}``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

TOPIC_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")  # as models.TOPIC_ID


class TopicsError(ValueError):
    """The registry cannot be read; the message names the file and the entry."""


def load(path: Path) -> dict[str, str]:
    """Topic id -> description, in the registry's order; a TopicsError if it is malformed."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise TopicsError(f"{path}: cannot read the topic registry: {exc}") from None
    entries = doc.get("topics") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise TopicsError(f'{path}: expected {{"topics": [{{"id": ..., "description": ...}}, ...]}}')
    topics: dict[str, str] = {}
    for i, entry in enumerate(entries):
        where = f"{path}: /topics/{i}"
        if not isinstance(entry, dict) or set(entry) != {"id", "description"}:
            raise TopicsError(f"{where}: an entry has exactly the keys 'id' and 'description'")
        topic, description = entry["id"], entry["description"]
        if not isinstance(topic, str) or not TOPIC_ID.match(topic):
            raise TopicsError(f"{where}/id: {topic!r} is not a topic id (lower case words joined by hyphens)")
        if not isinstance(description, str) or not description.strip():
            raise TopicsError(f"{where}/description: a topic needs a description")
        if topic in topics:
            raise TopicsError(f"{where}/id: topic {topic!r} is listed twice")
        topics[topic] = description
    return topics
