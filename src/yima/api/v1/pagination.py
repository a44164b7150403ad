"""Limit/offset pages for every list: `?limit=50&offset=100`, at most MAX_LIMIT per page.

Each page says how many items there are in all and gives the URLs of the next and previous
pages, so a client can walk a list without doing arithmetic.
"""

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from ninja import Field, Schema

MAX_LIMIT = 500


class PageIn(Schema):
    limit: int = Field(
        settings.YIMA_PAGE_SIZE, ge=1, le=MAX_LIMIT, description="Items per page (1-500)."
    )
    offset: int = Field(0, ge=0, le=10_000_000, description="Items to skip.")


class PageOut(Schema):
    count: int = Field(description="Items in the whole list.")
    limit: int
    offset: int
    next: str | None = Field(description="URL of the next page, if any.")
    previous: str | None = Field(description="URL of the previous page, if any.")
    items: list[Any]


def _url(request, offset: int, limit: int) -> str:
    query = request.GET.copy()
    query["offset"] = str(offset)
    query["limit"] = str(limit)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def paginate(request, queryset: QuerySet, page: PageIn) -> dict:
    """One page of `queryset` (already filtered and ordered) with count and links."""
    count = queryset.count()
    items = list(queryset[page.offset : page.offset + page.limit]) if count else []
    following = page.offset + page.limit
    return {
        "count": count,
        "limit": page.limit,
        "offset": page.offset,
        "next": _url(request, following, page.limit) if following < count else None,
        "previous": (
            _url(request, max(page.offset - page.limit, 0), page.limit) if page.offset else None
        ),
        "items": items,
    }
