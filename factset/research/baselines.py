"""Baselines for the task views, fitted on ``train`` and scored on ``test`` with
:func:`factset.research.score.metrics`. Deterministic, offline, no dependency.

- ``majority``: always the most frequent label of ``train`` (a tie: the first in the
  task's class order).
- ``overlap``: one number per row, the share of the claim's content words (lower-cased
  words and numbers, digits grouped as written: "10,000" is "10000"; common function words
  left out) found in the evidence: for ``verification`` the best of its passages (0 with
  none), for ``stance`` the passage, for ``time_relations`` the other claim. One threshold
  splits the rows into two labels; the threshold and both labels are those with the best
  macro-F1 on ``train`` (ties: the lowest threshold, then class order). Nothing is tuned on
  ``test``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from ..publish.tasks import TASKS
from .score import macro_f1, metrics

STOPWORDS = frozenset("""
a an and are as at be been but by for from had has have he her his in into is it its of on or that the their
they this to was were which who will with would said says say also than then there these those not no
""".split())
_WORD = re.compile(r"\d[\d,]*\d|\d|[a-z]+")


def words(text: str) -> frozenset[str]:
    return frozenset(w.replace(",", "") for w in _WORD.findall(text.lower()) if w not in STOPWORDS)


def _share(claim: str, evidence: str) -> float:
    mine = words(claim)
    return len(mine & words(evidence)) / len(mine) if mine else 0.0


FEATURES: dict[str, Callable[[dict], float]] = {
    "verification": lambda row: max((_share(row["claim"], p["text"]) for p in row["passages"]), default=0.0),
    "stance": lambda row: _share(row["claim"], row["passage"]),
    "time_relations": lambda row: _share(row["claim_a"], row["claim_b"]),
}


def majority(train: list[dict], label: str, classes: tuple[str, ...]) -> Callable[[dict], str] | None:
    counts = Counter(row[label] for row in train)
    if not counts:
        return None
    best = max(classes, key=lambda c: (counts[c], -classes.index(c)))
    return lambda row: best


def overlap(train: list[dict], label: str, classes: tuple[str, ...], feature: Callable[[dict], float]
            ) -> Callable[[dict], str] | None:
    """A one-threshold rule on ``feature`` (see the module's docstring)."""
    if not train:
        return None
    scored = sorted((feature(row), row[label]) for row in train)
    values = sorted({v for v, _ in scored})
    # Thresholds: below every value, between neighbours, above every value (rows >= t get the high label).
    thresholds = [values[0] - 1.0] + [(a + b) / 2 for a, b in zip(values, values[1:])] + [values[-1] + 1.0]
    support = Counter(y for _, y in scored)
    n = len(scored)
    best: tuple[float, float, int, int] | None = None  # (-macro-F1, threshold, low index, high index)
    below: Counter = Counter()
    at = 0
    for t in thresholds:
        while at < n and scored[at][0] < t:
            below[scored[at][1]] += 1
            at += 1
        above = support - below
        for lo, low in enumerate(classes):
            for hi, high in enumerate(classes):
                if low == high:
                    hits, made = Counter({low: support[low]}), Counter({low: n})
                else:
                    hits, made = Counter({low: below[low], high: above[high]}), Counter({low: at, high: n - at})
                key = (-macro_f1(hits, made, support, classes), t, lo, hi)
                if best is None or key < best:
                    best = key
    assert best is not None
    _, threshold, lo, hi = best
    low, high = classes[lo], classes[hi]
    return lambda row: high if feature(row) >= threshold else low


def predictions(task_name: str, train: list[dict], test: list[dict]) -> dict[str, dict[str, str] | None]:
    """baseline -> (test id -> predicted label), each fitted on ``train`` alone (None: nothing to fit on)."""
    task = TASKS[task_name]
    fitted = {"majority": majority(train, task.label, task.classes),
              "overlap": overlap(train, task.label, task.classes, FEATURES[task_name])}
    return {name: None if predict is None else {row["id"]: predict(row) for row in test} for name, predict in fitted.items()}


def run(rows: dict[str, dict[str, list[dict]]]) -> dict[str, dict[str, dict | None]]:
    """task -> baseline -> :func:`metrics` on ``test`` (None where train or test is empty),
    from a release's task rows (task -> split -> rows)."""
    out: dict[str, dict[str, dict | None]] = {}
    for name, task in TASKS.items():
        train, test = rows[name]["train"], rows[name]["test"]
        gold = {row["id"]: row[task.label] for row in test}
        out[name] = {}
        for baseline, predicted in predictions(name, train, test).items():
            if predicted is None or not test:
                out[name][baseline] = None
                continue
            result = metrics(gold, predicted, task.classes)
            del result["missing_ids"]
            out[name][baseline] = result
    return out


DESCRIPTION = (
    "Scores on the `test` split, computed from the release's own rows when it is built (`factset "
    "baselines` prints them again; `factset score` scores your predictions the same way). Each baseline "
    "is fitted on `train` only; nothing is tuned on `test`. `majority`: the most frequent label of "
    "`train`. `overlap`: one threshold on the share of the claim's content words found in its passages "
    "(`stance`: the passage; `time_relations`: the other claim), the threshold and the two labels chosen "
    "for the best macro-F1 on `train`."
)


def as_markdown(results: dict[str, dict[str, dict | None]]) -> str:
    """The table of scores."""
    lines = ["| task | baseline | accuracy | macro-F1 | test rows |", "|---|---|---|---|---|"]
    for task, by_baseline in results.items():
        for baseline, m in by_baseline.items():
            if m is None:
                lines.append(f"| `{task}` | {baseline} | – | – | no train or test rows |")
            else:
                lines.append(f"| `{task}` | {baseline} | {m['accuracy']:.3f} | {m['macro_f1']:.3f} | {m['n']} |")
    return "\n".join(lines) + "\n"


def section(rows: dict[str, dict[str, list[dict]]]) -> str:
    """What the dataset card says of the baselines: how they work and their scores
    (``factset build`` passes this in; the publish wing does not import research)."""
    return DESCRIPTION + "\n\n" + as_markdown(run(rows))
