"""Charts as inline SVG, made in Python so the report needs no script library and no network.

Every chart is an ``<svg role="img">`` with a ``<title>`` and ``<desc>`` (named by ``aria-labelledby``) and an
``aria-label``; every mark carries its value as visible text, as a tooltip (``<title>``) and as a
``data-value`` attribute. All text passes through ``escape``: a title from a source cannot inject markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

from reports.formatting import count, euro_short, plain_amount

Number = Decimal | int
# Okabe–Ito: distinguishable with the common colour-vision deficiencies
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
WIDTH = 760
FONT = 12


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Number]


def _attr(value: object) -> str:
    return str(escape(str(value)))


def _plain(value: Number) -> str:
    return str(value) if isinstance(value, int) else plain_amount(value)


def _svg(chart_id: str, title: str, desc: str, height: float, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{_attr(chart_id)}" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-label="{_attr(title)}" aria-labelledby="{_attr(chart_id)}-title {_attr(chart_id)}-desc">'
        f'<title id="{_attr(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{_attr(chart_id)}-desc">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _text(
    x: float, y: float, content: str, anchor: str = "start", css: str = "label", size: float = FONT
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{css}" font-size="{size:g}">'
        f"{escape(content)}</text>"
    )


def _legend(series: Sequence[Series], y: float) -> list[str]:
    parts, x = [], 10.0
    for index, s in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{colour}"/>')
        parts.append(_text(x + 16, y, s.name))
        x += 28 + 7 * len(s.name)
    return parts


def _ticks(values: Sequence[Number]) -> list[Number]:
    """Five round axis values from 0 up to at least the peak: whole numbers for counts, else up to 1, 2,
    2.5 or 5 times a power of ten."""
    peak = max(values, default=0)
    if all(isinstance(v, int) for v in values):
        top = max(4, -(-int(peak) // 4) * 4)
        return [top * i // 4 for i in range(5)]
    power = Decimal(10) ** (len(str(int(peak))) - 1) if peak > 0 else Decimal(1)
    top = next(step * power for step in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
               if peak <= step * power)  # fmt: skip
    return [top * i / 4 for i in range(5)]


def _grid(
    ticks: list[Number], top: float, plot_h: float, left: float, right: float, label: Callable[[Number], str]
) -> list[str]:
    scale = plot_h / float(ticks[-1])
    lines = []
    for tick in ticks:
        y = top + plot_h - float(tick) * scale
        lines.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        lines.append(_text(left - 6, y + 4, label(tick), "end", "axis"))
    return lines


def stacked_bars(
    chart_id: str,
    title: str,
    desc: str,
    categories: Sequence[str],
    series: Sequence[Series],
    label: Callable[[Number], str] = euro_short,
) -> Markup:
    """Vertical bars, one per category, stacked by series; the total above each bar."""
    top, bottom, left, right = 44.0, 30.0, 80.0, 10.0
    height = 320.0
    plot_h, plot_w = height - top - bottom, WIDTH - left - right
    totals = [sum((s.values[i] for s in series), start=0) for i in range(len(categories))]
    ticks = _ticks(totals)
    scale = plot_h / float(ticks[-1])
    body = [*_legend(series, 16), *_grid(ticks, top, plot_h, left, right, label)]
    band = plot_w / max(len(categories), 1)
    bar_w = min(band * 0.7, 60)
    value_size = FONT if band >= 70 else 10
    for i, category in enumerate(categories):
        x = left + band * i + (band - bar_w) / 2
        y = top + plot_h
        body.append(f'<g class="bar" data-category="{_attr(category)}" data-total="{_plain(totals[i])}">')
        for index, s in enumerate(series):
            value = s.values[i]
            if not value:
                continue
            h = float(value) * scale
            y -= h
            tip = f"{category} – {s.name}: {label(value)}"
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[index % len(PALETTE)]}" data-series="{_attr(s.name)}" '
                f'data-value="{_plain(value)}"><title>{escape(tip)}</title></rect>'
            )
        body.append(_text(x + bar_w / 2, y - 4, label(totals[i]), "middle", "value", value_size))
        body.append(_text(x + bar_w / 2, top + plot_h + 18, category, "middle", "axis"))
        body.append("</g>")
    return _svg(chart_id, title, desc, height, body)


def _shorten(name: str, limit: int = 32) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def horizontal_bars(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    label: Callable[[Number], str] = count,
) -> Markup:
    """One bar per label (in the order given), stacked by series when there are several; the total after
    each bar, the full name and every part as tooltip."""
    row, left, right = 24.0, 300.0, 90.0
    top = 34.0 if len(series) > 1 else 10.0
    height = top + row * len(labels) + 10
    totals = [sum((s.values[i] for s in series), start=0) for i in range(len(labels))]
    scale = (WIDTH - left - right) / float(max(totals, default=0) or 1)
    body = _legend(series, 16) if len(series) > 1 else []
    for i, name in enumerate(labels):
        y = top + row * i
        parts = "; ".join(f"{s.name}: {label(s.values[i])}" for s in series)
        body.append(
            f'<g class="bar" data-category="{_attr(name)}" data-total="{_plain(totals[i])}">'
            f"<title>{escape(f'{name} – {parts}')}</title>"
        )
        body.append(_text(left - 8, y + row * 0.65, _shorten(name), "end", "axis"))
        x = left
        for index, s in enumerate(series):
            value = s.values[i]
            if not value:
                continue
            w = max(float(value) * scale, 1.0)
            body.append(
                f'<rect x="{x:.1f}" y="{y + 3:.1f}" width="{w:.1f}" height="{row - 6:.1f}" '
                f'fill="{PALETTE[index % len(PALETTE)]}" data-series="{_attr(s.name)}" '
                f'data-value="{_plain(value)}"/>'
            )
            x += w
        body.append(_text(x + 6, y + row * 0.65, label(totals[i]), "start", "value"))
        body.append("</g>")
    return _svg(chart_id, title, desc, height, body)


def heat_map(
    chart_id: str,
    title: str,
    desc: str,
    rows: Sequence[str],
    columns: Sequence[str],
    values: dict[tuple[str, str], int],
) -> Markup:
    """rows × columns cells shaded by value; a cell of 0 is drawn hatched and labelled as a gap."""
    top, left, right, cell_h = 24.0, 190.0, 10.0, 24.0
    height = top + cell_h * len(rows) + 10
    cell_w = (WIDTH - left - right) / max(len(columns), 1)
    peak = max(values.values(), default=0) or 1
    body = [
        "<defs>"
        f'<pattern id="{_attr(chart_id)}-gap" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#bbb" stroke-width="2"/></pattern>'
        "</defs>"
    ]
    for j, column in enumerate(columns):
        body.append(_text(left + cell_w * (j + 0.5), top - 8, column, "middle", "axis"))
    for i, row_name in enumerate(rows):
        y = top + cell_h * i
        body.append(_text(left - 8, y + cell_h * 0.65, _shorten(row_name, 28), "end", "axis"))
        for j, column in enumerate(columns):
            value = values.get((row_name, column), 0)
            x = left + cell_w * j
            gap = value == 0
            fill = f"url(#{_attr(chart_id)}-gap)" if gap else _shade(value / peak)
            tip = f"{row_name}, {column}: " + ("geen project (lacune / gap)" if gap else f"{value} projecten")
            body.append(
                f'<g class="cell{" gap" if gap else ""}" data-row="{_attr(row_name)}" '
                f'data-column="{_attr(column)}" data-value="{value}"><title>{escape(tip)}</title>'
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell_w - 2:.1f}" height="{cell_h - 2:.1f}" '
                f'fill="{fill}"/>'
            )
            css = "value light" if value / peak > 0.55 else "value"
            body.append(
                _text(x + (cell_w - 2) / 2, y + cell_h * 0.62, "–" if gap else str(value), "middle", css)
            )
            body.append("</g>")
    return _svg(chart_id, title, desc, height, body)


def _shade(share: float) -> str:
    """From light to dark blue as the share of the peak grows."""
    light, dark = (222, 235, 247), (8, 69, 148)
    rgb = (round(a + (b - a) * share) for a, b in zip(light, dark, strict=True))
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def line_chart(
    chart_id: str,
    title: str,
    desc: str,
    categories: Sequence[str],
    series: Sequence[Series],
    label: Callable[[Number], str] = euro_short,
) -> Markup:
    """One line per series over the categories (years), each point labelled with its value."""
    top, bottom, left, right = 44.0, 44.0, 80.0, 40.0
    height = 320.0
    plot_h, plot_w = height - top - bottom, WIDTH - left - right
    ticks = _ticks([v for s in series for v in s.values])
    scale = plot_h / float(ticks[-1])
    step = plot_w / max(len(categories) - 1, 1)
    body = [*_legend(series, 16), *_grid(ticks, top, plot_h, left, right, label)]
    for i, category in enumerate(categories):
        body.append(_text(left + step * i, top + plot_h + 32, category, "middle", "axis"))
    for index, s in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        points = [(left + step * i, top + plot_h - float(v) * scale) for i, v in enumerate(s.values)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<g class="line" data-series="{_attr(s.name)}">')
        body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for i, ((x, y), category, value) in enumerate(zip(points, categories, s.values, strict=True)):
            tip = f"{category} – {s.name}: {label(value)}"
            others = [other.values[i] for other in series if other is not s]
            highest = all(value > v or (value == v and index == 0) for v in others)
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}" data-category="{_attr(category)}" '
                f'data-value="{_plain(value)}"><title>{escape(tip)}</title></circle>'
            )
            body.append(_text(x, y - 8 if highest else y + 16, label(value), "middle", "value", 10))
        body.append("</g>")
    return _svg(chart_id, title, desc, height, body)
