"""Complaints and ratings between the zones: web complaints and ratings filed outside reach the
department head, the inspectors and rules C1 and E1 inside; answers, judgements, return visits and
rectifications made inside reach the citizen's pages outside.

Both zones share the test database, so each test plays them in turn: the sending zone makes the
change with an outbox of its own, the receiving zone starts without the row (deleted, or put
back as it was before the change) and gets the packet as it travels on the wire.
"""

# The case fixtures of the workflow tests, imported (this directory's conftest is the exchange's):
# pytest passes them by name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from portal.models import User
from supervision.constants import ComplaintAbout, ComplaintSource, ComplaintState, Grade, Level, Subject
from supervision.models import Alert, Complaint, Rating
from supervision.services import complaints, ratings
from supervision.services.sweep import sweep
from tests.factories import CitizenFactory, StaffFactory, UserFactory
from tests.workflow.conftest import (  # noqa: F401 - fixtures
    citizen,
    department,
    file_case,
    item,
    other_department,
    staff,
)
from workflow.exchange import services
from workflow.exchange.models import InboundPacket, InboundState, OutboundPacket
from workflow.exchange.packets import Kind
from workflow.exchange.transports import LocalTransport
from workflow.services import cases as case_services

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)  # no holiday for weeks either side
TUESDAY_EVENING = datetime(2026, 3, 3, 23, 0, tzinfo=SHANGHAI)
WEDNESDAY = datetime(2026, 3, 4, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def monday(time_machine):
    time_machine.move_to(MONDAY, tick=False)


@pytest.fixture
def head(staff):
    return staff["dept_head"]


@pytest.fixture
def inspector(db):
    return UserFactory(role="inspector", username="inspector", name="纪检员")


@pytest.fixture
def case(file_case):
    return file_case()


@pytest.fixture
def concluded(case, staff):
    case_services.case_accept(case=case, user=staff["window_clerk"], opinion="材料齐全，予以受理")
    case_services.case_advance(case=case, user=staff["reviewer"], opinion="符合条件")
    case_services.case_approve(case=case, user=staff["approver"], opinion="准予许可")
    case_services.case_conclude(case=case, user=staff["window_clerk"], opinion="证照已送达")
    return case


@pytest.fixture
def sent(zone):
    """``sent("external", change)``: make the change in that zone; returns its result and the packets
    it wrote. The outbox is emptied first: each zone has its own, and the case's own packets (written
    by the fixtures in the one shared database) would otherwise hold this one back in the stream."""

    def send(where: str, change):
        zone(where)
        OutboundPacket.objects.all().delete()
        result = change()
        return result, list(OutboundPacket.objects.all())  # in the order written

    return send


@pytest.fixture
def delivered(zone):
    """``delivered("internal", packet)``: the packet arrives in that zone as it travels, and is applied."""

    def deliver(where: str, packet: OutboundPacket) -> InboundPacket:
        zone(where)
        inbound = services.packet_receive(services._wire(packet))
        services.packets_apply()
        inbound.refresh_from_db()
        return inbound

    return deliver


def web_complaint(citizen, case):
    return complaints.complaint_file(
        complainant=citizen, about=ComplaintAbout.CASE, case=case, content="窗口人员态度恶劣，推诿扯皮。"
    )


def as_filed_outside(complaint: Complaint) -> None:
    """The external copy before the answer came back."""
    Complaint.objects.filter(pk=complaint.pk).update(
        state=ComplaintState.FILED, answer="", answered_by=None, answered_at=None, upheld=None, judged_at=None
    )


def open_alert(code: str, subject: str, subject_id: int) -> Alert | None:
    return Alert.objects.open().filter(rule__code=code, subject=subject, subject_id=subject_id).first()


# complaint.filed: outside → inside ---------------------------------------------------------------


def test_a_web_complaint_writes_one_packet_with_the_complaint(sent, citizen, case):
    complaint, packets = sent("external", lambda: web_complaint(citizen, case))

    [packet] = packets
    assert (packet.kind, packet.stream) == (Kind.COMPLAINT_FILED, case.number)
    payload = packet.envelope["payload"]
    assert payload["number"] == complaint.number
    assert (payload["case"], payload["department"]) == (case.number, case.department.code)
    assert payload["account"]["username"] == citizen.username
    assert payload["content"] == "窗口人员态度恶劣，推诿扯皮。"


def test_a_refused_complaint_writes_no_packet(sent, citizen, case):
    stranger = CitizenFactory()

    with pytest.raises(PermissionDenied):
        sent("external", lambda: web_complaint(stranger, case))
    with pytest.raises(ValidationError):
        sent("external", lambda: complaints.complaint_file(complainant=citizen, about=ComplaintAbout.CASE, content="x"))

    assert not OutboundPacket.objects.exists()
    assert not Complaint.objects.exists()


def test_phone_complaints_stay_inside_under_numbers_of_their_own(sent, citizen, case, inspector):
    web, _packets = sent("external", lambda: web_complaint(citizen, case))
    phone, packets = sent(
        "internal",
        lambda: complaints.complaint_record(
            recorder=inspector,
            source=ComplaintSource.PHONE,
            about=ComplaintAbout.CASE,
            case=case,
            complainant_name="李四",
            complainant_mobile="13900001111",
            content="电话反映窗口无人。",
        ),
    )

    assert packets == []
    # The first of the day in each zone, each from its own counter: they cannot meet.
    assert (web.number, phone.number) == ("TS-20260302-000001", "TSN-20260302-000001")


def test_a_web_complaint_reaches_the_department_head_and_rule_c1_inside(
    sent, delivered, client, citizen, case, head, inspector
):
    filed, [packet] = sent("external", lambda: web_complaint(citizen, case))
    filed.delete()

    inbound = delivered("internal", packet)

    assert inbound.state == InboundState.APPLIED
    complaint = Complaint.objects.get(number=filed.number)
    assert (complaint.source, complaint.state) == (ComplaintSource.WEB, ComplaintState.FILED)
    assert (complaint.case, complaint.department, complaint.complainant) == (case, case.department, citizen)
    assert (complaint.filed_at, complaint.due_at) == (filed.filed_at, filed.due_at)
    client.force_login(head)
    page = client.get(reverse("supervision:complaint", kwargs={"number": filed.number}))
    assert page.status_code == 200 and "窗口人员态度恶劣" in page.content.decode()
    sweep(at=MONDAY, codes=["C1"])
    assert open_alert("C1", Subject.COMPLAINT, complaint.pk).level == Level.YELLOW


def test_a_complainant_unknown_inside_gets_an_account_there_without_a_password(sent, delivered, department):
    newcomer = CitizenFactory(name="王五")
    filed, [packet] = sent(
        "external",
        lambda: complaints.complaint_file(
            complainant=newcomer, about=ComplaintAbout.DEPARTMENT, department=department, content="电话打不通。"
        ),
    )
    assert packet.stream == filed.number  # not about a case: a stream of its own
    filed.delete()
    newcomer.delete()

    delivered("internal", packet)

    complaint = Complaint.objects.get(number=filed.number)
    account = complaint.complainant
    assert (account.username, account.name, account.mobile) == (newcomer.username, "王五", newcomer.mobile)
    assert not account.has_usable_password()
    assert complaint.department == department


def test_a_complaint_delivered_twice_is_one_complaint(sent, delivered, citizen, case):
    filed, [packet] = sent("external", lambda: web_complaint(citizen, case))
    filed.delete()

    first = delivered("internal", packet)
    second = delivered("internal", packet)

    assert first.pk == second.pk
    assert Complaint.objects.filter(number=filed.number).count() == 1


# complaint.answered: inside → outside ------------------------------------------------------------


def test_the_answer_and_the_judgement_reach_the_citizen_outside(
    sent, delivered, client, citizen, case, head, inspector
):
    complaint = web_complaint(citizen, case)
    _answered, [answer] = sent(
        "internal", lambda: complaints.complaint_answer(complaint=complaint, user=head, answer="已批评教育当事人。")
    )
    as_filed_outside(complaint)

    delivered("external", answer)

    client.force_login(citizen)
    page = client.get(reverse("supervision:my_complaints")).content.decode()
    assert "已批评教育当事人。" in page and 'data-state="answered"' in page

    _judged, [judgement] = sent(
        "internal", lambda: complaints.complaint_judge(complaint=complaint, user=inspector, upheld=True)
    )
    Complaint.objects.filter(pk=complaint.pk).update(state=ComplaintState.ANSWERED, upheld=None, judged_at=None)

    delivered("external", judgement)

    complaint.refresh_from_db()
    assert (complaint.state, complaint.upheld) == (ComplaintState.JUDGED, True)
    page = client.get(reverse("supervision:my_complaints")).content.decode()
    assert 'data-upheld="yes"' in page and "已批评教育当事人。" in page


def test_a_refused_answer_writes_no_packet(sent, citizen, case, other_department):
    complaint = web_complaint(citizen, case)
    stranger = StaffFactory(role="dept_head", department=other_department, username="zjj-dept_head")

    with pytest.raises(PermissionDenied):
        sent("internal", lambda: complaints.complaint_answer(complaint=complaint, user=stranger, answer="与我无关"))

    assert not OutboundPacket.objects.exists()


def test_the_answer_to_a_phone_complaint_stays_inside(sent, case, head, inspector):
    def record_and_answer():
        recorded = complaints.complaint_record(
            recorder=inspector,
            source=ComplaintSource.ON_SITE,
            about=ComplaintAbout.CASE,
            case=case,
            complainant_name="李四",
            complainant_mobile="13900001111",
            content="现场反映排队过久。",
        )
        return complaints.complaint_answer(complaint=recorded, user=head, answer="已增开窗口。")

    _answered, packets = sent("internal", record_and_answer)

    assert packets == []


# evaluation.filed: outside → inside --------------------------------------------------------------


def test_a_rating_and_its_follow_up_each_write_one_packet(sent, citizen, concluded):
    rating, [packet] = sent(
        "external", lambda: ratings.rating_give(case=concluded, user=citizen, grade=Grade.SATISFIED, comment="办事快")
    )
    follow_up, [second] = sent(
        "external", lambda: ratings.rating_follow_up(case=concluded, user=citizen, grade=Grade.VERY_SATISFIED)
    )

    assert (packet.kind, packet.stream) == (Kind.EVALUATION_FILED, concluded.number)
    assert packet.envelope["payload"] | {"rated_at": None} == {
        "rating": str(rating.uuid),
        "case": concluded.number,
        "account": citizen.username,
        "grade": 4,
        "comment": "办事快",
        "follow_up": False,
        "rated_at": None,
    }
    assert second.envelope["payload"]["rating"] == str(follow_up.uuid)
    assert second.envelope["payload"]["follow_up"] is True


def test_a_refused_rating_writes_no_packet(sent, citizen, case):
    with pytest.raises(ValidationError):
        sent("external", lambda: ratings.rating_give(case=case, user=citizen, grade=Grade.SATISFIED))

    assert not OutboundPacket.objects.exists()


def test_a_bad_rating_from_outside_raises_its_alert_inside(sent, delivered, client, citizen, concluded, head):
    given, [packet] = sent(
        "external",
        lambda: ratings.rating_give(case=concluded, user=citizen, grade=Grade.VERY_DISSATISFIED, comment="来回跑三趟"),
    )
    given.delete()

    delivered("internal", packet)

    rating = Rating.objects.get(uuid=given.uuid)
    assert (rating.case, rating.rater, rating.department) == (concluded, citizen, concluded.department)
    assert (rating.grade, rating.comment, rating.rated_at) == (Grade.VERY_DISSATISFIED, "来回跑三趟", given.rated_at)
    client.force_login(head)
    assert client.get(reverse("supervision:rating", kwargs={"rating_id": rating.pk})).status_code == 200
    sweep(at=MONDAY, codes=["E1"])
    assert open_alert("E1", Subject.RATING, rating.pk).level == Level.YELLOW
    sweep(at=WEDNESDAY, codes=["E1"])  # no return visit within the next working day
    assert open_alert("E1", Subject.RATING, rating.pk).level == Level.RED


def test_a_rating_delivered_twice_is_one_rating(sent, delivered, citizen, concluded):
    given, [packet] = sent("external", lambda: ratings.rating_give(case=concluded, user=citizen, grade=Grade.SATISFIED))
    given.delete()

    delivered("internal", packet)
    delivered("internal", packet)

    assert Rating.objects.filter(uuid=given.uuid).count() == 1


# evaluation.answered: inside → outside -----------------------------------------------------------


def test_the_return_visit_and_the_rectification_reach_the_applicant_outside(
    sent, delivered, client, citizen, concluded, head, time_machine
):
    rating = ratings.rating_give(case=concluded, user=citizen, grade=Grade.DISSATISFIED)
    _visited, [visit] = sent(
        "internal", lambda: ratings.rating_return_visit(rating=rating, user=head, note="已电话回访，情况属实。")
    )
    Rating.objects.filter(pk=rating.pk).update(return_visit="", return_visit_at=None)

    delivered("external", visit)

    client.force_login(citizen)
    page = client.get(reverse("supervision:rate", kwargs={"number": concluded.number})).content.decode()
    assert "已电话回访，情况属实。" in page

    time_machine.move_to(TUESDAY_EVENING)
    _rectified, [rectification] = sent(
        "internal", lambda: ratings.rating_rectify(rating=rating, user=head, note="增设预约专线。")
    )
    Rating.objects.filter(pk=rating.pk).update(rectification="", rectified_at=None)

    delivered("external", rectification)

    rating.refresh_from_db()
    assert rating.rectified_at == TUESDAY_EVENING
    assert rating.return_visit == "已电话回访，情况属实。"
    client.force_login(citizen)  # a day and a half later: a new session
    page = client.get(reverse("supervision:rate", kwargs={"number": concluded.number})).content.decode()
    assert "增设预约专线。" in page


def test_a_refused_return_visit_writes_no_packet(sent, citizen, concluded, head):
    good = ratings.rating_give(case=concluded, user=citizen, grade=Grade.VERY_SATISFIED)

    with pytest.raises(ValidationError):
        sent("internal", lambda: ratings.rating_return_visit(rating=good, user=head, note="无需回访"))

    assert not OutboundPacket.objects.exists()


# The single zone ---------------------------------------------------------------------------------


def test_the_single_zone_applies_its_own_packets_and_changes_nothing(sent, citizen, concluded, head, inspector):
    def everything():
        complaint = web_complaint(citizen, concluded)
        complaints.complaint_answer(complaint=complaint, user=head, answer="已答复。")
        complaints.complaint_judge(complaint=complaint, user=inspector, upheld=False)
        rating = ratings.rating_give(case=concluded, user=citizen, grade=Grade.DISSATISFIED)
        ratings.rating_return_visit(rating=rating, user=head, note="已回访。")
        return complaint, rating

    (complaint, rating), packets = sent("single", everything)
    before = (
        list(Complaint.objects.values()),
        list(Rating.objects.values()),
        User.objects.count(),
    )

    services.exchange_once(LocalTransport())

    assert [packet.kind for packet in packets] == [
        Kind.COMPLAINT_FILED,
        Kind.COMPLAINT_ANSWERED,
        Kind.COMPLAINT_ANSWERED,
        Kind.EVALUATION_FILED,
        Kind.EVALUATION_ANSWERED,
    ]
    assert set(InboundPacket.objects.values_list("state", flat=True)) == {InboundState.APPLIED}
    assert InboundPacket.objects.count() == 5
    assert (list(Complaint.objects.values()), list(Rating.objects.values()), User.objects.count()) == before
