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
Each measurement runs in a fresh Python process, three times (--rounds); the
median run is kept. Bytecode is cached (in the temporary folder) as after any
install, even where PYTHONDONTWRITEBYTECODE is set: no run compiles source. --write-results records the numbers in
benchmarks/RESULTS.md with the machine they ran on.

    python benchmarks/validate.py                  # 200,000 records
    python benchmarks/validate.py --million --write-results
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
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
from factset import schema
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


ROUNDS = 3


def measured_env(directory: Path) -> dict:
    """The environment of the measured processes: bytecode cached (in ``directory``) as after
    any install, even where PYTHONDONTWRITEBYTECODE is set, so that no run compiles source."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(directory / "pycache")
    subprocess.run([sys.executable, "-c", "import factset.cli, factset.validate, factset.slowcheck, jsonschema, orjson"],
                   env=env, check=True)
    return env


ENV: dict | None = None  # set by main


def measure(code: str, path: Path, records: int, limit: int = 0, jobs: int = 1, rounds: int = ROUNDS) -> dict:
    """The median of ``rounds`` runs, by time (a shared machine's timings vary by 10-20 % from run to run)."""
    runs = []
    for _ in range(rounds):
        proc = subprocess.run(
            [sys.executable, "-c", HARNESS, str(path), str(limit), str(jobs), code],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False, env=ENV,
        )
        if proc.returncode != 0:
            raise SystemExit(f"measurement failed:\n{proc.stderr}")
        runs.append(json.loads(proc.stderr.strip().splitlines()[-1]))
    out = sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]
    out["records"] = records
    out["rate"] = records / out["seconds"]
    return out


def relaid(path: Path) -> Path:
    """The same records as json.dumps writes them (', ' and ': '), the layout many contributors use."""
    out = path.with_name(f"{path.stem}-json-dumps.jsonl")
    with open(path, encoding="utf-8") as src, open(out, "w", encoding="utf-8") as dst:
        for line in src:
            dst.write(json.dumps(json.loads(line), ensure_ascii=False) + "\n")
    return out


def make_file(directory: Path, n: int) -> Path:
    from factset.synthetic import write_realistic

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
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="runs of each measurement; the median is kept")
    args = parser.parse_args(argv)

    global ENV
    rows, checks = [], []
    with tempfile.TemporaryDirectory() as tmp:
        ENV = measured_env(Path(tmp))
        path = make_file(Path(tmp), args.records)
        sample = min(args.jsonschema_sample, args.records)
        a = measure(PARSE_FLOOR, path, args.records, rounds=args.rounds)
        b = measure(JSONSCHEMA_LOOP, path, sample, limit=sample, rounds=args.rounds)
        c = measure(FACTSET_VALIDATE, path, args.records, rounds=args.rounds)
        c_dumps = measure(FACTSET_VALIDATE, relaid(path), args.records, rounds=args.rounds)
        rows += [("(a) parse floor: orjson.loads", a), (f"(b) plain jsonschema loop ({sample:,}-record sample)", b),
                 ("(c) factset validate, 1 process", c),
                 ("(c) the same, records laid out as json.dumps writes them (no goal)", c_dumps)]
        c_over_a, c_over_b = c["rate"] / a["rate"], c["rate"] / b["rate"]
        checks.append((f"c/b = {c_over_b:.1f}x the plain jsonschema loop (goal >= 25x)", c_over_b >= 25))
        checks.append((f"c/a = {c_over_a:.2f} of the parse floor's rate, i.e. {1 / c_over_a:.2f}x slower (goal: within 3x)",
                       1 / c_over_a <= 3))
        if args.million:
            small = make_file(Path(tmp), 100_000)
            big = make_file(Path(tmp), 1_000_000)
            c100 = measure(FACTSET_VALIDATE, small, 100_000, rounds=args.rounds)
            c1m = measure(FACTSET_VALIDATE, big, 1_000_000, rounds=args.rounds)
            c1m2 = measure(FACTSET_VALIDATE, big, 1_000_000, jobs=2, rounds=args.rounds)
            rows += [("(c) factset validate, 100k records", c100), ("(c) factset validate, 1M records, --jobs 1", c1m),
                     ("(c) factset validate, 1M records, --jobs 2", c1m2)]
            speedup, rss_ratio = c1m["seconds"] / c1m2["seconds"], c1m["rss_mb"] / c100["rss_mb"]
            checks.append((f"--jobs 2 on 1M: {speedup:.2f}x faster than --jobs 1 (goal >= 1.6x)", speedup >= 1.6))
            checks.append((f"peak RSS 1M / 100k = {rss_ratio:.2f} (goal < 2)", rss_ratio < 2))

    lines = ["| measurement | records | seconds | records/s | peak RSS (MB) |", "|---|---|---|---|---|"]
    lines += [f"| {name} | {m['records']:,} | {m['seconds']:.2f} | {m['rate']:,.0f} | {m['rss_mb']:.0f} |" for name, m in rows]
    lines += ["", *(f"- {'PASS' if ok else 'FAIL'}: {text}" for text, ok in checks)]
    report = "\n".join(lines)
    print(report)
    if args.write_results:
        (HERE / "RESULTS.md").write_text(
            f"# Validation benchmark\n\nMeasured {dt.date.today().isoformat()} with `python benchmarks/validate.py"
            f"{' --million' if args.million else ''} --write-results` on: {machine()}.\n\n"
            f"Records: the release's sources and entities, then its claims each followed by their evidence, "
            f"replicated under fresh ids (about 1 claim to 3.4 evidence records, ~650 bytes a line). "
            f"Seconds are whole commands in fresh processes, imports included (bytecode cached, as after "
            f"an install); each is the median of "
            f"{args.rounds} runs.\n\n{report}\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
