"""'factset add-source': a new article in one step, or nothing at all.

Every test works on a copy of the data and seeds in a temporary folder, never on the
checkout's own data/ and seeds/.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest

from factset.cli import main
from factset.curation.validate import validate

from .conftest import CURATED, REPO

ARTICLE = "SEOUL (Test Wire) — South Korea’s spy agency said on Tuesday that some 11,000 North Korean troops were in Russia.\n"


@pytest.fixture
def checkout(tmp_path):
    """data/curated, data/topics.json and seeds/ copied into a temporary checkout."""
    root = tmp_path / "checkout"
    shutil.copytree(CURATED, root / "data" / "curated")
    shutil.copy(REPO / "data" / "topics.json", root / "data" / "topics.json")
    shutil.copytree(REPO / "seeds", root / "seeds")
    return root


def snapshot(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def add(checkout, path, *options, published="2024-11-05"):
    argv = ["add-source", str(path), "--outlet", "Test Wire", "--published", published,
            "--data", str(checkout / "data"), "--seeds", str(checkout / "seeds"), *options]
    return main(argv)


def sources(checkout) -> list[dict]:
    return [json.loads(line) for line in (checkout / "data/curated/sources.jsonl").read_text(encoding="utf-8").splitlines()]


def test_adds_seed_source_and_claims_file_and_validates(checkout, tmp_path, capsys):
    article = tmp_path / "new.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    before = sources(checkout)
    number = max(int(s["id"][4:]) for s in before) + 1
    assert add(checkout, article, "--byline", "A. Writer", "--title", "Troops in Russia") == 0
    out = capsys.readouterr().out

    digest = hashlib.sha256(article.read_bytes()).hexdigest()
    seed = checkout / "seeds" / f"{number:03d}_{digest[:16]}.txt"
    assert seed.read_bytes() == article.read_bytes()
    after = sources(checkout)
    assert after[:-1] == before
    new = after[-1]
    assert new["id"] == f"src-{number:03d}" and new["seed_file"] == seed.name and new["sha256"] == digest
    assert new["outlet"] == "Test Wire" and new["title"] == "Troops in Russia" and new["byline"] == ["A. Writer"]
    assert new["published"] == {"value": "2024-11-05", "precision": "day", "basis": "stated"}
    assert new["rights"] == {"annotation_license": "CC-BY-4.0", "article_copyright": "unknown"}
    assert new["curation"]["review_status"] == "draft" and new["narrator_id"] is None
    claims = checkout / "data" / "curated" / f"claims-{number:03d}.jsonl"
    assert claims.read_bytes() == b""
    assert f"added src-{number:03d}" in out and "next steps:" in out and "narrator_id" in out

    result = validate([checkout / "data" / "curated"], seed_dir=checkout / "seeds")
    assert result.ok, result.sorted_errors()[:3]
    assert result.records["source"] == len(after)


def test_an_empty_file_given_by_name_is_still_refused(checkout, tmp_path):
    """The new claims file may be empty inside the curated folder; a contribution named on its own may not."""
    article = tmp_path / "new.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    assert add(checkout, article) == 0
    claims = sorted((checkout / "data" / "curated").glob("claims-*.jsonl"))[-1]
    result = validate([claims], against=[checkout / "data" / "curated"], seed_dir=checkout / "seeds")
    assert [e.message for e in result.errors] == ["file holds no records (it is empty or blank)"]


def test_the_outlets_entity_becomes_the_narrator(checkout, tmp_path, capsys):
    article = tmp_path / "new.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    argv = ["add-source", str(article), "--outlet", "ap", "--published", "2024-11-05",  # the entity is named "AP", as src-001 credits it
            "--data", str(checkout / "data"), "--seeds", str(checkout / "seeds")]
    assert main(argv) == 0
    assert sources(checkout)[-1]["narrator_id"] == "ent-associated-press"
    assert "matched by the outlet's name" in capsys.readouterr().out


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


REFUSALS = {
    # name: (make the article in tmp_path, extra options, exit code, words of the message)
    "same text as a seed": (lambda t: _write(t / "a.txt", (REPO / "seeds" / "000_eb25a17c97a16560.txt").read_bytes()),
                            [], 1, "already src-000"),
    "empty": (lambda t: _write(t / "a.txt", b""), [], 1, "is empty"),
    "blank": (lambda t: _write(t / "a.txt", b" \n\n"), [], 1, "is empty"),
    "not UTF-8": (lambda t: _write(t / "a.txt", "Séoul".encode("latin-1")), [], 1, "not UTF-8"),
    "BOM": (lambda t: _write(t / "a.txt", b"\xef\xbb\xbf" + ARTICLE.encode()), [], 1, "byte order mark"),
    "CRLF": (lambda t: _write(t / "a.txt", ARTICLE.replace("\n", "\r\n").encode()), [], 1, "LF line endings"),
    "bidi override": (lambda t: _write(t / "a.txt", ("x\u202e" + ARTICLE).encode()), [], 1, "U+202E"),
    "symlink": (lambda t: (_write(t / "real.txt", ARTICLE.encode()), os.symlink(t / "real.txt", t / "a.txt"), t / "a.txt")[-1],
                [], 1, "symbolic link"),
    "FIFO": (lambda t: (os.mkfifo(t / "a.txt"), t / "a.txt")[-1], [], 1, "not a regular file"),
    "folder": (lambda t: (os.mkdir(t / "a.txt"), t / "a.txt")[-1], [], 1, "not a regular file"),
    "missing": (lambda t: t / "absent.txt", [], 2, "no such file"),
    "impossible date": (lambda t: _write(t / "a.txt", ARTICLE.encode()), ["--published", "2024-02-30"], 2, "impossible date"),
    "not a date": (lambda t: _write(t / "a.txt", ARTICLE.encode()), ["--published", "5 Nov 2024"], 2, "YYYY-MM-DD"),
    "future date": (lambda t: _write(t / "a.txt", ARTICLE.encode()), ["--published", "2999-01-01"], 2, "after today"),
    "month not on its first day": (lambda t: _write(t / "a.txt", ARTICLE.encode()), ["--precision", "month"], 2,
                                   "2024-11-01"),
    "unknown narrator": (lambda t: _write(t / "a.txt", ARTICLE.encode()), ["--narrator", "ent-nobody"], 2, "no such entity"),
    "bad language tag": (lambda t: _write(t / "a.txt", ARTICLE.encode()), ["--language", "English"], 2, "language"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_each_refusal_writes_nothing(checkout, tmp_path, capsys, case):
    make, options, code, words = REFUSALS[case]
    article = make(tmp_path)
    before = snapshot(checkout)
    if "--published" in options:
        i = options.index("--published")
        assert add(checkout, article, *options[:i], *options[i + 2:], published=options[i + 1]) == code
    else:
        assert add(checkout, article, *options) == code
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert snapshot(checkout) == before


def test_a_failure_while_writing_leaves_nothing_behind(checkout, tmp_path, monkeypatch, capsys):
    article = _write(tmp_path / "new.txt", ARTICLE.encode())
    before = snapshot(checkout)

    def fail(*args):
        raise OSError("disk full (injected)")

    monkeypatch.setattr(os, "replace", fail)  # the last step: sources.jsonl, after the seed and claims file are placed
    assert add(checkout, article) == 1
    assert "could not write: disk full (injected); nothing written" in capsys.readouterr().err
    assert snapshot(checkout) == before
    assert not [p for p in checkout.rglob(".*") if p.is_file()]  # no temporary file left


def _fresh_clone(tmp_path):
    """The checkout's tracked and new files (as they are now) in a temporary folder: a fresh clone."""
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    clone = tmp_path / "clone"
    for rel in filter(None, listed):
        source = REPO / rel
        if source.is_file() and not source.is_symlink():
            (clone / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / rel)
    return clone


def test_acceptance_in_a_fresh_clone(tmp_path):
    """add-source, then validate exits 0 and the tests that read the data pass on the grown data."""
    clone = _fresh_clone(tmp_path)
    (clone / "new.txt").write_text(ARTICLE, encoding="utf-8")

    def run(*argv):
        # python -m from the clone's top: the clone's own factset, data/ and seeds/
        return subprocess.run([sys.executable, "-m", *argv], cwd=clone, capture_output=True, text=True, timeout=600)

    added = run("factset.cli", "add-source", "new.txt", "--outlet", "Test Wire", "--published", "2024-11-05")
    assert added.returncode == 0, added.stderr
    checked = run("factset.cli", "validate")
    assert checked.returncode == 0, checked.stdout[-2000:]
    tests = run("pytest", "-q", "-p", "no:cacheprovider", "tests/test_data.py", "tests/test_labels.py", "tests/test_metadata.py")
    assert tests.returncode == 0, tests.stdout[-3000:]
    new = set(snapshot(clone / "seeds")) - set(snapshot(REPO / "seeds"))  # the checkout's own seeds are untouched
    assert len(new) == 1 and (clone / "seeds" / new.pop()).read_text(encoding="utf-8") == ARTICLE
