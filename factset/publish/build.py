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

from ..curation.agreement import measure
from ..curation.loader import expand
from ..curation.result import Result
from ..curation.seeds import SeedError
from ..records import schema as schema_mod
from ..records.models import RECORD_TYPES, SCHEMA_VERSION
from .card import dataset_card
from .claimreview import claimreview
from .croissant import croissant
from .describe import Content, license_file
from .identity import REVIEW_PAGE, review_page
from .passages import seed_texts
from .release import FILES, MANIFEST, Release, ReleaseError, version_key
from .tasks import build_views

# Figures drawn from a release's records (file name -> PNG bytes); the research wing draws
# them and the caller passes the drawing in, so that building a release imports no plotting.
Figures = Callable[[Release], dict[str, bytes]]
# The baselines' section of the card (their description and scores on test), from the task
# rows (task -> split -> rows); the research wing computes it and the caller passes it in.
Baselines = Callable[[dict[str, dict[str, list[dict]]]], str]


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
                   baselines: Baselines | None = None, seed_dir: Path | None = None,
                   review_page_template: str = REVIEW_PAGE) -> dict[str, bytes]:
    """Every file of a release, by relative path, as bytes (manifest last): the records and
    their schema, the task views, and what is derived from them (card, licence, Croissant,
    ClaimReview, figures). ``seed_dir``: where the seed texts are (default: the bundled ones)."""
    by_type = {t: [r for r in records if r.type == t] for t in FILES.values()}
    files: dict[str, str | bytes] = {f"{name}.jsonl": _jsonl(by_type[t]) for name, t in FILES.items()}
    for name, text in schema_mod.generated_files().items():
        files[f"schema/{name}"] = text
    counts = {name: len(by_type[t]) for name, t in FILES.items()}
    try:
        texts = seed_texts(by_type["source"], seed_dir)
    except SeedError as exc:
        raise ReleaseError(f"cannot build the task views: {exc}") from None
    views = build_views(by_type, texts)
    files.update(views.files())
    drawn: dict[str, bytes] = {}
    if figures is not None:
        release = Release(version, Path("."), {"date": date, "counts": counts}, by_type["source"], by_type["entity"],
                          by_type["claim"], by_type["evidence"])
        drawn = figures(release)
    content = Content(version, date, by_type, views, texts, measure(by_type),
                      None if baselines is None else baselines(views.rows), review_page(version, review_page_template),
                      with_timeline="timeline.png" in drawn)
    files["README.md"] = dataset_card(content)
    files["LICENSE"] = license_file(content)
    files["claimreview.jsonld"] = claimreview(by_type, version, date, content.review_page)
    as_bytes = {path: data if isinstance(data, bytes) else data.encode("utf-8") for path, data in files.items()}
    files["croissant.json"] = croissant(content, as_bytes)
    files.update(drawn)
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
    baselines: Baselines | None = None,
    seed_dir: Path | None = None,
    review_page_template: str = REVIEW_PAGE,
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
    files = render_release(records, version, date, figures, baselines, seed_dir, review_page_template)
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

