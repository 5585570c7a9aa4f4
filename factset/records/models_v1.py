"""FROZEN: the record models of schema 1.0.0, the schema of release 0.1.0.

Kept so that ``factset.load(version="0.1.0")`` reads that release exactly as it was
published (a released version is never rewritten, and neither is how it is read).
Never edit this file; the current models are :mod:`factset.records.models`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0.0"

# Id patterns. Ids are stable across releases; see docs/CURATION.md.
SOURCE_ID = r"^src-[0-9]{3,}$"
ENTITY_ID = r"^ent-[a-z0-9]+(-[a-z0-9]+)*$"
CLAIM_ID = r"^clm-[0-9]{3,}-[0-9]{3,}$"
EVIDENCE_ID = r"^evd-[0-9]{3,}-[0-9]{3,}-[0-9]{2,}$"
TOPIC_ID = r"^[a-z0-9]+(-[a-z0-9]+)*$"
# A seed is named <3+ digits>_<16 hex>.txt; the pattern also keeps path
# separators and ".." out, so a record cannot point the validator elsewhere.
SEED_FILE = r"^[0-9]{3,}_[0-9a-f]{16}\.txt$"

SourceId = Annotated[str, Field(pattern=SOURCE_ID, examples=["src-000"])]
EntityId = Annotated[str, Field(pattern=ENTITY_ID, examples=["ent-john-kirby"])]
ClaimId = Annotated[str, Field(pattern=CLAIM_ID, examples=["clm-000-001"])]
EvidenceId = Annotated[str, Field(pattern=EVIDENCE_ID, examples=["evd-000-001-01"])]
NonEmpty = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


# --------------------------------------------------------------------------- parts


class Curation(_Strict):
    """Who entered the record and how far it has been reviewed.

    A retracted record keeps its id and stays in every later release, marked
    ``retracted`` with the reason in ``note``: history is never deleted.
    """

    curated_by: NonEmpty
    review_status: Literal["draft", "reviewed", "retracted"]
    note: str | None = None


class DateInfo(_Strict):
    """A date together with how precise it is and how it was obtained.

    ``value`` is the first day of the period when precision is coarser than a
    day (``2024-10-01`` with precision ``month`` means "October 2024").
    """

    value: dt.date
    precision: Literal["day", "week", "month", "year"]
    basis: Literal[
        "stated",  # the text gives the date itself
        "inferred_from_weekday",  # "said Wednesday" + the article's date
        "inferred_from_context",  # e.g. "this week", "earlier this month"
        "publication_date",  # the outlet's own statement, dated by the article
        "other_source",  # dated by another seed that reports the same event
    ]
    note: str | None = None


class Flag(_Strict):
    """Something a careful reader notices about a passage or a record."""

    kind: Literal[
        "garbled_translation",  # a sentence that makes no sense as it stands
        "mistranslation",  # a word or phrase that changes the meaning
        "misspelling",  # a name or word spelled wrongly in the seed
        "internal_inconsistency",  # the article contradicts itself
        "ambiguous",  # the passage admits more than one reading
        "unattributed",  # a statement of fact with no one behind it
    ]
    note: NonEmpty


class Alias(_Strict):
    name: NonEmpty
    kind: Literal["variant", "misspelling", "short_form", "title_form", "metonym"]
    note: str | None = None


class Quantity(_Strict):
    """A number as the text gives it: point value and/or bounds, with qualifier.

    "as many as 3,000" is ``value=3000, high=3000, qualifier="as_many_as"``;
    "between 25,000 and 30,000" is ``low=25000, high=30000, qualifier="between"``.
    """

    value: int | float | None = None
    low: int | float | None = None
    high: int | float | None = None
    qualifier: Literal[
        "exact",
        "about",
        "at_least",
        "more_than",
        "fewer_than",
        "up_to",
        "as_many_as",
        "nearly",
        "between",
    ]
    unit: NonEmpty = Field(description="What one unit is, e.g. 'troops', 'containers', 'soldiers per month'.")
    counted: NonEmpty = Field(description="What is counted, e.g. 'North Korean troops in Russia'.")
    as_of: DateInfo | None = Field(default=None, description="The date the figure describes, if the text gives one.")
    text: NonEmpty = Field(description="The number as written in the seed, e.g. 'some 8,000'.")


class AttributionHop(_Strict):
    """One link in the chain by which a claim reaches the reader."""

    entity_id: EntityId | None = None
    description: NonEmpty


class Attribution(_Strict):
    mode: Literal[
        "direct_quote",  # the claimant's words in quotation marks
        "paraphrase",  # the claimant's statement in the outlet's words
        "outlet_statement",  # the outlet asserts it, citing no one
        "unnamed_officials",  # "US officials said", "officials in Kyiv say"
        "reported_by_other_outlet",  # "the Yonhap news agency reported"
    ]
    chain: list[AttributionHop] = Field(
        default_factory=list,
        description="Intermediaries between the claimant and the outlet, nearest to the outlet first.",
    )


class Relation(_Strict):
    kind: Literal["same_as", "updates", "supersedes", "conflicts_with", "related_to"]
    target: ClaimId
    note: str | None = None


VerdictLabel = Literal["supported", "refuted", "not_enough_evidence", "conflicting_evidence"]


class Verdict(_Strict):
    """An AVeriTeC-style verdict, judged on the evidence records of the claim.

    The label must follow from the stances of the claim's related evidence
    from other sources (see :func:`factset.rules.expected_verdict`).
    """

    label: VerdictLabel
    justification: Annotated[str, Field(min_length=10)]
    evidence_ids: Annotated[list[EvidenceId], Field(min_length=1)]


# ------------------------------------------------------------------------- records


class Rights(_Strict):
    annotation_license: NonEmpty = Field(description="SPDX id of the licence of factset's annotations.")
    article_copyright: NonEmpty = Field(description="Who holds the copyright of the article text ('unknown' if the text does not say).")


class Source(_Strict):
    """One seed article."""

    type: Literal["source"]
    id: SourceId
    seed_file: Annotated[str, Field(pattern=SEED_FILE)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    outlet: str | None = Field(description="The publishing outlet, or null if the text does not show it.")
    title: str | None = Field(description="The headline as it stands in the text, or null if there is none.")
    byline: list[NonEmpty] = Field(default_factory=list)
    dateline: str | None = None
    published: DateInfo | None = Field(description="Publication date, or null if neither the text nor another seed fixes it.")
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
    rights: Rights
    text_quality: Literal["clean", "minor_errors", "degraded_machine_translation"]
    quality_notes: list[NonEmpty] = Field(default_factory=list)
    curation: Curation


class Entity(_Strict):
    """A claimant, speaker or intermediary: a person or an organisation."""

    type: Literal["entity"]
    id: EntityId
    name: NonEmpty
    kind: Literal["person", "organization", "government", "news_outlet", "group"]
    role: str | None = None
    affiliation: str | None = None
    country: str | None = Field(default=None, description="Country the entity speaks for or belongs to, in English.")
    aliases: list[Alias] = Field(default_factory=list)
    note: str | None = None
    curation: Curation


class Claim(_Strict):
    """One check-worthy statement, readable without the article."""

    type: Literal["claim"]
    id: ClaimId
    source_id: SourceId = Field(description="The seed the claim was extracted from.")
    text: Annotated[str, Field(min_length=20)]
    claimant_id: EntityId
    attribution: Attribution
    claim_date: DateInfo = Field(description="When the statement was made (not the as-of date of a figure, not the publication date).")
    kind: Literal["numeric_estimate", "event", "statement", "prediction", "assessment", "opinion"]
    topic: Annotated[str, Field(pattern=TOPIC_ID)] | None = None
    quantities: list[Quantity] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    note: str | None = Field(default=None, description="The curator's reasoning where the text needs it (e.g. how a date or figure was read).")
    verdict: Verdict
    curation: Curation


class Evidence(_Strict):
    """A verbatim passage of a seed that bears on a claim.

    ``start``/``end`` are Unicode code point offsets into the seed text, end
    exclusive, as in the W3C Web Annotation TextPositionSelector.
    """

    type: Literal["evidence"]
    id: EvidenceId
    claim_id: ClaimId
    source_id: SourceId
    quote: NonEmpty
    start: Annotated[int, Field(ge=0)]
    end: Annotated[int, Field(ge=1)]
    role: Literal["origin", "related"] = Field(
        description="'origin': the passage where the claim is made; 'related': any other passage that bears on it."
    )
    stance: Literal["supports", "refutes", "neutral"]
    speaker_id: EntityId | None = Field(description="Who speaks in the passage; null for the outlet's own narration.")
    flags: list[Flag] = Field(default_factory=list)
    note: str | None = None
    curation: Curation


Record = Annotated[Union[Source, Entity, Claim, Evidence], Field(discriminator="type")]

RECORD_TYPES: dict[str, type[BaseModel]] = {
    "source": Source,
    "entity": Entity,
    "claim": Claim,
    "evidence": Evidence,
}
