"""The gate: `factset validate ... --against` where a pull request controls every file it
is given (records, seeds, names). Each test is one finding of issue 14."""

from __future__ import annotations

import copy
import json
import os
import shutil

import pytest

from factset.cli import main
from factset.curation.validate import validate

from .conftest import REPO, by_id, write_jsonl

SEED0 = "000_eb25a17c97a16560.txt"


@pytest.fixture
def seed_dir(tmp_path):
    """A copy of the bundled seeds the test may tamper with."""
    folder = tmp_path / "seeds"
    shutil.copytree(REPO / "seeds", folder)
    return folder


def errors_of(result):
    return [(e.line, e.pointer, e.stage, e.message) for e in result.sorted_errors()]


# ---------------------------------------------------------------- seeds are regular files


@pytest.mark.parametrize("kind", ["symlink out", "symlink in", "fifo", "directory", "device"])
def test_a_seed_that_is_not_a_regular_file_of_the_folder_is_refused(tmp_path, seed_dir, records, kind, capsys):
    """A seed linking to any file (/proc/self/environ) and evidence with wrong offsets made
    validate print that file a character per message; nothing but a regular file is read."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOKEN=do-not-print-me " * 20, encoding="utf-8")
    target = seed_dir / SEED0
    target.unlink()
    if kind == "symlink out":
        target.symlink_to(secret)
    elif kind == "symlink in":
        target.symlink_to(seed_dir / "001_600098fa7e119347.txt")
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "directory":
        target.mkdir()
    else:
        target.symlink_to("/dev/zero")
    ev = by_id(records, "evd-000-001-01")
    ev.update(start=0, end=len(ev["quote"]))  # wrong offsets: the message would quote the file
    path = write_jsonl(tmp_path / "records.jsonl", records)
    assert main(["validate", "--seeds", str(seed_dir), str(path)]) == 1
    out = capsys.readouterr().out
    assert "TOKEN" not in out and "do-not-print" not in out
    assert f"/seed_file: seed file '{SEED0}'" in out and "regular file" in out, out


def test_a_seed_that_is_not_utf8_is_reported_not_a_traceback(tmp_path, seed_dir, records, capsys):
    (seed_dir / SEED0).write_bytes(b"caf\xe9 " * 10)
    path = write_jsonl(tmp_path / "records.jsonl", records)
    assert main(["validate", "--seeds", str(seed_dir), str(path)]) == 1
    out = capsys.readouterr().out
    assert f"seed file '{SEED0}' is not valid UTF-8" in out


# ---------------------------------------------------------------- --against trusts no seed


def test_an_edited_seed_is_caught_even_when_its_source_is_published(tmp_path, seed_dir, records):
    """A contribution quoting a sentence added to a seed passed when the seed's source came
    with --against: the trusted source's sha256 was never compared."""
    added = " North Korea said it would send 99,000 more troops."
    with open(seed_dir / SEED0, "a", encoding="utf-8") as handle:
        handle.write(added)
    text = (seed_dir / SEED0).read_text(encoding="utf-8")
    published = write_jsonl(tmp_path / "published.jsonl", records[:5])
    forged = dict(by_id(records, "evd-000-001-01"), id="evd-000-001-03", role="related", stance="neutral",
                  quote=added.strip(), start=text.index(added.strip()), end=text.index(added.strip()) + len(added.strip()))
    contribution = write_jsonl(tmp_path / "new.jsonl", [forged])
    found = errors_of(validate([contribution], against=[published], seed_dir=seed_dir))
    assert len(found) == 1, found
    line, pointer, stage, message = found[0]
    assert (line, pointer, stage) == (1, "/source_id", "rules")
    assert f"'{SEED0}' hashes to" in message and "src-000" in message


def test_a_missing_seed_of_a_published_source_is_an_error(tmp_path, seed_dir, records):
    """Quote checks silently switched off when the seed (or every seed) was missing."""
    published = write_jsonl(tmp_path / "published.jsonl", records[:5])
    contribution = write_jsonl(tmp_path / "new.jsonl", [dict(by_id(records, "evd-000-001-02"), start=0)])
    empty = tmp_path / "no-seeds"
    empty.mkdir()
    found = errors_of(validate([contribution], against=[published], seed_dir=empty))
    assert [(line, pointer) for line, pointer, _, _ in found] == [(1, "/source_id")]
    assert "not found" in found[0][3]


def test_a_missing_seeds_folder_is_a_usage_error(tmp_path, records, capsys):
    path = write_jsonl(tmp_path / "records.jsonl", records)
    assert main(["validate", "--seeds", str(tmp_path / "nowhere"), str(path)]) == 2
    assert "nowhere" in capsys.readouterr().err


# ---------------------------------------------------------------- offsets --write


def test_offsets_write_rewrites_only_the_evidence_it_fills(tmp_path, records, capsys):
    """A line holding U+2028 (valid JSON) made 'offsets --write' split the file where the
    reader did not, and write a record over another."""
    by_id(records, "ent-john-kirby")["note"] = "line\u2028separator, paragraph\u2029separator, next line\u0085 too"
    for r in records:
        if r["type"] == "evidence":
            del r["start"], r["end"]
    path = write_jsonl(tmp_path / "new.jsonl", records)
    before = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join(before[:2]) + b"\r\n" + b"\n".join(before[2:]))  # one CRLF line ending too
    before = path.read_bytes().split(b"\n")
    assert main(["offsets", "--write", str(path)]) == 0
    after = path.read_bytes().split(b"\n")
    assert len(after) == len(before)
    changed = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
    assert changed == [4, 5]  # the two evidence records, nothing else
    for i in changed:
        record = json.loads(after[i])
        assert record["type"] == "evidence" and record["end"] - record["start"] == len(record["quote"])
    capsys.readouterr()
    assert main(["validate", "--no-progress", str(path)]) == 1  # (U+0085 is a control character)
    assert [line.split(" [")[0].split(": ")[-1] for line in capsys.readouterr().out.splitlines()[:-1]] == [
        "control character U+0085 at position 46 is not allowed in record text"]


def test_offsets_on_a_file_that_is_not_utf8_reports_the_line(tmp_path, records, capsys):
    path = write_jsonl(tmp_path / "new.jsonl", records)
    path.write_bytes(path.read_bytes() + b'{"type": "evidence", "quote": "caf\xe9"}\n')
    before = path.read_bytes()
    assert main(["offsets", "--write", str(path)]) == 1  # a line it could not check
    assert f"{path}:7: (unread): invalid UTF-8 at byte 34 of the line: not checked [error]" in capsys.readouterr().out
    assert path.read_bytes() == before


# ---------------------------------------------------------------- one source per seed file


def test_one_source_per_seed_file(tmp_path, records):
    """Two source records for one seed let a claim be 'supported' by its own article."""
    twin = dict(by_id(records, "src-000"), id="src-900")
    records.insert(1, twin)
    found = errors_of(validate([write_jsonl(tmp_path / "records.jsonl", records)]))
    assert [(line, pointer, stage) for line, pointer, stage, _ in found] == [(2, "/seed_file", "rules")]
    assert f"seed file '{SEED0}' already has its source src-000" in found[0][3] and ":1" in found[0][3]


def test_a_contributed_source_may_not_take_a_published_seed(tmp_path, records):
    published = write_jsonl(tmp_path / "published.jsonl", records)
    contribution = write_jsonl(tmp_path / "new.jsonl", [dict(by_id(records, "src-004"), id="src-904")])
    found = errors_of(validate([contribution], against=[published]))
    assert [(line, pointer) for line, pointer, _, _ in found] == [(1, "/seed_file")]
    assert "already has its source src-004" in found[0][3]


# ---------------------------------------------------------------- no index is packed into 16 bits

MANY = 65_537  # one more than 16 bits count


def _second_claim(records):
    """A second claim of src-000, with its origin passage, for relations to point at."""
    claim = dict(copy.deepcopy(by_id(records, "clm-000-001")), id="clm-000-002",
                 attestation={"label": "not_attested", "evidence_ids": []})
    claim["verdict"] = dict(claim["verdict"], evidence_ids=["evd-000-002-01"],
                            justification="Only its own origin passage (evd-000-002-01) bears on it.")
    origin = dict(by_id(records, "evd-000-001-01"), id="evd-000-002-01", claim_id="clm-000-002")
    return records + [claim, origin]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_relation_past_index_65535_is_checked_and_named_right(tmp_path, records, jobs):
    records = _second_claim(records)
    claim = by_id(records, "clm-000-001")
    claim["relations"] = [{"kind": "updates", "target": "clm-000-002"}] * (MANY - 1) + [{"kind": "updates", "target": "clm-000-404"}]
    claim["attribution"]["chain"] = [{"entity_id": "ent-john-kirby", "description": "via"}] * (MANY - 1) + [
        {"entity_id": "ent-nobody", "description": "via"}]
    path = write_jsonl(tmp_path / "records.jsonl", records)
    found = errors_of(validate([path], max_line_bytes=16 << 20, jobs=jobs))
    assert found == [
        (4, f"/attribution/chain/{MANY - 1}/entity_id", "rules", "entity 'ent-nobody' does not exist"),
        (4, f"/relations/{MANY - 1}/target", "rules", "claim 'clm-000-404' does not exist"),
    ]


def test_more_than_65536_input_files(tmp_path, records):
    """More than 65,536 input files raised an OverflowError."""
    folder = tmp_path / "many"
    folder.mkdir()
    entity = json.dumps(by_id(records, "ent-john-kirby"))
    for i in range(MANY):
        (folder / f"{i:06d}.jsonl").write_text(entity.replace("ent-john-kirby", f"ent-person-{i}") + "\n", encoding="utf-8")
    (folder / f"{MANY - 1:06d}.jsonl").write_text(
        entity.replace("ent-john-kirby", "ent-last").replace('"curation"', '"speaks_for": "ent-nobody", "curation"') + "\n",
        encoding="utf-8")
    result = validate([folder])
    assert result.files == MANY
    assert errors_of(result) == [(1, "/speaks_for", "rules", "entity 'ent-nobody' does not exist")]
    assert result.sorted_errors()[0].path == str(folder / f"{MANY - 1:06d}.jsonl")


# ---------------------------------------------------------------- what may be named as input

import subprocess  # noqa: E402
import sys  # noqa: E402


def run_cli(*args, cwd=None, timeout=60, **kwargs):
    return subprocess.run([sys.executable, "-m", "factset.cli", *map(str, args)], capture_output=True, cwd=cwd,
                          timeout=timeout, **kwargs)


def test_an_empty_folder_is_no_records_found(tmp_path, capsys):
    folder = tmp_path / "contribution"
    folder.mkdir()
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert f"{folder}: (file): no records found: the folder holds no *.jsonl file [read]" in out
    assert out.splitlines()[-1].startswith("invalid: 1 error(s)")


def test_a_folder_of_empty_files_is_no_records_found(tmp_path, capsys):
    folder = tmp_path / "contribution"
    folder.mkdir()
    (folder / "claims-009.jsonl").write_text("", encoding="utf-8")  # may be empty (add-source makes it) ...
    assert main(["validate", str(folder)]) == 1  # ... but a folder holds some records
    assert f"{folder}: (file): no records found: the folder's *.jsonl files are empty" in capsys.readouterr().out


def test_the_same_file_given_twice_is_read_once(tmp_path, records, capsys):
    path = write_jsonl(tmp_path / "records.jsonl", records)
    assert main(["validate", str(path), str(tmp_path), str(tmp_path / "." / "records.jsonl")]) == 0
    assert capsys.readouterr().out.startswith("ok: 1 file(s)")
    assert main(["validate", "--against", str(path), str(path)]) == 0  # checked, not also trusted
    assert capsys.readouterr().out.startswith("ok: 1 file(s)")


@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "/dev/urandom", "/dev/stdin", "folder of a fifo"])
def test_only_regular_files_are_read(tmp_path, special):
    """A FIFO or /dev/zero hung validate; /dev/urandom grew without bound; /dev/stdin crashed."""
    if special.startswith("/dev/"):
        target = special
    else:
        target = tmp_path / "pipe.jsonl"
        os.mkfifo(target)
    proc = run_cli("validate", tmp_path if special == "folder of a fifo" else target, stdin=subprocess.PIPE, timeout=30)
    err = proc.stderr.decode() + proc.stdout.decode()
    assert "Traceback" not in err
    if special == "folder of a fifo":
        assert proc.returncode == 1 and "pipe.jsonl: (file): not a regular file" in err, err
    else:
        assert proc.returncode == 2 and "not a regular file" in err, err


def test_a_symlink_in_a_folder_is_reported_not_followed(tmp_path, records, capsys):
    outside = write_jsonl(tmp_path / "outside.jsonl", ['{"type": "entity", "id": "ent-secret-value"}'])
    folder = tmp_path / "contribution"
    folder.mkdir()
    write_jsonl(folder / "records.jsonl", records)
    (folder / "link.jsonl").symlink_to(outside)
    (folder / "linked-folder").symlink_to(tmp_path)
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "secret" not in out
    assert f"{folder / 'link.jsonl'}: (file): a symbolic link is not followed" in out
    assert f"{folder / 'linked-folder'}: (file): a symbolic link is not followed" in out


def test_a_file_name_cannot_forge_a_report_line(tmp_path, records):
    path = write_jsonl(tmp_path / "x.jsonl\nok: 1 file(s), 9 claim\n.jsonl", records + ['{"type": "claim"}'])
    proc = run_cli("validate", path)
    lines = proc.stdout.decode().splitlines()
    assert proc.returncode == 1
    assert not [line for line in lines if line.startswith("ok")], lines
    assert "x.jsonl\\nok: 1 file(s), 9 claim\\n.jsonl:7" in proc.stdout.decode()


def test_a_file_name_that_is_not_utf8_is_shown_not_a_traceback(tmp_path, records):
    name = os.fsdecode(b"caf\xe9.jsonl")
    path = write_jsonl(tmp_path / name, records + ['{"type": "claim"}'])
    for fmt in ("text", "json"):
        proc = run_cli("validate", "--format", fmt, path, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
        out = proc.stdout.decode("utf-8")
        assert proc.returncode == 1 and "Traceback" not in proc.stderr.decode(), proc.stderr
        if fmt == "json":
            out = json.loads(out)["errors"][0]["path"]
        assert "caf\\xe9.jsonl" in out


def test_max_line_bytes_must_be_positive(tmp_path, records, capsys):
    path = write_jsonl(tmp_path / "records.jsonl", records)
    assert main(["validate", "--max-line-bytes", "0", str(path)]) == 2
    assert "--max-line-bytes" in capsys.readouterr().err


def test_jobs_are_capped_by_the_cores(tmp_path, records, monkeypatch):
    """--jobs 2000 forked 2,000 processes."""
    import multiprocessing

    from factset.curation import validate as validate_mod

    asked = []
    real = multiprocessing.get_context

    def spy(method=None):
        context = real(method)

        class Counting:
            def Pool(self, processes, *args, **kwargs):
                asked.append(processes)
                return context.Pool(processes, *args, **kwargs)

        return Counting()

    monkeypatch.setattr(multiprocessing, "get_context", spy)
    monkeypatch.setattr(validate_mod, "RANGE_BYTES", 1024)
    path = write_jsonl(tmp_path / "records.jsonl", records * 3)
    validate([path], jobs=2000)
    assert asked and asked[0] <= (os.cpu_count() or 1)


def test_a_long_line_is_not_read_whole_to_split_a_file(tmp_path, monkeypatch):
    """Splitting a file into byte ranges read a line across a cut whole (a 1.5 GB line: 1.5 GB)."""
    import tracemalloc

    from factset.curation import validate as validate_mod

    from .synthetic import write_long_line

    path = write_long_line(tmp_path / "long.jsonl", b'{"type": "entity", "note": "', 40, b'"}\n{"type": "entity"}\n')
    monkeypatch.setattr(validate_mod, "RANGE_BYTES", 1 << 20)
    tracemalloc.start()
    tasks = validate_mod._tasks([(path, True)])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 4 << 20, peak
    assert [t.start for t in tasks] == [0, 40 * 2**20 + 31]


# ---------------------------------------------------------------- messages and exit codes, not tracebacks


def _many_errors(tmp_path, n=3000):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"type": "tweet"}\n' * n, encoding="utf-8")
    return path


def test_a_closed_output_pipe_ends_quietly(tmp_path):
    """'factset validate ... | head -1' printed a BrokenPipeError traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "factset.cli", "validate", str(_many_errors(tmp_path))],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141, err
    assert "Traceback" not in err and "Exception ignored" not in err, err


def test_an_output_that_cannot_be_written_is_a_message(tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "factset.cli", "validate", str(_many_errors(tmp_path, 10))],
                              stdout=full, stderr=subprocess.PIPE, timeout=60)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "No space left on device" in err and "Traceback" not in err and "Exception ignored" not in err, err


def test_report_into_an_existing_file_is_a_usage_error(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    taken = tmp_path / "report.html"
    taken.write_text("mine", encoding="utf-8")
    assert main(["report", "--out", str(taken)]) == 2
    assert "--out" in capsys.readouterr().err
    assert taken.read_text(encoding="utf-8") == "mine"


def test_an_unknown_version_is_a_usage_error(capsys):
    assert main(["report", "--release", "9.9.9"]) == 2
    assert "release '9.9.9' not found" in capsys.readouterr().err


@pytest.mark.parametrize("repo_id", ["not a repo", "a/b/c", "me/--x", "me/x..y", "-me/x", "me/" + "x" * 97, ""])
def test_a_malformed_repo_id_is_a_usage_error(repo_id, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)  # never reached: no hub, no network
    assert main(["push", f"--repo-id={repo_id}"]) == 2
    assert "--repo-id" in capsys.readouterr().err


def test_locate_an_empty_quote_is_a_usage_error(capsys):
    """'locate ""' printed every position of the seed."""
    assert main(["locate", SEED0, ""]) == 2
    assert "empty" in capsys.readouterr().err


def test_an_empty_quote_is_never_searched_for(tmp_path, records, capsys):
    ev = by_id(records, "evd-000-001-01")
    ev["quote"] = ""
    del ev["start"], ev["end"]
    path = write_jsonl(tmp_path / "new.jsonl", records)
    assert main(["offsets", str(path)]) == 1
    out = capsys.readouterr().out
    assert "the quote is empty" in out and len(out) < 2000


def test_report_without_matplotlib_says_what_to_install(monkeypatch, capsys, tmp_path):
    """The install hint was dead code: report gave a traceback."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.chdir(tmp_path)
    assert main(["report"]) == 2
    assert "pip install 'factset[report]'" in capsys.readouterr().err
    assert not (tmp_path / "report").exists()


# ---------------------------------------------------------------- Ctrl-C


def test_ctrl_c_during_validate_with_jobs_ends_every_process(tmp_path):
    """Ctrl-C during 'validate --jobs 2' hung in pool.join() (12 of 13 runs)."""
    import signal
    import time

    from .synthetic import write_realistic

    path = write_realistic(tmp_path / "big.jsonl", 120_000)
    proc = subprocess.Popen([sys.executable, "-m", "factset.cli", "validate", "--jobs", "2", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(_group(proc.pid)) < 3:  # the parent and its two workers
        time.sleep(0.05)
    assert len(_group(proc.pid)) >= 3, "the workers never started"
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: to the whole foreground group
    try:
        code = proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    err = proc.stderr.read().decode()
    assert code == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    time.sleep(0.5)
    assert _group(proc.pid) == [], "workers left running"


def _group(pgid: int) -> list[int]:
    """Live processes of a process group (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append(int(entry))
    return found


# ---------------------------------------------------------------- memory does not grow with the errors


def _child_peak_rss(proc_args, **kwargs):
    """(completed process, peak RSS in bytes) of one run of the CLI in a child."""
    import resource

    script = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
              "sys.stdout.write(p.stdout); sys.stderr.write(p.stderr); "
              "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, file=sys.stderr); sys.exit(p.returncode)")
    proc = subprocess.run([sys.executable, "-c", script, sys.executable, "-m", "factset.cli", *map(str, proc_args)],
                          capture_output=True, text=True, timeout=600, **kwargs)
    *err, peak = proc.stderr.strip().splitlines() or ["0"]
    proc.stderr = "\n".join(err)
    return proc, int(peak)


def test_a_message_lists_a_bounded_number_of_occurrences(records):
    from factset.curation.seeds import SeedError, SeedStore, default_seed_dir

    seed = SeedStore(default_seed_dir()).get(SEED0)
    assert len(seed.find_all("e")) > 100
    with pytest.raises(SeedError) as exc:
        seed.locate("e")
    assert len(str(exc.value)) < 400 and "and " in str(exc.value) and "more" in str(exc.value)


def test_errors_reported_per_file_are_capped_with_the_count_of_the_rest(tmp_path, records):
    """24 MB of bad quotes took 1 GB of memory and printed 935 MB."""
    from factset.curation.result import MAX_ERRORS_PER_FILE

    head = [r for r in records if r["type"] in ("source", "entity")]
    claim = by_id(records, "clm-000-001")
    origin = by_id(records, "evd-000-001-01")
    n = 30_000
    lines = [json.dumps(r, ensure_ascii=False) for r in head + [claim, origin, by_id(records, "evd-000-001-02")]]
    bad = dict(origin, role="related", stance="neutral", quote="the", start=0, end=3)
    lines += [json.dumps(dict(bad, id=f"evd-000-001-{i:05d}"), ensure_ascii=False) for i in range(3, n + 3)]
    path = tmp_path / "bad-quotes.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc, peak = _child_peak_rss(["validate", path])
    out = proc.stdout.splitlines()
    assert proc.returncode == 1, proc.stderr
    assert len(out) == MAX_ERRORS_PER_FILE + 2
    assert out[-2] == f"{path}: {n - MAX_ERRORS_PER_FILE:,} more error(s) in this file, not shown (the first {MAX_ERRORS_PER_FILE:,} are)"
    assert out[-1].startswith(f"invalid: {n:,} error(s) in 1 file(s)")
    assert max(map(len, out)) < 600
    assert peak < 400 * 2**20, peak

    as_json = json.loads(subprocess.run([sys.executable, "-m", "factset.cli", "validate", "--format", "json", str(path)],
                                        capture_output=True, text=True, timeout=600).stdout)
    assert len(as_json["errors"]) == MAX_ERRORS_PER_FILE and as_json["omitted"] == {str(path): n - MAX_ERRORS_PER_FILE}


@pytest.mark.parametrize("jobs", [1, 2])
def test_errors_across_records_are_capped_too_and_the_same_with_any_jobs(tmp_path, records, monkeypatch, jobs):
    """Dangling references and duplicate ids: only the records of the messages shown are read again."""
    from factset.curation import validate as validate_mod
    from factset.curation.result import MAX_ERRORS_PER_FILE

    monkeypatch.setattr(validate_mod, "RANGE_BYTES", 256 << 10)
    n = 3 * MAX_ERRORS_PER_FILE
    origin = by_id(records, "evd-000-001-02")
    extra = [dict(origin, id=f"evd-000-404-{i:05d}", claim_id="clm-000-404") for i in range(3, n + 3)]
    extra += [dict(origin, id=f"evd-000-404-{i:05d}", claim_id="clm-000-404") for i in range(3, 40)]  # duplicates
    path = write_jsonl(tmp_path / "dangling.jsonl", records + extra)
    reread = []
    real = validate_mod._Reread.__call__

    def counting(self, locs):
        locs = list(locs)
        reread.append(len(set(locs)))
        return real(self, locs)

    monkeypatch.setattr(validate_mod._Reread, "__call__", counting)
    result = validate([path], jobs=jobs)
    assert len(result.errors) == MAX_ERRORS_PER_FILE
    assert result.count == n + 2 * 37  # each duplicate also names a claim that does not exist
    assert sum(reread) <= 3 * MAX_ERRORS_PER_FILE
    shown = result.sorted_errors()
    assert shown[0].line == 7 and shown[-1].line < 7 + MAX_ERRORS_PER_FILE
    assert validate([path], jobs=3 - jobs).sorted_errors() == shown


def test_the_cap_is_per_file(tmp_path, records):
    from factset.curation.result import MAX_ERRORS_PER_FILE

    n = MAX_ERRORS_PER_FILE + 500
    origin = by_id(records, "evd-000-001-02")
    first = write_jsonl(tmp_path / "a.jsonl", records + [dict(origin, id=f"evd-000-404-{i:05d}", claim_id="clm-000-404")
                                                           for i in range(3, n + 3)])
    second = write_jsonl(tmp_path / "b.jsonl", [dict(origin, id=f"evd-000-405-{i:05d}", claim_id="clm-000-405")
                                                for i in range(n)])
    result = validate([first, second])
    assert result.omitted == {str(first): 500, str(second): 500}
    assert sorted(e.path for e in result.errors) == [str(first)] * MAX_ERRORS_PER_FILE + [str(second)] * MAX_ERRORS_PER_FILE
    assert max(e.line for e in result.errors if e.path == str(second)) == MAX_ERRORS_PER_FILE


# ---------------------------------------------------------------- a quote across a CRLF line break


@pytest.mark.parametrize("fast", [True, False])
def test_a_quote_across_a_crlf_line_break_can_be_recorded(tmp_path, seed_dir, records, fast):
    import hashlib

    text = (seed_dir / SEED0).read_text(encoding="utf-8")
    crlf = text.replace("\n", "\r\n")
    (seed_dir / SEED0).write_bytes(crlf.encode("utf-8"))
    by_id(records, "src-000")["sha256"] = hashlib.sha256(crlf.encode("utf-8")).hexdigest()
    at = crlf.index("\r\n", crlf.index("\r\n") + 2)  # a line break inside the text
    quote = crlf[at - 20:at + 22]
    assert "\r\n" in quote and quote.count("\r") == 1
    origin = by_id(records, "evd-000-001-01")
    origin["start"], origin["end"] = crlf.index(origin["quote"]), crlf.index(origin["quote"]) + len(origin["quote"])
    passage = dict(origin, id="evd-000-001-03", quote=quote, start=at - 20, end=at + 22, role="related", stance="neutral")
    path = write_jsonl(tmp_path / "records.jsonl", records + [passage])
    assert errors_of(validate([path], seed_dir=seed_dir, fast=fast)) == []
    lone = dict(passage, id="evd-000-001-04", note="a lone \r carriage return")
    path = write_jsonl(tmp_path / "records.jsonl", records + [passage, lone])
    assert [(line, pointer) for line, pointer, _, _ in errors_of(validate([path], seed_dir=seed_dir, fast=fast))] == [
        (8, "/note")]
