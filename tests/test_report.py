"""The report: what the figures plot is the data, and the page is self-contained."""

import re
import shutil
import subprocess

import pytest

pytest.importorskip("matplotlib")

from factset.cli import main  # noqa: E402
from factset.research.report import STANCE_CODES, matrix_figure, render_html, stance_matrix  # noqa: E402
from factset.research.timeline import MAIN_TOPIC, plot_x, timeline_figure, timeline_points  # noqa: E402

def test_timeline_points_are_the_numeric_claims_of_the_topic(latest):
    expected = sorted(
        (c.id, q.text) for c in latest.claims if c.topic == MAIN_TOPIC and c.kind == "numeric_estimate" for q in c.quantities
    )
    points = timeline_points(latest)
    assert sorted((p.claim_id, p.text) for p in points) == expected
    # 8,000 is the count near Ukraine's border: another topic.
    assert {3000, 10000, 11000, 12000} <= {p.value for p in points}


def test_timeline_figure_plots_exactly_those_points(latest):
    points = timeline_points(latest)
    sources = sorted({p.source_id for p in points})
    fig = timeline_figure(points)
    (ax,) = fig.axes
    plotted = sorted(
        (round(float(x), 6), float(y)) for coll in ax.collections if (coll.get_gid() or "").startswith("points-")
        for x, y in coll.get_offsets()
    )
    assert plotted == sorted((round(plot_x(p, sources), 6), p.value) for p in points)
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == sources


def test_matrix_marks_each_claims_origin_and_the_stances(latest):
    sources, claims, codes = stance_matrix(latest)
    by_id = {c.id: c for c in latest.claims}
    for j, cid in enumerate(claims):
        origin_rows = [sources[i] for i in range(len(sources)) if codes[i][j] == STANCE_CODES["origin"]]
        assert origin_rows == [by_id[cid].source_id]
    refuting = {(ev.source_id, ev.claim_id) for ev in latest.evidence if ev.stance == "refutes"}
    for source, cid in refuting:
        assert codes[sources.index(source)][claims.index(cid)] in (STANCE_CODES["refutes"], STANCE_CODES["mixed"])
    fig = matrix_figure(sources, claims, codes)
    assert fig.axes[0].images[0].get_array().shape == (len(sources), len(claims))


def test_html_is_self_contained_and_lists_every_flag(latest):
    page = render_html(latest, b"PNG-T", b"PNG-M")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<script" not in page
    flagged = [ev.id for ev in latest.evidence if ev.flags] + [c.id for c in latest.claims if c.flags]
    assert flagged and all(f"<td>{rid}</td>" in page for rid in flagged)
    assert page.count("data:image/png;base64,") == 2


def test_report_command_writes_page_and_figures(tmp_path):
    assert main(["report", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html", "matrix.png", "timeline.png"]
    assert (tmp_path / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_dataset_card_embeds_the_release_timeline(latest):
    assert "](timeline.png)" in (latest.path / "README.md").read_text(encoding="utf-8")
    assert "timeline.png" in latest.manifest["files"]


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium) — page render check skipped")
def test_page_renders_in_headless_chromium_without_console_errors(tmp_path):
    assert main(["report", "--out", str(tmp_path)]) == 0
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000", "--dump-dom", (tmp_path / "index.html").as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "<h1>factset" in proc.stdout
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == []
