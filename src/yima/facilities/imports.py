"""Importing a ledger workbook: check every row, then write all of it or nothing.

Lookups are loaded once (regions per county named in the file, contractors, existing
facilities by code in chunks), rows are checked in plain Python, and the write is one
transaction of bulk inserts and updates that keep history (actor and reason) and status changes.
A 100,000-row file costs a few hundred queries, not one per row; see "Writing" below for why
the write does not go through bulk_create.
"""

import gc
import logging
import re
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from operator import itemgetter
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yima.accounts.choices import OrganisationKind
from yima.accounts.models import Organisation
from yima.accounts.scope import Scope, scope_for
from yima.core.db import reserve_ids
from yima.facilities import excel
from yima.facilities.choices import STATUS_TRANSITIONS, Grade, Process, Standard, Status
from yima.facilities.codes import compose_many, format_code
from yima.facilities.models import CodeSerial, Facility, StatusChange
from yima.regions.choices import Level
from yima.regions.geo import county_contains_many
from yima.regions.models import Region

logger = logging.getLogger(__name__)

# phase ("reading" or "writing"), rows done, rows in all
Progress = Callable[[str, int, int], None]

CHANGES_SHOWN = 200  # rows whose changes are listed (dry run and result page)
BATCH = 1000  # rows per INSERT/UPDATE statement
CHUNK = 5000  # rows prepared at once for writing (bounds memory)
PROGRESS_EVERY = 2000

DEFAULT_REASON = gettext_noop("Imported from Excel")
UNKNOWN_COUNTY = gettext_noop("No county “%(value)s” (give its name or 6-digit code).")
AMBIGUOUS_COUNTY = gettext_noop("Several counties are called “%(value)s”; give its code.")
UNKNOWN_TOWN = gettext_noop("No town “%(value)s” in %(county)s.")
TOWN_ELSEWHERE = gettext_noop("Town %(value)s does not belong to %(county)s.")
AMBIGUOUS_TOWN = gettext_noop("Several towns in %(county)s are called “%(value)s”; give its code.")
UNKNOWN_VILLAGE = gettext_noop("No village “%(value)s” in %(town)s.")
VILLAGE_ELSEWHERE = gettext_noop("Village %(value)s does not belong to %(town)s.")
AMBIGUOUS_VILLAGE = gettext_noop(
    "Several villages in %(town)s are called “%(value)s”; give its code."
)
NAME_CODE_MISMATCH = gettext_noop("“%(name)s” does not match code %(code)s, which is %(actual)s.")
UNKNOWN_CONTRACTOR = gettext_noop("No O&M contractor called “%(value)s”.")
OUT_OF_SCOPE = gettext_noop("%(region)s lies outside your jurisdiction.")
COORDINATE_PAIR = gettext_noop("Give both longitude and latitude, or neither.")
OUTSIDE_COUNTY = gettext_noop("The point (%(lon)s, %(lat)s) lies outside %(county)s.")
DUPLICATE_CODE = gettext_noop("Code %(code)s also appears in row %(row)s.")
DELETED_CODE = gettext_noop("Facility %(code)s was deleted; its code cannot be used again.")
NOT_EDITABLE = gettext_noop("Facility %(code)s is not one you may change.")
LEGACY_MISMATCH = gettext_noop(
    "Code %(code)s is not registered yet and can only be kept for a facility in county "
    "%(code_county)s built in %(code_year)s; this row says %(county)s, %(year)s."
)
NO_SERIALS = gettext_noop("No serials left for county %(county)s and year %(year)s.")
BAD_TRANSITION = gettext_noop("A facility cannot go from %(from)s to %(to)s.")
CONFLICT = gettext_noop(
    "Some of these facilities were changed by someone else while the file was being checked. "
    "Nothing was written; please import the file again."
)
UNREADABLE = excel.NOT_A_WORKBOOK

# Facility fields the workbook sets, by column key.
FIELD_OF = {
    "name": "name",
    "county": "county_id",
    "town": "town_id",
    "village": "village_id",
    "longitude": "longitude",
    "latitude": "latitude",
    "year_built": "year_built",
    "capacity_m3d": "capacity_m3d",
    "process": "process",
    "households": "households",
    "population": "population",
    "standard": "standard",
    "grade": "grade",
    "receiving_water": "receiving_water",
    "contractor": "contractor_id",
    "status": "status",
}
COLUMN_OF_FIELD = {attname: key for key, attname in FIELD_OF.items()}
# Columns copied as they are; regions, contractor and code are resolved by the checker.
_PLAIN_FIELDS = {
    k: v for k, v in FIELD_OF.items() if k not in {"county", "town", "village", "contractor"}
}
_ABSENT = object()
_NAME_AND_CODE = re.compile(r"(.*?)\s*\(\s*(\d{6}|\d{9}|\d{12})\s*\)")
# Defaults for a new facility when a column is missing or its cell is empty.
CREATE_DEFAULTS = {
    "village_id": None,
    "longitude": None,
    "latitude": None,
    "households": None,
    "population": None,
    "standard": Standard.DB36_1102_2019.value,
    "receiving_water": "",
    "contractor_id": None,
    "status": Status.IN_SERVICE.value,
}
# Non-null fields: an empty cell keeps the facility's value on update (column keys).
KEEP_WHEN_EMPTY = {"standard", "status"}
_CONCRETE = [f.attname for f in Facility._meta.concrete_fields]


@dataclass
class RowError:
    row: int | None  # as Excel shows it (header = 1); None for the file as a whole
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(_(excel.ROW) % {"row": self.row})
        if self.column:
            parts.append(self.column)
        return " · ".join(parts) + ("：" if parts else "") + self.message


@dataclass
class ImportResult:
    dry_run: bool
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    # The first CHANGES_SHOWN created/updated rows: {row, action, code, name, diffs}.
    changes: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run


class _Ref(NamedTuple):
    id: int
    code: str
    name: str
    parent_id: int | None


class _Conflict(Exception):
    pass


def _nothing(phase: str, done: int, total: int) -> None:
    pass


def ledger_import(
    *, path, actor, dry_run: bool, reason: str = "", progress: Progress | None = None
) -> ImportResult:
    """Import a ledger workbook as `actor` (None: the system, unrestricted).

    Every row is checked first; if any row is invalid the result lists every error and nothing
    is written. With `dry_run` nothing is written either, and the result says what would change.
    """
    with _without_cycle_collection():
        return _import(path=path, actor=actor, dry_run=dry_run, reason=reason, progress=progress)


@contextmanager
def _without_cycle_collection():
    """Checking a big file builds hundreds of thousands of small, acyclic objects that live
    until the end; Python's cycle collector would scan them again and again (a third of the
    checking time at 100,000 rows). Reference counting still frees everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import(*, path, actor, dry_run: bool, reason: str, progress: Progress | None) -> ImportResult:
    progress = progress or _nothing
    result = ImportResult(dry_run=dry_run)
    reason = (reason or "").strip() or _(DEFAULT_REASON)
    scope = Scope(is_admin=True) if actor is None else scope_for(actor)
    try:
        height, rows = excel.open_sheet(path)
        header = next(rows, None)
    except Exception as exc:  # python-calamine raises several error types
        result.errors.append(RowError(None, "", _(UNREADABLE) % {"error": exc}))
        return result
    if header is None:
        result.errors.append(RowError(None, "", _(excel.NO_HEADER)))
        return result
    header_row, header_cells = header
    mapping, header_errors = excel.match_headers(header_cells)
    if header_errors:
        rows.close()
        result.errors += [RowError(header_row, e.column, e.message) for e in header_errors]
        return result

    checker = _Checker(scope=scope, mapping=mapping)
    total = max(height - header_row, 0)
    progress("reading", 0, total)
    batch: list[tuple[int, list]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == PROGRESS_EVERY:
            checker.check_rows(batch)
            batch = []
            progress("reading", len(checker.records), max(total, len(checker.records)))
    checker.check_rows(batch)
    result.total = len(checker.records)
    if not result.total:
        result.errors.append(RowError(None, "", _(excel.NO_ROWS)))
        return result
    progress("reading", result.total, result.total)
    checker.check_points()
    checker.check_codes()
    result.errors = sorted(checker.errors, key=_error_order)
    if result.errors:
        return result

    plan = checker.plan()
    result.created = len(plan.creates)
    result.updated = len(plan.updates)
    result.unchanged = result.total - result.created - result.updated
    result.changes = plan.changes
    if dry_run:
        return result
    try:
        _write(plan, actor=actor, reason=reason, progress=progress)
    except (_Conflict, IntegrityError) as exc:
        logger.warning("Ledger import conflict: %s", exc)
        result.created = result.updated = result.unchanged = 0
        result.changes = []
        result.errors = [RowError(None, "", _(CONFLICT))]
    return result


_COLUMN_ORDER = {c.header: i for i, c in enumerate(excel.COLUMNS)}


def _error_order(error: RowError):
    return (error.row or 0, _COLUMN_ORDER.get(error.column, -1))


# --- Checking -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Record:
    """One data row: its number, the facility fields it sets, and what it does."""

    number: int
    fields: dict  # attname -> value, only for the columns present (and valid)
    code: str  # compact code or ''
    existing: dict | None
    changed: list[str] | None


@dataclass
class _Plan:
    creates: list  # (_Record, the fields it sets; CREATE_DEFAULTS fill in the rest)
    updates: list  # (_Record, changed attnames)
    legacy_max: dict  # (county6, year) -> highest legacy serial in the file
    changes: list
    county_codes: dict  # county id -> 6-digit code


class _Checker:
    def __init__(self, *, scope: Scope, mapping: dict[int, str]):
        self.scope = scope
        self.mapping = mapping
        self.keys = set(mapping.values())
        # Cells come out under the model's field names; regions, contractor and code under
        # their column keys, to be resolved here.
        self.read = excel.RowReader(mapping, names=_PLAIN_FIELDS, skip_empty=KEEP_WHEN_EMPTY)
        self._places: dict[tuple, tuple[dict, list]] = {}
        self._counties: dict[str, tuple] = {}  # county text -> (ref, message)
        self._towns: dict[tuple, tuple] = {}  # (county id, town text) -> (ref, (column, message))
        self._points: dict[int, list] = defaultdict(list)
        self.errors: list[RowError] = []
        self.records: list[_Record] = []
        self.region_names: dict[int, str] = {}
        self.contractor_names: dict[int, str] = {}
        self._load_counties()
        self._towns_loaded: set[int] = set()
        self.town_by_code: dict[str, _Ref] = {}
        self.town_by_name: dict[tuple[int, str], list[_Ref]] = defaultdict(list)
        self.village_by_code: dict[str, _Ref] = {}
        self.village_by_name: dict[tuple[int, str], list[_Ref]] = defaultdict(list)
        self.contractor_by_name: dict[str, int] = {}
        self._contractor_memo: dict[str, object] = {}
        if "contractor" in self.keys:
            for pk, name in Organisation.objects.filter(
                kind=OrganisationKind.CONTRACTOR
            ).values_list("id", "name"):
                self.contractor_by_name[excel.choice_key(name)] = pk
                self.contractor_names[pk] = name

    def _load_counties(self) -> None:
        self.county_by_code: dict[str, _Ref] = {}
        self.county_code_by_id: dict[int, str] = {}
        self.county_by_name: dict[str, list[_Ref]] = defaultdict(list)
        for ref in Region.objects.filter(level=Level.COUNTY).values_list(
            "id", "code", "name", "parent_id"
        ):
            ref = _Ref(*ref)
            self.county_by_code[ref.code[:6]] = ref
            self.county_code_by_id[ref.id] = ref.code[:6]
            self.county_by_name[excel.choice_key(ref.name)].append(ref)
            self.region_names[ref.id] = ref.name

    def _load_county_children(self, county: _Ref) -> None:
        """Towns and villages of one county: two queries per county named in the file."""
        self._towns_loaded.add(county.id)
        for ref in Region.objects.filter(level=Level.TOWN, parent_id=county.id).values_list(
            "id", "code", "name", "parent_id"
        ):
            ref = _Ref(*ref)
            self.town_by_code[ref.code[:9]] = ref
            self.town_by_name[(county.id, excel.choice_key(ref.name))].append(ref)
            self.region_names[ref.id] = ref.name
        if "village" in self.keys:
            villages = Region.objects.filter(
                level=Level.VILLAGE, parent__parent_id=county.id
            ).values_list("id", "code", "name", "parent_id")
            for ref in villages:
                ref = _Ref(*ref)
                self.village_by_code[ref.code] = ref
                self.village_by_name[(ref.parent_id, excel.choice_key(ref.name))].append(ref)
                self.region_names[ref.id] = ref.name

    # Regions are given by name or by code; names are compared folded (see excel.choice_key).

    def _county(self, text: str) -> tuple[_Ref | None, str | None]:
        digits = text.replace(" ", "")
        if digits.isdigit() and len(digits) in (6, 12):
            ref = self.county_by_code.get(digits[:6])
            if ref and (len(digits) == 6 or digits == ref.code):
                return ref, None
            return None, _(UNKNOWN_COUNTY) % {"value": excel.clip(text)}
        found = self.county_by_name.get(excel.choice_key(text), [])
        if len(found) > 1:
            found = [r for r in found if self.scope.covers_region_code(r.code)] or found
        if len(found) == 1:
            return found[0], None
        if found:
            return None, _(AMBIGUOUS_COUNTY) % {"value": excel.clip(text)}
        return None, _(UNKNOWN_COUNTY) % {"value": excel.clip(text)}

    def _town(self, text: str, county: _Ref) -> tuple[_Ref | None, str | None]:
        if county.id not in self._towns_loaded:
            self._load_county_children(county)
        digits = text.replace(" ", "")
        if digits.isdigit() and len(digits) in (9, 12):
            ref = self.town_by_code.get(digits[:9])
            if ref is None or (len(digits) == 12 and digits != ref.code):
                if digits[:6] != county.code[:6]:
                    return None, _(TOWN_ELSEWHERE) % {
                        "value": excel.clip(text),
                        "county": county.name,
                    }
                return None, _(UNKNOWN_TOWN) % {"value": excel.clip(text), "county": county.name}
            return ref, None
        found = self.town_by_name.get((county.id, excel.choice_key(text)), [])
        if len(found) == 1:
            return found[0], None
        if found:
            return None, _(AMBIGUOUS_TOWN) % {"value": excel.clip(text), "county": county.name}
        return None, _(UNKNOWN_TOWN) % {"value": excel.clip(text), "county": county.name}

    def _village(self, text: str, town: _Ref) -> tuple[_Ref | None, str | None]:
        digits = text.replace(" ", "")
        if digits.isdigit() and len(digits) == 12:
            ref = self.village_by_code.get(digits)
            if ref is not None and ref.parent_id == town.id:
                return ref, None
            if ref is not None or not digits.startswith(town.code[:9]):
                return None, _(VILLAGE_ELSEWHERE) % {"value": excel.clip(text), "town": town.name}
            return None, _(UNKNOWN_VILLAGE) % {"value": excel.clip(text), "town": town.name}
        found = self.village_by_name.get((town.id, excel.choice_key(text)), [])
        if len(found) == 1:
            return found[0], None
        if found:
            return None, _(AMBIGUOUS_VILLAGE) % {"value": excel.clip(text), "town": town.name}
        return None, _(UNKNOWN_VILLAGE) % {"value": excel.clip(text), "town": town.name}

    def _by_name_or_code(self, resolve, text: str, *args) -> tuple[_Ref | None, str | None]:
        """Resolve "name", "code" or "name (code)"; the export writes the last form for a
        name that is not unique where it is looked up (two 石桥村 in one town)."""
        match = _NAME_AND_CODE.fullmatch(text)
        if match is None:
            return resolve(text, *args)
        name, code = match.group(1).strip(), match.group(2)
        ref, message = resolve(code, *args)
        if ref is not None and name and excel.choice_key(name) != excel.choice_key(ref.name):
            return None, _(NAME_CODE_MISMATCH) % {"name": name, "code": code, "actual": ref.name}
        return ref, message

    def _town_in_scope(self, town_text: str, county: _Ref) -> tuple[_Ref | None, tuple | None]:
        town, message = self._by_name_or_code(self._town, town_text, county)
        if message:
            return None, ("乡镇", message)
        if not self.scope.covers_region_code(town.code):
            region = f"{county.name}{town.name}"
            return None, ("区县", _(OUT_OF_SCOPE) % {"region": region})
        return town, None

    def _place(self, county_text: str, town_text: str, village_text) -> tuple[dict, list]:
        """Resolve a row's county, town and village (None: no village column) to ids.

        Returns (fields, [(column, message)]); memoised per distinct triple by check_row.
        """
        fields: dict = {}
        problems: list[tuple[str, str]] = []
        # Most rows name a village of their own; counties and towns repeat: resolved once.
        county, message = self._counties.get(county_text) or self._counties.setdefault(
            county_text, self._by_name_or_code(self._county, county_text)
        )
        if message:
            return fields, [("区县", message)]
        fields["county_id"] = county.id
        if not town_text:
            return fields, problems
        key = (county.id, town_text)
        town, message = self._towns.get(key) or self._towns.setdefault(
            key, self._town_in_scope(town_text, county)
        )
        if message:
            return fields, [message]
        fields["town_id"] = town.id
        if village_text is None:
            return fields, problems
        if not village_text:
            fields["village_id"] = None
            return fields, problems
        village, message = self._by_name_or_code(self._village, village_text, town)
        if message:
            return fields, [("行政村", message)]
        fields["village_id"] = village.id
        return fields, problems

    def check_rows(self, rows: list[tuple[int, list]]) -> None:
        """Check a batch of (row number, cells); the cells are read a batch at a time."""
        if not rows:
            return
        read = self.read.read_many([cells for _number, cells in rows])
        for (number, _cells), (fields, cell_errors) in zip(rows, read, strict=True):
            self._check_row(number, fields, cell_errors)

    def _check_row(self, number: int, fields: dict, cell_errors: list) -> None:
        errors = self.errors
        for e in cell_errors:
            errors.append(RowError(number, e.column, e.message))
        code = fields.pop("code", None)
        county_text = fields.pop("county", None)
        town_text = fields.pop("town", None)
        village_text = fields.pop("village", None)
        if county_text:
            place_key = (county_text, town_text, village_text)
            place = self._places.get(place_key)
            if place is None:
                place = self._places[place_key] = self._place(*place_key)
            fields.update(place[0])
            for column, message in place[1]:
                errors.append(RowError(number, column, message))
        name = fields.pop("contractor", _ABSENT)
        if name is not _ABSENT:
            pk = self._contractor_memo.get(name, _ABSENT)
            if pk is _ABSENT:
                pk = self.contractor_by_name.get(excel.choice_key(name), _ABSENT) if name else None
                self._contractor_memo[name] = pk
            if pk is _ABSENT:
                errors.append(
                    RowError(
                        number, "运维单位", _(UNKNOWN_CONTRACTOR) % {"value": excel.clip(name)}
                    )
                )
            else:
                fields["contractor_id"] = pk
        lon, lat = fields.get("longitude"), fields.get("latitude")
        if lon is not None and lat is not None:
            county_id = fields.get("county_id")
            if county_id is not None:
                self._points[county_id].append((lon, lat, number))
        elif (lon is None) != (lat is None) and not any(
            e.column in ("经度", "纬度") for e in cell_errors
        ):
            column = "经度" if lon is None else "纬度"
            errors.append(RowError(number, column, _(COORDINATE_PAIR)))
        self.records.append(_Record(number, fields, code.compact if code else "", None, None))

    def check_points(self) -> None:
        """Coordinates must lie in the row's county (checked per county, vectorised)."""
        for county_id, points in self._points.items():
            code = self.county_code_by_id[county_id]
            inside = county_contains_many(
                code, [float(p[0]) for p in points], [float(p[1]) for p in points]
            )
            if inside is None:
                continue  # no boundary known for this county: accept
            county = self.region_names[county_id]
            for (lon, lat, number), ok in zip(points, inside, strict=True):
                if not ok:
                    self.errors.append(
                        RowError(
                            number,
                            "经度",
                            _(OUTSIDE_COUNTY) % {"lon": lon, "lat": lat, "county": county},
                        )
                    )
        self._points.clear()

    def check_codes(self) -> None:
        """Codes given in the file: duplicates, existing facilities (update), legacy codes."""
        first_row: dict[str, int] = {}
        coded: list[_Record] = []
        for record in self.records:
            if not record.code:
                continue
            if record.code in first_row:
                self.errors.append(
                    RowError(
                        record.number,
                        "设施编号",
                        _(DUPLICATE_CODE)
                        % {"code": format_code(record.code), "row": first_row[record.code]},
                    )
                )
                record.code = ""
                continue
            first_row[record.code] = record.number
            coded.append(record)
        existing = {}
        codes = [r.code for r in coded]
        for start in range(0, len(codes), BATCH):
            for row in Facility.objects.filter(code__in=codes[start : start + BATCH]).values(
                *_CONCRETE, "town__code"
            ):
                existing[row["code"]] = row
        for record in coded:
            row = existing.get(record.code)
            shown = format_code(record.code)
            if row is None:
                year = record.fields.get("year_built")
                county = self.region_names.get(record.fields.get("county_id"))
                county_code = self.county_code_by_id.get(record.fields.get("county_id"))
                if county_code is None or year is None:
                    continue  # the row's county or year is wrong; already reported
                if county_code != record.code[:6] or year != int(record.code[6:10]):
                    self.errors.append(
                        RowError(
                            record.number,
                            "设施编号",
                            _(LEGACY_MISMATCH)
                            % {
                                "code": shown,
                                "code_county": self._county_label(record.code[:6]),
                                "code_year": record.code[6:10],
                                "county": county,
                                "year": year,
                            },
                        )
                    )
            elif row["deleted_at"] is not None:
                self.errors.append(
                    RowError(record.number, "设施编号", _(DELETED_CODE) % {"code": shown})
                )
            elif not self.scope.covers_region_code(row["town__code"]):
                self.errors.append(
                    RowError(record.number, "设施编号", _(NOT_EDITABLE) % {"code": shown})
                )
            else:
                record.existing = row
                self._check_update(record)
        self._check_serials()

    def _county_label(self, code6: str) -> str:
        ref = self.county_by_code.get(code6)
        return f"{ref.name} {code6}" if ref else code6

    def _check_update(self, record: _Record) -> None:
        old = record.existing
        changed = [name for name, value in record.fields.items() if old[name] != value]
        if "status" in changed:
            before, after = old["status"], record.fields["status"]
            if after not in STATUS_TRANSITIONS[before]:
                self.errors.append(
                    RowError(
                        record.number,
                        "运行状态",
                        _(BAD_TRANSITION)
                        % {"from": Status(before).label, "to": Status(after).label},
                    )
                )
        record.changed = changed

    def _check_serials(self) -> None:
        """New codes must fit in the 4-digit serial (checked now, so the error names rows)."""
        groups: dict[tuple[str, int], list[_Record]] = defaultdict(list)
        legacy: dict[tuple[str, int], int] = {}
        county_code = self.county_code_by_id
        for record in self.records:
            if record.existing is not None:
                continue
            if record.code:
                key = (record.code[:6], int(record.code[6:10]))
                legacy[key] = max(legacy.get(key, 0), int(record.code[10:14]))
            elif "county_id" in record.fields and "year_built" in record.fields:
                key = (county_code[record.fields["county_id"]], record.fields["year_built"])
                groups[key].append(record)
        if not groups:
            return
        last = {
            (c, y): s
            for c, y, s in CodeSerial.objects.filter(
                county_code__in={c for c, _y in groups}, year__in={y for _c, y in groups}
            ).values_list("county_code", "year", "last_serial")
        }
        for key, records in groups.items():
            base = max(last.get(key, 0), legacy.get(key, 0))
            for record in records[max(9999 - base, 0) :]:
                self.errors.append(
                    RowError(
                        record.number,
                        "建成年份",
                        _(NO_SERIALS) % {"county": key[0], "year": key[1]},
                    )
                )

    # --- What would change ---

    def plan(self) -> _Plan:
        creates, updates, changes = [], [], []
        legacy_max: dict[tuple[str, int], int] = {}
        for record in self.records:
            if record.existing is None:
                fields = record.fields  # CREATE_DEFAULTS fill the rest when writing
                creates.append((record, fields))
                if record.code:
                    key = (record.code[:6], int(record.code[6:10]))
                    legacy_max[key] = max(legacy_max.get(key, 0), int(record.code[10:14]))
                if len(changes) < CHANGES_SHOWN:
                    changes.append(
                        {
                            "row": record.number,
                            "action": "created",
                            "legacy": bool(record.code),
                            "code": format_code(record.code) if record.code else "",
                            "name": fields["name"],
                            "diffs": [],
                        }
                    )
            elif record.changed:
                updates.append((record, record.changed))
                if len(changes) < CHANGES_SHOWN:
                    changes.append(
                        {
                            "row": record.number,
                            "action": "updated",
                            "code": format_code(record.code),
                            "name": record.fields.get("name") or record.existing["name"],
                            "diffs": [self._diff(record, name) for name in record.changed],
                        }
                    )
        return _Plan(creates, updates, legacy_max, changes, self.county_code_by_id)

    def _diff(self, record: _Record, attname: str) -> dict:
        old, new = record.existing[attname], record.fields[attname]
        key = COLUMN_OF_FIELD[attname]
        if attname in ("county_id", "town_id", "village_id"):
            old_shown, new_shown = self._region_name(old), self._region_name(new)
        elif attname == "contractor_id":
            old_shown = self._contractor_name(old)
            new_shown = self._contractor_name(new)
        else:
            old_shown, new_shown = _shown(attname, old), _shown(attname, new)
        return {"column": excel.COLUMN_BY_KEY[key].header, "old": old_shown, "new": new_shown}

    def _region_name(self, pk) -> str:
        if pk is None:
            return ""
        if pk not in self.region_names:  # a region the file does not name (a move away)
            self.region_names[pk] = (
                Region.objects.filter(pk=pk).values_list("name", flat=True).first() or ""
            )
        return self.region_names[pk]

    def _contractor_name(self, pk) -> str:
        if pk is None:
            return ""
        if pk not in self.contractor_names:
            self.contractor_names[pk] = (
                Organisation.objects.filter(pk=pk).values_list("name", flat=True).first() or ""
            )
        return self.contractor_names[pk]


_CHOICES = {"process": Process, "grade": Grade, "status": Status, "standard": Standard}


def _shown(attname: str, value) -> str:
    if value is None or value == "":
        return ""
    if attname in _CHOICES:
        return str(_CHOICES[attname](value).label)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


# --- Writing ------------------------------------------------------------------------------
#
# Each table gets one prepared INSERT (or UPDATE) run with executemany. Django's bulk_create
# compiles every value of every row through the field API, which measured ten times slower
# here, and a 100,000-row import must stay within a few times the cost of reading the file.
# History is not bypassed: every written facility gets the same historical row simple-history's
# bulk_create_with_history / bulk_update_with_history would write (all tracked fields, date,
# user, reason, type), and every new facility its first StatusChange.

# Sent after the import's transaction commits: `codes` = facilities updated (caches of what they
# show, e.g. the scan page, must be dropped), `created` = facilities registered (nothing cached
# yet: dropping 100,000 never-cached pages cost a quarter of a large import), `rescheduled_ids`
# = ids of the updated facilities whose inspection schedule may have moved (a change in
# SCHEDULE_FIELDS; of a capacity change, only one that moved the facility to another policy
# band: the dashboard recomputes only those). New facilities get their summary rows
# inside the import's transaction (dashboard.summary.summary_register_bulk).
ledger_imported = Signal()
# What the inspection chain of a facility depends on (status periods, policy band, holder).
SCHEDULE_FIELDS = frozenset({"status", "county_id", "capacity_m3d", "contractor_id"})


def _converter(field):
    """How a Python value becomes a query parameter, when the driver cannot take it as is."""
    kind = field.get_internal_type()
    if kind in ("DateTimeField", "DateField", "TimeField"):
        memo: dict = {}  # most values repeat (one timestamp, one date): convert each once

        def convert(value):
            if value not in memo:
                memo[value] = field.get_db_prep_save(value, connection)
            return memo[value]

        return convert
    if kind in ("JSONField", "UUIDField", "DurationField", "BinaryField"):
        return partial(field.get_db_prep_save, connection=connection)
    return None


class _Statement:
    """INSERT INTO table (columns), or UPDATE table SET columns WHERE pk, for many rows.

    SQLite: one prepared statement run with executemany. PostgreSQL: COPY, which is several
    times faster than any INSERT there (psycopg 3 adapts the Python values itself); updates
    COPY into a temporary table and run one UPDATE ... FROM it.
    """

    def __init__(self, model, attnames: list[str], *, update: bool = False):
        meta = model._meta
        fields = [meta.get_field(a) for a in attnames]
        quote = connection.ops.quote_name
        table = quote(meta.db_table)
        if update:
            fields.append(meta.pk)
        columns = ", ".join(quote(f.column) for f in fields)
        if update:
            pk = quote(meta.pk.column)
            assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields[:-1])
            self.sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"
            temp = quote("yima_import_" + meta.db_table)
            from_temp = ", ".join(f"{quote(f.column)} = u.{quote(f.column)}" for f in fields[:-1])
            self.pg_steps = [
                f"CREATE TEMPORARY TABLE {temp} AS SELECT {columns} FROM {table} WITH NO DATA",
                f"COPY {temp} ({columns}) FROM STDIN",
                f"UPDATE {table} AS t SET {from_temp} FROM {temp} AS u WHERE t.{pk} = u.{pk}",
                f"DROP TABLE {temp}",
            ]
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            self.sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
            self.pg_steps = [f"COPY {table} ({columns}) FROM STDIN"]
        self.converters = [(i, c) for i, f in enumerate(fields) if (c := _converter(f))]

    def run(self, rows: list[tuple], *, convert: bool = True) -> None:
        """Write rows; `convert=False` when every value is already what the driver takes."""
        if not rows:
            return
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for step in self.pg_steps:
                    if step.startswith("COPY"):
                        with cursor.cursor.copy(step) as copy:
                            for row in rows:
                                copy.write_row(row)
                    else:
                        cursor.execute(step)
            return
        if convert and self.converters:
            converted = []
            for row in rows:
                row = list(row)
                for i, conv in self.converters:
                    if row[i] is not None:
                        row[i] = conv(row[i])
                converted.append(row)
            rows = converted
        with connection.cursor() as cursor:
            for start in range(0, len(rows), BATCH):
                cursor.executemany(self.sql, rows[start : start + BATCH])


_HISTORY_META = ("history_date", "history_change_reason", "history_type", "history_user_id")


def _where_ids(ids: list[int]):
    """(WHERE clause, parameters) pairs that together select exactly these facility ids."""
    if not ids:
        return
    if all(b - a == 1 for a, b in zip(ids, ids[1:], strict=False)):
        yield "id BETWEEN %s AND %s", [ids[0], ids[-1]]  # the new ids are a range
    elif connection.vendor == "postgresql":
        yield "id = ANY(%s)", [ids]
    else:
        for start in range(0, len(ids), 900):
            part = ids[start : start + 900]
            yield f"id IN ({', '.join(['%s'] * len(part))})", part


class _FromFacilities:
    """INSERT INTO table (...) SELECT ... FROM the facility rows just written.

    History and status rows are copied inside the database from what was written, so they
    cost no Python per row and match it column for column.
    """

    def __init__(self, model, pairs: list[tuple[str, str | None]], params: list):
        quote = connection.ops.quote_name
        meta, source = model._meta, Facility._meta
        columns = ", ".join(quote(meta.get_field(target).column) for target, _s in pairs)
        values = ", ".join(
            quote(source.get_field(origin).column) if origin else "%s" for _t, origin in pairs
        )
        self.sql = (
            f"INSERT INTO {quote(meta.db_table)} ({columns}) "
            f"SELECT {values} FROM {quote(source.db_table)} WHERE "
        )
        self.params = params

    def run(self, ids: list[int]) -> None:
        with connection.cursor() as cursor:
            for where, params in _where_ids(ids):
                cursor.execute(self.sql + where, [*self.params, *params])


def _history(*, actor, reason: str, date, history_type: str) -> _FromFacilities:
    """The historical rows simple-history writes (every tracked field; date, user, reason and
    type), for facilities just inserted ("+") or updated ("~")."""
    model = Facility.history.model
    tracked = [f.attname for f in model.tracked_fields]
    for f in model._meta.concrete_fields:
        if not f.primary_key and f.attname not in tracked and f.attname not in _HISTORY_META:
            raise RuntimeError(f"Do not know how to fill {model.__name__}.{f.attname}")
    pairs = [(name, name) for name in tracked] + [(name, None) for name in _HISTORY_META]
    user = actor.pk if actor is not None else None
    return _FromFacilities(model, pairs, [date, reason, history_type, user])


def _write(plan: _Plan, *, actor, reason: str, progress: Progress) -> None:
    from yima.dashboard.summary import summary_interval_moved, summary_register_bulk

    today = timezone.localdate()
    now = timezone.now()
    ops = connection.ops
    db_now, db_today = ops.adapt_datetimefield_value(now), ops.adapt_datefield_value(today)
    actor_id = actor.pk if actor is not None else None
    total = len(plan.creates) + len(plan.updates)
    done = 0
    written_codes: list[str] = []  # updated facilities: the ones that may have cached pages
    created_codes: list[str] = []
    rescheduled: list[int] = []  # updated facilities whose inspection schedule may have moved
    banded: list[int] = []  # updated facilities whose capacity alone of SCHEDULE_FIELDS changed
    progress("writing", 0, total)
    with transaction.atomic(), _sqlite_cache():
        _lock_unchanged(plan.updates)
        groups: dict[tuple[str, int], list[dict]] = defaultdict(list)
        for record, fields in plan.creates:
            if record.code:
                fields["code"] = record.code
            else:
                groups[(plan.county_codes[fields["county_id"]], fields["year_built"])].append(
                    fields
                )
        # Every counter row this import touches, in one statement (the services below then
        # find them instead of creating them one by one).
        CodeSerial.objects.bulk_create(
            [CodeSerial(county_code=c, year=y) for c, y in {*groups, *plan.legacy_max}],
            ignore_conflicts=True,
        )
        # New codes: the counters bumped in one executemany (the UPDATE holds the row locks to
        # the end of the transaction, as services.codes_allocate does), serials in file order.
        last = _counters_advance(plan.legacy_max, {key: len(m) for key, m in groups.items()})
        for (county_code, year), members in groups.items():
            end = last[(county_code, year)]
            serials = range(end - len(members) + 1, end + 1)
            codes = compose_many(county_code, year, serials)
            for fields, code in zip(members, codes, strict=True):
                fields["code"] = code

        # New facilities, in code order: the code index (and the county and town ones) then
        # grow at their end. Dates are converted once, so rows go to the driver as they are.
        creates = sorted((fields for _record, fields in plan.creates), key=itemgetter("code"))
        insert_names = [f.attname for f in Facility._meta.concrete_fields]
        defaults = {name: Facility._meta.get_field(name).get_default() for name in insert_names}
        defaults.update(CREATE_DEFAULTS)
        defaults.update(status_since=db_today, created_at=db_now, updated_at=db_now)
        insert = _Statement(Facility, insert_names)
        insert_values = itemgetter(*insert_names)
        history = _history(actor=actor, reason=reason, date=db_now, history_type="+")
        first_status = _FromFacilities(
            StatusChange,
            [("facility_id", "id"), ("to_status", "status"), ("effective_on", "status_since")]
            + [("from_status", None), ("reason", None), ("actor_id", None)]
            + [("created_at", None)],
            ["", reason, actor_id, db_now],
        )
        for start in range(0, len(creates), CHUNK):
            chunk = [{**defaults, **fields} for fields in creates[start : start + CHUNK]]
            ids = reserve_ids(Facility, len(chunk))
            for values, pk in zip(chunk, ids, strict=True):
                values["id"] = pk
            insert.run([insert_values(values) for values in chunk], convert=False)
            history.run(ids)
            first_status.run(ids)
            summary_register_bulk(ids, registered_at=now, effective_on=today)
            created_codes += [values["code"] for values in chunk]
            done += len(chunk)
            progress("writing", done, total)
        by_row = {c["row"]: c for c in plan.changes}
        for record, fields in plan.creates:
            if record.number in by_row:
                by_row[record.number]["code"] = format_code(fields["code"])

        # Changed facilities. PostgreSQL: one statement sets every ledger column (it sees for
        # itself which indexed values did not change). SQLite rewrites the index entries of
        # every column a SET names, changed or not: there each combination of changed columns
        # gets a statement of its own (5.7x faster when only the capacity changed).
        history = _history(actor=actor, reason=reason, date=db_now, history_type="~")
        set_names = [*FIELD_OF.values(), "status_since", "updated_at"]
        update = _Statement(Facility, set_names, update=True)
        narrow = connection.vendor == "sqlite"
        narrow_updates: dict[tuple[str, ...], _Statement] = {}
        status_changes = _Statement(
            StatusChange,
            ["facility_id", "from_status", "to_status", "effective_on", "reason", "actor_id"]
            + ["created_at"],
        )
        for start in range(0, len(plan.updates), CHUNK):
            chunk = plan.updates[start : start + CHUNK]
            rows, moves = [], []
            by_columns: dict[tuple[str, ...], list[tuple]] = defaultdict(list)
            for record, changed in chunk:
                values = {**record.existing}
                for name in changed:
                    values[name] = record.fields[name]
                values["updated_at"] = now
                if "status" in changed:
                    values["status_since"] = today
                    before = record.existing["status"]
                    moves.append((values["id"], before, values["status"], today, reason))
                if narrow:
                    names = (*changed, "updated_at", *(["status_since"] * ("status" in changed)))
                    by_columns[names].append((*(values[name] for name in names), values["id"]))
                else:
                    rows.append((*(values[name] for name in set_names), values["id"]))
                written_codes.append(values["code"])
                moved = SCHEDULE_FIELDS.intersection(changed)
                if moved == {"capacity_m3d"}:
                    banded.append(values["id"])  # moves the schedule only if the band moves
                elif moved:
                    rescheduled.append(values["id"])
            update.run(rows)
            for names, group in by_columns.items():
                if names not in narrow_updates:
                    narrow_updates[names] = _Statement(Facility, list(names), update=True)
                narrow_updates[names].run(group)
            history.run(sorted(record.existing["id"] for record, _changed in chunk))
            status_changes.run([(*move, actor_id, now) for move in moves])
            done += len(chunk)
            progress("writing", done, total)
        rescheduled += summary_interval_moved(banded)
        transaction.on_commit(
            partial(
                ledger_imported.send,
                sender=Facility,
                codes=written_codes,
                created=created_codes,
                rescheduled_ids=rescheduled,
            )
        )


def _counters_advance(
    legacy_max: dict[tuple[str, int], int], counts: dict[tuple[str, int], int]
) -> dict[tuple[str, int], int]:
    """Raise each (county, year) counter past the legacy serials the file keeps
    (services.codes_reserve_existing), then by the number of new codes
    (services.codes_allocate), in two statements run with executemany; return the counters
    after. The counter rows exist (created just before). The check constraint
    (last_serial <= 9999) rejects an overflow a concurrent registration might cause after the
    file was checked: an IntegrityError, reported as a conflict."""
    table = connection.ops.quote_name(CodeSerial._meta.db_table)
    with connection.cursor() as cursor:
        if legacy_max:
            cursor.executemany(
                f"UPDATE {table} SET last_serial = %s "
                "WHERE county_code = %s AND year = %s AND last_serial < %s",
                [(serial, c, y, serial) for (c, y), serial in legacy_max.items()],
            )
        if counts:
            cursor.executemany(
                f"UPDATE {table} SET last_serial = last_serial + %s "
                "WHERE county_code = %s AND year = %s",
                [(count, c, y) for (c, y), count in counts.items()],
            )
    if not counts:
        return {}
    rows = CodeSerial.objects.filter(
        county_code__in={c for c, _y in counts}, year__in={y for _c, y in counts}
    ).values_list("county_code", "year", "last_serial")
    return {(c, y): last for c, y, last in rows if (c, y) in counts}


@contextmanager
def _sqlite_cache():
    """A bigger SQLite page cache while writing: index pages of 100,000 inserts stay in memory
    (halves the write time). PostgreSQL needs nothing here."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute("PRAGMA cache_size = -131072")  # KiB: 128 MB
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def _lock_unchanged(updates: list) -> None:
    """Lock the rows about to be updated and make sure nobody changed them since the check."""
    seen = {record.existing["id"]: record.existing["updated_at"] for record, _c in updates}
    ids = list(seen)
    for start in range(0, len(ids), BATCH):
        rows = (
            Facility.objects.select_for_update()
            .filter(pk__in=ids[start : start + BATCH])
            .values_list("pk", "updated_at")
        )
        for pk, updated_at in rows:
            if seen[pk] != updated_at:
                raise _Conflict(f"facility {pk} changed at {updated_at}")
