import pytest

from factset.loader import parse_object, read_lines


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"a": 1, "a": 2}', "duplicate key 'a'"),
        ('{"a": NaN}', "NaN is not valid JSON"),
        ('{"a": -Infinity}', "-Infinity is not valid JSON"),
        ("[1, 2]", "must be a JSON object, not list"),
        ('{"a": 1', "invalid JSON"),
        ("[" * 100_000 + "]" * 100_000, "invalid JSON"),
    ],
)
def test_parse_rejects(text, message):
    with pytest.raises(ValueError, match=message):
        parse_object(text)



def test_bom_invalid_utf8_and_long_lines_are_located(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n\n   \n{"a": "\xc3"}\n{"a": "' + b"x" * 200 + b'"}\n{"ok": 1}\n')
    errors = _errors_limited(path, 100)
    assert [(n, stage) for n, stage, _ in errors] == [(1, "read"), (4, "read"), (5, "read")]
    assert "byte order mark" in errors[0][2]
    assert "invalid UTF-8" in errors[1][2]
    assert "over the limit of 100" in errors[2][2]
    assert [line.data for line in read_lines(path, 100) if line.data] == [{"ok": 1}]


def _errors_limited(path, limit):
    return [(line.number, line.error.stage, line.error.message) for line in read_lines(path, limit) if line.error]
