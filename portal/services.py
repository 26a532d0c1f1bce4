from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from .models import HANDLE_CASES, Department, Heartbeat, User
from .roles import Role


@transaction.atomic
def citizen_register(*, name: str, mobile: str, id_number: str, password: str) -> User:
    """A citizen's own account: they log in with their mobile number."""
    user = User(username=mobile, name=name, mobile=mobile, id_number=id_number)
    user.set_password(password)
    user.full_clean()
    user.save()
    user.groups.add(Group.objects.get(name=Role.CITIZEN))
    return user


def citizen_account(*, username: str, name: str, mobile: str, id_number: str) -> User:
    """The account, in this zone, of a citizen registered in the other one (users are matched by
    username across zones): made on first sight without a usable password, since they log in outside."""
    user, created = User.objects.get_or_create(
        username=username, defaults={"name": name, "mobile": mobile, "id_number": id_number}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=Role.CITIZEN))
    return user


def department_copy(*, code: str, name: str, kind: str) -> Department:
    """The external zone's copy of a department of the internal one, matched by code (the catalogue
    and the rankings bring them)."""
    department = Department.objects.filter(code=code).first() or Department(code=code)
    department.name, department.kind = name, kind
    department.full_clean(validate_unique=False)
    department.save()
    return department


def heartbeat_record(*, name: str = "beat") -> Heartbeat:
    heartbeat, _created = Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})
    return heartbeat


def department_group(department: Department) -> Group:
    """The group of a department's staff: it holds ``portal.handle_cases`` on that department."""
    group, created = Group.objects.get_or_create(name=f"department:{department.code}")
    if created:
        assign_perm(HANDLE_CASES, group, department)
    return group


@transaction.atomic
def staff_assign_department(*, user: User, department: Department | None) -> User:
    """Make ``user`` a member of staff of ``department`` (or of none): its cases become theirs to handle."""
    user.groups.remove(*user.groups.filter(name__startswith="department:"))
    if department is not None:
        user.groups.add(department_group(department))
    user.department = department
    user.save(update_fields=["department"])
    return user
