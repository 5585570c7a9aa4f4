import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from factset.records.models import RECORD_TYPES, Claim, Quantity

from .conftest import CURATED, valid_records


def _curated_lines():
    for path in sorted(CURATED.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                yield pytest.param(line, id=f"{path.name}:{number}")


@pytest.mark.parametrize("line", list(_curated_lines()))
def test_every_curated_record_round_trips(line):
    data = json.loads(line)
    model = RECORD_TYPES[data["type"]]
    record = model.model_validate_json(line)
    again = model.model_validate_json(record.model_dump_json())
    assert again == record
    assert again.model_dump_json() == record.model_dump_json()


@pytest.mark.parametrize("data", valid_records(), ids=lambda d: d["id"])
def test_fixture_records_round_trip(data):
    model = RECORD_TYPES[data["type"]]
    record = model.model_validate_json(json.dumps(data))
    assert model.model_validate_json(record.model_dump_json()) == record


numbers = st.one_of(st.none(), st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False))


@given(value=numbers, low=numbers, high=numbers, text=st.text(min_size=1))
def test_quantity_round_trip_keeps_number_types(value, low, high, text):
    q = Quantity(value=value, low=low, high=high, qualifier="about", unit="troops", counted=text, text=text)
    again = Quantity.model_validate_json(q.model_dump_json())
    assert again == q
    for name in ("value", "low", "high"):
        assert type(getattr(again, name)) is type(getattr(q, name))


def test_models_are_strict_and_closed():
    claim = next(r for r in valid_records() if r["type"] == "claim")
    with pytest.raises(ValidationError, match="unit"):
        Claim.model_validate_json(json.dumps({**claim, "quantities": [{**claim["quantities"][0], "unit": 3}]}))
    with pytest.raises(ValidationError, match="Extra inputs"):
        Claim.model_validate_json(json.dumps({**claim, "surprise": 1}))
    with pytest.raises(ValidationError):
        Quantity.model_validate_json('{"value": "12", "qualifier": "about", "unit": "t", "counted": "c", "text": "12"}')
