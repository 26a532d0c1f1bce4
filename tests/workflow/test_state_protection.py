"""Reloading a case keeps its state protected (portal.fsm): the state is only ever moved by a
transition, before and after a reload, and a reload brings the state another instance saved."""

import pytest

from workflow.constants import CaseState
from workflow.models import Case
from workflow.services import cases as services


def test_a_reload_brings_the_state_a_transition_saved_elsewhere(file_case, staff):
    case = file_case()
    services.case_accept(case=Case.objects.get(pk=case.pk), user=staff["window_clerk"], opinion="受理")

    case.refresh_from_db()

    assert case.state == CaseState.ACCEPTED
    assert case.revision == 1


def test_the_state_cannot_be_assigned_before_or_after_a_reload(file_case):
    case = file_case()
    with pytest.raises(AttributeError, match="Direct state modification is not allowed"):
        case.state = CaseState.APPROVED

    case.refresh_from_db()

    with pytest.raises(AttributeError, match="Direct state modification is not allowed"):
        case.state = CaseState.APPROVED
    assert Case._meta.get_field("state").protected


def test_reloading_other_fields_leaves_the_state_alone(file_case, staff):
    case = file_case()
    Case.objects.filter(pk=case.pk).update(description="改过的说明")

    case.refresh_from_db(fields=["description"])

    assert case.description == "改过的说明"
    assert case.state == CaseState.SUBMITTED


def test_a_deferred_state_loads_on_first_use_and_is_protected(file_case):
    case = Case.objects.only("pk", "number").get(pk=file_case().pk)

    assert case.state == CaseState.SUBMITTED
    with pytest.raises(AttributeError):
        case.state = CaseState.APPROVED


def test_a_failed_reload_keeps_what_the_instance_had(file_case):
    case = file_case()
    case.pk = case.pk + 1000

    with pytest.raises(Case.DoesNotExist):
        case.refresh_from_db()

    assert case.state == CaseState.SUBMITTED
    with pytest.raises(AttributeError):
        case.state = CaseState.APPROVED
