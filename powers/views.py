"""The public catalogue (external zone): search, an item's service guide, its flowchart, the cleanup figures."""

from functools import partial
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from . import public_selectors
from .constants import NOT_APPLIED_FOR, Category
from .flowchart import render_flowchart
from .forms import CatalogueSearchForm

PAGE_SIZE = 20


class CountedPaginator(Paginator):
    """A paginator told the count, which the facet query has already summed: no COUNT(*) query."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._count = count

    @property
    def count(self) -> int:
        return self._count


@require_safe
def catalogue(request):
    form = CatalogueSearchForm(request.GET)
    filters = form.filters()
    search = public_selectors.catalogue_search(**filters)
    paginator = CountedPaginator(search.items, PAGE_SIZE, count=search.total)
    page = paginator.get_page(request.GET.get("page"))
    if not search.total:
        page.object_list = []  # nothing to fetch
    # Links are built from the validated filters, not copied from the query string.
    link = partial(_catalogue_link, reverse("powers:catalogue"), filters)
    # get_category_display costs tens of microseconds a call: each row is labelled from one lookup.
    labels = {value: str(label) for value, label in Category.choices}
    rows = [(item, labels[item.category], item.category not in NOT_APPLIED_FOR) for item in page.object_list]
    context = {
        "form": form,
        "q": filters["q"],
        "search": search,
        "page_obj": page,
        "rows": rows,
        "categories": [(facet, link(category=None if facet.selected else facet.value)) for facet in search.categories],
        "departments": [
            (facet, link(department=None if facet.selected else facet.value)) for facet in search.departments
        ],
        "remove_links": [(facet, link(**{param: None})) for param, facet in search.selected],
        "pages": [
            (number, link(page=number) if isinstance(number, int) else None)
            for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
        ],
        "previous_link": link(page=page.previous_page_number()) if page.has_previous() else None,
        "next_link": link(page=page.next_page_number()) if page.has_next() else None,
    }
    return render(request, "powers/catalogue_list.html", context)


def _catalogue_link(base: str, filters: dict, **changes) -> str:
    """The list's URL with these filters changed (None removes one); a new filter starts at page 1."""
    params = {**filters, "page": None, **changes}
    query = urlencode([(name, value) for name, value in params.items() if value])
    return f"{base}?{query}" if query else base


def _apply_url(item) -> str | None:
    if item.category in NOT_APPLIED_FOR:
        return None
    return reverse("workflow:apply", kwargs={"code": item.code})


def _item_title(item) -> str:
    return _("Flowchart of %(name)s") % {"name": item.name}


@require_safe
def item(request, code: str):
    power_item = public_selectors.public_item(code)
    if power_item is None:
        raise Http404(_("No item with this code is in force."))
    steps = list(power_item.steps.all())
    context = {
        "item": power_item,
        "steps": steps,
        "materials": power_item.materials.all(),
        "standards": power_item.standards.all() if power_item.is_penalty else (),
        # Every text in the picture is escaped by render_flowchart: the markup goes in as it is.
        "flowchart": mark_safe(render_flowchart(steps, title=_item_title(power_item))),
        "applied_for": power_item.category not in NOT_APPLIED_FOR,
        "apply_url": _apply_url(power_item),
    }
    return render(request, "powers/item_detail.html", context)


@require_safe
def flowchart(request, code: str):
    found = public_selectors.flowchart_item(code)
    if found is None:
        raise Http404(_("No item with this code is in force."))
    power_item, steps = found
    response = HttpResponse(
        render_flowchart(steps, title=_item_title(power_item)), content_type="image/svg+xml; charset=utf-8"
    )
    # Opened on its own, the picture may run nothing and load nothing.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["Content-Disposition"] = f'inline; filename="{power_item.code}-flowchart.svg"'
    return response


@require_safe
def transparency(request):
    rows, totals = public_selectors.transparency_figures()
    return render(request, "powers/transparency.html", {"rows": rows, "totals": totals})
