"""Keep the cached public faces in step with the ledger.

The ledger's services (register, update, change status, delete, import) all save through
Facility.save(), so one post_save receiver sees every change of what the public face shows;
the contractor's name and public phone live on Organisation. Connected in ScanConfig.ready().
Bulk updates that bypass save() must call public_face_invalidate themselves.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from yima.accounts.models import Organisation
from yima.facilities.models import Facility
from yima.scan.public_cache import invalidate_now_and_after_commit


@receiver(post_save, sender=Facility, dispatch_uid="scan.facility_saved")
def facility_saved(sender, instance: Facility, **kwargs) -> None:
    if kwargs.get("raw") or not instance.code:
        return
    invalidate_now_and_after_commit([instance.code])


@receiver(post_save, sender=Organisation, dispatch_uid="scan.organisation_saved")
def organisation_saved(sender, instance: Organisation, **kwargs) -> None:
    if kwargs.get("raw") or kwargs.get("created"):
        return
    codes = list(Facility.objects.filter(contractor=instance).values_list("code", flat=True))
    invalidate_now_and_after_commit(codes)
