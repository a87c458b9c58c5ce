"""Small hand-written SVG charts, embedded in Dagster markdown metadata as data URIs.

No plotting library is installed; these draw exactly the two pictures the ML assets need (a
line chart with an optional band, a heatmap) and nothing more. The Dagster UI renders
``![alt](data:image/svg+xml;base64,...)`` in markdown metadata as an image.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

# Colour-blind-safe (Okabe-Ito) series colours.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
FONT = "font-family='Helvetica, Arial, sans-serif'"


def markdown_image(svg: str, alt: str) -> str:
    """Markdown that shows ``svg`` as an image (a base64 data URI)."""
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f"![{alt}](data:image/svg+xml;base64,{encoded})"


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]."""
    if not math.isfinite(low) or not math.isfinite(high):
        return [0.0, 1.0]
    if high <= low:
        high = low + 1.0
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value <= high + step * 0.5:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _label(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


@dataclass(frozen=True)
class _PlotArea:
    """Where the plot area sits in the picture, and how x positions and values map into it."""

    left: int
    top: int
    width: int
    height: int
    points: int  # x positions across the width, at least 2
    y_min: float
    y_max: float

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height

    def x(self, i: float) -> float:
        return self.left + self.width * i / (self.points - 1)

    def y(self, v: float) -> float:
        return self.top + self.height * (1 - (v - self.y_min) / ((self.y_max - self.y_min) or 1.0))


def value_range(
    series: Mapping[str, Sequence[float | None]],
    band: tuple[Sequence[float | None], Sequence[float | None]] | None,
) -> tuple[float, float]:
    """The lowest and highest value the y axis must show: every line and the band, gaps
    ignored; (0, 1) when there is nothing to show."""
    values = [v for line in series.values() for v in line if v is not None]
    if band is not None:
        values += [v for v in (*band[0], *band[1]) if v is not None]
    return min(values, default=0.0), max(values, default=1.0)


def labelled_positions(count: int, most: int = 10) -> list[int]:
    """Which of ``count`` x positions get a label: about ``most`` evenly spaced, and the last."""
    every = max(1, math.ceil(count / most))
    return [i for i in range(count) if i % every == 0 or i == count - 1]


def unbroken_runs(line: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """The runs of consecutive drawable values, as (position, value); ``None`` and non-finite
    values are gaps between runs."""
    runs: list[list[tuple[int, float]]] = []
    run: list[tuple[int, float]] = []
    for i, value in enumerate(line):
        if value is None or not math.isfinite(value):
            if run:
                runs.append(run)
            run = []
        else:
            run.append((i, value))
    if run:
        runs.append(run)
    return runs


def _svg_start(width: int, height: int) -> list[str]:
    return [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' {FONT} font-size='11'>",
        f"<rect width='{width}' height='{height}' fill='white'/>",
    ]


def _y_axis(area: _PlotArea, ticks: Sequence[float], y_label: str) -> list[str]:
    """A grid line and a label per tick, and the axis title written upwards."""
    parts = [
        f"<line x1='{area.left}' x2='{area.right}' y1='{area.y(tick):.1f}' "
        f"y2='{area.y(tick):.1f}' stroke='#e5e5e5'/>"
        f"<text x='{area.left - 6}' y='{area.y(tick) + 4:.1f}' text-anchor='end' fill='#555'>"
        f"{_label(tick)}</text>"
        for tick in ticks
    ]
    if y_label:
        parts.append(
            f"<text transform='translate(14 {area.top + area.height / 2:.0f}) rotate(-90)' "
            f"text-anchor='middle' fill='#555'>{escape(y_label)}</text>"
        )
    return parts


def _x_axis(area: _PlotArea, x_labels: Sequence[str]) -> list[str]:
    return [
        f"<text x='{area.x(i):.1f}' y='{area.bottom + 16}' text-anchor='middle' "
        f"fill='#555'>{escape(x_labels[i])}</text>"
        for i in labelled_positions(len(x_labels))
    ]


def _band_shape(
    area: _PlotArea, band: tuple[Sequence[float | None], Sequence[float | None]]
) -> list[str]:
    """The area between the band's lower and upper lines, shaded; nothing if either is empty."""
    upper = [(area.x(i), area.y(v)) for i, v in enumerate(band[1]) if v is not None]
    lower = [(area.x(i), area.y(v)) for i, v in enumerate(band[0]) if v is not None]
    if not (upper and lower):
        return []
    points = " ".join(f"{px:.1f},{py:.1f}" for px, py in [*upper, *reversed(lower)])
    return [f"<polygon points='{points}' fill='{PALETTE[0]}' fill-opacity='0.15'/>"]


def _marker(area: _PlotArea, index: int) -> str:
    return (
        f"<line x1='{area.x(index):.1f}' x2='{area.x(index):.1f}' y1='{area.top}' "
        f"y2='{area.bottom}' stroke='#888' stroke-dasharray='4 3'/>"
    )


def _lines(area: _PlotArea, series: Mapping[str, Sequence[float | None]]) -> list[str]:
    """One polyline per unbroken run of each series, in the palette's colours."""
    return [
        f"<polyline points='{' '.join(f'{area.x(i):.1f},{area.y(v):.1f}' for i, v in run)}' "
        f"fill='none' stroke='{colour}' stroke-width='1.8'/>"
        for colour, line in zip(PALETTE, series.values(), strict=False)
        for run in unbroken_runs(line)
    ]


def _legend(names: Sequence[str], band_label: str, left: float, baseline: int) -> list[str]:
    """A row of entries: a coloured stroke per series name, then a shaded box for the band."""
    entries = [*((name, False) for name in names), *([(band_label, True)] if band_label else [])]
    parts = []
    lx, ly = left, baseline
    for i, (name, is_band) in enumerate(entries):
        if is_band:
            mark = (
                f"<rect x='{lx:.1f}' y='{ly - 10}' width='18' height='10' "
                f"fill='{PALETTE[0]}' fill-opacity='0.15'/>"
            )
        else:
            mark = (
                f"<line x1='{lx:.1f}' x2='{lx + 18:.1f}' y1='{ly - 4}' y2='{ly - 4}' "
                f"stroke='{PALETTE[i % len(PALETTE)]}' stroke-width='2.5'/>"
            )
        parts.append(mark + f"<text x='{lx + 24:.1f}' y='{ly}'>{escape(name)}</text>")
        lx += 24 + 6.5 * len(name) + 20  # about 6.5 px per character at 11 px
    return parts


def line_chart(
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    title: str,
    y_label: str = "",
    band: tuple[Sequence[float | None], Sequence[float | None]] | None = None,
    band_label: str = "",
    marker_index: int | None = None,
    width: int = 760,
    height: int = 320,
) -> str:
    """Lines over a shared x axis; ``None`` leaves a gap. ``band`` shades between two lines,
    ``marker_index`` draws a dashed vertical line (e.g. where the forecast starts)."""
    left, right, top, bottom = 64, 16, 36, 64
    ticks = _nice_ticks(*value_range(series, band))
    area = _PlotArea(
        left=left,
        top=top,
        width=width - left - right,
        height=height - top - bottom,
        points=max(len(x_labels), 2),
        y_min=ticks[0],
        y_max=ticks[-1],
    )
    parts = [
        *_svg_start(width, height),
        f"<text x='{left}' y='20' font-size='13' font-weight='bold'>{escape(title)}</text>",
        *_y_axis(area, ticks, y_label),
        *_x_axis(area, x_labels),
        *(_band_shape(area, band) if band is not None else []),
        *([_marker(area, marker_index)] if marker_index is not None else []),
        *_lines(area, series),
        *_legend(list(series), band_label if band is not None else "", left, height - 14),
        "</svg>",
    ]
    return "".join(parts)


def _diverging(value: float, limit: float) -> str:
    """Blue for below average, orange for above, white at the average."""
    if not math.isfinite(value):
        return "#f2f2f2"
    t = max(-1.0, min(1.0, value / limit))
    base = (0, 114, 178) if t < 0 else (230, 159, 0)
    mix = [round(255 + (c - 255) * abs(t)) for c in base]
    return "#{:02x}{:02x}{:02x}".format(*mix)


def heatmap(
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    values: Sequence[Sequence[float]],
    cell_text: Sequence[Sequence[str]],
    title: str,
    limit: float = 2.0,
    note: str = "",
) -> str:
    """A table of coloured cells: ``values`` pick the colour (within +-``limit``), ``cell_text``
    is written in each cell."""
    label_w, cell_w, cell_h, header_h, top = 250, 78, 26, 92, 30
    # Room on the right for the last header, which is drawn rotated up and to the right.
    width = label_w + cell_w * len(column_labels) + 110
    height = top + header_h + cell_h * len(row_labels) + (28 if note else 10)
    parts = [
        *_svg_start(width, height),
        f"<text x='8' y='20' font-size='13' font-weight='bold'>{escape(title)}</text>",
    ]
    for j, label in enumerate(column_labels):
        cx = label_w + cell_w * j + cell_w / 2
        parts.append(
            f"<text transform='translate({cx:.1f} {top + header_h - 6}) rotate(-40)' "
            f"fill='#333'>{escape(label)}</text>"
        )
    for i, label in enumerate(row_labels):
        cy = top + header_h + cell_h * i
        parts.append(
            f"<text x='{label_w - 8}' y='{cy + cell_h / 2 + 4:.1f}' text-anchor='end' "
            f"fill='#333'>{escape(label)}</text>"
        )
        for j in range(len(column_labels)):
            cx = label_w + cell_w * j
            parts.append(
                f"<rect x='{cx}' y='{cy}' width='{cell_w - 2}' height='{cell_h - 2}' "
                f"fill='{_diverging(values[i][j], limit)}'/>"
                f"<text x='{cx + cell_w / 2 - 1:.1f}' y='{cy + cell_h / 2 + 3:.1f}' "
                f"text-anchor='middle' fill='#111'>{escape(cell_text[i][j])}</text>"
            )
    if note:
        parts.append(f"<text x='8' y='{height - 10}' fill='#555'>{escape(note)}</text>")
    parts.append("</svg>")
    return "".join(parts)
