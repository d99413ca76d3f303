"""Small horizontal bar charts as hand-written SVG (python3 stdlib only), for BENCHMARKS.md.

One chart compares one quantity across peers (imgfed beside nginx, the registry, dd): a title, one bar per
peer with its value and unit, and each target as a dashed line (across every bar, or only across the bars it
applies to), named in a legend under the bars. `ops/bench/report` writes the charts next to the tables.
"""
from xml.sax.saxutils import escape

WIDTH = 680
ROW = 30
BAR = 18
TOP = 58
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
IMGFED = "#2b6cb0"
PEER = "#a0aec0"
TARGETS = ("#c53030", "#dd6b20", "#6b46c1")


def _num(v):
    if v is None:
        return "—"
    if abs(v) >= 100:
        return "{:,.0f}".format(v)
    if abs(v) >= 10:
        return "%.1f" % v
    return "%.2f" % v


def _text(x, y, s, size=12, anchor="start", weight="normal", fill="#1a202c"):
    return ('<text x="%.1f" y="%.1f" font-size="%d" text-anchor="%s" font-weight="%s" fill="%s">%s</text>'
            % (x, y, size, anchor, weight, fill, escape(s)))


def _wrap(text, width):
    """Splits a title into lines of at most `width` characters, at spaces."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = (line + " " + word).strip()
    return lines + [line] if line else lines


def render(title, unit, bars, targets=(), better=None):
    """`bars`: [{"label", "value" (None: not measured), "imgfed": bool}]; `targets`: [{"label", "value",
    "bars": [indices] or None for all, "derived": bool (show the value it works out to)}]; `better`:
    "higher", "lower" or None. Returns the SVG text."""
    title_lines = _wrap(title, int((WIDTH - 20) / 8.8))
    shift = 19 * (len(title_lines) - 1)
    label_w = min(300, max(90, int(7.0 * max(len(b["label"]) for b in bars)) + 16))
    value_w = 120
    x0 = label_w
    span = WIDTH - label_w - value_w - 10
    top = max([b["value"] or 0 for b in bars] + [t["value"] or 0 for t in targets] + [1e-9]) * 1.05
    x = lambda v: x0 + span * (v / top)  # noqa: E731
    legend_h = 20 * len(targets)
    top_y = TOP + shift
    height = top_y + ROW * len(bars) + (12 + legend_h if targets else 0) + 12
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
           'font-family="%s">' % (WIDTH, height, WIDTH, height, FONT),
           "<title>%s</title>" % escape(title),
           '<rect width="100%" height="100%" fill="#ffffff"/>']
    for k, line in enumerate(title_lines):
        out.append(_text(10, 22 + 19 * k, line, size=15, weight="bold"))
    sub = unit + ("" if not better else ", %s is better" % better)
    out.append(_text(10, 41 + shift, sub, size=12, fill="#4a5568"))
    for i, b in enumerate(bars):
        y = top_y + i * ROW
        out.append(_text(label_w - 8, y + BAR - 4, b["label"], anchor="end"))
        if b["value"] is None:
            out.append(_text(x0 + 6, y + BAR - 4, "not measured", fill="#718096"))
            continue
        w = max(1.0, x(b["value"]) - x0)
        out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%d" fill="%s"/>'
                   % (x0, y, w, BAR, IMGFED if b.get("imgfed") else PEER))
        out.append(_text(x0 + w + 6, y + BAR - 4, "%s %s" % (_num(b["value"]), unit)))
    bottom = top_y + ROW * len(bars) - (ROW - BAR)
    out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#4a5568" stroke-width="1"/>'
               % (x0, top_y - 6, x0, bottom + 6))
    for k, t in enumerate(targets):
        if t["value"] is None:
            continue
        color = TARGETS[k % len(TARGETS)]
        rows = t.get("bars")
        rows = range(len(bars)) if rows is None else rows
        for i in rows:
            y = top_y + i * ROW
            out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2" '
                       'stroke-dasharray="5,3"/>' % (x(t["value"]), y - 5, x(t["value"]), y + BAR + 5, color))
        ly = top_y + ROW * len(bars) + 12 + 20 * k
        out.append('<line x1="12" y1="%.1f" x2="40" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="5,3"/>'
                   % (ly - 4, ly - 4, color))
        shown = " (%s %s)" % (_num(t["value"]), unit) if t.get("derived") else ""
        out.append(_text(48, ly, "target: %s%s" % (t["label"], shown), size=12, fill=color))
    out.append("</svg>")
    return "\n".join(out) + "\n"
