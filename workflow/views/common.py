"""What the workflow's pages share: links to the pages of a list, and a stored choice's label."""

from urllib.parse import urlencode


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
