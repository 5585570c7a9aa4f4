"""The report and its timeline: what the figures draw is the data, no marker hides another,
and the page is self-contained and shows every verdict at its anchor."""

import datetime as dt
import itertools
import json
import math
import re
import shutil
import subprocess

import pytest

pytest.importorskip("matplotlib")

from factset.cli import main  # noqa: E402
from factset.records.labels import Sides  # noqa: E402
from factset.research.report import STANCE_CODES, matrix_figure, render_html, stance_matrix  # noqa: E402
from factset.research.timeline import (MAIN_TOPIC, PALETTE, Point, drawn_markers, marker_diameter_px,  # noqa: E402
                                       panels, timeline_figure, timeline_points, true_x)


def test_timeline_points_are_the_numeric_claims_of_the_topic(fresh_release):
    expected = sorted((c.id, q.text) for c in fresh_release.claims
                      if c.topic == MAIN_TOPIC and c.kind == "numeric_estimate" for q in c.quantities)
    assert sorted((p.claim_id, p.text) for p in timeline_points(fresh_release)) == expected


def test_colour_is_who_gave_the_figure_their_side(fresh_release):
    """The colour stands for the claimant's side (e.g. a spokesperson's government), not the outlet's country."""
    sides = Sides(fresh_release.entities, fresh_release.sources)
    names = {e.id: e.name for e in fresh_release.entities}
    claims = {c.id: c for c in fresh_release.claims}
    for p in timeline_points(fresh_release):
        assert p.group == names[sides.of(claims[p.claim_id].claimant_id)]


def _markers_by_axis(fig):
    fig.canvas.draw()
    out = {}
    for ax in fig.axes:
        out[ax] = [(coll.get_gid(), *xy) for coll in ax.collections if (coll.get_gid() or "").startswith("point-")
                   for xy in ax.transData.transform(coll.get_offsets())]
    return out


def _assert_no_overlap(fig):
    diameter = marker_diameter_px(fig)
    for ax, markers in _markers_by_axis(fig).items():
        for a, b in itertools.combinations(markers, 2):
            assert math.hypot(a[1] - b[1], a[2] - b[2]) >= diameter, f"{a[0]} hides {b[0]} on {ax.get_ylabel()}"


@pytest.mark.parametrize("topic", [MAIN_TOPIC, "russia-casualties"])
def test_every_point_is_drawn_once_in_the_panel_of_its_unit_and_none_hides_another(fresh_release, topic):
    points = timeline_points(fresh_release, topic)
    fig = timeline_figure(points, topic)
    by_axis = _markers_by_axis(fig)
    units = [unit for unit, _ in panels(points)]
    assert [ax.get_ylabel() for ax in fig.axes] == units  # one unit per axis
    for ax, (unit, mine) in zip(fig.axes, panels(points)):
        assert sorted(gid for gid, *_ in by_axis[ax]) == sorted(f"point-{p.claim_id}" for p in mine)
        ys = sorted(round(ax.transData.inverted().transform((x, y))[1], 3) for _, x, y in by_axis[ax])
        assert ys == sorted(round(p.value, 3) for p in mine)  # the values are drawn exactly: only x moves
    _assert_no_overlap(fig)
    assert len(drawn_markers(fig)) == len(points)


def _point(claim_id, value, date=dt.date(2024, 10, 28), precision="day", qualifier="exact", unit="troops", group="A",
           source="src-001", low=None, high=None):
    end = date + dt.timedelta(days=6) if precision == "week" else date
    return Point(claim_id, source, "someone", group, date, end, float(value), low, high, qualifier, str(value), unit, precision)


def test_equal_estimates_on_one_day_are_set_side_by_side_and_tied_to_their_date():
    points = [_point(f"clm-001-{i:03d}", 10000, group=f"G{i % 3}", source=f"src-00{i % 2}") for i in range(7)]
    fig = timeline_figure(points)
    _assert_no_overlap(fig)
    (ax,) = fig.axes
    ties = [line for line in ax.lines if (line.get_gid() or "").startswith("tie-")]
    assert len(ties) == 6  # all but one moved aside, each tied to the true date
    assert all(min(line.get_xdata()) <= true_x(points[0]) <= max(line.get_xdata()) for line in ties)


def test_a_week_is_drawn_as_a_span_and_bounds_as_arrows_or_bars():
    points = [_point("clm-001-001", 3000, precision="week", qualifier="more_than", low=3000.0),
              _point("clm-001-002", 12000, qualifier="as_many_as", high=12000.0),
              _point("clm-001-003", 27500, qualifier="between", low=25000.0, high=30000.0)]
    fig = timeline_figure(points)
    (ax,) = fig.axes
    spans = {line.get_gid(): line for line in ax.lines if (line.get_gid() or "").startswith("span-")}
    import matplotlib.dates as mdates

    start, end = spans["span-clm-001-001"].get_xdata()
    assert (start, end) == (mdates.date2num(dt.date(2024, 10, 28)), mdates.date2num(dt.date(2024, 11, 4)))
    arrows = {a.get_gid(): a for a in ax.texts if (a.get_gid() or "").startswith("bound-")}
    assert arrows["bound-clm-001-001"].xyann[1] > 0 and arrows["bound-clm-001-002"].xyann[1] < 0  # floor up, ceiling down
    (bar,) = [line for line in ax.lines if line.get_gid() == "range-clm-001-003"]
    assert sorted(bar.get_ydata()) == [25000.0, 30000.0]


def test_each_unit_has_its_own_panel_and_the_palette_is_colour_blind_safe():
    points = [_point("clm-003-017", 600000, unit="casualties", group="US"), _point("clm-003-016", 3, unit="years", group="EU")]
    fig = timeline_figure(points, "russia-casualties")
    assert sorted(ax.get_ylabel() for ax in fig.axes) == ["casualties", "years"]
    colours = {tuple(round(c, 3) for c in coll.get_edgecolors()[0][:3]) if coll.get_facecolors()[0][0] == 1 else
               tuple(round(c, 3) for c in coll.get_facecolors()[0][:3]) for ax in fig.axes for coll in ax.collections}
    import matplotlib.colors as mcolors

    assert colours <= {tuple(round(c, 3) for c in mcolors.to_rgb(h)) for h in PALETTE}


def test_matrix_marks_each_claims_origin_and_the_stances(fresh_release):
    sources, claims, codes = stance_matrix(fresh_release)
    by_id = {c.id: c for c in fresh_release.claims}
    for j, cid in enumerate(claims):
        own = sources.index(by_id[cid].source_id)
        contradicts_itself = any(ev.claim_id == cid and ev.source_id == sources[own] and ev.stance == "refutes"
                                 for ev in fresh_release.evidence)
        assert codes[own][j] == STANCE_CODES["mixed" if contradicts_itself else "origin"]
        assert not any(codes[i][j] == STANCE_CODES["origin"] for i in range(len(sources)) if i != own)
    refuting = {(ev.source_id, ev.claim_id) for ev in fresh_release.evidence if ev.stance == "refutes"}
    for source, cid in refuting:
        assert codes[sources.index(source)][claims.index(cid)] in (STANCE_CODES["refutes"], STANCE_CODES["mixed"])
    fig = matrix_figure(sources, claims, codes)
    assert fig.axes[0].images[0].get_array().shape == (len(sources), len(claims))


def test_html_is_self_contained_lists_every_flag_and_anchors_every_verdict(fresh_release):
    page = render_html(fresh_release, b"PNG-T", b"PNG-M")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts == ['<script type="application/ld+json">']  # data for search engines, no program
    flagged = [ev.id for ev in fresh_release.evidence if ev.flags] + [c.id for c in fresh_release.claims if c.flags]
    assert flagged and all(f"<td>{rid}</td>" in page for rid in flagged)
    assert page.count("data:image/png;base64,") == 2
    anchors = re.findall(r'<tr id="([^"]+)">', page)
    assert anchors == sorted(c.id for c in fresh_release.claims)
    markup = json.loads(page.split('<script type="application/ld+json">')[1].split("</script>")[0].replace("<\\/", "</"))
    reviewed = [node["identifier"] for node in markup["@graph"] if node["@type"] == "ClaimReview"]
    assert set(reviewed) <= set(anchors) and reviewed


def test_report_command_writes_page_and_figures(tmp_path, fresh_release):
    assert main(["report", "--release", str(fresh_release.path), "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html", "matrix.png", "timeline.png"]
    assert (tmp_path / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_unknown_topic_is_a_usage_error(tmp_path, capsys):
    assert main(["report", "--topic", "no-such-topic", "--out", str(tmp_path / "r")]) == 2
    assert "no-such-topic" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_dataset_card_embeds_the_release_timeline(fresh_release):
    assert "](timeline.png)" in (fresh_release.path / "README.md").read_text(encoding="utf-8")
    assert "timeline.png" in fresh_release.manifest["files"]


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
