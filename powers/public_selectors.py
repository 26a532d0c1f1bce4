"""Reads behind the public catalogue pages: published items only, in a fixed, small number of queries.

The search is a substring match on name, code and legal basis: Chinese is not split into words,
so a fragment such as 经营许可 must match inside 食品经营许可证核发. On PostgreSQL, trigram GIN
indexes on the three columns (migration 0002) serve both ``LIKE`` and ``ILIKE``; on SQLite the
few thousand rows are scanned.
"""

from dataclasses import dataclass, field
from functools import reduce
from operator import and_, or_

from django.db.models import Count, F, Lookup, Q, QuerySet, Value, prefetch_related_objects

from portal.models import Department

from .constants import Category
from .models import PowerItem, Step
from .selectors import cleanup_figures, published_items

SEARCH_FIELDS = ("name", "code", "legal_basis")
MAX_TERMS = 5
# What a result row shows; the long texts (legal basis, conditions, ...) stay in the database.
LIST_FIELDS = (
    "code",
    "version",
    "name",
    "category",
    "status",
    "legal_days",
    "promised_days",
    "is_immediate",
    "department__code",
    "department__name",
)


class _ILike(Lookup):
    """``column ILIKE pattern``, used as an expression, not registered on any field.

    ``icontains`` writes ``UPPER(column::text) LIKE UPPER(pattern)`` on PostgreSQL: a trigram index
    on the bare column cannot serve that, and a scan computes UPPER on every row. ILIKE is served
    by the same index as LIKE. SQLite's LIKE ignores the case of ASCII letters already.
    """

    lookup_name = "ilike"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        operator = "ILIKE" if connection.vendor == "postgresql" else "LIKE"
        return f"{lhs} {operator} {rhs} ESCAPE '\\'", (*lhs_params, *rhs_params)


def _term_filter(term: str) -> Q:
    """The term occurs in one of the searched columns. A term without letter case (Chinese,
    digits, dashes: nearly every query here) is matched with a plain LIKE, the cheapest test
    when the index cannot help (a term of one or two characters has no trigram)."""
    if term.lower() == term.upper():
        return reduce(or_, (Q(**{f"{name}__contains": term}) for name in SEARCH_FIELDS))
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return reduce(or_, (Q(_ILike(F(name), Value(f"%{escaped}%"))) for name in SEARCH_FIELDS))


def search_filter(q: str) -> Q:
    """Every whitespace-separated term must occur in the name, the code or the legal basis."""
    terms = q.split()[:MAX_TERMS]
    return reduce(and_, (_term_filter(term) for term in terms), Q())


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class CatalogueSearch:
    """One search of the catalogue: the matching items (lazy, ordered by code), how many there
    are, and the department and category facets with their counts."""

    items: QuerySet
    total: int
    departments: list[FacetValue] = field(default_factory=list)
    categories: list[FacetValue] = field(default_factory=list)

    @property
    def selected(self) -> list[tuple[str, FacetValue]]:
        """The filters in force, as (parameter, value), for the links that remove them."""
        chosen = [("department", f) for f in self.departments if f.selected]
        return chosen + [("category", f) for f in self.categories if f.selected]


def _department_names(ids: set[int]) -> dict[int, tuple[str, str]]:
    """Code and name of each of these departments, by id."""
    if not ids:
        return {}
    rows = Department.objects.filter(pk__in=ids).values_list("pk", "code", "name")
    return {pk: (code, name) for pk, code, name in rows}


def catalogue_search(*, q: str = "", department: str = "", category: str = "") -> CatalogueSearch:
    """Published items matching ``q``, in ``department`` (its code) and ``category`` when given.

    The facets come from one grouped count per (department, category) over the items that match
    ``q``: each facet counts with the other facet's filter applied but not its own, so a citizen
    sees how many items each alternative holds and can switch without first removing a filter.
    The same rows give the total, so the list costs three queries whatever the page: the counts,
    the names of the departments counted, and the page of items. The counts group by the
    department's id, not its name: without a keyword they come from an index-only scan of
    (department, category, status), and no join runs over every matching row.
    """
    matching = PowerItem.objects.published().filter(search_filter(q))
    groups = list(matching.values_list("department_id", "category").annotate(count=Count("id")).order_by())
    names = _department_names({department_id for department_id, _category, _count in groups})

    by_department: dict[str, list] = {}
    by_category: dict[str, int] = {}
    total = 0
    for department_id, item_category, n in groups:
        code, name = names[department_id]
        in_category = not category or item_category == category
        in_department = not department or code == department
        if in_category:
            entry = by_department.setdefault(code, [name, 0])
            entry[1] += n
        if in_department:
            by_category[item_category] = by_category.get(item_category, 0) + n
        if in_category and in_department:
            total += n

    departments = [
        FacetValue(code, name, n, code == department)
        for code, (name, n) in sorted(by_department.items(), key=lambda kv: (-kv[1][1], kv[0]))
    ]
    if department and department not in by_department:
        # Chosen, but nothing matches there: still shown, so that it can be removed.
        name = next((name for code, name in names.values() if code == department), department)
        departments.insert(0, FacetValue(department, name, 0, True))
    categories = [
        FacetValue(value, str(label), by_category.get(value, 0), value == category)
        for value, label in Category.choices
        if value in by_category or value == category
    ]

    items = published_items().filter(search_filter(q))
    if department:
        items = items.filter(department__code=department)
    if category:
        items = items.filter(category=category)
    items = items.only(*LIST_FIELDS).order_by("code")
    return CatalogueSearch(items=items, total=total, departments=departments, categories=categories)


def public_item(code: str) -> PowerItem | None:
    """The version in force of this item with its steps and materials, and its discretion
    standards when it is a penalty item (only those have any): three or four queries."""
    item = published_items().filter(code=code).first()
    if item is not None:
        prefetch_related_objects([item], "steps", "materials", *(["standards"] if item.is_penalty else []))
    return item


def flowchart_item(code: str) -> tuple[PowerItem, list[Step]] | None:
    """The version in force of this item (its name only) and its steps in order; None when no
    version is published."""
    item = PowerItem.objects.published().filter(code=code).only("id", "code", "name", "status").first()
    if item is None:
        return None
    return item, list(item.steps.order_by("position"))


@dataclass(frozen=True)
class CleanupTotals:
    retained: int
    cancelled: int
    merged: int
    added: int
    total: int


def transparency_figures() -> tuple[list, CleanupTotals]:
    """清权确权 per department, and the sums over all of them: one query."""
    rows = list(cleanup_figures())
    sums = {
        name: sum(getattr(row, name) for row in rows) for name in ("retained", "cancelled", "merged", "added", "total")
    }
    return rows, CleanupTotals(**sums)
