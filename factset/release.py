"""Versioned, immutable releases: build one from the curated records, load one back.

A release is a folder ``data/releases/<version>/`` holding one JSONL file per
record type (sorted by id, canonical serialisation), the schema files used, a
dataset card, metadata exports and ``manifest.json`` with the sha256 of every
other file. Building is deterministic (the release date comes from
CHANGELOG.md, not the clock) and atomic (a temporary folder renamed into place).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import schema as schema_mod
from .loader import expand
from .models import RECORD_TYPES, SCHEMA_VERSION, Claim, Entity, Evidence, Source
from .paths import bundled
from .result import Result

# File name -> record type; the names are part of the published interface.
FILES = {"sources": "source", "entities": "entity", "claims": "claim", "evidence": "evidence"}
MANIFEST = "manifest.json"
TIMELINE = "timeline.png"
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


def read_version(data_dir: Path) -> str:
    """The version to release: the one place it is declared is ``data/VERSION``."""
    path = data_dir / "VERSION"
    try:
        version = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ReleaseError(f"{path} is missing: it declares the version to release") from None
    version_key(version)
    return version


def changelog_date(changelog: Path, version: str) -> str:
    """The date of ``## [version] - YYYY-MM-DD`` in the changelog: the release date."""
    text = changelog.read_text(encoding="utf-8") if changelog.is_file() else ""
    match = re.search(rf"^## \[{re.escape(version)}\] - (\d{{4}}-\d{{2}}-\d{{2}})\s*$", text, re.MULTILINE)
    if not match:
        raise ReleaseError(
            f"{changelog} has no entry '## [{version}] - YYYY-MM-DD': add one saying what this release adds, changes or retracts"
        )
    return match.group(1)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_models(files: list[Path]) -> list:
    """The records of valid JSONL files as models."""
    records = []
    for path in files:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    kind = json.loads(line)["type"]
                    records.append(RECORD_TYPES[kind].model_validate_json(line))
    return records


def _jsonl(records) -> str:
    return "".join(r.model_dump_json() + "\n" for r in sorted(records, key=lambda r: r.id))


@dataclass(frozen=True)
class BuildOutcome:
    version: str
    path: Path
    status: str  # "built" or "unchanged"
    counts: dict[str, int]


def render_release(records: list, version: str, date: str) -> dict[str, bytes]:
    """Every file of a release, by relative path, as bytes (manifest last)."""
    from .metadata import claimreview, croissant, dataset_card

    by_type = {t: [r for r in records if r.type == t] for t in FILES.values()}
    files: dict[str, str | bytes] = {f"{name}.jsonl": _jsonl(by_type[t]) for name, t in FILES.items()}
    for name, text in schema_mod.generated_files().items():
        files[f"schema/{name}"] = text
    counts = {name: len(by_type[t]) for name, t in FILES.items()}
    files["README.md"] = dataset_card(version, date, counts, by_type)
    files["claimreview.jsonld"] = claimreview(by_type, version)
    files["croissant.json"] = croissant(version, date, {n: files[f"{n}.jsonl"] for n in FILES})
    files[TIMELINE] = _timeline_png(by_type, version, date, counts)
    blobs = {path: data if isinstance(data, bytes) else data.encode("utf-8") for path, data in files.items()}
    manifest = {
        "name": "factset",
        "version": version,
        "date": date,
        "schema_version": SCHEMA_VERSION,
        "counts": counts,
        "files": {path: {"sha256": hashlib.sha256(blob).hexdigest(), "bytes": len(blob)} for path, blob in sorted(blobs.items())},
    }
    blobs[MANIFEST] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
    return blobs


def _timeline_png(by_type: dict[str, list], version: str, date: str, counts: dict) -> bytes:
    """The estimate timeline the dataset card shows (matplotlib, pinned in the dev extra)."""
    try:
        from .report import timeline_png
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ReleaseError(f"building a release draws its timeline figure and needs matplotlib ({exc}): pip install -e '.[dev]'") from None
    release = Release(version, Path("."), {"date": date, "counts": counts}, by_type["source"], by_type["entity"],
                      by_type["claim"], by_type["evidence"])
    return timeline_png(release)


def build(
    curated: Path,
    out_dir: Path,
    version: str,
    date: str,
    validate: Callable[[list[Path]], Result],
    _fail_after: int | None = None,
) -> BuildOutcome:
    """Validate ``curated`` and write release ``version`` under ``out_dir``.

    Raises ReleaseError (nothing written) when the data is invalid, or when
    ``version`` is already released with different content.
    ``_fail_after`` makes the writer fail after that many files (tests only).
    """
    result = validate([curated])
    if not result.ok:
        raise ReleaseError(f"{len(result.errors)} validation error(s) in {curated}; run 'factset validate' to see them")
    records = read_models(expand([curated]))
    files = render_release(records, version, date)
    counts = json.loads(files[MANIFEST])["counts"]
    target = out_dir / version

    if target.exists():
        differing = _differences(target, files)
        if differing:
            raise ReleaseError(
                f"release {version} already exists at {target} and differs in: {', '.join(differing[:5])}. "
                "A released version is never rewritten: bump data/VERSION and add a CHANGELOG.md entry."
            )
        return BuildOutcome(version, target, "unchanged", counts)

    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{version}.", dir=out_dir))
    try:
        for n, (rel, blob) in enumerate(sorted(files.items())):
            if _fail_after is not None and n >= _fail_after:
                raise OSError("injected failure while writing the release (test)")
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(blob)
        os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BuildOutcome(version, target, "built", counts)


def _differences(target: Path, files: dict[str, bytes]) -> list[str]:
    on_disk = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    differing = sorted(on_disk ^ set(files))
    for rel, blob in sorted(files.items()):
        if rel in on_disk and (target / rel).read_bytes() != blob:
            differing.append(rel)
    return differing


# ----------------------------------------------------------------- loading


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


def load(version: str | None = None, directory: Path | None = None) -> Release:
    """A release (the latest by default) as models, after verifying its checksums."""
    path = release_path(version, directory)
    manifest = verify(path)
    models = {"sources": Source, "entities": Entity, "claims": Claim, "evidence": Evidence}
    loaded = {}
    for name, model in models.items():
        with open(path / f"{name}.jsonl", encoding="utf-8") as handle:
            loaded[name] = [model.model_validate_json(line) for line in handle if line.strip()]
    return Release(manifest["version"], path, manifest, **loaded)
