import pytest
from django.contrib.auth.models import Group, Permission

from portal.roles import ROLE_PERMISSIONS, Role, sync_role_permissions

pytestmark = pytest.mark.django_db


def _codenames(group: Group) -> set[str]:
    return {
        f"{app}.{codename}" for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def test_migrations_create_every_role_group_with_its_permissions():
    for role in Role:
        assert _codenames(Group.objects.get(name=role)) == set(ROLE_PERMISSIONS[role])


def test_citizens_hold_no_model_permission():
    assert not Group.objects.get(name=Role.CITIZEN).permissions.exists()


def test_sync_takes_back_a_permission_granted_by_hand():
    clerks = Group.objects.get(name=Role.WINDOW_CLERK)
    clerks.permissions.add(Permission.objects.get(codename="delete_user"))

    sync_role_permissions()

    assert _codenames(clerks) == set(ROLE_PERMISSIONS[Role.WINDOW_CLERK])
