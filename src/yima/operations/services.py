"""Writes for field operations. Each records its actor and reason in the history, runs in one
transaction, and sends its side effects (notifications, the facility-changed event) after
commit.

Submissions from phones carry a client-generated UUID (`client_id`): a retried or duplicated
submission returns the record the first one created instead of creating another. The unique
constraint on `client_id` is what guarantees this under concurrency; the lookup before it is
only the fast path.
"""

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yima.accounts.scope import scope_for
from yima.facilities.choices import Status
from yima.facilities.models import Facility
from yima.operations import geo, selectors
from yima.operations.choices import (
    PRIORITY_DAYS,
    WORK_ORDER_TRANSITIONS,
    CoordSystem,
    Outcome,
    PhotoStage,
    Pollutant,
    Priority,
    WorkOrderAction,
    WorkOrderSource,
    WorkOrderState,
)
from yima.operations.compliance import assess
from yima.operations.events import facility_ops_changed
from yima.operations.models import (
    Inspection,
    InspectionPhoto,
    WaterSample,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderPhoto,
)
from yima.operations.photos import TOO_MANY, ProcessedPhoto, attach

NOT_YOUR_FACILITY = gettext_noop("Only staff of this facility's O&M contractor may do this.")
NOT_IN_SCOPE = gettext_noop("Only a regulator supervising this facility may do this.")
NOT_CONTRACTOR_OR_REGULATOR = gettext_noop(
    "Only this facility's O&M contractor or a regulator supervising it may record a sample."
)
NOT_IN_SERVICE = gettext_noop("This facility is not in service.")
NO_CONTRACTOR = gettext_noop("This facility has no O&M contractor to carry out a repair.")
CLIENT_ID_REUSED = gettext_noop("This submission id was already used for something else.")
IN_THE_FUTURE = gettext_noop("This time lies in the future.")
FINISHED_BEFORE_START = gettext_noop("The inspection cannot end before it started.")
BAD_POSITION = gettext_noop("The position is not a valid latitude and longitude.")
BAD_ACCURACY = gettext_noop("The location accuracy must be a positive number of metres.")
NOTHING_MEASURED = gettext_noop("Enter at least one measured value.")
DESCRIPTION_REQUIRED = gettext_noop("Describe the problem.")
RESOLUTION_REQUIRED = gettext_noop("Say what was done.")
REASON_REQUIRED = gettext_noop("A reason is required.")
FAILED_CHECKS = gettext_noop("Checks not passed: %(items)s")
BAD_TRANSITION = gettext_noop("This work order is “%(state)s”: “%(action)s” is not possible now.")

# Clocks on cheap phones drift; a submission stamped this far ahead is still accepted.
CLOCK_SKEW = timedelta(minutes=10)


def _organisation_of(actor, facility: Facility):
    return facility.contractor if selectors.is_facility_contractor(actor, facility) else None


def _after_commit_changed(facility_id: int, what: str) -> None:
    transaction.on_commit(
        lambda: facility_ops_changed.send(sender=Facility, facility_id=facility_id, what=what)
    )


def _summary_refresh(facility_id: int) -> None:
    """Keep the dashboard's summary of the facility current, after commit."""
    from django.apps import apps

    if apps.is_installed("yima.dashboard"):
        from yima.dashboard.summary import refresh_on_commit

        refresh_on_commit(facility_id)


def _existing(model, client_id: uuid.UUID, *, facility: Facility, actor):
    """The record an earlier copy of this submission created, or None."""
    found = model.objects.filter(client_id=client_id).first()
    if found is None:
        return None
    owner = found.inspector_id if model is Inspection else found.recorded_by_id
    if found.facility_id != facility.pk or owner != actor.pk:
        raise ValidationError({"client_id": _(CLIENT_ID_REUSED)})
    return found


def _check_time(value: datetime, field: str) -> None:
    if value > timezone.now() + CLOCK_SKEW:
        raise ValidationError({field: _(IN_THE_FUTURE)})


# --- Inspections --------------------------------------------------------------------------------


def _position(
    *,
    facility: Facility,
    coord_system: str,
    latitude: Decimal | None,
    longitude: Decimal | None,
    accuracy_m: Decimal | None,
) -> dict:
    """Datum-converted position, distance to the facility and the on-site verdict."""
    if latitude is None or longitude is None:
        return {"coord_system": "", "verified_on_site": False}
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValidationError({"latitude": _(BAD_POSITION)})
    if accuracy_m is not None and accuracy_m <= 0:
        raise ValidationError({"accuracy_m": _(BAD_ACCURACY)})
    coord_system = coord_system or CoordSystem.WGS84
    if coord_system not in CoordSystem.values:
        raise ValidationError({"coord_system": _(BAD_POSITION)})
    # Phones send more digits than matter: 7 decimals is about 1 cm, accuracy to 0.1 m.
    latitude = Decimal(latitude).quantize(Decimal("0.0000001"))
    longitude = Decimal(longitude).quantize(Decimal("0.0000001"))
    if accuracy_m is not None:
        accuracy_m = Decimal(accuracy_m).quantize(Decimal("0.1"))
    wgs_lat, wgs_lng = geo.to_wgs84(coord_system, latitude, longitude)
    distance = None
    if facility.latitude is not None and facility.longitude is not None:
        distance = geo.haversine_m(wgs_lat, wgs_lng, facility.latitude, facility.longitude)
    verified = (
        distance is not None
        and distance <= settings.YIMA_CHECKIN_MAX_DISTANCE_M
        and accuracy_m is not None
        and accuracy_m <= settings.YIMA_CHECKIN_MAX_ACCURACY_M
    )
    return {
        "coord_system": coord_system,
        "raw_latitude": latitude,
        "raw_longitude": longitude,
        "latitude": wgs_lat,
        "longitude": wgs_lng,
        "accuracy_m": accuracy_m,
        "distance_m": None if distance is None else Decimal(f"{distance:.1f}"),
        "verified_on_site": verified,
    }


def inspection_record(
    *,
    facility: Facility,
    actor,
    client_id: uuid.UUID,
    answers: dict[str, bool],
    outcome: str = Outcome.NORMAL,
    notes: str = "",
    started_at: datetime | None = None,
    finished_at: datetime | None = None,
    coord_system: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    accuracy_m: Decimal | None = None,
    flow_m3d: Decimal | None = None,
    photos: Sequence[ProcessedPhoto] = (),
    open_work_order: bool = False,
    work_order_priority: str = Priority.NORMAL,
    reason: str = "",
) -> tuple[Inspection, bool]:
    """Record an inspection by a technician of the facility's contractor.

    Returns (inspection, created); created is False when this client_id was already recorded.
    `answers` maps checklist keys to passed/failed; any failed item makes the outcome abnormal.
    `flow_m3d` is the day's treated volume read on site, when the facility has a meter.
    With `open_work_order`, an abnormal inspection also opens a repair order in the same
    transaction.
    """
    if not selectors.is_facility_contractor(actor, facility):
        raise PermissionDenied(_(NOT_YOUR_FACILITY))
    existing = _existing(Inspection, client_id, facility=facility, actor=actor)
    if existing is not None:
        return existing, False
    if facility.status != Status.IN_SERVICE:
        raise ValidationError(_(NOT_IN_SERVICE))
    if len(photos) > settings.YIMA_PHOTO_MAX_COUNT:
        raise ValidationError({"photos": _(TOO_MANY) % {"count": settings.YIMA_PHOTO_MAX_COUNT}})

    # Phone clocks drift: a finish stamped (slightly) in the future is taken as now.
    now = timezone.now()
    finished_at = min(finished_at or now, now)
    started_at = started_at or finished_at
    _check_time(started_at, "started_at")
    if finished_at < started_at <= finished_at + CLOCK_SKEW:
        started_at = finished_at
    if finished_at < started_at:
        raise ValidationError({"started_at": _(FINISHED_BEFORE_START)})

    # ok is None for an item left unanswered (e.g. added to the template after the page was
    # saved on the phone): it is neither a pass nor a problem.
    checklist = [
        {"key": item.key, "label": item.label, "ok": answers.get(item.key)}
        for item in selectors.checklist_for(facility.process)
    ]
    if any(item["ok"] is False for item in checklist):
        outcome = Outcome.ABNORMAL
    position = _position(
        facility=facility,
        coord_system=coord_system,
        latitude=latitude,
        longitude=longitude,
        accuracy_m=accuracy_m,
    )
    inspection = Inspection(
        client_id=client_id,
        facility=facility,
        contractor=facility.contractor,
        inspector=actor,
        started_at=started_at,
        finished_at=finished_at,
        outcome=outcome,
        flow_m3d=flow_m3d,
        notes=notes.strip(),
        checklist=checklist,
        **position,
    )
    inspection.full_clean(exclude=["client_id"])
    try:
        with transaction.atomic():
            inspection._history_user = actor
            inspection._change_reason = reason or _("Inspection recorded")
            inspection.save()
            for photo in photos:
                attach(InspectionPhoto, photo, inspection=inspection)
            if open_work_order and outcome == Outcome.ABNORMAL:
                failed = "、".join(item["label"] for item in checklist if item["ok"] is False)
                failed = _(FAILED_CHECKS) % {"items": failed} if failed else ""
                description = "\n".join(part for part in (failed, notes.strip()) if part)
                work_order_open(
                    facility=facility,
                    actor=actor,
                    source=WorkOrderSource.INSPECTION,
                    inspection=inspection,
                    description=description or _("Abnormal inspection"),
                    priority=work_order_priority,
                )
    except IntegrityError:
        # A concurrent copy of this submission won the race: return what it created.
        existing = _existing(Inspection, client_id, facility=facility, actor=actor)
        if existing is None:
            raise
        return existing, False
    _summary_refresh(facility.pk)
    _after_commit_changed(facility.pk, "inspection")
    return inspection, True


# --- Water samples ------------------------------------------------------------------------------


def sample_record(
    *,
    facility: Facility,
    actor,
    client_id: uuid.UUID,
    lab: str,
    sampled_at: datetime,
    values: dict[str, Decimal | None],
    water_temperature_c: Decimal | None = None,
    notes: str = "",
    reason: str = "",
) -> tuple[WaterSample, bool]:
    """Record a water sample and judge it against the facility's standard and grade.

    Returns (sample, created); created is False when this client_id was already recorded.
    """
    if not selectors.may_record_sample(actor, facility):
        raise PermissionDenied(_(NOT_CONTRACTOR_OR_REGULATOR))
    existing = _existing(WaterSample, client_id, facility=facility, actor=actor)
    if existing is not None:
        return existing, False
    measured = {k: v for k, v in values.items() if v is not None and k in Pollutant.values}
    if not measured:
        raise ValidationError(_(NOTHING_MEASURED))
    _check_time(sampled_at, "sampled_at")
    compliance, results = assess(
        measured, selectors.limits_for(facility.standard, facility.grade), water_temperature_c
    )
    sample = WaterSample(
        client_id=client_id,
        facility=facility,
        organisation=_organisation_of(actor, facility),
        recorded_by=actor,
        lab=lab.strip(),
        sampled_at=sampled_at,
        water_temperature_c=water_temperature_c,
        standard=facility.standard,
        grade=facility.grade,
        compliance=compliance,
        results=results,
        notes=notes.strip(),
        **measured,
    )
    sample.full_clean(exclude=["client_id"])
    try:
        with transaction.atomic():
            sample._history_user = actor
            sample._change_reason = reason or _("Water sample recorded")
            sample.save()
    except IntegrityError:
        existing = _existing(WaterSample, client_id, facility=facility, actor=actor)
        if existing is None:
            raise
        return existing, False
    _summary_refresh(facility.pk)
    _after_commit_changed(facility.pk, "sample")
    return sample, True


# --- Work orders --------------------------------------------------------------------------------


def _event(work_order: WorkOrder, *, action: str, from_state: str, actor, note: str) -> None:
    WorkOrderEvent.objects.create(
        work_order=work_order,
        action=action,
        from_state=from_state,
        to_state=work_order.state,
        actor=actor,
        note=note,
    )


def work_order_open(
    *,
    facility: Facility,
    actor,
    source: str,
    description: str,
    priority: str = Priority.NORMAL,
    due_on: date | None = None,
    inspection: Inspection | None = None,
    report_ref: str = "",
    photos: Sequence[ProcessedPhoto] = (),
    reason: str = "",
) -> WorkOrder:
    """Open a repair order for the facility's contractor.

    The contractor's staff may open one from an inspection; regulators in scope may open one
    from their own findings or from a public report.
    """
    if source == WorkOrderSource.INSPECTION:
        allowed = selectors.is_facility_contractor(actor, facility)
        message = NOT_YOUR_FACILITY
    else:
        allowed = selectors.is_facility_regulator(actor, facility)
        message = NOT_IN_SCOPE
    if not allowed:
        raise PermissionDenied(_(message))
    if facility.contractor_id is None:
        raise ValidationError(_(NO_CONTRACTOR))
    if not description.strip():
        raise ValidationError({"description": _(DESCRIPTION_REQUIRED)})
    work_order = WorkOrder(
        facility=facility,
        contractor_id=facility.contractor_id,
        source=source,
        inspection=inspection,
        report_ref=report_ref,
        priority=priority,
        due_on=due_on or timezone.localdate() + timedelta(days=PRIORITY_DAYS[priority]),
        description=description.strip(),
        opened_by=actor,
    )
    work_order.full_clean()
    with transaction.atomic():
        work_order._history_user = actor
        work_order._change_reason = reason or _("Work order opened")
        work_order.save()
        for photo in photos:
            attach(WorkOrderPhoto, photo, work_order=work_order, stage=PhotoStage.BEFORE)
        _event(work_order, action=WorkOrderAction.OPEN, from_state="", actor=actor, note="")
    pk = work_order.pk
    transaction.on_commit(lambda: _notify_opened(pk))
    _after_commit_changed(facility.pk, "work_order")
    return work_order


def _notify_opened(work_order_id: int) -> None:
    from yima.operations.tasks import notify_work_order_opened

    notify_work_order_opened.enqueue(work_order_id)


def _transition(
    *,
    work_order: WorkOrder,
    actor,
    action: str,
    note: str = "",
    photos: Sequence[ProcessedPhoto] = (),
    **changes,
) -> WorkOrder:
    """Move a work order one step, under a row lock so two clicks cannot both apply."""
    sources, target = WORK_ORDER_TRANSITIONS[action]
    with transaction.atomic():
        locked = (
            WorkOrder.objects.select_for_update()
            .select_related("facility", "facility__town")
            .get(pk=work_order.pk)
        )
        if locked.state not in sources:
            raise ValidationError(
                _(BAD_TRANSITION)
                % {
                    "state": WorkOrderState(locked.state).label,
                    "action": WorkOrderAction(action).label,
                }
            )
        from_state = locked.state
        locked.state = target
        for name, value in changes.items():
            setattr(locked, name, value)
        locked._history_user = actor
        locked._change_reason = note or WorkOrderAction(action).label
        locked.save()
        for photo in photos:
            attach(WorkOrderPhoto, photo, work_order=locked, stage=PhotoStage.AFTER)
        _event(locked, action=action, from_state=from_state, actor=actor, note=note)
    _after_commit_changed(locked.facility_id, "work_order")
    return locked


def _require_contractor(actor, work_order: WorkOrder) -> None:
    if work_order.contractor_id not in scope_for(actor).contractor_ids:
        raise PermissionDenied(_(NOT_YOUR_FACILITY))


def _require_regulator(actor, work_order: WorkOrder) -> None:
    if not selectors.is_facility_regulator(actor, work_order.facility):
        raise PermissionDenied(_(NOT_IN_SCOPE))


def work_order_start(*, work_order: WorkOrder, actor, note: str = "") -> WorkOrder:
    """The contractor takes the order on (open or reopened -> in progress)."""
    _require_contractor(actor, work_order)
    return _transition(work_order=work_order, actor=actor, action=WorkOrderAction.START, note=note)


def work_order_complete(
    *, work_order: WorkOrder, actor, resolution: str, photos: Sequence[ProcessedPhoto] = ()
) -> WorkOrder:
    """The contractor reports the repair done, saying what was done (in progress -> done).

    A repair opened from a public report also moves that report on (yima.cases resolves it and
    tells the reporter what was done), in the same transaction: the order is never done while
    its report still says "being handled". If the regulator has meanwhile taken the report
    elsewhere (closed, reopened), the hook refuses and the repair is still recorded as done.
    """
    _require_contractor(actor, work_order)
    if not resolution.strip():
        raise ValidationError({"resolution": _(RESOLUTION_REQUIRED)})
    from django.apps import apps

    with transaction.atomic():
        done = _transition(
            work_order=work_order,
            actor=actor,
            action=WorkOrderAction.COMPLETE,
            note=resolution.strip(),
            photos=photos,
            resolution=resolution.strip(),
            completed_at=timezone.now(),
        )
        from_report = done.source == WorkOrderSource.REPORT or bool(done.report_ref)
        if from_report and apps.is_installed("yima.cases"):
            from yima.cases.services import case_on_work_order_done

            try:
                # Its own savepoint: a refusal rolls back the report's step only.
                with transaction.atomic():
                    case_on_work_order_done(done, actor=actor)
            except ValidationError:
                pass
    return done


def work_order_verify(*, work_order: WorkOrder, actor, note: str = "") -> WorkOrder:
    """A regulator in scope confirms the repair (done -> verified)."""
    _require_regulator(actor, work_order)
    return _transition(
        work_order=work_order,
        actor=actor,
        action=WorkOrderAction.VERIFY,
        note=note.strip(),
        verified_at=timezone.now(),
    )


def work_order_reopen(*, work_order: WorkOrder, actor, reason: str) -> WorkOrder:
    """A regulator in scope sends the order back (done or verified -> reopened)."""
    _require_regulator(actor, work_order)
    if not reason.strip():
        raise ValidationError({"reason": _(REASON_REQUIRED)})
    return _transition(
        work_order=work_order,
        actor=actor,
        action=WorkOrderAction.REOPEN,
        note=reason.strip(),
        verified_at=None,
        completed_at=None,
    )


# --- Overdue inspections -------------------------------------------------------------------------


def overdue_notify(*, groups: Sequence["selectors.OverdueGroup"]) -> int:
    """Send each contractor's staff its list of overdue inspections; returns messages sent."""
    from yima.operations.notifications import notify

    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for group in groups:
            if group.contractor is None:
                continue
            lines = [
                f"{f.display_code}  {f.name}  "
                + _("due %(date)s") % {"date": _local_date(f.due_at)}
                for f in group.facilities
            ]
            subject = _("%(count)s overdue inspections") % {"count": len(group.facilities)}
            body = "\n".join(
                [group.contractor.name, "", *lines, "", f"{settings.BASE_URL}/ops/overdue/"]
            )
            sent += notify(
                recipients=selectors.organisation_members(group.contractor.pk),
                subject=subject,
                body=body,
            )
    return sent


def _local_date(value: datetime | None) -> str:
    return timezone.localtime(value).date().isoformat() if value else "-"
