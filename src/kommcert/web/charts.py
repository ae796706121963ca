"""Charts as server-rendered SVG: no script (the CSP allows none inline), no style attributes
(classes from kommcert.css), text in the page's language. Each chart is an image with a title and
a description for screen readers; the page puts the same numbers in a table behind it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    href: str | None = None


def _nice_max(value: int) -> int:
    """A round upper end for the axis (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= value:
                return m * step
        step *= 10


def bar_chart(bars: Sequence[Bar], *, title: str, description: str, ident: str, width: int = 720) -> Markup:
    """Horizontal bars, in the given order (the caller sorts), a label left, the value right."""
    row, label_w, value_w = 26, 220, 70
    height = row * len(bars) + 10
    top = _nice_max(max((b.value for b in bars), default=0))
    plot = width - label_w - value_w
    # A picture with links inside is a group, not an image: an image's content is hidden from
    # assistive technology, so its links would be focusable but unnamed (axe: nested-interactive).
    role = "group" if any(b.href for b in bars) else "img"
    parts = [Markup('<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="{r}" '
                    'aria-labelledby="{i}-t {i}-d" xmlns="http://www.w3.org/2000/svg">').format(
        w=width, h=height, i=ident, r=role),
        Markup('<title id="{}-t">{}</title><desc id="{}-d">{}</desc>').format(ident, title, ident, description)]
    for n, b in enumerate(bars):
        y = 5 + n * row
        length = round(plot * b.value / top) if b.value else 0
        label = b.label if len(b.label) <= 30 else b.label[:29] + "…"
        text = Markup('<text x="{x}" y="{y}" text-anchor="end">{t}</text>').format(
            x=label_w - 8, y=y + 17, t=label)
        if b.href:
            text = Markup('<a href="{}">{}</a>').format(b.href, text)
        parts += [text, Markup('<rect class="bar" x="{x}" y="{y}" width="{w}" height="{h}"/>').format(
            x=label_w, y=y + 3, w=max(length, 1 if b.value else 0), h=row - 8),
            Markup('<text x="{x}" y="{y}">{v}</text>').format(x=label_w + length + 6, y=y + 17, v=b.value)]
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def time_chart(points: Sequence[tuple[date, int]], *, title: str, description: str, ident: str,
               width: int = 720, height: int = 200) -> Markup:
    """One column per day; the axis names the first, middle and last day and the top value."""
    left, bottom, top_pad = 48, 24, 10
    plot_w, plot_h = width - left - 8, height - bottom - top_pad
    top = _nice_max(max((v for _, v in points), default=0))
    n = max(len(points), 1)
    col = plot_w / n
    parts = [Markup('<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
                    'aria-labelledby="{i}-t {i}-d" xmlns="http://www.w3.org/2000/svg">').format(
        w=width, h=height, i=ident),
        Markup('<title id="{}-t">{}</title><desc id="{}-d">{}</desc>').format(ident, title, ident, description),
        Markup('<line class="grid-line" x1="{l}" y1="{t}" x2="{r}" y2="{t}"/>').format(
            l=left, t=top_pad, r=width - 8),
        Markup('<text x="{x}" y="{y}" text-anchor="end">{v}</text>').format(x=left - 6, y=top_pad + 4, v=top),
        Markup('<text x="{x}" y="{y}" text-anchor="end">0</text>').format(x=left - 6, y=top_pad + plot_h + 4),
        Markup('<line class="axis" x1="{l}" y1="{b}" x2="{r}" y2="{b}"/>').format(
            l=left, b=top_pad + plot_h, r=width - 8)]
    for k, (day, value) in enumerate(points):
        h = round(plot_h * value / top) if value else 0
        x = left + k * col
        parts.append(Markup('<rect class="bar" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{h}">'
                            '<title>{d}: {v}</title></rect>').format(
            x=x + 1, y=top_pad + plot_h - h, w=max(col - 2, 1), h=h, d=day.strftime("%d.%m.%Y"), v=value))
    for k in sorted({0, (len(points) - 1) // 2, len(points) - 1}):
        if 0 <= k < len(points):
            anchor = "start" if k == 0 else "end" if k == len(points) - 1 else "middle"
            x = left + k * col + (0 if anchor == "start" else col if anchor == "end" else col / 2)
            parts.append(Markup('<text x="{x:.1f}" y="{y}" text-anchor="{a}">{d}</text>').format(
                x=x, y=height - 6, a=anchor, d=points[k][0].strftime("%d.%m.")))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


__all__ = ["Bar", "bar_chart", "time_chart"]
