"""Rules of one record that the schema cannot express.

Rules read records as parsed JSON (dicts that have passed the schema, so
their shape can be trusted), whichever path validated them, and run as each
record streams past (:func:`record_findings`); a chunk of valid records is
first proved free of findings in bulk (:func:`needing_rules`). The rules across
records are in :mod:`factset.curation.facts`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..records.dates import period_end, period_start
from ..records.labels import NON_FACTUAL_KINDS
from ..records.review import ASPECTS
from .numerals import states_numerals, unstructured
from .registry import Registry
from .seeds import SeedError, SeedStore


LOWER_BOUNDED = ("at_least", "more_than")  # 'more than N': value N, low N
UPPER_BOUNDED = ("up_to", "as_many_as", "fewer_than", "nearly")  # 'as many as N': value N, high N


def check_quantity(q: dict, at: str) -> Iterator[tuple[str, str]]:
    value, low, high, qualifier = q.get("value"), q.get("low"), q.get("high"), q["qualifier"]
    if value is None and low is None and high is None:
        yield at, "a quantity needs a value or a bound (low/high)"
    if low is not None and high is not None and low > high:
        yield f"{at}/low", f"low ({low}) is greater than high ({high})"
    if value is not None:
        if low is not None and value < low:
            yield f"{at}/value", f"value ({value}) is below low ({low})"
        if high is not None and value > high:
            yield f"{at}/value", f"value ({value}) is above high ({high})"
    if qualifier == "between" and (low is None or high is None):
        yield f"{at}/qualifier", "'between' needs both low and high"
    if qualifier in ("exact", "about") and value is None:
        yield f"{at}/qualifier", f"'{qualifier}' needs a value"
    if qualifier in ("up_to", "as_many_as", "fewer_than", "nearly") and high is None:
        yield f"{at}/high", f"'{qualifier}' needs high (the upper bound the text gives)"
    if qualifier in ("at_least", "more_than") and low is None:
        yield f"{at}/low", f"'{qualifier}' needs low (the lower bound the text gives)"
    # One way to write each qualifier, so that two curators structure the same words alike.
    stated = {"low": low, "high": high}
    if qualifier in LOWER_BOUNDED + UPPER_BOUNDED:
        bound = "low" if qualifier in LOWER_BOUNDED else "high"
        other = "high" if bound == "low" else "low"
        out_of_bounds = value is not None and ((low is not None and value < low) or (high is not None and value > high))
        if stated[bound] is not None and value != stated[bound] and not out_of_bounds:  # (that one is said above)
            yield f"{at}/value", f"'{qualifier} N' is written value N and {bound} N (value is {value}, {bound} {stated[bound]})"
        if stated[other] is not None:
            yield f"{at}/{other}", f"'{qualifier}' gives no {other} bound: leave {other} out"
    elif qualifier in ("exact", "about") and (low is not None or high is not None):
        yield f"{at}/{'low' if low is not None else 'high'}", f"'{qualifier} N' is value N alone: leave low and high out"
    elif qualifier == "between" and value is not None:
        yield f"{at}/value", "'between A and B' is low A and high B, with no value"


def check_ids(d: dict) -> Iterator[tuple[str, str]]:
    """An id carries its origin: a claim's first number is its source's, an evidence id is its
    claim's numbers and a running number (docs/CURATION.md, "Ids"); a source's number is its
    seed file's (checked with one source per seed, in :mod:`factset.curation.facts`). The
    numbers are compared as written (``clm-003-…`` is not of ``src-0003``)."""
    kind, rid = d["type"], d["id"]
    if kind == "evidence":
        claim = d["claim_id"]
        stem, _, running = rid.rpartition("-")
        if stem[4:] != claim[4:]:
            yield "/id", (f"evidence id {rid!r} does not follow its claim {claim!r}: an evidence id is its claim's "
                          f"numbers and a running number, e.g. 'evd-{claim[4:]}-{running}'")
    elif kind == "claim":
        seed, running = rid[4:].split("-")
        source = d["source_id"][4:]
        if seed != source:
            yield "/id", (f"claim id {rid!r} has the number of seed {seed}, but its source is {d['source_id']}: a claim "
                          f"id starts with its source's number, e.g. 'clm-{source}-{running}'")


def _dates(d: dict) -> Iterator[tuple[str, dict]]:
    """``(pointer, dated value)`` of every date a record holds."""
    if d["type"] == "claim":
        yield "/claim_date", d["claim_date"]
        for i, q in enumerate(d.get("quantities") or ()):
            if q.get("as_of") is not None:
                yield f"/quantities/{i}/as_of", q["as_of"]
    elif d["type"] == "source" and d.get("published") is not None:
        yield "/published", d["published"]


_PERIOD_START = {"week": "the Monday of its ISO week", "month": "the first day of its month", "year": "1 January of its year"}


def _starts_period(date: dict) -> bool:
    """Whether a dated value is the first day of its period (cheap: for the block prefilter)."""
    precision, value = date["precision"], date["value"]
    if precision == "day":
        return True
    if precision == "month":
        return value[8:] == "01"
    if precision == "year":
        return value[5:] == "01-01"
    return _misdated(date) is None


def _misdated(date: dict) -> str | None:
    """The date a value of week/month/year precision should be (its period's first day), if it is not."""
    if date["precision"] == "day":
        return None
    try:
        value = dt.date.fromisoformat(date["value"])
    except ValueError:  # a date Python cannot hold: refused with the shape of the record
        return None
    start = period_start(value, date["precision"])
    return None if start == value else start.isoformat()


def check_dates(d: dict) -> Iterator[tuple[str, str]]:
    """A date of week, month or year precision is written as the first day of its period."""
    for at, date in _dates(d):
        start = _misdated(date)
        if start is not None:
            precision = date["precision"]
            yield f"{at}/value", (f"a date of precision {precision!r} is written as {_PERIOD_START[precision]}: "
                                  f"use {start} (the {precision} of {date['value']}), or precision 'day' for that day")


# An evidence id as a justification cites it: the schema's EVIDENCE_ID, unanchored (written out,
# not imported, so that the validator's fast path does not load the pydantic models; a test
# keeps the two the same).
EVIDENCE_ID_IN_TEXT = re.compile(r"(?<![\w-])evd-[0-9]{3,}-[0-9]{3,}-[0-9]{2,}(?![\w-])")
# A record id in running text: the dataset's own names mean nothing to a reader of the claim.
# (Written from the hyphen, with lookbehinds for the prefix and the word boundary before it, so
# that the search skips from hyphen to hyphen at C speed: they are rare in text, letters are not.)
RECORD_ID_IN_TEXT = re.compile(r"-(?<=src-|ent-|clm-|evd-)(?<!\w\w\w\w-)[0-9a-z]")


def check_claim_text(d: dict) -> Iterator[tuple[str, str]]:
    """A claim reads on its own, outside factset: its text names no record id."""
    found = RECORD_ID_IN_TEXT.search(d["text"])
    if found is not None:
        word = d["text"][found.start() - 3:].split()[0].rstrip(".,;:)")
        yield "/text", (f"the text names the record id {word!r}: a claim is read outside factset, so say who or what "
                        "it is in words (e.g. 'the Associated Press'); ids belong in the fields")


def check_numerals(d: dict) -> Iterator[tuple[str, str]]:
    """Every number a claim text states is one of its quantities (:mod:`factset.curation.numerals`)."""
    missing = unstructured(d["text"], d.get("quantities") or ())
    if missing:
        listed = ", ".join(f"{n!r} (at {at})" for at, n in missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        yield "/text", (f"the text states {listed}, which no quantity structures: add a quantity whose text is the "
                        "number as written (e.g. 'about 10,000'); dates, years, ordinals, article numbers and names "
                        "with digits need none (docs/CURATION.md, 'Numbers')")


@dataclass(frozen=True)
class SourceInfo:
    """What the rules need of a source: its seed and the end of its publication period."""

    id: str
    seed_file: str
    published: str | None  # ISO date as written
    published_end: str | None  # ISO date: last day of the publication period
    sha256: str | None = None  # of its seed: a quote is checked only against the seed the source names
    trusted: bool = False  # a published source (--against): its own seed errors are reported where it is used

    @classmethod
    def of(cls, d: dict, trusted: bool = False) -> SourceInfo:
        pub = d.get("published")
        end = period_end(dt.date.fromisoformat(pub["value"]), pub["precision"]).isoformat() if pub else None
        return cls(d["id"], d["seed_file"], pub["value"] if pub else None, end, d["sha256"], trusted)


def check_curation(d: dict) -> Iterator[tuple[str, str]]:
    """A retraction says why; a review, where there is one, is complete and matches the record."""
    curation = d["curation"]
    if curation["review_status"] == "retracted" and not curation.get("note"):
        yield "/curation/note", "a retracted record needs a note saying why"
    review = curation.get("review")
    if review is None:
        if curation["review_status"] == "reviewed":
            yield "/curation/review", ("a reviewed record needs its review recorded: the second annotator's labels "
                                       "and the adjudication (see docs/CURATION.md, 'Review')")
        return
    aspects = ASPECTS[d["type"]]
    seen = set()
    for i, label in enumerate(review["labels"]):
        at, aspect = f"/curation/review/labels/{i}", label["aspect"]
        if aspect not in aspects:
            yield f"{at}/aspect", f"a {d['type']} has no aspect {aspect!r} to review; its aspects: {', '.join(aspects)}"
            continue
        if aspect in seen:
            yield f"{at}/aspect", f"aspect {aspect!r} is labelled twice"
        seen.add(aspect)
        value = aspects[aspect](d)
        if label["final"] != value:
            yield f"{at}/final", f"the adjudicated {aspect} {label['final']!r} is not what the record says ({value!r})"
        if len({label["first"], label["second"], label["final"]}) > 1 and not (review.get("adjudicator") and label.get("note")):
            yield f"{at}/note", (f"the labels differ (first {label['first']!r}, second {label['second']!r}, final "
                                 f"{label['final']!r}): the review needs its adjudicator and this label a note saying why")
    if curation["review_status"] == "reviewed" and len(seen) < len(aspects):
        missing = [aspect for aspect in aspects if aspect not in seen]
        yield "/curation/review/labels", f"a reviewed {d['type']} has every aspect labelled twice; missing: {', '.join(missing)}"


def check_claim_labels(d: dict) -> Iterator[tuple[str, str]]:
    """Check-worthiness decides whether there is a verdict; attestation says which passages attest."""
    worthiness, verdict = d["checkworthiness"], d["verdict"]
    if d["kind"] in NON_FACTUAL_KINDS and worthiness != "non_factual":
        yield "/checkworthiness", f"a claim of kind {d['kind']!r} cannot be true or false: its checkworthiness is 'non_factual'"
    if worthiness == "non_factual" and verdict is not None:
        yield "/verdict", ("a non_factual claim (an opinion, prediction, recommendation or rhetorical question) "
                           "carries no veracity verdict: set verdict to null")
    elif worthiness != "non_factual" and verdict is None:
        yield "/verdict", f"a {worthiness} claim needs a verdict (null is for non_factual claims only)"
    if verdict is not None and (unlisted := sorted(set(EVIDENCE_ID_IN_TEXT.findall(verdict["justification"]))
                                                    - set(verdict["evidence_ids"]))):
        yield "/verdict/evidence_ids", (f"the justification cites {', '.join(unlisted)}, which evidence_ids does not "
                                        "list: it lists every passage the justification cites")
    attestation = d["attestation"]
    if attestation["label"] == "attested" and not attestation.get("evidence_ids"):
        yield "/attestation/evidence_ids", "an 'attested' claim lists the passages of other sources that attest it"
    elif attestation["label"] == "not_attested" and attestation.get("evidence_ids"):
        yield "/attestation/evidence_ids", "a 'not_attested' claim lists no attesting passage (or is it 'attested'?)"


def record_findings(d: dict, sources: dict[str, SourceInfo], seeds: SeedStore,
                    topics: Registry | None = None) -> list[tuple[str, str]]:
    """Rules of one record: ``(pointer, message)`` for each finding.

    Rules that need the record's source run only when the source is known
    (``sources``); the caller defers the record otherwise. Topics are checked
    against ``topics`` (none when it is None).
    """
    out: list[tuple[str, str]] = list(check_ids(d))
    out.extend(check_curation(d))
    out.extend(check_dates(d))
    kind = d["type"]
    if kind == "claim":
        out.extend(check_claim_labels(d))
        out.extend(check_claim_text(d))
        out.extend(check_numerals(d))
        if topics is not None and d.get("topic") is not None:
            out.extend(topics.check(d["topic"]))
        quantities = d.get("quantities") or ()
        if d["kind"] == "numeric_estimate" and not quantities:
            out.append(("/quantities", "a numeric_estimate claim needs at least one quantity"))
        for i, q in enumerate(quantities):
            out.extend(check_quantity(q, f"/quantities/{i}"))
        for i, rel in enumerate(d.get("relations") or ()):
            if rel["target"] == d["id"]:
                out.append((f"/relations/{i}/target", "a claim cannot relate to itself"))
        source = sources.get(d["source_id"])
        if source is not None and source.published_end is not None and d["claim_date"]["value"] > source.published_end:
            out.append(("/claim_date/value",
                        f"claim date {d['claim_date']['value']} is after the publication of {source.id} ({source.published})"))
    elif kind == "evidence":
        if d["role"] == "origin" and d["stance"] != "attests":
            out.append(("/stance", "an origin passage is where the claim is made: it attests the statement "
                                   "(stance 'attests'), it cannot corroborate it"))
        source = sources.get(d["source_id"])
        if source is not None:
            text = seeds.text_of(source.seed_file, source.sha256)
            if text is None or text[d["start"]:d["end"]] != d["quote"] or d["end"] <= d["start"]:
                out.extend(check_evidence_text(d, source, seeds, sources))
    elif kind == "source":
        out.extend(check_source_seed(d, seeds))
    elif kind == "entity" and d.get("speaks_for") == d["id"]:
        out.append(("/speaks_for", "an entity does not speak for itself (leave speaks_for empty)"))
    return out


def _findings(check, d: dict) -> bool:
    return next(check(d), None) is not None


@dataclass(frozen=True)
class Block:
    """Records of consecutive lines, grouped by type once for every check that works by type."""

    records: list[dict]
    types: list  # each record's "type" (as read: the schema may not have checked it yet)
    evidence_at: list[int]  # indices of the evidence records
    evidence: list[dict]
    claims_at: list[int]
    claims: list[dict]

    @classmethod
    def of(cls, records: list[dict], types: list) -> Block:
        evidence_at = [i for i, kind in enumerate(types) if kind == "evidence"]
        claims_at = [i for i, kind in enumerate(types) if kind == "claim"] if len(evidence_at) < len(records) else []
        return cls(records, types, evidence_at, [records[i] for i in evidence_at],
                   claims_at, [records[i] for i in claims_at])

    def only_claims_and_evidence(self) -> bool:
        return len(self.evidence) + len(self.claims) == len(self.records)


def needing_rules(block: Block, texts: dict[str, str], sources: dict[str, SourceInfo],
                  topics: Registry | None = None) -> list[int]:
    """Indices of the records of a valid block that :func:`record_findings` must see, in order.

    The rest are records in which it would surely find nothing: whose curation is
    in order; evidence whose quote stands at its offsets in the seed text
    (``texts``: by source id) of a known source, origin passages attesting, ids
    following their claims'; claims of a known source, numbered for it, dated
    within its publication on a day that starts its period, of a registered topic,
    with no quantity to check, no numeral or record id in the text, no relation to
    themselves, and labels in order.
    Proving that for a whole block in one comprehension a type costs far less
    than a call per record. Whatever :func:`record_findings` checks must be let
    through here (``tests/test_rules.py`` checks that on every rule).
    """
    needed = [i for i, d in zip(block.evidence_at, block.evidence)
              if (text := texts.get(d["source_id"])) is None
              # text[start:end] == quote, without copying the slice (offsets are >= 0, quotes not empty)
              or d["end"] - d["start"] != len(d["quote"])
              or not text.startswith(d["quote"], d["start"])
              or (d["role"] == "origin" and d["stance"] != "attests")
              # the id is the claim's numbers and a two-digit running number (else check_ids looks)
              or d["id"][4:-3] != d["claim_id"][4:]
              or _findings(check_curation, d)]
    known_topics = topics.topics if topics is not None else None
    needed += [i for i, d in zip(block.claims_at, block.claims)
               if d.get("quantities") or d["kind"] == "numeric_estimate"
               or (source := sources.get(d["source_id"])) is None
               or d["id"][4:7] != d["source_id"][4:]  # a seed number of three digits, its source's (else check_ids looks)
               or (source.published_end is not None and d["claim_date"]["value"] > source.published_end)
               or not _starts_period(d["claim_date"])
               or (known_topics is not None and (topic := d.get("topic")) is not None and topic not in known_topics)
               or states_numerals(d["text"]) or RECORD_ID_IN_TEXT.search(d["text"])
               or ((relations := d.get("relations")) and d["id"] in [rel["target"] for rel in relations])
               or _findings(check_claim_labels, d) or _findings(check_curation, d)]
    if not block.only_claims_and_evidence():  # sources and entities: always checked
        needed += [i for i, kind in enumerate(block.types) if kind != "evidence" and kind != "claim"]
    return sorted(needed)  # in file order: a new source is then known before the records after it are checked


def check_evidence_text(ev: dict, source: SourceInfo, seeds: SeedStore,
                        sources: dict[str, SourceInfo] | None = None) -> Iterator[tuple[str, str]]:
    """The quote stands at its offsets in the seed of its source (the very seed the source
    hashed); if it does not, the message says where it does stand: elsewhere in that seed,
    in the seed of another of ``sources``, or, failing both, what the closest passage reads."""
    try:
        seed = seeds.get(source.seed_file) if source.sha256 is None else seeds.verified(source.seed_file, source.sha256)
    except SeedError as exc:
        if source.trusted:  # a published source is not reported on: its seed's fault is, here
            yield "/source_id", f"the seed of {source.id} cannot be used: {exc}"
        return  # else reported once, on the source
    start, end, quote = ev["start"], ev["end"], ev["quote"]

    def where_it_stands() -> str:
        try:
            at, stop = seed.locate(quote)
            return f"; the quote stands at start={at}, end={stop} (run 'factset offsets --write' to fix)"
        except SeedError as exc:
            return f"; {_in_another_seed(quote, source, sources or {}, seeds) or exc}"

    if end <= start:
        yield "/end", f"end ({end}) must be greater than start ({start}){where_it_stands()}"
        return
    if end > len(seed.text):
        yield "/end", f"end ({end}) is past the end of {source.seed_file} ({len(seed.text)} characters){where_it_stands()}"
        return
    found = seed.text[start:end]
    if found == quote:
        return
    yield "/quote", f"quote is not the text at [{start}:{end}] of {source.seed_file}, which reads {found[:60]!r}{where_it_stands()}"


_OTHER_SEEDS = 64  # seeds of other sources searched for a quote not found in its own (a bound on the cost)


def _in_another_seed(quote: str, source: SourceInfo, sources: dict[str, SourceInfo], seeds: SeedStore) -> str | None:
    """Where a quote that is not in its source's seed stands in the seed of another known source."""
    if quote in (seeds.text_of(source.seed_file, source.sha256) or ""):
        return None  # in its own seed, more than once: locate says where
    searched = {source.seed_file}
    for other in sources.values():
        if other.seed_file in searched:
            continue
        searched.add(other.seed_file)
        if len(searched) > _OTHER_SEEDS:
            break
        at = (seeds.text_of(other.seed_file, other.sha256) or "").find(quote)  # only a seed its source vouches for
        if at != -1:
            return (f"the quote is not in {source.seed_file}, it stands in {other.seed_file}, the seed of {other.id}, at "
                    f"start={at}, end={at + len(quote)}: is source_id {other.id!r} meant?")
    return None


def check_source_seed(src: dict, seeds: SeedStore) -> Iterator[tuple[str, str]]:
    try:
        seed = seeds.get(src["seed_file"])
    except SeedError as exc:
        yield "/seed_file", str(exc)
        return
    if seed.sha256 != src["sha256"]:
        yield "/sha256", f"sha256 does not match {src['seed_file']} (the file hashes to {seed.sha256}); seeds are never edited"


