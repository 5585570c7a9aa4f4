"""Checking lines: strict JSON, then the JSON Schema, then the models.

Two paths give the same verdict on every line. The *reference* path
(:mod:`factset.curation.reference_path`) parses with a strict :mod:`json`, reports every
schema error with :mod:`jsonschema` and validates the Pydantic model. The
*fast* path parses with ``jiter`` (duplicate keys and NaN refused natively)
and asks the compiled ``jsonschema-rs`` validator only whether the record is
valid; whenever it is not sure, the line goes down the reference path, which
then writes the messages. The fast path does not build the Pydantic model: the
schema and the models accept exactly the same records (``tests/test_parity.py``),
and ``tests/test_fast_path.py`` checks that both paths report the same errors.

Most files are mostly valid, so :class:`BlockChecker` first tries a chunk of
lines at once: one call into the compiled validator a record type, and one parse if the lines
are in the form orjson writes (else jiter reads each). Only when it cannot
vouch for every line of the chunk do its lines go one by one through
:class:`LineChecker`, which finds the line at fault.
"""

from __future__ import annotations

import math
from functools import cache

import jiter
import jsonschema_rs
import orjson

from ..records import schema as schema_mod
from .result import Finding
from .hygiene import suspect_bytes
from .loader import MAX_EXACT_INTEGER
from .record_rules import Block


class BlockChecker:
    """``check(chunk)``: the records of a chunk of lines, as a :class:`~factset.curation.record_rules.Block`, if every
    line is surely valid, else None."""

    def __init__(self):
        self._validators = fast_validators()

    def check(self, chunk: bytes) -> Block | None:
        records = _as_orjson_writes(chunk)
        from_jiter = records is None
        if from_jiter:  # another layout: each line read strictly on its own
            records = [_read_strictly(line) for line in chunk.split(b"\n")]
            if any(d is None for d in records):
                return None
        try:
            block = Block.of(records, [d.get("type") for d in records])
        except AttributeError:  # a line that is not an object
            return None
        if not self._valid(block) or suspect_bytes(chunk) or not _exact_offsets(block.evidence):
            return None
        if not _exact_quantities(block.claims) or not _dates_python_holds(block):
            return None
        return block

    def _valid(self, block: Block) -> bool:
        """Whether every record is valid: the records of each type in one call."""
        by_type = self._validators
        others: dict[str, list[dict]] = {}  # the sources and entities that head a file, mostly
        if not block.only_claims_and_evidence():
            for d, kind in zip(block.records, block.types):
                if kind != "evidence" and kind != "claim":
                    if not isinstance(kind, str) or kind not in by_type:
                        return False
                    others.setdefault(kind, []).append(d)
        return (by_type["evidence"].is_valid(block.evidence) and by_type["claim"].is_valid(block.claims)
                and all(by_type[kind].is_valid(records) for kind, records in others.items()))


def _as_orjson_writes(chunk: bytes) -> list[dict] | None:
    """The records of a chunk whose every line is its record exactly as orjson writes it, else None.

    That form (compact, no newline; factset's releases use it) makes the lines the
    records, one each, and excludes what the strict reading refuses or two parsers
    read differently -- a duplicate key, NaN, a lone surrogate, a number a double
    cannot hold -- for any of those writes back otherwise. One parse for the chunk.
    """
    at = chunk.find(b'":')
    if at == -1 or chunk[at + 2:at + 3] == b" ":  # json.dumps's layout, '": ': not worth parsing twice
        return None
    try:
        records = orjson.loads(b"[" + chunk.replace(b"\n", b",") + b"]")
    except orjson.JSONDecodeError:
        return None
    return records if b"\n".join(map(orjson.dumps, records)) == chunk else None


def _read_strictly(raw: bytes) -> dict | None:
    """A line as a JSON object, read by jiter, which refuses duplicate keys and NaN itself; else None."""
    try:
        data = jiter.from_json(raw, allow_inf_nan=False, catch_duplicate_keys=True)
    except ValueError:
        return None
    return data if type(data) is dict else None


# Where jsonschema-rs and the strict reading differ, the reference path decides (on records
# the schema accepts): JSON Schema counts 5.0 as an integer (offsets are the only integers);
# jiter reads 1e999 as infinity (jsonschema-rs refuses infinities too today; this does not rely
# on it); an integer beyond 2**53 - 1 is refused by the strict reading (no double holds it);
# and the compiled schema's 'date' format accepts the year 0000, which Python's dates cannot hold.
def _exact_offsets(evidence: list[dict]) -> bool:
    return not [d for d in evidence if type(d["start"]) is not int or type(d["end"]) is not int
                or d["start"] > MAX_EXACT_INTEGER or d["end"] > MAX_EXACT_INTEGER]


def _exact_quantities(claims: list[dict]) -> bool:
    return all(_exact(q) for d in claims for q in d.get("quantities") or ())


def _dates_python_holds(block: Block) -> bool:
    """Whether every date of the block's records is one Python can hold (the model's type)."""
    values = [d["claim_date"]["value"] for d in block.claims]
    values += [q["as_of"]["value"] for d in block.claims for q in d.get("quantities") or () if q.get("as_of")]
    if not block.only_claims_and_evidence():
        values += [d["published"]["value"] for d, kind in zip(block.records, block.types)
                   if kind == "source" and d.get("published")]
    return not [v for v in values if v.startswith("0000")]  # (the format has checked the rest: YYYY-MM-DD)


@cache
def fast_validators() -> dict[str, jsonschema_rs.Validator]:
    """A compiled validator per record type, of a JSON array of records of that type
    (:func:`factset.records.schema.array_of`): one call checks a block's evidence, or one record."""
    return {name: jsonschema_rs.Draft202012Validator(schema_mod.array_of(name), validate_formats=True)
            for name in schema_mod.RECORD_NAMES}


class LineChecker:
    """Checks lines of JSONL: ``check`` returns the record (a dict) or the findings."""

    def __init__(self, fast: bool = True):
        self._rs = fast_validators() if fast else None

    def check(self, raw: bytes, first_line: bool) -> tuple[dict | None, list[Finding], dict | None]:
        """``(record, [], record)`` when valid, else ``(None, findings, parsed data if any)``."""
        if self._rs is not None:
            data = self._fast(raw)
            if data is not None:
                return data, [], data
        from .reference_path import check_slow  # Pydantic and jsonschema load only when needed

        return check_slow(raw, first_line)

    def _fast(self, raw: bytes) -> dict | None:
        """The record if the fast path is sure it is valid, else None."""
        data = _read_strictly(raw)
        if data is None:
            return None
        kind = data.get("type")
        validator = self._rs.get(kind) if isinstance(kind, str) else None
        if validator is None or not validator.is_valid([data]) or suspect_bytes(raw):
            return None
        kind = data["type"]
        if kind == "evidence":
            return data if _exact_offsets([data]) else None
        if kind == "claim" or kind == "source":
            block = Block.of([data], [kind])
            if not _dates_python_holds(block) or not _exact_quantities(block.claims):
                return None
        return data


def _exact(q: dict) -> bool:
    """A quantity's numbers are finite doubles or integers a double holds exactly."""
    return all(math.isfinite(v) if type(v) is float else v is None or -MAX_EXACT_INTEGER <= v <= MAX_EXACT_INTEGER
               for v in (q.get("value"), q.get("low"), q.get("high")))
