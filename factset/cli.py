"""The ``factset`` command.

Exit codes (stable, for CI): 0 clean, 1 invalid data, 2 usage error (including a path
that cannot be read or written, a full disk), 3 an upload refused (push only), 130
interrupted, 141 the output's reader has gone (a closed pipe).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .records import schema as schema_mod
from .curation.loader import DEFAULT_MAX_LINE_BYTES
from .curation.reporters import REPORTERS, shown
from .curation.seeds import SeedStore, default_seed_dir

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_PUSH_FAILED = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 130, 141  # as a shell reports a process ended by SIGINT, SIGPIPE
CURATED_DIR = Path("data/curated")
PREVIEW_DIR = Path("build/preview")  # where 'factset build' writes a version not released yet (git-ignored)


INSTALL_REPORT = "pip install 'factset[report]'"


class UsageError(Exception):
    pass


def _existing(paths: list[Path]) -> list[Path]:
    """Paths named on the command line: each a regular file or a folder (a FIFO or a device
    would block or never end)."""
    missing = [shown(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    special = [shown(p) for p in paths if not (p.is_dir() or p.is_file())]
    if special:
        raise UsageError(f"not a regular file or folder: {', '.join(special)} (only regular files are read)")
    return paths


def cmd_validate(args) -> int:
    from .curation.validate import validate

    paths = _existing(args.paths or [CURATED_DIR])
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.max_line_bytes < 1:
        raise UsageError("--max-line-bytes must be at least 1")
    result = validate(paths, against=_existing(args.against), seed_dir=args.seeds, max_line_bytes=args.max_line_bytes,
                      jobs=args.jobs, fast=not args.slow, progress=args.progress)
    REPORTERS[args.format](result, sys.stdout)
    return EXIT_OK if result.ok else EXIT_INVALID


def cmd_schema(args) -> int:
    out = args.dir or schema_mod.committed_dir()
    if args.check:
        stale = schema_mod.drift(out)
        for name in stale:
            print(f"{out / name}: differs from the models; run 'factset schema' and commit the result")
        if not stale:
            print(f"ok: {out} matches the models")
        return EXIT_INVALID if stale else EXIT_OK
    for path in schema_mod.write(out):
        print(f"wrote {path}")
    return EXIT_OK


def cmd_offsets(args) -> int:
    from .curation.loader import expand
    from .curation.offsets import fill, seed_files_by_source

    paths = _existing(args.paths)
    sources = seed_files_by_source(paths + _existing(args.against or ([CURATED_DIR] if CURATED_DIR.exists() else [])))
    seeds = SeedStore(args.seeds or default_seed_dir())
    changes = [c for path in expand(paths) for c in fill(path, seeds, sources, args.write)]
    for c in changes:
        print(f"{c.path}:{c.line}: {c.record_id}: {c.message} [{c.status}]")
    unresolved = [c for c in changes if not c.resolved]
    filled = len(changes) - len(unresolved)
    print(f"{filled} evidence record(s) filled, {len(unresolved)} unresolved")
    return EXIT_INVALID if unresolved else EXIT_OK


def cmd_locate(args) -> int:
    from .curation.seeds import SeedError

    if not args.quote:
        raise UsageError("the quote is empty: give the passage to locate")
    seeds = SeedStore(args.seeds or default_seed_dir())
    try:
        start, end = seeds.get(args.seed_file).locate(args.quote)
    except SeedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    print(f"{start} {end}")
    return EXIT_OK


def cmd_build(args) -> int:
    from .curation.validate import validate
    import shutil

    from .publish.build import build, read_version, release_date
    from .publish.release import UNRELEASED, ReleaseError
    from .research.timeline import can_draw, release_figures

    curated, releases = args.data / "curated", args.data / "releases"
    if not curated.is_dir():
        raise UsageError(f"{curated}: no such folder (the curated records to release)")
    # Figures are derived: drawn where matplotlib is installed; a release is its data.
    figures = release_figures if can_draw() else None
    try:
        version = read_version(args.data)
        date = release_date(args.changelog, version)
        out = releases
        if date is None:  # not released yet: a preview, rebuilt each time, outside the releases
            out, date = PREVIEW_DIR, UNRELEASED
            shutil.rmtree(out / version, ignore_errors=True)
        elif figures is None and not (out / version).exists():
            raise ReleaseError(f"a new release carries its timeline figure, drawn with matplotlib: {INSTALL_REPORT}")
        print(f"validating {curated} ...", file=sys.stderr)
        outcome = build(curated, out, version, date, validate=lambda paths: validate(paths, seed_dir=args.seeds),
                        figures=figures, releases=releases)
    except ReleaseError as exc:
        print(f"factset build: {exc}", file=sys.stderr)
        return EXIT_INVALID
    counts = ", ".join(f"{n} {name}" for name, n in outcome.counts.items())
    if out == PREVIEW_DIR:
        drawn = "" if figures else f" (no figures: matplotlib is not installed; {INSTALL_REPORT})"
        print(f"built a preview of release {outcome.version} at {outcome.path} ({counts}){drawn}; it is released once "
              f"{args.changelog} has an entry '## [{version}] - YYYY-MM-DD'")
        return EXIT_OK
    verb = "built" if outcome.status == "built" else "already built, identical data:"
    print(f"{verb} release {outcome.version} at {outcome.path} ({counts})")
    return EXIT_OK


# A Hub repository id: "name" or "namespace/name", each of letters, digits, '-', '_' and '.',
# beginning and ending with a letter, digit or '_', no '--' or '..', at most 96 characters
# (huggingface_hub.utils.validate_repo_id).
_HUB_NAME = r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?"
HUB_REPO_ID = re.compile(rf"(?:{_HUB_NAME}/)?{_HUB_NAME}")


def _released(version: str | None) -> str | None:
    """``--version``: a released version (or None for the latest); an unknown one is a usage error."""
    from .publish.release import releases_dir, versions

    if version is not None and version not in versions():
        raise UsageError(f"release {version!r} not found in {releases_dir()}; available: {', '.join(versions()) or 'none'}")
    return version


def cmd_push(args) -> int:
    from .publish.release import ReleaseError, release_path, verify

    repo_id = args.repo_id
    if not (HUB_REPO_ID.fullmatch(repo_id) and len(repo_id) <= 96 and "--" not in repo_id and ".." not in repo_id):
        raise UsageError(f"--repo-id {repo_id!r} is not a Hub repository id (e.g. your-name/factset)")
    try:
        path = release_path(_released(args.version))
        verify(path)
    except ReleaseError as exc:
        print(f"factset push: {exc}", file=sys.stderr)
        return EXIT_INVALID
    try:
        from huggingface_hub import HfApi, errors
    except ImportError:
        raise UsageError("pushing needs huggingface_hub: pip install 'factset[hf]'") from None
    # What the Hub or the network can answer: no token, a refused or malformed repo id, no
    # connection. HTTP errors are OSErrors in every huggingface_hub; in 1.x and later the
    # transport's own errors are not, and errors.HTTPError names their base.
    failures = (OSError, ValueError, getattr(errors, "HTTPError", OSError))
    api = HfApi()
    try:
        api.create_repo(args.repo_id, repo_type="dataset", exist_ok=True, private=args.private)
        api.upload_folder(folder_path=str(path), repo_id=args.repo_id, repo_type="dataset",
                          commit_message=f"factset {path.name}", revision=args.revision)
    except failures as exc:
        print(f"factset push: could not push {path.name} to {args.repo_id}: {exc}", file=sys.stderr)
        return EXIT_PUSH_FAILED
    print(f"pushed {path} to {args.repo_id}")
    return EXIT_OK


def cmd_report(args) -> int:
    from .publish.release import ReleaseError, load
    from .research.timeline import can_draw

    if not can_draw():
        raise UsageError(f"the report draws its figures with matplotlib, which is not installed: {INSTALL_REPORT}")
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {shown(args.out)} is a file: the report is a folder (index.html and its figures)")
    try:
        release = load(_released(args.version))
    except ReleaseError as exc:
        print(f"factset report: {exc}", file=sys.stderr)
        return EXIT_INVALID
    from .research.report import write_report

    out = args.out or Path("report") / release.version
    for path in write_report(release, out, args.topic):
        print(f"wrote {path}")
    return EXIT_OK


def cmd_agreement(args) -> int:
    import json

    from .curation.agreement import as_text, measure
    from .publish.release import ReleaseError, load

    if args.release is not None:
        try:
            release = load(args.release)
        except ReleaseError as exc:
            print(f"factset agreement: {exc}", file=sys.stderr)
            return EXIT_INVALID
        records = {"source": release.sources, "entity": release.entities, "claim": release.claims,
                   "evidence": release.evidence}
    else:
        from .curation.validate import validate
        from .publish.build import read_models

        paths = _existing(args.paths or [CURATED_DIR])
        result = validate(paths, seed_dir=args.seeds)
        if not result.ok:
            print(f"factset agreement: {result.count} validation error(s); run 'factset validate' first", file=sys.stderr)
            return EXIT_INVALID
        from .curation.loader import expand

        records = {}
        for record in read_models(expand(paths)):
            records.setdefault(record.type, []).append(record)
    report = measure(records)
    if args.format == "json":
        sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(as_text(report))
    return EXIT_OK


def _curated_records(paths: list[Path]) -> dict[Path, list[dict]]:
    """The records of each curated file, as dicts in file order (strictly parsed)."""
    from .curation.loader import expand, read_lines

    out: dict[Path, list[dict]] = {}
    for path in expand(_existing(paths)):
        records = []
        for line in read_lines(path):
            if line.error is not None:
                raise UsageError(f"{line.path}:{line.number}: {line.error.message}; run 'factset validate' first")
            records.append(line.data)
        out[path] = records
    return out


def cmd_review_packets(args) -> int:
    import json

    from .curation.blind_review import entity_table, first_labels, packets

    files = _curated_records(args.paths or [CURATED_DIR])
    records = [d for recs in files.values() for d in recs]
    seeds = SeedStore(args.seeds or default_seed_dir())
    args.out.mkdir(parents=True, exist_ok=True)
    items = packets(records, seeds, args.context)
    (args.out / "items.jsonl").write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    for name, sides in (("entities.json", True), ("entities-without-sides.json", False)):
        (args.out / name).write_text(json.dumps(entity_table(records, sides), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    first = args.out.parent / f"{args.out.name}.first-labels.json"  # beside, not inside: the annotator never gets it
    first.write_text(json.dumps(first_labels(records), indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(items)} blind items to {args.out} (give the annotator that folder and docs/ANNOTATION.md); "
          f"the first labels are kept apart in {first}")
    return EXIT_OK


def cmd_review_record(args) -> int:
    import json

    from .curation.blind_review import differences, record_reviews, rewrite_jsonl

    def read(path: Path | None) -> dict:
        if path is None:
            return {}
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read {path}: {exc}") from None

    files = _curated_records(args.paths or [CURATED_DIR])
    first, second, adjudicated = read(args.first), read(args.second), read(args.adjudicated)
    records = [d for recs in files.values() for d in recs]
    if not args.adjudicated:
        for rid, aspect, a, b in differences(first, second):
            print(f"{rid} {aspect}: first {a!r}, second {b!r}")
        return EXIT_OK
    try:
        pending = record_reviews(records, first, second, adjudicated, args.annotator, args.adjudicator)
    except ValueError as exc:
        print(f"factset review record: {exc}", file=sys.stderr)
        return EXIT_INVALID
    for path, recs in files.items():
        rewrite_jsonl(path, recs)
    for rid, aspect, final, now in pending:
        print(f"{rid} {aspect}: adjudicated {final!r}, the record says {now!r}: edit it, then record again")
    reviewed = sum(d["curation"]["review_status"] == "reviewed" for d in records)
    print(f"recorded reviews; {reviewed} of {len(records)} records reviewed, {len(pending)} label(s) to edit")
    return EXIT_OK


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("factset")
    except PackageNotFoundError:
        return "unknown (not installed)"


class _VersionAction(argparse.Action):
    """--version, looked up only when asked for: reading package metadata slows every command."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help="show the version and exit"):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"factset {_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="factset", description="Validate, build and publish the factset dataset.")
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check record files (JSONL) and report every error")
    p.add_argument("paths", nargs="*", type=Path, help=f"files or folders of *.jsonl (default: {CURATED_DIR})")
    p.add_argument("--against", action="append", type=Path, default=[], metavar="PATH",
                   help="published records the checked ones may refer to (e.g. a release folder); repeatable")
    p.add_argument("--format", choices=sorted(REPORTERS), default="text")
    p.add_argument("--seeds", type=Path, help="folder of seed texts (default: the bundled seeds/)")
    p.add_argument("--max-line-bytes", type=int, default=DEFAULT_MAX_LINE_BYTES, help="longest line accepted (default: 1 MiB)")
    p.add_argument("--jobs", "-j", type=int, default=1, help="worker processes for large files (default: 1)")
    p.add_argument("--slow", action="store_true",
                   help="reference path: strict json, jsonschema and the Pydantic models on every record (same result, slower)")
    p.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress bar (there is none anyway when stderr is not a terminal or CI is set)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("build", help="validate the curated records and write the release named in data/VERSION")
    p.add_argument("--data", type=Path, default=Path("data"), help="data folder with curated/, releases/ and VERSION (default: data)")
    p.add_argument("--changelog", type=Path, default=Path("CHANGELOG.md"), help="the release date is read from its entry")
    p.add_argument("--seeds", type=Path, help="folder of seed texts (default: the bundled seeds/)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("push", help="upload a release folder to the Hugging Face Hub (needs network and a token)")
    p.add_argument("--repo-id", required=True, help="e.g. your-name/factset")
    p.add_argument("--version", help="release to push (default: the latest)")
    p.add_argument("--revision", help="branch to push to (default: main)")
    p.add_argument("--private", action="store_true")
    p.set_defaults(func=cmd_push)

    p = sub.add_parser("report", help="write an HTML page and PNG figures: estimate timeline, source x claim matrix, tables")
    p.add_argument("--version", help="release to report on (default: the latest)")
    p.add_argument("--out", type=Path, help="output folder (default: report/<version>)")
    p.add_argument("--topic", default="nk-troops-in-russia-count", help="topic of the timeline (default: %(default)s)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("agreement", help="inter-annotator agreement (Cohen's kappa, n, 95% CI) from the recorded reviews")
    p.add_argument("paths", nargs="*", type=Path, help=f"record files or folders (default: {CURATED_DIR})")
    p.add_argument("--release", help="measure a published release instead (a version, e.g. 1.0.0)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="a table, or JSON (the card's source)")
    p.add_argument("--seeds", type=Path, help="folder of seed texts (default: the bundled seeds/)")
    p.set_defaults(func=cmd_agreement)

    p = sub.add_parser("review", help="the blind second annotation: write blind packets; record labels and adjudication")
    review = p.add_subparsers(dest="review_command", required=True, metavar="STEP")
    q = review.add_parser("packets", help="write a blind item per record for a second annotator (first labels kept apart)")
    q.add_argument("paths", nargs="*", type=Path, help=f"curated files or folders (default: {CURATED_DIR})")
    q.add_argument("--out", type=Path, required=True, help="folder for the items (the first labels go beside it)")
    q.add_argument("--context", type=int, default=300, help="characters of seed text around a passage (default: 300)")
    q.add_argument("--seeds", type=Path, help="folder of seed texts (default: the bundled seeds/)")
    q.set_defaults(func=cmd_review_packets)
    q = review.add_parser("record", help="compare the two annotations; with --adjudicated, write the reviews into the records")
    q.add_argument("paths", nargs="*", type=Path, help=f"curated files or folders (default: {CURATED_DIR})")
    q.add_argument("--first", type=Path, required=True, help="the first labels 'review packets' kept apart")
    q.add_argument("--second", type=Path, required=True, help="the second annotator's labels: {record id: {aspect: label}}")
    q.add_argument("--adjudicated", type=Path, help="the third reading: {record id: {aspect: {final, note}}}; "
                                                     "without it, only list the differences")
    q.add_argument("--annotator", default="second-annotator", help="who labelled blind")
    q.add_argument("--adjudicator", help="who adjudicated")
    q.set_defaults(func=cmd_review_record)

    p = sub.add_parser("schema", help="write the JSON Schema files generated from the models")
    p.add_argument("--check", action="store_true", help="only check that the committed files match the models")
    p.add_argument("--dir", type=Path, help="folder of schema files (default: schema/)")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("offsets", help="check evidence offsets against the seeds; --write fills them in")
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--write", action="store_true", help="rewrite wrong or missing offsets in place")
    p.add_argument("--against", action="append", type=Path, default=[], metavar="PATH", help="where to find source records")
    p.add_argument("--seeds", type=Path)
    p.set_defaults(func=cmd_offsets)

    p = sub.add_parser("locate", help="print the start and end offsets of a quote in a seed")
    p.add_argument("seed_file")
    p.add_argument("quote")
    p.add_argument("--seeds", type=Path)
    p.set_defaults(func=cmd_locate)
    return parser


def _check_common(args) -> None:
    """Options several commands share, checked once: a seed folder that is not there would
    otherwise switch every quote check off."""
    seeds = getattr(args, "seeds", None)
    if seeds is not None and not seeds.is_dir():
        raise UsageError(f"--seeds {seeds}: no such folder")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _check_common(args)
        code = args.func(args)
        sys.stdout.flush()  # here, so that an output that cannot be written is reported like any error
        return code
    except UsageError as exc:
        print(f"factset: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # the reader has gone (e.g. '| head -1'): nothing more to say to it
        _stdout_to_devnull()
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # a path that cannot be read or written, a full disk: not the data's fault
        _stdout_to_devnull()
        print(f"factset: error: {shown(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("factset: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _stdout_to_devnull() -> None:
    """Send what is left in stdout's buffer nowhere, so that exiting does not fail again on it."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # (stdout without a file descriptor, as under test)
        pass


if __name__ == "__main__":
    sys.exit(main())
