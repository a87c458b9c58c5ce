"""Small hand-written SVG charts, embedded in Dagster markdown metadata as data URIs.

No plotting library is installed; these draw exactly the two pictures the ML assets need (a
line chart with an optional band, a heatmap) and nothing more. The Dagster UI renders
``![alt](data:image/svg+xml;base64,...)`` in markdown metadata as an image.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
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
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for line in series.values() for v in line if v is not None]
    if band is not None:
        values += [v for v in (*band[0], *band[1]) if v is not None]
    ticks = _nice_ticks(min(values, default=0.0), max(values, default=1.0))
    y_min, y_max = ticks[0], ticks[-1]
    n = max(len(x_labels), 2)

    def x(i: float) -> float:
        return left + plot_w * i / (n - 1)

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - y_min) / ((y_max - y_min) or 1.0))

    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' {FONT} font-size='11'>",
        f"<rect width='{width}' height='{height}' fill='white'/>",
        f"<text x='{left}' y='20' font-size='13' font-weight='bold'>{escape(title)}</text>",
    ]
    for tick in ticks:
        parts.append(
            f"<line x1='{left}' x2='{width - right}' y1='{y(tick):.1f}' y2='{y(tick):.1f}' "
            "stroke='#e5e5e5'/>"
            f"<text x='{left - 6}' y='{y(tick) + 4:.1f}' text-anchor='end' fill='#555'>"
            f"{_label(tick)}</text>"
        )
    if y_label:
        parts.append(
            f"<text transform='translate(14 {top + plot_h / 2:.0f}) rotate(-90)' "
            f"text-anchor='middle' fill='#555'>{escape(y_label)}</text>"
        )
    every = max(1, math.ceil(len(x_labels) / 10))
    for i, label in enumerate(x_labels):
        if i % every == 0 or i == len(x_labels) - 1:
            parts.append(
                f"<text x='{x(i):.1f}' y='{top + plot_h + 16}' text-anchor='middle' "
                f"fill='#555'>{escape(label)}</text>"
            )
    if band is not None:
        upper = [(x(i), y(v)) for i, v in enumerate(band[1]) if v is not None]
        lower = [(x(i), y(v)) for i, v in enumerate(band[0]) if v is not None]
        if upper and lower:
            points = " ".join(f"{px:.1f},{py:.1f}" for px, py in [*upper, *reversed(lower)])
            parts.append(f"<polygon points='{points}' fill='{PALETTE[0]}' fill-opacity='0.15'/>")
    if marker_index is not None:
        parts.append(
            f"<line x1='{x(marker_index):.1f}' x2='{x(marker_index):.1f}' y1='{top}' "
            f"y2='{top + plot_h}' stroke='#888' stroke-dasharray='4 3'/>"
        )
    for colour, line in zip(PALETTE, series.values(), strict=False):
        segment: list[str] = []
        segments = []
        for i, value in enumerate(line):
            if value is None or not math.isfinite(value):
                if segment:
                    segments.append(segment)
                segment = []
            else:
                segment.append(f"{x(i):.1f},{y(value):.1f}")
        if segment:
            segments.append(segment)
        for points in segments:
            parts.append(
                f"<polyline points='{' '.join(points)}' fill='none' stroke='{colour}' "
                "stroke-width='1.8'/>"
            )
    legend = [*series, *([band_label] if band is not None and band_label else [])]
    lx, ly = float(left), height - 14
    for i, name in enumerate(legend):
        if i < len(series):
            mark = (
                f"<line x1='{lx:.1f}' x2='{lx + 18:.1f}' y1='{ly - 4}' y2='{ly - 4}' "
                f"stroke='{PALETTE[i % len(PALETTE)]}' stroke-width='2.5'/>"
            )
        else:
            mark = (
                f"<rect x='{lx:.1f}' y='{ly - 10}' width='18' height='10' "
                f"fill='{PALETTE[0]}' fill-opacity='0.15'/>"
            )
        parts.append(mark + f"<text x='{lx + 24:.1f}' y='{ly}'>{escape(name)}</text>")
        lx += 24 + 6.5 * len(name) + 20  # about 6.5 px per character at 11 px
    parts.append("</svg>")
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
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' {FONT} font-size='11'>",
        f"<rect width='{width}' height='{height}' fill='white'/>",
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
