import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factset.curation.loader import parse_object, read_lines


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


def test_near_picks_the_closest_occurrence_and_refuses_ties():
    from factset.curation.seeds import SeedError, SeedStore, default_seed_dir

    seed = SeedStore(default_seed_dir()).get("000_eb25a17c97a16560.txt")
    starts = seed.find_all("North Korean troops")
    assert len(starts) > 2
    assert seed.locate("North Korean troops", near=starts[1] + 3) == (starts[1], starts[1] + len("North Korean troops"))
    with pytest.raises(SeedError, match="occurs"):
        seed.locate("North Korean troops")
    middle = (starts[0] + starts[1]) // 2 if (starts[0] + starts[1]) % 2 == 0 else None
    if middle is not None:
        with pytest.raises(SeedError, match="occurs"):
            seed.locate("North Korean troops", near=middle)


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"a": 1e999}', "too large for a double"),
        ('{"a": ' + "1" * 5000 + "}", "more than 4300 digits"),
        ('{"a": "\\ud800"}', "lone UTF-16 surrogate"),
    ],
)
def test_parse_rejects_numbers_and_strings_json_cannot_round_trip(text, message):
    with pytest.raises(ValueError, match=message):
        parse_object(text)


def test_valid_surrogate_pairs_are_fine():
    assert parse_object('{"a": "\\ud83d\\ude00"}') == {"a": "\U0001F600"}


def test_empty_file_is_an_error(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n  \n", encoding="utf-8")
    (line,) = list(read_lines(path))
    assert line.number == 0 and "holds no records" in line.error.message


@given(
    lines=st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=12),
    trailing=st.booleans(),
    limit=st.sampled_from([5, 10, 20, 100]),
    block=st.sampled_from([1, 2, 3, 7, 64, 1 << 20]),
    chunk_bytes=st.sampled_from([0, 1, 5, 30, 1 << 15]),
)
@settings(max_examples=300, deadline=None)
def test_line_range_reads_lines_as_split_would(lines, trailing, limit, block, chunk_bytes, tmp_path_factory):
    import factset.curation.loader as loader

    data = b"\n".join(lines) + (b"\n" if trailing and lines else b"")
    path = tmp_path_factory.mktemp("lines") / "f.jsonl"
    path.write_bytes(data)
    parts = data.split(b"\n")
    if data.endswith(b"\n"):
        parts.pop()
    expected = []
    for number, raw in enumerate(parts if data else [], start=1):
        length = len(raw) + (number < len(parts) or data.endswith(b"\n"))
        expected.append((number, raw, 0) if length <= limit else (number, b"", length))
    saved = loader._BLOCK
    loader._BLOCK = block
    try:
        assert list(loader.line_range(path, 0, None, limit)) == expected
        # In chunks of whole lines, overlong lines alone; any range cut at line starts reads its share.
        chunks = list(loader.line_chunks(path, 0, None, limit, chunk_bytes=chunk_bytes))
        assert all(not overlong or not chunk for chunk, overlong in chunks)
        flat = []
        for chunk, overlong in chunks:
            for raw in [b""] if overlong else chunk.split(b"\n"):
                flat.append((len(flat) + 1, raw, overlong))
        assert flat == expected
        starts = [0, *itertools.accumulate(len(raw) + 1 for raw in parts)][:len(parts)]
        cut = starts[len(starts) // 2] if starts else 0
        head = list(loader.line_range(path, 0, cut or None, limit)) if cut else []
        tail = [(n + len(head), raw, overlong) for n, raw, overlong in loader.line_range(path, cut, None, limit)]
        assert head + tail == expected
    finally:
        loader._BLOCK = saved


def test_a_release_folder_is_read_as_its_four_record_files(tmp_path):
    from factset.curation.loader import RELEASE_MANIFEST, RELEASE_RECORD_FILES, expand
    from factset.publish.release import FILES, MANIFEST

    assert RELEASE_RECORD_FILES == tuple(f"{name}.jsonl" for name in FILES) and RELEASE_MANIFEST == MANIFEST
    (tmp_path / "tasks" / "stance").mkdir(parents=True)
    for name in (*RELEASE_RECORD_FILES, "tasks/stance/test.jsonl"):
        (tmp_path / name).write_text("{}\n", encoding="utf-8")
    write_manifest(tmp_path, RELEASE_RECORD_FILES)
    assert [p.name for p in expand([tmp_path])] == list(RELEASE_RECORD_FILES)


def write_manifest(folder, names):
    import hashlib
    files = {n: {"sha256": hashlib.sha256((folder / n).read_bytes()).hexdigest(), "bytes": (folder / n).stat().st_size}
             for n in names}
    (folder / "manifest.json").write_text(json.dumps({"files": files}), encoding="utf-8")


@pytest.mark.parametrize("damage, reason", [
    (lambda f: (f / "claims.jsonl").write_text('{"edited": 1}\n', encoding="utf-8"),
     "does not match its sha256 in"),
    (lambda f: (f / "manifest.json").write_text("{", encoding="utf-8"), "cannot be read as JSON"),
    (lambda f: (f / "manifest.json").write_text('{"files": {}}', encoding="utf-8"), "lists no sha256 for claims.jsonl"),
    (lambda f: (f / "manifest.json").write_text("[" * 100000 + "]" * 100000, encoding="utf-8"),
     "cannot be read as JSON"),
])
def test_a_release_whose_files_do_not_match_its_manifest_is_not_trusted(tmp_path, damage, reason):
    # Published records are not checked again, so a release edited in place must not be read as one.
    from factset.curation.loader import RELEASE_RECORD_FILES, inputs

    for name in RELEASE_RECORD_FILES:
        (tmp_path / name).write_text("{}\n", encoding="utf-8")
    write_manifest(tmp_path, RELEASE_RECORD_FILES)
    assert inputs([tmp_path]) == ([tmp_path / n for n in RELEASE_RECORD_FILES], [])
    damage(tmp_path)
    files, skipped = inputs([tmp_path])
    assert tmp_path / "claims.jsonl" not in files
    assert [(p.name, reason in why) for p, why in skipped if p.name == "claims.jsonl"] == [("claims.jsonl", True)]
