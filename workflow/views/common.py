"""What the workflow's pages share: links to the pages of a list, a stored choice's label, and
the rows of a case's trail table (workflow/includes/trail.html)."""

from urllib.parse import urlencode

from portal.roles import Role


def list_link(base: str, filters: dict, **changes) -> str:
    """The list at ``base`` with the validated ``filters`` (and ``changes``) as its query string."""
    params = {**filters, "page": None, **changes}
    query = urlencode([(name, "1" if value is True else value) for name, value in params.items() if value])
    return f"{base}?{query}" if query else base


def page_links(paginator, page, link) -> dict:
    """The pagination include's context: ``link(page=n)`` builds each page's URL."""
    return {
        "page_obj": page,
        "pages": [
            (number, link(page=number) if isinstance(number, int) else None)
            for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
        ],
        "previous_link": link(page=page.previous_page_number()) if page.has_previous() else None,
        "next_link": link(page=page.next_page_number()) if page.has_next() else None,
    }


def choice_label(choices, value: str) -> str:
    """The label of ``value`` among ``choices``, or the value itself when it is no longer one of them."""
    return choices(value).label if value in choices.values else value


def trail_rows(entries, *, states, actions: dict, links: dict | None = None) -> list[dict]:
    """A case's trail entries as its trail table shows them: labels from the case kind's ``states``
    and ``actions``, and the links other apps add to an entry (``links``: entry id → links)."""
    links = links or {}
    return [
        {
            "entry": entry,
            "links": links.get(entry.pk, []),
            "role": choice_label(Role, entry.role),
            "action": actions.get(entry.action, entry.action),
            "from_state": choice_label(states, entry.from_state) if entry.from_state else "",
            "to_state": choice_label(states, entry.to_state),
        }
        for entry in entries
    ]
