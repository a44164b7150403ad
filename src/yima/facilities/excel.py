"""The ledger workbook: its columns, reading it with python-calamine, writing it with openpyxl.

Reading is forgiving about what people type (spaces, full-width characters, any column order,
labels or codes, units after numbers); this module turns one row's cells into plain values and
per-cell errors without touching the database. `yima.facilities.imports` resolves regions,
contractors and codes and writes.
"""

import re
import time
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yima.facilities.choices import Grade, Process, Standard, Status
from yima.facilities.codes import CodeError, format_code, parse_code

# --- Columns ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    required: bool = False
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("code", "设施编号", 22, aliases=("编号", "设施代码", "设施身份证号")),
    Column("name", "设施名称", 30, required=True, aliases=("名称", "站点名称")),
    Column("county", "区县", 10, required=True, aliases=("县区", "县(市、区)", "所属区县")),
    Column("town", "乡镇", 12, required=True, aliases=("乡镇(街道)", "所属乡镇", "镇")),
    Column("village", "行政村", 12, aliases=("村", "所属行政村", "村委会")),
    Column("longitude", "经度", 12),
    Column("latitude", "纬度", 12),
    Column("year_built", "建成年份", 10, required=True, aliases=("建成时间", "建设年份")),
    Column(
        "capacity_m3d",
        "设计规模(m³/d)",
        14,
        required=True,
        aliases=("设计规模", "处理规模", "设计处理规模"),
    ),
    Column("process", "处理工艺", 14, required=True, aliases=("工艺",)),
    Column("households", "服务户数", 10),
    Column("population", "服务人口", 10),
    Column("standard", "执行标准", 16, aliases=("排放标准",)),
    Column("grade", "排放等级", 10, required=True, aliases=("出水等级", "标准等级")),
    Column("receiving_water", "受纳水体", 16, aliases=("纳污水体",)),
    Column("contractor", "运维单位", 28, aliases=("运维公司", "运维方")),
    Column("status", "运行状态", 10, aliases=("状态",)),
)
HEADERS: tuple[str, ...] = tuple(c.header for c in COLUMNS)
COLUMN_BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}

# The file's display values are always Chinese, whatever the user's language, so that a file
# means the same thing to everyone and imports back unchanged.
PROCESS_LABELS = {
    Process.AO: "A/O",
    Process.A2O: "A²/O",
    Process.MBR: "MBR",
    Process.WETLAND: "人工湿地",
    Process.CONTACT_OXIDATION: "生物接触氧化",
    Process.INTEGRATED: "一体化设备",
    Process.SBR: "SBR",
    Process.ANAEROBIC: "厌氧+生态滤池",
    Process.OTHER: "其他",
}
GRADE_LABELS = {
    Grade.GRADE_1A: "一级A",
    Grade.GRADE_1B: "一级B",
    Grade.GRADE_1: "一级",
    Grade.GRADE_2: "二级",
    Grade.GRADE_3: "三级",
}
STATUS_LABELS = {
    Status.PLANNED: "规划中",
    Status.CONSTRUCTION: "在建",
    Status.IN_SERVICE: "运行中",
    Status.SUSPENDED: "暂停运行",
    Status.DECOMMISSIONED: "已报废",
}
STANDARD_LABELS = {s: s.label for s in Standard}

# Other ways people write the same choice (compared after `choice_key`).
_PROCESS_ALIASES = {
    Process.AO: ("AO", "A/O工艺", "缺氧好氧"),
    Process.A2O: ("A2O", "AAO", "A2/O工艺", "厌氧缺氧好氧"),
    Process.MBR: ("膜生物反应器", "MBR膜"),
    Process.WETLAND: ("湿地",),
    Process.CONTACT_OXIDATION: ("生物接触氧化法", "接触氧化"),
    Process.INTEGRATED: ("一体化", "一体化处理设备", "一体化污水处理设备"),
    Process.SBR: ("序批式活性污泥法",),
    Process.ANAEROBIC: ("厌氧+生态过滤", "厌氧生态滤池"),
    Process.OTHER: (),
}
_GRADE_ALIASES = {
    Grade.GRADE_1A: ("一级A标准", "1级A"),
    Grade.GRADE_1B: ("一级B标准", "1级B"),
    Grade.GRADE_1: ("一级标准", "1级"),
    Grade.GRADE_2: ("二级标准", "2级"),
    Grade.GRADE_3: ("三级标准", "3级"),
}
_STATUS_ALIASES = {
    Status.PLANNED: ("规划", "拟建", "计划"),
    Status.CONSTRUCTION: ("在建中", "建设中", "施工中"),
    Status.IN_SERVICE: ("运行", "正常运行", "在用", "在运", "运营中", "正常"),
    Status.SUSPENDED: ("停运", "停用", "暂停", "停运中"),
    Status.DECOMMISSIONED: ("报废", "废弃", "已废弃", "拆除", "已拆除", "退役", "已退役"),
}

# --- Messages (constants, so tests can assert them) ---------------------------------------

ROW = gettext_noop("Row %(row)s")
MISSING_COLUMN = gettext_noop("The column is missing from the header row.")
DUPLICATE_COLUMN = gettext_noop("Two columns are both read as this column: %(headers)s.")
NO_HEADER = gettext_noop("The first sheet has no header row.")
NO_ROWS = gettext_noop("The sheet has no data rows.")
NOT_A_WORKBOOK = gettext_noop("The file cannot be read as an Excel workbook (.xlsx): %(error)s")
REQUIRED = gettext_noop("This cell is required.")
TOO_LONG = gettext_noop("At most %(max)s characters.")
NOT_A_NUMBER = gettext_noop("“%(value)s” is not a number.")
NOT_A_WHOLE_NUMBER = gettext_noop("“%(value)s” is not a whole number.")
NOT_A_YEAR = gettext_noop("“%(value)s” is not a year (write e.g. 2019).")
OUT_OF_RANGE = gettext_noop("%(value)s is outside the allowed range %(low)s to %(high)s.")
MUST_BE_POSITIVE = gettext_noop("Must be greater than zero.")
UNKNOWN_CHOICE = gettext_noop("“%(value)s” is not one of: %(choices)s.")
BAD_CODE = gettext_noop("“%(value)s”: %(reason)s")
NOT_A_ZIP = gettext_noop(
    "it is not an .xlsx package (an old .xls, a CSV or a password-protected workbook must "
    "first be saved as an unprotected .xlsx)."
)
TOO_BIG_UNPACKED = gettext_noop(
    "it unpacks to %(size)s MB, more than the %(limit)s MB a ledger may have (a zip bomb?)."
)
# A 100,000-row ledger unpacks to well under 200 MB.
MAX_UNPACKED_MB = 512


# --- Reading ------------------------------------------------------------------------------


def open_sheet(path) -> tuple[int, Iterator[tuple[int, list]]]:
    """(number of rows, iterator of (row number as Excel shows it, cells)) for sheet 1.

    Only non-empty rows are yielded; the header row comes first. Cell values are as
    python-calamine gives them: str, float, int, bool, date/datetime, '' when empty. Raises
    python_calamine.CalamineError (or OSError) when the file is not a readable workbook.
    """
    import python_calamine

    check_package(path)
    workbook = python_calamine.load_workbook(str(path))
    try:
        sheet = workbook.get_sheet_by_index(0)
    except Exception:
        workbook.close()
        raise

    def rows() -> Iterator[tuple[int, list]]:
        try:
            # iter_rows starts at row 1 even when the sheet's leading rows are empty.
            for number, cells in enumerate(sheet.iter_rows(), start=1):
                if cells.count("") < len(cells):  # calamine gives "" for an empty cell
                    yield number, cells
        finally:
            workbook.close()

    return sheet.height, rows()


def check_package(path) -> None:
    """Refuse (ValueError) a file that is not a zip, or whose members would unpack to more
    than MAX_UNPACKED_MB: python-calamine would inflate them into memory."""
    try:
        with zipfile.ZipFile(path) as package:
            size = sum(member.file_size for member in package.infolist())
            if "[Content_Types].xml" not in package.namelist():
                raise zipfile.BadZipFile  # a zip, but not an Office document
    except (zipfile.BadZipFile, EOFError):
        raise ValueError(_(NOT_A_ZIP)) from None
    if size > MAX_UNPACKED_MB << 20:
        raise ValueError(_(TOO_BIG_UNPACKED) % {"size": size >> 20, "limit": MAX_UNPACKED_MB})


def read_rows(path) -> Iterator[tuple[int, list]]:
    """Yield (row number as Excel shows it, cells) for each non-empty row of sheet 1."""
    return open_sheet(path)[1]


def fold(text: str) -> str:
    """Full-width to half-width (NFKC) and surrounding whitespace removed."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text.strip()


_KEY_DROP = re.compile(r"[\s/\\\-_.·—–、,，:：'\"“”‘’]+")


def choice_key(text: str) -> str:
    """How choice labels, headers and region names are compared: folded, upper-case, no
    spaces or separators ("A²/O" and "a2o" and "Ａ２Ｏ" are the same)."""
    return _KEY_DROP.sub("", fold(text)).upper()


def _header_key(text: str) -> str:
    key = choice_key(text).strip("*")
    # A unit in brackets is optional: "设计规模(m³/d)" and "设计规模" name the same column.
    key = re.sub(r"\([^)]*\)$", "", key)
    return key


_HEADER_LOOKUP: dict[str, str] = {}
for _col in COLUMNS:
    for _name in (_col.header, *_col.aliases):
        _HEADER_LOOKUP[_header_key(_name)] = _col.key


@dataclass
class CellError:
    column: str  # the column's canonical Chinese header ('' for the whole row)
    message: str


def match_headers(cells: list) -> tuple[dict[int, str], list[CellError]]:
    """Map each header cell to a column key; unknown headers are ignored.

    Returns ({cell index: column key}, errors) where errors name missing required columns and
    columns given twice.
    """
    mapping: dict[int, str] = {}
    seen: dict[str, list[str]] = {}
    for index, cell in enumerate(cells):
        if not isinstance(cell, str) or not cell.strip():
            continue
        key = _HEADER_LOOKUP.get(_header_key(cell))
        if key is None:
            continue
        seen.setdefault(key, []).append(cell.strip())
        mapping[index] = key
    errors = []
    for col in COLUMNS:
        if len(seen.get(col.key, ())) > 1:
            errors.append(
                CellError(col.header, _(DUPLICATE_COLUMN) % {"headers": "、".join(seen[col.key])})
            )
        elif col.required and col.key not in seen:
            errors.append(CellError(col.header, _(MISSING_COLUMN)))
    return mapping, errors


# --- Cell parsers -------------------------------------------------------------------------


class CellInvalid(ValueError):
    pass


def clip(text: str, limit: int = 60) -> str:
    """A value as messages quote it: cut when long, so that a 100,000-character cell does not
    make a 100,000-character error message."""
    return text if len(text) <= limit else text[:limit] + "…"


def _shown(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clip(str(value).strip())


def cell_text(value) -> str:
    """A cell as text: numbers without a trailing .0, whitespace (also full-width) stripped."""
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


_NUMBER = re.compile(r"^([+-]?\d+(?:\.\d*)?|[+-]?\.\d+)(.*)$")


def _decimal(value, units: tuple[str, ...] = ()) -> Decimal:
    if isinstance(value, bool):
        raise CellInvalid(_(NOT_A_NUMBER) % {"value": value})
    if isinstance(value, int | float):
        number = Decimal(repr(value))
        if not number.is_finite():  # a hostile file's <v>NaN</v> or <v>inf</v>
            raise CellInvalid(_(NOT_A_NUMBER) % {"value": _shown(value)})
        return number
    text = fold(str(value)).replace(",", "").replace(" ", "")
    match = _NUMBER.match(text)
    if not match or (match.group(2) and match.group(2).lower() not in units):
        raise CellInvalid(_(NOT_A_NUMBER) % {"value": _shown(value)})
    try:
        return Decimal(match.group(1))
    except InvalidOperation:
        raise CellInvalid(_(NOT_A_NUMBER) % {"value": _shown(value)}) from None


def _int(value, units: tuple[str, ...] = (), low: int = 0, high: int = 2_147_483_647) -> int:
    number = _decimal(value, units)
    if number != number.to_integral_value():
        raise CellInvalid(_(NOT_A_WHOLE_NUMBER) % {"value": _shown(value)})
    number = int(number)
    if not low <= number <= high:
        raise CellInvalid(_(OUT_OF_RANGE) % {"value": number, "low": low, "high": high})
    return number


def parse_year(value) -> int:
    if isinstance(value, datetime | date):
        return value.year
    try:
        number = _decimal(value, ("年",))
    except CellInvalid:
        raise CellInvalid(_(NOT_A_YEAR) % {"value": _shown(value)}) from None
    if number != number.to_integral_value():
        raise CellInvalid(_(NOT_A_YEAR) % {"value": _shown(value)})
    if not 1980 <= number <= 2100:
        raise CellInvalid(_(OUT_OF_RANGE) % {"value": int(number), "low": 1980, "high": 2100})
    return int(number)


_CAPACITY_UNITS = (
    *("m3/d", "m3/天", "m3/日", "m3", "t/d", "吨/天", "吨/日", "吨"),
    *("方/天", "方/日", "立方米/天", "立方米/日"),
)
_MAX_CAPACITY = Decimal("9999999.99")
_CENT = Decimal("0.01")
_MICRO = Decimal("0.000001")


def parse_capacity(value) -> Decimal:
    number = _decimal(value, _CAPACITY_UNITS).quantize(_CENT, ROUND_HALF_UP)
    if number <= 0:
        raise CellInvalid(_(MUST_BE_POSITIVE))
    if number > _MAX_CAPACITY:
        raise CellInvalid(_(OUT_OF_RANGE) % {"value": number, "low": "0.01", "high": _MAX_CAPACITY})
    return number


def parse_coordinate(value, low: int, high: int) -> Decimal:
    if value.__class__ is float:  # the usual case, kept short: 100,000 rows have 200,000
        if not low <= value <= high:
            raise CellInvalid(_(OUT_OF_RANGE) % {"value": _shown(value), "low": low, "high": high})
        return Decimal(f"{value:.6f}")
    number = _decimal(value, ("°",)).quantize(_MICRO, ROUND_HALF_UP)
    if not low <= number <= high:
        raise CellInvalid(_(OUT_OF_RANGE) % {"value": _shown(value), "low": low, "high": high})
    return number


def parse_longitude(value) -> Decimal:
    return parse_coordinate(value, 73, 136)


def parse_latitude(value) -> Decimal:
    return parse_coordinate(value, 3, 54)


# Column-at-once versions of some parsers, for RowReader: `bulk(cells, other)` gives what the
# parser would for each cell, handling the usual case inline and calling `other(cell)` (the
# parser with its empty-cell and error handling) for any other cell.


def _coordinate_bulk(low: int, high: int):
    def bulk(cells: list, other) -> list:
        return [
            Decimal(f"{v:.6f}") if v.__class__ is float and low <= v <= high else other(v)
            for v in cells
        ]

    return bulk


parse_longitude.bulk = _coordinate_bulk(73, 136)
parse_latitude.bulk = _coordinate_bulk(3, 54)


def _text(max_length: int):
    def parse(value) -> str:
        text = cell_text(value)
        if len(text) > max_length:
            raise CellInvalid(_(TOO_LONG) % {"max": max_length})
        return text

    def bulk(cells: list, other) -> list:
        # A non-blank str within the limit is its stripped self (what cell_text gives).
        return [
            s if v.__class__ is str and (s := v.strip()) and len(s) <= max_length else other(v)
            for v in cells
        ]

    parse.bulk = bulk
    return parse


class ChoiceReader:
    """Reads a choice given by code, by the file's Chinese label, by the interface's label in
    Chinese or English, or by a common alias."""

    def __init__(self, choices, labels: dict, aliases: dict, strip_suffixes: tuple = ()):
        self.labels = labels
        self.strip_suffixes = strip_suffixes
        lookup: dict[str, str] = {}
        for c in choices:
            for name in (c.value, labels[c], *aliases.get(c, ())):
                lookup.setdefault(choice_key(name), c.value)
        for language in ("en", "zh-hans"):
            with translation.override(language):
                for c in choices:
                    lookup.setdefault(choice_key(str(c.label)), c.value)
        self.lookup = lookup
        self.shown = "、".join(labels[c] for c in choices)

    def __call__(self, value) -> str:
        raw = cell_text(value)
        key = choice_key(raw)
        found = self.lookup.get(key)
        if found is None:
            for suffix in self.strip_suffixes:
                if key.endswith(suffix) and key[: -len(suffix)] in self.lookup:
                    found = self.lookup[key[: -len(suffix)]]
                    break
        if found is None:
            raise CellInvalid(_(UNKNOWN_CHOICE) % {"value": clip(raw), "choices": self.shown})
        return found


def _code(value):
    text = cell_text(value)
    try:
        return parse_code(text)
    except CodeError as exc:
        raise CellInvalid(_(BAD_CODE) % {"value": clip(text), "reason": exc.message}) from None


def _region_text(value) -> str:
    return fold(cell_text(value))


def make_parsers() -> dict:
    """Cell parsers by column key; built per import so choice labels follow the catalogs."""
    return {
        "code": _code,
        "name": _text(120),
        "county": _region_text,
        "town": _region_text,
        "village": _region_text,
        "longitude": parse_longitude,
        "latitude": parse_latitude,
        "year_built": parse_year,
        "capacity_m3d": parse_capacity,
        "process": ChoiceReader(Process, PROCESS_LABELS, _PROCESS_ALIASES, ("法", "工艺")),
        "households": lambda v: _int(v, ("户",)),
        "population": lambda v: _int(v, ("人",)),
        "standard": ChoiceReader(Standard, STANDARD_LABELS, {}),
        "grade": ChoiceReader(Grade, GRADE_LABELS, _GRADE_ALIASES, ("标准",)),
        "receiving_water": _text(120),
        "contractor": _region_text,
        "status": ChoiceReader(Status, STATUS_LABELS, _STATUS_ALIASES),
    }


_TEXT_KEYS = {"name", "county", "town", "village", "receiving_water", "contractor"}
# Columns whose values repeat from row to row: each distinct cell value is parsed once.
_MEMO_KEYS = {
    *("county", "town", "village", "year_built", "capacity_m3d", "process", "households"),
    *("population", "standard", "grade", "receiving_water", "contractor", "status"),
}


class _Failed(str):
    """A memoised parse error (its text is the message)."""


_EMPTY = object()


def _blank(value) -> bool:
    return value == "" or value is None or (value.__class__ is str and value.isspace())


class RowReader:
    """Turns rows of cells into ({name: value}, cell errors) per row; built once per file.

    `names` renames column keys in the result (e.g. "capacity_m3d" -> a model field name);
    an empty optional cell gives None ('' for text columns), or nothing for the keys in
    `skip_empty`; an empty required cell is an error, and so is a cell that does not parse
    (its key is then left out).

    Rows are read a batch at a time, column by column: a value that repeats down a column
    (regions, labels, years...) is parsed once per file and found again with one dict lookup,
    and a column without empty or invalid cells needs no per-cell work beyond that. This keeps
    a 100,000-row file to well under a microsecond per cell.
    """

    def __init__(
        self,
        mapping: dict[int, str],
        parsers: dict | None = None,
        *,
        names: dict[str, str] | None = None,
        skip_empty: set[str] = frozenset(),
    ):
        parsers = parsers or make_parsers()
        names = names or {}
        self.columns = []
        for index, key in sorted(mapping.items()):
            column = COLUMN_BY_KEY[key]
            memo = {} if key in _MEMO_KEYS else None
            self.columns.append(
                (
                    index,
                    names.get(key, key),
                    column.header,
                    column.required,
                    parsers[key],
                    memo,
                    set(),  # raw values of this column that are empty or invalid
                    "" if key in _TEXT_KEYS else None,
                    key in skip_empty,
                )
            )
        self.width = max(mapping, default=-1) + 1
        self.names = [c[1] for c in self.columns]

    @staticmethod
    def _parse(value, parser):
        if _blank(value):
            return _EMPTY
        try:
            return parser(value)
        except CellInvalid as exc:
            return _Failed(exc)

    def __call__(self, cells: list) -> tuple[dict, list[CellError]]:
        return self.read_many([cells])[0]

    def read_many(self, rows: list[list]) -> list[tuple[dict, list[CellError]]]:
        names, columns, errors, drop = self.read_columns(rows)
        values = [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
        if not columns:
            values = [{} for _row in rows]
        for i, name in drop:
            del values[i][name]
        return [(row_values, errors.get(i, [])) for i, row_values in enumerate(values)]

    def read_columns(
        self, rows: list[list]
    ) -> tuple[list[str], list[list], dict[int, list[CellError]], list[tuple[int, str]]]:
        """The batch column by column: (names, one list of values per name, {row index: cell
        errors}, [(row index, name)] of the cells to leave out: empty with `skip_empty`, or
        in error). read_many turns it into one dict per row."""
        width, parse = self.width, self._parse
        rows = [r if len(r) >= width else [*r, *([""] * (width - len(r)))] for r in rows]
        # Padded rows are all at least `width` long; columns past it are not read.
        cells_by_index = list(zip(*rows, strict=False)) if rows else []
        errors: dict[int, list[CellError]] = {}
        drop: list[tuple[int, str]] = []  # (row, name) of cells left out
        outs = []
        for index, name, header, required, parser, memo, special, empty, skip in self.columns:
            cells = cells_by_index[index]
            if memo is not None:
                # Parsers never give None: a None is a value not seen yet.
                out = list(map(memo.get, cells))
                # True == 1 and False == 0 as dict keys, but they do not read the same (a
                # year or a number cannot be a checkbox): booleans are read one by one and
                # never remembered.
                booleans = bool in set(map(type, cells))
                if booleans:
                    for i, value in enumerate(cells):
                        if value.__class__ is bool:
                            out[i] = parse(value, parser)
                if None in out:
                    for i, parsed in enumerate(out):
                        if parsed is None:
                            value = cells[i]
                            parsed = memo.get(value)
                            if parsed is None:
                                parsed = memo[value] = parse(value, parser)
                                if parsed is _EMPTY or parsed.__class__ is _Failed:
                                    special.add(value)
                            out[i] = parsed
                needs_care = booleans or (bool(special) and not special.isdisjoint(cells))
            else:
                care = []

                def other(value, parser=parser, care=care):
                    parsed = parse(value, parser)
                    if parsed is _EMPTY or parsed.__class__ is _Failed:
                        care.append(True)
                    return parsed

                bulk = getattr(parser, "bulk", None)
                if bulk is not None:
                    out = bulk(cells, other)
                    needs_care = bool(care)
                else:  # e.g. the code column, often left empty
                    out = [_EMPTY if value == "" else other(value) for value in cells]
                    needs_care = bool(care) or "" in cells
            if needs_care:
                for i, parsed in enumerate(out):
                    if parsed is _EMPTY:
                        if required:
                            errors.setdefault(i, []).append(CellError(header, _(REQUIRED)))
                            drop.append((i, name))
                        elif skip:
                            drop.append((i, name))
                        else:
                            out[i] = empty
                    elif parsed.__class__ is _Failed:
                        errors.setdefault(i, []).append(CellError(header, str(parsed)))
                        drop.append((i, name))
            outs.append(out)
        return self.names, outs, errors, drop


def parse_row(cells: list, mapping: dict[int, str]) -> tuple[dict, list[CellError]]:
    """One row on its own (tests, small uses); imports build a RowReader once per file."""
    return RowReader(mapping)(cells)


# --- Writing ------------------------------------------------------------------------------


def ambiguous_places() -> frozenset:
    """Region names the import could not resolve alone: (level, parent id, name) of counties
    sharing a name anywhere, and of towns or villages sharing one under the same parent."""
    from django.db.models import Count

    from yima.regions.choices import Level
    from yima.regions.models import Region

    found = set()
    for level, fields in (
        (Level.COUNTY, ["name"]),
        (Level.TOWN, ["parent_id", "name"]),
        (Level.VILLAGE, ["parent_id", "name"]),
    ):
        rows = (
            Region.objects.filter(level=level)
            .values(*fields)
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .values_list(*fields)
        )
        for row in rows:
            found.add((level.value, row[0] if len(row) == 2 else None, row[-1]))
    return frozenset(found)


_ambiguous_cache: tuple[float, frozenset] = (0.0, frozenset())


def _ambiguous_now() -> frozenset:
    """ambiguous_places(), reused for a minute (for callers of facility_row one by one)."""
    global _ambiguous_cache
    if time.monotonic() - _ambiguous_cache[0] > 60:
        _ambiguous_cache = (time.monotonic(), ambiguous_places())
    return _ambiguous_cache[1]


def place_text(level: str, parent_id, name: str, code: str, ambiguous: frozenset) -> str:
    """A region as the workbook shows it: its name, or "name（code）" when the name alone is
    ambiguous (the import reads both)."""
    if (level, parent_id if level != "county" else None, name) in ambiguous:
        digits = {"county": 6, "town": 9}.get(level, 12)
        return f"{name}（{code[:digits]}）"
    return name


def facility_row(facility, ambiguous: frozenset | None = None) -> list:
    """A facility's display values in column order (county/town/village/contractor loaded)."""
    if ambiguous is None:
        ambiguous = _ambiguous_now()
    county, town, village = facility.county, facility.town, facility.village
    return [
        facility.display_code,
        facility.name,
        place_text("county", None, county.name, county.code, ambiguous),
        place_text("town", town.parent_id, town.name, town.code, ambiguous),
        place_text("village", village.parent_id, village.name, village.code, ambiguous)
        if village is not None
        else None,
        facility.longitude,
        facility.latitude,
        facility.year_built,
        facility.capacity_m3d,
        PROCESS_LABELS.get(facility.process, facility.process),
        facility.households,
        facility.population,
        STANDARD_LABELS.get(facility.standard, facility.standard),
        GRADE_LABELS.get(facility.grade, facility.grade),
        facility.receiving_water or None,
        facility.contractor.name if facility.contractor_id else None,
        STATUS_LABELS.get(facility.status, facility.status),
    ]


_ROW_VALUES = (
    *("code", "name", "county__name", "county__code"),
    *("town__name", "town__code", "town__parent_id"),
    *("village__name", "village__code", "village__parent_id"),
    *("longitude", "latitude", "year_built", "capacity_m3d", "process", "households"),
    *("population", "standard", "grade", "receiving_water", "contractor__name", "status"),
)


def _queryset_rows(queryset, ambiguous: frozenset) -> Iterator[list]:
    """facility_row for a whole queryset, read as plain tuples (no model instances)."""
    for (
        code,
        name,
        county,
        county_code,
        town,
        town_code,
        town_parent,
        village,
        village_code,
        village_parent,
        longitude,
        latitude,
        year,
        capacity,
        process,
        households,
        population,
        standard,
        grade,
        water,
        contractor,
        status,
    ) in queryset.values_list(*_ROW_VALUES).iterator(chunk_size=2000):
        yield [
            format_code(code),
            name,
            place_text("county", None, county, county_code, ambiguous),
            place_text("town", town_parent, town, town_code, ambiguous),
            place_text("village", village_parent, village, village_code, ambiguous)
            if village is not None
            else None,
            longitude,
            latitude,
            year,
            capacity,
            PROCESS_LABELS.get(process, process),
            households,
            population,
            STANDARD_LABELS.get(standard, standard),
            GRADE_LABELS.get(grade, grade),
            water or None,
            contractor,
            STATUS_LABELS.get(status, status),
        ]


def write_ledger(facilities: Iterable, path_or_stream, *, title: str = "设施台账") -> int:
    """Write facilities to an .xlsx in the ledger's column layout; returns the row count.

    Uses openpyxl's write-only mode, so memory stays flat however many rows there are. A
    queryset is read in chunks as plain values (the fast way, for large exports); any other
    iterable gives Facility objects with county, town, village and contractor loaded.
    """
    from django.db.models import QuerySet
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from yima.core.xlsx import as_text

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for number, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    bold = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor="1F7A4D")
    centred = Alignment(horizontal="center", vertical="center")
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font, cell.fill, cell.alignment = bold, fill, centred
        header.append(cell)
    sheet.append(header)
    ambiguous = ambiguous_places()
    if isinstance(facilities, QuerySet):
        rows = _queryset_rows(facilities, ambiguous)
    else:
        rows = (facility_row(facility, ambiguous) for facility in facilities)
    count = 0
    for row in rows:
        sheet.append(as_text(sheet, row))  # a name starting with "=" stays text, not a formula
        count += 1
    workbook.save(path_or_stream)
    return count
