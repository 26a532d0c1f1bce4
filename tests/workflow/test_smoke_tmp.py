from workflow.services import cases as s


def test_happy_path(file_case, staff, citizen, django_capture_on_commit_callbacks):
    case = file_case()
    assert case.number.startswith("SP-") and case.state == "submitted" and case.step.name == "受理"
    s.case_accept(case=case, user=staff["window_clerk"], opinion="材料齐全")
    assert case.state == "accepted" and case.step.name == "审查" and case.deadline_at
    s.case_advance(case=case, user=staff["reviewer"], opinion="审查通过")
    assert case.step.name == "决定"
    s.case_approve(case=case, user=staff["approver"], opinion="准予许可")
    assert case.state == "approved" and case.step.name == "送达"
    s.case_conclude(case=case, user=staff["window_clerk"], opinion="已送达")
    assert case.state == "concluded"
    assert list(case.trail.values_list("action", flat=True)) == ["submit", "accept", "advance", "approve", "conclude"]
    assert case.documents.count() == 2
    from workflow.services.trail import trail_verify
    assert trail_verify()[1] is None
