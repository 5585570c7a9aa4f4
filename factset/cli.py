"""The ``factset`` command.

Exit codes (stable, for CI): 0 clean, 1 invalid data, 2 usage error (including a path
that cannot be read or written, a full disk), 3 ``push`` only: the Hub or the network
refused; 130 interrupted, 141 the output's reader has gone (a closed pipe).

Each subcommand is defined in one place: its ``cmd_*`` function and, right after it, a
function registered with :func:`command` that adds its parser and arguments. Adding a
command touches no other.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from .records import schema as schema_mod
from .curation.loader import DEFAULT_MAX_LINE_BYTES
from .curation.reporters import REPORTERS, shown
from .curation.seeds import SeedStore, default_seed_dir

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_PUSH_FAILED = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 130, 141  # as a shell reports a process ended by SIGINT, SIGPIPE
INSTALL_REPORT = "pip install 'factset[report]'"
CURATED_DIR = Path("data/curated")
PREVIEW_DIR = Path("build/preview")  # where 'factset build' writes a version not released yet (git-ignored)


def exit_codes(invalid: str = "invalid data (each message names the file, line and field)", **more: str) -> str:
    """The exit codes block of a ``--help``; ``invalid`` says what exit 1 means for the command."""
    codes = {"0": "success", "1": invalid, "2": "usage error (a bad option, a missing file, a path that cannot be written)",
             **{k.lstrip("_"): v for k, v in more.items()}}
    return "exit codes:\n" + "".join(
        textwrap.fill(meaning, 79, initial_indent=f"  {code}  ", subsequent_indent=" " * 5) + "\n"
        for code, meaning in codes.items())


EXIT_CODES = exit_codes()


class UsageError(Exception):
    """A mistake in the command line (exit 2)."""


class DataError(Exception):
    """The data the command reads is invalid or missing (exit 1); the message says which and what to do."""


# ------------------------------------------------------------------ the registry

_COMMANDS: list[Callable] = []


def command(define: Callable) -> Callable:
    """Register ``define(subparsers)``, which adds one subcommand (in the order defined here)."""
    _COMMANDS.append(define)
    return define


def subcommand(sub, name: str, help: str, exit_codes: str = EXIT_CODES, description: str | None = None):
    """A subcommand's parser, with its exit codes in its ``--help`` (``help`` is a format string: write % as %%)."""
    description = description or help[0].upper() + help[1:].replace("%%", "%") + "."
    return sub.add_parser(name, help=help, description=description,
                          epilog=exit_codes, formatter_class=argparse.RawDescriptionHelpFormatter)


class _RenamedOption(argparse.Action):
    """An option that was renamed: using it is a usage error that names the new spelling."""

    def __init__(self, option_strings, dest, new: str, why: str, **kwargs):
        super().__init__(option_strings, dest=argparse.SUPPRESS, nargs="?", help=argparse.SUPPRESS)
        self.new, self.why = new, why

    def __call__(self, parser, namespace, values, option_string=None):
        parser.error(f"{option_string} is now {self.new} ({self.why})")


def release_option(p, help: str, metavar: str = "VERSION") -> None:
    """``--release VERSION``; the old ``--version`` is refused, since ``factset --version`` prints the package's."""
    p.add_argument("--release", metavar=metavar, help=help)
    p.add_argument("--version", action=_RenamedOption, new="--release VERSION",
                   why="'factset --version' prints the package's version; a data release is chosen with --release")


def seeds_option(p) -> None:
    p.add_argument("--seeds", type=Path, metavar="DIR", help="folder of seed texts (default: the bundled seeds/)")


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


def _records(paths: list[Path], release: str | None, seeds: Path | None) -> dict[str, list]:
    """The records of a published release, or of record files once they validate, as models by type."""
    from .publish.release import ReleaseError, load

    if release is not None:
        try:
            loaded = load(release)
        except ReleaseError as exc:
            raise DataError(str(exc)) from None
        return {"source": loaded.sources, "entity": loaded.entities, "claim": loaded.claims, "evidence": loaded.evidence}
    from .curation.loader import expand
    from .curation.validate import validate
    from .publish.build import read_models

    if not paths and not CURATED_DIR.exists():  # not in a checkout: the newest release the package carries
        return _records([], _newest_release(), seeds)
    paths = _existing(paths or [CURATED_DIR])
    result = validate(paths, seed_dir=seeds)
    if not result.ok:
        raise DataError(f"{result.count} validation error(s) in {', '.join(map(str, paths))}; "
                        "run 'factset validate' first")
    records: dict[str, list] = {"source": [], "entity": [], "claim": [], "evidence": []}
    for record in read_models(expand(paths)):
        records[record.type].append(record)
    return records


def _newest_release() -> str:
    from .publish.release import ReleaseError, release_path

    try:
        version = release_path().name
    except ReleaseError as exc:
        raise DataError(f"no {CURATED_DIR} here and {exc}") from None
    print(f"(no {CURATED_DIR} here: reading release {version})", file=sys.stderr)
    return version


def offset(text: str) -> int:
    """A character offset (argparse names the type in its message: 'invalid offset value')."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative")
    return value


# ------------------------------------------------------------------ checking records


def cmd_validate(args) -> int:
    from .curation.validate import validate

    paths = _existing(args.paths or [CURATED_DIR])
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.max_line_bytes < 1:
        raise UsageError("--max-line-bytes must be at least 1")
    topics = _existing([args.topics])[0] if args.topics is not None else None
    result = validate(paths, against=_existing(args.against), seed_dir=args.seeds, max_line_bytes=args.max_line_bytes,
                      jobs=args.jobs, fast=not args.slow, progress=args.progress, topics=topics)
    REPORTERS[args.format](result, sys.stdout)
    return EXIT_OK if result.ok else EXIT_INVALID


@command
def _validate(sub):
    p = subcommand(sub, "validate", "check record files (JSONL) and report every error")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help=f"files or folders of *.jsonl (default: {CURATED_DIR})")
    p.add_argument("--against", action="append", type=Path, default=[], metavar="PATH",
                   help="published records the checked ones may refer to (e.g. a release folder); repeatable")
    p.add_argument("--format", choices=sorted(REPORTERS), default="text",
                   help="a line per error for people, or JSON for CI (default: text)")
    seeds_option(p)
    p.add_argument("--topics", type=Path, metavar="FILE",
                   help="topic registry to check topics against (default: that of the --against release, else "
                        "data/topics.json of the code; see docs/CURATION.md, 'Topics')")
    p.add_argument("--max-line-bytes", type=int, default=DEFAULT_MAX_LINE_BYTES, metavar="N",
                   help="longest line accepted, in bytes (default: 1 MiB)")
    p.add_argument("--jobs", "-j", type=int, default=1, metavar="N", help="worker processes for large files (default: 1)")
    p.add_argument("--slow", action="store_true",
                   help="reference path: strict json, jsonschema and the Pydantic models on every record (same result, slower)")
    p.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress bar (there is none anyway when stderr is not a terminal or CI is set)")
    p.set_defaults(func=cmd_validate)


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


@command
def _offsets(sub):
    p = subcommand(sub, "offsets", "check evidence offsets against the seeds; --write fills them in")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="record files or folders whose evidence to check")
    p.add_argument("--write", action="store_true", help="rewrite wrong or missing offsets in place")
    p.add_argument("--against", action="append", type=Path, default=[], metavar="PATH",
                   help=f"where to find the source records (default: {CURATED_DIR}); repeatable")
    seeds_option(p)
    p.set_defaults(func=cmd_offsets)


def _seed_file(source: str, against: list[Path]) -> str:
    """The seed file a source id names (looked up in the records), or the seed file name given."""
    from .curation.offsets import seed_files_by_source
    from .publish.release import release_path
    from .records.models import SOURCE_ID

    if not re.match(SOURCE_ID, source):
        return source
    if against:
        where = _existing(against)
    elif CURATED_DIR.exists():
        where = [CURATED_DIR]
    else:  # an installed package: the sources of the newest release
        where = [release_path(_newest_release()) / "sources.jsonl"]
    known = seed_files_by_source(where)
    if source not in known:
        raise UsageError(f"no source {source} in {', '.join(map(str, where))} (known: {', '.join(sorted(known)) or 'none'})")
    return known[source]


def cmd_locate(args) -> int:
    from .curation.seeds import SeedError

    if not args.quote:
        raise UsageError("the quote is empty: give the passage to locate")
    seeds = SeedStore(args.seeds or default_seed_dir())
    try:
        start, end = seeds.get(_seed_file(args.source, args.against)).locate(args.quote, near=args.near)
    except SeedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    print(f"{start} {end}")
    return EXIT_OK


@command
def _locate(sub):
    p = subcommand(sub, "locate", "print the start and end offsets of a quote in a seed", exit_codes=exit_codes(
        "the quote is not in the seed, or occurs more than once and --near does not pick one"))
    p.add_argument("source", metavar="SOURCE", help="a source id (src-003) or a seed file name (003_79ee2a5e145d287a.txt)")
    p.add_argument("quote", metavar="QUOTE", help="the passage, exactly as the seed has it")
    p.add_argument("--near", type=offset, metavar="OFFSET",
                   help="of several occurrences, the one starting nearest this offset")
    p.add_argument("--against", action="append", type=Path, default=[], metavar="PATH",
                   help=f"where to look a source id up (default: {CURATED_DIR}, else the newest release); repeatable")
    seeds_option(p)
    p.set_defaults(func=cmd_locate)


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


@command
def _schema(sub):
    p = subcommand(sub, "schema", "write the JSON Schema files generated from the models",
                   exit_codes=exit_codes("(--check) the committed files differ from the models"))
    p.add_argument("--check", action="store_true", help="only check that the committed files match the models")
    p.add_argument("--dir", type=Path, metavar="DIR", help="folder of schema files (default: schema/)")
    p.set_defaults(func=cmd_schema)


# ------------------------------------------------------------------ curating


def cmd_add_source(args) -> int:
    from .curation.new_source import Article, Refused, next_steps, plan, write

    article = Article(outlet=args.outlet, published=args.published, precision=args.precision, basis=args.basis,
                      date_note=args.date_note, title=args.title, byline=args.byline, dateline=args.dateline,
                      language=args.language, text_quality=args.text_quality, copyright=args.copyright,
                      narrator_id=args.narrator, curated_by=args.curated_by)
    seed_dir = args.seeds or args.data.parent / "seeds"
    try:
        planned = plan(args.path, article, args.data / "curated", seed_dir)
    except Refused as exc:
        if exc.usage:
            raise UsageError(str(exc)) from None
        print(f"factset add-source: {exc}; nothing written", file=sys.stderr)
        return EXIT_INVALID
    try:
        write(planned)
    except OSError as exc:
        print(f"factset add-source: could not write: {exc}; nothing written", file=sys.stderr)
        return EXIT_INVALID
    print(f"added {planned.source_id}: {planned.seed_path} (copied byte for byte), its source record in "
          f"{planned.sources_path}, and {planned.claims_path} (empty, for its claims)")
    print("next steps:")
    for n, step in enumerate(next_steps(planned), 1):
        print(f"  {n}. {step}")
    if seed_dir.resolve() != default_seed_dir().resolve():
        print(f"note: this factset reads seeds from {default_seed_dir()} by default: validate with --seeds {seed_dir}")
    return EXIT_OK


@command
def _add_source(sub):
    p = subcommand(sub, "add-source", "add a new article: copy it into seeds/, append its Source record, create its "
                   "claims file", exit_codes=exit_codes(
                       "the text cannot be a seed (already present, empty, not UTF-8, a BOM, a link, not a regular "
                       "file) or the curated data cannot take it; nothing is written",
                       _2="usage error (a bad option or an impossible date); nothing is written"),
                   description=(
                       "Add a new article: copy its text byte for byte into seeds/ as NNN_<first 16 hex of its sha256>.txt "
                       "(NNN: the next number), append its Source record (draft) to data/curated/sources.jsonl and create "
                       "data/curated/claims-NNN.jsonl. Nothing is written when anything is refused. "
                       "See docs/CURATION.md, 'Adding an article'."))
    p.add_argument("path", type=Path, metavar="PATH", help="the article's text: a regular UTF-8 file without BOM")
    p.add_argument("--outlet", required=True, metavar="NAME", help="the publishing outlet, as the text shows it")
    p.add_argument("--published", required=True, metavar="YYYY-MM-DD",
                   help="publication date (the first day of the period for a coarser --precision; a week's Monday)")
    p.add_argument("--precision", choices=("day", "week", "month", "year"), default="day",
                   help="how precisely the date is known (default: day)")
    p.add_argument("--basis", default="stated",
                   choices=("stated", "inferred_from_weekday", "inferred_from_context", "publication_date", "other_source"),
                   help="how the date was obtained (default: stated, the text gives it)")
    p.add_argument("--date-note", metavar="TEXT", help="how the date was read, when the basis is not 'stated'")
    p.add_argument("--title", metavar="TEXT", help="the headline as the text has it (default: none)")
    p.add_argument("--byline", action="append", default=[], metavar="NAME", help="an author the text names; repeatable")
    p.add_argument("--dateline", metavar="TEXT", help="the dateline, e.g. 'KYIV, Ukraine' (default: none)")
    p.add_argument("--language", default="en", metavar="CODE", help="the text's language, a BCP 47 tag (default: en)")
    p.add_argument("--text-quality", choices=("clean", "minor_errors", "degraded_machine_translation"), default="clean",
                   help="the state of the text (default: clean; list what you notice in quality_notes)")
    p.add_argument("--copyright", default="unknown", metavar="HOLDER",
                   help="who holds the article's copyright, as the text says (default: unknown)")
    p.add_argument("--narrator", metavar="ENTITY_ID",
                   help="the entity who narrates (the outlet or its author); default: the news_outlet entity named "
                        "like --outlet, if there is one, else none")
    p.add_argument("--curated-by", default="factset-core", metavar="NAME", help="who adds it (default: factset-core)")
    p.add_argument("--data", type=Path, default=Path("data"), metavar="DIR",
                   help="data folder holding curated/ (default: data)")
    p.add_argument("--seeds", type=Path, metavar="DIR", help="seed folder to copy the text into (default: seeds/ beside --data)")
    p.set_defaults(func=cmd_add_source)


EXPORT_FORMATS = ("label-studio", "web-annotation")


def _seed_texts(sources: list, seed_dir: Path | None) -> dict[str, str]:
    """Each source's seed text, by source id."""
    from .curation.seeds import SeedError

    seeds = SeedStore(seed_dir or default_seed_dir())
    try:
        return {s.id: seeds.get(s.seed_file).text for s in sources}
    except SeedError as exc:
        raise DataError(str(exc)) from None


def cmd_export(args) -> int:
    import json

    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out}: is not a folder")
    records = _records(args.paths, args.release, args.seeds)
    texts = _seed_texts(records["source"], args.seeds)
    if args.format == "web-annotation":
        from .curation.web_annotation import collection

        doc = collection(records["source"], records["claim"], records["evidence"], texts)
        files = {"annotations.jsonld": json.dumps(doc, indent=1, ensure_ascii=False) + "\n"}
        what = f"{doc['total']} annotations (one per evidence record)"
    else:
        from .curation.label_studio import BadExport, label_config, tasks

        try:
            made = tasks(records["source"], records["claim"], records["evidence"], texts, search_in=args.search_in)
        except BadExport as exc:
            raise UsageError(str(exc)) from None
        files = {"tasks.json": json.dumps(made, indent=1, ensure_ascii=False) + "\n", "label-config.xml": label_config()}
        regions = sum(len(t["predictions"][0]["result"]) for t in made)
        what = f"{len(made)} tasks with {regions} pre-annotated passages"
    from .curation.offsets import write_atomically

    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        write_atomically(args.out / name, text)
        print(f"wrote {args.out / name}")
    print(f"exported {what}")
    return EXIT_OK


@command
def _export(sub):
    p = subcommand(sub, "export", "write the evidence for an annotation tool: Label Studio tasks or W3C Web Annotations",
                   description=(
                       "Write the evidence for an annotation tool. 'label-studio': tasks.json (one task per claim and "
                       "source, the seed text with every evidence passage as a pre-annotation carrying its id and stance) "
                       "and label-config.xml (the labeling interface). 'web-annotation': annotations.jsonld, a W3C Web "
                       "Annotation collection, one annotation per evidence record. The records are validated first."))
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help=f"record files or folders (default: {CURATED_DIR}, else the newest release)")
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS, help="the annotation tool's format")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write into (created if missing)")
    release_option(p, "export a published release instead of record files")
    p.add_argument("--search-in", action="append", default=[], metavar="SOURCE_ID",
                   help="label-studio: also a task pairing every claim with this source's text, to find evidence in it; "
                        "repeatable")
    seeds_option(p)
    p.set_defaults(func=cmd_export)


def cmd_import(args) -> int:
    from .curation.label_studio import BadExport, read_export, to_evidence
    from .curation.offsets import write_atomically

    _existing([args.file])
    if not args.out.parent.is_dir() or args.out.is_dir():
        raise UsageError(f"--out {args.out}: give a file in an existing folder")
    records = _records(args.against, None, args.seeds)
    texts = _seed_texts(records["source"], args.seeds)
    try:
        imported = to_evidence(read_export(args.file), texts, {c.id for c in records["claim"]},
                               {e.id: e.model_dump(mode="json", exclude_unset=True) for e in records["evidence"]}, args.curated_by)
    except BadExport as exc:
        print(f"factset import: {args.file}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    import json

    write_atomically(args.out, "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in imported.records))
    for note in imported.notes:
        print(note)
    print(f"wrote {len(imported.records)} evidence record(s) to {args.out}: {imported.summary()}")
    return EXIT_OK


@command
def _import(sub):
    p = subcommand(sub, "import", "read an annotation tool's export back into evidence records", exit_codes=exit_codes(
        "the export or the curated data is invalid (a passage not at its offsets, an unknown claim...); nothing is "
        "written"), description=(
        "Read Label Studio's JSON export of tasks made by 'factset export --format label-studio' back into evidence "
        "records. Every passage is checked against the seed (text[start:end] == the passage, in code points; "
        "offsets Label Studio wrote in UTF-16 code units are converted and checked). Evidence that exists keeps "
        "its other fields; a new passage becomes a new draft 'related' evidence record. Write the result into the "
        "claims files, then run 'factset validate'."))
    p.add_argument("file", type=Path, metavar="FILE", help="Label Studio's export (JSON format) of the tasks")
    p.add_argument("--format", required=True, choices=("label-studio",), help="the annotation tool's format")
    p.add_argument("--out", type=Path, required=True, metavar="RECORDS.jsonl", help="the evidence records to write")
    p.add_argument("--against", action="append", type=Path, default=[], metavar="PATH",
                   help=f"the curated records the tasks came from (default: {CURATED_DIR}); repeatable")
    p.add_argument("--curated-by", default="label-studio", metavar="NAME",
                   help="curated_by of new evidence records (default: label-studio)")
    seeds_option(p)
    p.set_defaults(func=cmd_import)


# ------------------------------------------------------------------ releases


def cmd_build(args) -> int:
    from .curation.validate import validate
    import shutil

    from .publish.build import build, read_version, release_date
    from .publish.identity import REVIEW_PAGE
    from .publish.release import UNRELEASED, ReleaseError
    from .research.baselines import section
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
        topics = args.data / "topics.json"  # the registry the release is checked against, and carries
        outcome = build(curated, out, version, date, validate=lambda paths: validate(paths, seed_dir=args.seeds, topics=topics),
                        figures=figures, releases=releases, baselines=section, seed_dir=args.seeds,
                        review_page_template=args.review_page or REVIEW_PAGE, topics=topics,
                        resamples=args.data / "resamples")
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


@command
def _build(sub):
    p = subcommand(sub, "build", "validate the curated records and write the release named in data/VERSION")
    p.add_argument("--data", type=Path, default=Path("data"), metavar="DIR",
                   help="data folder with curated/, releases/ and VERSION (default: data)")
    p.add_argument("--changelog", type=Path, default=Path("CHANGELOG.md"), metavar="FILE",
                   help="the release date is read from its entry (default: CHANGELOG.md)")
    seeds_option(p)
    p.add_argument("--review-page", metavar="URL",
                   help="where the release's report page ('factset report') is published: each ClaimReview's url is this "
                        "page plus '#<claim id>'; '{version}' is replaced (default: factset.publish.identity.REVIEW_PAGE)")
    p.set_defaults(func=cmd_build)


def cmd_versions(args) -> int:
    from .publish.build import read_version, release_date
    from .publish.release import MANIFEST, ReleaseError, releases_dir, verify, versions
    from .records.models import SCHEMA_VERSION

    print(f"package  factset {_version()} (the code: CLI, Python API; writes records of schema {SCHEMA_VERSION})")
    if (args.data / "VERSION").is_file():
        try:
            version = read_version(args.data)
        except ReleaseError as exc:
            raise DataError(str(exc)) from None
        date = release_date(args.changelog, version)
        state = f"released {date}" if date else f"not released yet (no dated entry in {args.changelog})"
        print(f"data     {version} in {args.data / 'VERSION'}: {state}")
    directory = args.data / "releases" if (args.data / "releases").is_dir() else releases_dir()
    for version in versions(directory):
        path = directory / version
        try:
            manifest, state = verify(path), "checksums verified"
        except ReleaseError as exc:
            import json

            try:
                manifest = json.loads((path / MANIFEST).read_bytes())
            except ValueError:
                manifest = None
            manifest, state = manifest if isinstance(manifest, dict) else {}, f"DAMAGED: {exc}"
        counts = ", ".join(f"{n} {name}" for name, n in manifest.get("counts", {}).items())
        print(f"release  {version} {manifest.get('date')} schema {manifest.get('schema_version')}: {counts}; {state}")
    return EXIT_OK


@command
def _versions(sub):
    p = subcommand(sub, "versions", "show the package version, the data version and every release with its schema",
                   description=(
                       "Show the package version (the code), the data version to release next (data/VERSION, in a "
                       "checkout) and every release this package carries, with its date, schema version and counts. "
                       "The package and the data are versioned apart: see README.md, 'Versions'."))
    p.add_argument("--data", type=Path, default=Path("data"), metavar="DIR",
                   help="data folder with VERSION and releases/ (default: data, else the releases in the package)")
    p.add_argument("--changelog", type=Path, default=Path("CHANGELOG.md"), metavar="FILE",
                   help="where release dates are read (default: CHANGELOG.md)")
    p.set_defaults(func=cmd_versions)


def cmd_topics(args) -> int:
    from collections import Counter

    from .records.topics import TopicsError, default_path, load

    registry = args.registry or default_path()
    try:
        topics = load(registry)
    except TopicsError as exc:
        raise DataError(str(exc)) from None
    claims = _records(args.paths, args.release, args.seeds)["claim"]
    counts = Counter(c.topic for c in claims)
    width = max(map(len, [*topics, *filter(None, counts)]), default=5)
    print(f"{'claims':>6}  {'topic':<{width}}  description")
    for topic, description in topics.items():
        print(f"{counts.pop(topic, 0):>6}  {topic:<{width}}  {description}")
    for topic, n in sorted(counts.items(), key=lambda item: str(item[0])):
        print(f"{n:>6}  {topic or '(none)':<{width}}  {'(no topic)' if topic is None else f'(not in {registry})'}")
    return EXIT_OK


@command
def _topics(sub):
    p = subcommand(sub, "topics", "list the topics with their descriptions and how many claims each has")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                   help=f"record files or folders whose claims to count (default: {CURATED_DIR}, else the newest release)")
    release_option(p, "count the claims of a published release instead")
    p.add_argument("--registry", type=Path, metavar="FILE", help="the topic registry (default: data/topics.json)")
    seeds_option(p)
    p.set_defaults(func=cmd_topics)


# A Hub repository id: "name" or "namespace/name", each of letters, digits, '-', '_' and '.',
# beginning and ending with a letter, digit or '_', no '--' or '..', at most 96 characters
# (huggingface_hub.utils.validate_repo_id).
_HUB_NAME = r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?"
HUB_REPO_ID = re.compile(rf"(?:{_HUB_NAME}/)?{_HUB_NAME}")


def _released(version: str | None) -> str | None:
    """``--release``: a released version (or None for the latest); an unknown one is a usage error."""
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
        path = release_path(_released(args.release))
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


@command
def _push(sub):
    p = subcommand(sub, "push", "upload a release folder to the Hugging Face Hub (needs factset[hf], network and a token)",
                   exit_codes=exit_codes(_3="the Hub or the network refused the upload"))
    p.add_argument("--repo-id", required=True, metavar="OWNER/NAME", help="the dataset repository, e.g. your-name/factset")
    release_option(p, "release to push (default: the latest)")
    p.add_argument("--revision", metavar="BRANCH", help="branch to push to (default: main)")
    p.add_argument("--private", action="store_true", help="create the repository as private if it does not exist")
    p.set_defaults(func=cmd_push)


# ------------------------------------------------------------------ research


def release_folder(args, command: str):
    """(path, version) of the release a research command reads: ``--release`` names a version
    of the releases factset carries, or a release folder (e.g. a preview in build/preview);
    default: the newest release. (None, None) after saying why it cannot be read."""
    from .publish.release import ReleaseError, release_path, verify

    try:
        chosen = args.release
        if chosen is not None and (Path(chosen).is_dir() or "/" in chosen or chosen.startswith(".")):
            path = Path(chosen)
            if not path.is_dir():
                raise UsageError(f"{path} is not a release folder")
            return path, verify(path)["version"]
        path = release_path(_released(chosen))  # an unknown version is a usage error (exit 2)
        return path, verify(path)["version"]
    except ReleaseError as exc:
        print(f"factset {command}: {exc}", file=sys.stderr)
        return None, None


RELEASE_OR_FOLDER = "a release's version, or a release folder such as build/preview/1.0.0 (default: the latest release)"


def cmd_report(args) -> int:
    from .publish.release import ReleaseError, load
    from .research.timeline import can_draw

    if not can_draw():
        raise UsageError(f"the report draws its figures with matplotlib, which is not installed: {INSTALL_REPORT}")
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {shown(args.out)} is a file: the report is a folder (index.html and its figures)")
    path, version = release_folder(args, "report")
    if path is None:
        return EXIT_INVALID
    try:
        release = load(version, directory=path.parent)
    except ReleaseError as exc:
        print(f"factset report: {exc}", file=sys.stderr)
        return EXIT_INVALID
    from .research.report import write_report
    from .research.timeline import topics

    if args.topic not in topics(release):
        raise UsageError(f"no claim of release {release.version} has the topic {args.topic!r}; topics: {', '.join(topics(release))}")
    out = args.out or Path("report") / release.version
    for path in write_report(release, out, args.topic):
        print(f"wrote {path}")
    return EXIT_OK


@command
def _report(sub):
    p = subcommand(sub, "report", "write an HTML page and PNG figures: estimate timeline, source x claim matrix, tables, "
                   "the verdict on every claim at its anchor (needs factset[report])",
                   exit_codes=exit_codes(_2="usage error (a bad option, or a topic no claim of the release has)"))
    release_option(p, RELEASE_OR_FOLDER, metavar="VERSION|DIR")
    p.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: report/<version>)")
    p.add_argument("--topic", default="nk-troops-in-russia-count", metavar="TOPIC",
                   help="topic of the timeline (default: %(default)s; 'factset topics' lists them)")
    p.set_defaults(func=cmd_report)


def cmd_score(args) -> int:
    import json

    from .research.score import ScoreError, as_text, score

    path, version = release_folder(args, "score")
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
    sys.stdout.write(json.dumps(result, indent=2) + "\n" if args.format == "json" else as_text(result))
    return EXIT_OK


@command
def _score(sub):
    p = subcommand(sub, "score", "score predictions for a task view: accuracy, macro-F1, per class, confusion matrix",
                   exit_codes=exit_codes("the predictions are malformed (each problem with its line); nothing is scored",
                                         _2="usage error (a bad option, a missing file, a release without task views)"))
    p.add_argument("task", choices=("verification", "stance", "time_relations"), help="the task view")
    p.add_argument("predictions", type=Path, metavar="PREDICTIONS",
                   help='JSON Lines, one {"id": ..., "label": ...} a line ({"id": ..., "stance": ...} for stance)')
    p.add_argument("--split", choices=("train", "test"), default="test", help="the split to score against (default: test)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="a report, or JSON (default: text)")
    release_option(p, RELEASE_OR_FOLDER, metavar="VERSION|DIR")
    p.set_defaults(func=cmd_score)


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


def cmd_baselines(args) -> int:
    import json

    from .publish.splits import SPLITS
    from .publish.tasks import TASKS
    from .research.baselines import as_markdown, run
    from .research.score import ScoreError, gold_rows

    path, version = release_folder(args, "baselines")
    if path is None:
        return EXIT_INVALID
    try:
        rows = {task: {split: gold_rows(path, task, split) for split in SPLITS} for task in TASKS}
    except ScoreError as exc:
        raise UsageError(str(exc)) from None
    results = run(rows)
    if args.write_readme is not None:
        return _write_baselines(args.write_readme, as_markdown(results))
    if args.format == "json":
        sys.stdout.write(json.dumps({"release": version, "split": "test", "baselines": results}, indent=2) + "\n")
    else:
        sys.stdout.write(f"baselines of release {version}, fitted on train, scored on test:\n\n{as_markdown(results)}")
    return EXIT_OK


@command
def _baselines(sub):
    p = subcommand(sub, "baselines", "run the baselines (majority, word overlap), fitted on train, and print their "
                   "scores on test", exit_codes=exit_codes("the release cannot be read",
                                                           _2="usage error (a bad option, a release without task views)"))
    p.add_argument("--format", choices=("text", "json"), default="text", help="a table, or JSON (default: text)")
    p.add_argument("--write-readme", type=Path, metavar="FILE",
                   help="put the table between the '<!-- baselines -->' markers of FILE (the README) instead of printing it")
    release_option(p, RELEASE_OR_FOLDER, metavar="VERSION|DIR")
    p.set_defaults(func=cmd_baselines)


def cmd_agreement(args) -> int:
    import json

    from .curation.agreement import as_text, measure, resample, resample_as_text

    records = _records(args.paths, args.release, args.seeds)
    if args.resample is not None:
        try:
            report = resample(records, _read_json(args.resample))
        except ValueError as exc:
            for problem in exc.args[0]:
                print(f"{args.resample}: {problem}", file=sys.stderr)
            return EXIT_INVALID
        text = resample_as_text(report)
    else:
        report = measure(records)
        text = as_text(report)
    if args.format == "json":
        sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(text)
    return EXIT_OK


@command
def _agreement(sub):
    p = subcommand(sub, "agreement", "inter-annotator agreement (Cohen's kappa, n, 95%% CI) from the recorded reviews")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help=f"record files or folders (default: {CURATED_DIR}, else the newest release)")
    release_option(p, "measure a published release instead (a version, e.g. 1.0.0)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="a table, or JSON (the card's source)")
    p.add_argument("--resample", type=Path, metavar="FILE",
                   help="instead, compare a fresh blind annotation of a sample ({record id: {aspect: label}}, made after "
                        "adjudication) with the records' final labels")
    seeds_option(p)
    p.set_defaults(func=cmd_agreement)


# ------------------------------------------------------------------ the blind review


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


def _read_json(path: Path):
    """A JSON file named on the command line (labels, reviews); one that cannot be read is a usage error."""
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None


def cmd_review_record(args) -> int:
    from .curation.blind_review import differences, record_reviews, rewrite_jsonl

    def read(path: Path | None) -> dict:
        return {} if path is None else _read_json(path)

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


@command
def _review(sub):
    p = subcommand(sub, "review", "the blind second annotation: write blind packets; record labels and adjudication")
    review = p.add_subparsers(dest="review_command", required=True, metavar="STEP")
    q = subcommand(review, "packets", "write a blind item per record for a second annotator (first labels kept apart)")
    q.add_argument("paths", nargs="*", type=Path, metavar="PATH", help=f"curated files or folders (default: {CURATED_DIR})")
    q.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the items (the first labels go beside it)")
    q.add_argument("--context", type=int, default=300, metavar="N",
                   help="characters of seed text around a passage (default: 300)")
    seeds_option(q)
    q.set_defaults(func=cmd_review_packets)
    q = subcommand(review, "record", "compare the two annotations; with --adjudicated, write the reviews into the records")
    q.add_argument("paths", nargs="*", type=Path, metavar="PATH", help=f"curated files or folders (default: {CURATED_DIR})")
    q.add_argument("--first", type=Path, required=True, metavar="FILE", help="the first labels 'review packets' kept apart")
    q.add_argument("--second", type=Path, required=True, metavar="FILE",
                   help="the second annotator's labels: {record id: {aspect: label}}")
    q.add_argument("--adjudicated", type=Path, metavar="FILE", help="the third reading: {record id: {aspect: {final, note}}}; "
                                                                     "without it, only list the differences")
    q.add_argument("--annotator", default="second-annotator", metavar="NAME", help="who labelled blind (the second annotator)")
    q.add_argument("--adjudicator", metavar="NAME", help="who adjudicated where the two labels differ")
    q.set_defaults(func=cmd_review_record)


# ------------------------------------------------------------------ the parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("factset")
    except PackageNotFoundError:
        return "unknown (not installed)"


class _VersionAction(argparse.Action):
    """--version, looked up only when asked for: reading package metadata slows every command."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help="show the package version (and the data releases it carries) and exit"):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from .publish.release import versions
        from .records.models import SCHEMA_VERSION

        releases = ", ".join(versions()) or "none"
        print(f"factset {_version()} (data releases: {releases}; record schema {SCHEMA_VERSION})")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="factset", description="Validate, build, publish and grow the factset dataset.",
        epilog=exit_codes(_3="('push' only) the Hub or the network refused the upload")
        + "\n'factset COMMAND --help' explains a command and its arguments.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for define in _COMMANDS:
        define(sub)
    return parser


def _check_common(args) -> None:
    """Options several commands share, checked once: a seed folder that is not there would
    otherwise switch every quote check off."""
    seeds = getattr(args, "seeds", None)
    if seeds is not None and not seeds.is_dir():
        raise UsageError(f"--seeds {shown(seeds)}: no such folder")


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
    except DataError as exc:
        print(f"factset {args.command}: {exc}", file=sys.stderr)
        return EXIT_INVALID
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
