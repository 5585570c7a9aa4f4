"""Building a release from the curated records: deterministic (the release date comes
from CHANGELOG.md, not the clock) and atomic (a temporary folder renamed into place).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..curation.agreement import measure, resample
from ..curation.coverage import release_problems
from ..curation.loader import expand
from ..curation.result import Result
from ..curation.seeds import SeedError, default_seed_dir
from ..records import schema as schema_mod
from ..records import topics as topics_mod
from ..records.models import RECORD_TYPES, SCHEMA_VERSION
from .card import dataset_card
from .claimreview import claimreview
from .croissant import croissant
from . import policy
from .describe import Content, license_file
from .identity import REVIEW_PAGE, review_page
from .passages import seed_texts
from .release import FILES, MANIFEST, Release, ReleaseError, version_key, versions
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
        version = path.read_bytes().decode("utf-8").strip()
    except FileNotFoundError:
        raise ReleaseError(f"{path} is missing: it declares the version to release") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReleaseError(f"{path} cannot be read ({exc}): it is a text file holding the version, e.g. 1.2.0") from None
    version_key(version)
    return version


def release_date(changelog: Path, version: str) -> str | None:
    """The date of ``## [version] - YYYY-MM-DD`` in the changelog (the release date), or None
    while the version has no dated entry (it is not released yet)."""
    try:
        text = changelog.read_bytes().decode("utf-8") if changelog.is_file() else ""
    except UnicodeDecodeError as exc:
        raise ReleaseError(f"{changelog} is not valid UTF-8 (byte {exc.start}): save it as UTF-8") from None
    match = re.search(rf"^## \[{re.escape(version)}\] - ([0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}})\s*$", text, re.MULTILINE)
    if match is None:
        return None
    try:
        dt.date.fromisoformat(match.group(1))
    except ValueError:
        raise ReleaseError(f"{changelog}: the entry of {version} is dated {match.group(1)}, but {match.group(1)} is not a date "
                           "(YYYY-MM-DD)") from None
    return match.group(1)


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


def data_files(records: list) -> dict[str, bytes]:
    """The files that are a release's identity: its records and their schema. Everything
    else (card, metadata exports, figures) is derived from them."""
    by_type = {t: [r for r in records if r.type == t] for t in FILES.values()}
    files = {f"{name}.jsonl": _jsonl(by_type[t]) for name, t in FILES.items()}
    files.update({f"schema/{name}": text for name, text in schema_mod.generated_files().items()})
    return {path: text.encode("utf-8") for path, text in files.items()}


SAMPLE_FILE = re.compile(r"stances-([0-9]{1,6})\.json")  # data/resamples/stances-N.json: the Nth fresh blind sample
SAMPLE_LIMIT = 16 * 1024 * 1024  # a sample is a few hundred labels; anything far larger is not one


def remeasured(folder: Path | None, records: list) -> dict | None:
    """The newest fresh blind sample in ``folder`` (``stances-N.json``, highest N) measured
    against ``records`` — what the card prints as the re-measure of the released labels — or
    None when there is no such folder or sample. A sample that cannot be read or names
    records that are not there is a ReleaseError: the card never prints a figure that could
    not be computed, nor quietly leaves one out."""
    if folder is None or not folder.is_dir():
        return None
    found = [(int(m.group(1)), path) for path in folder.iterdir() if (m := SAMPLE_FILE.fullmatch(path.name))]
    if not found:
        return None
    _, path = max(found)
    if path.is_symlink() or not path.is_file():
        raise ReleaseError(f"{path}: a fresh blind sample must be a regular file (not a link or anything else)")
    try:
        with path.open("rb") as fh:
            raw = fh.read(SAMPLE_LIMIT + 1)
    except OSError as exc:
        raise ReleaseError(f"{path} cannot be read: {exc.strerror or exc}") from None
    if len(raw) > SAMPLE_LIMIT:
        raise ReleaseError(f"{path} is larger than {SAMPLE_LIMIT} bytes: not a sample of labels")
    try:
        labels = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ReleaseError(f"{path} is not UTF-8 JSON ({exc})") from None
    by_type = {t: [r for r in records if r.type == t] for t in FILES.values()}
    try:
        report = resample(by_type, labels)
    except ValueError as exc:
        problems = exc.args[0] if exc.args and isinstance(exc.args[0], list) else [str(exc)]
        raise ReleaseError(f"{path} does not fit the records:" + "".join(f"\n  - {p}" for p in problems[:20])) from None
    return {"file": path.name, "report": report}


def render_release(records: list, version: str, date: str, figures: Figures | None = None,
                   baselines: Baselines | None = None, seed_dir: Path | None = None,
                   review_page_template: str = REVIEW_PAGE, topics: bytes | None = None,
                   remeasure: dict | None = None) -> dict[str, bytes]:
    """Every file of a release, by relative path, as bytes (manifest last): the records and
    their schema, the task views, and what is derived from them (card, licence, Croissant,
    ClaimReview, figures). ``seed_dir``: where the seed texts are (default: the bundled ones).
    ``topics`` is the topic registry the records were validated with, released as
    ``topics.json`` (beside the data files, like the card: a registry edited since does not
    make another release). ``remeasure``: :func:`remeasured`, printed on the card."""
    by_type = {t: [r for r in records if r.type == t] for t in FILES.values()}
    files: dict[str, str | bytes] = dict(data_files(records))
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
                      with_timeline="timeline.png" in drawn, remeasured=remeasure)
    files["README.md"] = dataset_card(content)
    files["LICENSE"] = license_file(content)
    files["claimreview.jsonld"] = claimreview(by_type, version, date, content.review_page)
    as_bytes = {path: data if isinstance(data, bytes) else data.encode("utf-8") for path, data in files.items()}
    files["croissant.json"] = croissant(content, as_bytes)
    files.update(drawn)
    if topics is not None:
        files[topics_mod.FILE_NAME] = topics
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
    releases: Path | None = None,
    baselines: Baselines | None = None,
    seed_dir: Path | None = None,
    review_page_template: str = REVIEW_PAGE,
    _fail_after: int | None = None,
    topics: Path | None = None,
    resamples: Path | None = None,
) -> BuildOutcome:
    """Validate ``curated`` and write release ``version`` under ``out_dir``.

    Raises ReleaseError (nothing written) when the data is invalid, breaks a release
    rule (:mod:`factset.curation.coverage`, on the seeds of ``seed_dir``), when ``version``
    is already there with other data, or when it breaks the release policy against the
    newest release in ``releases`` (default: ``out_dir``; a preview is checked against
    the releases). A release is its data files: one rebuilt with other figures or another
    card is the same release, left as it is. The release carries the topic registry
    ``topics`` (by default the code's, ``data/topics.json``), which ``validate`` must check
    the records against. ``resamples``: the folder of fresh blind samples (``data/resamples``);
    the card prints the newest one's agreement with the records. ``_fail_after`` makes the writer fail after that many files
    (tests only).
    """
    topics = topics or topics_mod.default_path()
    try:
        topics_mod.load(topics)
    except topics_mod.TopicsError as exc:
        raise ReleaseError(f"the topic registry every release carries cannot be read: {exc}") from None
    result = validate([curated])
    if not result.ok:
        raise ReleaseError(f"{result.count} validation error(s) in {curated}; run 'factset validate' to see them")
    records = read_models(expand([curated]))
    if not records:
        raise ReleaseError(f"{curated} holds no records: there is nothing to release")
    problems = release_problems(records, seed_dir or default_seed_dir())
    if problems:
        raise ReleaseError(f"{curated} is valid but breaks the release rules (docs/CURATION.md, 'Release rules'):"
                           + "".join(f"\n  - {problem}" for problem in problems))
    target = out_dir / version
    if target.exists():
        return _same_release(target, records, version, releases or out_dir)
    policy.check(records, version, releases or out_dir)
    files = render_release(records, version, date, figures, baselines, seed_dir, review_page_template, topics.read_bytes(),
                           remeasured(resamples, records))
    counts = json.loads(files[MANIFEST])["counts"]

    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(out_dir)
    tmp = out_dir / f"{BUILDING}{version}.{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()  # with the umask's mode (a temporary directory would be 0700: others could not read the release)
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


BUILDING = ".building-"  # a release being written: hidden, never a version, never shipped
_OLD_TEMPORARY = re.compile(r"\.[0-9]+\.[0-9]+\.[0-9]+\.[a-z0-9_]{8}")  # what earlier builds named theirs


def _remove_abandoned(out_dir: Path) -> None:
    """Remove what killed builds left: temporary folders whose process is gone."""
    for path in out_dir.iterdir():
        name = path.name
        if name.startswith(BUILDING):
            pid = name.rsplit(".", 1)[-1]
            if pid.isdigit() and _running(int(pid)) and int(pid) != os.getpid():
                continue  # another build, writing now
        elif not _OLD_TEMPORARY.fullmatch(name):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # (it exists, and is another user's)
        return True
    return True


def _same_release(target: Path, records: list, version: str, releases: Path) -> BuildOutcome:
    """An existing release, if ``records`` are its data; else a ReleaseError saying which
    data files differ and which version to release instead."""
    differing = [rel for rel, blob in sorted(data_files(records).items())
                 if not (target / rel).is_file() or (target / rel).read_bytes() != blob]
    if differing:
        newest = versions(releases)[-1] if versions(releases) else version
        level = policy.compare(records, releases, newest).level if (releases / newest).is_dir() else "MAJOR"
        raise ReleaseError(
            f"release {version} already exists at {target} and its data differ in: {', '.join(differing[:5])}. "
            f"A released version is never rewritten: against {newest} this is a {level} change, set data/VERSION to "
            f"{policy.next_version(newest, level)} and add a CHANGELOG.md entry.")
    counts = {name: sum(r.type == t for r in records) for name, t in FILES.items()}
    return BuildOutcome(version, target, "unchanged", counts)
