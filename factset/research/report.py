"""See the disagreement: a timeline of estimates, a source x claim matrix and
summary tables, written as PNG figures and one self-contained HTML page.

The data behind each figure is computed first (``timeline_points``,
``stance_matrix``) and returned with it, so tests check what is plotted rather
than pixels. Needs matplotlib (the ``report`` extra).
"""

from __future__ import annotations

import base64
import html
from collections import Counter
from pathlib import Path
from string import Template

from ..publish.release import Release
from .timeline import MAIN_TOPIC, pyplot, png_bytes, timeline_points, timeline_png

STANCE_CODES = {"none": 0, "neutral": 1, "supports": 2, "refutes": 3, "mixed": 4, "origin": 5}
STANCE_COLOURS = ["#ffffff", "#c9c9c9", "#4c9a2a", "#c0392b", "#8e44ad", "#1f4e79"]


def stance_matrix(release: Release) -> tuple[list[str], list[str], list[list[int]]]:
    """(source ids, claim ids, codes[source][claim]) — how each source bears on each claim."""
    sources = sorted(s.id for s in release.sources)
    claims = sorted(c.id for c in release.claims)
    cells: dict[tuple[str, str], set[str]] = {}
    for ev in release.evidence:
        cells.setdefault((ev.source_id, ev.claim_id), set()).add("origin" if ev.role == "origin" else ev.stance)
    def code(found: set[str]) -> int:
        if "origin" in found:  # the claim's own source; if it also contradicts it, that shows (mixed)
            return STANCE_CODES["mixed" if "refutes" in found else "origin"]
        if {"supports", "refutes"} <= found:
            return STANCE_CODES["mixed"]
        for stance in ("refutes", "supports", "neutral"):
            if stance in found:
                return STANCE_CODES[stance]
        return STANCE_CODES["none"]
    return sources, claims, [[code(cells.get((s, c), set())) for c in claims] for s in sources]


# ------------------------------------------------------------------ figures


def matrix_figure(sources: list[str], claims: list[str], codes: list[list[int]]):
    plt = pyplot()
    from matplotlib.colors import ListedColormap

    fig, ax = plt.subplots(figsize=(12, 2.6), dpi=100)
    ax.imshow(codes, aspect="auto", interpolation="nearest", cmap=ListedColormap(STANCE_COLOURS),
              vmin=0, vmax=len(STANCE_COLOURS) - 1)
    ax.set_yticks(range(len(sources)), sources)
    starts = [i for i, c in enumerate(claims) if i == 0 or c[:7] != claims[i - 1][:7]]
    ax.set_xticks(starts, [f"{claims[i][4:7]}…" for i in starts])
    ax.set_xlabel("claims (grouped by the source they come from)")
    ax.set_title("How each source bears on each claim")
    handles = [plt.Rectangle((0, 0), 1, 1, color=STANCE_COLOURS[v], ec="grey", label=k) for k, v in STANCE_CODES.items() if k != "none"]
    ax.legend(handles=handles, ncol=5, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.35), frameon=False)
    fig.tight_layout()
    return fig


PAGE = Template("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>factset $version report</title>
$claimreview
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
img { max-width: 100%; }
.c0 { background: #fff; } .c1 { background: #c9c9c9; } .c2 { background: #4c9a2a; color: #fff; }
.c3 { background: #c0392b; color: #fff; } .c4 { background: #8e44ad; color: #fff; } .c5 { background: #1f4e79; color: #fff; }
</style></head>
<body>
<h1>factset $version</h1>
<p>$summary</p>
<h2>Estimates over time: $topic</h2>
<img alt="timeline of estimates" src="data:image/png;base64,$timeline">
$points
<h2>Sources and claims</h2>
<img alt="source by claim stance matrix" src="data:image/png;base64,$matrix">
<p>Cell legend: <span class="c5">origin</span> <span class="c2">supports</span> <span class="c3">refutes</span>
<span class="c4">mixed</span> (supports and refutes, or the claim's own source contradicts it)
<span class="c1">neutral</span> (blank: not mentioned).</p>
$matrix_table
<h2>The verdict on every claim</h2>
<p>One row per claim, anchored by its id (the <code>url</code> of each ClaimReview of the release points here).
A verdict says whether <em>independent</em> passages of the other articles corroborate the claim, not whether it is true.</p>
$verdicts
<h2>Claims per source</h2>$per_source
<h2>Claims per verdict</h2>$per_verdict
<h2>Claims per claimant</h2>$per_claimant
<h2>Flagged passages and claims</h2>$flags
</body></html>
""")


def _table(header: list[str], rows: list[list], raw_cols: frozenset = frozenset(), anchors: list[str] | None = None) -> str:
    """An HTML table; ``anchors``: an id for each row (a link target)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        (f'<tr id="{html.escape(anchors[n])}">' if anchors else "<tr>")
        + "".join(f"<td>{cell if i in raw_cols else html.escape(str(cell))}</td>" for i, cell in enumerate(row)) + "</tr>"
        for n, row in enumerate(rows)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def claimreview_script(release: Release) -> str:
    """The release's ClaimReview markup, embedded as Google reads it (JSON-LD, not a program);
    nothing for a release that has none."""
    path = release.path / "claimreview.jsonld"
    if not path.is_file():
        return ""
    markup = path.read_text(encoding="utf-8").replace("</", "<\\/")  # (no '</script>' can end it early)
    return f'<script type="application/ld+json">\n{markup}</script>'


def verdict_rows(release: Release) -> tuple[list[list], list[str]]:
    """(rows, anchors): every claim, its claimant, date, verdict and justification."""
    entities = {e.id: e.name for e in release.entities}
    rows, anchors = [], []
    for c in sorted(release.claims, key=lambda c: c.id):
        verdict = c.verdict
        label = verdict.label if verdict else f"no verdict ({getattr(c, 'checkworthiness', 'non_factual')})"
        rows.append([c.id, c.text, entities.get(c.claimant_id, c.claimant_id), f"{c.claim_date.value} ({c.claim_date.precision})",
                     label, verdict.justification if verdict else "", ", ".join(verdict.evidence_ids) if verdict else ""])
        anchors.append(c.id)
    return rows, anchors


def render_html(release: Release, timeline: bytes, matrix: bytes, topic: str = MAIN_TOPIC) -> str:
    entities = {e.id: e for e in release.entities}
    claims = {c.id: c for c in release.claims}
    points = timeline_points(release, topic)
    sources, claim_ids, codes = stance_matrix(release)
    names = {v: k for k, v in STANCE_CODES.items()}
    matrix_rows = [[cid, html.escape(claims[cid].text[:90])] + [f'<span class="c{codes[s][j]}">{names[codes[s][j]] if codes[s][j] else ""}</span>'
                    for s in range(len(sources))] for j, cid in enumerate(claim_ids)]
    flags = [(ev.id, ev.source_id, f.kind, f.note, ev.quote) for ev in release.evidence for f in ev.flags]
    flags += [(c.id, c.source_id, f.kind, f.note, c.text) for c in release.claims for f in c.flags]
    per_claimant = Counter(entities[c.claimant_id].name for c in release.claims)
    counts = release.manifest["counts"]
    verdicts, anchors = verdict_rows(release)
    return PAGE.substitute(
        version=html.escape(release.version),
        summary=html.escape(f"{counts['claims']} claims, {counts['evidence']} evidence records, {counts['sources']} sources, "
                            f"{counts['entities']} entities; release of {release.manifest['date']}."),
        topic=html.escape(topic),
        timeline=base64.b64encode(timeline).decode("ascii"),
        matrix=base64.b64encode(matrix).decode("ascii"),
        points=_table(["claim", "source", "claimant", "who gave it", "as of (precision)", "unit", "value", "low", "high",
                       "qualifier", "as written"],
                      [[p.claim_id, p.source_id, p.claimant, p.group, f"{p.date} ({p.precision})", p.unit, f"{p.value:g}",
                        "" if p.low is None else f"{p.low:g}", "" if p.high is None else f"{p.high:g}", p.qualifier, p.text]
                       for p in points]),
        claimreview=claimreview_script(release),
        verdicts=_table(["claim", "text", "claimant", "date", "verdict", "justification", "deciding evidence"], verdicts,
                        anchors=anchors),
        matrix_table=_table(["claim", "text", *sources], matrix_rows, raw_cols=frozenset(range(1, 2 + len(sources)))),
        per_source=_table(["source", "claims"], sorted(Counter(c.source_id for c in release.claims).items())),
        per_verdict=_table(["verdict", "claims"], sorted(Counter(c.verdict.label if c.verdict else "(none: non_factual)" for c in release.claims).items())),
        per_claimant=_table(["claimant", "claims"], sorted(per_claimant.items(), key=lambda kv: (-kv[1], kv[0]))),
        flags=_table(["record", "source", "flag", "note", "text"], sorted(flags)),
    )


def write_report(release: Release, out: Path, topic: str = MAIN_TOPIC) -> list[Path]:
    """Write ``timeline.png``, ``matrix.png`` and ``index.html`` into ``out``."""
    timeline = timeline_png(release, topic)
    matrix = png_bytes(matrix_figure(*stance_matrix(release)))
    out.mkdir(parents=True, exist_ok=True)
    files = {"timeline.png": timeline, "matrix.png": matrix,
             "index.html": render_html(release, timeline, matrix, topic).encode("utf-8")}
    for name, data in files.items():
        (out / name).write_bytes(data)
    return [out / name for name in files]
