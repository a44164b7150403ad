"""Reads of the region tree (regions are public reference data: no visibility gate)."""

from collections.abc import Iterable

from django.db.models import QuerySet

from yima.regions.choices import Level
from yima.regions.models import Region

# Town-level units whose names end like this are rural (镇 town, 乡 township); the others are
# urban sub-districts (街道) or development zones and farms.
RURAL_TOWN_SUFFIXES = ("镇", "乡")


def region_list(*, level: str | None = None, under: str = "") -> QuerySet[Region]:
    """Regions of one level (or all), optionally only those whose code starts with `under`."""
    qs = Region.objects.all()
    if level:
        qs = qs.filter(level=level)
    if under:
        qs = qs.filter(code__startswith=under)
    return qs


def rural_town_list(*, under: str = "") -> QuerySet[Region]:
    """Towns (镇) and townships (乡) under a code prefix, e.g. '3601' for all of Nanchang."""
    qs = region_list(level=Level.TOWN, under=under)
    return qs.filter(name__endswith=RURAL_TOWN_SUFFIXES[0]) | qs.filter(
        name__endswith=RURAL_TOWN_SUFFIXES[1]
    )


def regions_by_code(codes: Iterable[str], *, chunk: int = 900) -> dict[str, Region]:
    """{code: region} for the codes that exist; chunked to stay under SQL parameter limits."""
    codes = list(dict.fromkeys(codes))
    found: dict[str, Region] = {}
    for start in range(0, len(codes), chunk):
        for region in Region.objects.filter(code__in=codes[start : start + chunk]):
            found[region.code] = region
    return found
