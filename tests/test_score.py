"""factset score: golden fixtures with metrics computed by hand (as SciFact's evaluator is
tested), the command on a release's own test split, and every malformed input located."""

import hashlib
import json
import os
from pathlib import Path

import pytest

from factset.cli import main
from factset.publish.tasks import TASKS
from factset.research.score import metrics, read_predictions

FIXTURES = Path(__file__).parent / "fixtures" / "score"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))


def _gold(task):
    rows = [json.loads(line) for line in (FIXTURES / f"{task}_gold.jsonl").read_text(encoding="utf-8").splitlines()]
    return {r["id"]: r[TASKS[task].label] for r in rows}


@pytest.mark.parametrize("task", ["verification", "stance"])
def test_golden_fixtures(task):
    gold = _gold(task)
    predicted, problems = read_predictions(FIXTURES / f"{task}_predictions.jsonl", TASKS[task], gold)
    assert problems == []
    assert metrics(gold, predicted, TASKS[task].classes) == EXPECTED[task]


def test_malformed_predictions_are_located():
    gold = _gold("verification")
    _, problems = read_predictions(FIXTURES / "verification_malformed.jsonl", TASKS["verification"], gold)
    found = [(p.line, p.pointer, p.message) for p in problems]
    assert len(found) == len(EXPECTED["malformed"])
    for (line, pointer, message), (want_line, want_pointer, fragment) in zip(found, EXPECTED["malformed"]):
        assert (line, pointer) == (want_line, want_pointer) and fragment in message, (line, pointer, message)


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _score(capsys, *args):
    code = main(["score", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_perfect_predictions_score_one_and_a_constant_scores_lower(fresh_release, tmp_path, capsys):
    test = fresh_release.task("verification", "test")
    perfect = _write(tmp_path / "perfect.jsonl", [{"id": r["id"], "label": r["label"]} for r in test])
    code, out, _ = _score(capsys, "verification", perfect, "--release", fresh_release.path, "--format", "json")
    result = json.loads(out)
    assert code == 0 and result["accuracy"] == 1.0 and result["macro_f1"] == 1.0 and result["missing"] == 0
    constant = _write(tmp_path / "constant.jsonl", [{"id": r["id"], "label": "supported"} for r in test])
    code, out, _ = _score(capsys, "verification", constant, "--release", fresh_release.path, "--format", "json")
    worse = json.loads(out)
    assert code == 0 and worse["macro_f1"] < 1.0 and worse["accuracy"] < 1.0


def test_stance_is_scored_on_its_own_label_field(fresh_release, tmp_path, capsys):
    rows = fresh_release.task("stance", "train")
    path = _write(tmp_path / "p.jsonl", [{"id": r["id"], "stance": r["stance"]} for r in rows])
    code, out, _ = _score(capsys, "stance", path, "--split", "train", "--release", fresh_release.path)
    assert code == 0 and "accuracy 1.0000   macro-F1 1.0000" in out


def test_missing_ids_count_wrong_and_are_reported(fresh_release, tmp_path, capsys):
    test = fresh_release.task("verification", "test")
    path = _write(tmp_path / "p.jsonl", [{"id": r["id"], "label": r["label"]} for r in test[1:]])
    code, out, _ = _score(capsys, "verification", path, "--release", fresh_release.path, "--format", "json")
    result = json.loads(out)
    assert code == 0 and result["missing_ids"] == [test[0]["id"]]
    assert result["accuracy"] == round((len(test) - 1) / len(test), 6)
    assert result["confusion"][test[0]["label"]]["(missing)"] == 1


def test_malformed_predictions_exit_1_with_located_errors_and_the_file_untouched(fresh_release, tmp_path, capsys):
    test = fresh_release.task("verification", "test")
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"id": test[0]["id"], "label": "True"}) + "\n{oops\n", encoding="utf-8")
    before = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    code, out, _ = _score(capsys, "verification", path, "--release", fresh_release.path)
    assert code == 1
    assert f"{path}:1: /label: \"True\" is not a label of verification" in out and f"{path}:2: invalid JSON" in out
    assert (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns) == before
    code, out, _ = _score(capsys, "verification", path, "--release", fresh_release.path, "--format", "json")
    assert code == 1 and [e["line"] for e in json.loads(out)["errors"]] == [1, 2]


def test_a_pipe_is_refused_and_usage_errors_exit_2(fresh_release, tmp_path, capsys):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    code, out, _ = _score(capsys, "verification", fifo, "--release", fresh_release.path)
    assert code == 1 and "regular file" in out
    assert _score(capsys, "verification", tmp_path / "absent.jsonl", "--release", fresh_release.path)[0] == 2
    with pytest.raises(SystemExit) as exc:
        main(["score", "no-such-task", str(fifo)])
    assert exc.value.code == 2


def test_a_release_without_task_views_is_a_usage_error(tmp_path, capsys):
    path = _write(tmp_path / "p.jsonl", [{"id": "clm-000-001", "label": "supported"}])
    code, _, err = _score(capsys, "verification", path, "--release", "0.1.0")
    assert code == 2 and "no task views" in err
