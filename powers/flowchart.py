"""An item's flowchart as a picture: SVG drawn on the server from its steps (DESIGN.md §3).

A vertical column: a start terminal, one rounded box per step (its position, its name wrapped to
as many lines as it needs, its handling role and working-day limit), an end terminal, and arrows
between them. Plain markup, no script and no external reference, so the same text serves inline
in the item page (readable, searchable, printable) and alone as ``flowchart.svg``.
"""

import unicodedata
from collections.abc import Iterable
from html import escape

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.roles import Role

WIDTH = 360
BOX_X, BOX_WIDTH = 30, 300
PADDING = 12
BADGE_RADIUS = 12
TEXT_X = BOX_X + PADDING + 2 * BADGE_RADIUS + 10  # the name starts right of the position badge
NAME_SIZE, NAME_LINE = 15, 20
META_SIZE, META_LINE = 12, 18
TERMINAL_WIDTH, TERMINAL_HEIGHT = 140, 34
ARROW = 30  # the gap between two shapes, which an arrow crosses
MARGIN = 10
# How many ems of name fit on a line: the box's width right of the badge, in name-sized ems.
NAME_EMS = (BOX_X + BOX_WIDTH - PADDING - TEXT_X) / NAME_SIZE

FONTS = "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', 'PingFang SC', sans-serif"
BLUE, BLUE_DARK, PALE, GREY, INK = "#0b4f9c", "#083b75", "#eef4fb", "#5f6b7a", "#1f2933"

# Closing punctuation a line must not start with (避头点): it stays with the character before.
NO_LINE_START = set("，。、；：！？）》」』】〕〉”’,.;:!?)]}")


def char_width(char: str) -> float:
    """Width of a character in ems: CJK and full-width forms 1, narrow letters and digits about half."""
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.0
    if char.isupper() or char in "mwMW@%":
        return 0.7
    return 0.55


def wrap(text: str, max_ems: float) -> list[str]:
    """Break text into lines no wider than max_ems, by characters (Chinese has no spaces to break at);
    a run of Latin letters is broken at its last space when it has one."""
    lines: list[str] = []
    line, width = "", 0.0
    for char in " ".join(text.split()):
        w = char_width(char)
        if line and width + w > max_ems and char not in NO_LINE_START:
            cut = line.rfind(" ")
            if char != " " and cut > 0 and char.isascii() and line[-1].isascii():
                lines.append(line[:cut])
                line = line[cut + 1 :]
            else:
                lines.append(line.rstrip())
                line = ""
            width = sum(char_width(c) for c in line)
            if char == " ":
                continue
        line += char
        width += w
    if line.strip() or not lines:
        lines.append(line.strip())
    return lines


def _role_label(role: str) -> str:
    try:
        return str(Role(role).label)
    except ValueError:
        return role


def _limit_label(days: int) -> str:
    if not days:
        return _("no separate time limit")
    return ngettext("%(days)d working day", "%(days)d working days", days) % {"days": days}


def _text(x: float, y: float, content: str, **attributes) -> str:
    extra = "".join(f' {name.strip("_").replace("_", "-")}="{value}"' for name, value in attributes.items())
    return f'<text x="{x:g}" y="{y:g}"{extra}>{escape(content)}</text>'


def _terminal(y: float, label: str) -> str:
    x = (WIDTH - TERMINAL_WIDTH) / 2
    return (
        f'<g class="flowchart-terminal">'
        f'<rect x="{x:g}" y="{y:g}" width="{TERMINAL_WIDTH}" height="{TERMINAL_HEIGHT}" '
        f'rx="{TERMINAL_HEIGHT / 2:g}" fill="{BLUE_DARK}"/>'
        + _text(WIDTH / 2, y + TERMINAL_HEIGHT / 2 + 5, label, fill="#fff", font_size=14, text_anchor="middle")
        + "</g>"
    )


def _arrow(top: float) -> str:
    """A downward arrow from ``top`` to the next shape, ``ARROW`` below."""
    x, bottom = WIDTH / 2, top + ARROW
    return (
        f'<path d="M{x:g} {top + 2:g}V{bottom - 8:g}" stroke="{GREY}" stroke-width="2" fill="none"/>'
        f'<path d="M{x - 6:g} {bottom - 9:g}L{x + 6:g} {bottom - 9:g}L{x:g} {bottom - 1:g}Z" fill="{GREY}"/>'
    )


def _step(y: float, step) -> tuple[str, float]:
    """The box of one step, its top at y; returns its markup and height."""
    name_lines = wrap(step.name, NAME_EMS)
    meta = f"{_role_label(step.role)} · {_limit_label(step.days_limit)}"
    height = PADDING + len(name_lines) * NAME_LINE + META_LINE + PADDING
    badge_y = y + PADDING + BADGE_RADIUS
    parts = [
        f'<g class="flowchart-step" data-position="{int(step.position)}">',
        f'<rect x="{BOX_X}" y="{y:g}" width="{BOX_WIDTH}" height="{height:g}" rx="10" '
        f'fill="{PALE}" stroke="{BLUE}" stroke-width="1.5"/>',
        f'<circle cx="{BOX_X + PADDING + BADGE_RADIUS}" cy="{badge_y:g}" r="{BADGE_RADIUS}" fill="{BLUE}"/>',
        _text(
            BOX_X + PADDING + BADGE_RADIUS,
            badge_y + 4.5,
            str(step.position),
            fill="#fff",
            font_size=13,
            font_weight="bold",
            text_anchor="middle",
        ),
    ]
    baseline = y + PADDING + NAME_SIZE
    for line in name_lines:
        parts.append(
            _text(TEXT_X, baseline, line, class_="flowchart-name", fill=INK, font_size=NAME_SIZE, font_weight="bold")
        )
        baseline += NAME_LINE
    parts.append(_text(TEXT_X, baseline + 1, meta, class_="flowchart-meta", fill=GREY, font_size=META_SIZE))
    parts.append("</g>")
    return "".join(parts), height


def render_flowchart(steps: Iterable, *, title: str = "") -> str:
    """SVG markup of the flowchart of these steps (objects with position, name, role, days_limit),
    in their order; every text escaped. ``title`` names the picture for assistive technology."""
    steps = list(steps)
    title = title or _("Flowchart")
    summary = " → ".join(f"{step.position}. {step.name}" for step in steps)
    label = f"{title}: {summary}" if summary else title

    shapes = []
    y = MARGIN
    shapes.append(_terminal(y, _("Start")))
    y += TERMINAL_HEIGHT
    for step in steps:
        shapes.append(_arrow(y))
        y += ARROW
        markup, height = _step(y, step)
        shapes.append(markup)
        y += height
    shapes.append(_arrow(y))
    y += ARROW
    shapes.append(_terminal(y, _("End")))
    height = y + TERMINAL_HEIGHT + MARGIN

    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="flowchart" width="{WIDTH}" height="{height:g}" '
        f'viewBox="0 0 {WIDTH} {height:g}" role="img" aria-label="{escape(label)}" '
        f'font-family="{FONTS}">'
        f"<title>{escape(title)}</title>" + "".join(shapes) + "</svg>"
    )
