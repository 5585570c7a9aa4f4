"""Schema/model parity: the committed JSON Schema and the Pydantic models accept
exactly the same records, and serialisation is canonical.

Strategies are derived from the models themselves (hypothesis-jsonschema is
broken with current hypothesis, see shared/LIBRARY-NOTES.md): a record valid by
construction, then, most of the time, one mutation that may or may not break it.
"""

from __future__ import annotations

import datetime as dt
import json
import types
import typing
from typing import Annotated, Literal, Union

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from factset.records.models import RECORD_TYPES
from factset.curation.reference_path import slow_validators

VALIDATORS = slow_validators()
EXAMPLES = 1000

json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
    st.sampled_from(["2024-10-23", "2024-02-30", "src-000", "ent-x", "clm-000-001", "evd-000-001-01", "about", "supports", ""]),
)
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=5), inner, max_size=2), max_leaves=4)


def _constraints(metadata) -> dict:
    found = {}
    for item in metadata:
        if isinstance(item, FieldInfo):
            found.update(_constraints(item.metadata))
        for name in ("pattern", "min_length", "ge"):
            value = getattr(item, name, None)
            if value is not None:
                found[name] = value
    return found


def strategy(tp, metadata=()) -> st.SearchStrategy:
    """Valid JSON values for a model annotation."""
    origin = typing.get_origin(tp)
    if origin is Annotated:
        base, *meta = typing.get_args(tp)
        return strategy(base, (*metadata, *meta))
    if origin in (Union, types.UnionType):
        return st.one_of([strategy(arg, metadata) for arg in typing.get_args(tp)])
    limits = _constraints(metadata)
    if tp is type(None):
        return st.none()
    if origin is Literal:
        return st.sampled_from(typing.get_args(tp))
    if origin is list:
        return st.lists(strategy(typing.get_args(tp)[0]), min_size=limits.get("min_length", 0), max_size=3)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return record(tp)
    if tp is str:
        if "pattern" in limits:
            return st.from_regex(limits["pattern"], fullmatch=True)
        return st.text(min_size=limits.get("min_length", 0), max_size=40)
    if tp is int:
        return st.integers(min_value=limits.get("ge"), max_value=2**40)
    if tp is float:
        return st.floats(allow_nan=False, allow_infinity=False)
    if tp is dt.date:
        return st.dates().map(dt.date.isoformat)
    raise TypeError(f"no strategy for {tp!r}")


@st.composite
def record(draw, model: type[BaseModel]) -> dict:
    out = {}
    for name, field in model.model_fields.items():
        if not field.is_required() and draw(st.booleans()):
            continue
        out[name] = draw(strategy(field.annotation, field.metadata))
    return out


@st.composite
def mutated(draw, model: type[BaseModel]) -> dict:
    data = draw(record(model))
    if draw(st.integers(0, 3)) == 0:
        return data  # valid by construction
    # Walk to a random object in the record and change one thing in it.
    target = data
    while True:
        children = [v for v in target.values() if isinstance(v, dict)] + [
            item for v in target.values() if isinstance(v, list) for item in v if isinstance(item, dict)]
        if not children or draw(st.booleans()):
            break
        target = draw(st.sampled_from(children))
    action = draw(st.sampled_from(["drop", "add", "replace"]))
    if action == "drop" and target:
        del target[draw(st.sampled_from(sorted(target)))]
    elif action == "add":
        target[draw(st.text(min_size=1, max_size=6))] = draw(json_value)
    elif target:
        target[draw(st.sampled_from(sorted(target)))] = draw(json_value)
    return data


def schema_accepts(kind: str, data: dict) -> bool:
    return VALIDATORS[kind].is_valid(data)


def model_accepts(kind: str, text: str) -> bool:
    try:
        RECORD_TYPES[kind].model_validate_json(text)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("kind", list(RECORD_TYPES))
def test_schema_and_models_accept_the_same_records(kind):
    model = RECORD_TYPES[kind]
    seen = {"accepted": 0, "rejected": 0}

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(mutated(model))
    def check(data):
        text = json.dumps(data, ensure_ascii=False)
        by_schema = schema_accepts(kind, json.loads(text))
        by_model = model_accepts(kind, text)
        assert by_schema == by_model, f"schema says {by_schema}, model says {by_model}: {text}"
        seen["accepted" if by_model else "rejected"] += 1

    check()
    # Both outcomes must really occur, or the property says nothing.
    assert seen["accepted"] > EXAMPLES // 10 and seen["rejected"] > EXAMPLES // 10, seen


@pytest.mark.parametrize("kind", list(RECORD_TYPES))
def test_round_trip_is_identity_and_canonical(kind):
    model = RECORD_TYPES[kind]

    @settings(max_examples=EXAMPLES // 4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(record(model))
    def check(data):
        parsed = model.model_validate_json(json.dumps(data))
        text = parsed.model_dump_json()
        again = model.model_validate_json(text)
        assert again == parsed
        assert again.model_dump_json() == text  # same record, same bytes
        assert schema_accepts(kind, json.loads(text))

    check()
