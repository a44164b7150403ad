"""Judging a water sample against the limits of one standard and grade (DOMAIN.md §4).

Rules: pH must lie in its range; every other item must not exceed its maximum (a value equal to
the limit meets it); NH3-N uses its cold-water limit when the recorded water temperature is
12 °C or lower (without a temperature, the stricter warm-water limit applies). Items the grade
sets no limit for do not count either way. A sample meets the standard only if every measured
item with a limit does; when the grade has no limits loaded at all the verdict is "unknown",
never "compliant".
"""

from dataclasses import dataclass
from decimal import Decimal

from yima.operations.choices import Compliance, ItemResult, Pollutant

COLD_WATER_MAX_C = Decimal("12")


@dataclass(frozen=True)
class Limit:
    pollutant: str
    limit_min: Decimal | None
    limit_max: Decimal | None
    cold_limit_max: Decimal | None = None
    unit: str = "mg/L"

    @property
    def is_set(self) -> bool:
        return self.limit_min is not None or self.limit_max is not None


def _str(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def assess(
    values: dict[str, Decimal],
    limits: dict[str, Limit],
    water_temperature_c: Decimal | None = None,
) -> tuple[str, list[dict]]:
    """(overall compliance, per-item results) for measured `values` keyed by Pollutant."""
    results: list[dict] = []
    any_limits = any(limit.is_set for limit in limits.values())
    verdicts: list[str] = []
    for pollutant in Pollutant:
        value = values.get(pollutant.value)
        if value is None:
            continue
        limit = limits.get(pollutant.value)
        low = high = None
        cold = False
        if limit is not None and limit.is_set:
            low, high = limit.limit_min, limit.limit_max
            if (
                pollutant == Pollutant.NH3N
                and limit.cold_limit_max is not None
                and water_temperature_c is not None
                and water_temperature_c <= COLD_WATER_MAX_C
            ):
                high, cold = limit.cold_limit_max, True
            ok = (low is None or value >= low) and (high is None or value <= high)
            verdict = ItemResult.PASS if ok else ItemResult.FAIL
        else:
            verdict = ItemResult.NO_LIMIT
        verdicts.append(verdict)
        results.append(
            {
                "pollutant": pollutant.value,
                "value": _str(value),
                "min": _str(low),
                "max": _str(high),
                "cold_water": cold,
                "unit": "" if pollutant == Pollutant.PH else (limit.unit if limit else "mg/L"),
                "result": verdict.value,
            }
        )
    if not any_limits:
        overall = Compliance.UNKNOWN
    elif ItemResult.FAIL in verdicts:
        overall = Compliance.NON_COMPLIANT
    elif ItemResult.PASS in verdicts:
        overall = Compliance.COMPLIANT
    else:
        overall = Compliance.UNKNOWN
    return overall.value, results
