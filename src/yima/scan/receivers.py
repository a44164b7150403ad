"""Keep the cached public faces in step with the ledger.

The ledger's services (register, update, change status, delete) save through Facility.save(),
so one post_save receiver sees those; the Excel import writes in bulk and announces the codes
it wrote with `ledger_imported` after commit; the contractor's name and public phone live on
Organisation. Connected in ScanConfig.ready(). Field operations
(inspections, samples, work orders) announce their changes with `facility_ops_changed`, which
connect_operations() hooks up when that app is installed.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from yima.accounts.models import Organisation
from yima.facilities.imports import ledger_imported
from yima.facilities.models import Facility
from yima.scan.public_cache import invalidate_now_and_after_commit, public_face_invalidate


@receiver(post_save, sender=Facility, dispatch_uid="scan.facility_saved")
def facility_saved(sender, instance: Facility, **kwargs) -> None:
    if kwargs.get("raw") or not instance.code:
        return
    invalidate_now_and_after_commit([instance.code])


@receiver(ledger_imported, dispatch_uid="scan.ledger_imported")
def facilities_imported(sender, codes: list[str], **kwargs) -> None:
    public_face_invalidate(codes)


@receiver(post_save, sender=Organisation, dispatch_uid="scan.organisation_saved")
def organisation_saved(sender, instance: Organisation, **kwargs) -> None:
    if kwargs.get("raw") or kwargs.get("created"):
        return
    codes = list(Facility.objects.filter(contractor=instance).values_list("code", flat=True))
    invalidate_now_and_after_commit(codes)


def facility_ops_changed(sender, facility_id: int, **kwargs) -> None:
    """An inspection, sample or work order changed what the public face shows."""
    codes = list(Facility.objects.filter(pk=facility_id).values_list("code", flat=True))
    invalidate_now_and_after_commit(codes)


def connect_operations() -> None:
    from django.apps import apps

    if apps.is_installed("yima.operations"):
        from yima.operations.events import facility_ops_changed as signal

        signal.connect(facility_ops_changed, dispatch_uid="scan.facility_ops_changed")
