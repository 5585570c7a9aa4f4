"""The timeline of the estimates of one topic: the points (data first, so that tests check
what is drawn rather than pixels) and the figure. Needs matplotlib (the ``report`` extra).

What the figure promises:

- **one unit per axis**: a panel per unit (troops, casualties, years...), never two units
  on one scale;
- **no point hidden**: markers that would overlap on screen are moved apart sideways, and
  a thin line ties a moved marker to its true date (:func:`layout` places them; the test
  measures the drawn markers);
- **precision as spans**: a figure dated to a week or a month is a bar across that period,
  its marker in the middle; a day is a point;
- **bounds visible**: "more than N" has an arrow up, "as many as N" an arrow down, "between
  A and B" a bar from A to B; "about N" is a hollow marker;
- **colour by who gave the figure**: the claimant's side (the body it speaks for; see
  :class:`factset.records.labels.Sides`), in the colour-blind-safe Okabe–Ito palette; the
  marker says which source reports it.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass

from ..publish.release import Release
from ..records.dates import period_end
from ..records.labels import Sides

MAIN_TOPIC = "nk-troops-in-russia-count"
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
LOWER_BOUND = frozenset({"at_least", "more_than"})  # the value is a floor: an arrow up
UPPER_BOUND = frozenset({"up_to", "as_many_as", "fewer_than", "nearly"})  # a ceiling: an arrow down
MARKER_SIZE = 46  # points^2 (scatter's s)
GAP_PX = 2.0  # the least space between two markers' edges, in pixels


@dataclass(frozen=True)
class Point:
    claim_id: str
    source_id: str
    claimant: str
    group: str  # what the colour stands for: who gave the figure (the claimant's side)
    date: dt.date  # as-of date of the figure, else the claim date (the first day of its period)
    date_end: dt.date  # last day of the period the date stands for (its precision)
    value: float
    low: float | None
    high: float | None
    qualifier: str
    text: str
    unit: str = ""
    precision: str = "day"


def timeline_points(release: Release, topic: str = MAIN_TOPIC) -> list[Point]:
    """Every quantity of every numeric claim of ``topic``, in date order."""
    entities = {e.id: e for e in release.entities}
    sides = Sides(release.entities, release.sources)
    points = []
    for claim in release.claims:
        if claim.topic != topic or claim.kind != "numeric_estimate":
            continue
        who = entities[claim.claimant_id]
        side = entities.get(sides.of(claim.claimant_id), who)
        for q in claim.quantities:
            when = q.as_of or claim.claim_date
            # (halves first: the sum of two large doubles can overflow)
            value = q.value if q.value is not None else (q.low if q.high is None else q.high if q.low is None else q.low / 2 + q.high / 2)
            points.append(Point(
                claim.id, claim.source_id, who.name, side.name,
                when.value, period_end(when.value, when.precision), float(value),
                None if q.low is None else float(q.low), None if q.high is None else float(q.high), q.qualifier, q.text,
                q.unit, when.precision,
            ))
    return sorted(points, key=lambda p: (p.date, p.value, p.claim_id))


def topics(release: Release) -> list[str]:
    """The topics of a release's claims (those a timeline can be asked for)."""
    return sorted({c.topic for c in release.claims if c.topic})


def panels(points: list[Point]) -> list[tuple[str, list[Point]]]:
    """(unit, its points): one panel per unit, the unit with most points first."""
    by_unit: dict[str, list[Point]] = {}
    for p in points:
        by_unit.setdefault(p.unit, []).append(p)
    return sorted(by_unit.items(), key=lambda kv: (-len(kv[1]), kv[0]))


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Text is drawn as written: a '$' in a name or a country is not matplotlib math to parse.
    plt.rcParams.update({"svg.hashsalt": "factset", "font.size": 9, "text.parse_math": False})
    return plt


# The largest magnitude drawn as it is: beyond, the axis arithmetic (span, margins, tick
# steps) overflows. A larger value is valid data; it is drawn at this edge (tables show it).
DRAWABLE = 1e300


def _drawable(value: float | None) -> float | None:
    return None if value is None else max(-DRAWABLE, min(DRAWABLE, value))


def _day(d: dt.date) -> float:
    import matplotlib.dates as mdates

    return float(mdates.date2num(d))


def span(point: Point) -> tuple[float, float]:
    """The period a point stands for, in matplotlib's day numbers: its first day to the end of its last."""
    return _day(point.date), _day(point.date_end) + (1.0 if point.date_end < dt.date.max else 0.0)


def true_x(point: Point) -> float:
    """Where a point belongs on the date axis: its day, or the middle of its period."""
    if point.precision == "day":
        return _day(point.date)
    start, end = span(point)
    return (start + end) / 2


def marker_diameter_px(fig) -> float:
    return 2 * math.sqrt(MARKER_SIZE / math.pi) * fig.dpi / 72.0


def layout(ax, points: list[Point]) -> list[float]:
    """The x of each point's marker (data units): its true date, or as near to it as the
    markers already placed allow, so that no two markers overlap on screen. Needs the axis
    limits set; deterministic (points placed in date, value, claim order)."""
    to_px = ax.transData.transform
    diameter = marker_diameter_px(ax.figure) + GAP_PX
    order = sorted(range(len(points)), key=lambda i: (true_x(points[i]), points[i].value, points[i].claim_id, i))
    placed: list[tuple[float, float]] = []  # pixel centres
    xs = [0.0] * len(points)
    x0 = to_px((0.0, 0.0))[0]
    px_per_day = to_px((1.0, 0.0))[0] - x0
    for i in order:
        p = points[i]
        cx, cy = to_px((true_x(p), _drawable(p.value)))
        for step in range(0, 4 * len(points) + 1):  # 0, +1, -1, +2, -2, ... marker widths
            offset = ((step + 1) // 2) * (1 if step % 2 else -1) * diameter
            x = cx + offset
            if all(math.hypot(x - px, cy - py) >= diameter - 1e-6 for px, py in placed):
                break
        placed.append((x, cy))
        xs[i] = true_x(p) + (x - cx) / px_per_day if px_per_day else true_x(p)
    return xs


def _limits(points: list[Point]) -> tuple[tuple[float, float], tuple[float, float]]:
    """The axis limits of a panel: every period and every bound inside, with a margin (kept
    within the dates matplotlib can name and the magnitudes it can scale)."""
    starts, ends = zip(*(span(p) for p in points))
    lo_x, hi_x = min(starts), max(ends)
    pad_x = max((hi_x - lo_x) * 0.08, 3.0)
    values = [v for p in points for v in (_drawable(p.value), _drawable(p.low), _drawable(p.high)) if v is not None]
    lo_y, hi_y = min(values), max(values)
    pad_y = (hi_y - lo_y) * 0.2 if hi_y > lo_y else max(abs(hi_y) * 0.2, 1.0)
    bottom = 0.0 if 0.0 <= lo_y < pad_y else lo_y - pad_y  # counts start at zero when zero is near
    return ((max(lo_x - pad_x, _day(dt.date.min)), min(hi_x + pad_x, _day(dt.date.max))),
            (max(bottom, -1.2 * DRAWABLE), min(hi_y + pad_y, 1.2 * DRAWABLE)))


def timeline_figure(points: list[Point], topic: str = MAIN_TOPIC):
    plt = pyplot()
    from matplotlib.lines import Line2D

    groups = sorted({p.group for p in points})
    sources = sorted({p.source_id for p in points})
    colours = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}
    markers = {s: MARKERS[i % len(MARKERS)] for i, s in enumerate(sources)}
    by_unit = panels(points)
    fig, axes = plt.subplots(max(len(by_unit), 1), 1, figsize=(9.5, 2.2 + 2.6 * max(len(by_unit), 1)), dpi=100,
                             sharex=True, squeeze=False)
    axes = [row[0] for row in axes]
    if not points:
        axes[0].text(0.5, 0.5, f"no numeric estimates for the topic '{topic}'", transform=axes[0].transAxes, ha="center")
        axes[0].set_axis_off()
        return fig
    xlim = _limits(points)[0]
    for ax, (unit, mine) in zip(axes, by_unit):
        ax.set_xlim(*xlim)
        ax.set_ylim(*_limits(mine)[1])
        ax.set_ylabel(unit or "(no unit)")
        ax.grid(alpha=0.3)
        _draw_panel(ax, mine, colours)
    axes[0].set_title(f"Estimates of '{topic}': one panel per unit")
    axes[-1].set_xlabel("date the figure describes (bar: its week or month; a moved marker is tied to its date)")
    axes[-1].xaxis.set_major_formatter(_dates_formatter())
    who = [Line2D([], [], marker="o", ls="", color=colours[g], label=g) for g in groups]
    where = [Line2D([], [], marker=markers[s], ls="", color="grey", markeredgecolor="black", label=s) for s in sources]
    how = [Line2D([], [], marker="o", ls="", markerfacecolor="white", markeredgecolor="black", label="about N (hollow)"),
           Line2D([], [], marker=6, ls="", color="black", label="more than / at least N (arrow up)"),
           Line2D([], [], marker=7, ls="", color="black", label="up to / as many as / nearly N (arrow down)"),
           Line2D([], [], marker="|", ls="", color="black", markersize=12, label="between A and B (bar)")]
    fig.legend(handles=who, title="who gave the figure", loc="upper left", bbox_to_anchor=(0.0, 0.0), fontsize=8, ncol=2,
               frameon=False)
    fig.legend(handles=where + how, title="source (marker) and qualifier", loc="upper right", bbox_to_anchor=(1.0, 0.0),
               fontsize=8, ncol=2, frameon=False)
    fig.autofmt_xdate()
    fig.tight_layout()
    for ax, (_, mine) in zip(axes, by_unit):  # tight_layout moved the axes: place the markers now
        _place_markers(ax, mine, colours, markers)
    return fig


def _draw_panel(ax, points: list[Point], colours: dict) -> None:
    """The periods (bars at their true dates); the markers come once the layout is final."""
    for p in points:
        if p.precision != "day":
            start, end = span(p)
            y = _drawable(p.value)
            ax.plot([start, end], [y, y], color=colours[p.group], lw=5, alpha=0.35, solid_capstyle="butt",
                    gid=f"span-{p.claim_id}")


def _place_markers(ax, points: list[Point], colours: dict, markers: dict) -> None:
    """Markers where :func:`layout` puts them, each with its bounds: a range bar, or an arrow
    of fixed length up (a floor) or down (a ceiling)."""
    xs = layout(ax, points)
    for p, x in zip(points, xs):
        colour, y = colours[p.group], _drawable(p.value)
        if abs(x - true_x(p)) > 1e-9:  # moved aside: tie it to its true date
            ax.plot([true_x(p), x], [y, y], color="grey", lw=0.6, zorder=2, gid=f"tie-{p.claim_id}")
        if p.qualifier == "between" and p.low is not None and p.high is not None:
            ax.plot([x, x], [_drawable(p.low), _drawable(p.high)], color=colour, lw=1.5, zorder=2, gid=f"range-{p.claim_id}")
        elif p.qualifier in LOWER_BOUND or p.qualifier in UPPER_BOUND:
            up = p.qualifier in LOWER_BOUND
            ax.annotate("", xy=(x, y), xytext=(0, 24 if up else -24), textcoords="offset points", zorder=2,
                        arrowprops={"arrowstyle": "<|-", "color": colour, "lw": 1.2, "shrinkA": 0, "shrinkB": 4},
                        gid=f"bound-{p.claim_id}")
        hollow = p.qualifier == "about"
        ax.scatter([x], [y], s=MARKER_SIZE, marker=markers[p.source_id], zorder=3,
                   c="white" if hollow else colour, edgecolors=colour if hollow else "black",
                   linewidths=1.4 if hollow else 0.5, gid=f"point-{p.claim_id}")


def _dates_formatter():
    """Tick labels as '23 Oct 2024'; none for the ticks a locator puts beyond the years
    0001-9999 (matplotlib formats every tick, even those outside the axis, and cannot
    name a day outside those years)."""
    import matplotlib.dates as mdates

    first, last = _day(dt.date.min), _day(dt.date.max)

    class Formatter(mdates.DateFormatter):
        def __call__(self, x, pos=0):
            return super().__call__(x, pos) if first <= x <= last else ""

    return Formatter("%d %b %Y")


def drawn_markers(fig) -> list[tuple[str, float, float]]:
    """(gid, x px, y px) of every marker drawn on the figure: what a reader sees."""
    fig.canvas.draw()
    out = []
    for ax in fig.axes:
        for coll in ax.collections:
            gid = coll.get_gid() or ""
            if gid.startswith("point-"):
                for x, y in ax.transData.transform(coll.get_offsets()):
                    out.append((gid, float(x), float(y)))
    return out


def png_bytes(fig) -> bytes:
    """PNG without a timestamp or version stamp, so the same figure gives the same bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None}, bbox_inches="tight")
    pyplot().close(fig)
    return buffer.getvalue()


def timeline_png(release: Release, topic: str = MAIN_TOPIC) -> bytes:
    return png_bytes(timeline_figure(timeline_points(release, topic), topic))


def can_draw() -> bool:
    """Whether matplotlib (the ``report`` extra) is installed."""
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def release_figures(release: Release) -> dict[str, bytes]:
    """The figures a release carries beside its data (``factset build`` passes this in)."""
    from ..publish.release import ReleaseError

    try:
        return {"timeline.png": timeline_png(release)}
    except ImportError as exc:
        raise ReleaseError(f"building a release draws its timeline figure and needs matplotlib ({exc}): pip install -e '.[dev]'") from None
