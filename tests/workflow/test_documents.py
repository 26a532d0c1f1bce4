"""The documents a department issues: what is printed in them, whatever a name or an item holds."""

from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from workflow.constants import DocumentKind
from workflow.services import cases as services
from workflow.services import penalties

# What an applicant or a catalogue could type where ReportLab reads markup: a server file as an
# image, a forged link, a broken paragraph, styled text, and a stray tag that makes ReportLab raise.
MARKUP = [
    '<img src="/etc/passwd"/>',
    "</para><b>",
    '<a href="http://evil">x</a>',
    '<font color="red" size="40">已准予</font>',
    "<b>",
    "A & B <br/> &amp; &#x4e2d;",
]


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages).replace("\n", "")


def assert_literal(content: bytes, text: str) -> None:
    """``text`` printed as typed, and nothing ReportLab would make of it as markup."""
    assert text.replace(" ", "") in pdf_text(content).replace(" ", "")
    reader = PdfReader(BytesIO(content))
    for page in reader.pages:
        annotations = [annotation.get_object()["/Subtype"] for annotation in page.get("/Annots", [])]
        assert "/Link" not in annotations, "a link was made from the text"
        resources = page["/Resources"]
        assert "/XObject" not in resources, "an image was embedded from the text"
    assert b"root:" not in content


def _through_conclusion(case, staff, *, deny=False):
    services.case_accept(case=case, user=staff["window_clerk"], opinion="材料齐全")
    services.case_advance(case=case, user=staff["reviewer"], opinion="审查通过")
    if deny:
        services.case_deny(
            case=case, user=staff["approver"], reason="不符合条件", legal_basis="《行政许可法》第三十八条"
        )
    else:
        services.case_approve(case=case, user=staff["approver"], opinion="准予许可")
    services.case_conclude(case=case, user=staff["window_clerk"], opinion="办结")
    return case


@pytest.mark.parametrize("name", MARKUP)
def test_an_applicant_named_with_markup_is_accepted_and_printed_literally(file_case, staff, name):
    case = _through_conclusion(file_case(applicant_name=name), staff)

    for kind in (DocumentKind.ACCEPTANCE_NOTICE, DocumentKind.CONCLUSION_NOTICE):
        assert_literal(case.documents.get(kind=kind).file.read(), name)


@pytest.mark.parametrize("name", MARKUP)
def test_an_item_named_with_markup_is_printed_literally(file_case, staff, item, name):
    item.name = f"食品经营许可{name}"
    item.save()
    case = _through_conclusion(file_case(), staff, deny=True)

    for document in case.documents.all():
        assert_literal(document.file.read(), name)


def test_the_opinions_and_reasons_typed_by_staff_are_printed_literally(file_case, staff):
    case = file_case()
    services.case_accept(case=case, user=staff["window_clerk"], opinion="材料齐全")
    services.case_advance(case=case, user=staff["reviewer"], opinion="审查通过")
    services.case_deny(
        case=case, user=staff["approver"], reason='<img src="/etc/passwd"/>不符合', legal_basis="<b>第三十八条"
    )
    services.case_conclude(case=case, user=staff["window_clerk"], opinion="办结")

    content = case.documents.get(kind=DocumentKind.CONCLUSION_NOTICE).file.read()
    assert_literal(content, '<img src="/etc/passwd"/>不符合')
    assert_literal(content, "<b>第三十八条")


@pytest.mark.parametrize("name", MARKUP)
def test_a_penalty_decision_prints_the_party_and_item_literally(open_clue, enforcers, penalty_item, name):
    penalty_item.name = f"对无证经营的处罚{name}"
    penalty_item.save()
    case = open_clue(party_name=name, party_address=name)
    officer, head = enforcers["officer"], enforcers["head"]
    penalties.penalty_register(case=case, user=officer, opinion="立案")
    penalties.penalty_investigate(case=case, user=officer, opinion="调查")
    penalties.penalty_inform(
        case=case,
        user=officer,
        facts=f"当事人{name}无证经营",
        level="general",
        proposed_amount=Decimal("65000"),
        opinion="已告知",
    )
    penalties.penalty_decide(case=case, user=head, amount=Decimal("65000"), decision=f"罚款{name}")

    content = case.decision_document.read()
    assert_literal(content, name)
    assert_literal(content, f"对无证经营的处罚{name}")
