"""The aspects of a record that a second annotator labels blind, and how each is read
off a record as one string, so that a recorded review can be compared with the record
(:class:`factset.records.models.ReviewLabel`) and agreement measured on it.
"""

from __future__ import annotations

from collections.abc import Callable

NONE = "none"  # the value of an aspect the record leaves empty (no speaker, no quantity, ...)
NARRATOR = "narrator"  # the speaker of a passage of the source's own narration


def _date(d: dict | None) -> str:
    return NONE if d is None else f"{d['value']}/{d['precision']}"


def _number(n) -> str:
    return "-" if n is None else format(n, "g") if isinstance(n, float) else str(n)


def quantity_key(q: dict) -> str:
    """A quantity as the numbers it states: ``about 10000 [-,-]``."""
    return f"{q['qualifier']} {_number(q.get('value'))} [{_number(q.get('low'))},{_number(q.get('high'))}]"


def quantities_key(quantities: list[dict] | None) -> str:
    return "; ".join(sorted(map(quantity_key, quantities or ()))) or NONE


# record type -> aspect -> its value in a record (a dict as in the JSONL)
ASPECTS: dict[str, dict[str, Callable[[dict], str]]] = {
    "evidence": {
        "stance": lambda d: d["stance"],
        "speaker": lambda d: d.get("speaker_id") or NARRATOR,
    },
    "claim": {
        "text": lambda d: "faithful",  # a reviewed claim's text was judged faithful to its origin passage
        "claimant": lambda d: d["claimant_id"],
        "claim_date": lambda d: _date(d["claim_date"]),
        "quantities": lambda d: quantities_key(d.get("quantities")),
        "checkworthiness": lambda d: d["checkworthiness"],
    },
    "source": {
        "published": lambda d: _date(d.get("published")),
        "text_quality": lambda d: d["text_quality"],
    },
    "entity": {
        "country": lambda d: d.get("country") or NONE,
        "speaks_for": lambda d: d.get("speaks_for") or NONE,
    },
}
# The categorical aspects, with their values in a fixed order, for Cohen's kappa.
TEXT_LABELS = ("faithful", "not_faithful")
