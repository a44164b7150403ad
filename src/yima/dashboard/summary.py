"""Writes to the dashboard's summary tables (FacilityState, InspectionDue, FacilityMonth).

Services call `summary_refresh_facility` after their transaction commits (inspections, samples,
registration, status changes, ledger edits, deletion); imports, policy changes, the demo
generator and `yima dashboard-rebuild` call `summary_rebuild`, which does the same for many
facilities in batches.

The inspection chain of a facility (the definition of 巡检及时率, docs/concepts.md):

- it runs while the facility is in service; each in-service period starts when the facility was
  registered or came (back) into service, and its first due is one interval later;
- an inspection at t answers the current due ON TIME when t is at or before it, and the next due
  is t + interval (a second inspection at the very same instant answers nothing more);
- a due that passes with no inspection is MISSED, and the next due is that due + interval: one
  missed due per elapsed interval;
- the interval is the facility's current band of the inspection policy (a policy change
  rebuilds everything).

Stored: every due up to the latest inspection of the current in-service period, and every due of
a closed period (until it closed or now). Not stored: the dues after the latest inspection,
because time alone makes them missed; `FacilityState.next_due_at` and `interval_days` let the
selectors count them live (`outstanding_count`).

A missed due is credited to the contractor that held the facility at the due time (from the
ledger's history); an answered due to the contractor that did the inspection.
"""

import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import groupby
from operator import itemgetter

from django.db import connection, transaction
from django.db.models import Case, DateTimeField, Exists, OuterRef, Subquery, Value, When
from django.utils import timezone

from yima.dashboard.models import FacilityMonth, FacilityState, InspectionDue
from yima.facilities.choices import Status
from yima.facilities.models import Facility, StatusChange
from yima.operations.choices import Outcome
from yima.operations.models import Inspection, InspectionPolicy, WaterSample
from yima.operations.selectors import _interval_subquery, interval_case

BATCH = 1000  # facilities per batch of a rebuild
INSERT_BATCH = 5000

Due = tuple  # (due_at, inspection_id | None, on_time, contractor_id | None)


@dataclass
class Computed:
    state: FacilityState | None  # None: the facility is deleted, nothing is kept
    dues: list[Due]
    months: list[tuple] = ()  # FacilityMonth rows, tuples in _MONTH_COLUMNS[1:] order


# --- The chain (pure functions) --------------------------------------------------------------


def _local_midnight(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def service_periods(
    *, status: str, created_at: datetime, changes: Sequence[tuple], now: datetime
) -> list[tuple[datetime, datetime | None]]:
    """The facility's in-service periods [start, end) (end None: still in service).

    `changes` are (effective_on, to_status) in order; a change takes effect at local midnight of
    its day, never before the facility was registered.
    """
    periods: list[tuple[datetime, datetime | None]] = []
    start: datetime | None = None
    last_at = created_at
    for effective_on, to_status in changes:
        at = max(_local_midnight(effective_on), created_at)
        last_at = max(last_at, at)
        if to_status == Status.IN_SERVICE and start is None:
            start = at
        elif to_status != Status.IN_SERVICE and start is not None:
            if at > start:
                periods.append((start, at))
            start = None
    # The status on the ledger is the truth if the change log disagrees (e.g. legacy rows).
    if status == Status.IN_SERVICE and start is None:
        start = last_at
    elif status != Status.IN_SERVICE and start is not None:
        end = max(last_at, start)
        if end > start:
            periods.append((start, end))
        start = None
    if start is not None:
        periods.append((start, None))
    return periods


def chain(
    *,
    periods: Sequence[tuple[datetime, datetime | None]],
    interval_days: int | None,
    inspections: Sequence[tuple],
    now: datetime,
    contractor_at: Callable[[datetime], int | None] = lambda at: None,
) -> tuple[list[Due], datetime | None]:
    """The stored dues and the current due (next_due_at) of one facility.

    `inspections`: (finished_at, inspection_id, contractor_id), sorted by time then id.
    """
    if not interval_days or not periods:
        return [], None
    step = timedelta(days=interval_days)
    dues: list[Due] = []
    next_due: datetime | None = None
    times = [row[0] for row in inspections]
    for start, end in periods:
        due = start + step
        first = bisect.bisect_left(times, start)
        last = len(times) if end is None else bisect.bisect_left(times, end)
        previous_at = None
        for at, pk, contractor_id in inspections[first:last]:
            if at == previous_at:
                continue  # the same instant twice answers one due
            previous_at = at
            while due < at:
                dues.append((due, None, False, contractor_at(due)))
                due += step
            dues.append((due, pk, True, contractor_id))
            due = at + step
        if end is None:
            next_due = due
        else:
            stop = min(end, now)
            while due < stop:
                dues.append((due, None, False, contractor_at(due)))
                due += step
    return dues, next_due


def outstanding_count(
    next_due_at: datetime | None, interval_days: int | None, start: datetime, as_of: datetime
) -> int:
    """Missed dues not stored (after the latest inspection) with due time in [start, as_of):
    next_due_at, next_due_at + interval, ... up to now."""
    if next_due_at is None or not interval_days or next_due_at >= as_of or start >= as_of:
        return 0
    step = timedelta(days=interval_days)
    first = 0 if next_due_at >= start else -((next_due_at - start) // step)  # ceil
    last = -((next_due_at - as_of) // step) - 1  # last k with next_due_at + k*step < as_of
    return max(0, last - first + 1)


def outstanding_dues(
    next_due_at: datetime | None, interval_days: int | None, start: datetime, as_of: datetime
) -> list[datetime]:
    """The due times `outstanding_count` counts (for month-by-month counts and lists)."""
    count = outstanding_count(next_due_at, interval_days, start, as_of)
    if not count:
        return []
    step = timedelta(days=interval_days)
    first = 0 if next_due_at >= start else -((next_due_at - start) // step)
    return [next_due_at + (first + k) * step for k in range(count)]


# --- Monthly counts (FacilityMonth) ----------------------------------------------------------

_MONTH_COLUMNS = (
    "facility_id",
    "month",
    "contractor_id",
    "dues",
    "dues_on_time",
    "inspections",
    "samples_compliant",
    "samples_non_compliant",
    "samples_unknown",
    "flow_sum",
    "flow_count",
)
_COMPLIANCE_SLOT = {"compliant": 3, "non_compliant": 4, "unknown": 5}


def month_of(at: datetime) -> date:
    """The first day of `at`'s calendar month in local time (what FacilityMonth.month holds)."""
    local = timezone.localtime(at)
    return date(local.year, local.month, 1)


def month_rows(
    *, dues: Iterable[Due], inspections: Iterable[tuple], samples: Iterable[tuple]
) -> list[tuple]:
    """One facility's FacilityMonth rows: (month, contractor_id, dues, dues_on_time,
    inspections, compliant, non_compliant, unknown, flow_sum, flow_count), sorted.

    `inspections`: (finished_at, contractor_id, flow_m3d | None); `samples`: (sampled_at,
    compliance, organisation_id)."""
    counts: dict[tuple, list] = {}

    def row(at: datetime, contractor_id) -> list:
        key = (month_of(at), contractor_id)
        found = counts.get(key)
        if found is None:
            found = counts[key] = [0, 0, 0, 0, 0, 0, Decimal(0), 0]
        return found

    for due_at, _inspection_id, on_time, contractor_id in dues:
        r = row(due_at, contractor_id)
        r[0] += 1
        r[1] += bool(on_time)
    for finished_at, contractor_id, flow in inspections:
        r = row(finished_at, contractor_id)
        r[2] += 1
        if flow is not None:
            r[6] += flow
            r[7] += 1
    for sampled_at, compliance, organisation_id in samples:
        row(sampled_at, organisation_id)[_COMPLIANCE_SLOT[compliance]] += 1
    return sorted(
        ((*key, *values) for key, values in counts.items()),
        key=lambda r: (r[0], r[1] is not None, r[1] or 0),
    )


def _latest_sample(field: str) -> Subquery:
    return Subquery(
        WaterSample.objects.filter(facility=OuterRef("pk"))
        .order_by("-sampled_at", "-pk")
        .values(field)[:1]
    )


def _compute(facility_filter: dict, now: datetime) -> dict[int, Computed]:
    """Compute the summary rows of the facilities matching `facility_filter` (5 queries)."""
    facilities = list(
        Facility.objects.filter(**facility_filter)
        .annotate(
            interval=_interval_subquery(),
            sampled_at=_latest_sample("sampled_at"),
            compliance=_latest_sample("compliance"),
        )
        .order_by("pk")
        .values_list(
            "pk",
            "status",
            "created_at",
            "deleted_at",
            "contractor_id",
            "interval",
            "sampled_at",
            "compliance",
        )
    )
    if not facilities:
        return {}
    related = {f"facility__{key}": value for key, value in facility_filter.items()}
    changes = {
        key: [row[1:] for row in rows]
        for key, rows in groupby(
            StatusChange.objects.filter(**related)
            .order_by("facility_id", "effective_on", "created_at", "pk")
            .values_list("facility_id", "effective_on", "to_status"),
            key=itemgetter(0),
        )
    }
    by_id = {key.replace("pk", "id", 1): value for key, value in facility_filter.items()}
    owners: dict[int, tuple[list, list]] = {}
    for pk, at, contractor in (
        Facility.history.model.objects.filter(**by_id)
        .order_by("id", "history_date", "history_id")
        .values_list("id", "history_date", "contractor_id")
    ):
        dates, holders = owners.setdefault(pk, ([], []))
        dates.append(at)
        holders.append(contractor)
    inspections = {
        key: [row[1:] for row in rows]
        for key, rows in groupby(
            Inspection.objects.filter(**related)
            .order_by("facility_id", "finished_at", "pk")
            .values_list(
                "facility_id",
                "finished_at",
                "pk",
                "contractor_id",
                "outcome",
                "verified_on_site",
                "flow_m3d",
            )
            .iterator(chunk_size=20000),
            key=itemgetter(0),
        )
    }
    samples = {
        key: [row[1:] for row in rows]
        for key, rows in groupby(
            WaterSample.objects.filter(**related)
            .order_by("facility_id")
            .values_list("facility_id", "sampled_at", "compliance", "organisation_id")
            .iterator(chunk_size=20000),
            key=itemgetter(0),
        )
    }

    result: dict[int, Computed] = {}
    for (
        pk,
        status,
        created_at,
        deleted_at,
        contractor_id,
        interval,
        sampled_at,
        compliance,
    ) in facilities:
        if deleted_at is not None:
            result[pk] = Computed(None, [])
            continue
        rows = inspections.get(pk, [])
        dates, holders = owners.get(pk, ([], []))

        def contractor_at(at, dates=dates, holders=holders, current=contractor_id):
            if not dates:
                return current
            return holders[max(bisect.bisect_right(dates, at) - 1, 0)]

        periods = service_periods(
            status=status, created_at=created_at, changes=changes.get(pk, ()), now=now
        )
        dues, next_due = chain(
            periods=periods,
            interval_days=interval,
            inspections=[(at, ipk, who) for at, ipk, who, _outcome, _verified, _flow in rows],
            now=now,
            contractor_at=contractor_at,
        )
        months = month_rows(
            dues=dues,
            inspections=[(at, who, flow) for at, _ipk, who, _outcome, _verified, flow in rows],
            samples=samples.get(pk, ()),
        )
        abnormal_since = None
        for at, _ipk, _who, outcome, _verified, _flow in rows:
            abnormal_since = (abnormal_since or at) if outcome == Outcome.ABNORMAL else None
        last = rows[-1] if rows else None
        state = FacilityState(
            facility_id=pk,
            last_inspected_at=last[0] if last else None,
            last_outcome=last[3] if last else "",
            last_verified=bool(last and last[4]),
            interval_days=interval,
            next_due_at=next_due if status == Status.IN_SERVICE else None,
            abnormal_since=abnormal_since,
            last_sampled_at=sampled_at,
            last_compliance=compliance or "",
            updated_at=now,
        )
        result[pk] = Computed(state, dues, months)
    return result


# --- Writing ---------------------------------------------------------------------------------


def _db_datetime(value: datetime | None):
    return connection.ops.adapt_datetimefield_value(value)


_NULL = "\\N"  # NULL in COPY's text format


def _copy_lines(cursor, statement: str, lines: Iterable[str]) -> int:
    """COPY ... FROM STDIN of ready-made text-format lines, written INSERT_BATCH at a time."""
    count = 0
    with cursor.cursor.copy(statement) as copy:
        batch: list[str] = []
        for line in lines:
            batch.append(line)
            if len(batch) == INSERT_BATCH:
                copy.write("".join(batch))
                count += len(batch)
                batch = []
        if batch:
            copy.write("".join(batch))
            count += len(batch)
    return count


def _insert_dues(rows: Iterable[tuple]) -> int:
    """Insert (facility_id, due) rows: COPY on PostgreSQL, one prepared statement run with
    executemany on SQLite. Django's bulk_create pushes every value through the field API and
    was several times slower here (a full rebuild writes one row per inspection and more)."""
    table = connection.ops.quote_name(InspectionDue._meta.db_table)
    columns = "(facility_id, due_at, inspection_id, on_time, contractor_id)"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY's text format built here: psycopg's write_row (a dumper looked up per value)
            # took most of the Python time of a rebuild. Only ints, booleans, None and aware
            # datetimes (str() is ISO 8601 with the offset): nothing to escape.
            return _copy_lines(
                cursor,
                f"COPY {table} {columns} FROM STDIN",
                (
                    f"{facility_id}\t{due_at.isoformat()}\t"
                    f"{_NULL if inspection_id is None else inspection_id}\t"
                    f"{'t' if on_time else 'f'}\t"
                    f"{_NULL if contractor_id is None else contractor_id}\n"
                    for facility_id, (due_at, inspection_id, on_time, contractor_id) in rows
                ),
            )
        sql = f"INSERT INTO {table} {columns} VALUES (%s, %s, %s, %s, %s)"
        params = [
            (facility_id, _db_datetime(due_at), inspection_id, on_time, contractor_id)
            for facility_id, (due_at, inspection_id, on_time, contractor_id) in rows
        ]
        for i in range(0, len(params), INSERT_BATCH):
            cursor.executemany(sql, params[i : i + INSERT_BATCH])
    return len(params)


def _insert_months(rows: Iterable[tuple]) -> int:
    """Insert FacilityMonth rows (tuples in _MONTH_COLUMNS order) as _insert_dues does."""
    table = connection.ops.quote_name(FacilityMonth._meta.db_table)
    columns = f"({', '.join(_MONTH_COLUMNS)})"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return _copy_lines(
                cursor,
                f"COPY {table} {columns} FROM STDIN",
                (
                    "\t".join(_NULL if value is None else str(value) for value in row) + "\n"
                    for row in rows
                ),
            )
        sql = f"INSERT INTO {table} {columns} VALUES ({', '.join(['%s'] * len(_MONTH_COLUMNS))})"
        params = [(*row[:9], str(row[9]), row[10]) for row in rows]
        for i in range(0, len(params), INSERT_BATCH):
            cursor.executemany(sql, params[i : i + INSERT_BATCH])
    return len(params)


def _write_months(computed: dict[int, Computed]) -> None:
    FacilityMonth.objects.filter(facility_id__in=list(computed)).delete()
    _insert_months((pk, *row) for pk, result in sorted(computed.items()) for row in result.months)


def _write_states(computed: dict[int, Computed]) -> None:
    FacilityState.objects.filter(facility_id__in=list(computed)).delete()
    FacilityState.objects.bulk_create(
        [c.state for c in computed.values() if c.state is not None], batch_size=INSERT_BATCH
    )


def summary_refresh_facility(facility_id: int, *, now: datetime | None = None) -> None:
    """Recompute one facility's state and dues, writing only the dues that changed.

    Runs under a lock on the facility row, so two refreshes of one facility queue up.
    """
    now = now or timezone.now()
    with transaction.atomic():
        if not Facility.objects.select_for_update().filter(pk=facility_id).exists():
            return
        computed = _compute({"pk": facility_id}, now).get(facility_id)
        if computed is None:
            return
        _write_states({facility_id: computed})
        _write_months({facility_id: computed})
        wanted = {due[0]: due for due in computed.dues}
        stale = []
        for pk, due_at, inspection_id, on_time, contractor_id in InspectionDue.objects.filter(
            facility_id=facility_id
        ).values_list("pk", "due_at", "inspection_id", "on_time", "contractor_id"):
            if wanted.get(due_at) == (due_at, inspection_id, on_time, contractor_id):
                del wanted[due_at]
            else:
                stale.append(pk)
        if stale:
            InspectionDue.objects.filter(pk__in=stale).delete()
        _insert_dues((facility_id, due) for due in sorted(wanted.values()))


def summary_rebuild(
    facility_ids: Iterable[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """Recompute the summary rows of many facilities (all when `facility_ids` is None), in
    batches of BATCH facilities, each batch in its own transaction. `progress(done, total)` is
    called after each batch. Returns the number of facilities processed."""
    now = now or timezone.now()
    if facility_ids is None:
        ids = list(Facility.objects.order_by("pk").values_list("pk", flat=True))
        # Rows of facilities that no longer exist at all go too.
        InspectionDue.objects.exclude(facility_id__in=Facility.objects.values("pk")).delete()
        FacilityMonth.objects.exclude(facility_id__in=Facility.objects.values("pk")).delete()
    else:
        ids = sorted(set(facility_ids))
    total = len(ids)
    done = 0
    for i in range(0, total, BATCH):
        chunk = ids[i : i + BATCH]
        # A range filter when the chunk is every id in it (a full rebuild): no long IN lists.
        if facility_ids is None:
            facility_filter = {"pk__gte": chunk[0], "pk__lte": chunk[-1]}
        else:
            facility_filter = {"pk__in": chunk}
        with transaction.atomic():
            list(Facility.objects.select_for_update().filter(**facility_filter).values_list("pk"))
            computed = _compute(facility_filter, now)
            InspectionDue.objects.filter(facility_id__in=list(computed)).delete()
            _write_states(computed)
            _write_months(computed)
            _insert_dues((pk, due) for pk, result in computed.items() for due in result.dues)
        done += len(chunk)
        if progress is not None:
            progress(done, total)
    if total >= BATCH:
        _analyze()
    return done


def _analyze() -> None:
    """Fresh planner statistics after many rows changed: without them PostgreSQL planned the
    dashboard's queries over 6 million fresh FacilityMonth rows as if the table were empty
    (minutes instead of a second) until autovacuum came by."""
    with connection.cursor() as cursor:
        for model in (FacilityState, InspectionDue, FacilityMonth):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# --- Facilities never inspected or sampled (what an import registers) ------------------------

PLAIN_BATCH = 5000  # facilities per batch of summary_refresh_many
_STATE_COLUMNS = (
    "facility_id",
    "last_inspected_at",
    "last_outcome",
    "last_verified",
    "interval_days",
    "next_due_at",
    "abnormal_since",
    "last_sampled_at",
    "last_compliance",
    "updated_at",
)


def _id_filter(chunk: list[int]) -> dict:
    """A range when the sorted chunk is every id in it (an import's new facilities)."""
    if chunk[-1] - chunk[0] == len(chunk) - 1:
        return {"pk__gte": chunk[0], "pk__lte": chunk[-1]}
    return {"pk__in": chunk}


def _insert_states(rows: list[tuple]) -> None:
    """Insert FacilityState rows (tuples in _STATE_COLUMNS order) as _insert_dues does."""
    if not rows:
        return
    table = connection.ops.quote_name(FacilityState._meta.db_table)
    columns = f"({', '.join(_STATE_COLUMNS)})"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} {columns} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        memo: dict = {None: None}  # the same few instants repeat (created_at + interval)

        def adapt(value):
            if value not in memo:
                memo[value] = _db_datetime(value)
            return memo[value]

        params = [
            (pk, None, "", False, interval, adapt(next_due), None, None, "", adapt(updated))
            for pk, _a, _o, _v, interval, next_due, _s, _t, _c, updated in rows
        ]
        sql = f"INSERT INTO {table} {columns} VALUES ({', '.join(['%s'] * len(_STATE_COLUMNS))})"
        for i in range(0, len(params), INSERT_BATCH):
            cursor.executemany(sql, params[i : i + INSERT_BATCH])


def _refresh_plain(chunk: list[int], now: datetime) -> list[int]:
    """Write the summary rows of the facilities in `chunk` that were never inspected or
    sampled and have no closed in-service period; return the others (for summary_rebuild).

    For those facilities the chain has no stored due and its current due follows from the
    ledger row, the status changes and the policy band alone: the very `service_periods` and
    `chain` functions compute it, only the history, inspection and sample reads are skipped
    (which is what made a rebuild of 100,000 new facilities slow). Runs in the caller's
    transaction, after the facility rows are locked."""
    facility_filter = _id_filter(chunk)
    rows = list(
        Facility.objects.filter(**facility_filter)
        .annotate(
            interval=_interval_subquery(),
            inspected=Exists(Inspection.objects.filter(facility=OuterRef("pk"))),
            sampled=Exists(WaterSample.objects.filter(facility=OuterRef("pk"))),
        )
        .values_list("pk", "status", "created_at", "deleted_at", "interval", "inspected", "sampled")
    )
    related = {f"facility__{key}": value for key, value in facility_filter.items()}
    changes = {
        key: [row[1:] for row in group]
        for key, group in groupby(
            StatusChange.objects.filter(**related)
            .order_by("facility_id", "effective_on", "created_at", "pk")
            .values_list("facility_id", "effective_on", "to_status"),
            key=itemgetter(0),
        )
    }
    others: list[int] = []
    handled: list[int] = []
    states: list[tuple] = []
    # An import's new facilities share their registration time, status change and band: each
    # distinct combination is worked out once.
    memo: dict[tuple, tuple[bool, datetime | None]] = {}
    for pk, status, created_at, deleted_at, interval, inspected, sampled in rows:
        if deleted_at is not None:
            handled.append(pk)  # nothing is kept for a deleted facility
            continue
        if inspected or sampled:
            others.append(pk)
            continue
        key = (status, created_at, interval, tuple(changes.get(pk, ())))
        if key not in memo:
            periods = service_periods(status=status, created_at=created_at, changes=key[3], now=now)
            # Missed dues of a closed period are credited from the history: not this path.
            closed = any(end is not None for _start, end in periods)
            dues, next_due = chain(periods=periods, interval_days=interval, inspections=(), now=now)
            assert closed or not dues  # no inspection, no closed period: no stored due
            memo[key] = (closed, next_due)
        closed, next_due = memo[key]
        if closed:
            others.append(pk)
            continue
        handled.append(pk)
        states.append(
            (
                pk,
                None,
                "",
                False,
                interval,
                next_due if status == Status.IN_SERVICE else None,
                None,
                None,
                "",
                now,
            )
        )
    if handled:
        for i in range(0, len(handled), BATCH):
            part = _id_filter(handled[i : i + BATCH])
            part = {key.replace("pk", "facility_id", 1): value for key, value in part.items()}
            InspectionDue.objects.filter(**part).delete()
            FacilityState.objects.filter(**part).delete()
            FacilityMonth.objects.filter(**part).delete()
        _insert_states(states)
    return others


def summary_register_bulk(
    facility_ids: list[int], *, registered_at: datetime, effective_on: date
) -> None:
    """The FacilityState rows of facilities a bulk path (the Excel import) has just inserted,
    written in the caller's transaction: they commit together with the facilities, so no
    reader ever sees a facility without its summary, and nothing is read back afterwards.

    Each facility was registered at `registered_at` with one status change (to its status,
    effective on `effective_on`) and has no inspection, sample or history before that: no
    stored due, no month row. Its current due follows from its status and its policy band,
    computed by the very `service_periods` and `chain` functions once per interval; the rows
    are then made inside the database (INSERT ... SELECT, the band picked by `interval_case`),
    which costs no Python per facility."""
    interval = interval_case()
    periods = service_periods(
        status=Status.IN_SERVICE,
        created_at=registered_at,
        changes=[(effective_on, Status.IN_SERVICE)],
        now=registered_at,
    )
    due_after: dict[int, datetime | None] = {}
    for days in set(InspectionPolicy.objects.values_list("interval_days", flat=True)):
        dues, due_after[days] = chain(
            periods=periods, interval_days=days, inspections=(), now=registered_at
        )
        assert not dues  # nothing is due before the facility exists
    next_due = Case(
        *(
            When(status=Status.IN_SERVICE, s_interval=days, then=Value(due))
            for days, due in due_after.items()
        ),
        default=None,
        output_field=DateTimeField(),
    )
    at = Value(registered_at, output_field=DateTimeField())
    empty, nothing = Value(""), Value(None, output_field=DateTimeField())
    table = connection.ops.quote_name(FacilityState._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(facility_ids), PLAIN_BATCH):
            rows = (
                Facility.objects.filter(**_id_filter(facility_ids[start : start + PLAIN_BATCH]))
                .annotate(s_interval=interval)
                .annotate(
                    s_next_due=next_due,
                    s_empty=empty,
                    s_false=Value(False),
                    s_nothing=nothing,
                    s_at=at,
                )
                .order_by()
                # In _STATE_COLUMNS order (Django 5.2 selects in the order given).
                .values_list(
                    "pk",
                    "s_nothing",
                    "s_empty",
                    "s_false",
                    "s_interval",
                    "s_next_due",
                    "s_nothing",
                    "s_nothing",
                    "s_empty",
                    "s_at",
                )
            )
            sql, params = rows.query.sql_with_params()
            cursor.execute(f"INSERT INTO {table} ({', '.join(_STATE_COLUMNS)}) {sql}", params)


def summary_interval_moved(facility_ids: list[int]) -> list[int]:
    """Of these facilities, those whose policy interval (from their ledger row as it is now,
    e.g. inside an import's transaction after a capacity change) differs from the one their
    summary row was computed with, or that have no summary row. A capacity change moves the
    schedule only through the interval: the others need no recomputing."""
    interval = interval_case()
    moved: list[int] = []
    for start in range(0, len(facility_ids), PLAIN_BATCH):
        rows = (
            Facility.objects.filter(pk__in=facility_ids[start : start + PLAIN_BATCH])
            .annotate(s_interval=interval)
            .values_list("pk", "state__facility_id", "state__interval_days", "s_interval")
        )
        moved += [pk for pk, held, old, new in rows if held is None or old != new]
    return moved


def summary_refresh_many(facility_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """What `summary_rebuild(facility_ids)` does, cheaply for facilities never inspected or
    sampled (an import's new ones): their rows are computed from the facility row, its status
    changes and its policy band, PLAIN_BATCH at a time; the rest go through summary_rebuild.
    Returns the number of facilities processed."""
    now = now or timezone.now()
    ids = sorted(set(facility_ids))
    others: list[int] = []
    for i in range(0, len(ids), PLAIN_BATCH):
        chunk = ids[i : i + PLAIN_BATCH]
        with transaction.atomic():
            for j in range(0, len(chunk), BATCH):
                part = _id_filter(chunk[j : j + BATCH])
                list(Facility.objects.select_for_update().filter(**part).values_list("pk"))
            others += _refresh_plain(chunk, now)
    if others:
        summary_rebuild(others, now=now)
    return len(ids)


def refresh_on_commit(facility_id: int) -> None:
    """Refresh one facility once the current transaction commits (what services call).

    Robust: a failure is logged and does not undo or fail the committed write; the next
    refresh or `yima dashboard-rebuild` repairs the summary."""
    transaction.on_commit(lambda: summary_refresh_facility(facility_id), robust=True)
