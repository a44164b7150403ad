"""Reads of the facility ledger, always through the visibility gate."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import formats
from django.utils.translation import gettext

from yima.accounts.scope import scope_for
from yima.facilities.models import Facility, StatusChange
from yima.regions.choices import PREFIX_LENGTH, Level
from yima.regions.models import Region


def _region_q(prefixes: tuple[str, ...]) -> Q:
    q = Q(pk__in=[])
    for prefix in prefixes:
        field = "town__code__startswith" if len(prefix) > 6 else "county__code__startswith"
        q |= Q(**{field: prefix})
    return q


def visibility_q(user) -> Q | None:
    """Filter for the facilities `user` may see; None when they may see none."""
    scope = scope_for(user)
    if scope.is_admin:
        return Q()
    if not scope.is_staff_member:
        return None
    q = _region_q(scope.region_prefixes)
    if scope.contractor_ids:
        q |= Q(contractor_id__in=scope.contractor_ids)
    return q


def edit_q(user) -> Q | None:
    """Filter for the facilities whose ledger entry `user` may change (regulators in scope)."""
    scope = scope_for(user)
    if scope.is_admin:
        return Q()
    if not scope.region_prefixes:
        return None
    return _region_q(scope.region_prefixes)


def facility_list(*, user) -> QuerySet[Facility]:
    return Facility.objects.visible_to(user).select_related(
        "county", "town", "village", "contractor"
    )


def facility_get(*, user, code: str) -> Facility:
    """The visible facility with this compact code, or Facility.DoesNotExist (-> 404)."""
    return facility_list(user=user).get(code=code)


def can_edit(user, facility: Facility) -> bool:
    return Facility.objects.editable_by(user).filter(pk=facility.pk).exists()


# --- Ledger pages: region dropdowns and the readable change history. ---


def regions_for_edit(user, *, level: str, parent_code: str | None = None) -> QuerySet[Region]:
    """Regions of `level` where `user` may place a facility: inside their regulator scope.

    A county (or town) that only partly lies in scope (a town-level bureau) is offered too, so
    the user can reach the towns they cover; the service checks the town again on save.
    """
    scope = scope_for(user)
    qs = Region.objects.filter(level=level)
    if parent_code is not None:
        qs = qs.filter(parent__code=parent_code)
    if scope.is_admin:
        return qs
    q = Q(pk__in=[])
    width = PREFIX_LENGTH[Level(level)]
    for prefix in scope.region_prefixes:
        q |= Q(code__startswith=prefix)
        if len(prefix) > width:
            q |= Q(code=prefix[:width].ljust(12, "0"))
    return qs.filter(q)


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: object  # the user, or None for the system
    kind: str  # simple-history's "+" created, "~" changed, "-" deleted
    reason: str
    changes: list[FieldChange]


# Not worth showing: set once by the database, or shown by the entry itself.
_HISTORY_HIDDEN = ("id", "code", "created_at")


def _display(field, value, names: dict) -> str:
    if value is None or value == "":
        return "—"
    if field.is_relation:
        return names.get((field.related_model, value), str(value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, Decimal):
        return formats.number_format(value.normalize())
    if isinstance(value, date | datetime):
        return formats.localize(value)
    return str(value)


def facility_history(facility: Facility) -> list[HistoryEntry]:
    """The facility's change history, newest first: who, when, why, and each field old -> new.

    Diffs come from simple-history's `diff_against` between consecutive records; related
    regions and contractors are named with one query per model, not one per change.
    """
    records = list(
        facility.history.select_related("history_user").order_by("history_date", "history_id")
    )
    deltas = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            changes = record.diff_against(previous, excluded_fields=_HISTORY_HIDDEN).changes
        deltas.append((record, changes))
        previous = record

    wanted: dict = {}
    for _record, changes in deltas:
        for change in changes:
            field = Facility._meta.get_field(change.field)
            if field.is_relation:
                wanted.setdefault(field.related_model, set()).update(
                    v for v in (change.old, change.new) if v is not None
                )
    names = {
        (model, pk): str(obj)
        for model, pks in wanted.items()
        for pk, obj in model._default_manager.in_bulk(pks).items()
    }

    entries = []
    for record, changes in deltas:
        fields = []
        for change in changes:
            field = Facility._meta.get_field(change.field)
            fields.append(
                FieldChange(
                    label=str(field.verbose_name),
                    old=_display(field, change.old, names),
                    new=_display(field, change.new, names),
                )
            )
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=record.history_user,
                kind=record.history_type,
                reason=gettext(record.history_change_reason or ""),
                changes=fields,
            )
        )
    entries.reverse()
    return entries


def facility_status_changes(facility: Facility) -> QuerySet[StatusChange]:
    return facility.status_changes.select_related("actor")
