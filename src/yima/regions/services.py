"""Writes to the region tree: loading an official list of divisions (code, name, parent code).

Import works like a bulk ledger import: read every row, validate them all against the file and
the database, report every bad row by its line number, then write all or nothing in one
transaction. Re-running the same list changes nothing; a renamed region keeps its history.
"""

import csv
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from yima.regions.choices import PREFIX_LENGTH, Level
from yima.regions.codes import level_of, normalize_code
from yima.regions.models import Region
from yima.regions.selectors import regions_by_code

# Error messages (msgids; translated when a RowError is made). Tests assert on these constants.
BAD_CODE = gettext_noop("“%(code)s” is not a region code (12 digits; 6 or 9 digits are padded).")
EMPTY_NAME = gettext_noop("The name is empty.")
DUPLICATE_CODE = gettext_noop("Code %(code)s already appears on line %(line)s.")
BAD_PARENT_CODE = gettext_noop("The parent code “%(code)s” is not a region code.")
MISSING_PARENT = gettext_noop("A %(level)s needs a parent code.")
PROVINCE_WITH_PARENT = gettext_noop("A province has no parent; leave the parent code empty.")
UNKNOWN_PARENT = gettext_noop("Parent %(code)s is neither in the file nor in the database.")
PARENT_WRONG_LEVEL = gettext_noop(
    "The parent of a %(level)s must be a %(expected)s, but %(code)s is a %(parent_level)s."
)
PARENT_MISMATCH = gettext_noop("Code %(code)s does not lie under its parent %(parent)s.")
NOT_UTF8 = gettext_noop("The file is not UTF-8 text; save it as “CSV UTF-8”.")
MISSING_COLUMNS = gettext_noop("The header must name the columns code, name and parent_code.")

LEVEL_ORDER = [Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWN, Level.VILLAGE]
# Header names accepted for each column (the official English ones and their Chinese names).
COLUMN_ALIASES = {
    "code": ("code", "代码", "区划代码", "统计用区划代码"),
    "name": ("name", "名称", "区划名称"),
    "parent_code": ("parent_code", "parent", "上级代码", "上级区划代码"),
}


@dataclass(frozen=True)
class RowError:
    """One bad row: its line in the file (header = line 1), the code as written, and why."""

    line: int
    code: str
    message: str

    def __str__(self) -> str:
        return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


class RegionImportError(Exception):
    """The list has bad rows; nothing was written. `errors` lists every one of them."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class RegionImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    codes: list[str] = field(default_factory=list, repr=False)  # every code in the list


@dataclass(frozen=True)
class _Row:
    line: int
    code: str
    name: str
    parent_code: str


def _clean(value) -> str:
    return unicodedata.normalize("NFKC", str(value or "")).strip()


def _read_csv(path: Path) -> tuple[list[tuple[int, dict]], list[RowError]]:
    # utf-8-sig reads files with and without a byte order mark alike.
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        columns = {}
        cleaned = [_clean(h).lower() for h in header]
        for key, aliases in COLUMN_ALIASES.items():
            for alias in aliases:
                if alias in cleaned:
                    columns[key] = cleaned.index(alias)
                    break
        if set(columns) != set(COLUMN_ALIASES):
            return [], [RowError(1, "", _(MISSING_COLUMNS))]
        rows = []
        for values in reader:
            if not any(_clean(v) for v in values):
                continue  # blank lines are not rows
            padded = values + [""] * len(header)
            rows.append((reader.line_num, {key: padded[index] for key, index in columns.items()}))
    return rows, []


def _as_dicts(rows: Iterable[Mapping | Sequence]) -> list[tuple[int, dict]]:
    result = []
    for number, row in enumerate(rows, start=1):
        if isinstance(row, Mapping):
            result.append((number, dict(row)))
        else:
            code, name, parent_code = (list(row) + ["", "", ""])[:3]
            result.append((number, {"code": code, "name": name, "parent_code": parent_code}))
    return result


def _parent_level(level: Level) -> Level | None:
    index = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[index - 1] if index else None


def _validate(raw_rows: list[tuple[int, dict]]) -> tuple[list[_Row], set[str], list[RowError]]:
    """Check each row on its own and against the others; no database access.

    Returns the good rows, every well-formed code in the file (a bad row's code still counts
    as "in the file" for its children, so one mistake is reported once), and the errors.
    """
    rows: list[_Row] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for line, raw in raw_rows:
        raw_code = _clean(raw.get("code"))
        code = normalize_code(raw_code)
        name = _clean(raw.get("name"))
        raw_parent = _clean(raw.get("parent_code"))
        parent = normalize_code(raw_parent) if raw_parent else ""
        row_errors = []
        if not code:
            row_errors.append(_(BAD_CODE) % {"code": raw_code})
        elif code in seen:
            row_errors.append(_(DUPLICATE_CODE) % {"code": code, "line": seen[code]})
        if not name:
            row_errors.append(_(EMPTY_NAME))
        if raw_parent and not parent:
            row_errors.append(_(BAD_PARENT_CODE) % {"code": raw_parent})
        if code:
            seen.setdefault(code, line)
            level = level_of(code)
            if level == Level.PROVINCE and parent:
                row_errors.append(_(PROVINCE_WITH_PARENT))
            elif level != Level.PROVINCE and not raw_parent:
                row_errors.append(_(MISSING_PARENT) % {"level": level.label.lower()})
        errors.extend(RowError(line, raw_code, message) for message in row_errors)
        if not row_errors:
            rows.append(_Row(line, code, name, parent))
    return rows, set(seen), errors


def _check_parents(
    rows: list[_Row], in_file: set[str], existing: dict[str, Region], errors: list[RowError]
) -> list[_Row]:
    """Every parent must be in the file or the database, one level up, and contain the code."""
    good = []
    for row in rows:
        level = level_of(row.code)
        expected = _parent_level(level)
        message = None
        if expected is not None:
            parent_level = level_of(row.parent_code)
            if row.parent_code not in in_file and row.parent_code not in existing:
                message = _(UNKNOWN_PARENT) % {"code": row.parent_code}
            elif parent_level != expected:
                message = _(PARENT_WRONG_LEVEL) % {
                    "level": level.label.lower(),
                    "expected": expected.label.lower(),
                    "code": row.parent_code,
                    "parent_level": parent_level.label.lower(),
                }
            elif not row.code.startswith(row.parent_code[: PREFIX_LENGTH[expected]]):
                message = _(PARENT_MISMATCH) % {"code": row.code, "parent": row.parent_code}
        if message:
            errors.append(RowError(row.line, row.code, message))
        else:
            good.append(row)
    return good


def regions_import(
    *,
    path_or_rows: str | Path | Iterable[Mapping | Sequence],
    actor=None,
    reason: str,
    is_demo: bool = False,
    dry_run: bool = False,
) -> RegionImportResult:
    """Load a list of regions (code, name, parent_code); all rows are written or none.

    `path_or_rows` is a CSV file (UTF-8, with or without BOM, header row naming the columns) or
    an iterable of dicts / (code, name, parent_code) tuples, numbered from 1. Raises
    RegionImportError listing every bad row. `is_demo` marks the regions as generated names.
    Costs a handful of queries whatever the size of the list.
    """
    if isinstance(path_or_rows, str | Path):
        try:
            raw_rows, errors = _read_csv(Path(path_or_rows))
        except UnicodeDecodeError:
            raise RegionImportError([RowError(1, "", _(NOT_UTF8))]) from None
    else:
        raw_rows, errors = _as_dicts(path_or_rows), []
    rows, in_file, row_errors = _validate(raw_rows)
    errors += row_errors
    existing = regions_by_code([row.code for row in rows] + [row.parent_code for row in rows])
    rows = _check_parents(rows, in_file, existing, errors)
    if errors:
        raise RegionImportError(sorted(errors, key=lambda e: e.line))

    result = RegionImportResult(dry_run=dry_run, codes=[row.code for row in rows])
    # Parents first, so that every child can point at its parent's primary key.
    rows.sort(key=lambda row: (LEVEL_ORDER.index(level_of(row.code)), row.line))
    with transaction.atomic():
        by_level: dict[Level, list[_Row]] = {}
        for row in rows:
            by_level.setdefault(level_of(row.code), []).append(row)
        for level in LEVEL_ORDER:
            to_create, to_update = [], []
            for row in by_level.get(level, []):
                parent = existing.get(row.parent_code) if row.parent_code else None
                region = existing.get(row.code)
                if region is None:
                    region = Region(
                        code=row.code, name=row.name, level=level, parent=parent, is_demo=is_demo
                    )
                    to_create.append(region)
                elif (region.name, region.parent_id, region.is_demo) != (
                    row.name,
                    parent.pk if parent else None,
                    is_demo,
                ):
                    region.name, region.parent, region.is_demo = row.name, parent, is_demo
                    to_update.append(region)
                else:
                    result.unchanged += 1
            result.created += len(to_create)
            result.updated += len(to_update)
            if dry_run:
                # Stand-ins so that children of new regions validate as "created" too.
                existing.update({region.code: region for region in to_create})
                continue
            if to_create:
                created = bulk_create_with_history(
                    to_create,
                    Region,
                    batch_size=500,
                    default_user=actor,
                    default_change_reason=reason,
                )
                existing.update({region.code: region for region in created})
            if to_update:
                bulk_update_with_history(
                    to_update,
                    Region,
                    ["name", "parent", "is_demo"],
                    batch_size=500,
                    default_user=actor,
                    default_change_reason=reason,
                )
    return result
