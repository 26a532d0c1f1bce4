"""What every official document shares: the font, the styles, the letterhead, the facts table, the
QR code to /track/ and the department's name and date at the foot.

ReportLab reads a Paragraph's text as markup: ``<img src=…>`` opens a server file, ``<a>`` makes a
link, a stray ``<b>`` raises. Every text goes in through ``para``, which escapes it, so a name, an
item or an opinion is printed as typed whatever it holds.
"""

import functools
import logging
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

logger = logging.getLogger(__name__)

EMBEDDED_FONT = "WQY"
# Every PDF reader is meant to provide it, but it is not embedded: poppler without its language
# data shows blank pages. Only the fallback when the TrueType font is missing.
CID_FONT = "STSong-Light"

# The public tracking page (DESIGN.md §7) lives in the external zone, but documents are issued in
# the internal one, where that URL is not mounted: reverse() would fail there, so it is written out.
TRACK_PATH = "/track/"


@functools.cache
def font() -> str:
    """The registered font's name: a subset of PDF_FONT_PATH embedded, else the CID font, with a warning."""
    path = Path(settings.PDF_FONT_PATH)
    if path.is_file():
        pdfmetrics.registerFont(TTFont(EMBEDDED_FONT, str(path), subfontIndex=0))
        return EMBEDDED_FONT
    logger.warning(
        "pdf_font_missing path=%s: documents use the non-embedded CID font %s, which some readers show blank "
        "(apt-get install fonts-wqy-microhei, or set PDF_FONT_PATH)",
        path,
        CID_FONT,
    )
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID_FONT


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    body: ParagraphStyle
    plain: ParagraphStyle
    right: ParagraphStyle


@functools.cache
def styles() -> Styles:
    # CJK wrapping: Chinese has no spaces to break lines at.
    plain = ParagraphStyle("plain", fontName=font(), fontSize=11, leading=17, wordWrap="CJK")
    return Styles(
        title=ParagraphStyle("title", parent=plain, fontSize=20, leading=28, alignment=1, spaceAfter=6 * mm),
        body=ParagraphStyle("body", parent=plain, fontSize=12, leading=21, firstLineIndent=24),
        plain=plain,
        right=ParagraphStyle("right", parent=plain, alignment=2),
    )


def para(text, style: ParagraphStyle | None = None) -> Paragraph:
    """A paragraph of plain text, never markup."""
    return Paragraph(escape(str(text)), style or styles().plain)


def day(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日"


def track_url(number: str, query_code: str) -> str:
    query = urlencode({"number": number, "code": query_code})
    return f"{settings.PUBLIC_URL.rstrip('/')}{TRACK_PATH}?{query}"


def _qr(url: str, size: float = 32 * mm) -> Drawing:
    widget = QrCodeWidget(url)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def _table(rows: list, widths: list, style: list) -> Table:
    table = Table(rows, colWidths=widths)
    table.setStyle(TableStyle(style))
    return table


@dataclass
class Letter:
    """One official document: the parts that differ; ``render`` lays out the parts all share."""

    department: str
    title: str
    number: str
    addressee: str = ""
    paragraphs: list[str] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    query_code: str = ""

    def render(self) -> bytes:
        s = styles()
        story = [para(self.department, s.title), para(self.title, s.title), para(self.number, s.right)]
        if self.facts:
            grid = [("GRID", (0, 0), (-1, -1), 0.5, "#888888"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
            rows = [[para(label), para(value)] for label, value in self.facts]
            story += [Spacer(0, 3 * mm), _table(rows, [34 * mm, 126 * mm], grid), Spacer(0, 6 * mm)]
        if self.addressee:
            story += [para(f"{self.addressee}：", s.plain), Spacer(0, 3 * mm)]
        story += [para(text, s.body) for text in self.paragraphs]
        if self.query_code:
            url = track_url(self.number, self.query_code)
            hint = _("Scan the code, or enter the case number and query code at %(url)s, to follow the case.") % {
                "url": url.split("?")[0]
            }
            story += [Spacer(0, 6 * mm), _table([[_qr(url), para(hint)]], [40 * mm, 120 * mm], [])]
        story += [Spacer(0, 10 * mm), para(self.department, s.right), para(day(timezone.now()), s.right)]
        buffer = BytesIO()
        SimpleDocTemplate(
            buffer,
            pagesize=A4,
            title=f"{self.title} {self.number}",
            author=self.department,
            subject=self.number,
        ).build(story)
        return buffer.getvalue()
