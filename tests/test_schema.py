import json

import jsonschema
import pytest
from pydantic import create_model

from factset.records import schema
from factset.cli import main
from factset.records.models import RECORD_TYPES, Entity


def test_committed_schema_matches_the_models():
    assert schema.drift(schema.committed_dir()) == []


@pytest.mark.parametrize("record_type", list(RECORD_TYPES))
def test_schema_is_draft_2020_12_and_valid(record_type):
    doc = schema.load(record_type)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(doc)
    assert doc["additionalProperties"] is False


def test_changed_model_is_detected_as_drift(monkeypatch, capsys):
    changed = create_model("Entity", __base__=Entity, nickname=(str | None, None))
    monkeypatch.setitem(RECORD_TYPES, "entity", changed)
    assert schema.drift(schema.committed_dir()) == ["entity.schema.json"]
    assert main(["schema", "--check"]) == 1
    assert "entity.schema.json: differs from the models" in capsys.readouterr().out


def test_schema_command_writes_canonical_files(tmp_path):
    assert main(["schema", "--dir", str(tmp_path)]) == 0
    text = (tmp_path / "claim.schema.json").read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert main(["schema", "--check", "--dir", str(tmp_path)]) == 0


def test_record_names_match_the_models():
    assert schema.RECORD_NAMES == tuple(RECORD_TYPES)
