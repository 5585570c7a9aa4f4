"""Loading releases: find one, verify its checksums, read its records as models.

A release is a folder ``data/releases/<version>/`` holding one JSONL file per
record type (sorted by id, canonical serialisation), the schema files used, a
dataset card, metadata exports and ``manifest.json`` with the sha256 of every
other file. :mod:`factset.publish.build` writes them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..curation.seeds import SeedError
from ..paths import bundled
from ..records.models import SCHEMA_VERSION, Claim, Entity, Evidence, Source

# File name -> record type; the names are part of the published interface.
FILES = {"sources": "source", "entities": "entity", "claims": "claim", "evidence": "evidence"}
MANIFEST = "manifest.json"
SEMVER = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")  # (fullmatch only)


class ReleaseError(Exception):
    """A release cannot be built or loaded; the message says why and what to do."""


def releases_dir() -> Path:
    """``data/releases`` of the checkout, or its copy inside an installed wheel."""
    return bundled("releases", in_checkout="data/releases")


def version_key(version: str) -> tuple[int, int, int]:
    match = SEMVER.fullmatch(version) if isinstance(version, str) else None
    if not match:
        raise ReleaseError(f"{version!r} is not a semantic version (MAJOR.MINOR.PATCH)")
    return tuple(int(part) for part in match.groups())  # type: ignore[return-value]


def versions(directory: Path | None = None) -> list[str]:
    """Released versions in ``directory``, oldest first."""
    directory = directory or releases_dir()
    if not directory.is_dir():
        return []
    found = [p.name for p in directory.iterdir()
             if SEMVER.fullmatch(p.name) and not p.is_symlink() and p.is_dir() and (p / MANIFEST).is_file()]
    return sorted(found, key=version_key)


def sha256_file(path: Path) -> str:
    return _digest(path)[0]


def _digest(path: Path) -> tuple[str, int]:
    """The sha256 of a file and its number of newlines (its lines, in a release's JSONL)."""
    digest, lines = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            lines += block.count(b"\n")
    return digest.hexdigest(), lines


@dataclass(frozen=True, repr=False)
class Release:
    """A release's records as models, with lookups by id, the seed text around a passage,
    the task views and their folds, and flat tables (pandas).

    >>> release.claim("clm-001-017").verdict.label
    >>> [e.stance for e in release.evidence_of("clm-001-017")]
    >>> release.context(release.evidence_of("clm-001-017")[1], chars=200)
    >>> release.task("verification", "test")[0]["label"]
    >>> release.frame("claims")            # needs pandas: pip install 'factset[pandas]'
    """

    version: str
    path: Path
    manifest: dict
    sources: list[Source]
    entities: list[Entity]
    claims: list[Claim]
    evidence: list[Evidence]

    def __repr__(self) -> str:
        counts = ", ".join(f"{len(getattr(self, name))} {name}" for name in FILES)
        return f"<factset.Release {self.version} ({self.manifest.get('date', 'undated')}): {counts}; at {self.path}>"

    @cached_property
    def _by_id(self) -> dict[str, object]:
        return {r.id: r for name in FILES for r in getattr(self, name)}

    @cached_property
    def _evidence_by_claim(self) -> dict[str, list[Evidence]]:
        out: dict[str, list[Evidence]] = {}
        for ev in sorted(self.evidence, key=lambda e: e.id):
            out.setdefault(ev.claim_id, []).append(ev)
        return out

    def _get(self, record_id: str, kind: str):
        record = self._by_id.get(record_id)
        if record is None or record.type != kind:
            raise KeyError(f"release {self.version} has no {kind} {record_id!r}")
        return record

    def get(self, record_id: str):
        """The record (of any type) with this id; a KeyError if there is none."""
        if record_id not in self._by_id:
            raise KeyError(f"release {self.version} has no record {record_id!r}")
        return self._by_id[record_id]

    def claim(self, claim_id: str) -> Claim:
        return self._get(claim_id, "claim")

    def source(self, source_id: str) -> Source:
        return self._get(source_id, "source")

    def entity(self, entity_id: str) -> Entity:
        return self._get(entity_id, "entity")

    def passage(self, evidence_id: str) -> Evidence:
        """The evidence record with this id (``release.evidence`` is the list of all of them)."""
        return self._get(evidence_id, "evidence")

    def evidence_of(self, claim: Claim | str) -> list[Evidence]:
        """The evidence records of a claim (its origin passage and the related ones), by id."""
        claim_id = claim if isinstance(claim, str) else claim.id
        self.claim(claim_id)
        return list(self._evidence_by_claim.get(claim_id, []))

    def claimant(self, claim: Claim | str) -> Entity:
        return self.entity((self.claim(claim) if isinstance(claim, str) else claim).claimant_id)

    def context(self, evidence: Evidence | str, chars: int = 300) -> str:
        """The seed text around a passage: the quote with up to ``chars`` characters either side,
        cut at whitespace. Read from the seeds bundled with factset (a checkout or the wheel),
        each checked against its source's sha256."""
        from .passages import seed_texts, window

        ev = self.passage(evidence) if isinstance(evidence, str) else evidence
        source = self.source(ev.source_id)
        try:
            text = seed_texts([source])[source.id]
        except SeedError as exc:
            raise ReleaseError(str(exc)) from None
        return window(text, ev.start, ev.end, chars)[0]

    def task(self, name: str, split: str = "train") -> list[dict]:
        """The rows of a task view (``verification``, ``stance``, ``time_relations``) in a split
        (``train`` or ``test``), as written in the release: labels are class names."""
        from .splits import SPLITS
        from .tasks import TASKS

        if name not in TASKS or split not in SPLITS:
            raise KeyError(f"no task {name!r} split {split!r}: tasks are {', '.join(TASKS)}; splits {', '.join(SPLITS)}")
        file = self.path / "tasks" / name / f"{split}.jsonl"
        if not file.is_file():
            raise ReleaseError(f"release {self.version} has no task views (they are part of releases from 1.0.0 on)")
        with open(file, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def folds(self, name: str) -> dict[str, dict[str, list[dict]]]:
        """Leave-one-source-out folds of a task: ``{source id: {"train": rows, "test": rows}}``
        (see :mod:`factset.publish.splits`)."""
        from .splits import fold

        rows = self.task(name, "train") + self.task(name, "test")
        return {source.id: fold(rows, source.id) for source in sorted(self.sources, key=lambda s: s.id)}

    def frame(self, name: str):
        """A flat pandas DataFrame of a record type (``claims``, ``evidence``, ``sources``,
        ``entities``: names joined in) or of a task's rows (``verification/test``...)."""
        from .tables import frame

        return frame(self, name)


def verify(path: Path) -> dict:
    """The manifest of the release at ``path``, after checking it and every file against it.

    The manifest lists every file of the folder and nothing else, by plain relative paths
    (never read outside the folder), with its size and sha256; its version is the folder's
    name and its counts are the records of the data files. A sha256 shows damage; it does not
    prove who wrote the release: whoever can rewrite a file can rewrite the manifest too.
    """
    manifest_path = path / MANIFEST
    manifest = _read_manifest(manifest_path)
    if manifest["version"] != path.name:
        raise ReleaseError(f"{manifest_path} gives version {manifest['version']!r}, but the release folder is "
                           f"{path.name!r}: a release's version is the name of its folder")
    listed = manifest["files"]
    on_disk = _files_in(path)
    unlisted = sorted(on_disk - set(listed))
    if unlisted:
        more = f" (and {len(unlisted) - 1} more)" if len(unlisted) > 1 else ""
        raise ReleaseError(f"{path / unlisted[0]} is not listed in the manifest {manifest_path}{more}: "
                           "a file was added or its entry removed")
    for name in FILES:
        if f"{name}.jsonl" not in listed:
            raise ReleaseError(f"{path / name}.jsonl is not listed in the manifest {manifest_path}")
    for rel, entry in sorted(listed.items()):
        file = path / rel
        if rel not in on_disk:
            raise ReleaseError(f"{file} is listed in the manifest but missing")
        if file.stat().st_size != entry["bytes"]:
            raise ReleaseError(f"{file} does not match its sha256 in {manifest_path} (it is {file.stat().st_size:,} bytes, "
                               f"the manifest says {entry['bytes']:,}): the file was changed or damaged")
        digest, lines = _digest(file)
        if digest != entry["sha256"]:
            raise ReleaseError(f"{file} does not match its sha256 in {manifest_path}: the file was changed or damaged")
        name = rel[:-len(".jsonl")]
        if name in FILES and lines != manifest["counts"][name]:
            raise ReleaseError(f"{file} holds {lines} record(s), the manifest counts {manifest['counts'][name]}")
    return manifest


# A manifest path: segments of plain file-name characters, separated by '/', none '.' or '..'.
_PLAIN_PATH = re.compile(r"(?!.*(?:^|/)\.{1,2}(?:/|$))[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _read_manifest(manifest_path: Path) -> dict:
    """The manifest, its shape checked: any malformation is a ReleaseError naming it."""
    try:
        manifest = json.loads(manifest_path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise ReleaseError(f"{manifest_path} is missing: {manifest_path.parent} is not a factset release") from None
    except (OSError, ValueError) as exc:  # (UnicodeDecodeError and JSONDecodeError are ValueErrors)
        raise ReleaseError(f"{manifest_path} is not a readable JSON manifest: {exc}") from None

    def malformed(what: str) -> ReleaseError:
        return ReleaseError(f"{manifest_path} is not a valid manifest: {what}")

    if not isinstance(manifest, dict):
        raise malformed("it is not a JSON object")
    missing = [key for key in ("name", "version", "date", "schema_version", "counts", "files") if key not in manifest]
    if missing:
        raise malformed(f"it lacks {', '.join(missing)}")
    for key in ("name", "version", "date", "schema_version"):
        if not isinstance(manifest[key], str):
            raise malformed(f"{key} is not a string")
    if manifest["date"] != UNRELEASED and not _is_date(manifest["date"]):
        raise malformed(f"date {manifest['date']!r} is not a date (YYYY-MM-DD)")
    counts = manifest["counts"]
    if not isinstance(counts, dict) or set(counts) != set(FILES) or not all(_is_count(n) for n in counts.values()):
        raise malformed(f"counts must give the number of records of each of {', '.join(FILES)}")
    files = manifest["files"]
    if not isinstance(files, dict):
        raise malformed("files is not an object of paths")
    for rel, entry in files.items():
        if rel == MANIFEST or not _PLAIN_PATH.fullmatch(rel):
            raise malformed(f"{rel!r} is not a plain relative path inside the release folder")
        if not (isinstance(entry, dict) and isinstance(entry.get("sha256"), str) and _SHA256.fullmatch(entry["sha256"])
                and _is_count(entry.get("bytes"))):
            raise malformed(f"the entry of {rel!r} needs a sha256 (64 hex digits) and a size in bytes")
    return manifest


UNRELEASED = "unreleased"  # the date of a preview: a version not released yet


def _is_date(text: str) -> bool:
    import datetime as dt

    try:
        return bool(_DATE.fullmatch(text)) and dt.date.fromisoformat(text) is not None
    except ValueError:
        return False


def _is_count(value) -> bool:
    return type(value) is int and value >= 0


def _files_in(path: Path) -> set[str]:
    """Every file of a release folder (the manifest aside), as relative paths; a symbolic
    link or anything but a regular file or folder is a ReleaseError (never followed)."""
    found = set()
    if path.is_symlink() or not path.is_dir():
        raise ReleaseError(f"{path} is not a release folder")
    for folder, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            full = Path(folder, name)
            info = full.lstat()
            rel = full.relative_to(path).as_posix()
            if stat.S_ISLNK(info.st_mode):
                raise ReleaseError(f"{full} is a symbolic link: a release holds regular files only")
            if stat.S_ISREG(info.st_mode):
                found.add(rel)
            elif not stat.S_ISDIR(info.st_mode):
                raise ReleaseError(f"{full} is not a regular file: a release holds regular files only")
    found.discard(MANIFEST)
    return found


def release_path(version: str | None = None, directory: Path | None = None) -> Path:
    directory = directory or releases_dir()
    available = versions(directory)
    if not available:
        raise ReleaseError(f"no releases found in {directory}")
    if version is None:
        return directory / available[-1]
    if version not in available:
        raise ReleaseError(f"release {version!r} not found in {directory}; available: {', '.join(available)}")
    return directory / version


def models_of(schema_version: str) -> dict[str, type]:
    """The models a release of ``schema_version`` is read with, by file name: the current
    ones, or the frozen models of an older schema (a release is read as it was published)."""
    if schema_version == SCHEMA_VERSION:
        return {"sources": Source, "entities": Entity, "claims": Claim, "evidence": Evidence}
    if schema_version == "1.0.0":
        from ..records import models_v1 as v1

        return {"sources": v1.Source, "entities": v1.Entity, "claims": v1.Claim, "evidence": v1.Evidence}
    raise ReleaseError(f"schema version {schema_version!r} is not one this factset can read; upgrade factset")


def load(version: str | None = None, directory: Path | None = None) -> Release:
    """A release (the latest by default) as models, after verifying its checksums."""
    path = release_path(version, directory)
    manifest = verify(path)
    models = models_of(manifest.get("schema_version", ""))
    loaded = {}
    for name, model in models.items():
        file = path / f"{name}.jsonl"
        loaded[name] = []
        with open(file, "rb") as handle:
            for number, line in enumerate(handle, start=1):
                try:
                    loaded[name].append(model.model_validate_json(line))
                except ValueError as exc:  # (a pydantic ValidationError is one)
                    raise ReleaseError(f"{file}:{number}: not a valid {model.__name__} record of schema "
                                       f"{manifest['schema_version']}: {str(exc).splitlines()[0]}") from None
    return Release(manifest["version"], path, manifest, **loaded)
