"""The role groups of DESIGN.md §4 and the model permissions each one holds.

This mapping is the single source of truth: after every migration the groups are set to exactly
these permissions, so a permission granted by hand in the admin does not survive a deploy.
Object-level rights (which department's cases, which items) are django-guardian's business.
"""

from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    WINDOW_CLERK = "window_clerk", _("Window clerk")
    REVIEWER = "reviewer", _("Reviewer")
    APPROVER = "approver", _("Approver")
    DEPT_HEAD = "dept_head", _("Department head")
    INSPECTOR = "inspector", _("Discipline inspector")
    CATALOGUE_ADMIN = "catalogue_admin", _("Catalogue administrator")
    LAW_ENFORCER = "law_enforcer", _("Law-enforcement officer")
    # 法制审核人员: reviews a penalty case before its decision (Administrative Penalty Law art. 58).
    LEGAL_REVIEWER = "legal_reviewer", _("Legal reviewer")


# The posts that handle each kind of case, in the departments they hold ``portal.handle_cases`` on.
# Belonging to a department is no post: its officer handles no licensing case, its clerks no
# penalty case, its catalogue administrator neither.
LICENSING_ROLES = (Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER, Role.DEPT_HEAD)
PENALTY_ROLES = (Role.LAW_ENFORCER, Role.LEGAL_REVIEWER, Role.DEPT_HEAD)

CATALOGUE_MODELS = ("poweritem", "step", "material", "discretionstandard")

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CITIZEN: [],
    Role.WINDOW_CLERK: ["portal.view_department"],
    Role.REVIEWER: ["portal.view_department"],
    Role.APPROVER: ["portal.view_department"],
    Role.DEPT_HEAD: ["portal.view_department", "portal.view_user"],
    Role.INSPECTOR: [
        "portal.view_department",
        "portal.view_user",
        "workflow.view_case",
        "video.view_camera",
        "video.view_snapshot",
    ],
    Role.CATALOGUE_ADMIN: [
        "portal.view_department",
        *(f"powers.{action}_{model}" for model in CATALOGUE_MODELS for action in ("view", "add", "change", "delete")),
        "powers.publish_poweritem",
    ],
    Role.LAW_ENFORCER: ["portal.view_department"],
    Role.LEGAL_REVIEWER: ["portal.view_department"],
}


def _permissions(names: list[str], using: str) -> list[Permission]:
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.append(Permission.objects.using(using).get(content_type__app_label=app_label, codename=codename))
    return found


def sync_role_permissions(using: str = "default") -> None:
    for role in Role:
        group, _created = Group.objects.using(using).get_or_create(name=role.value)
        group.permissions.set(_permissions(ROLE_PERMISSIONS[role], using))


def sync_role_permissions_on_migrate(sender, app_config, using="default", **kwargs) -> None:
    # post_migrate fires once per app, each time after that app's permissions were created;
    # at the last app with models every permission a role may name exists.
    from django.apps import apps

    last = [config for config in apps.get_app_configs() if config.models_module][-1]
    if app_config is last:
        sync_role_permissions(using)
