"""The record types of factset: Source, Entity, Claim and Evidence.

The models describe the *shape* of a record and nothing else, so that the JSON
Schema generated from them accepts exactly the records they accept. Every rule
that needs more than one field or more than one record (bounds in order, dates
plausible, references resolving, quotes at their offsets, verdicts matching the
evidence) lives in :mod:`factset.curation.record_rules` and :mod:`factset.curation.facts`, where it can name the field it blames.

All models are strict (no ``"12"`` -> ``12`` coercion) and forbid unknown keys.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "2.0.0"

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


class ReviewLabel(_Strict):
    """One judgement of a record made twice, independently, and its adjudicated outcome.

    ``first`` is the curator's label as it stood before the review, ``second`` the label
    of a second annotator who never saw the first (for a stance: only the claim, the
    passage and its context). Where they differ a third reading decides: ``final``, with
    a ``note`` saying why. ``final`` is what the record now says (the validator checks
    it). The values are written as :data:`factset.records.review.ASPECTS` reads them
    off a record (e.g. ``2024-10-23/day`` for a claim date).
    """

    aspect: Literal[
        "stance", "speaker",  # evidence
        "text", "claimant", "claim_date", "quantities", "checkworthiness",  # claims
        "published", "text_quality",  # sources
        "country", "speaks_for",  # entities
    ]
    first: str
    second: str
    final: str
    note: str | None = None


class Review(_Strict):
    """The blind second annotation of a record and its adjudication."""

    annotator: NonEmpty = Field(description="The second annotator, who labelled blind.")
    adjudicator: NonEmpty | None = Field(default=None, description="Who decided where the two labels differ (the third reading).")
    labels: Annotated[list[ReviewLabel], Field(min_length=1)]


class Curation(_Strict):
    """Who entered the record and how far it has been reviewed.

    ``reviewed`` means a second annotator labelled the record blind and every
    difference was adjudicated: the ``review`` says by whom and with what labels.
    A retracted record keeps its id and stays in every later release, marked
    ``retracted`` with the reason in ``note``: history is never deleted.
    """

    curated_by: NonEmpty
    review_status: Literal["draft", "reviewed", "retracted"]
    note: str | None = None
    review: Review | None = None


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
    """An AVeriTeC-style veracity verdict, decided by independent evidence only.

    The label must follow from the stances of the claim's *independent* evidence:
    related passages of another source whose speaker is not the claimant's side
    (see :mod:`factset.records.labels`).
    """

    label: VerdictLabel
    justification: Annotated[str, Field(min_length=10)]
    evidence_ids: Annotated[list[EvidenceId], Field(min_length=1)]


class Attestation(_Strict):
    """Whether other sources report the claimant making this statement: that it was
    *said*, which is not whether it is *true* (that is the verdict)."""

    label: Literal["attested", "not_attested"] = Field(
        description="'attested': a passage of another source reports the claimant's side making this statement.")
    evidence_ids: list[EvidenceId] = Field(default_factory=list, description="The attesting passages of other sources.")


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
    narrator_id: EntityId | None = Field(
        default=None,
        description="Who speaks where the text narrates (the outlet or its author): the speaker of a passage whose speaker_id is null.")
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
    speaks_for: EntityId | None = Field(
        default=None,
        description="The body whose position this entity states (a spokesperson's government). Entities with the "
                    "same body at the root of this chain are one side: they do not corroborate each other.")
    aliases: list[Alias] = Field(default_factory=list)
    note: str | None = None
    curation: Curation


class Claim(_Strict):
    """One statement, readable without the article, attributed and dated."""

    type: Literal["claim"]
    id: ClaimId
    source_id: SourceId = Field(description="The seed the claim was extracted from.")
    text: Annotated[str, Field(min_length=20)]
    claimant_id: EntityId
    attribution: Attribution
    claim_date: DateInfo = Field(description="When the statement was made (not the as-of date of a figure, not the publication date).")
    kind: Literal["numeric_estimate", "event", "statement", "prediction", "assessment", "opinion", "recommendation"]
    topic: Annotated[str, Field(pattern=TOPIC_ID)] | None = None
    quantities: list[Quantity] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    note: str | None = Field(default=None, description="The curator's reasoning where the text needs it (e.g. how a date or figure was read).")
    checkworthiness: Literal["checkworthy_factual", "unimportant_factual", "non_factual"] = Field(
        description="ClaimBuster's classes. Opinions, predictions, recommendations and rhetorical questions are "
                    "non_factual and carry no verdict.")
    attestation: Attestation
    verdict: Verdict | None = Field(description="The veracity verdict; null for a non_factual claim.")
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
    stance: Literal["supports", "refutes", "neutral", "attests"] = Field(
        description="'attests': the passage reports the claimant making the statement (said, not corroborated); "
                    "'supports'/'refutes': it asserts the same / an incompatible content (same fact, figure, time); "
                    "'neutral': on the topic but neither.")
    speaker_id: EntityId | None = Field(description="Who speaks in the passage; null for the outlet's own narration (its source's narrator).")
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
