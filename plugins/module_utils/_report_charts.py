# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Horizontal bar charts as inline SVG for the HTML reports (no scripts, no external assets).

A chart is drawn in GiB (or any unit the caller names) with a grid, tick
labels, stacked segments with tooltips, dashed marker lines and a legend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

COLORS = {
    "weights": "#4e79a7",
    "kv": "#f28e2b",
    "graph": "#e15759",
    "overhead": "#76b7b2",
    "vram": "#59a14f",
    "ram": "#edc948",
    "over": "#d62728",
    "line": "#222222",
}


# Models get colours the component charts do not use.
MODEL_PALETTE = ("#9467bd", "#8c564b", "#bcbd22", "#17becf", "#e377c2", "#7f7f7f", "#2ca02c", "#1f3b73")


def figure(value: float) -> str:
    """A figure without a needless decimal: 12 stays 12, 12.34 reads 12.3."""
    return f"{value:g}" if float(value) == int(value) else f"{value:.1f}"


def hbar_chart(
    title: str,
    rows: Sequence[tuple[str, Sequence[tuple[float, str, str]]]],
    lines: Sequence[tuple[float, str, str]] = (),
    unit: str = "GiB",
    legend: Sequence[tuple[str, str]] = (),
    width: int = 1100,
) -> str:
    """Horizontal stacked bars. rows: (label, [(value, color, tooltip)]); lines: (value, label, color)."""
    label_w, right_pad, bar_h, gap, top = 230, 60, 22, 10, 58
    # Legend entries flow left to right and wrap at the chart's width.
    legend_pos = []
    lx, ly = 10.0, 0
    for name, _color in legend:
        item_w = 26 + 7.0 * len(name)
        if lx + item_w > width - 10 and lx > 10:
            lx, ly = 10.0, ly + 18
        legend_pos.append((lx, ly))
        lx += item_w
    legend_h = (ly + 24) if legend else 0
    axis_y = top + len(rows) * (bar_h + gap)
    height = axis_y + 26 + legend_h
    plot_w = width - label_w - right_pad
    scale_max = max([sum(seg[0] for seg in segs) for _label, segs in rows] + [line[0] for line in lines] + [1e-9])
    scale_max *= 1.05

    def x(value: float) -> float:
        return label_w + plot_w * value / scale_max

    parts = svg_frame(title, width, height, label_w, top, axis_y, scale_max, unit, x, figure)
    for index, (label, segs) in enumerate(rows):
        y = top + index * (bar_h + gap)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar_h * 0.7:.1f}" class="label" text-anchor="end">{escape(label)}</text>'
        )
        start = 0.0
        for value, color, tip in segs:
            if value <= 0:
                continue
            parts.append(
                f'<rect x="{x(start):.1f}" y="{y}" width="{max(x(start + value) - x(start), 0.5):.1f}" '
                f'height="{bar_h}" fill="{color}"><title>{escape(tip)}</title></rect>'
            )
            start += value
        parts.append(
            f'<text x="{x(start) + 4:.1f}" y="{y + bar_h * 0.7:.1f}" class="value">{figure(round(start, 1))}</text>'
        )
    parts.extend(svg_markers(lines, x, width - right_pad, top, axis_y))
    for (name, color), (lx, ly) in zip(legend, legend_pos, strict=True):
        base = axis_y + 40 + ly
        parts.append(
            f'<rect x="{lx:.1f}" y="{base - 10}" width="12" height="12" fill="{color}"/>'
            f'<text x="{lx + 16:.1f}" y="{base}" class="legend">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def svg_frame(
    title: str,
    width: int,
    height: float,
    label_w: int,
    top: int,
    axis_y: float,
    scale_max: float,
    unit: str,
    x: Callable[[float], float],
    tick_text: Callable[[float], str],
) -> list[str]:
    """Open a chart: the svg element, its title, the vertical grid with tick labels and the unit."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f'<text x="10" y="22" class="title">{escape(title)}</text>',
    ]
    step = nice_step(scale_max)
    tick = 0.0
    while tick <= scale_max:
        parts.append(
            f'<line x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" y2="{axis_y}" class="grid"/>'
            f'<text x="{x(tick):.1f}" y="{axis_y + 14}" class="tick" text-anchor="middle">{tick_text(tick)}</text>'
        )
        tick += step
    parts.append(f'<text x="{label_w - 8}" y="{axis_y + 14}" class="tick" text-anchor="end">{escape(unit)}</text>')
    return parts


def svg_markers(
    lines: Sequence[tuple[float, str, str]],
    x: Callable[[float], float],
    right_edge: float,
    top: int,
    axis_y: float,
) -> list[str]:
    """Dashed vertical marker lines (value, label, color) with their labels, alternating in height."""
    parts = []
    for index, (value, label, color) in enumerate(lines):
        lx = x(value)
        # Labels near the right edge go to the left of their line.
        anchor, dx = ("end", -4) if lx > right_edge - 90 else ("start", 4)
        parts.append(
            f'<line x1="{lx:.1f}" y1="{top - 10}" x2="{lx:.1f}" y2="{axis_y}" stroke="{color}" '
            f'stroke-width="2" stroke-dasharray="6 3"/>'
            f'<text x="{lx + dx:.1f}" y="{top - 14 - 12 * (index % 2)}" class="marker" fill="{color}" '
            f'text-anchor="{anchor}">{escape(label)}</text>'
        )
    return parts


def nice_step(maximum: float) -> float:
    raw = maximum / 8
    magnitude = 10 ** int(f"{raw:e}".split("e")[1])
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return float(factor * magnitude)
    return float(10 * magnitude)
