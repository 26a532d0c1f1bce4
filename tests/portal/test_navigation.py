import re

import pytest
from django.http import HttpResponse
from django.urls import include, path

from portal.navigation import ENTRIES
from portal.urls import routes
from tests.conftest import urlconf
from tests.factories import CitizenFactory, UserFactory

pytestmark = pytest.mark.django_db


def _stub(request):
    return HttpResponse()


def _urlconf_with_every_nav_target():
    """The portal's own URLs plus a stand-in for each menu target that later apps will serve."""
    patterns = routes.for_zone("single")
    namespaces: dict[str, list] = {}
    for entry in ENTRIES:
        namespace, name = entry.url_name.split(":")
        if namespace != "admin":
            namespaces.setdefault(namespace, []).append(path(f"{namespace}/{name}/", _stub, name=name))
    for namespace, stubs in namespaces.items():
        patterns.append(path("", include((stubs, namespace))))
    return urlconf(patterns)


@pytest.fixture
def menu(client, settings):
    settings.ROOT_URLCONF = _urlconf_with_every_nav_target()

    def links_for(user):
        if user is not None:
            client.force_login(user)
        html = client.get("/").content.decode()
        nav = html[html.index('data-testid="nav"') : html.index("</ul>", html.index('data-testid="nav"'))]
        return set(re.findall(r'href="([^"]+)"', nav)) - {"/"}

    return links_for


PUBLIC = {
    "/powers/catalogue/",
    "/workflow/track/",
    "/supervision/rankings/",
    "/workflow/public_penalties/",
    "/workflow/public_trail/",
}
HANDLING = {"/workflow/workbench/"}
SUPERVISING = {
    "/supervision/dashboard/",
    "/supervision/complaints/",
    "/supervision/ratings/",
    "/supervision/stats/",
    "/supervision/scores/",
    "/workflow/penalty_stats/",
}


@pytest.mark.parametrize(
    ("make_user", "expected"),
    [
        (lambda: None, PUBLIC),
        (CitizenFactory, PUBLIC | {"/workflow/my_cases/", "/supervision/my_complaints/"}),
        (lambda: UserFactory(role="window_clerk"), PUBLIC | HANDLING),
        (lambda: UserFactory(role="reviewer"), PUBLIC | HANDLING),
        (lambda: UserFactory(role="approver"), PUBLIC | HANDLING),
        (
            lambda: UserFactory(role="dept_head"),
            PUBLIC | HANDLING | SUPERVISING | {"/workflow/penalties/"},
        ),
        (lambda: UserFactory(role="law_enforcer"), PUBLIC | {"/workflow/penalties/"}),
        (
            lambda: UserFactory(role="inspector"),
            PUBLIC | HANDLING | SUPERVISING | {"/video/wall/", "/workflow/penalties/"},
        ),
        (lambda: UserFactory(role="catalogue_admin", is_staff=True), PUBLIC | {"/admin/"}),
    ],
    ids=["anonymous", "citizen", "clerk", "reviewer", "approver", "dept_head", "officer", "inspector", "catalogue"],
)
def test_each_role_sees_exactly_its_own_menu(menu, make_user, expected):
    assert menu(make_user()) == expected


def test_menu_leaves_out_what_the_zone_does_not_serve(client, zone):
    zone("external")
    client.force_login(UserFactory(role="catalogue_admin", is_staff=True))

    assert 'href="/admin/"' not in client.get("/").content.decode()


def test_logged_in_user_sees_their_name_and_no_login_link(client):
    client.force_login(CitizenFactory(name="李四"))

    html = client.get("/").content.decode()

    assert "李四" in html
    assert 'href="/accounts/login/"' not in html
