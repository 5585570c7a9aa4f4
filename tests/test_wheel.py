"""The built wheel, in a venv that holds only it and its declared dependencies (no extras),
outside the checkout: `pip install factset` must run `validate` and `build`, load the
releases, and say what to install for `report`.

No network: the venv gets its dependencies by copying, from the environment running the
tests, the distributions the wheel declares (and theirs), and nothing else.
"""

from __future__ import annotations

import json
import re
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from factset.publish.release import versions

from .conftest import REPO

pytestmark = pytest.mark.skipif(not versions(REPO / "data" / "releases"), reason="no release committed yet")

CHECKOUT = ["factset", "schema", "seeds", "data", "pyproject.toml", "README.md", "CHANGELOG.md", ".gitignore", "LICENSE", "LICENSE-DATA"]


def copy_checkout(to: Path) -> Path:
    for name in CHECKOUT:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, to / name, ignore=shutil.ignore_patterns("__pycache__", ".building-*"))
        elif source.exists():
            shutil.copy2(source, to / name)
    return to


def declared(requirements: list[str]) -> list[metadata.Distribution]:
    """The installed distributions that ``requirements`` (no extras) need, and theirs."""
    found: dict[str, metadata.Distribution] = {}
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        dist = metadata.distribution(req.name)
        key = dist.metadata["Name"].lower().replace("_", "-")
        if key not in found:
            found[key] = dist
            todo.extend(Requirement(r) for r in dist.requires or [])
    return list(found.values())


def copy_distributions(dists: list[metadata.Distribution], site: Path) -> None:
    """Each distribution's files under site-packages (its scripts elsewhere are not needed)."""
    for dist in dists:
        root = Path(dist.locate_file("")).resolve()
        for entry in dist.files or []:
            source = Path(dist.locate_file(entry)).resolve()
            if not source.is_file() or root not in source.parents:
                continue
            target = site / source.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory):
    """(the venv's bin folder, a checkout copy, the wheel's file names, the declared requirements)."""
    tmp = tmp_path_factory.mktemp("wheel")
    checkout = copy_checkout(tmp / "checkout")
    abandoned = checkout / "data" / "releases" / ".building-9.9.9.12345"  # what a killed build leaves
    (abandoned / "schema").mkdir(parents=True)
    (abandoned / "claims.jsonl").write_text("{}\n", encoding="utf-8")
    dist = tmp / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist),
                    str(checkout)], check=True, capture_output=True)
    wheel = next(dist.glob("factset-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        meta = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode("utf-8")
    requires = [line.split(":", 1)[1].strip() for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    env_dir = tmp / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    site = Path(subprocess.run([bin_dir / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    copy_distributions(declared(requires), site)
    subprocess.run([bin_dir / "python", "-m", "pip", "install", "-q", "--no-index", "--no-deps", str(wheel)],
                   check=True, capture_output=True)
    shutil.rmtree(abandoned)
    return bin_dir, checkout, names, requires


def run(bin_dir: Path, *args: str, cwd: Path, extra_path: str | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin", "HF_DATASETS_OFFLINE": "1", "CI": "1"}
    if extra_path:
        env["PYTHONPATH"] = extra_path
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


def test_the_wheel_declares_what_it_imports_and_ships_no_hidden_file(wheel_env):
    bin_dir, _, names, requires = wheel_env
    assert any(r.startswith("orjson") for r in requires), requires  # imported by validate
    assert not [n for n in names if any(part.startswith(".") for part in n.split("/"))]
    shipped = {n.split("/")[2] for n in names if n.startswith("factset/releases/")}
    assert shipped == set(versions(REPO / "data" / "releases"))
    proc = run(bin_dir, bin_dir / "python", "-c", "import matplotlib", cwd=bin_dir)
    assert proc.returncode != 0  # the venv holds no extra


def test_validate_and_load_from_the_wheel_alone(wheel_env, tmp_path):
    bin_dir, _, _, _ = wheel_env
    script = ("import json, factset; from factset.paths import bundled; r = factset.load(); "
              "from importlib.metadata import files; "
              "licences = sorted(p.name for p in files('factset') if p.name.startswith('LICENSE')); "
              "print(json.dumps({'file': factset.__file__, 'version': r.version, 'path': str(r.path), "
              "'counts': {n: len(getattr(r, n)) for n in ('sources', 'entities', 'claims', 'evidence')}, "
              "'manifest': r.manifest['counts'], 'seeds': str(bundled('seeds')), "
              "'context': r.evidence[0].quote in r.context(r.evidence[0], chars=50), 'licences': licences, "
              "'dir': 'load' in dir(factset), 'repr': len(repr(r)), "
              "'topics': str(__import__('factset.curation.registry').curation.registry.choose().registry.path)}))")
    proc = run(bin_dir, bin_dir / "python", "-c", script, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["file"].startswith(str(bin_dir.parent)) and out["seeds"].startswith(str(bin_dir.parent))
    assert out["topics"].startswith(str(bin_dir.parent))  # validate checks topics against the packaged registry
    assert out["version"] == versions(REPO / "data" / "releases")[-1]
    assert out["counts"] == out["manifest"]
    assert out["context"]  # the seed text around a quote, from the seeds in the wheel
    assert {"LICENSE", "LICENSE-DATA"} <= set(out["licences"])
    assert out["dir"] and out["repr"] < 600
    # A release of the current schema validates; 0.1.0 (schema 1.0.0) is read with its own models.
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type": "tweet"}\n', encoding="utf-8")
    proc = run(bin_dir, bin_dir / "factset", "validate", bad, cwd=tmp_path)
    assert proc.returncode == 1 and "record type is 'tweet'" in proc.stdout, proc.stdout + proc.stderr


def test_build_in_a_checkout_then_validate_the_release_with_the_wheel_alone(wheel_env, tmp_path):
    """The next release, built by the wheel's factset in a checkout (no matplotlib: no figure),
    then validated by it: exit 0."""
    bin_dir, _, _, _ = wheel_env
    work = copy_checkout(tmp_path / "checkout")
    version = (work / "data" / "VERSION").read_text(encoding="utf-8").strip()
    # Make the data version unreleased again in the copy (whether or not the checkout has released it),
    # so that the wheel's factset builds it from the records, not just confirms it.
    shutil.rmtree(work / "data" / "releases" / version, ignore_errors=True)
    changelog = work / "CHANGELOG.md"
    changelog.write_text(re.sub(rf"^## \[{re.escape(version)}\] - .*$", "## [Unreleased]",
                                changelog.read_text(encoding="utf-8"), flags=re.M), encoding="utf-8")
    proc = run(bin_dir, bin_dir / "factset", "build", cwd=work)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "built a preview" in proc.stdout and "pip install 'factset[report]'" in proc.stdout
    preview = work / "build" / "preview" / version
    assert (preview / "claims.jsonl").is_file() and not (preview / "timeline.png").exists()
    proc = run(bin_dir, bin_dir / "factset", "validate", preview, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("ok: 4 file(s)")


def test_report_without_matplotlib_says_what_to_install(wheel_env, tmp_path):
    bin_dir, _, _, _ = wheel_env
    proc = run(bin_dir, bin_dir / "factset", "report", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "pip install 'factset[report]'" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "report").exists()


def test_the_wheel_releases_load_with_datasets(wheel_env, tmp_path):
    """The `hf` extra (datasets), borrowed from the test environment for this check only."""
    pytest.importorskip("datasets")
    bin_dir, _, _, _ = wheel_env
    script = ("import json, factset; from datasets import load_dataset; "
              "print(json.dumps({n: len(load_dataset(factset.hf_path(), n, split='train', cache_dir='hf-cache')) "
              "for n in ('sources', 'entities', 'claims', 'evidence')}))")
    proc = run(bin_dir, bin_dir / "python", "-c", script, cwd=tmp_path, extra_path=sysconfig.get_paths()["purelib"])
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((REPO / "data" / "releases" / versions(REPO / "data" / "releases")[-1] / "manifest.json")
                          .read_text(encoding="utf-8"))
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == manifest["counts"]


def test_the_commands_of_the_wheel_alone_topics_and_versions(wheel_env, tmp_path):
    """The topics of the newest release (the registry ships in the wheel) and the versions."""
    bin_dir, _, _, _ = wheel_env
    newest = versions(REPO / "data" / "releases")[-1]
    topics = run(bin_dir, bin_dir / "factset", "topics", cwd=tmp_path)
    assert topics.returncode == 0, topics.stderr
    assert "nk-troops-in-russia-count" in topics.stdout and f"reading release {newest}" in topics.stderr
    shown = run(bin_dir, bin_dir / "factset", "versions", cwd=tmp_path)
    assert shown.returncode == 0 and f"release  {newest} " in shown.stdout, shown.stderr
