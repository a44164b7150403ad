"""The demo dataset: the Nanchang case, and the benchmark data generator.

`generate()` loads Nanchang's real regions, generates administrative villages (marked demo data)
under real rural towns, the city and county bureaus, three O&M contractors and the facilities.
The defaults reproduce the published figures: 514 facilities in 68 towns and 347 villages.
Everything is drawn from one seeded random generator, so a seed always gives the same data.
Writes are bulk (one code allocation per county and year, bulk inserts with history), so the
cost grows with generation, not with queries: 100,000 facilities take about a minute on SQLite.
"""

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from yima.accounts.choices import OrganisationKind
from yima.accounts.models import Membership, Organisation, User
from yima.facilities.choices import Grade, Process, Standard, Status
from yima.facilities.models import Facility, StatusChange
from yima.facilities.services import codes_allocate
from yima.regions import geo
from yima.regions.choices import Level
from yima.regions.models import Region
from yima.regions.selectors import rural_town_list
from yima.regions.services import regions_import

DEMO_REASON = "Demo data"
DEFAULT_SEED = 2019
NANCHANG_CSV = Path(__file__).resolve().parents[1] / "regions" / "data" / "nanchang-regions.csv"
CITY_CODE = "360100000000"
CITY_PREFIX = "3601"

# The published Nanchang figures (DOMAIN.md §1): the default dataset matches them exactly.
DEFAULT_FACILITIES = 514
DEFAULT_TOWNS = 68
DEFAULT_VILLAGES = 347
DEFAULT_YEARS = tuple(range(2015, 2024))
# Village codes run 201, 202, ... like NBS 村委会 codes; a real town has a few dozen villages,
# the cap only keeps benchmark-sized runs (100,000 facilities) to a few facilities per village.
MAX_VILLAGES_PER_TOWN = 300
FIRST_VILLAGE_SUFFIX = 201

CITY_BUREAU = "南昌市生态环境局"
NANCHANG_COUNTY_BUREAU = "南昌县生态环境分局"
# Fictitious contractors; each holds whole counties that lie next to each other.
CONTRACTORS = (
    # 南昌县 with the eastern and southern districts.
    ("江西赣清环保科技有限公司", "0791-86325108", ("360121", "360104", "360111", "360102")),
    # 新建区, 红谷滩区 and 安义县 west of the Gan river.
    ("江西绿源水务环保科技有限公司", "0791-83817266", ("360112", "360113", "360123", "360103")),
    # 进贤县 to the south-east.
    ("江西鄱湖环境工程有限公司", "0791-85609723", ("360124",)),
)

DEMO_PASSWORD = "yima-demo-2026"  # noqa: S105 - documented demo logins, printed by `yima demo`

# --- Name parts -----------------------------------------------------------------------------

_SURNAMES = (
    "罗李张王刘陈杨黄赵吴周徐孙胡朱高林何郭马熊万涂邓魏喻龚聂付程曾彭肖蔡余潘杜戴夏钟汪田任"
    "姜范方石姚谭廖邹雷闵裘甘揭"
)
_LANDFORMS = (
    "新塘",
    "上湾",
    "下湾",
    "桥头",
    "山下",
    "塘边",
    "河口",
    "洲上",
    "岭下",
    "港口",
    "田心",
    "坪上",
    "垄口",
    "东山",
    "西岭",
    "南塘",
    "北港",
    "前湖",
    "后山",
    "大塘",
    "小港",
    "中洲",
    "高坪",
    "石桥",
    "沙湖",
    "竹山",
    "枫林",
    "桃源",
    "杨柳",
    "荷塘",
    "梅林",
    "黄泥",
    "白沙",
    "长垄",
    "青山",
    "新圩",
    "老屋",
    "新屋",
    "坎下",
    "湖头",
)
_LAND_SUFFIXES = "湾塘桥洲岭坪垄港山源溪埠圩岗"
_WATER_SUFFIXES = ("河", "港", "渠", "塘", "沟", "溪")


def _village_name_pool() -> tuple[list[str], list[str], list[str]]:
    """Three kinds of plausible village names: 罗家村, 新塘村, 罗湾村."""
    family = [f"{s}家村" for s in _SURNAMES] + [f"{s}坊村" for s in _SURNAMES]
    landform = [f"{w}村" for w in _LANDFORMS]
    mixed = [f"{s}{w}村" for s in _SURNAMES for w in _LAND_SUFFIXES]
    return family, landform, mixed


class DemoError(Exception):
    """The demo cannot be generated here (e.g. the database already has facilities)."""


DB_NOT_EMPTY = "The database already has facilities; the demo only loads into an empty ledger."


@dataclass
class DemoResult:
    facilities: int = 0
    towns: int = 0
    villages: int = 0
    counties: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


# --- Helpers ----------------------------------------------------------------------------------


def _apportion(total: int, weights: Sequence[float], *, minimum: int = 0, cap: int | None = None):
    """Split `total` into integers proportional to `weights` (largest remainder), each at least
    `minimum` and at most `cap`. Deterministic for given weights."""
    n = len(weights)
    counts = [minimum] * n
    rest = total - minimum * n
    open_ = [i for i in range(n) if cap is None or counts[i] < cap]
    while rest > 0 and open_:
        weight_sum = sum(weights[i] for i in open_)
        shares = {i: rest * weights[i] / weight_sum for i in open_}
        given = 0
        for i in open_:
            add = int(shares[i])
            if cap is not None:
                add = min(add, cap - counts[i])
            counts[i] += add
            given += add
        left = rest - given
        by_remainder = sorted(open_, key=lambda i: (-(shares[i] - int(shares[i])), i))
        for i in by_remainder:
            if left <= 0:
                break
            if cap is None or counts[i] < cap:
                counts[i] += 1
                left -= 1
        rest = left
        open_ = [i for i in open_ if cap is None or counts[i] < cap]
    return counts


def _point(county_code: str, rng: random.Random, near=None, radius=0.05) -> tuple[Decimal, Decimal]:
    """A point inside the county, rounded as the ledger stores it (6 decimals) and still inside."""
    for _attempt in range(50):
        x, y = geo.random_point_in_county(county_code, rng, near=near, radius=radius)
        lon, lat = Decimal(f"{x:.6f}"), Decimal(f"{y:.6f}")
        if geo.county_contains(county_code, lon, lat):
            return lon, lat
        # Rounding put it just across the border: draw again.
    raise DemoError(f"No point found inside county {county_code}.")


def _plan_counts(facilities: int) -> tuple[int, int]:
    """How many towns and villages a dataset of this size spreads over (514 -> 68, 347)."""
    towns = max(1, min(facilities, round(facilities * DEFAULT_TOWNS / DEFAULT_FACILITIES)))
    villages = round(facilities * DEFAULT_VILLAGES / DEFAULT_FACILITIES)
    return towns, villages


def _pick_towns(all_towns: list[Region], count: int, rng: random.Random) -> list[Region]:
    """`count` towns spread over the counties in proportion to their rural towns."""
    by_county: dict[str, list[Region]] = {}
    for town in all_towns:
        by_county.setdefault(town.code[:6], []).append(town)
    counties = sorted(by_county)
    quotas = _apportion(count, [len(by_county[c]) for c in counties], cap=None)
    picked = []
    for county, quota in zip(counties, quotas, strict=True):
        quota = min(quota, len(by_county[county]))
        picked += rng.sample(by_county[county], quota)
    return sorted(picked, key=lambda t: t.code)


def _years_weights(years: Sequence[int]) -> list[float]:
    # Building peaked around 2018-2020 with the rural environment campaign.
    if tuple(years) == DEFAULT_YEARS:
        return [5, 8, 12, 16, 18, 15, 11, 8, 7]
    return [1.0] * len(years)


_SMALL = ((5, 6), (8, 5), (10, 12), (15, 10), (20, 12), (25, 7), (30, 12), (40, 8), (50, 10))
_MEDIUM = ((60, 5), (80, 5), (100, 5))
_LARGE = ((120, 3), (150, 3), (200, 2), (250, 1), (300, 1))
_HUGE = ((500, 2), (800, 1))


def _capacity(rng: random.Random) -> int:
    roll = rng.random()
    table = _SMALL if roll < 0.80 else _MEDIUM if roll < 0.94 else _LARGE if roll < 0.995 else _HUGE
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights)[0]


_PROCESS_SMALL = (
    (Process.INTEGRATED, 35),
    (Process.WETLAND, 25),
    (Process.ANAEROBIC, 12),
    (Process.AO, 15),
    (Process.CONTACT_OXIDATION, 13),
)
_PROCESS_MEDIUM = (
    (Process.AO, 25),
    (Process.A2O, 20),
    (Process.INTEGRATED, 25),
    (Process.CONTACT_OXIDATION, 15),
    (Process.WETLAND, 10),
    (Process.MBR, 5),
)
_PROCESS_LARGE = (
    (Process.A2O, 40),
    (Process.MBR, 25),
    (Process.AO, 15),
    (Process.SBR, 10),
    (Process.CONTACT_OXIDATION, 10),
)


def _process(capacity: int, rng: random.Random) -> str:
    table = _PROCESS_LARGE
    if capacity <= 20:
        table = _PROCESS_SMALL
    elif capacity <= 100:
        table = _PROCESS_MEDIUM
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights)[0]


def _standard_and_grade(capacity: int, rng: random.Random) -> tuple[str, str]:
    # Provincial rural standards cover facilities under 500 m3/d; larger ones follow GB 18918.
    if capacity >= 500:
        return Standard.GB18918_2002, rng.choice((Grade.GRADE_1A, Grade.GRADE_1B))
    if capacity >= 100:
        return Standard.DB36_1102_2019, rng.choices((Grade.GRADE_1A, Grade.GRADE_1B), (1, 3))[0]
    grades = (Grade.GRADE_1B, Grade.GRADE_2, Grade.GRADE_3)
    return Standard.DB36_1102_2019, rng.choices(grades, (45, 45, 10))[0]


_SUSPENSION_REASONS = ("设备故障，停运检修", "管网改造，暂停运行", "进水量不足，暂停运行")


def _facility_name(town: Region, village: Region, process: str, index: int, count: int, rng):
    if count > 1:
        return f"{village.name}{index}号污水处理站"
    if process == Process.INTEGRATED:
        return f"{village.name}一体化污水处理设施"
    if process == Process.WETLAND and rng.random() < 0.5:
        return f"{village.name}人工湿地污水处理站"
    return f"{town.name}{village.name}污水处理站"


# --- Steps ------------------------------------------------------------------------------------


def _organisations(counties: list[Region], city: Region, actor) -> dict[str, Organisation]:
    """The city bureau, one bureau per county with facilities, and the contractors (by county)."""

    def ensure(name: str, **fields) -> Organisation:
        org = Organisation.objects.filter(name=name).first()
        if org is None:
            org = Organisation(name=name, **fields)
            org._history_user = actor
            org._change_reason = DEMO_REASON
            org.save()
        return org

    ensure(CITY_BUREAU, kind=OrganisationKind.REGULATOR, region=city)
    for county in counties:
        ensure(f"{county.name}生态环境分局", kind=OrganisationKind.REGULATOR, region=county)
    by_county = {}
    for index, (name, phone, county_codes) in enumerate(CONTRACTORS):
        org = ensure(name, kind=OrganisationKind.CONTRACTOR, phone=phone)
        for code in county_codes:
            by_county[code] = org
        by_county[f"#{index}"] = org
    for n, county in enumerate(counties):  # a county missing from the map still gets one
        by_county.setdefault(county.code[:6], by_county[f"#{n % len(CONTRACTORS)}"])
    return by_county


def _villages(
    towns: list[Region], count: int, rng: random.Random, actor
) -> dict[int, list[Region]]:
    """Generate `count` villages under the towns (each town at least one); {town pk: villages}."""
    weights = [rng.uniform(0.6, 1.4) for _ in towns]
    per_town = _apportion(count, weights, minimum=1, cap=MAX_VILLAGES_PER_TOWN)
    used = {}  # codes and names already taken (when adding to an existing ledger)
    for region in Region.objects.filter(parent__in=towns).only("code", "name", "parent_id"):
        codes, names = used.setdefault(region.parent_id, (set(), set()))
        codes.add(region.code)
        names.add(region.name)
    family, landform, mixed = _village_name_pool()
    rows = []
    for town, n in zip(towns, per_town, strict=True):
        codes, names = used.get(town.pk, (set(), set()))
        pools = [
            [x for x in family if x not in names],
            [x for x in landform if x not in names],
            [x for x in mixed if x not in names],
        ]
        suffix = FIRST_VILLAGE_SUFFIX
        for _village in range(n):
            while f"{town.code[:9]}{suffix:03d}" in codes:
                suffix += 1
            if suffix > 999:
                raise DemoError(f"No village codes left under {town.code}.")
            kind = rng.choices((0, 1, 2), (40, 25, 35))[0]
            pool = pools[kind] or next(p for p in pools if p)
            pick = rng.randrange(len(pool))
            pool[pick], pool[-1] = pool[-1], pool[pick]
            rows.append((f"{town.code[:9]}{suffix:03d}", pool.pop(), town.code))
            suffix += 1
    regions_import(path_or_rows=rows, actor=actor, reason=DEMO_REASON, is_demo=True)
    new_codes = {row[0] for row in rows}
    by_town: dict[int, list[Region]] = {}
    for village in Region.objects.filter(parent__in=towns, level=Level.VILLAGE).order_by("code"):
        if village.code in new_codes:
            by_town.setdefault(village.parent_id, []).append(village)
    return by_town


@transaction.atomic
def generate(
    *,
    facilities: int = DEFAULT_FACILITIES,
    seed: int = DEFAULT_SEED,
    years: Sequence[int] | None = None,
    actor: User | None = None,
    allow_existing: bool = False,
) -> DemoResult:
    """Load the Nanchang demo: regions, villages, bureaus, contractors and `facilities`.

    Refuses (DemoError) when the ledger already has facilities, unless `allow_existing`.
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    if facilities < 1:
        raise DemoError("At least one facility is needed.")
    if not allow_existing and Facility.objects.exists():
        raise DemoError(DB_NOT_EMPTY)
    rng = random.Random(seed)
    years = tuple(years or DEFAULT_YEARS)
    year_weights = _years_weights(years)

    regions_import(path_or_rows=NANCHANG_CSV, actor=actor, reason=DEMO_REASON)
    city = Region.objects.get(code=CITY_CODE)
    all_towns = list(rural_town_list(under=CITY_PREFIX).select_related("parent").order_by("code"))
    town_count, village_count = _plan_counts(facilities)
    towns = _pick_towns(all_towns, min(town_count, len(all_towns)), rng)
    village_count = max(len(towns), min(village_count, facilities))
    village_count = min(village_count, len(towns) * MAX_VILLAGES_PER_TOWN)
    counties = sorted({town.parent for town in towns}, key=lambda c: c.code)
    contractor_for = _organisations(counties, city, actor)
    timings["regions"] = time.perf_counter() - started

    villages_by_town = _villages(towns, village_count, rng, actor)
    villages = [(town, v) for town in towns for v in villages_by_town[town.pk]]
    per_village = _apportion(
        facilities, [rng.uniform(0.5, 1.5) for _ in villages], minimum=1, cap=None
    )
    timings["villages"] = time.perf_counter() - started - sum(timings.values())

    # Coordinates: towns somewhere in their county, villages around their town, facilities
    # beside their village.
    centres = {town.pk: tuple(map(float, _point(town.code, rng))) for town in towns}
    objs: list[Facility] = []
    suspensions: dict[int, tuple[date, str]] = {}
    for (town, village), count in zip(villages, per_village, strict=True):
        county = town.parent
        v_lon, v_lat = _point(county.code, rng, near=centres[town.pk], radius=0.04)
        stem = village.name.removesuffix("村")
        water = f"{stem}{rng.choice(_WATER_SUFFIXES)}"
        for index in range(1, count + 1):
            lon, lat = _point(county.code, rng, near=(float(v_lon), float(v_lat)), radius=0.006)
            year = rng.choices(years, year_weights)[0]
            capacity = _capacity(rng)
            process = _process(capacity, rng)
            standard, grade = _standard_and_grade(capacity, rng)
            population = round(capacity / rng.uniform(0.10, 0.15))
            households = max(1, round(population / rng.uniform(3.2, 4.2)))
            since = date(year, rng.randint(1, 12), rng.randint(1, 28))
            status = Status.IN_SERVICE
            roll = rng.random()
            if year == years[-1] and roll < 0.25:
                status = Status.CONSTRUCTION
            elif roll < 0.04:
                status = Status.SUSPENDED
                later = date(min(year + rng.randint(1, 3), years[-1] + 1), rng.randint(1, 12), 15)
                suspensions[len(objs)] = (since, rng.choice(_SUSPENSION_REASONS))
                since = later
            objs.append(
                Facility(
                    name=_facility_name(town, village, process, index, count, rng),
                    county=county,
                    town=town,
                    village=village,
                    longitude=lon,
                    latitude=lat,
                    year_built=year,
                    capacity_m3d=Decimal(capacity),
                    process=process,
                    households=households,
                    population=population,
                    standard=standard,
                    grade=grade,
                    receiving_water=water if rng.random() < 0.7 else f"{stem}塘",
                    contractor=contractor_for[county.code[:6]],
                    status=status,
                    status_since=since,
                )
            )
    timings["generate"] = time.perf_counter() - started - sum(timings.values())

    # One code allocation per county and year, in the order the facilities were generated.
    groups: dict[tuple[str, int], list[Facility]] = {}
    for obj in objs:
        groups.setdefault((obj.county.code[:6], obj.year_built), []).append(obj)
    for (county_code, year), members in sorted(groups.items()):
        if len(members) > 9999:
            raise DemoError(
                f"{len(members)} facilities for county {county_code} in {year}: a county has "
                "9,999 serials a year; spread them over more years."
            )
        for obj, code in zip(
            members,
            codes_allocate(county_code=county_code, year=year, count=len(members)),
            strict=True,
        ):
            obj.code = code
    created = bulk_create_with_history(
        objs, Facility, batch_size=2000, default_user=actor, default_change_reason=DEMO_REASON
    )
    timings["facilities"] = time.perf_counter() - started - sum(timings.values())

    changes = []
    for index, obj in enumerate(created):
        if index in suspensions:
            in_service_on, why = suspensions[index]
            changes.append(
                StatusChange(
                    facility=obj,
                    from_status="",
                    to_status=Status.IN_SERVICE,
                    effective_on=in_service_on,
                    reason=DEMO_REASON,
                    actor=actor,
                )
            )
            changes.append(
                StatusChange(
                    facility=obj,
                    from_status=Status.IN_SERVICE,
                    to_status=Status.SUSPENDED,
                    effective_on=obj.status_since,
                    reason=why,
                    actor=actor,
                )
            )
        else:
            changes.append(
                StatusChange(
                    facility=obj,
                    from_status="",
                    to_status=obj.status,
                    effective_on=obj.status_since,
                    reason=DEMO_REASON,
                    actor=actor,
                )
            )
    StatusChange.objects.bulk_create(changes, batch_size=2000)
    timings["status"] = time.perf_counter() - started - sum(timings.values())

    return DemoResult(
        facilities=len(created),
        towns=len(towns),
        villages=len(villages),
        counties=len(counties),
        seconds=time.perf_counter() - started,
        timings=timings,
    )


# --- Demo logins --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    organisation: str  # name of the organisation joined ("" for the administrator)
    last_name: str
    first_name: str
    description: str  # what this login can see, in the demo's language


def demo_logins() -> list[DemoLogin]:
    """The demo's users: an administrator, the city bureau, 南昌县's bureau, one per contractor."""
    logins = [
        DemoLogin("admin", "", "", "", _("Administrator: every facility, and the admin site")),
        DemoLogin("shiju", CITY_BUREAU, "李", "文华", _("All of Nanchang; may edit the ledger")),
        DemoLogin(
            "nanchangxian",
            NANCHANG_COUNTY_BUREAU,
            "王",
            "建国",
            _("Only Nanchang County's facilities; may edit them"),
        ),
    ]
    people = (("刘", "志强"), ("陈", "海涛"), ("黄", "小军"))
    for n, ((name, _phone, _counties), (last, first)) in enumerate(
        zip(CONTRACTORS, people, strict=True), start=1
    ):
        seen = _("The facilities under its contract (ledger read-only)")
        logins.append(DemoLogin(f"yunwei{n}", name, last, first, seen))
    return logins


def demo_users_ensure(*, password: str = DEMO_PASSWORD) -> list[tuple[DemoLogin, User, bool]]:
    """Create the demo users that are missing (existing ones are left as they are)."""
    result = []
    orgs = {org.name: org for org in Organisation.objects.all()}
    hashed = None  # hashing is slow on purpose: do it once for all the demo users
    for login in demo_logins():
        user = User.objects.filter(username=login.username).first()
        created = user is None
        if created:
            user = User(
                username=login.username,
                last_name=login.last_name,
                first_name=login.first_name,
                is_staff=login.username == "admin",
                is_superuser=login.username == "admin",
            )
            hashed = hashed or make_password(password)
            user.password = hashed
            user.save()
        org = orgs.get(login.organisation)
        if org is not None:
            Membership.objects.get_or_create(user=user, organisation=org)
        result.append((login, user, created))
    return result
