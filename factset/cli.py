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
    from .publish.identity import REVIEW_PAGE
    from .research.baselines import section
    from .research.timeline import release_figures

    try:
        version = read_version(args.data)
        date = release_date(args.changelog, version)
        out = args.data / "releases"
        if date is None:  # not released yet: a preview, rebuilt each time, outside the releases
            out, date = PREVIEW_DIR, "unreleased"
            shutil.rmtree(out / version, ignore_errors=True)
        print(f"validating {args.data / 'curated'} ...", file=sys.stderr)
        outcome = build(args.data / "curated", out, version, date,
                        validate=lambda paths: validate(paths, seed_dir=args.seeds), figures=release_figures,
                        baselines=section, seed_dir=args.seeds, review_page_template=args.review_page or REVIEW_PAGE)
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


def _release_for(args, command: str):
    """(path, version) of the release a research command reads: ``--release DIR`` (a release
    folder, e.g. a preview under build/preview) or ``--version`` of the bundled releases."""
    from .publish.release import ReleaseError, release_path, verify

    try:
        if args.release is not None:
            if not args.release.is_dir():
                raise UsageError(f"{args.release} is not a release folder")
            manifest = verify(args.release)
            return args.release, manifest["version"]
        path = release_path(args.version)
        return path, verify(path)["version"]
    except ReleaseError as exc:
        print(f"factset {command}: {exc}", file=sys.stderr)
        return None, None


def cmd_score(args) -> int:
    import json

    from .research.score import ScoreError, as_text, score

    path, version = _release_for(args, "score")
    if path is None:
        return EXIT_INVALID
    if not args.predictions.exists():
        raise UsageError(f"no such file: {args.predictions}")
    try:
        result, problems = score(path, version, args.task, args.predictions, args.split)
    except ScoreError as exc:
        raise UsageError(str(exc)) from None
    if problems:
        if args.format == "json":
            print(json.dumps({"errors": [{"path": p.path, "line": p.line, "pointer": p.pointer, "message": p.message}
                                         for p in problems]}, indent=2))
        else:
            for problem in problems:
                print(problem)
            print(f"invalid: {len(problems)} problem(s) in {args.predictions}; nothing scored")
        return EXIT_INVALID
    print(json.dumps(result, indent=2) if args.format == "json" else as_text(result), end="" if args.format == "text" else "\n")
    return EXIT_OK


def cmd_baselines(args) -> int:
    import json

    from .publish.splits import SPLITS
    from .publish.tasks import TASKS
    from .research.baselines import as_markdown, run
    from .research.score import ScoreError, gold_rows

    path, version = _release_for(args, "baselines")
    if path is None:
        return EXIT_INVALID
    try:
        rows = {task: {split: gold_rows(path, task, split) for split in SPLITS} for task in TASKS}
    except ScoreError as exc:
        print(f"factset baselines: {exc}", file=sys.stderr)
        return EXIT_INVALID
    results = run(rows)
    if args.write_readme is not None:
        return _write_baselines(args.write_readme, as_markdown(results))
    if args.format == "json":
        print(json.dumps({"release": version, "split": "test", "baselines": results}, indent=2))
    else:
        print(f"baselines of release {version}, fitted on train, scored on test:\n")
        print(as_markdown(results), end="")
    return EXIT_OK


BASELINES_BLOCK = ("<!-- baselines -->\n", "<!-- /baselines -->")


def _write_baselines(path: Path, table: str) -> int:
    """Put ``table`` between the baselines markers of a Markdown file (the README)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    start, end = BASELINES_BLOCK
    if text.count(start) != 1 or text.count(end) != 1 or text.index(start) > text.index(end):
        raise UsageError(f"{path} needs one '{start.strip()}' line and one '{end}' after it")
    before, rest = text.split(start)
    path.write_text(before + start + table + end + rest.split(end, 1)[1], encoding="utf-8")
    print(f"wrote the baseline scores into {path}")
    return EXIT_OK


def cmd_report(args) -> int:
    from .publish.release import ReleaseError, load

    path, version = _release_for(args, "report")
    if path is None:
        return EXIT_INVALID
    try:
        release = load(version, directory=path.parent)
    except ReleaseError as exc:
        print(f"factset report: {exc}", file=sys.stderr)
        return EXIT_INVALID
    try:
        from .research.report import write_report
    except ImportError as exc:
        raise UsageError(f"the report needs matplotlib ({exc}): pip install 'factset[report]'") from None
    from .research.timeline import topics

    if args.topic not in topics(release):
        raise UsageError(f"no claim of release {release.version} has the topic {args.topic!r}; topics: {', '.join(topics(release))}")
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
            print(f"factset agreement: {len(result.errors)} validation error(s); run 'factset validate' first", file=sys.stderr)
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
    p.add_argument("--review-page", metavar="URL",
                   help="where the release's report page is published; each ClaimReview's url is this page plus "
                        "'#<claim id>' ('{version}' is replaced; default: factset.publish.identity.REVIEW_PAGE)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("push", help="upload a release folder to the Hugging Face Hub (needs network and a token)")
    p.add_argument("--repo-id", required=True, help="e.g. your-name/factset")
    p.add_argument("--version", help="release to push (default: the latest)")
    p.add_argument("--revision", help="branch to push to (default: main)")
    p.add_argument("--private", action="store_true")
    p.set_defaults(func=cmd_push)

    p = sub.add_parser("report", help="write an HTML page and PNG figures: estimate timeline, source x claim matrix, tables")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--version", help="release to report on (default: the latest)")
    where.add_argument("--release", type=Path, metavar="DIR", help="a release folder, e.g. build/preview/1.0.0")
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

    p = sub.add_parser("score", help="score predictions for a task view (accuracy, macro-F1, per class, confusion)")
    p.add_argument("task", choices=("verification", "stance", "time_relations"))
    p.add_argument("predictions", type=Path, help='JSON Lines: {"id": ..., "label": ...} a line ("stance": ... for stance)')
    p.add_argument("--split", choices=("train", "test"), default="test")
    p.add_argument("--format", choices=("text", "json"), default="text")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--version", help="release to score against (default: the latest)")
    where.add_argument("--release", type=Path, metavar="DIR", help="a release folder, e.g. build/preview/1.0.0")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("baselines", help="run the baselines (fitted on train) and print their scores on test")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--write-readme", type=Path, metavar="FILE",
                   help="put the table between the '<!-- baselines -->' markers of FILE (the README) instead of printing it")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--version", help="release to use (default: the latest)")
    where.add_argument("--release", type=Path, metavar="DIR", help="a release folder, e.g. build/preview/1.0.0")
    p.set_defaults(func=cmd_baselines)

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
