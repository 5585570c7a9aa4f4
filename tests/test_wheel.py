"""The built wheel, installed in a fresh venv outside the repo, serves the releases."""

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from factset.publish.release import versions

from .conftest import REPO

pytestmark = pytest.mark.skipif(not versions(REPO / "data" / "releases"), reason="no release committed yet")

SCRIPT = """
import json, factset
from datasets import load_dataset
release = factset.load()
counts = {name: len(getattr(release, name)) for name in ("sources", "entities", "claims", "evidence")}
hf = {name: len(load_dataset(str(factset.hf_path()), name, split="train", cache_dir="hf-cache")) for name in counts}
from factset.records import topics
print(json.dumps({"file": factset.__file__, "version": release.version, "manifest": release.manifest["counts"],
                  "models": counts, "hf": hf, "topics": [str(topics.default_path()), len(topics.load(topics.default_path()))]}))
"""


def test_wheel_ships_releases_and_loads_them(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(REPO)],
                   check=True, capture_output=True)
    wheel = next(dist.glob("factset-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-index", "--no-deps", str(wheel)], check=True, capture_output=True)
    # The dependencies come from the environment running the tests (no network): a .pth
    # appends its site-packages after the venv's own, so the wheel's factset wins.
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    deps = [p for p in sys.path if p.endswith("site-packages")]
    (Path(site) / "deps.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    work = tmp_path / "elsewhere"
    work.mkdir()
    proc = subprocess.run([python, "-c", SCRIPT], cwd=work, capture_output=True, text=True, env={"HF_DATASETS_OFFLINE": "1", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["file"].startswith(str(env_dir)), out["file"]
    assert out["version"] == versions(REPO / "data" / "releases")[-1]
    assert out["models"] == out["manifest"] == out["hf"]
    registry, count = out["topics"]  # the code's topic registry, packaged: validate checks topics from the wheel alone
    assert registry.startswith(str(env_dir)) and count == len(json.loads((REPO / "data" / "topics.json").read_text())["topics"])
    # The commands a user of the wheel alone has: the topics of the newest release (the registry
    # ships in the wheel) and the versions.
    env = {"HF_DATASETS_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    topics = subprocess.run([python, "-m", "factset.cli", "topics"], cwd=work, capture_output=True, text=True, env=env)
    assert topics.returncode == 0, topics.stderr
    assert "nk-troops-in-russia-count" in topics.stdout and f"reading release {out['version']}" in topics.stderr
    shown = subprocess.run([python, "-m", "factset.cli", "versions"], cwd=work, capture_output=True, text=True, env=env)
    assert shown.returncode == 0 and f"release  {out['version']} " in shown.stdout, shown.stderr
