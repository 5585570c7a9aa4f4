"""The checker: JSON syntax, then the JSON Schema, then the models, then the rules.

:func:`validate` fills a :class:`~factset.result.Result`; it prints nothing, so
the CLI, the release builder and the tests share it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import re
from functools import cache

import jsonschema
from jsonschema.exceptions import best_match
from pydantic import ValidationError

from . import schema as schema_mod
from .loader import DEFAULT_MAX_LINE_BYTES, Line, expand, read_lines
from .models import RECORD_TYPES
from .result import Error, Result, pointer
from .rules import SUSPECT_LINE, Catalog, check_catalog, check_text
from .seeds import SeedStore, default_seed_dir


@dataclass(frozen=True)
class Located:
    record: object
    path: str
    line: int


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


def _validators() -> dict[str, jsonschema.Draft202012Validator]:
    return {name: Validator(schema_mod.load(name), format_checker=Validator.FORMAT_CHECKER) for name in RECORD_TYPES}


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


def _message(err) -> str:
    """jsonschema's message, made specific where it would be cryptic."""
    if err.validator == "pattern" and isinstance(err.instance, str) and err.validator_value[1:4] in _ID_KINDS:
        expected = _ID_KINDS[err.validator_value[1:4]]
        got = _ID_KINDS.get(err.instance[:3]) if err.instance[3:4] == "-" else None
        if got and got != expected:
            return f"{err.instance!r} is the id of a {got}; a {expected} id is expected here"
        return f"{err.instance!r} is not a valid {expected} id (pattern {err.validator_value})"
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


def check_line(line: Line, validators) -> tuple[object | None, list[Error]]:
    """A parsed line through schema and model: the record, or the errors."""
    data = line.data
    assert data is not None and line.text is not None
    record_id = data.get("id") if isinstance(data.get("id"), str) else None

    def err(at, stage, message):
        return Error(line.path, line.number, at, stage, message, record_id)

    kind = data.get("type")
    if kind not in RECORD_TYPES:
        expected = ", ".join(RECORD_TYPES)
        got = "missing" if kind is None else f"{kind!r}"
        return None, [err("/type", "schema", f"record type is {got}; expected one of: {expected}")]
    errors = [err(at, "schema", msg) for at, msg in _schema_errors(validators[kind], data)]
    if errors:
        return None, errors
    try:
        record = RECORD_TYPES[kind].model_validate_json(line.text)
    except ValidationError as exc:
        return None, [err(at, "model", msg) for at, msg in _model_errors(exc)]
    if SUSPECT_LINE.search(line.text):
        errors = [err(at, "rules", msg) for at, msg in check_text(data)]
    return record, errors


def read_records(
    files: Iterable[Path], result: Result, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES, rejected: dict | None = None
) -> Iterator[Located]:
    """Records of ``files`` that have a valid shape; every error goes into ``result``.

    ``rejected`` collects the ids of records refused for their shape, so that
    references to them can say so instead of claiming the id does not exist.
    """
    validators = _validators()
    for path in files:
        result.files += 1
        for line in read_lines(path, max_line_bytes):
            if line.error is not None:
                result.errors.append(line.error)
                continue
            record, errors = check_line(line, validators)
            result.errors.extend(errors)
            if record is not None:
                yield Located(record, line.path, line.number)
            elif rejected is not None and isinstance(line.data.get("id"), str):
                rejected.setdefault(line.data["id"], f"{line.path}:{line.number}")


def validate(
    paths: Iterable[Path],
    against: Iterable[Path] = (),
    seed_dir: Path | None = None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> tuple[Result, list[Located]]:
    """Check the records of ``paths``; ``against`` holds published records they may refer to.

    Records of ``against`` are trusted (they were validated when released):
    they resolve references and claim ids, and are not themselves reported on.
    """
    result = Result()
    seeds = SeedStore(seed_dir or default_seed_dir())
    catalog = Catalog()
    first_seen: dict[str, Located] = {}

    for loc in read_records(expand(list(against)), Result(), max_line_bytes):
        catalog.add(loc.record)
        first_seen[loc.record.id] = loc

    checked: list[Located] = []
    for loc in read_records(expand(list(paths)), result, max_line_bytes, rejected=catalog.rejected):
        rid = loc.record.id
        if rid in first_seen:
            prev = first_seen[rid]
            result.errors.append(
                Error(loc.path, loc.line, "/id", "rules", f"duplicate id {rid!r}: first used at {prev.path}:{prev.line}", rid)
            )
            continue
        first_seen[rid] = loc
        catalog.add(loc.record)
        checked.append(loc)

    where = {id(loc.record): loc for loc in checked}
    for record, at, message in check_catalog(catalog, [loc.record for loc in checked], seeds):
        loc = where[id(record)]
        result.errors.append(Error(loc.path, loc.line, at, "rules", message, record.id))

    for loc in checked:
        result.records[loc.record.type] += 1
    return result, checked
