"""A new article in one step: its seed, its Source record and its claims file, all or nothing.

:func:`plan` reads the article and checks everything (the text, the date, the numbering,
the data it joins) and writes nothing; :func:`write` then puts the three files in place so
that either all of them exist afterwards or none does. A refusal is a :class:`Refused`
naming what is wrong; ``usage`` tells a mistake in the options from a text that cannot
become a seed.

Seeds are named ``NNN_<16 hex>.txt``: ``NNN`` is the next free number (the source is
``src-NNN``, its claims ``claims-NNN.jsonl``), and for a seed added by this module the 16
hex characters are the start of the text's sha256, so the name alone tells two texts
apart. The five first seeds keep the names they were curated under (their hex is not
derived from their content); names never change, since records cite them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..records.dates import period_end, period_start
from ..records.models import Source
from .hygiene import check_text, hostile_character
from .loader import read_lines
from .seeds import Seed

ANNOTATION_LICENSE = "CC-BY-4.0"  # factset's annotations; the article stays its holder's (docs/CURATION.md, "Rights")
NAME_HEX = 16  # hex characters of the sha256 in a new seed's name
MAX_ARTICLE_BYTES = 4 << 20  # a news article is a few tens of KB; anything this large is a mistake
SEED_NAME = re.compile(r"^([0-9]{3,})_[0-9a-f]{16}\.txt$")
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class Refused(Exception):
    """Why the article was not added; ``usage`` for a mistake in the options (exit 2), else the data (exit 1)."""

    def __init__(self, message: str, usage: bool = False):
        super().__init__(message)
        self.usage = usage


@dataclass(frozen=True)
class Article:
    """What the curator says about the article (the command's options)."""

    outlet: str
    published: str  # YYYY-MM-DD
    precision: str = "day"
    basis: str = "stated"
    date_note: str | None = None
    title: str | None = None
    byline: list[str] = field(default_factory=list)
    dateline: str | None = None
    language: str = "en"
    text_quality: str = "clean"
    copyright: str = "unknown"
    narrator_id: str | None = None
    curated_by: str = "factset-core"


@dataclass(frozen=True)
class Plan:
    """Everything to write, decided and checked."""

    source_id: str
    seed_path: Path
    seed_bytes: bytes
    sources_path: Path
    source_line: str
    claims_path: Path
    record: dict
    narrator_found: bool  # the narrator is an entity matched by the outlet's name (not given)


def read_article(path: Path) -> tuple[bytes, str]:
    """The bytes and text of an article file, refused unless it is a regular, non-empty UTF-8 file
    without a byte order mark whose text a quote can carry."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise Refused(f"{path}: no such file", usage=True) from None
    except OSError as exc:
        raise Refused(f"{path}: cannot read it: {exc.strerror}") from None
    if stat.S_ISLNK(info.st_mode):
        raise Refused(f"{path}: is a symbolic link; give the article itself (a seed is a regular file, copied byte for byte)")
    if not stat.S_ISREG(info.st_mode):
        raise Refused(f"{path}: is not a regular file (a folder, FIFO or device); give a text file")
    try:
        # O_NOFOLLOW and O_NONBLOCK: the file may have been swapped for a link or a FIFO since lstat.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise Refused(f"{path}: cannot open it: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise Refused(f"{path}: is not a regular file; give a text file")
        raw = handle.read(MAX_ARTICLE_BYTES + 1)
    if len(raw) > MAX_ARTICLE_BYTES:
        raise Refused(f"{path}: is over {MAX_ARTICLE_BYTES >> 20} MiB, not a news article")
    if raw.startswith(b"\xef\xbb\xbf"):
        raise Refused(f"{path}: starts with a UTF-8 byte order mark; save it as UTF-8 without BOM "
                      "(offsets count from the first character of the text)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(f"{path}: is not UTF-8 (invalid byte at offset {exc.start}); convert it to UTF-8 first") from None
    if not text.strip():
        raise Refused(f"{path}: is empty (no text to quote)")
    found = hostile_character(text)
    if found is None and "\r" in text:  # (a quote may run across a CRLF, but factset's seeds end lines with LF)
        found = text.index("\r"), "carriage return U+000D"
    if found:  # a passage holding it could never be quoted: the validator refuses it in record text
        at, name = found
        line, column = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
        if text[at] == "\r":
            raise Refused(f"{path}:{line}:{column}: a carriage return (CRLF line endings?); save the file with LF line "
                          "endings before adding the article (factset's seeds end their lines with LF)")
        raise Refused(f"{path}:{line}:{column}: {name}, which no quote may hold; remove it from the text before "
                      "adding the article")
    return raw, text


def parse_date(value: str, precision: str, today: dt.date) -> dt.date:
    """The publication date, refused if it is not a real YYYY-MM-DD date, lies in the future,
    or is not the first day of its period (a week is given by its Monday)."""
    if not ISO_DATE.match(value):
        raise Refused(f"--published {value!r}: write the date as YYYY-MM-DD", usage=True)
    try:
        date = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise Refused(f"--published {value}: impossible date ({exc})", usage=True) from None
    if date > today:
        raise Refused(f"--published {value}: is after today ({today}); an article cannot be published in the future",
                      usage=True)
    first = period_start(date, precision)
    if first != date:
        raise Refused(f"--published {value} with --precision {precision}: a {precision} is written as its first day "
                      f"({first}, standing for {first} to {period_end(first, precision)})", usage=True)
    return date


def plan(article_path: Path, article: Article, curated: Path, seed_dir: Path, today: dt.date | None = None) -> Plan:
    """Check the article and the data it joins; nothing is written."""
    if not article.outlet.strip():
        raise Refused("--outlet: give the outlet's name (if the text shows none, name who distributed it and say so "
                      "in the record's quality_notes)", usage=True)
    sources_path, entities_path = curated / "sources.jsonl", curated / "entities.jsonl"
    if not sources_path.is_file() or not seed_dir.is_dir():
        raise Refused(f"{sources_path} and {seed_dir}/ must exist: run add-source at the top of a factset checkout "
                      "(or give --data and --seeds)", usage=True)
    parse_date(article.published, article.precision, today or dt.date.today())
    raw, _ = read_article(article_path)
    digest = hashlib.sha256(raw).hexdigest()

    sources = _records(sources_path, "source")
    numbers = [int(m.group(1)) for p in seed_dir.iterdir() if (m := SEED_NAME.match(p.name))]
    numbers += [int(d["id"][4:]) for d in sources if re.fullmatch(r"src-[0-9]{3,}", str(d.get("id")))]
    for d in sources:
        if d.get("sha256") == digest:
            raise Refused(f"{article_path}: this text is already {d.get('id')} ({d.get('seed_file')}): same sha256 {digest}")
    for existing in sorted(seed_dir.iterdir()):
        if SEED_NAME.match(existing.name) and existing.is_file() and hashlib.sha256(existing.read_bytes()).hexdigest() == digest:
            raise Refused(f"{article_path}: this text is already the seed {existing.name} (same sha256 {digest})")

    number = f"{max(numbers, default=-1) + 1:03d}"
    source_id, seed_name = f"src-{number}", f"{number}_{digest[:NAME_HEX]}.txt"
    claims_path = curated / f"claims-{number}.jsonl"
    if claims_path.exists():
        raise Refused(f"{claims_path} exists already, but no source {source_id} does: move it aside first")

    narrator, found = article.narrator_id, False
    entities = _records(entities_path, "entity") if entities_path.is_file() else []
    if narrator is not None and narrator not in {d.get("id") for d in entities}:
        raise Refused(f"--narrator {narrator}: no such entity in {entities_path}; add the entity first", usage=True)
    if narrator is None:
        narrator = _outlet_entity(entities, article.outlet)
        found = narrator is not None

    published = {"value": article.published, "precision": article.precision, "basis": article.basis}
    if article.date_note:
        published["note"] = article.date_note
    record = {
        "type": "source", "id": source_id, "seed_file": seed_name, "sha256": digest,
        "outlet": article.outlet.strip(), "title": article.title, "byline": list(article.byline),
        "dateline": article.dateline, "published": published, "narrator_id": narrator,
        "language": article.language,
        "rights": {"annotation_license": ANNOTATION_LICENSE, "article_copyright": article.copyright},
        "text_quality": article.text_quality, "quality_notes": [],
        "curation": {"curated_by": article.curated_by, "review_status": "draft"},
    }
    line = json.dumps(record, ensure_ascii=False)
    try:
        Source.model_validate_json(line)  # as the validator reads it (strict: dates as JSON strings)
    except ValueError as exc:  # pydantic's ValidationError: an option the model refuses (e.g. --language)
        raise Refused(f"the source record would be invalid: {exc}", usage=True) from None
    for at, message in check_text(record):
        raise Refused(f"the source record would be invalid at {at}: {message}", usage=True)
    return Plan(source_id, seed_dir / seed_name, raw, sources_path, line, claims_path, record, found)


def write(p: Plan) -> None:
    """Put the seed, the claims file and the source line in place: all of them, or none.

    The new files are written beside their targets first and linked into place (a link
    fails rather than replace an existing file); ``sources.jsonl`` is replaced last, in
    one rename, which is the step that commits the addition.
    """
    old = p.sources_path.read_bytes()
    separator = b"" if not old or old.endswith(b"\n") else b"\n"
    staged: list[str] = []
    placed: list[Path] = []
    try:
        seed_tmp = _stage(p.seed_path, p.seed_bytes, staged)
        claims_tmp = _stage(p.claims_path, b"", staged)
        sources_tmp = _stage(p.sources_path, old + separator + p.source_line.encode("utf-8") + b"\n", staged,
                             mode=p.sources_path.stat().st_mode & 0o777)
        for tmp, target in ((seed_tmp, p.seed_path), (claims_tmp, p.claims_path)):
            os.link(tmp, target)
            placed.append(target)
        os.replace(sources_tmp, p.sources_path)
        staged.remove(sources_tmp)
    except BaseException:
        for target in placed:
            target.unlink(missing_ok=True)
        raise
    finally:
        for tmp in staged:
            Path(tmp).unlink(missing_ok=True)


def _stage(target: Path, data: bytes, staged: list[str], mode: int | None = None) -> str:
    """A temporary file beside ``target`` holding ``data``, flushed to disk."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    staged.append(tmp)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, mode if mode is not None else 0o666 & ~umask)  # mkstemp creates 0600
    return tmp


def _records(path: Path, kind: str) -> list[dict]:
    """The records of ``kind`` in a curated file; the file must parse (else nothing could be appended safely)."""
    out = []
    for line in read_lines(path):
        if line.error is not None:
            raise Refused(f"{line.path}:{line.number}: {line.error.message}; fix it first ('factset validate')")
        if line.data.get("type") == kind:
            out.append(line.data)
    return out


def _outlet_entity(entities: list[dict], outlet: str) -> str | None:
    """The news outlet entity whose name or an alias is ``outlet`` (case aside), if exactly one is."""
    wanted = outlet.strip().casefold()
    def names(entity: dict) -> set[str]:
        aliases = entity.get("aliases") if isinstance(entity.get("aliases"), list) else []
        return {str(n).casefold() for n in [entity.get("name"), *(a.get("name") for a in aliases if isinstance(a, dict))]}

    matches = {d["id"] for d in entities if d.get("kind") == "news_outlet" and wanted in names(d)}
    return matches.pop() if len(matches) == 1 else None


def next_steps(p: Plan) -> list[str]:
    """What the curator does next, in order."""
    steps = []
    if p.record["narrator_id"] is None:
        steps.append(f"Who narrates {p.source_id}? Add the outlet (or author) to entities.jsonl as an entity of kind "
                     f"news_outlet (or person), then set \"narrator_id\" on the {p.source_id} line of "
                     f"{p.sources_path} (or pass --narrator ENTITY_ID to add-source).")
    else:
        how = "matched by the outlet's name" if p.narrator_found else "as given"
        steps.append(f"narrator_id is {p.record['narrator_id']} ({how}); check it.")
    steps += [
        f"Check the {p.source_id} line of {p.sources_path}: title, byline, dateline, the publication date's basis "
        "and note, text_quality and quality_notes, and rights.article_copyright (who holds the article's copyright).",
        f"Write claims and evidence into {p.claims_path} (ids clm-{p.source_id[4:]}-001, "
        f"evd-{p.source_id[4:]}-001-01, ...); see docs/CURATION.md.",
        f"Fill the evidence offsets from the quotes: factset offsets --write {p.claims_path}",
        "Check every record against every seed: factset validate",
    ]
    return steps
