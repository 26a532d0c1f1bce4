"""Demo data for `manage.py seed_demo`: departments of a fictional district and one user per role."""

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import Department, User
from .roles import Role
from .services import staff_assign_department
from .validators import id_number_check_char

DEMO_PASSWORD = "sunshine2026"

DEPARTMENTS = [
    ("YG-FGJ", "阳光区发展和改革局", Department.Kind.DEPARTMENT),
    ("YG-JTJ", "阳光区教育和体育局", Department.Kind.DEPARTMENT),
    ("YG-GAJ", "阳光区公安分局", Department.Kind.DEPARTMENT),
    ("YG-MZJ", "阳光区民政局", Department.Kind.DEPARTMENT),
    ("YG-RSJ", "阳光区人力资源和社会保障局", Department.Kind.DEPARTMENT),
    ("YG-ZRJ", "阳光区自然资源局", Department.Kind.DEPARTMENT),
    ("YG-ZJJ", "阳光区住房和城乡建设局", Department.Kind.DEPARTMENT),
    ("YG-SJJ", "阳光区市场监督管理局", Department.Kind.DEPARTMENT),
    ("YG-WJJ", "阳光区卫生健康局", Department.Kind.DEPARTMENT),
    ("YG-JWJ", "阳光区纪委监委", Department.Kind.DEPARTMENT),
    ("YG-CGJD", "阳光区城关街道办事处", Department.Kind.STREET_OFFICE),
    ("YG-DSZ", "阳光区东山镇人民政府", Department.Kind.TOWNSHIP),
    ("YG-GXQ", "阳光高新技术产业园区管理委员会", Department.Kind.PARK),
]

# (username, name, role, department code); the citizen logs in with a mobile number.
USERS = [
    ("13800000001", "张三", Role.CITIZEN, None),
    ("clerk", "李窗口", Role.WINDOW_CLERK, "YG-SJJ"),
    ("reviewer", "王审查", Role.REVIEWER, "YG-SJJ"),
    ("approver", "赵审批", Role.APPROVER, "YG-SJJ"),
    ("head", "钱局长", Role.DEPT_HEAD, "YG-SJJ"),
    ("officer", "孙执法", Role.LAW_ENFORCER, "YG-SJJ"),
    ("legal", "郑法审", Role.LEGAL_REVIEWER, "YG-SJJ"),
    ("inspector", "周监察", Role.INSPECTOR, "YG-JWJ"),
    ("catalogue", "吴目录", Role.CATALOGUE_ADMIN, "YG-FGJ"),
]
CITIZEN_ID_NUMBER = "11010119900307123" + id_number_check_char("11010119900307123")


@transaction.atomic
def seed() -> list[tuple[str, str]]:
    """Create or refresh the demo data; returns (username, role label) of each demo login."""
    departments = {}
    for code, name, kind in DEPARTMENTS:
        departments[code], _created = Department.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind}
        )

    logins = []
    for username, name, role, department_code in USERS:
        user = _demo_user(
            username,
            name=name,
            department=departments.get(department_code),
            is_staff=role == Role.CATALOGUE_ADMIN,
        )
        if role == Role.CITIZEN:
            user.mobile, user.id_number = username, CITIZEN_ID_NUMBER
            user.save(update_fields=["mobile", "id_number"])
        user.groups.set([Group.objects.get(name=role)])
        staff_assign_department(user=user, department=user.department)
        logins.append((username, role.label))

    _demo_user("admin", name="系统管理员", department=None, is_staff=True, is_superuser=True)
    logins.append(("admin", _("Administrator")))
    return logins


def _demo_user(username: str, **fields) -> User:
    user, _created = User.objects.update_or_create(username=username, defaults=fields)
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    return user
