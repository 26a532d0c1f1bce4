import pytest

from supervision.models import Rule
from tests.factories import UserFactory


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_rules_are_seeded(db):
    assert sorted(Rule.objects.values_list("code", flat=True)) == sorted(
        ["T1", "T2", "S1", "R1", "J1", "G1", "H1", "F1", "P1", "P2", "P3", "C1", "E1", "V1", "V2", "X1", "K1"]
    )


def test_an_administrator_changes_a_threshold_but_not_what_the_rule_evaluates(admin_client):
    rule = Rule.objects.get(code="T1")
    form = {"name": rule.name, "yellow_threshold": "0.30", "red_threshold": "0", "enabled": "on", "description": ""}

    response = admin_client.post(f"/admin/supervision/rule/{rule.pk}/change/", {**form, "evaluator": "fees"})

    assert response.status_code == 302
    rule.refresh_from_db()
    assert (str(rule.yellow_threshold), rule.evaluator) == ("0.30", "case_deadline")


@pytest.mark.parametrize("model", ["alert", "complaint", "rating", "departmentscore", "supervisionorder"])
def test_supervision_records_are_read_only_in_the_admin(admin_client, model):
    assert admin_client.get(f"/admin/supervision/{model}/").status_code == 200
    assert admin_client.get(f"/admin/supervision/{model}/add/").status_code == 403
