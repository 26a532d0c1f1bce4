"""The PDF documents issued on a case or a penalty case, in Chinese, with reportlab's built-in CJK font.

STSong-Light is one of the Adobe CID fonts every PDF reader provides, so reportlab needs no font
file (the intranet machines may have none) and the PDF stays small.
"""

from io import BytesIO
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from django.conf import settings
from django.template.defaultfilters import floatformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .calendar import WorkingCalendar, provisional_note
from .constants import DocumentKind
from .models import Case, PenaltyCase

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

TITLE = ParagraphStyle("title", fontName=FONT, fontSize=20, leading=28, alignment=1, spaceAfter=6 * mm)
BODY = ParagraphStyle("body", fontName=FONT, fontSize=12, leading=21, firstLineIndent=24)
PLAIN = ParagraphStyle("plain", fontName=FONT, fontSize=11, leading=17)
RIGHT = ParagraphStyle("right", parent=PLAIN, alignment=2)


# The public tracking page (DESIGN.md §7) lives in the external zone, but documents are issued in
# the internal one, where that URL is not mounted: reverse() would fail there, so it is written out.
TRACK_PATH = "/track/"


def track_url(case: Case) -> str:
    query = urlencode({"number": case.number, "code": case.query_code})
    return f"{settings.PUBLIC_URL.rstrip('/')}{TRACK_PATH}?{query}"


def _day(moment) -> str:
    day = timezone.localtime(moment)
    return f"{day.year}年{day.month}月{day.day}日"


def _qr(url: str, size: float = 32 * mm) -> Drawing:
    widget = QrCodeWidget(url)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def _provisional(case: Case) -> list[str]:
    """The notice's warning when its deadline is counted over a year whose holidays are not entered in full."""
    note = provisional_note(WorkingCalendar().provisional_years(case.accepted_at, case.deadline_at))
    return [f"{note}。"] if note else []


def _body(case: Case, kind: str) -> list[str]:
    item = case.item.name
    if kind == DocumentKind.ACCEPTANCE_NOTICE:
        return [
            _(
                "Your application for %(item)s, submitted on %(submitted)s, has complete materials in the "
                "statutory form and is accepted."
            )
            % {"item": item, "submitted": _day(case.submitted_at)},
            _(
                "We will decide on it by %(deadline)s (%(days)d working days promised; time spent on hearings, "
                "tests or expert review is not counted)."
            )
            % {"deadline": _day(case.deadline_at), "days": case.item.promised_days},
            *_provisional(case),
        ]
    if case.refusal_reason:
        return [
            _("Your application for %(item)s is denied. Reason: %(reason)s. Legal basis: %(basis)s.")
            % {"item": item, "reason": case.refusal_reason, "basis": case.refusal_basis},
            _(
                "If you disagree, you may apply for administrative reconsideration within 60 days or bring an "
                "administrative lawsuit within 6 months of receiving this notice."
            ),
        ]
    return [
        _("Your application for %(item)s is approved: %(decision)s") % {"item": item, "decision": case.decision},
        _("The case was concluded on %(day)s.") % {"day": _day(case.concluded_at or timezone.now())},
    ]


def _facts_table(facts: list) -> Table:
    table = Table(
        [[Paragraph(str(label), PLAIN), Paragraph(escape(value), PLAIN)] for label, value in facts],
        colWidths=[30 * mm, 130 * mm],
    )
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "#888888"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def _signature(department) -> list:
    return [Spacer(0, 10 * mm), Paragraph(department.name, RIGHT), Paragraph(_day(timezone.now()), RIGHT)]


def render_document(case: Case, kind: str) -> bytes:
    """The PDF of one of the case's documents, in the portal's language."""
    buffer = BytesIO()
    with translation.override(settings.LANGUAGE_CODE):
        title = DocumentKind(kind).label
        facts = [
            [_("Case number"), case.number],
            [_("Query code"), case.query_code],
            [_("Applicant"), case.applicant_name],
            [_("Item"), f"{case.item.name}（{case.item.code}）"],
            [_("Department"), case.department.name],
        ]
        table = _facts_table(facts)
        url = track_url(case)
        story = [
            Paragraph(case.department.name, TITLE),
            Paragraph(str(title), TITLE),
            Paragraph(f"{case.applicant_name}：", PLAIN),
            Spacer(0, 3 * mm),
            *(Paragraph(text, BODY) for text in _body(case, kind)),
            Spacer(0, 6 * mm),
            table,
            Spacer(0, 6 * mm),
            Table(
                [
                    [
                        _qr(url),
                        Paragraph(
                            _("Scan the code, or enter the case number and query code at %(url)s, to follow the case.")
                            % {"url": url.split("?")[0]},
                            PLAIN,
                        ),
                    ]
                ],
                colWidths=[40 * mm, 120 * mm],
            ),
            *_signature(case.department),
        ]
        _build(buffer, story, title, case)
    return buffer.getvalue()


def _build(buffer: BytesIO, story: list, title, case) -> None:
    document = SimpleDocTemplate(
        buffer, pagesize=A4, title=f"{title} {case.number}", author=case.department.name, subject=case.number
    )
    document.build(story)


def yuan(amount) -> str:
    """An amount as the catalogue shows it: 60001, or 60001.50 when there are fen."""
    return floatformat(amount, "-2")


def _penalty_body(case: PenaltyCase) -> list[str]:
    standard = case.standard
    paragraphs = [
        _("Facts found: %(facts)s") % {"facts": case.facts},
        _("The above violates the law; legal basis: %(basis)s") % {"basis": case.item.legal_basis},
        _(
            "Discretion standard applied: %(level)s circumstances (%(circumstances)s), a fine of %(min)s to %(max)s "
            "yuan."
        )
        % {
            "level": standard.get_level_display(),
            "circumstances": standard.circumstances,
            "min": yuan(standard.amount_min),
            "max": yuan(standard.amount_max),
        },
        _("Decision: %(decision)s A fine of %(amount)s yuan is imposed.")
        % {"decision": case.decision, "amount": yuan(case.amount)},
    ]
    if standard.other_sanctions:
        paragraphs.append(_("Other sanctions: %(sanctions)s") % {"sanctions": standard.other_sanctions})
    if case.out_of_range:
        paragraphs.append(
            _("Reasons for departing from the standard's range: %(justification)s")
            % {"justification": case.justification}
        )
    paragraphs += [
        _("Pay the fine within 15 days of receiving this decision (Administrative Penalty Law, Article 67)."),
        _(
            "If you disagree, you may apply for administrative reconsideration within 60 days, or bring an "
            "administrative lawsuit before a people's court within 6 months, of receiving this decision."
        ),
    ]
    return paragraphs


def render_penalty_decision(case: PenaltyCase) -> bytes:
    """行政处罚决定书: legal basis, the standard applied, the fine and the party's remedies."""
    buffer = BytesIO()
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Administrative penalty decision")
        facts = [
            [_("Case number"), case.number],
            [_("Party"), case.party_name],
            [_("Identity card or credit code"), case.party_id_number],
            [_("Address"), case.party_address or "—"],
            [_("Cause"), f"{case.item.name}（{case.item.code}）"],
        ]
        story = [
            Paragraph(case.department.name, TITLE),
            Paragraph(str(title), TITLE),
            Paragraph(case.number, RIGHT),
            Spacer(0, 3 * mm),
            _facts_table(facts),
            Spacer(0, 6 * mm),
            # What officers typed may hold "&" or "<", which Paragraph would read as markup.
            *(Paragraph(escape(text), BODY) for text in _penalty_body(case)),
            *_signature(case.department),
        ]
        _build(buffer, story, title, case)
    return buffer.getvalue()
