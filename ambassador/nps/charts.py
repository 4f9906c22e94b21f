"""The quarterly NPS trend: the chart's geometry computed from the scores.

This module only does arithmetic; `templates/nps/_chart.html` draws the SVG from
the `TrendChart` it returns, so every label is escaped by Jinja like any other text.
"""

import math
from dataclasses import dataclass, field

from flask_babel import gettext as _

from ambassador.i18n import format_number, format_signed
from ambassador.nps.rules import Score

WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 46, 14, 22, 52


@dataclass(frozen=True)
class Tick:
    """A horizontal grid line at `y` with its label (zero drawn stronger)."""

    y: float
    label: str
    zero: bool


@dataclass(frozen=True)
class Point:
    """One quarter: where its label goes and, when someone answered, its mark."""

    quarter: str
    x: float
    score: Score
    y: float | None = None       # the NPS
    top: float | None = None     # NPS + margin of error
    bottom: float | None = None  # NPS − margin of error
    sign: str = "zero"           # pos, neg or zero: the colour


@dataclass(frozen=True)
class TrendChart:
    """Everything the template needs to draw the chart, in SVG user units."""

    title: str
    summary: str
    ticks: list[Tick]
    points: list[Point]
    lines: list[str] = field(default_factory=list)   # polyline "x,y x,y" per run
    bands: list[str] = field(default_factory=list)   # polygon points per run
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    label_y: int = HEIGHT - BOTTOM + 20
    n_y: int = HEIGHT - BOTTOM + 36
    gap_y: float = 0.0        # where the "—" of an empty quarter sits (just above zero)
    empty_y: float = 0.0      # where "Nobody answered" sits when no quarter has answers
    center_x: float = 0.0

    @property
    def filled(self) -> bool:
        """Whether anybody answered in at least one quarter."""
        return any(p.y is not None for p in self.points)


def _axis(points: list[tuple[str, Score]]) -> tuple[int, int, int]:
    """(low, high, step) of the y axis: the values and their margins, zero, nice round ends."""
    values = [-10.0, 10.0]
    for _quarter, score in points:
        if score.n:
            values += [score.nps - score.moe, score.nps + score.moe]
    low = max(-100, math.floor(min(values) / 10) * 10)
    high = min(100, math.ceil(max(values) / 10) * 10)
    while high - low < 20:
        if high < 100:
            high += 10
        else:
            low -= 10
    span = high - low
    step = 10 if span <= 60 else 20 if span <= 120 else 50
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    return max(low, -100), min(high, 100), step


def _sign_class(value: float) -> str:
    return "pos" if value > 0 else "neg" if value < 0 else "zero"


def _runs(indexes: list[int]) -> list[list[int]]:
    """Split positions into runs of neighbours: an empty quarter breaks the line and band."""
    runs: list[list[int]] = []
    for i in indexes:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def trend_chart(points: list[tuple[str, Score]], title: str = "NPS by quarter") -> TrendChart:
    """The line chart's geometry: NPS per quarter, its 95 % margin, gaps where nobody answered."""
    low, high, step = _axis(points)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    band = plot_w / max(len(points), 1)

    def x(i: int) -> float:
        return round(LEFT + band * (i + 0.5), 1)

    def y(value: float) -> float:
        value = min(max(value, low), high)
        return round(TOP + plot_h * (high - value) / (high - low), 1)

    summary = "; ".join(
        _("%(quarter)s: NPS %(nps)s ± %(moe)s, n=%(n)s", quarter=q, nps=format_signed(s.nps),
          moe=format_number(s.moe, 1), n=format_number(s.n))
        if s.n else _("%(quarter)s: no answers", quarter=q)
        for q, s in points)
    ticks = [Tick(y(t), format_signed(t, 0), t == 0) for t in range(low, high + 1, step)]
    marks = []
    for i, (quarter, score) in enumerate(points):
        if not score.n:
            marks.append(Point(quarter, x(i), score))
            continue
        marks.append(Point(quarter, x(i), score, y=y(score.nps),
                           top=y(score.nps + score.moe), bottom=y(score.nps - score.moe),
                           sign=_sign_class(round(score.nps, 1))))
    lines, bands = [], []
    for run in _runs([i for i, mark in enumerate(marks) if mark.y is not None]):
        if len(run) > 1:
            upper = [f"{marks[i].x},{marks[i].top}" for i in run]
            lower = [f"{marks[i].x},{marks[i].bottom}" for i in run]
            bands.append(" ".join(upper + lower[::-1]))
            lines.append(" ".join(f"{marks[i].x},{marks[i].y}" for i in run))
    return TrendChart(title=title, summary=summary, ticks=ticks, points=marks,
                      lines=lines, bands=bands, gap_y=round(y(0) - 8, 1), empty_y=y(5),
                      center_x=round(LEFT + plot_w / 2, 1))
