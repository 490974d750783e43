"""A page of a list and the list's length from one query.

Django's Paginator counts the list (one query), then reads the page (a second). For a list
behind a visibility rule both queries work out the same set of rows the person may see, so a
page paid for it twice. `OneQueryPaginator` reads the page with the total beside each row
(`COUNT(*) OVER ()`, worked out once over the filtered rows), so the rule is worked out once.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import Coalesce

TOTAL = "paging_total"
# No list holds this many rows; a page number past it (typed into the address) is counted as
# Django counts it, instead of an offset the database refuses.
FURTHEST_ROW = 10**9


class OneQueryPaginator(Paginator):
    """A Paginator over a queryset that reads a page and the count in one query.

    Past the last page it counts as Django does (a second query) and shows the last page, as
    `get_page` always has. A list that is not a plain queryset (a union, a Python list) is
    paged Django's own way.
    """

    def get_page(self, number):
        if not self._countable_in_one():
            return super().get_page(number)
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return super().page(self.num_pages)

    def page(self, number):
        if not self._countable_in_one():
            return super().page(number)
        number = self._whole_number(number)
        bottom = (number - 1) * self.per_page
        counted = self.object_list.annotate(**{TOTAL: Window(Count("pk"))}).order_by(
            *_ordered_without_index(self.object_list)
        )
        rows = list(counted[bottom : bottom + self.per_page])
        if rows:
            self.__dict__["count"] = getattr(rows[0], TOTAL)
        elif number == 1:
            self.__dict__["count"] = 0
        else:
            raise EmptyPage(self.error_messages["no_results"])
        return self._get_page(rows, number, self)

    def _countable_in_one(self) -> bool:
        query = getattr(self.object_list, "query", None)
        return (
            isinstance(self.object_list, QuerySet)
            and query.combinator is None
            and not query.distinct
            and not self.orphans
            and self.allow_empty_first_page
        )

    def _whole_number(self, number) -> int:
        """The page number checked as Django checks it, but without counting the list."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        if (number - 1) * self.per_page > FURTHEST_ROW:
            raise EmptyPage(self.error_messages["no_results"])
        return number


def _ordered_without_index(queryset: QuerySet) -> list:
    """The list's own order, each field written as COALESCE(field, field): the same order,
    which no index matches.

    The count beside each row needs every row before the first comes out, but PostgreSQL
    (15) plans as though the LIMIT lets it stop early, and so walked an index in the list's
    order through all 500,000 concerns to find 87 (460 ms). Written so, it gathers the rows
    from the filters' own indexes and sorts the few it finds."""
    ordering = queryset.query.order_by or queryset.model._meta.ordering
    return [_unindexed(term) if isinstance(term, str) else term for term in ordering]


def _unindexed(term: str):
    name = term.removeprefix("-")
    if name in ("?", "pk") or "." in name:
        return term
    same = Coalesce(F(name), F(name))
    return same.desc() if term.startswith("-") else same.asc()
