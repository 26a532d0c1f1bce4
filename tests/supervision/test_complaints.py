"""Complaints (投诉), through the HTTP client and the services: filing by citizens, recording by
inspectors, the answer by the right department head, the judgement after it, what the citizen
sees, rule C1 over it all, and which zone mounts which page."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from supervision.constants import ComplaintAbout, ComplaintSource, ComplaintState, Level, Subject
from supervision.models import Alert, Complaint
from supervision.services import complaints as services
from supervision.services.sweep import sweep
from tests.factories import CitizenFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)  # no holiday for weeks either side
# Five working days after Monday 2 March: the end of Monday 9 March.
DUE = datetime(2026, 3, 9, 23, 59, 59, 999999, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def monday(time_machine):
    time_machine.move_to(MONDAY, tick=False)


@pytest.fixture
def inspector(db):
    return UserFactory(role="inspector", username="inspector", name="纪检员")


@pytest.fixture
def head(staff):
    return staff["dept_head"]


@pytest.fixture
def other_head(other_department):
    return StaffFactory(role="dept_head", department=other_department, username="zjj-dept_head")


@pytest.fixture
def case(file_case):
    return file_case()


@pytest.fixture
def complaint(case, citizen):
    return services.complaint_file(
        complainant=citizen, about=ComplaintAbout.CASE, case=case, content="窗口人员态度恶劣，推诿扯皮。"
    )


def new_url() -> str:
    return reverse("supervision:complaint_new")


def detail_url(complaint) -> str:
    return reverse("supervision:complaint", kwargs={"number": complaint.number})


def answered(complaint, head, text="已核实，对相关人员批评教育。") -> Complaint:
    return services.complaint_answer(complaint=complaint, user=head, answer=text)


# Filing on the web -----------------------------------------------------------------------------------


def test_a_citizen_complains_about_their_case_and_it_goes_to_the_cases_department(
    client, citizen, case, other_department
):
    client.force_login(citizen)
    response = client.post(
        new_url(),
        {
            "about": "case",
            "case": case.number,
            "department": other_department.pk,  # ignored: a case's own department answers for it
            "content": "受理后十天无人联系。",
            "complainant_name": citizen.name,
            "complainant_mobile": citizen.mobile,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:my_complaints")
    complaint = Complaint.objects.get()
    assert complaint.number == "TS-20260302-000001"
    assert complaint.source == ComplaintSource.WEB
    assert (complaint.case, complaint.department) == (case, case.department)
    assert complaint.complainant == citizen
    assert complaint.state == ComplaintState.FILED
    assert complaint.due_at == DUE


def test_a_complaint_naming_its_complainant_with_a_bidi_override_is_refused(client, citizen, case):
    client.force_login(citizen)
    response = client.post(
        new_url(),
        {
            "about": "case",
            "case": case.number,
            "content": "受理后十天无人联系。\u202e",
            "complainant_name": "王小明\u202egpj.exe",
            "complainant_mobile": citizen.mobile,
        },
    )

    assert response.status_code == 200
    assert response.content.decode().count("不可见的控制字符") == 2
    assert not Complaint.objects.exists()


def test_the_complaint_form_offers_only_the_citizens_own_cases(client, citizen, case, item):
    other = CitizenFactory()
    client.force_login(citizen)

    page = client.get(new_url(), {"case": case.number}).content.decode()

    assert f'value="{case.number}" selected' in page
    assert other.name not in page


def test_a_citizen_cannot_name_another_citizens_case(client, citizen, file_case):
    stranger = CitizenFactory()
    strangers_case = file_case(applicant=stranger, applicant_name=stranger.name, applicant_id_number=stranger.id_number)
    client.force_login(citizen)

    response = client.post(
        new_url(),
        {
            "about": "case",
            "case": strangers_case.number,
            "content": "不满意",
            "complainant_name": "张三",
            "complainant_mobile": citizen.mobile,
        },
    )

    assert response.status_code == 200
    assert response.context["form"].has_error("case")
    assert not Complaint.objects.exists()
    with pytest.raises(PermissionDenied):
        services.complaint_file(complainant=citizen, about="case", case=strangers_case, content="不满意")


def test_a_complaint_about_a_window_names_the_department_and_the_window(client, citizen, department):
    client.force_login(citizen)
    fields = {
        "about": "window",
        "department": department.pk,
        "content": "3号窗口午休提前离岗。",
        "complainant_name": citizen.name,
        "complainant_mobile": citizen.mobile,
    }

    refused = client.post(new_url(), fields)
    client.post(new_url(), fields | {"window": "3号窗口"})

    assert refused.context["form"].has_error("window")
    complaint = Complaint.objects.get()
    assert (complaint.about, complaint.department, complaint.window, complaint.case) == (
        "window",
        department,
        "3号窗口",
        None,
    )


def test_a_complaint_without_content_or_department_changes_nothing(client, citizen):
    client.force_login(citizen)

    response = client.post(
        new_url(),
        {"about": "department", "content": " ", "complainant_name": "张三", "complainant_mobile": "12345"},
    )

    form = response.context["form"]
    assert {"department", "content", "complainant_mobile"} <= set(form.errors)
    assert not Complaint.objects.exists()


def test_only_a_citizen_files_online(client, staff):
    assert client.get(new_url()).status_code == 302  # to the login page
    client.force_login(staff["window_clerk"])
    assert client.get(new_url()).status_code == 403


# Recording by phone or on site ----------------------------------------------------------------------


def test_an_inspector_records_a_phone_complaint_about_a_case(client, inspector, case):
    client.force_login(inspector)

    response = client.post(
        reverse("supervision:complaint_record"),
        {
            "source": "phone",
            "complainant_name": "李四",
            "complainant_mobile": "13700001111",
            "about": "case",
            "case_number": case.number.lower(),
            "content": "来电反映办件超期。",
        },
    )

    complaint = Complaint.objects.get()
    assert response["Location"] == detail_url(complaint)
    assert complaint.source == ComplaintSource.PHONE
    assert (complaint.complainant_name, complaint.complainant_mobile) == ("李四", "13700001111")
    assert complaint.complainant is None
    assert complaint.recorded_by == inspector
    assert (complaint.case, complaint.department) == (case, case.department)
    assert complaint.due_at == DUE


def test_recording_names_an_existing_case(client, inspector):
    client.force_login(inspector)

    response = client.post(
        reverse("supervision:complaint_record"),
        {
            "source": "on_site",
            "complainant_name": "李四",
            "complainant_mobile": "13700001111",
            "about": "case",
            "case_number": "SP-20260302-999999",
            "content": "现场投诉",
        },
    )

    assert response.context["form"].has_error("case_number")
    assert not Complaint.objects.exists()


def test_only_inspectors_record_complaints(client, head, department, inspector):
    client.force_login(head)
    assert client.get(reverse("supervision:complaint_record")).status_code == 403
    fields = {
        "source": "phone",
        "about": "department",
        "department": department,
        "complainant_name": "李四",
        "complainant_mobile": "13700001111",
        "content": "来电投诉",
    }
    with pytest.raises(PermissionDenied):
        services.complaint_record(recorder=head, **fields)
    with pytest.raises(ValidationError):
        services.complaint_record(recorder=inspector, **fields | {"source": "web"})
    assert not Complaint.objects.exists()


# Answer and judgement ----------------------------------------------------------------------------------


def test_the_head_of_the_department_answers(client, head, complaint):
    client.force_login(head)

    response = client.post(detail_url(complaint), {"action": "answer", "answer": "已核实并整改。"})

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.state, complaint.answer, complaint.answered_by) == ("answered", "已核实并整改。", head)
    assert complaint.answered_at == MONDAY


def test_nobody_else_answers(client, complaint, other_head, staff, inspector):
    client.force_login(other_head)
    assert client.get(detail_url(complaint)).status_code == 404
    client.force_login(staff["window_clerk"])
    assert client.get(detail_url(complaint)).status_code == 404
    client.force_login(inspector)
    assert "answer-form" not in client.get(detail_url(complaint)).content.decode()
    assert client.post(detail_url(complaint), {"action": "answer", "answer": "代答"}).status_code == 403
    for user in (other_head, staff["window_clerk"], inspector):
        with pytest.raises(PermissionDenied):
            answered(complaint, user)
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.FILED


def test_the_answer_may_change_until_the_complaint_is_judged(client, head, inspector, complaint):
    answered(complaint, head, "初步答复")
    answered(complaint, head, "正式答复")
    services.complaint_judge(complaint=complaint, user=inspector, upheld=False)

    with pytest.raises(ValidationError, match="已作出认定"):
        answered(complaint, head, "再改")
    client.force_login(head)
    response = client.post(detail_url(complaint), {"action": "answer", "answer": "再改"}, follow=True)

    assert "judged" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.answer == "正式答复"


def test_an_inspector_judges_only_after_the_answer(client, inspector, head, complaint):
    client.force_login(inspector)
    assert "judge-form" not in client.get(detail_url(complaint)).content.decode()
    with pytest.raises(ValidationError, match="尚未答复"):
        services.complaint_judge(complaint=complaint, user=inspector, upheld=True)
    client.post(detail_url(complaint), {"action": "judge", "upheld": "1"})
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.FILED

    answered(complaint, head)
    response = client.post(detail_url(complaint), {"action": "judge", "upheld": "1"})

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.state, complaint.upheld, complaint.judged_by) == ("judged", True, inspector)
    with pytest.raises(ValidationError, match="已作出认定"):
        services.complaint_judge(complaint=complaint, user=inspector, upheld=False)


def test_the_department_head_does_not_judge(client, head, complaint):
    answered(complaint, head)
    with pytest.raises(PermissionDenied):
        services.complaint_judge(complaint=complaint, user=head, upheld=False)
    client.force_login(head)
    assert client.post(detail_url(complaint), {"action": "judge", "upheld": "0"}).status_code == 403


def test_the_citizen_sees_the_answer_and_the_judgement(client, citizen, head, inspector, complaint):
    client.force_login(citizen)
    page = client.get(reverse("supervision:my_complaints")).content.decode()
    assert complaint.number in page
    assert 'data-state="filed"' in page

    answered(complaint, head, "已对窗口人员批评教育。")
    services.complaint_judge(complaint=complaint, user=inspector, upheld=True)
    page = client.get(reverse("supervision:my_complaints")).content.decode()

    assert "已对窗口人员批评教育。" in page
    assert 'data-upheld="yes"' in page


def test_a_citizen_sees_only_their_own_complaints(client, complaint):
    client.force_login(CitizenFactory())
    page = client.get(reverse("supervision:my_complaints")).content.decode()
    assert complaint.number not in page
    assert "no-complaints" in page


# The staff list --------------------------------------------------------------------------------------------


@pytest.fixture
def two_complaints(complaint, citizen, other_department):
    elsewhere = services.complaint_file(
        complainant=citizen, about=ComplaintAbout.DEPARTMENT, department=other_department, content="电话无人接听"
    )
    return complaint, elsewhere


def listed(client, user, **filters) -> list[str]:
    client.force_login(user)
    response = client.get(reverse("supervision:complaints"), filters)
    return [complaint.number for complaint in response.context["page_obj"].object_list]


def test_inspectors_list_every_complaint_heads_their_departments(client, two_complaints, inspector, head, other_head):
    mine, elsewhere = two_complaints
    assert sorted(listed(client, inspector)) == sorted([mine.number, elsewhere.number])
    assert listed(client, head) == [mine.number]
    assert listed(client, other_head) == [elsewhere.number]


def test_other_staff_get_no_list(client, staff, citizen):
    client.force_login(staff["window_clerk"])
    assert client.get(reverse("supervision:complaints")).status_code == 403


def test_the_list_filters_by_state_and_overdue(client, two_complaints, inspector, head, time_machine):
    mine, elsewhere = two_complaints
    answered(mine, head)
    assert listed(client, inspector, state="answered") == [mine.number]
    assert listed(client, inspector, overdue="1") == []

    time_machine.move_to(datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI))

    assert listed(client, inspector, overdue="1") == [elsewhere.number]
    page = client.get(reverse("supervision:complaints")).content.decode()
    assert 'data-overdue="1"' in page


def test_the_list_takes_the_same_queries_for_many_complaints(
    client, inspector, citizen, department, django_assert_max_num_queries
):
    client.force_login(inspector)
    client.get(reverse("supervision:complaints"))  # the session and the user's roles, once
    for _ in range(15):
        services.complaint_file(complainant=citizen, about="department", department=department, content="投诉")
    with django_assert_max_num_queries(6):
        response = client.get(reverse("supervision:complaints"))
    assert len(response.context["page_obj"].object_list) == 15


# Rule C1 ------------------------------------------------------------------------------------------------------


def c1_alert(complaint) -> Alert | None:
    return Alert.objects.filter(rule__code="C1", subject=Subject.COMPLAINT, subject_id=complaint.pk).first()


def test_c1_yellow_when_filed_red_past_due_cleared_when_answered(complaint, head, time_machine):
    sweep(at=datetime(2026, 3, 2, 11, 0, tzinfo=SHANGHAI), codes=["C1"])
    alert = c1_alert(complaint)
    assert (alert.level, alert.department_id, alert.case_id, alert.detail) == (
        Level.YELLOW,
        complaint.department_id,
        complaint.case_id,
        complaint.number,
    )

    sweep(at=datetime(2026, 3, 9, 23, 0, tzinfo=SHANGHAI), codes=["C1"])
    assert c1_alert(complaint).level == Level.YELLOW
    sweep(at=datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI), codes=["C1"])
    assert c1_alert(complaint).level == Level.RED

    time_machine.move_to(datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI))
    answered(complaint, head)
    sweep(at=datetime(2026, 3, 10, 10, 1, tzinfo=SHANGHAI), codes=["C1"])

    alert = c1_alert(complaint)
    assert not alert.is_open
    assert alert.cleared_at is not None


# Zones ----------------------------------------------------------------------------------------------------------


def test_the_external_zone_mounts_the_citizens_pages_only(client, zone, citizen, inspector, complaint):
    zone("external")
    client.force_login(citizen)
    assert client.get("/complaints/new/").status_code == 200
    assert client.get("/complaints/mine/").status_code == 200
    client.force_login(inspector)
    for path in (
        "/supervision/complaints/",
        "/supervision/complaints/record/",
        f"/supervision/complaints/{complaint.number}/",
    ):
        assert client.get(path).status_code == 404


def test_the_internal_zone_mounts_the_staff_pages_only(client, zone, citizen, inspector, complaint):
    zone("internal")
    client.force_login(inspector)
    assert client.get("/supervision/complaints/").status_code == 200
    assert client.get("/supervision/complaints/record/").status_code == 200
    assert client.get(f"/supervision/complaints/{complaint.number}/").status_code == 200
    client.force_login(citizen)
    assert client.get("/complaints/new/").status_code == 404
    assert client.get("/complaints/mine/").status_code == 404
