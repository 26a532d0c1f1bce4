"""The site's navigation: one list of entries, each shown to the roles it serves.

An entry appears only where its URL is mounted, so the external zone never links to the
workbench, and an area that has not been built yet stays out of the menu.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .roles import Role

EVERYONE = None
STAFF = "is_staff"


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    roles: frozenset | str | None = EVERYONE

    def serves(self, user) -> bool:
        if self.roles is EVERYONE:
            return True
        if not user.is_authenticated:
            return False
        if self.roles == STAFF:
            return user.is_staff
        return user.is_superuser or user.has_role(*self.roles)


CASE_HANDLERS = frozenset({Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER, Role.DEPT_HEAD})
# Inspectors watch every department; a department head answers for their own.
SUPERVISORS = frozenset({Role.INSPECTOR, Role.DEPT_HEAD})

ENTRIES = [
    NavEntry(_("Service guide"), "powers:catalogue"),
    NavEntry(_("Track a case"), "workflow:track"),
    NavEntry(_("My cases"), "workflow:my_cases", frozenset({Role.CITIZEN})),
    NavEntry(_("Complaints"), "supervision:my_complaints", frozenset({Role.CITIZEN})),
    NavEntry(_("Workbench"), "workflow:workbench", CASE_HANDLERS | {Role.INSPECTOR}),
    NavEntry(
        _("Penalty cases"),
        "workflow:penalties",
        frozenset({Role.LAW_ENFORCER, Role.LEGAL_REVIEWER, Role.DEPT_HEAD, Role.INSPECTOR}),
    ),
    NavEntry(_("Supervision"), "supervision:dashboard", SUPERVISORS),
    NavEntry(_("Complaints"), "supervision:complaints", SUPERVISORS),
    NavEntry(_("Ratings"), "supervision:ratings", SUPERVISORS),
    NavEntry(_("Statistics"), "supervision:stats", SUPERVISORS),
    NavEntry(_("Scores"), "supervision:scores", SUPERVISORS),
    NavEntry(_("Penalty statistics"), "workflow:penalty_stats", SUPERVISORS),
    NavEntry(_("Hall video"), "video:wall", frozenset({Role.INSPECTOR})),
    NavEntry(_("Rankings"), "supervision:rankings"),
    NavEntry(_("Penalty decisions"), "workflow:public_penalties"),
    NavEntry(_("Administration"), "admin:index", STAFF),
]


def nav_entries(user) -> list[tuple[str, str]]:
    """(label, url) of each entry this user may see that the current zone serves."""
    shown = []
    for entry in ENTRIES:
        if not entry.serves(user):
            continue
        try:
            shown.append((entry.label, reverse(entry.url_name)))
        except NoReverseMatch:
            continue
    return shown
