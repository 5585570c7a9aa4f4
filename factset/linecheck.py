"""Checking lines: strict JSON, then the JSON Schema, then the models.

Two paths give the same verdict on every line. The *reference* path
(:mod:`factset.slowcheck`) parses with a strict :mod:`json`, reports every
schema error with :mod:`jsonschema` and validates the Pydantic model. The
*fast* path parses with ``jiter`` (duplicate keys and NaN refused natively)
and asks the compiled ``jsonschema-rs`` validator only whether the record is
valid; whenever it is not sure, the line goes down the reference path, which
then writes the messages. The fast path does not build the Pydantic model: the
schema and the models accept exactly the same records (``tests/test_parity.py``),
and ``tests/test_fast_path.py`` checks that both paths report the same errors.

Most files are mostly valid, so :class:`BlockChecker` first tries a chunk of
lines at once: one parse, one call into the compiled validator. Only when it
cannot vouch for every line of the chunk do its lines go one by one through
:class:`LineChecker`.
"""

from __future__ import annotations

import math

import jiter
import jsonschema_rs
import orjson

from . import schema as schema_mod
from .result import Finding
from .rules import suspect_bytes

class BlockChecker:
    """``check(chunk)``: the records of a chunk of lines if every line is surely valid, else None."""

    def __init__(self):
        self._rs = jsonschema_rs.Draft202012Validator(schema_mod.bundle(), validate_formats=True)

    def check(self, chunk: bytes) -> list[dict] | None:
        try:
            records = orjson.loads(b"[" + chunk.replace(b"\n", b",") + b"]")
        except orjson.JSONDecodeError:
            return None
        # Every line must be its record exactly as orjson writes it (the form factset's releases
        # use; it holds no newline). Then the lines are the records, one each, and none holds what
        # the strict reading refuses or two parsers read differently -- a duplicate key, NaN, a
        # lone surrogate, a number a double cannot hold -- for any of those writes back otherwise.
        # A chunk with a line in any other form goes line by line through LineChecker.
        if b"\n".join(map(orjson.dumps, records)) != chunk:
            return None
        if not self._rs.is_valid(records) or suspect_bytes(chunk):
            return None
        # JSON Schema counts 5.0 as an integer, the models do not; offsets are the only integers.
        if not all(type(d["start"]) is int and type(d["end"]) is int for d in records if d["type"] == "evidence"):
            return None
        return records


def fast_validators() -> dict:
    return {name: jsonschema_rs.Draft202012Validator(schema_mod.load(name), validate_formats=True)
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
        from .slowcheck import check_slow  # Pydantic and jsonschema load only when needed

        return check_slow(raw, first_line)

    def _fast(self, raw: bytes) -> dict | None:
        """The record if the fast path is sure it is valid, else None."""
        try:
            data = jiter.from_json(raw, allow_inf_nan=False, catch_duplicate_keys=True)
        except ValueError:
            return None
        if type(data) is not dict:
            return None
        validator = self._rs.get(data.get("type"))
        if validator is None or not validator.is_valid(data):
            return None
        kind = data["type"]
        # Where jsonschema-rs and the strict reading could differ, let the reference path decide:
        # JSON Schema counts 5.0 as an integer; jiter reads 1e999 as infinity.
        if kind == "evidence" and (type(data["start"]) is not int or type(data["end"]) is not int):
            return None
        if kind == "claim" and not all(_finite(q) for q in data.get("quantities") or ()):
            return None
        if suspect_bytes(raw):
            return None
        return data


def _finite(q: dict) -> bool:
    return all(type(v) is not float or math.isfinite(v) for v in (q.get("value"), q.get("low"), q.get("high")))
