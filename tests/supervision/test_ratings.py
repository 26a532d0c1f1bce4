"""Ratings (好差评), through the HTTP client and the services: only after conclusion, once and one
follow-up, only by the applicant; a bad grade's return visit and rectification by the right head,
what the applicant reads of them, rule E1 over it all, and which zone mounts which page."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from supervision.constants import Grade, Level, Subject
from supervision.models import Alert, Rating
from supervision.services import ratings as services
from supervision.services.sweep import sweep
from tests.factories import CitizenFactory, PowerItemFactory, StaffFactory, UserFactory
from workflow.services import cases as case_services

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)  # no holiday for weeks either side


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def monday(time_machine):
    time_machine.move_to(MONDAY, tick=False)


@pytest.fixture
def inspector(db):
    return UserFactory(role="inspector", username="inspector", name="纪检员")


@pytest.fixture
def head(staff):
    return staff["dept_head"]


def conclude(case, staff):
    case_services.case_accept(case=case, user=staff["window_clerk"], opinion="材料齐全，予以受理")
    case_services.case_advance(case=case, user=staff["reviewer"], opinion="符合条件")
    case_services.case_approve(case=case, user=staff["approver"], opinion="准予许可")
    case_services.case_conclude(case=case, user=staff["window_clerk"], opinion="证照已送达")
    return case


@pytest.fixture
def concluded(file_case, staff):
    return conclude(file_case(), staff)


def rate_url(case) -> str:
    return reverse("supervision:rate", kwargs={"number": case.number})


def detail_url(rating) -> str:
    return reverse("supervision:rating", kwargs={"rating_id": rating.pk})


def rated(case, citizen, grade=Grade.VERY_DISSATISFIED, **kwargs) -> Rating:
    return services.rating_give(case=case, user=citizen, grade=grade, comment="等了很久", **kwargs)


# The applicant's rating -----------------------------------------------------------------------------------


def test_a_case_is_rated_only_once_concluded(client, citizen, file_case):
    case = file_case()
    client.force_login(citizen)

    page = client.get(rate_url(case)).content.decode()
    response = client.post(rate_url(case), {"grade": "5"})

    assert 'data-testid="not-yet"' in page
    assert response.status_code == 302
    assert not Rating.objects.exists()
    with pytest.raises(ValidationError, match="办结后才能评价"):
        rated(case, citizen)


def test_the_applicant_rates_a_concluded_case(client, citizen, concluded):
    client.force_login(citizen)

    response = client.post(rate_url(concluded), {"grade": "4", "comment": "  办事快  "})

    assert response.status_code == 302
    rating = Rating.objects.get()
    assert (rating.case, rating.rater, rating.department, rating.grade) == (
        concluded,
        citizen,
        concluded.department,
        Grade.SATISFIED,
    )
    assert (rating.comment, rating.is_follow_up, rating.rated_at) == ("办事快", False, MONDAY)


def test_a_rating_needs_one_of_the_five_grades(client, citizen, concluded):
    client.force_login(citizen)
    response = client.post(rate_url(concluded), {"grade": "6"})
    assert response.context["form"].has_error("grade")
    assert not Rating.objects.exists()


def test_once_and_one_follow_up_then_no_more(client, citizen, concluded, time_machine):
    client.force_login(citizen)
    client.post(rate_url(concluded), {"grade": "2", "comment": "态度差"})
    assert "follow_up" == client.get(rate_url(concluded)).context["next_rating"]

    time_machine.move_to(at(10, 9))
    client.force_login(citizen)  # a week later: a new session
    client.post(rate_url(concluded), {"grade": "4", "comment": "已改进"})
    page = client.get(rate_url(concluded))
    third = client.post(rate_url(concluded), {"grade": "5"})

    assert list(Rating.objects.order_by("rated_at").values_list("grade", "is_follow_up")) == [(2, False), (4, True)]
    assert page.context["form"] is None
    assert 'data-testid="rated-twice"' in page.content.decode()
    assert third.status_code == 302
    assert Rating.objects.count() == 2
    with pytest.raises(ValidationError, match="不能再次评价"):
        services.rating_follow_up(case=concluded, user=citizen, grade=Grade.SATISFIED)
    with pytest.raises(ValidationError):
        rated(concluded, citizen)


def test_the_service_refuses_a_second_first_rating_and_a_follow_up_before_the_first(citizen, concluded):
    with pytest.raises(ValidationError, match="请先对办件"):
        services.rating_follow_up(case=concluded, user=citizen, grade=Grade.SATISFIED)
    rated(concluded, citizen, Grade.SATISFIED)
    with pytest.raises(ValidationError, match="您已评价过"):
        rated(concluded, citizen, Grade.SATISFIED)
    assert Rating.objects.count() == 1


def test_another_citizens_case_has_no_rating_page(client, concluded, staff, citizen):
    stranger = CitizenFactory()
    for user in (stranger, staff["window_clerk"]):
        client.force_login(user)
        assert client.get(rate_url(concluded)).status_code == 404
        assert client.post(rate_url(concluded), {"grade": "1"}).status_code == 404
    with pytest.raises(PermissionDenied):
        rated(concluded, stranger)
    assert not Rating.objects.exists()


# Return visit and rectification ---------------------------------------------------------------------------


def test_the_head_records_the_return_visit_then_the_rectification(client, citizen, concluded, head):
    rating = rated(concluded, citizen)
    client.force_login(head)
    page = client.get(detail_url(rating)).content.decode()
    assert "return-visit-form" in page and "rectification-form" not in page

    client.post(detail_url(rating), {"action": "return_visit", "note": "电话回访：申请人反映等候时间过长。"})
    page = client.get(detail_url(rating)).content.decode()
    assert "return-visit-form" not in page and "rectification-form" in page
    client.post(detail_url(rating), {"action": "rectify", "note": "增设一个综合窗口，高峰期弹性排班。"})

    rating.refresh_from_db()
    assert rating.return_visit == "电话回访：申请人反映等候时间过长。"
    assert rating.rectification == "增设一个综合窗口，高峰期弹性排班。"
    assert rating.return_visit_at == rating.rectified_at == MONDAY


def test_the_citizen_reads_the_return_visit_and_the_rectification(client, citizen, concluded, head):
    rating = rated(concluded, citizen)
    client.force_login(citizen)
    assert "尚未回访" in client.get(rate_url(concluded)).content.decode()

    services.rating_return_visit(rating=rating, user=head, note="已电话联系申请人，致歉。")
    services.rating_rectify(rating=rating, user=head, note="窗口实行首问负责制。")
    page = client.get(rate_url(concluded)).content.decode()

    assert "已电话联系申请人，致歉。" in page
    assert "窗口实行首问负责制。" in page


def test_the_rectification_follows_the_return_visit_each_once(citizen, concluded, head):
    rating = rated(concluded, citizen)
    with pytest.raises(ValidationError, match="请先登记回访"):
        services.rating_rectify(rating=rating, user=head, note="整改")
    services.rating_return_visit(rating=rating, user=head, note="回访")
    with pytest.raises(ValidationError, match="回访情况已登记"):
        services.rating_return_visit(rating=rating, user=head, note="再次回访")
    with pytest.raises(ValidationError):
        services.rating_rectify(rating=rating, user=head, note="  ")


def test_a_good_rating_needs_no_return_visit(citizen, concluded, head):
    rating = rated(concluded, citizen, Grade.BASICALLY_SATISFIED)
    with pytest.raises(ValidationError, match="只有差评"):
        services.rating_return_visit(rating=rating, user=head, note="回访")


@pytest.fixture
def other_head(other_department):
    return StaffFactory(role="dept_head", department=other_department, username="zjj-dept_head")


def test_only_the_head_of_the_rated_department_handles_it(client, citizen, concluded, other_head, inspector, staff):
    rating = rated(concluded, citizen)
    client.force_login(other_head)
    assert client.get(detail_url(rating)).status_code == 404
    client.force_login(staff["window_clerk"])
    assert client.get(detail_url(rating)).status_code == 404
    client.force_login(inspector)
    assert "return-visit-form" not in client.get(detail_url(rating)).content.decode()
    assert client.post(detail_url(rating), {"action": "return_visit", "note": "代为回访"}).status_code == 403
    for user in (other_head, inspector, staff["window_clerk"]):
        with pytest.raises(PermissionDenied):
            services.rating_return_visit(rating=rating, user=user, note="回访")
    rating.refresh_from_db()
    assert rating.return_visit_at is None


# The staff list -----------------------------------------------------------------------------------------------


@pytest.fixture
def elsewhere(other_department, file_case):
    """A concluded case of the other department, filed by the same citizen."""
    item = PowerItemFactory(published=True, department=other_department)
    for position, (name, role) in enumerate([("受理", "window_clerk"), ("审查", "reviewer"), ("决定", "approver")], 1):
        item.steps.create(position=position, name=name, role=role, days_limit=2)
    staff = {
        role: StaffFactory(role=role, department=other_department, username=f"zjj-{role}")
        for role in ("window_clerk", "reviewer", "approver")
    }
    return conclude(file_case(item=item, uploads=[]), staff)


def listed(client, user, **filters) -> list[int]:
    client.force_login(user)
    response = client.get(reverse("supervision:ratings"), filters)
    return [rating.pk for rating in response.context["page_obj"].object_list]


def test_inspectors_list_every_rating_heads_their_departments_bad_ones_first(
    client, citizen, concluded, elsewhere, inspector, head, time_machine
):
    good = rated(concluded, citizen, Grade.VERY_SATISFIED)
    time_machine.move_to(at(3, 10))
    other = rated(elsewhere, citizen, Grade.SATISFIED)
    time_machine.move_to(at(4, 10))
    rectified = rated(concluded, citizen, Grade.DISSATISFIED, follow_up=True)
    services.rating_return_visit(rating=rectified, user=head, note="回访")
    services.rating_rectify(rating=rectified, user=head, note="整改")
    bad = rated(elsewhere, citizen, Grade.VERY_DISSATISFIED, follow_up=True)

    assert listed(client, inspector) == [bad.pk, rectified.pk, other.pk, good.pk]
    assert listed(client, inspector, bad="1") == [bad.pk, rectified.pk]
    assert listed(client, head) == [rectified.pk, good.pk]


def test_the_rating_list_takes_the_same_queries_for_many_ratings(
    client, citizen, file_case, staff, inspector, django_assert_max_num_queries
):
    for grade in (1, 2, 3, 4, 5):
        rated(conclude(file_case(), staff), citizen, grade)
    client.force_login(inspector)
    client.get(reverse("supervision:ratings"))  # the session and the user's roles, once
    with django_assert_max_num_queries(5):
        response = client.get(reverse("supervision:ratings"))
    # Dissatisfied first, then newest first (here all at one moment: the last given first).
    assert [rating.grade for rating in response.context["page_obj"].object_list] == [2, 1, 5, 4, 3]


def test_other_staff_get_no_rating_list(client, staff):
    client.force_login(staff["approver"])
    assert client.get(reverse("supervision:ratings")).status_code == 403


# Rule E1 ------------------------------------------------------------------------------------------------------


def e1_level(rating) -> str | None:
    alert = Alert.objects.open().filter(rule__code="E1", subject=Subject.RATING, subject_id=rating.pk).first()
    return alert.level if alert else None


def test_e1_yellow_red_without_a_return_visit_in_a_working_day_cleared_when_rectified(
    citizen, concluded, head, time_machine
):
    rating = rated(concluded, citizen)

    sweep(at=at(2, 11), codes=["E1"])
    assert e1_level(rating) == Level.YELLOW
    sweep(at=at(3, 23), codes=["E1"])  # the next working day is the day allowed for the visit
    assert e1_level(rating) == Level.YELLOW
    sweep(at=at(4, 9), codes=["E1"])
    assert e1_level(rating) == Level.RED

    time_machine.move_to(at(4, 10))
    services.rating_return_visit(rating=rating, user=head, note="回访")
    services.rating_rectify(rating=rating, user=head, note="整改")
    sweep(at=at(4, 11), codes=["E1"])

    assert e1_level(rating) is None
    alert = Alert.objects.get(rule__code="E1", subject_id=rating.pk)
    assert alert.cleared_at == at(4, 11)


def test_e1_stays_yellow_after_a_timely_return_visit(citizen, concluded, head, time_machine):
    rating = rated(concluded, citizen)
    time_machine.move_to(at(3, 15))
    services.rating_return_visit(rating=rating, user=head, note="回访")

    sweep(at=at(4, 9), codes=["E1"])

    assert e1_level(rating) == Level.YELLOW


def test_e1_ignores_good_ratings(citizen, concluded):
    rated(concluded, citizen, Grade.BASICALLY_SATISFIED)
    sweep(at=at(9, 9), codes=["E1"])
    assert not Alert.objects.filter(rule__code="E1").exists()


# Zones ----------------------------------------------------------------------------------------------------------


def test_the_external_zone_mounts_the_rating_page_only(client, zone, citizen, concluded, inspector):
    rating = rated(concluded, citizen)
    zone("external")
    client.force_login(citizen)
    assert client.get(f"/my/{concluded.number}/rating/").status_code == 200
    client.force_login(inspector)
    assert client.get("/supervision/ratings/").status_code == 404
    assert client.get(f"/supervision/ratings/{rating.pk}/").status_code == 404


def test_the_internal_zone_mounts_the_staff_pages_only(client, zone, citizen, concluded, inspector):
    rating = rated(concluded, citizen)
    zone("internal")
    client.force_login(inspector)
    assert client.get("/supervision/ratings/").status_code == 200
    assert client.get(f"/supervision/ratings/{rating.pk}/").status_code == 200
    client.force_login(citizen)
    assert client.get(f"/my/{concluded.number}/rating/").status_code == 404
