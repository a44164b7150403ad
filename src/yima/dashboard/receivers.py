"""Keep the summary tables current where no service of ours does the writing.

- The Excel import writes facilities in bulk. Its new facilities get their summary rows in its
  own transaction (`summary_register_bulk`); it announces the rest with `ledger_imported` after
  commit, and the updated facilities whose schedule may have moved are recomputed in batches
  (`summary_refresh_many`).
- The inspection policy is reference data edited in the admin, which has no service layer: a
  post_save / post_delete receiver on InspectionPolicy is the one place that sees every change
  (admin add, change, delete, and a shell or data migration too). Any band may move any
  facility's interval, so it enqueues a full rebuild in the background, after commit.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from yima.facilities.imports import ledger_imported
from yima.facilities.models import Facility
from yima.operations.models import InspectionPolicy


@receiver(ledger_imported, dispatch_uid="dashboard.ledger_imported")
def facilities_imported(sender, codes=(), created=(), rescheduled_ids=None, **kwargs) -> None:
    """Rows for the updated facilities whose status, county, capacity or contractor changed
    (`rescheduled_ids`; a sender that does not say gets every code it names recomputed)."""
    from yima.dashboard.summary import summary_refresh_many

    if rescheduled_ids is not None:
        ids = list(rescheduled_ids)
    else:
        touched = [*codes, *created]
        ids = []
        for i in range(0, len(touched), 5000):
            ids += Facility.objects.filter(code__in=touched[i : i + 5000]).values_list(
                "pk", flat=True
            )
    if ids:
        summary_refresh_many(ids)


@receiver(post_save, sender=InspectionPolicy, dispatch_uid="dashboard.policy_saved")
@receiver(post_delete, sender=InspectionPolicy, dispatch_uid="dashboard.policy_deleted")
def policy_changed(sender, instance=None, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    from yima.dashboard.tasks import dashboard_rebuild_all

    transaction.on_commit(lambda: dashboard_rebuild_all.enqueue(), robust=True)
