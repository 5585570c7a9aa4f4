"""The ``factset`` command.

Exit codes (stable, for CI): 0 clean, 1 invalid data, 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .records import schema as schema_mod
from .curation.loader import DEFAULT_MAX_LINE_BYTES
from .curation.reporters import REPORTERS
from .curation.seeds import SeedStore, default_seed_dir

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_PUSH_FAILED = 0, 1, 2, 3
CURATED_DIR = Path("data/curated")
PREVIEW_DIR = Path("build/preview")  # where 'factset build' writes a version not released yet (git-ignored)


class UsageError(Exception):
    pass


def _existing(paths: list[Path]) -> list[Path]:
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    return paths


def cmd_validate(args) -> int:
    from .curation.validate import validate

    paths = _existing(args.paths or [CURATED_DIR])
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    topics = _existing([args.topics])[0] if args.topics is not None else None
    result = validate(paths, against=_existing(args.against), seed_dir=args.seeds, max_line_bytes=args.max_line_bytes,
                      jobs=args.jobs, fast=not args.slow, progress=args.progress, topics=topics)
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
    count = {status: sum(c.status == status for c in changes) for status in ("filled", "to fill", "error")}
    parts = [f"{count['filled']} evidence record(s) filled"] if args.write else []
    if count["to fill"]:
        parts.append(f"{count['to fill']} to fill (use --write)")
    if count["error"]:
        parts.append(f"{count['error']} quote(s) not usable (see above)")
    print("; ".join(parts) or "all offsets in place")
    # Offsets to fill are not a failure: every quote was found, --write fills them.
    return EXIT_INVALID if count["error"] else EXIT_OK


def cmd_locate(args) -> int:
    from .curation.seeds import SeedError

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
    from .publish.release import ReleaseError
    from .research.timeline import release_figures

    try:
        version = read_version(args.data)
        date = release_date(args.changelog, version)
        out = args.data / "releases"
        if date is None:  # not released yet: a preview, rebuilt each time, outside the releases
            out, date = PREVIEW_DIR, "unreleased"
            shutil.rmtree(out / version, ignore_errors=True)
        print(f"validating {args.data / 'curated'} ...", file=sys.stderr)
        topics = args.data / "topics.json"  # the registry the release is checked against, and carries
        outcome = build(args.data / "curated", out, version, date,
                        validate=lambda paths: validate(paths, seed_dir=args.seeds, topics=topics), figures=release_figures,
                        topics=topics, seed_dir=args.seeds)
    except ReleaseError as exc:
        print(f"factset build: {exc}", file=sys.stderr)
        return EXIT_INVALID
    counts = ", ".join(f"{n} {name}" for name, n in outcome.counts.items())
    if out == PREVIEW_DIR:
        print(f"built a preview of release {outcome.version} at {outcome.path} ({counts}); it is released once "
              f"{args.changelog} has an entry '## [{version}] - YYYY-MM-DD'")
        return EXIT_OK
    verb = "built" if outcome.status == "built" else "already built, identical:"
    print(f"{verb} release {outcome.version} at {outcome.path} ({counts})")
    return EXIT_OK


def cmd_push(args) -> int:
    from .publish.release import ReleaseError, release_path, verify

    try:
        path = release_path(args.version)
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

    try:
        release = load(args.version)
    except ReleaseError as exc:
        print(f"factset report: {exc}", file=sys.stderr)
        return EXIT_INVALID
    try:
        from .research.report import write_report
    except ImportError as exc:
        raise UsageError(f"the report needs matplotlib ({exc}): pip install 'factset[report]'") from None
    out = args.out or Path("report") / release.version
    for path in write_report(release, out, args.topic):
        print(f"wrote {path}")
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
    p.add_argument("--topics", type=Path, metavar="FILE",
                   help="topic registry to check topics against (default: that of the --against release, else "
                        "data/topics.json of the code; see docs/CURATION.md, 'Topics')")
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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"factset: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
