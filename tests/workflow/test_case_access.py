"""Who reads which kind of case, with the demo users of every role, through the HTTP client.

A licensing case is read by the posts that handle it (window clerk, reviewer, approver,
department head of its department) and by inspectors; a penalty case by the department's
law-enforcement officers and head and by inspectors. Belonging to the department is not enough:
the officer, the catalogue administrators and the department's other staff get a 404, on the
pages and on every file.
"""

from decimal import Decimal

import pytest

from portal import demo as portal_demo
from portal.models import Department, User
from powers import demo as powers_demo
from tests.factories import PowerItemFactory, StaffFactory
from tests.workflow.conftest import pdf_upload, penalty_item_of
from workflow.models import Case, PenaltyCase
from workflow.services import penalties
from workflow.services.cases import Upload, case_accept, case_file

pytestmark = pytest.mark.django_db

# demo username → (reads the department's licensing cases, reads its penalty cases)
READS = {
    "13800000001": (False, False),  # a citizen who did not file the case
    "clerk": (True, False),
    "reviewer": (True, False),
    "approver": (True, False),
    "head": (True, True),
    "officer": (False, True),
    "inspector": (True, True),
    "catalogue": (False, False),
    "sjj_editor": (False, False),
}


@pytest.fixture(autouse=True)
def _internal(zone):
    zone("internal")


@pytest.fixture
def demo(db):
    portal_demo.seed()
    powers_demo.seed()


def licensing_case(department: Department, applicant: User) -> Case:
    """A case of ``department``, filed with a PDF and accepted: it has an attachment and a notice."""
    item = PowerItemFactory(published=True, department=department)
    item.steps.create(position=1, name="受理", role="window_clerk", days_limit=1)
    item.steps.create(position=2, name="审查", role="reviewer", days_limit=5)
    material = item.materials.create(position=1, name="申请书", required=True)
    case = case_file(
        applicant=applicant,
        item=item,
        applicant_name="张三",
        applicant_id_number="110101199003071234",
        applicant_mobile="13912345678",
        uploads=[Upload(material, pdf_upload())],
        client_address="203.0.113.7",
    )
    clerk = StaffFactory(role="window_clerk", department=department)
    return case_accept(case=case, user=clerk, opinion="材料齐全，予以受理")


def penalty_case(department: Department) -> PenaltyCase:
    """A penalty case of ``department``, decided: it has a decision PDF."""
    item = penalty_item_of(department, f"CF-{department.code}-9001", "对无证经营的处罚")
    officer = StaffFactory(role="law_enforcer", department=department)
    head = StaffFactory(role="dept_head", department=department)
    case = penalties.penalty_case_open(
        user=officer,
        item=item,
        party_name="李四",
        party_id_number="110101199001011237",
        party_mobile="13912345678",
        party_address="阳光区幸福路 8 号",
        clue="群众举报无证经营。",
    )
    penalties.penalty_register(case=case, user=officer, opinion="予以立案")
    penalties.penalty_investigate(case=case, user=officer, opinion="调查取证")
    penalties.penalty_inform(
        case=case, user=officer, facts="无证经营", level="general", proposed_amount=Decimal("65000"), opinion="已告知"
    )
    return penalties.penalty_decide(case=case, user=head, amount=Decimal("65000"), decision="罚款")


def _status(client, url: str) -> int:
    return client.get(url).status_code


@pytest.mark.parametrize("username", READS)
def test_each_post_reads_the_case_kinds_it_handles_and_no_other(client, demo, username):
    user = User.objects.get(username=username)
    # The case is in the user's own department: membership is what must not be enough.
    department = user.department or Department.objects.get(code="YG-SJJ")
    reads_licensing, reads_penalty = READS[username]
    applicant = User.objects.create_user(username="13900000000", name="申请人")
    case = licensing_case(department, applicant)
    penalty = penalty_case(department)
    client.force_login(user)

    case_urls = [
        f"/workbench/cases/{case.number}/",
        f"/workbench/cases/{case.number}/attachments/{case.attachments.get().pk}/",
        f"/workbench/cases/{case.number}/documents/{case.documents.get().pk}/",
    ]
    penalty_urls = [f"/penalties/{penalty.number}/", f"/penalties/{penalty.number}/decision/"]

    assert [_status(client, url) for url in case_urls] == [200 if reads_licensing else 404] * 3
    assert [_status(client, url) for url in penalty_urls] == [200 if reads_penalty else 404] * 2
    workbench = client.get("/workbench/")
    assert (case.number in workbench.content.decode()) == reads_licensing
    assert (case.applicant_id_number in workbench.content.decode()) is False


@pytest.mark.parametrize("username", ["officer", "catalogue", "sjj_editor"])
def test_a_post_that_handles_no_licensing_case_is_told_the_workbench_is_not_theirs(client, demo, username):
    client.force_login(User.objects.get(username=username))

    assert client.get("/workbench/").status_code == 403


def test_a_clerk_acts_on_no_penalty_case_of_their_department(client, demo):
    penalty = penalty_case(Department.objects.get(code="YG-SJJ"))
    client.force_login(User.objects.get(username="clerk"))

    response = client.post(f"/penalties/{penalty.number}/close/", {"revision": penalty.revision, "opinion": "结案"})

    assert response.status_code == 404
    assert PenaltyCase.objects.get(pk=penalty.pk).state == penalty.state


def test_an_officer_acts_on_no_licensing_case_of_their_department(client, demo):
    applicant = User.objects.create_user(username="13900000000", name="申请人")
    case = licensing_case(Department.objects.get(code="YG-SJJ"), applicant)
    client.force_login(User.objects.get(username="officer"))

    response = client.post(
        f"/workbench/cases/{case.number}/advance/", {"revision": case.revision, "opinion": "审查通过"}
    )

    assert response.status_code == 404
    assert Case.objects.get(pk=case.pk).state == case.state
