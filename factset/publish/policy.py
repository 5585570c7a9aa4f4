"""The release policy, checked against the newest release before a new version is written
(releases and previews alike).

- No released id vanishes: a record is retracted (``review_status: retracted``, with a
  note), never removed.
- The version is greater than the newest release's, and its bump matches the change:
  MAJOR for changed or retracted records or a new schema version, MINOR for added records
  only, PATCH for metadata only (the records are the same). The version must be the next
  one of that level: from 1.4.2, a MINOR change is 1.5.0.

The newest release is read with its own models (:func:`~factset.publish.release.models_of`),
so a release of an older schema is compared as it was published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..records.models import SCHEMA_VERSION
from .release import ReleaseError, load, version_key, versions

LEVELS = ("MAJOR", "MINOR", "PATCH")
SHOWN = 10  # ids named in a message; the count says how many more


@dataclass(frozen=True)
class Change:
    """What a new version changes against a release."""

    previous: str  # the release compared with
    schema: tuple[str, str] | None = None  # (old, new) schema versions when they differ
    changed: list[str] = field(default_factory=list)  # ids whose record differs (retractions included)
    retracted: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    vanished: list[str] = field(default_factory=list)

    @property
    def level(self) -> str:
        if self.schema or self.changed:
            return "MAJOR"
        return "MINOR" if self.added else "PATCH"

    def reason(self) -> str:
        if self.schema:
            return f"schema {self.schema[0]} -> {self.schema[1]}"
        if self.changed:
            retracted = f", of which retracted: {_ids(self.retracted)}" if self.retracted else ""
            return f"records changed or retracted: {_ids(self.changed)}{retracted}"
        if self.added:
            return f"records added: {_ids(self.added)}"
        return "the records are those of the release: metadata only"


def _ids(ids: list[str]) -> str:
    more = f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else ""
    return ", ".join(ids[:SHOWN]) + more


def next_version(version: str, level: str) -> str:
    major, minor, patch = version_key(version)
    if level == "MAJOR":
        return f"{major + 1}.0.0"
    return f"{major}.{minor + 1}.0" if level == "MINOR" else f"{major}.{minor}.{patch + 1}"


def compare(records: list, releases: Path, previous: str) -> Change:
    """How ``records`` (current models) differ from release ``previous`` in ``releases``."""
    release = load(previous, releases)
    old = {r.id: r for name in ("sources", "entities", "claims", "evidence") for r in getattr(release, name)}
    new = {r.id: r for r in records}
    vanished = sorted(old.keys() - new.keys())
    added = sorted(new.keys() - old.keys())
    schema = (release.manifest["schema_version"], SCHEMA_VERSION)
    if schema[0] != schema[1]:
        return Change(previous, schema=schema, added=added, vanished=vanished)
    changed = sorted(i for i in old.keys() & new.keys() if old[i].model_dump_json() != new[i].model_dump_json())
    retracted = [i for i in changed if new[i].curation.review_status == "retracted"]
    return Change(previous, None, changed, retracted, added, vanished)


def check(records: list, version: str, releases: Path) -> Change | None:
    """Raise a ReleaseError unless ``version`` of ``records`` may follow the newest release in
    ``releases``; the change against it (None before the first release)."""
    released = versions(releases)
    if not released:
        return None
    newest = released[-1]
    change = compare(records, releases, newest)
    if change.vanished:
        raise ReleaseError(
            f"version {version} would drop {len(change.vanished)} released record(s): {_ids(change.vanished)} "
            f"(released in {newest}). A released record is never removed: retract it instead "
            "(curation.review_status 'retracted', with a note saying why)")
    if version_key(version) <= version_key(newest):
        raise ReleaseError(f"version {version} is not greater than the newest release, {newest}: "
                           f"set data/VERSION to {next_version(newest, change.level)} ({change.reason()})")
    expected = next_version(newest, change.level)
    if version != expected:
        raise ReleaseError(f"against release {newest} this is a {change.level} change ({change.reason()}): "
                           f"the version is {expected}, not {version}; set data/VERSION to {expected}")
    return change
