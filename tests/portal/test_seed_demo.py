import pytest
from django.core.management import call_command

from portal.demo import DEMO_PASSWORD, USERS
from portal.models import Department, User
from portal.roles import Role

pytestmark = pytest.mark.django_db


def test_seed_demo_twice_leaves_the_same_data():
    call_command("seed_demo")
    counts = (Department.objects.count(), User.objects.count())

    call_command("seed_demo")

    assert (Department.objects.count(), User.objects.count()) == counts
    assert counts[0] >= 10


def test_one_demo_user_per_role_logs_in_with_the_printed_password(client, capsys):
    call_command("seed_demo")
    printed = capsys.readouterr().out

    assert DEMO_PASSWORD in printed
    assert {role for _username, _name, role, _dept in USERS} == set(Role)
    for username, _name, role, _dept in USERS:
        assert username in printed
        response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        assert User.objects.get(username=username).roles == {role}
        client.post("/accounts/logout/")


def test_demo_staff_belong_to_a_department_and_the_citizen_to_none():
    call_command("seed_demo")

    for username, _name, role, department_code in USERS:
        user = User.objects.get(username=username)
        assert (user.department.code if user.department else None) == department_code
        assert (role == Role.CITIZEN) == (user.department is None)
