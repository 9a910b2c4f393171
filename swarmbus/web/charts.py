"""Small line charts drawn on the server as inline SVG (no script, nothing fetched).

Each chart is a plot of one or two series over time with its extremes and
latest value written out as text, so nothing depends on colour alone, and an
`aria-label` that says the same for screen readers. Colours come from CSS
classes (light and dark themes); the SVG carries no inline style, so the
page's Content-Security-Policy can forbid inline styles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

WIDTH, HEIGHT = 640, 180  # the viewBox; the SVG scales to its container
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 28  # plot margins inside the viewBox


@dataclass(frozen=True)
class Series:
    """One line: its name (shown in the legend), a CSS class, and (time, value) points;
    None values leave a gap."""

    name: str
    css: str
    points: Sequence[tuple[datetime, float | None]]


def line_chart(title: str, series: Sequence[Series], unit: Callable[[float], str]) -> Markup:
    """An SVG line chart of `series`; `unit` writes a value (`42 ms`, `87 %`)."""
    values = [v for s in series for _, v in s.points if v is not None]
    times = [t for s in series for t, _ in s.points]
    if not values or not times:
        return Markup('<figure class="chart-box"><p class="empty">{}</p></figure>').format(
            f"{title}: no data yet"
        )
    low, high = min(0.0, min(values)), max(values) or 1.0
    start, end = min(times), max(times)
    span = (end - start).total_seconds() or 1.0

    def x(moment: datetime) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (moment - start).total_seconds() / span

    def y(value: float) -> float:
        return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * (value - low) / ((high - low) or 1.0)

    parts = [_frame(unit(low), unit(high), start, end)]
    parts += [_line(s, x, y) for s in series]
    label = f"{title}. " + " ".join(_summary(s, unit) for s in series)
    svg = Markup(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{label}">'
        "<title>{label}</title>{body}</svg>"
    ).format(w=WIDTH, h=HEIGHT, label=label, body=Markup("").join(parts))
    legend = Markup("").join(
        Markup('<li><span class="key {css}"></span>{text}</li>').format(
            css=s.css, text=_summary(s, unit)
        )
        for s in series
    )
    return Markup(
        '<figure class="chart-box">{svg}<ul class="legend">{legend}</ul></figure>'
    ).format(svg=svg, legend=legend)


def _frame(low: str, high: str, start: datetime, end: datetime) -> Markup:
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    return Markup(
        '<path class="axis" d="M{l} {t} V{b} H{r}"/>'
        '<text class="tick" x="{lx}" y="{ty}" text-anchor="end">{high}</text>'
        '<text class="tick" x="{lx}" y="{b}" text-anchor="end">{low}</text>'
        '<text class="tick" x="{l}" y="{by}">{start}</text>'
        '<text class="tick" x="{r}" y="{by}" text-anchor="end">{end}</text>'
    ).format(
        l=LEFT,
        t=TOP,
        b=bottom,
        r=right,
        lx=LEFT - 6,
        ty=TOP + 10,
        by=HEIGHT - 8,
        high=high,
        low=low,
        start=f"{start:%m-%d %H:%M}",
        end=f"{end:%m-%d %H:%M} UTC",
    )


def _line(series: Series, x: Callable[[datetime], float], y: Callable[[float], float]) -> Markup:
    """The series as polylines (broken at gaps) and a dot per point, each with its value."""
    runs: list[list[str]] = [[]]
    dots = []
    for moment, value in series.points:
        if value is None:
            runs.append([])
            continue
        runs[-1].append(f"{x(moment):.1f},{y(value):.1f}")
        dots.append(
            Markup(
                '<circle class="dot {css}" cx="{cx:.1f}" cy="{cy:.1f}" r="2.5">'
                "<title>{when}: {value:.1f}</title></circle>"
            ).format(
                css=series.css, cx=x(moment), cy=y(value), when=f"{moment:%m-%d %H:%M}", value=value
            )
        )
    lines = [
        Markup('<polyline class="line {css}" points="{points}"/>').format(
            css=series.css, points=" ".join(run)
        )
        for run in runs
        if len(run) > 1
    ]
    return Markup("").join([*lines, *dots])


def _summary(series: Series, unit: Callable[[float], str]) -> str:
    values = [v for _, v in series.points if v is not None]
    if not values:
        return f"{series.name}: no data"
    return (
        f"{series.name}: latest {unit(values[-1])}, lowest {unit(min(values))}, "
        f"highest {unit(max(values))}"
    )
