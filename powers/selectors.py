from django.db.models import Count, Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from portal.models import EDIT_CATALOGUE, Department

from .constants import CleanupStatus, Status
from .models import PowerItem


def editable_departments(user) -> QuerySet[Department]:
    """Departments whose items this user may edit: all with the global permission, else those granted."""
    if not user.is_active:
        return Department.objects.none()
    return get_objects_for_user(user, EDIT_CATALOGUE, klass=Department, accept_global_perms=True)


def can_edit_department(user, department: Department) -> bool:
    return user.is_active and (user.has_perm(EDIT_CATALOGUE) or user.has_perm(EDIT_CATALOGUE, department))


def editable_items(user) -> QuerySet[PowerItem]:
    if user.is_superuser or user.has_perm(EDIT_CATALOGUE):
        return PowerItem.objects.all()
    return PowerItem.objects.filter(department__in=editable_departments(user))


def published_items() -> QuerySet[PowerItem]:
    return PowerItem.objects.published().select_related("department")


def cleanup_figures() -> QuerySet:
    """Per department: items retained, cancelled, merged and added in the current catalogue."""
    current = Q(power_items__status__in=[Status.PUBLISHED, Status.ABOLISHED])
    by_status = {
        status.value: Count("power_items", filter=current & Q(power_items__cleanup_status=status))
        for status in CleanupStatus
    }
    return (
        Department.objects.annotate(**by_status, total=Count("power_items", filter=current))
        .filter(total__gt=0)
        .order_by("code")
    )
