"""Building a release from the curated records: deterministic (the release date comes
from CHANGELOG.md, not the clock) and atomic (a temporary folder renamed into place).
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

from ..curation.coverage import release_problems
from ..curation.loader import expand
from ..curation.result import Result
from ..curation.seeds import default_seed_dir
from ..records import schema as schema_mod
from ..records import topics as topics_mod
from ..records.models import RECORD_TYPES, SCHEMA_VERSION
from .claimreview import claimreview
from .card import dataset_card
from .croissant import croissant
from .release import FILES, MANIFEST, Release, ReleaseError, version_key

# Figures drawn from a release's records (file name -> PNG bytes); the research wing draws
# them and the caller passes the drawing in, so that building a release imports no plotting.
Figures = Callable[[Release], dict[str, bytes]]


def read_version(data_dir: Path) -> str:
    """The version to release: the one place it is declared is ``data/VERSION``."""
    path = data_dir / "VERSION"
    try:
        version = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ReleaseError(f"{path} is missing: it declares the version to release") from None
    version_key(version)
    return version


def release_date(changelog: Path, version: str) -> str | None:
    """The date of ``## [version] - YYYY-MM-DD`` in the changelog (the release date), or None
    while the version has no dated entry (it is not released yet)."""
    text = changelog.read_text(encoding="utf-8") if changelog.is_file() else ""
    match = re.search(rf"^## \[{re.escape(version)}\] - (\d{{4}}-\d{{2}}-\d{{2}})\s*$", text, re.MULTILINE)
    return match.group(1) if match else None


def changelog_date(changelog: Path, version: str) -> str:
    """The release date of ``version``; a ReleaseError if the changelog does not date it."""
    date = release_date(changelog, version)
    if date is None:
        raise ReleaseError(
            f"{changelog} has no entry '## [{version}] - YYYY-MM-DD': add one saying what this release adds, changes or retracts"
        )
    return date



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


def render_release(records: list, version: str, date: str, figures: Figures | None = None,
                   topics: bytes | None = None) -> dict[str, bytes]:
    """Every file of a release, by relative path, as bytes (manifest last); ``topics`` is
    the topic registry the records were validated with, released as ``topics.json``."""
    by_type = {t: [r for r in records if r.type == t] for t in FILES.values()}
    files: dict[str, str | bytes] = {f"{name}.jsonl": _jsonl(by_type[t]) for name, t in FILES.items()}
    for name, text in schema_mod.generated_files().items():
        files[f"schema/{name}"] = text
    counts = {name: len(by_type[t]) for name, t in FILES.items()}
    files["README.md"] = dataset_card(version, date, counts, by_type)
    files["claimreview.jsonld"] = claimreview(by_type, version)
    files["croissant.json"] = croissant(version, date, {n: files[f"{n}.jsonl"] for n in FILES})
    if topics is not None:
        files[topics_mod.FILE_NAME] = topics
    if figures is not None:
        release = Release(version, Path("."), {"date": date, "counts": counts}, by_type["source"], by_type["entity"],
                          by_type["claim"], by_type["evidence"])
        files.update(figures(release))
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



def build(
    curated: Path,
    out_dir: Path,
    version: str,
    date: str,
    validate: Callable[[list[Path]], Result],
    figures: Figures | None = None,
    _fail_after: int | None = None,
    topics: Path | None = None,
    seed_dir: Path | None = None,
) -> BuildOutcome:
    """Validate ``curated`` and write release ``version`` under ``out_dir``.

    Raises ReleaseError (nothing written) when the data is invalid, breaks a release
    rule (:mod:`factset.curation.coverage`, on the seeds of ``seed_dir``), or when
    ``version`` is already released with different content. The release carries the
    topic registry ``topics`` (by default the code's, ``data/topics.json``), which
    ``validate`` must check the records against.
    ``_fail_after`` makes the writer fail after that many files (tests only).
    """
    topics = topics or topics_mod.default_path()
    try:
        topics_mod.load(topics)
    except topics_mod.TopicsError as exc:
        raise ReleaseError(f"the topic registry every release carries cannot be read: {exc}") from None
    result = validate([curated])
    if not result.ok:
        raise ReleaseError(f"{len(result.errors)} validation error(s) in {curated}; run 'factset validate' to see them")
    records = read_models(expand([curated]))
    problems = release_problems(records, seed_dir or default_seed_dir())
    if problems:
        raise ReleaseError(f"{curated} is valid but breaks the release rules (docs/CURATION.md, 'Release rules'):"
                           + "".join(f"\n  - {problem}" for problem in problems))
    files = render_release(records, version, date, figures, topics.read_bytes())
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

