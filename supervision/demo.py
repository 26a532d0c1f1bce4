"""Demo data for `manage.py seed_demo`: after the demo cases, the dashboard comes alive.

The sweep judges the demo cases (some overdue, some near their deadline, refused, returned), a
red alert gets a supervision order, the citizen complains and gives a bad rating that the
department has visited and is rectifying. Everything goes through the services; it runs once.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from portal.models import User
from workflow.calendar import WorkingCalendar
from workflow.constants import CaseState
from workflow.models import Case

from .constants import ComplaintAbout, ComplaintSource, Grade, Level
from .models import Alert, Complaint
from .services.alerts import alert_acknowledge, alert_order
from .services.complaints import complaint_file, complaint_record
from .services.ratings import rating_give, rating_return_visit
from .services.sweep import sweep

CITIZEN, INSPECTOR, HEAD = "13800000001", "inspector", "head"


@transaction.atomic
def seed() -> list[tuple[str, str]]:
    users = User.objects.in_bulk([CITIZEN, INSPECTOR, HEAD], field_name="username")
    cases = Case.objects.filter(applicant=users.get(CITIZEN)).order_by("number")
    if len(users) < 3 or not cases or Complaint.objects.exists():
        return []
    citizen, inspector, head = users[CITIZEN], users[INSPECTOR], users[HEAD]
    sweep()

    red = Alert.objects.open().filter(level=Level.RED, case__isnull=False).order_by("raised_at").first()
    if red is not None:
        alert_acknowledge(alert=red, user=inspector, note="已核实：该件已超过承诺办结期限。")
        alert_order(
            alert=red,
            user=inspector,
            instructions="请于期限内说明超期原因，督促承办人员尽快办结，并报送整改措施。",
            due_date=WorkingCalendar().add_working_days(timezone.localdate(), 3),
        )

    concluded = cases.filter(state=CaseState.CONCLUDED, refusal_reason="").first()
    if concluded is not None:
        rating = rating_give(
            case=concluded, user=citizen, grade=Grade.DISSATISFIED, comment="现场核查预约了三次才来，耽误开业。"
        )
        rating_return_visit(rating=rating, user=head, note="已电话回访，申请人反映现场核查预约难，情况属实。")

    returned = cases.filter(state=CaseState.RETURNED).first()
    complaint_file(
        complainant=citizen,
        about=ComplaintAbout.CASE if returned else ComplaintAbout.DEPARTMENT,
        case=returned,
        department=returned.department if returned else concluded.department,
        content="退件时没有一次性说清楚要改哪些地方，来回跑了两趟。",
    )
    complaint_record(
        recorder=inspector,
        source=ComplaintSource.PHONE,
        about=ComplaintAbout.WINDOW,
        department=cases.first().department,
        window="3",
        complainant_name="王五",
        complainant_mobile="13900000007",
        content="3 号窗口午休时间提前半小时停止取号。",
    )
    # The complaints and the bad rating are new: a second sweep raises their C1 and E1 cards.
    sweep(at=timezone.now() + timedelta(seconds=1))
    return []
