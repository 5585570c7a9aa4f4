"""Scoring predictions for a task view against a release's gold labels, offline.

Predictions are JSON Lines, one object a line: ``{"id": ..., "label": ...}`` (the label
field is the task's: ``stance`` for the stance task). They are checked first — strict JSON,
bounded lines, exactly the two keys, an id of the split, a label of the task, no id twice —
and every problem is reported with its line; nothing is scored then. A gold id without a
prediction counts as wrong (it is reported, and shows as ``(missing)`` in the confusion
matrix). Predictions are joined to gold rows by id, never by text, and the file is only read.

Metrics: accuracy; per class precision, recall, F1 and support; macro-F1, the unweighted
mean of the F1 of every class found in the gold labels or the predictions (a class with
neither is left out, as scikit-learn does; a precision with no prediction is 0).
"""

from __future__ import annotations

import json
import stat
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..curation.loader import read_lines
from ..publish.splits import SPLITS
from ..publish.tasks import TASKS, Task

MISSING = "(missing)"
MAX_PREDICTION_LINE = 64 << 10  # a prediction is a few dozen bytes
MAX_PROBLEMS = 100  # reported in full; beyond, counted


class ScoreError(Exception):
    """The task, split or release cannot be scored (a usage problem, not the predictions')."""


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    pointer: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.pointer + ': ' if self.pointer else ''}{self.message}"


def gold_rows(release_path: Path, task: str, split: str) -> list[dict]:
    """The rows of a task's split in a release folder (verified by the caller)."""
    if task not in TASKS:
        raise ScoreError(f"no task {task!r}: tasks are {', '.join(TASKS)}")
    if split not in SPLITS:
        raise ScoreError(f"no split {split!r}: splits are {', '.join(SPLITS)}")
    file = release_path / "tasks" / task / f"{split}.jsonl"
    if not file.is_file():
        raise ScoreError(f"{release_path} has no task views ({file} is missing): they are part of releases from 1.0.0 on")
    with open(file, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def read_predictions(path: Path, task: Task, gold_ids: Iterable[str]) -> tuple[dict[str, str], list[Problem]]:
    """``(id -> predicted label, problems)``; predictions are usable only if there is no problem."""
    name = str(path)
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return {}, [Problem(name, 0, "", f"cannot read the predictions: {exc.strerror or exc}")]
    if not stat.S_ISREG(mode):
        return {}, [Problem(name, 0, "", "the predictions must be a regular file (JSON Lines), not a folder, pipe or device")]
    known = set(gold_ids)
    keys = {"id", task.label}
    predicted: dict[str, str] = {}
    first_line: dict[str, int] = {}
    problems: list[Problem] = []
    more = 0  # problems beyond MAX_PROBLEMS: counted, not kept (memory stays bounded)

    def report(problem: Problem) -> None:
        nonlocal more
        if len(problems) < MAX_PROBLEMS:
            problems.append(problem)
        else:
            more += 1

    for line in read_lines(path, MAX_PREDICTION_LINE):
        if line.error is not None:
            report(Problem(name, line.number, line.error.pointer, line.error.message))
            continue
        d = line.data
        extra, missing = sorted(set(d) - keys), sorted(keys - set(d))
        if missing or extra:
            what = "; ".join(filter(None, [f"missing key {', '.join(map(repr, missing))}" if missing else "",
                                           f"unknown key {', '.join(map(repr, extra))}" if extra else ""]))
            report(Problem(name, line.number, "", f"{what}: a prediction is {{\"id\": ..., \"{task.label}\": ...}}"))
            continue
        pid, label = d["id"], d[task.label]
        if not isinstance(pid, str):
            report(Problem(name, line.number, "/id", f"an id is a string, not {json.dumps(pid)[:40]}"))
            continue
        if pid not in known:
            report(Problem(name, line.number, "/id", f"{pid[:80]!r} is not an id of this split"))
        elif pid in first_line:
            report(Problem(name, line.number, "/id", f"{pid!r} is predicted twice (first at line {first_line[pid]})"))
        if not isinstance(label, str) or label not in task.classes:
            report(Problem(name, line.number, f"/{task.label}",
                           f"{json.dumps(label)[:60]} is not a label of {task.name}: one of {', '.join(task.classes)}"))
        if pid in known and pid not in first_line:
            first_line[pid] = line.number
            predicted[pid] = label
    if more:
        problems.append(Problem(name, 0, "", f"... and {more} more problem(s) not shown"))
    return predicted, problems


def f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def macro_f1(true_positives: Mapping[str, int], predicted: Mapping[str, int], support: Mapping[str, int],
             classes: Iterable[str]) -> float:
    """The mean F1 over the classes found in the gold labels or the predictions."""
    scores = []
    for c in classes:
        if support.get(c, 0) == 0 and predicted.get(c, 0) == 0:
            continue
        precision = true_positives.get(c, 0) / predicted[c] if predicted.get(c, 0) else 0.0
        recall = true_positives.get(c, 0) / support[c] if support.get(c, 0) else 0.0
        scores.append(f1(precision, recall))
    return sum(scores) / len(scores) if scores else 0.0


def metrics(gold: Mapping[str, str], predicted: Mapping[str, str], classes: tuple[str, ...]) -> dict:
    """Accuracy, macro-F1, per-class P/R/F1 and the confusion matrix of ``predicted`` (id ->
    label) against ``gold`` (id -> label); a gold id without a prediction counts as wrong."""
    ids = sorted(gold)
    support = Counter(gold[i] for i in ids)
    made = Counter(predicted[i] for i in ids if i in predicted)
    hits = Counter(gold[i] for i in ids if predicted.get(i) == gold[i])
    missing = [i for i in ids if i not in predicted]
    per_class = {}
    for c in classes:
        p = hits[c] / made[c] if made[c] else 0.0
        r = hits[c] / support[c] if support[c] else 0.0
        per_class[c] = {"precision": round(p, 6), "recall": round(r, 6), "f1": round(f1(p, r), 6), "support": support[c]}
    columns = [*classes, MISSING]
    confusion = {g: {p: 0 for p in columns} for g in classes}
    for i in ids:
        confusion[gold[i]][predicted.get(i, MISSING)] += 1
    n = len(ids)
    return {
        "n": n,
        "predicted": n - len(missing),
        "missing": len(missing),
        "missing_ids": missing,
        "accuracy": round(sum(hits.values()) / n, 6) if n else 0.0,
        "macro_f1": round(macro_f1(hits, made, support, classes), 6),
        "per_class": per_class,
        "confusion": confusion,
    }


def as_text(result: dict) -> str:
    """A plain report of :func:`metrics` (with the task and split) for the terminal."""
    classes = list(result["per_class"])
    lines = [f"{result['task']} / {result['split']} of release {result['release']}: {result['n']} rows, "
             f"{result['predicted']} predicted, {result['missing']} missing (counted wrong)",
             f"accuracy {result['accuracy']:.4f}   macro-F1 {result['macro_f1']:.4f}", "",
             f"{'class':<22} {'precision':>9} {'recall':>7} {'f1':>7} {'support':>8}"]
    for c in classes:
        m = result["per_class"][c]
        lines.append(f"{c:<22} {m['precision']:>9.4f} {m['recall']:>7.4f} {m['f1']:>7.4f} {m['support']:>8}")
    width = max(len(c) for c in [*classes, MISSING])
    lines += ["", "confusion (rows: gold, columns: predicted)", " " * (width + 1) + " ".join(f"{c[:10]:>10}" for c in [*classes, MISSING])]
    for g in classes:
        lines.append(f"{g:<{width}} " + " ".join(f"{result['confusion'][g][p]:>10}" for p in [*classes, MISSING]))
    if result["missing_ids"]:
        shown = ", ".join(result["missing_ids"][:10])
        more = f" and {len(result['missing_ids']) - 10} more" if len(result["missing_ids"]) > 10 else ""
        lines += ["", f"missing: {shown}{more}"]
    return "\n".join(lines) + "\n"


def score(release_path: Path, version: str, task_name: str, predictions: Path, split: str = "test") -> tuple[dict | None, list[Problem]]:
    """``(result, [])`` or ``(None, problems)`` for a predictions file."""
    task = TASKS.get(task_name)
    if task is None:
        raise ScoreError(f"no task {task_name!r}: tasks are {', '.join(TASKS)}")
    rows = gold_rows(release_path, task_name, split)
    gold = {row["id"]: row[task.label] for row in rows}
    predicted, problems = read_predictions(predictions, task, gold)
    if problems:
        return None, problems
    return {"task": task_name, "split": split, "release": version, **metrics(gold, predicted, task.classes)}, []
