"""Writes to the facility ledger. Every write records its actor and reason in the history."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yima.facilities.choices import STATUS_TRANSITIONS, Status
from yima.facilities.codes import compose
from yima.facilities.models import CodeSerial, Facility, StatusChange

REASON_REQUIRED = gettext_noop("A reason is required.")
# Default reasons are stored untranslated and translated when shown, so each reader sees their
# own language.
REGISTERED = gettext_noop("Registered")
EDITED = gettext_noop("Edited")


def codes_allocate(*, county_code: str, year: int, count: int = 1) -> list[str]:
    """Issue `count` new codes for a county and year; call inside a transaction.

    The UPDATE takes a row lock that is held until the caller's transaction ends, so concurrent
    registrations queue behind each other and never draw the same serial (PostgreSQL and SQLite).
    """
    if count < 1:
        return []
    CodeSerial.objects.get_or_create(county_code=county_code, year=year)
    CodeSerial.objects.filter(county_code=county_code, year=year).update(
        last_serial=F("last_serial") + count
    )
    last = CodeSerial.objects.get(county_code=county_code, year=year).last_serial
    if last > 9999:
        raise ValidationError(
            _("No serials left for county %(county)s and year %(year)s.")
            % {"county": county_code, "year": year}
        )
    return [compose(county_code, year, serial) for serial in range(last - count + 1, last + 1)]


def codes_reserve_existing(*, county_code: str, year: int, serial: int) -> None:
    """Raise the counter so an imported legacy code's serial is never issued again."""
    CodeSerial.objects.get_or_create(county_code=county_code, year=year)
    CodeSerial.objects.filter(county_code=county_code, year=year, last_serial__lt=serial).update(
        last_serial=serial
    )


def _summary_refresh(facility_id: int) -> None:
    """Keep the dashboard's summary of the facility current (status, interval, contractor),
    after commit."""
    from django.apps import apps

    if apps.is_installed("yima.dashboard"):
        from yima.dashboard.summary import refresh_on_commit

        refresh_on_commit(facility_id)


def _check_scope(actor, facility: Facility) -> None:
    from yima.accounts.scope import scope_for

    if actor is not None and not scope_for(actor).covers_region_code(facility.town.code):
        raise PermissionDenied(_("This facility lies outside your jurisdiction."))


def _validate_regions(facility: Facility) -> None:
    errors = {}
    if facility.town.parent_id != facility.county_id:
        errors["town"] = _("The town does not belong to the county.")
    if facility.village_id and facility.village.parent_id != facility.town_id:
        errors["village"] = _("The village does not belong to the town.")
    if errors:
        raise ValidationError(errors)


def facility_register(*, actor, reason: str = "", code: str | None = None, **fields) -> Facility:
    """Register a facility and issue its code (or keep a valid legacy `code` being imported)."""
    facility = Facility(**fields)
    _check_scope(actor, facility)
    _validate_regions(facility)
    facility.status_since = facility.status_since or timezone.localdate()
    with transaction.atomic():
        if code:
            codes_reserve_existing(
                county_code=code[:6], year=int(code[6:10]), serial=int(code[10:14])
            )
            facility.code = code
        else:
            (facility.code,) = codes_allocate(
                county_code=facility.county.code[:6], year=facility.year_built
            )
        facility.full_clean()
        facility._history_user = actor
        facility._change_reason = reason or REGISTERED
        facility.save()
        StatusChange.objects.create(
            facility=facility,
            from_status="",
            to_status=facility.status,
            effective_on=facility.status_since,
            reason=reason or REGISTERED,
            actor=actor,
        )
        _summary_refresh(facility.pk)
    return facility


# Fields a ledger edit may change. Status goes through facility_change_status; code never changes.
EDITABLE_FIELDS = (
    "name",
    "county",
    "town",
    "village",
    "longitude",
    "latitude",
    "year_built",
    "capacity_m3d",
    "process",
    "households",
    "population",
    "standard",
    "grade",
    "receiving_water",
    "contractor",
)


def facility_update(*, facility: Facility, actor, reason: str = "", **changes) -> Facility:
    """Change ledger fields of a facility, keeping who, when, what and why in its history."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    _check_scope(actor, facility)
    with transaction.atomic():
        facility = Facility.objects.select_for_update().get(pk=facility.pk)
        for name, value in changes.items():
            setattr(facility, name, value)
        _check_scope(actor, facility)
        _validate_regions(facility)
        facility.full_clean()
        facility._history_user = actor
        facility._change_reason = reason or EDITED
        facility.save()
        if {"contractor", "capacity_m3d", "county"} & set(changes):
            _summary_refresh(facility.pk)
    return facility


def facility_change_status(
    *, facility: Facility, actor, to_status: str, reason: str, effective_on: date | None = None
) -> StatusChange:
    """Move a facility along its lifecycle; the date and reason of every change are kept."""
    if not reason.strip():
        raise ValidationError({"reason": _(REASON_REQUIRED)})
    _check_scope(actor, facility)
    effective_on = effective_on or timezone.localdate()
    with transaction.atomic():
        facility = Facility.objects.select_for_update().get(pk=facility.pk)
        if to_status not in STATUS_TRANSITIONS[facility.status]:
            raise ValidationError(
                {
                    "to_status": _("A facility cannot go from %(from)s to %(to)s.")
                    % {"from": Status(facility.status).label, "to": Status(to_status).label}
                }
            )
        change = StatusChange.objects.create(
            facility=facility,
            from_status=facility.status,
            to_status=to_status,
            effective_on=effective_on,
            reason=reason.strip(),
            actor=actor,
        )
        facility.status = to_status
        facility.status_since = effective_on
        facility._history_user = actor
        facility._change_reason = reason.strip()
        facility.save(update_fields=["status", "status_since", "updated_at"])
        _summary_refresh(facility.pk)
    return change


def facility_delete(*, facility: Facility, actor, reason: str) -> Facility:
    """Soft-delete a ledger entry registered by mistake. Its code stays issued, never reused."""
    if not reason.strip():
        raise ValidationError({"reason": _(REASON_REQUIRED)})
    _check_scope(actor, facility)
    with transaction.atomic():
        facility = Facility.objects.select_for_update().get(pk=facility.pk)
        facility.deleted_at = timezone.now()
        facility._history_user = actor
        facility._change_reason = reason.strip()
        facility.save(update_fields=["deleted_at", "updated_at"])
        _summary_refresh(facility.pk)
    return facility
