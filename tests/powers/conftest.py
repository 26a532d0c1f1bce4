import pytest
from guardian.shortcuts import assign_perm

from tests.factories import DepartmentFactory, UserFactory


@pytest.fixture
def department():
    return DepartmentFactory(code="YG-SJJ", name="阳光区市场监督管理局")


@pytest.fixture
def editor(department):
    """A catalogue administrator of one department, who may also publish."""
    user = UserFactory(role="catalogue_admin")
    assign_perm("portal.edit_catalogue", user, department)
    return user


@pytest.fixture
def superuser():
    return UserFactory(username="root", is_superuser=True, is_staff=True)
