import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from tests.workflow.conftest import behind_the_trigger
from workflow.models import Case, TrailEntry
from workflow.services import cases as services
from workflow.services.trail import trail_verify

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger lives in PostgreSQL")


@pytest.fixture
def concluded(file_case, staff):
    case = file_case()
    services.case_accept(case=case, user=staff["window_clerk"], opinion="材料齐全，予以受理")
    services.case_advance(case=case, user=staff["reviewer"], opinion="符合条件")
    services.case_approve(case=case, user=staff["approver"], opinion="准予许可")
    services.case_conclude(case=case, user=staff["window_clerk"], opinion="证照已送达")
    return case


def test_every_transition_is_recorded_with_who_role_step_and_address(concluded, staff):
    entries = list(concluded.trail.order_by("seq"))

    assert [(e.action, e.from_state, e.to_state, e.step_name) for e in entries] == [
        ("submit", "", "submitted", "受理"),
        ("accept", "submitted", "accepted", "受理"),
        ("advance", "accepted", "reviewing", "审查"),
        ("approve", "reviewing", "approved", "决定"),
        ("conclude", "approved", "concluded", "送达"),
    ]
    assert [(e.actor, e.role) for e in entries[1:3]] == [
        (staff["window_clerk"], "window_clerk"),
        (staff["reviewer"], "reviewer"),
    ]
    assert entries[0].client_address == "203.0.113.7"


def test_verify_trail_passes_on_an_intact_chain(concluded, capsys):
    call_command("verify_trail")

    assert "trail intact: 5 entries" in capsys.readouterr().out


def test_verify_trail_names_the_entry_altered_behind_its_back(concluded):
    entry = concluded.trail.order_by("seq")[2]
    with behind_the_trigger():
        TrailEntry.objects.filter(pk=entry.pk).update(opinion="不符合条件")

    with pytest.raises(CommandError, match=f"entry #{entry.seq} \\(case {concluded.number}\\)"):
        call_command("verify_trail")


def test_verify_trail_notices_a_removed_entry(concluded):
    entry = concluded.trail.order_by("seq")[1]
    with behind_the_trigger():
        TrailEntry.objects.filter(pk=entry.pk).delete()

    _checked, broken = trail_verify()
    assert broken.seq == entry.seq and "missing" in broken.reason


@postgresql_only
@pytest.mark.parametrize("change", ["update", "delete"])
def test_the_database_refuses_to_change_the_trail(concluded, change):
    entries = TrailEntry.objects.filter(case=concluded)

    with pytest.raises(DatabaseError, match="trail_append_only"), transaction.atomic():
        entries.update(opinion="改写") if change == "update" else entries.delete()

    assert trail_verify()[1] is None


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_clerks_accepting_at_the_same_moment_one_wins_the_other_is_told(file_case, staff, department):
    from tests.factories import StaffFactory

    second_clerk = StaffFactory(role="window_clerk", department=department)
    case = file_case()
    barrier, outcomes = threading.Barrier(2), {}

    def accept(clerk, name):
        try:
            barrier.wait()
            services.case_accept(case=Case.objects.get(pk=case.pk), user=clerk, opinion="受理", revision=case.revision)
            outcomes[name] = "accepted"
        except Exception as error:  # noqa: BLE001 - the outcome is what the test looks at
            outcomes[name] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=accept, args=(clerk, name))
        for clerk, name in ((staff["window_clerk"], "first"), (second_clerk, "second"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    results = sorted(outcomes.values(), key=str)
    assert results[0] == "accepted" or results[1] == "accepted"
    loser = next(value for value in results if value != "accepted")
    assert isinstance(loser, ValidationError) and loser.code == "stale"
    assert "已有他人办理" in loser.messages[0]
    assert TrailEntry.objects.filter(case=case, action="accept").count() == 1
    assert Case.objects.get(pk=case.pk).revision == 1
    assert trail_verify()[1] is None


def test_an_ipv6_client_address_keeps_the_chain_verifiable(file_case):
    case = file_case(client_address="2001:DB8:0:0:0:0:0:1")

    assert case.trail.get().client_address == "2001:db8::1"
    assert trail_verify()[1] is None
