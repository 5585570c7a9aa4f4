"""What a release says about itself, in sentences read off its records: the dataset card
(:mod:`.card`) prints them in Markdown, Croissant's RAI fields (:mod:`.croissant`) carry the
same sentences. One place, so that the two cannot disagree, and nothing that the data can
change is written by hand.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..records.labels import LABELS, STANCES
from .identity import ANNOTATORS, SUBJECT
from .passages import coverage
from .release import FILES
from .splits import SPLITS
from .tasks import TIME_RELATIONS, Views


@dataclass(frozen=True)
class Content:
    """Everything a release's metadata is written from."""

    version: str
    date: str  # the release date, or "unreleased" for a preview
    by_type: dict[str, list]  # record type -> models
    views: Views
    texts: dict[str, str]  # source id -> seed text
    agreement: dict  # factset.curation.agreement.measure of the records
    baselines: str | None  # the baselines' description and scores on test (None: not computed in this build)
    review_page: str  # the page the ClaimReview urls point to (its anchors are claim ids)
    with_timeline: bool = True
    # The newest fresh blind sample measured against these records ({"file", "report"}:
    # factset.curation.agreement.resample), or None where the checkout keeps none.
    remeasured: dict | None = None

    @property
    def counts(self) -> dict[str, int]:
        return {name: len(self.by_type[kind]) for name, kind in FILES.items()}

    @property
    def released(self) -> bool:
        return self.date[:4].isdigit()


def pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def series(items: list[str]) -> str:
    items = list(items)
    return "".join(items) if len(items) <= 1 else ", ".join(items[:-1]) + " and " + items[-1]


def publication_span(c: Content) -> tuple | None:
    dated = [s.published.value for s in c.by_type["source"] if s.published is not None]
    return (min(dated), max(dated)) if dated else None


def collection(c: Content) -> str:
    span = publication_span(c)
    when = f"published between {span[0].isoformat()} and {span[1].isoformat()}" if span else "of unknown dates"
    return (f"{count(c.counts['sources'], 'news article')} on {SUBJECT}, {when}, taken as plain text (the seeds, "
            "shipped with the factset package and checked by sha256). Every source, entity, claim and passage was "
            "entered by hand as a JSON record and checked by `factset validate` (JSON Schema, the models, and rules "
            "across records: each quote equal to the text at its offsets, verdicts following from the stances of "
            "independent passages, dates consistent).")


ANNOTATION_GUIDE = (
    "Curators follow docs/ANNOTATION.md (label definitions with examples) and docs/CURATION.md. Every record is "
    "labelled a second time, blind, by another annotator (claims: text faithfulness, claimant, date, quantities, "
    "check-worthiness; passages: stance and speaker, from the claim and the passage in context only); differences go "
    "to a third reading that decides. The record then carries both labels and the outcome (curation.review)."
)


def review_status(c: Content) -> str:
    """How far the blind second annotation has come, and whether agreement can be reported."""
    reviewed, records = c.agreement["reviewed"], _live(c)
    done, total = sum(reviewed.values()), sum(records.values())
    detail = ", ".join(f"{reviewed[k]} of {records[k]} {k} records" for k in records)
    retracted = sum(c.agreement.get("retracted", {}).values())
    kept = (f" ({retracted} retracted record{'s' if retracted != 1 else ''} kept for history, not labelled again)"
            if retracted else "")
    if c.agreement["aspects"] and done == total:
        return f"Every record is reviewed: {detail}{kept}."
    if not c.agreement["aspects"]:
        return (f"No blind second annotation is recorded yet ({done} of {total} records reviewed: {detail}). Every "
                "record is a draft labelled by one curator, so no inter-annotator agreement can be reported, and "
                "none is given.")
    return f"Reviewed so far: {detail}{kept}."


def _live(c: Content) -> dict[str, int]:
    """Records per type that are not retracted (a retracted record is not reviewed again)."""
    retracted = c.agreement.get("retracted", {})
    return {k: n - retracted.get(k, 0) for k, n in c.agreement["records"].items()}


def annotations_per_item(c: Content) -> str:
    reviewed, records = c.agreement["reviewed"], _live(c)
    done, total = sum(reviewed.values()), sum(records.values())
    return (f"{total - done} of {total} records: one annotation (the curator's draft). {done} of {total}: two "
            "independent annotations, and a third reading where they differ.")


def agreement_summary(c: Content) -> list[str]:
    """One line per measured aspect (none before any review is recorded)."""
    lines = []
    for aspect, m in c.agreement["aspects"].items():
        kappa = "undefined" if m["kappa"] is None else f"{m['kappa']:.2f}"
        ci = "" if m["ci95"] is None else f", 95 % CI [{m['ci95'][0]:.2f}, {m['ci95'][1]:.2f}]"
        lines.append(f"{aspect}: Cohen's kappa {kappa}{ci}, observed agreement "
                     f"{'–' if m['observed'] is None else format(m['observed'], '.2f')}, n = {m['n']}")
    return lines


def annotators(c: Content) -> str:
    people = c.agreement["annotators"]
    first = ", ".join(people["first"]) or "none recorded"
    second = ", ".join(people["second"]) or "none yet"
    judges = ", ".join(people["adjudicators"]) or "none yet"
    return (f"Curators who entered the records (first annotation): {first}. Blind second annotators: {second}. "
            f"Adjudicators: {judges}. The names are as recorded in each record's curation. {ANNOTATORS}")


def personal(c: Content) -> list[str]:
    people = sorted((e for e in c.by_type["entity"] if e.kind == "person"), key=lambda e: e.name)
    lines = [f"The records name {count(len(people), 'person')}, each as the articles present them in a public role "
             "(officials, diplomats, military and intelligence chiefs, analysts, journalists), with what they said in "
             "that role; the entity's role and affiliation say which. No private individual, contact detail or other "
             "personal data is recorded beyond what the articles published."]
    without_role = [e.name for e in people if not e.role]
    if without_role:
        lines.append(f"No role is recorded for: {series(without_role)}.")
    if people:
        lines.append("People named: " + "; ".join(f"{e.name} ({e.role})" if e.role else e.name for e in people) + ".")
    return lines


def biases(c: Content) -> list[str]:
    sources = c.by_type["source"]
    entities = {e.id: e for e in c.by_type["entity"]}
    narrators = Counter((entities[s.narrator_id].country if s.narrator_id in entities else None) or "not recorded"
                        for s in sources)
    claimants = Counter((entities[cl.claimant_id].country if cl.claimant_id in entities else None) or "no country recorded"
                        for cl in c.by_type["claim"])
    return [
        "Whose voice: the outlets' countries (of the sources' narrators): "
        + ", ".join(f"{k} {n}" for k, n in sorted(narrators.items())) + ". Claims by the claimant's country: "
        + ", ".join(f"{k} {n}" for k, n in claimants.most_common()) + ". The positions of the governments least "
        "represented reach the reader mostly as others report them.",
        f"Few sources: {count(len(sources), 'article')}; conclusions about the event, the outlets or the people rest on "
        "them alone.",
    ]


def limitations(c: Content) -> list[str]:
    sources, claims, evidence = c.by_type["source"], c.by_type["claim"], c.by_type["evidence"]
    translated = sorted(s.id for s in sources if s.text_quality == "degraded_machine_translation")
    languages = sorted({s.language for s in sources})
    verdicts = Counter(cl.verdict.label for cl in claims if cl.verdict is not None)
    judged = sum(verdicts.values())
    span = publication_span(c)
    pairs = sum(len(rows) for rows in c.views.rows["time_relations"].values())
    lines = [
        ("Language: only " + languages[0] if len(languages) == 1 else "Languages: " + ", ".join(languages))
        + (f"; {series(translated)} {'is a degraded machine translation' if len(translated) == 1 else 'are degraded machine translations'}: "
           "garbled sentences and mistranslations are kept as they stand and flagged" if translated else "") + ".",
        "Veracity is corroboration among these articles as of their publication"
        + (f" (up to {span[1].isoformat()})" if span else "") + ", not the truth about the events: 'supported' means "
        "another article's independent passage asserts the same content; 'not_enough_evidence' means none does here, "
        "not that the claim is false.",
        "Label imbalance: verdicts " + (", ".join(f"{label} {pct(verdicts[label] / judged)}" for label in LABELS if verdicts[label])
                                        if judged else "none") + "; stances "
        + ", ".join(f"{s} {sum(e.stance == s for e in evidence)}" for s in STANCES) + ". Report macro-F1 beside accuracy.",
        f"Small test split ({sum(len(c.views.rows[t]['test']) for t in c.views.rows)} task rows in all): scores have "
        "wide confidence intervals.",
        f"Time relations are few ({count(pairs, 'pair')}, classes {', '.join(TIME_RELATIONS)}); whole chains of "
        "estimates sit in one split.",
    ]
    misspellings = sorted({(e.name, a.name) for e in c.by_type["entity"] for a in e.aliases if a.kind == "misspelling"})
    if misspellings:
        lines.append("Names are spelled differently across sources; misspellings are kept as aliases: "
                     + "; ".join(f"{alias} (for {name})" for name, alias in misspellings) + ".")
    flags = Counter(f.kind for r in (*claims, *evidence) for f in r.flags)
    if flags:
        lines.append("Flagged passages and claims: " + ", ".join(f"{k} {n}" for k, n in sorted(flags.items())) + ".")
    return lines


USES = [
    "Evaluating claim verification with evidence (verification), stance detection between a claim and a passage "
    "(stance) and the relation in time between two statements of the same thing (time_relations), on a small, fully "
    "documented set; cross-validation by source.",
    "Studying attribution, attestation versus corroboration, and how estimates change over time and across outlets "
    "(the record configs, with every passage located in its text).",
]
OUT_OF_SCOPE = [
    "Deciding what is true about the events: verdicts say whether these articles corroborate a claim, nothing more.",
    "Judging the reliability of an outlet or a person, or training a model to do so.",
    "Training large models: the set is small, and it reproduces copyrighted article text for verification only.",
]
SOCIAL_IMPACT = (
    "Claims about a war are contested and consequential. Verdicts here record corroboration among a few articles; "
    "used as truth labels they could lend false authority to one side's figures. The dataset keeps who said what, "
    "so that a reader can judge the sources."
)
MAINTENANCE = (
    "Releases are immutable and versioned (semantic versioning for data: records changed or retracted: MAJOR; "
    "added: MINOR; metadata only: PATCH). Record ids are stable; nothing is deleted: a retracted record stays, "
    "marked with the reason. CHANGELOG.md says what changed in each release."
)


def coverage_rows(c: Content) -> list[tuple[str, str, int, float, float]]:
    """Per source: (id, copyright, characters, share covered by quotes, share covered by
    quotes and stance contexts): how much of each article a release reproduces."""
    sources = sorted(c.by_type["source"], key=lambda s: s.id)
    evidence = c.by_type["evidence"]
    by_id = {e.id: e for e in evidence}
    contexts: dict[str, list[tuple[int, int]]] = {s.id: [] for s in sources}
    for split in SPLITS:
        for row in c.views.rows["stance"][split]:
            ev = by_id[row["id"]]
            start = ev.start - row["passage_start"]
            contexts[ev.source_id].append((start, start + len(row["context"])))
    rows = []
    for s in sources:
        quotes = [(e.start, e.end) for e in evidence if e.source_id == s.id]
        length = len(c.texts[s.id])
        rows.append((s.id, s.rights.article_copyright, length, coverage(length, quotes),
                     coverage(length, quotes + contexts[s.id])))
    return rows


def license_file(c: Content) -> str:
    """The LICENSE file of a release folder (the dataset card's licence link points to it)."""
    rights = "\n".join(f"  - {sid}: {copyright_}" for sid, copyright_, *_ in coverage_rows(c))
    return f"""factset {c.version}: licences

Annotations: every record's fields, labels, verdicts, relations and notes, the task views'
labels and the metadata of this folder are licensed under the Creative Commons Attribution
4.0 International licence (CC BY 4.0): https://creativecommons.org/licenses/by/4.0/legalcode
Attribution: "factset contributors, release {c.version}".

Article text: the quoted passages (evidence quotes, and the passages and contexts of the
task views) are excerpts of news articles whose copyright stays with their outlets and
authors. They are included so that every label can be checked against the words it is
about; they are not licensed under CC BY 4.0. Copyright as each article shows it:
{rights}

The factset package that builds and reads this folder is MIT-licensed.
"""
