"""Positions from phones: datum conversion to WGS-84 and the distance to a facility.

The ledger stores WGS-84. Browsers report WGS-84; WeChat's JS-SDK reports GCJ-02 (China's
obfuscated datum, a few hundred metres off). A GCJ-02 fix is converted with fast-geocn before any
distance is computed, so the two datums are never mixed.
"""

import math
from decimal import ROUND_HALF_UP, Decimal

import fast_geocn

from yima.operations.choices import CoordSystem

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)
_7DP = Decimal("0.0000001")


def to_wgs84(coord_system: str, latitude: float, longitude: float) -> tuple[Decimal, Decimal]:
    """(latitude, longitude) in WGS-84, rounded to 7 decimals (about 1 cm)."""
    if coord_system == CoordSystem.GCJ02:
        lng, lat = fast_geocn.gcj02_to_wgs84(float(longitude), float(latitude))
    elif coord_system == CoordSystem.WGS84:
        lng, lat = float(longitude), float(latitude)
    else:
        raise ValueError(f"Unknown coordinate system: {coord_system!r}")
    return (
        Decimal(repr(lat)).quantize(_7DP, ROUND_HALF_UP),
        Decimal(repr(lng)).quantize(_7DP, ROUND_HALF_UP),
    )


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    dphi = phi2 - phi1
    dlmb = math.radians(float(lon2) - float(lon1))
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
