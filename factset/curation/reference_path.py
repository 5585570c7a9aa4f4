"""The reference path for one line: strict JSON, every JSON Schema error, the Pydantic model.

Slow (``jsonschema`` is pure Python), exact and verbose: it writes the messages
for every line the fast path in :mod:`factset.curation.fast_path` does not accept, and
checks every line with ``factset validate --slow``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

import jsonschema
from jsonschema.exceptions import best_match
from pydantic import ValidationError

from ..records import schema as schema_mod
from .loader import parse_line
from ..records.models import RECORD_TYPES
from .result import Finding, pointer
from .hygiene import SUSPECT_LINE, check_text

def _ecma_pattern(validator, pattern, instance, schema):
    """``pattern`` as JSON Schema means it (ECMA-262): ``$`` is the end of the string.

    jsonschema uses Python's ``re.search``, whose ``$`` also matches before a
    final newline, so ``"src-000\\n"`` would pass the schema and fail the models.
    """
    if isinstance(instance, str) and not _compiled(pattern).search(instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


@cache
def _compiled(pattern: str) -> re.Pattern:
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


# JSON Schema counts 1.0 as an integer; the models (and factset's data) do not.
_TYPES = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
    "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool)
)
Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, validators={"pattern": _ecma_pattern}, type_checker=_TYPES
)


def _schema_errors(validator, data: dict) -> Iterator[tuple[str, str]]:
    for top in validator.iter_errors(data):
        err = best_match([top])  # descends into anyOf/oneOf to the field really at fault
        if err.validator == "required" and isinstance(err.instance, dict):
            # Point at the missing field itself, not at the object that lacks it.
            for key in err.validator_value:
                if key not in err.instance:
                    yield pointer([*err.absolute_path, key]), f"missing required field {key!r}"
            continue
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = set(err.schema.get("properties", {}))
            for key in sorted(set(err.instance) - allowed):
                yield pointer([*err.absolute_path, key]), f"unknown field {key!r}"
            continue
        yield pointer(err.absolute_path), _message(err)


_ID_KINDS = {"src": "source", "ent": "entity", "clm": "claim", "evd": "evidence"}
# What a value of a patterned field looks like, where the schema gives no example (by field name).
_EXAMPLES = {
    "seed_file": ("a seed file name", "003_79ee2a5e145d287a.txt (the name of a file of seeds/)"),
    "sha256": ("a sha256", "64 lower-case hexadecimal digits (sha256sum seeds/FILE)"),
    "language": ("a language tag", "'en' (BCP 47)"),
    "topic": ("a topic id", "'nk-troops-in-russia-count' (lower-case words joined by hyphens)"),
}


def _shown(value: str) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _message(err) -> str:
    """jsonschema's message, made specific where it would be cryptic: ids and other patterned
    values get an example rather than a regular expression, dates the format to use."""
    if err.validator == "pattern" and isinstance(err.instance, str):
        if err.validator_value[1:4] in _ID_KINDS:
            expected = _ID_KINDS[err.validator_value[1:4]]
            got = _ID_KINDS.get(err.instance[:3]) if err.instance[3:4] == "-" else None
            if got and got != expected:
                return f"{_shown(err.instance)} is the id of a {got}; a {expected} id is expected here"
            example = (err.schema.get("examples") or ["?"])[0]
            return f"{_shown(err.instance)} is not a valid {expected} id: e.g. {example!r} (docs/CURATION.md, 'Ids')"
        name = err.absolute_path[-1] if err.absolute_path else None
        if name in _EXAMPLES:
            what, example = _EXAMPLES[name]
            return f"{_shown(err.instance)} is not {what}: e.g. {example}"
    if err.validator == "format" and err.validator_value == "date":
        return f"{_shown(err.instance)} is not a date: use YYYY-MM-DD, a day of the calendar (e.g. '2024-10-23')"
    if err.validator in ("anyOf", "oneOf") and err.context and all(c.validator == "type" for c in err.context):
        types = []
        for c in err.context:
            types.extend(c.validator_value if isinstance(c.validator_value, list) else [c.validator_value])
        return f"{err.instance!r} is not of type {' or '.join(dict.fromkeys(types))}"
    return err.message


def _model_errors(exc: ValidationError) -> Iterator[tuple[str, str]]:
    for item in exc.errors(include_url=False):
        loc = list(item["loc"])
        yield pointer(loc), item["msg"]


def slow_validators() -> dict[str, jsonschema.Draft202012Validator]:
    return {name: Validator(schema_mod.load(name), format_checker=Validator.FORMAT_CHECKER) for name in RECORD_TYPES}


_VALIDATORS: dict = {}


def check_slow(raw: bytes, first_line: bool) -> tuple[dict | None, list[Finding], dict | None]:
    """``(record, findings, parsed data)``: the record is None when its shape is wrong."""
    text, data, message, stage = parse_line(raw, first_line)
    if message is not None:
        return None, [("", stage, message)], None
    if not _VALIDATORS:
        _VALIDATORS.update(slow_validators())
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in RECORD_TYPES:  # (a list or an object cannot even be looked up)
        got = "missing" if kind is None else f"{kind!r}"
        return None, [("/type", "schema", f"record type is {got}; expected one of: {', '.join(RECORD_TYPES)}")], data
    # Each finding once: jsonschema reports a missing field in each error about its object.
    findings = list(dict.fromkeys((at, "schema", msg) for at, msg in _schema_errors(_VALIDATORS[kind], data)))
    if findings:
        return None, findings, data
    try:
        RECORD_TYPES[kind].model_validate_json(text)
    except ValidationError as exc:
        return None, [(at, "model", msg) for at, msg in _model_errors(exc)], data
    if SUSPECT_LINE.search(text):
        findings = [(at, "rules", msg) for at, msg in check_text(data)]
        if findings:
            # The shape is valid, so the record still counts for references.
            return data, findings, data
    return data, [], data
