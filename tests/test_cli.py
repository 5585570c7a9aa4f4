import json
import subprocess
import sys

import pytest

from factset.cli import main

from .conftest import REPO, by_id, write_jsonl


def mistakes(records):
    """One record per mistake, on top of the valid fixture (lines 1-6)."""
    kirby = by_id(records, "ent-john-kirby")
    claim = by_id(records, "clm-000-001")
    origin = by_id(records, "evd-000-001-01")
    return records + [
        '{"type": "entity", "id": "ent-broken",',  # 7: bad JSON
        dict(kirby, id="ent-unknown-field", nickname="JK"),  # 8: unknown field
        dict(kirby, id="ent-wrong-type", aliases="John F. Kirby"),  # 9: wrong type
        dict(origin, id="evd-000-404-01", claim_id="clm-000-404"),  # 10: dangling reference
        dict(origin, id="evd-000-001-04", start=origin["start"] + 2, end=origin["end"] + 2),  # 11: quote not at offsets
        dict(claim),  # 12: duplicate id
    ]


EXPECTED = [
    (7, "", "json"),
    (8, "/nickname", "schema"),
    (9, "/aliases", "schema"),
    (10, "/claim_id", "rules"),
    (11, "/quote", "rules"),
    (12, "/id", "rules"),
]


def test_one_located_error_per_mistake(tmp_path, records, capsys):
    path = write_jsonl(tmp_path / "mistakes.jsonl", mistakes(records))
    assert main(["validate", "--format", "json", str(path)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    got = [(e["line"], e["pointer"], e["stage"]) for e in report["errors"]]
    assert got == EXPECTED
    assert all(e["path"] == str(path) for e in report["errors"])
    assert [e["record_id"] for e in report["errors"]] == [
        None, "ent-unknown-field", "ent-wrong-type", "evd-000-404-01", "evd-000-001-04", "clm-000-001",
    ]


def test_text_report_names_file_line_id_and_pointer(tmp_path, records, capsys):
    path = write_jsonl(tmp_path / "mistakes.jsonl", mistakes(records))
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert f"{path}:8: ent-unknown-field /nickname: unknown field 'nickname' [schema]" in out
    assert f"{path}:10: evd-000-404-01 /claim_id: claim 'clm-000-404' does not exist [rules]" in out
    assert out[-1].startswith("invalid: 6 error(s) in 1 file(s)")


def test_clean_data_exits_zero(tmp_path, records, capsys):
    path = write_jsonl(tmp_path / "ok.jsonl", records)
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out == "ok: 1 file(s), 1 claim, 1 entity, 2 evidence, 2 source\n"


def test_usage_errors_exit_two(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "missing.jsonl")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["validate", "--format", "yaml"])
    assert exc.value.code == 2


def test_bad_input_gives_no_traceback(tmp_path, records):
    path = write_jsonl(tmp_path / "mistakes.jsonl", mistakes(records))
    path.write_bytes(path.read_bytes() + b'{"type": "claim", "text": "\xff"}\n')
    proc = subprocess.run([sys.executable, "-m", "factset.cli", "validate", str(path)], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert f"{path}:13: (record): invalid UTF-8" in proc.stdout


def test_offsets_fills_and_locate_finds(tmp_path, records, capsys):
    for r in records:
        if r["type"] == "evidence":
            del r["start"], r["end"]
    path = write_jsonl(tmp_path / "new.jsonl", records)
    before = path.read_bytes()
    # Report only: every quote was found, so nothing failed; the offsets are still to fill.
    assert main(["offsets", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "2 to fill (use --write)"
    assert path.read_bytes() == before
    assert main(["offsets", "--write", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "2 evidence record(s) filled"
    assert main(["offsets", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "all offsets in place"
    assert main(["validate", str(path)]) == 0
    capsys.readouterr()
    assert main(["locate", "000_eb25a17c97a16560.txt", "3,000 troops"]) == 0
    start, end = map(int, capsys.readouterr().out.split())
    assert end - start == len("3,000 troops")


def test_offsets_refuses_ambiguous_and_missing_quotes(tmp_path, records, capsys):
    ev = by_id(records, "evd-000-001-01")
    del ev["start"], ev["end"]
    ev["quote"] = "North Korean troops"  # many times in seed 000
    missing = dict(ev, id="evd-000-001-05", quote="not in the seed at all")
    path = write_jsonl(tmp_path / "new.jsonl", records + [missing])
    assert main(["offsets", "--write", str(path)]) == 1
    out = capsys.readouterr().out
    assert "evd-000-001-01: quote occurs" in out and "evd-000-001-05: quote not found" in out
    assert out.splitlines()[-1] == "0 evidence record(s) filled; 2 quote(s) not usable (see above)"
    assert main(["offsets", str(path)]) == 1  # without --write too: a quote not found is an error
    assert capsys.readouterr().out.splitlines()[-1] == "2 quote(s) not usable (see above)"


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("factset ")


def _run_on_terminal(args: list[str], env: dict) -> str:
    """Output of the CLI run on a pseudo-terminal 100 columns wide (as a contributor's shell)."""
    pty = pytest.importorskip("pty")
    import fcntl
    import os
    import struct
    import termios

    pid, fd = pty.fork()
    if pid == 0:  # the child: a sized terminal, then the CLI
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
        os.execve(sys.executable, [sys.executable, "-m", "factset.cli", *args], env)
    out = b""
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    os.waitpid(pid, 0)
    return out.decode("utf-8", "replace")


@pytest.mark.parametrize("ci", [False, True])
def test_progress_bar_on_a_terminal_only(tmp_path, latest, ci):
    import os

    from .synthetic import write_realistic

    path = write_realistic(tmp_path / "records.jsonl", 3000)
    env = {k: v for k, v in os.environ.items() if k != "CI"} | ({"CI": "true"} if ci else {})
    shown = _run_on_terminal(["validate", str(path)], env)
    assert "ok: 1 file(s)" in shown
    assert ("validating:" in shown and "%|" in shown) is not ci
    piped = subprocess.run([sys.executable, "-m", "factset.cli", "validate", str(path)],
                           capture_output=True, text=True, env=env, check=True)
    assert "validating" not in piped.stderr + piped.stdout


class _FakeHub:
    """A stand-in for huggingface_hub: records the calls, touches no network."""

    def __init__(self, fail: Exception | None = None):
        import types

        self.calls, self.fail = [], fail
        hub = self

        class HfApi:
            def create_repo(self, repo_id, **kwargs):
                hub.calls.append(("create_repo", repo_id, kwargs))
                if hub.fail is not None:
                    raise hub.fail

            def upload_folder(self, **kwargs):
                hub.calls.append(("upload_folder", kwargs))

        class HTTPError(Exception):
            pass

        self.module = types.SimpleNamespace(HfApi=HfApi, errors=types.SimpleNamespace(HTTPError=HTTPError))
        self.HTTPError = HTTPError


@pytest.fixture
def fake_hub(monkeypatch):
    def install(fail=None):
        hub = _FakeHub(fail)
        monkeypatch.setitem(sys.modules, "huggingface_hub", hub.module)
        return hub

    return install


def test_push_uploads_the_verified_latest_release(fake_hub, latest, capsys):
    from factset.publish.release import release_path

    hub = fake_hub()
    assert main(["push", "--repo-id", "someone/factset", "--private"]) == 0
    path = release_path(None)
    assert hub.calls == [
        ("create_repo", "someone/factset", {"repo_type": "dataset", "exist_ok": True, "private": True}),
        ("upload_folder", {"folder_path": str(path), "repo_id": "someone/factset", "repo_type": "dataset",
                           "commit_message": f"factset {path.name}", "revision": None}),
    ]
    assert f"pushed {path} to someone/factset" in capsys.readouterr().out


@pytest.mark.parametrize("failure", ["token", "network"])
def test_push_reports_a_refused_upload_without_a_traceback(fake_hub, latest, capsys, failure):
    hub = fake_hub()
    hub.fail = OSError("401 Client Error: no token") if failure == "token" else hub.HTTPError("connection refused")
    assert main(["push", "--repo-id", "someone/factset"]) == 3
    err = capsys.readouterr().err
    assert "factset push: could not push" in err and "someone/factset" in err and "Traceback" not in err
    assert [call[0] for call in hub.calls] == ["create_repo"]  # nothing uploaded


def test_push_of_an_unknown_version_touches_no_hub(fake_hub, capsys):
    hub = fake_hub()
    assert main(["push", "--repo-id", "someone/factset", "--release", "9.9.9"]) == 2  # a usage error
    assert "release '9.9.9' not found" in capsys.readouterr().err
    assert hub.calls == []


# ------------------------------------------------------------------ a CLI that explains itself


def _parsers():
    """(name, parser) of the main parser and every subcommand, nested ones included."""
    import argparse

    from factset.cli import build_parser

    found, todo = [], [("factset", build_parser())]
    while todo:
        name, parser = todo.pop()
        found.append((name, parser))
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                todo.extend((f"{name} {sub}", p) for sub, p in action.choices.items())
    return found


PARSERS = _parsers()


@pytest.mark.parametrize("name, parser", PARSERS, ids=[name for name, _ in PARSERS])
def test_every_help_lists_each_argument_with_a_sentence_and_the_exit_codes(name, parser, capsys):
    import argparse

    with pytest.raises(SystemExit) as exc:
        main([*name.split()[1:], "--help"])
    assert exc.value.code == 0
    shown = capsys.readouterr().out
    assert "exit codes:" in shown and "  0  success" in shown and "  1  " in shown and "  2  usage error" in shown
    for action in parser._actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._SubParsersAction):
            continue
        assert action.help and len(action.help.split()) >= 3, f"{name}: {action.option_strings or action.dest} has no sentence"
        assert (action.option_strings[0] if action.option_strings else action.metavar or action.dest) in shown


@pytest.mark.parametrize("command", ["report", "push", "topics", "export"])
def test_the_old_release_option_is_refused_with_its_new_name(command, capsys):
    argv = [command, "--version", "0.1.0"] + (["--repo-id", "x/y"] if command == "push" else [])
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--version is now --release VERSION" in err and "factset --version" in err


def test_version_names_the_package_and_the_data_releases(capsys):
    from factset.publish.release import versions
    from factset.records.models import SCHEMA_VERSION

    with pytest.raises(SystemExit):
        main(["--version"])
    out = capsys.readouterr().out
    assert f"data releases: {', '.join(versions())}" in out and f"record schema {SCHEMA_VERSION}" in out


def test_locate_takes_a_source_id_and_near(capsys):
    seed = (REPO / "seeds" / "000_eb25a17c97a16560.txt").read_bytes().decode("utf-8")
    starts = [i for i in range(len(seed)) if seed.startswith("North Korean troops", i)]
    assert len(starts) > 2
    curated = str(REPO / "data" / "curated")
    assert main(["locate", "src-000", "North Korean troops", "--against", curated]) == 1
    assert "--near" in capsys.readouterr().err
    assert main(["locate", "src-000", "North Korean troops", "--near", str(starts[2] + 2), "--against", curated]) == 0
    assert capsys.readouterr().out.split() == [str(starts[2]), str(starts[2] + len("North Korean troops"))]
    assert main(["locate", "src-999", "x", "--against", curated]) == 2
    assert "no source src-999" in capsys.readouterr().err


def test_topics_lists_each_topic_with_its_description_and_claim_count(capsys):
    from factset.records.topics import load

    registry = load(REPO / "data" / "topics.json")
    claims = [json.loads(line) for path in sorted((REPO / "data" / "curated").glob("*.jsonl"))
              for line in path.read_text(encoding="utf-8").splitlines()]
    claims = [c for c in claims if c["type"] == "claim"]
    assert main(["topics", str(REPO / "data" / "curated"), "--registry", str(REPO / "data" / "topics.json")]) == 0
    rows = {line.split()[1]: line for line in capsys.readouterr().out.splitlines()[1:]}
    for topic, description in registry.items():
        count = sum(c.get("topic") == topic for c in claims)
        assert rows[topic].split()[0] == str(count) and rows[topic].endswith(description)


def test_versions_shows_package_data_and_each_release(capsys):
    from factset.publish.release import versions

    assert main(["versions", "--data", str(REPO / "data"), "--changelog", str(REPO / "CHANGELOG.md")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("package  factset ")
    version = (REPO / "data" / "VERSION").read_text(encoding="utf-8").strip()
    assert f"data     {version} in " in out
    for released in versions(REPO / "data" / "releases"):
        assert f"release  {released} " in out and "checksums verified" in out
