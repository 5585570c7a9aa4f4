"""Loading releases: find one, verify its checksums, read its records as models.

A release is a folder ``data/releases/<version>/`` holding one JSONL file per
record type (sorted by id, canonical serialisation), the schema files used, a
dataset card, metadata exports and ``manifest.json`` with the sha256 of every
other file. :mod:`factset.publish.build` writes them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..paths import bundled
from ..records.models import SCHEMA_VERSION, Claim, Entity, Evidence, Source

# File name -> record type; the names are part of the published interface.
FILES = {"sources": "source", "entities": "entity", "claims": "claim", "evidence": "evidence"}
MANIFEST = "manifest.json"
SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")


class ReleaseError(Exception):
    """A release cannot be built or loaded; the message says why and what to do."""


def releases_dir() -> Path:
    """``data/releases`` of the checkout, or its copy inside an installed wheel."""
    return bundled("releases", in_checkout="data/releases")


def version_key(version: str) -> tuple[int, int, int]:
    match = SEMVER.match(version)
    if not match:
        raise ReleaseError(f"{version!r} is not a semantic version (MAJOR.MINOR.PATCH)")
    return tuple(int(part) for part in match.groups())  # type: ignore[return-value]


def versions(directory: Path | None = None) -> list[str]:
    """Released versions in ``directory``, oldest first."""
    directory = directory or releases_dir()
    if not directory.is_dir():
        return []
    found = [p.name for p in directory.iterdir() if p.is_dir() and SEMVER.match(p.name) and (p / MANIFEST).is_file()]
    return sorted(found, key=version_key)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()



@dataclass(frozen=True)
class Release:
    version: str
    path: Path
    manifest: dict
    sources: list[Source]
    entities: list[Entity]
    claims: list[Claim]
    evidence: list[Evidence]


def verify(path: Path) -> dict:
    """The manifest of the release at ``path``, after checking every file's sha256."""
    manifest_path = path / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReleaseError(f"{manifest_path} is missing: {path} is not a factset release") from None
    except ValueError as exc:
        raise ReleaseError(f"{manifest_path} is not valid JSON: {exc}") from None
    for rel, entry in sorted(manifest["files"].items()):
        file = path / rel
        if not file.is_file():
            raise ReleaseError(f"{file} is listed in the manifest but missing")
        if sha256_file(file) != entry["sha256"]:
            raise ReleaseError(f"{file} does not match its sha256 in {manifest_path}: the file was changed or damaged")
    return manifest


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
        with open(path / f"{name}.jsonl", encoding="utf-8") as handle:
            loaded[name] = [model.model_validate_json(line) for line in handle if line.strip()]
    return Release(manifest["version"], path, manifest, **loaded)
