"""Benchmark `factset validate` against the parse floor and a plain jsonschema loop.

Generates N realistic records (the release's records replicated under fresh
ids: 1 source/entity head, then claims each followed by their evidence), then
in ONE run measures records/s and peak RSS of

  (a) the parse floor: orjson.loads on every line;
  (b) a plain `jsonschema` Draft 2020-12 loop (iter_errors + format checker,
      the committed schema), on a sample of the file (it is slow);
  (c) `factset validate` (JSON Schema + model-equivalent fast path + rules
      across records), single process, as a whole command; the file is in the
      compact form orjson (and factset's releases) write, and (c) is measured
      again on the same records as json.dumps writes them, for reference;

and prints the ratios c/a and c/b. With --million it also measures 1M
records with --jobs 1 and --jobs 2, and peak RSS at 100k and 1M records.
Each measurement runs in a fresh Python process, five times (--rounds), in
rounds: each round runs every measurement once, so that measurements compared
with each other see the same drift of a shared machine's speed. A row shows
the median run; a ratio is the median of its per-round ratios. Bytecode is
cached (in the temporary folder) as after any install, even where
PYTHONDONTWRITEBYTECODE is set: no run compiles source. --write-results
records the numbers in benchmarks/RESULTS.md with the machine they ran on.

    python benchmarks/validate.py                  # 200,000 records
    python benchmarks/validate.py --million --write-results
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent

PARSE_FLOOR = """
import orjson
with open(PATH, "rb") as handle:
    for line in handle:
        orjson.loads(line)
"""

JSONSCHEMA_LOOP = """
import itertools, json, jsonschema
from factset.records import schema
validators = {name: jsonschema.Draft202012Validator(schema.load(name), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
              for name in schema.RECORD_NAMES}
with open(PATH, "rb") as handle:
    for line in itertools.islice(handle, LIMIT):
        record = json.loads(line)
        for error in validators[record["type"]].iter_errors(record):
            pass
"""

FACTSET_VALIDATE = """
from factset.cli import main
code = main(["validate", "--no-progress", "--jobs", str(JOBS), PATH])
assert code == 0, code
"""

HARNESS = """
import json, resource, sys, time
PATH, LIMIT, JOBS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
started = time.perf_counter()
exec(compile(sys.argv[4], "<measured>", "exec"))
seconds = time.perf_counter() - started
self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "rss_mb": max(self_kb, child_kb) / 1024}), file=sys.__stderr__)
"""


ROUNDS = 5


def measured_env(directory: Path) -> dict:
    """The environment of the measured processes: bytecode cached (in ``directory``) as after
    any install, even where PYTHONDONTWRITEBYTECODE is set, so that no run compiles source."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(directory / "pycache")
    subprocess.run([sys.executable, "-c", "import factset.cli, factset.curation.validate, factset.curation.reference_path, jsonschema, orjson"],
                   env=env, check=True)
    return env


ENV: dict | None = None  # set by main


@dataclass
class Measurement:
    name: str
    code: str
    path: Path
    records: int
    limit: int = 0
    jobs: int = 1
    runs: list = field(default_factory=list)  # {"seconds", "rss_mb"} per round

    def run(self) -> None:
        proc = subprocess.run(
            [sys.executable, "-c", HARNESS, str(self.path), str(self.limit), str(self.jobs), self.code],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False, env=ENV,
        )
        if proc.returncode != 0:
            raise SystemExit(f"measurement {self.name!r} failed:\n{proc.stderr}")
        self.runs.append(json.loads(proc.stderr.strip().splitlines()[-1]))

    @property
    def seconds(self) -> float:
        return statistics.median(run["seconds"] for run in self.runs)

    @property
    def rss_mb(self) -> float:
        return statistics.median(run["rss_mb"] for run in self.runs)

    @property
    def rate(self) -> float:
        return self.records / self.seconds


def interleaved(measurements: list[Measurement], rounds: int) -> None:
    """Run each measurement once per round, round after round: a shared machine's speed
    drifts over minutes (10-20 %, at times more), and measurements compared with each
    other should see the same drift."""
    for _ in range(rounds):
        for m in measurements:
            m.run()


def per_round(numerator: Measurement, denominator: Measurement, what: str = "seconds") -> list[float]:
    """Each round's ratio (the two ran side by side in it)."""
    return [a[what] / b[what] for a, b in zip(numerator.runs, denominator.runs)]


def spread(ratios: list[float], scale: float = 1.0) -> str:
    return f"rounds {min(ratios) * scale:.2f}-{max(ratios) * scale:.2f}"


def relaid(path: Path) -> Path:
    """The same records as json.dumps writes them (', ' and ': '), the layout many contributors use."""
    out = path.with_name(f"{path.stem}-json-dumps.jsonl")
    with open(path, encoding="utf-8") as src, open(out, "w", encoding="utf-8") as dst:
        for line in src:
            dst.write(json.dumps(json.loads(line), ensure_ascii=False) + "\n")
    return out


def make_file(directory: Path, n: int) -> Path:
    sys.path.insert(0, str(HERE.parent))  # the generator lives with its other user, the tests
    from tests.synthetic import write_realistic

    path = directory / f"records-{n}.jsonl"
    print(f"generating {n:,} records ...", file=sys.stderr, flush=True)
    write_realistic(path, n)
    return path


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in
                         ("orjson", "jiter", "jsonschema", "jsonschema-rs", "pydantic", "numpy"))
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB; "
            f"Python {platform.python_version()}; {versions}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--jsonschema-sample", type=int, default=20_000,
                        help="records the plain jsonschema loop checks (it runs ~100x slower); its rate is per record")
    parser.add_argument("--million", action="store_true", help="also 1M records: --jobs 1 vs 2, and RSS at 100k vs 1M")
    parser.add_argument("--write-results", action="store_true", help=f"write {HERE / 'RESULTS.md'}")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds; each runs every measurement once")
    args = parser.parse_args(argv)

    global ENV
    rows, checks = [], []
    with tempfile.TemporaryDirectory() as tmp:
        ENV = measured_env(Path(tmp))
        path = make_file(Path(tmp), args.records)
        line_bytes = path.stat().st_size / args.records  # the records grow as the data does (reviews, notes)
        sample = min(args.jsonschema_sample, args.records)
        a = Measurement("(a) parse floor: orjson.loads", PARSE_FLOOR, path, args.records)
        b = Measurement(f"(b) plain jsonschema loop ({sample:,}-record sample)", JSONSCHEMA_LOOP, path, sample, limit=sample)
        c = Measurement("(c) factset validate, 1 process", FACTSET_VALIDATE, path, args.records)
        c_dumps = Measurement("(c) the same, records laid out as json.dumps writes them (no goal)",
                              FACTSET_VALIDATE, relaid(path), args.records)
        rows += [a, b, c, c_dumps]
        interleaved([a, b, c, c_dumps], args.rounds)
        # rate c / rate b = (seconds b / records b) / (seconds c / records c), paired by round
        b_c, scale = per_round(b, c), c.records / b.records
        c_over_b = statistics.median(b_c) * scale
        slowdown = per_round(c, a)  # seconds c / seconds a: how many times slower than the floor
        checks.append((f"c/b = {c_over_b:.1f}x the plain jsonschema loop ({spread(b_c, scale)}; goal >= 25x)",
                       c_over_b >= 25))
        checks.append((f"c/a = {1 / statistics.median(slowdown):.2f} of the parse floor's rate, i.e. "
                       f"{statistics.median(slowdown):.2f}x slower ({spread(slowdown)}; goal: within 3x)",
                       statistics.median(slowdown) <= 3))
        if args.million:
            small = make_file(Path(tmp), 100_000)
            big = make_file(Path(tmp), 1_000_000)
            c100 = Measurement("(c) factset validate, 100k records", FACTSET_VALIDATE, small, 100_000)
            c1m = Measurement("(c) factset validate, 1M records, --jobs 1", FACTSET_VALIDATE, big, 1_000_000)
            c1m2 = Measurement("(c) factset validate, 1M records, --jobs 2", FACTSET_VALIDATE, big, 1_000_000, jobs=2)
            rows += [c100, c1m, c1m2]
            interleaved([c100, c1m, c1m2], args.rounds)
            speedups, rss_ratios = per_round(c1m, c1m2), per_round(c1m, c100, "rss_mb")
            speedup, rss_ratio = statistics.median(speedups), statistics.median(rss_ratios)
            checks.append((f"--jobs 2 on 1M: {speedup:.2f}x faster than --jobs 1 ({spread(speedups)}; goal >= 1.6x)",
                           speedup >= 1.6))
            checks.append((f"peak RSS 1M / 100k = {rss_ratio:.2f} ({spread(rss_ratios)}; goal < 2)", rss_ratio < 2))

    lines = ["| measurement | records | seconds | records/s | peak RSS (MB) |", "|---|---|---|---|---|"]
    lines += [f"| {m.name} | {m.records:,} | {m.seconds:.2f} | {m.rate:,.0f} | {m.rss_mb:.0f} |" for m in rows]
    lines += ["", *(f"- {'PASS' if ok else 'FAIL'}: {text}" for text, ok in checks)]
    report = "\n".join(lines)
    print(report)
    if args.write_results:
        (HERE / "RESULTS.md").write_text(
            f"# Validation benchmark\n\nMeasured {dt.date.today().isoformat()} with `python benchmarks/validate.py"
            f"{' --million' if args.million else ''} --write-results` on: {machine()}.\n\n"
            f"Records: the release's sources and entities, then its claims each followed by their evidence, "
            f"replicated under fresh ids (about 1 claim to 3.4 evidence records, ~{line_bytes:,.0f} bytes a line). "
            f"Seconds are whole commands in fresh processes, imports included (bytecode cached, as after "
            f"an install); each is the median of {args.rounds} runs, made in rounds (every measurement once a "
            f"round), and each ratio is the median of its per-round ratios.\n\n{report}\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
