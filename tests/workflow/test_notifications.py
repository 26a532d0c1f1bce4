import time

import pytest

from workflow.models import Notification, OutboundMessage
from workflow.services import cases as services
from workflow.services.notifications import notification_send


def test_each_step_the_applicant_must_know_of_is_notified(file_case, staff, citizen):
    case = file_case()
    services.case_request_supplement(case=case, user=staff["window_clerk"], materials=[], opinion="请补充身份证复印件")
    services.case_resubmit(case=case, user=citizen)
    services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")
    services.case_suspend(case=case, user=staff["reviewer"], opinion="组织听证", days=5)
    services.case_resume(case=case, user=staff["reviewer"], opinion="听证结束")
    services.case_extend(case=case, user=staff["dept_head"], opinion="情况复杂", days=5)
    services.case_return(case=case, user=staff["reviewer"], opinion="申请书未签字")

    kinds = list(Notification.objects.filter(recipient=citizen).order_by("id").values_list("kind", flat=True))
    assert kinds == ["submitted", "supplement", "accepted", "suspended", "resumed", "extended", "returned"]
    assert "请补充身份证复印件" in Notification.objects.get(kind="supplement").text


def test_the_development_backend_records_one_sms_and_one_email_once(file_case):
    case = file_case(applicant_email="zhangsan@example.cn")
    notification = case.notifications.get()

    assert notification_send(notification_id=notification.pk) == 2
    assert notification_send(notification_id=notification.pk) == 0  # a redelivered task sends nothing

    messages = {m.channel: m.to for m in OutboundMessage.objects.filter(notification=notification)}
    assert messages == {"sms": case.applicant_mobile, "email": "zhangsan@example.cn"}


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_notification_after_commit(celery_worker, file_case):
    case = file_case()

    deadline = time.monotonic() + 10
    while not OutboundMessage.objects.filter(notification__case=case).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert case.number in OutboundMessage.objects.get(notification__case=case).body
