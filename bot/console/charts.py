"""Hand-sized server-side SVG charts: stacked bars, plain bars and a line, with a legend and
a title for screen readers. No JavaScript, no network; a chart is a few kilobytes.

Chosen over pygal after measuring (BENCHMARKS.md, console section): these templates render in
well under a millisecond and add no dependency."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 10, 50  # margins around the plot
PALETTE = ("#3b6fb6", "#e0893a", "#4f9d69", "#c44e52", "#8172b2", "#937860")


def _frame(
    kind: str, title: str, body: list[str], legend: Sequence[tuple[str, str]] = ()
) -> Markup:
    keys = "".join(
        f'<g class="key"><rect x="{LEFT + 110 * i}" y="{HEIGHT - 14}" width="10" height="10" '
        f'fill="{color}"/><text x="{LEFT + 14 + 110 * i}" y="{HEIGHT - 5}">'
        f"{escape(name)}</text></g>"
        for i, (name, color) in enumerate(legend)
    )
    # Every piece of text in the markup went through escape(); the rest is numbers and names
    # fixed here.
    return Markup(  # noqa: S704
        f'<svg class="chart chart-{kind}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f'<line class="axis" x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" '
        f'y2="{HEIGHT - BOTTOM}"/>{"".join(body)}{keys}</svg>'
    )


def _scale(top: float) -> float:
    return (HEIGHT - TOP - BOTTOM) / top if top > 0 else 0.0


def _label(x: float, text: str) -> str:
    return f'<text class="tick" x="{x:.1f}" y="{HEIGHT - BOTTOM + 14}">{escape(text)}</text>'


def stacked_bars(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]
) -> Markup:
    """One bar per label, stacked by series (name, values); a rect per non-zero part."""
    totals = [sum(values[i] for _, values in series) for i in range(len(labels))]
    scale = _scale(max(totals, default=0))
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    body = [f'<text class="tick" x="2" y="{TOP + 8}">{max(totals, default=0)}</text>']
    step = max(1, len(labels) // 10)  # at most about ten labels under the axis
    for i, label in enumerate(labels):
        x, bottom = LEFT + i * slot + slot * 0.15, float(HEIGHT - BOTTOM)
        for s, (name, values) in enumerate(series):
            if values[i]:
                height = values[i] * scale
                bottom -= height
                body.append(
                    f'<rect class="bar" x="{x:.1f}" y="{bottom:.1f}" width="{slot * 0.7:.1f}" '
                    f'height="{height:.1f}" fill="{PALETTE[s % len(PALETTE)]}">'
                    f"<title>{escape(label)} {escape(name)}: {values[i]}</title></rect>"
                )
        if i % step == 0:
            body.append(_label(x, label))
    legend = [(name, PALETTE[s % len(PALETTE)]) for s, (name, _) in enumerate(series)]
    return _frame("stacked", title, body, legend)


def bars(title: str, labels: Sequence[str], values: Sequence[int]) -> Markup:
    """One bar per label (a distribution)."""
    scale = _scale(max(values, default=0))
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    body = [f'<text class="tick" x="2" y="{TOP + 8}">{max(values, default=0)}</text>']
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = LEFT + i * slot + slot * 0.1
        if value:
            height = value * scale
            body.append(
                f'<rect class="bar" x="{x:.1f}" y="{HEIGHT - BOTTOM - height:.1f}" '
                f'width="{slot * 0.8:.1f}" height="{height:.1f}" fill="{PALETTE[0]}">'
                f"<title>{escape(label)}: {value}</title></rect>"
            )
        body.append(_label(x, label))
    return _frame("bars", title, body)


def line(title: str, labels: Sequence[str], shares: Sequence[float | None]) -> Markup:
    """Shares (0–1) as a line with a point per label; None leaves a gap."""
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    scale = HEIGHT - TOP - BOTTOM
    body = [f'<text class="tick" x="2" y="{TOP + 8}">100%</text>']
    points = []
    for i, (label, share) in enumerate(zip(labels, shares, strict=True)):
        x = LEFT + i * slot + slot / 2
        body.append(_label(x - 20, label))
        if share is not None:
            y = HEIGHT - BOTTOM - share * scale
            points.append(f"{x:.1f},{y:.1f}")
            body.append(
                f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{PALETTE[2]}">'
                f"<title>{escape(label)}: {share:.0%}</title></circle>"
            )
    if len(points) > 1:
        joined = " ".join(points)
        body.insert(
            1, f'<polyline class="line" fill="none" stroke="{PALETTE[2]}" points="{joined}"/>'
        )
    return _frame("line", title, body)
