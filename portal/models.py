from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from .roles import Role
from .validators import validate_id_number, validate_mobile

# Object permissions on a department (django-guardian), held by its staff's department group.
EDIT_CATALOGUE = "portal.edit_catalogue"
HANDLE_CASES = "portal.handle_cases"


class Department(models.Model):
    """实施主体: a body that implements power items and handles cases."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Department")
        TOWNSHIP = "township", _("Township")
        PARK = "park", _("Park")
        STREET_OFFICE = "street_office", _("Street office")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]
        permissions = [
            ("edit_catalogue", _("Can edit the department's catalogue items")),
            ("handle_cases", _("Can see and handle the department's cases")),
        ]

    def __str__(self):
        return self.name


# django-guardian's object permissions on departments, in tables with a real foreign key (the
# generic ones cannot be joined or indexed well). Held by a group or user on one department,
# they scope a role to it; held globally, to every department.
class DepartmentUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Department, on_delete=models.CASCADE)


class DepartmentGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Department, on_delete=models.CASCADE)


class User(AbstractUser):
    """A citizen (username is their mobile number) or a member of staff (made by an administrator)."""

    first_name = None
    last_name = None
    name = models.CharField(_("full name"), max_length=50)
    mobile = models.CharField(_("mobile number"), max_length=11, blank=True, validators=[validate_mobile])
    id_number = models.CharField(_("identity card number"), max_length=18, blank=True, validators=[validate_id_number])
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text=_("For staff: the department whose cases they handle."),
    )

    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(fields=["mobile"], condition=~Q(mobile=""), name="user_mobile_unique"),
            models.UniqueConstraint(fields=["id_number"], condition=~Q(id_number=""), name="user_id_number_unique"),
        ]

    def __str__(self):
        return self.name or self.username

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name

    @cached_property
    def roles(self) -> frozenset[str]:
        """The names of the role groups this user belongs to (see portal.roles.Role), not department groups."""
        return frozenset(self.groups.filter(name__in=Role.values).values_list("name", flat=True))

    def has_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)


class Heartbeat(models.Model):
    """The last time a periodic process proved it was alive; /healthz reads it."""

    name = models.CharField(max_length=50, unique=True)
    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
