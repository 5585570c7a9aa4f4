"""The baselines: fitted on train only, deterministic, and the scores the card and the README print."""

import copy
import re
from collections import Counter

from factset.cli import main
from factset.publish.tasks import TASKS
from factset.research.baselines import as_markdown, predictions, run, words

from .conftest import REPO


def _rows(release):
    return {t: {s: release.task(t, s) for s in ("train", "test")} for t in TASKS}


def test_majority_predicts_the_most_frequent_train_label(fresh_release):
    rows = _rows(fresh_release)
    for name, task in TASKS.items():
        counts = Counter(r[task.label] for r in rows[name]["train"])
        predicted = predictions(name, rows[name]["train"], rows[name]["test"])["majority"]
        if counts and rows[name]["test"]:
            assert set(predicted.values()) == {counts.most_common(1)[0][0]}


def test_nothing_is_fitted_on_test(fresh_release):
    """Scrambling the test labels changes no prediction."""
    rows = _rows(fresh_release)
    for name, task in TASKS.items():
        test = copy.deepcopy(rows[name]["test"])
        for i, row in enumerate(test):
            row[task.label] = task.classes[i % len(task.classes)]
        assert predictions(name, rows[name]["train"], test) == predictions(name, rows[name]["train"], rows[name]["test"])


def test_scores_are_deterministic_and_on_the_card(fresh_release):
    results = run(_rows(fresh_release))
    assert results == run(_rows(fresh_release))
    card = (fresh_release.path / "README.md").read_text(encoding="utf-8")
    assert as_markdown(results) in card
    verification = results["verification"]
    assert verification["overlap"]["macro_f1"] >= 0 and verification["majority"]["n"] == len(fresh_release.task("verification", "test"))


def test_the_readme_shows_the_scores_of_the_current_data(fresh_release):
    """The README's table is what 'factset baselines' prints for a build of data/curated
    (regenerate it with: factset build && factset baselines --release build/preview/<version>)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- baselines -->\n")[1].split("<!-- /baselines -->")[0]
    assert block == as_markdown(run(_rows(fresh_release)))


def test_the_command_prints_the_same_table(fresh_release, capsys):
    assert main(["baselines", "--release", str(fresh_release.path)]) == 0
    assert as_markdown(run(_rows(fresh_release))) in capsys.readouterr().out


def test_content_words_group_digits_and_drop_function_words():
    assert words("The US said some 10,000 troops were in Russia.") == frozenset({"us", "some", "10000", "troops", "russia"})
    assert not re.search(r"\bthe\b", " ".join(words("the the the")))


def test_write_readme_replaces_only_the_marked_block(fresh_release, tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("# x\n\nbefore\n<!-- baselines -->\nold table\n<!-- /baselines -->\nafter\n", encoding="utf-8")
    assert main(["baselines", "--release", str(fresh_release.path), "--write-readme", str(readme)]) == 0
    text = readme.read_text(encoding="utf-8")
    assert text == ("# x\n\nbefore\n<!-- baselines -->\n" + as_markdown(run(_rows(fresh_release)))
                    + "<!-- /baselines -->\nafter\n")
    unmarked = tmp_path / "other.md"
    unmarked.write_text("no markers\n", encoding="utf-8")
    assert main(["baselines", "--release", str(fresh_release.path), "--write-readme", str(unmarked)]) == 2
    assert unmarked.read_text(encoding="utf-8") == "no markers\n"
