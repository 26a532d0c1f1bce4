"""The headers every response carries: a Content-Security-Policy no page needs to weaken, and the
browser features and referrers the portal never uses turned off.

The walk visits, for every demo role, the pages reachable from its menu over the seeded demo data,
and reads each one as a browser enforcing the policy would: an inline script or an inline event
handler there would be refused, and the page would break in front of its user.
"""

import html
import io
import re
from collections import deque
from html.parser import HTMLParser

import pytest
from django.core.management import call_command

from portal.demo import USERS
from portal.models import User

pytestmark = pytest.mark.django_db

SKIPPED = ("/static/", "/media/", "/i18n/", "/accounts/logout/")
PAGES_PER_USER = 80

LINK = re.compile(r'href="(/[^"/][^"]*|/)"')


class _InlineCode(HTMLParser):
    """What in a page a browser enforcing the policy refuses: inline scripts, event handlers, styles."""

    def __init__(self, page: str):
        super().__init__()
        self.scripts, self.handlers, self.styles = [], [], []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes and attributes.get("type") != "application/json":
            self.scripts.append(self.get_starttag_text())
        if tag == "style":
            self.styles.append(self.get_starttag_text())
        self.handlers += [f"<{tag} {name}=…>" for name in attributes if name.startswith("on")]
        if "style" in attributes:
            self.styles.append(self.get_starttag_text())


def _directives(response) -> dict[str, set[str]]:
    policy = response.get("Content-Security-Policy", "")
    return {name: set(values) for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def _walk(client, start: list[str]):
    """The same-site pages reachable by links from ``start``, one of each kind, with their responses."""
    queue, seen = deque(start), set()
    while queue and len(seen) < PAGES_PER_USER:
        url = queue.popleft()
        path = url.split("?")[0]
        # One page of each kind: a single case page, catalogue item or admin object stands for all.
        shape = re.sub(r"[^/]*\d[^/]*", "*", path)
        if shape in seen or path.startswith(SKIPPED):
            continue
        seen.add(shape)
        response = client.get(url)
        yield url, response
        if response.get("Content-Type", "").startswith("text/html"):
            page = response.content.decode()
            queue.extend(html.unescape(link).split("#")[0] for link in LINK.findall(page))


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())


@pytest.mark.parametrize("username", [None, *(username for username, *_rest in USERS)])
def test_every_page_of_every_role_runs_under_the_policy_without_inline_code(client, demo, username):
    if username:
        client.force_login(User.objects.get(username=username))
    refused = []
    visited = 0

    for url, response in _walk(client, ["/"]):
        visited += 1
        if "Content-Security-Policy" not in response:
            refused.append((url, "no policy", response.status_code))
        if not response.get("Content-Type", "").startswith("text/html") or response.status_code != 200:
            continue
        directives = _directives(response)
        if directives.get("script-src") != {"'self'"} or directives.get("style-src") != {"'self'"}:
            refused.append((url, "policy", response["Content-Security-Policy"]))
        found = _InlineCode(response.content.decode())
        if found.scripts or found.handlers:
            refused.append((url, found.scripts, found.handlers))
        # The admin's own templates (django-simple-history's paginator) keep one cosmetic style
        # attribute, which the browser ignores; no page of ours has one.
        if found.styles and not url.startswith("/admin/"):
            refused.append((url, found.styles))

    assert visited > 5
    assert refused == []


def test_the_policy_refuses_framing_plugins_foreign_forms_and_base_changes(client):
    directives = _directives(client.get("/catalogue/"))

    assert directives["default-src"] == {"'self'"}
    assert directives["frame-ancestors"] == {"'none'"}
    assert directives["object-src"] == {"'none'"}
    assert directives["form-action"] == {"'self'"}
    assert directives["base-uri"] == {"'self'"}
    # Bootstrap draws its icons (the menu toggler, select arrows) as data: images in its CSS.
    assert directives["img-src"] == {"'self'", "data:"}


def test_the_catalogue_search_cannot_inject_a_script_the_browser_would_run(client):
    page = client.get("/catalogue/", {"q": '"><script>alert(1)</script><img src=x onerror=alert(2)>'})

    found = _InlineCode(page.content.decode())
    assert (found.scripts, found.handlers) == ([], [])


def test_browser_features_the_portal_never_uses_are_turned_off(client):
    response = client.get("/")

    policy = {part.strip() for part in response["Permissions-Policy"].split(",")}
    assert {"camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"} <= policy
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
