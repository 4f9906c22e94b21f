"""The quarterly NPS trend as inline SVG, drawn on the server from numbers and escaped labels."""

import math

from markupsafe import Markup, escape

from ambassador.nps.rules import Score

WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 46, 14, 22, 52


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


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def trend_chart(points: list[tuple[str, Score]], title: str = "NPS by quarter") -> Markup:
    """An SVG line chart: NPS per quarter, its 95 % margin of error, gaps where nobody answered."""
    low, high, step = _axis(points)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    band = plot_w / max(len(points), 1)

    def x(i: int) -> float:
        return LEFT + band * (i + 0.5)

    def y(value: float) -> float:
        value = min(max(value, low), high)
        return TOP + plot_h * (high - value) / (high - low)

    summary = "; ".join(
        f"{q}: NPS {_fmt(s.nps)} ± {_fmt(s.moe)}, n={s.n}" if s.n else f"{q}: no answers"
        for q, s in points)
    out = [
        f'<svg class="trend-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="trend-title trend-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="trend-title">{escape(title)}</title>',
        f'<desc id="trend-desc">{escape(summary)}</desc>',
    ]
    for tick in range(low, high + 1, step):
        cls = "grid zero" if tick == 0 else "grid"
        out.append(f'<line class="{cls}" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
                   f'y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>')
        tick_label = f"{tick:+d}" if tick else "0"
        out.append(f'<text class="axis-y" x="{LEFT - 8}" y="{y(tick) + 4:.1f}" '
                   f'text-anchor="end">{tick_label}</text>')

    filled = [i for i, (_q, s) in enumerate(points) if s.n]
    if not filled:
        out.append(f'<text class="empty-label" x="{LEFT + plot_w / 2:.1f}" '
                   f'y="{y(5):.1f}" text-anchor="middle">'
                   f'Nobody answered in these quarters</text>')
    for run in _runs(filled):
        upper = [f"{x(i):.1f},{y(points[i][1].nps + points[i][1].moe):.1f}" for i in run]
        lower = [f"{x(i):.1f},{y(points[i][1].nps - points[i][1].moe):.1f}" for i in run]
        if len(run) > 1:
            out.append(f'<polygon class="moe-band" points="{" ".join(upper + lower[::-1])}"/>')
            line = " ".join(f"{x(i):.1f},{y(points[i][1].nps):.1f}" for i in run)
            out.append(f'<polyline class="nps-line" points="{line}"/>')

    for i, (quarter, score) in enumerate(points):
        label = escape(quarter)
        out.append(f'<text class="axis-x" x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 20}" '
                   f'text-anchor="middle">{label}</text>')
        if not score.n:
            out.append(f'<text class="axis-n" x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 36}" '
                       f'text-anchor="middle">no answers</text>')
            if filled:
                out.append(f'<text class="gap-label" x="{x(i):.1f}" y="{y(0) - 8:.1f}" '
                           f'text-anchor="middle">—</text>')
            continue
        top, bottom = y(score.nps + score.moe), y(score.nps - score.moe)
        cy, cls = y(score.nps), _sign_class(round(score.nps, 1))
        small = " small-sample" if score.small_sample else ""
        tip = (f"{quarter}: NPS {_fmt(score.nps)} ± {_fmt(score.moe)} (n={score.n}"
               f"{', small sample' if score.small_sample else ''})")
        out.append(f'<g class="point {cls}{small}"><title>{escape(tip)}</title>')
        out.append(f'<line class="whisker" x1="{x(i):.1f}" x2="{x(i):.1f}" '
                   f'y1="{top:.1f}" y2="{bottom:.1f}"/>')
        for end in (top, bottom):
            out.append(f'<line class="whisker" x1="{x(i) - 5:.1f}" x2="{x(i) + 5:.1f}" '
                       f'y1="{end:.1f}" y2="{end:.1f}"/>')
        out.append(f'<circle cx="{x(i):.1f}" cy="{cy:.1f}" r="5"/>')
        out.append(f'<text class="value" x="{x(i):.1f}" y="{top - 7:.1f}" '
                   f'text-anchor="middle">{_fmt(score.nps)}</text>')
        out.append(f'<text class="axis-n" x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 36}" '
                   f'text-anchor="middle">n={score.n:,}</text></g>')
    out.append("</svg>")
    return Markup("\n".join(out))
