"""Synthetic record files for benchmarks and tests: the real records, replicated
under new ids (so every reference and quote stays valid), and hostile variants.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

from factset.curation.loader import expand
from factset.publish.build import read_models

CURATED = Path(__file__).resolve().parent.parent / "data" / "curated"
_ID = re.compile(r"\b(clm|evd)-(\d{3})-(\d{3})")


def _renumber(text: str, copy: int) -> str:
    """Give the claim and evidence ids of one copy a distinct running number (the seed part stays)."""
    return _ID.sub(lambda m: f"{m.group(1)}-{m.group(2)}-{copy:06d}{m.group(3)}", text)


def realistic_lines(n: int) -> Iterator[str]:
    """``n`` JSONL lines: the curated sources and entities, then copies of the curated
    claims, each followed by its evidence, under fresh ids, written as a release writes
    them; filler entities round the count off, so that no reference is cut from its target."""
    records = read_models(expand([CURATED]))
    by_type: dict[str, list] = {}
    for record in sorted(records, key=lambda r: r.id):
        by_type.setdefault(record.type, []).append(record)
    head = [r.model_dump_json() for r in (*by_type["source"], *by_type["entity"])]
    evidence: dict[str, list[str]] = {}
    for ev in by_type["evidence"]:
        evidence.setdefault(ev.claim_id, []).append(ev.model_dump_json())
    groups = [[claim.model_dump_json(), *evidence.get(claim.id, [])] for claim in by_type["claim"]]
    yield from head[:n]
    made, copy, size = len(head), 0, sum(len(g) for g in groups)
    while made + size <= n:  # whole copies only: relations point across the copy's claims
        for group in groups:
            for line in group:
                yield _renumber(line, copy)
        made += size
        copy += 1
    filler = json.loads(by_type["entity"][0].model_dump_json())
    for k in range(n - made):
        yield json.dumps({**filler, "id": f"ent-filler-{k}", "aliases": []}, ensure_ascii=False)


def write_long_line(path: Path, head: bytes, mebibytes: int, tail: bytes) -> Path:
    """``head``, ``mebibytes`` MiB of 'a' (written a MiB at a time), then ``tail``."""
    with open(path, "wb") as handle:
        handle.write(head)
        for _ in range(mebibytes):
            handle.write(b"a" * 2**20)
        handle.write(tail)
    return path


def write_realistic(path: Path, n: int) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for line in realistic_lines(n):
            handle.write(line + "\n")
    return path


# Each mutation turns one valid line into a hostile or wrong one (as text), or leaves it.
def _mutations() -> list:
    def field(name, value):
        def change(d):
            if name in d:
                d[name] = value
            return json.dumps(d, ensure_ascii=False)
        return change

    def quantity(value):
        def change(d):
            if d.get("quantities"):
                return json.dumps(d, ensure_ascii=False).replace(f'"value": {d["quantities"][0].get("value")}', f'"value": {value}', 1)
            return json.dumps(d, ensure_ascii=False)
        return change

    def claim(change):
        def apply(d):
            if d.get("type") == "claim":
                change(d)
            return json.dumps(d, ensure_ascii=False)
        return apply

    def off_period(d):  # a date of a week or month that is not its first day
        date = d["claim_date"]
        if date["precision"] == "day":
            date["precision"] = "week"
        date["value"] = date["value"][:8] + ("02" if date["value"][8:] == "01" else "01")

    return [
        claim(off_period),
        claim(lambda d: d.update(topic="nk-troop-count")),  # not in the registry
        claim(lambda d: d.update(text=d["text"] + " It named 12 units.")),  # a numeral no quantity holds
        claim(lambda d: d.update(id=d["id"].replace("clm-", "clm-9", 1))),  # not its source's number
        field("claim_id", "clm-000-000001"),  # evidence: an existing-looking claim its id does not follow
        lambda d: json.dumps(d, ensure_ascii=False)[:-1] + ', "surplus": 1}',
        lambda d: json.dumps(d, ensure_ascii=False)[:-1] + f', "id": {json.dumps(d["id"])}}}',  # duplicate key
        lambda d: json.dumps(d, ensure_ascii=False)[: len(json.dumps(d, ensure_ascii=False)) // 2],  # truncated
        field("id", "not an id"),
        field("type", "tweet"),
        field("curation", {"curated_by": "x", "review_status": "retracted"}),
        field("start", 5.0),
        field("start", -1),
        field("end", 10**7),
        field("quote", "a quote that is nowhere in the seed"),
        field("stance", "refutes"),
        field("claim_id", "clm-999999-999"),
        field("speaker_id", "src-000"),
        field("claimant_id", "ent-nobody"),
        field("source_id", "src-999"),
        field("text", "too short"),
        field("name", "Name\u202e with a bidi override"),
        field("name", "Name\u0007 with a bell"),
        quantity("1e999"),
        quantity("NaN"),
        quantity("3000.0"),
        quantity('"3000"'),
        lambda d: json.dumps(d, ensure_ascii=False).replace('"2024-10-', '"2024-02-3', 1),  # impossible date
        lambda d: json.dumps(d, ensure_ascii=True).replace("\\u2019", "\\ud800", 1),  # lone surrogate
        lambda d: "[" + json.dumps(d, ensure_ascii=False) + "]",
        lambda d: "",  # a blank line
    ]


def mixed_lines(n: int, error_rate: float = 0.2, seed: int = 0) -> Iterator[bytes]:
    """Realistic lines, a share of them made wrong in ways the validator must catch."""
    rng = random.Random(seed)
    mutations = _mutations()
    for number, line in enumerate(realistic_lines(n), start=1):
        if number > 60 and rng.random() < error_rate:
            choice = rng.randrange(len(mutations) + 2)
            if choice == len(mutations):
                yield line.encode("utf-8")[:-2] + b"\xff\"}"  # invalid UTF-8
                continue
            if choice == len(mutations) + 1:
                yield b"\xef\xbb\xbf" + line.encode("utf-8")  # a BOM, not on line 1
                continue
            line = mutations[choice](json.loads(line))
        yield line.encode("utf-8")
