"""The timeline of the estimates of one topic: the points (data first, so tests check
what is plotted rather than pixels) and the figure. Needs matplotlib (the ``report`` extra).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from ..publish.release import Release
from ..records.dates import period_end

MAIN_TOPIC = "nk-troops-in-russia-count"
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


@dataclass(frozen=True)
class Point:
    claim_id: str
    source_id: str
    claimant: str
    group: str  # what the colour stands for: the claimant's country, or the outlet
    date: dt.date  # as-of date of the figure, else the claim date
    date_end: dt.date  # last day of the period the date stands for (its precision)
    value: float
    low: float | None
    high: float | None
    qualifier: str
    text: str


def timeline_points(release: Release, topic: str = MAIN_TOPIC) -> list[Point]:
    """Every quantity of every numeric claim of ``topic``, in date order."""
    entities = {e.id: e for e in release.entities}
    points = []
    for claim in release.claims:
        if claim.topic != topic or claim.kind != "numeric_estimate":
            continue
        who = entities[claim.claimant_id]
        for q in claim.quantities:
            when = q.as_of or claim.claim_date
            # (halves first: the sum of two large doubles can overflow)
            value = q.value if q.value is not None else (q.low if q.high is None else q.high if q.low is None else q.low / 2 + q.high / 2)
            points.append(Point(
                claim.id, claim.source_id, who.name, who.country or f"unattributed ({who.kind.replace('_', ' ')})",
                when.value, period_end(when.value, when.precision), float(value),
                None if q.low is None else float(q.low), None if q.high is None else float(q.high), q.qualifier, q.text,
            ))
    return sorted(points, key=lambda p: (p.date, p.value, p.claim_id))


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Text is drawn as written: a '$' in a name or a country is not matplotlib math to parse.
    plt.rcParams.update({"svg.hashsalt": "factset", "font.size": 9, "text.parse_math": False})
    return plt


DODGE_DAYS = 0.4  # sources side by side, so that equal estimates on one date stay visible


def plot_x(point: Point, sources: list[str]) -> float:
    """Where a point is drawn: its date (in matplotlib's day numbers), nudged by source."""
    import matplotlib.dates as mdates

    offset = (sources.index(point.source_id) - (len(sources) - 1) / 2) * DODGE_DAYS
    return float(mdates.date2num(point.date)) + offset


def timeline_figure(points: list[Point], topic: str = MAIN_TOPIC):
    plt = pyplot()
    import matplotlib.dates as mdates

    fig, ax = plt.subplots(figsize=(9, 4.8), dpi=100)
    groups = sorted({p.group for p in points})
    sources = sorted({p.source_id for p in points})
    colours = {g: plt.get_cmap("tab10")(i % 10) for i, g in enumerate(groups)}
    for p in points:
        x = plot_x(p, sources)
        xerr = [[0], [mdates.date2num(p.date_end) - mdates.date2num(p.date)]]
        y, low, high = (_drawable(v) for v in (p.value, p.low, p.high))
        yerr = [[y - low if low is not None else 0], [high - y if high is not None else 0]]
        ax.errorbar([x], [y], xerr=xerr, yerr=yerr, fmt="none", ecolor=colours[p.group], alpha=0.5, capsize=3, lw=1)
    for i, source in enumerate(sources):
        mine = [p for p in points if p.source_id == source]
        ax.scatter([plot_x(p, sources) for p in mine], [_drawable(p.value) for p in mine],
                   c=[colours[p.group] for p in mine], marker=MARKERS[i % len(MARKERS)], s=46,
                   edgecolors="black", linewidths=0.5, zorder=3, label=source, gid=f"points-{source}")
    ax.xaxis.set_major_formatter(_dates_formatter())
    _within_dates_matplotlib_draws(ax)
    ax.set_xlabel("as-of date of the figure (bar: date precision)")
    ax.set_ylabel("value (bars: low/high bounds the text gives)")
    ax.set_title(f"Estimates of '{topic}' by date, claimant's country and source")
    ax.grid(alpha=0.3)
    if points:
        colour_handles = [plt.Line2D([], [], marker="o", ls="", color=colours[g], label=g) for g in groups]
        ax.add_artist(ax.legend(handles=colour_handles, title="claimant", loc="upper left", fontsize=8))
        ax.legend(title="source (marker)", loc="lower right", fontsize=8)
    else:
        ax.text(0.5, 0.5, "no numeric estimates for this topic", transform=ax.transAxes, ha="center")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


# The largest magnitude drawn as it is: beyond, the axis arithmetic (span, margins, tick
# steps) overflows. A larger value is valid data; it is drawn at this edge (tables show it).
DRAWABLE = 1e300


def _drawable(value: float | None) -> float | None:
    return None if value is None else max(-DRAWABLE, min(DRAWABLE, value))


def _dates_formatter():
    """Tick labels as '23 Oct 2024'; none for the ticks a locator puts beyond the years
    0001-9999 (matplotlib formats every tick, even those outside the axis, and cannot
    name a day outside those years)."""
    import matplotlib.dates as mdates

    first, last = mdates.date2num(dt.date.min), mdates.date2num(dt.date.max)

    class Formatter(mdates.DateFormatter):
        def __call__(self, x, pos=0):
            return super().__call__(x, pos) if first <= x <= last else ""

    return Formatter("%d %b %Y")


def _within_dates_matplotlib_draws(ax) -> None:
    """Keep the x axis (margins included) within the years 0001-9999 matplotlib can label:
    a date at either end of that range is valid data and must still be drawn."""
    import matplotlib.dates as mdates

    first, last = mdates.date2num(dt.date.min), mdates.date2num(dt.date.max)
    low, high = ax.get_xlim()
    if low < first or high > last:
        ax.set_xlim(max(low, first), min(high, last))


def png_bytes(fig) -> bytes:
    """PNG without a timestamp or version stamp, so the same figure gives the same bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
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
