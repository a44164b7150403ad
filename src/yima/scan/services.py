"""Writes of the scan app: issuing and reissuing labels, and batch print jobs.

Every label row records who issued it and why; a reissue makes the previous label "replaced"
(it still opens the facility, with a notice). Rendering large batches runs as a background task.
"""

import logging
import tempfile
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yima.facilities.models import Facility
from yima.scan.choices import JobStatus, Layout
from yima.scan.models import Label, LabelJob
from yima.scan.public_cache import invalidate_now_and_after_commit

logger = logging.getLogger(__name__)

REASON_REQUIRED = gettext_noop("Say why the label is reissued.")
FIRST_LABEL = gettext_noop("First label, issued when first printed")
NOTHING_TO_PRINT = gettext_noop("No facilities match this selection.")


def label_issue(*, facility: Facility, actor, reason: str = "") -> Label:
    """The facility's current label, issuing label 1 if it never had one (first print).

    Under the facility's row lock, so two first prints at once issue one label, not two.
    """
    with transaction.atomic():
        Facility.objects.select_for_update().filter(pk=facility.pk).first()
        label = Label.objects.filter(facility=facility).order_by("-serial").first()
        if label is None:
            label = Label.objects.create(
                facility=facility, serial=1, issued_by=actor, reason=reason or _(FIRST_LABEL)
            )
            invalidate_now_and_after_commit([facility.code])
    return label


def label_reissue(*, facility: Facility, actor, reason: str) -> Label:
    """Issue a new label (serial + 1), e.g. after damage or theft; the old one becomes replaced."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _(REASON_REQUIRED)})
    with transaction.atomic():
        Facility.objects.select_for_update().filter(pk=facility.pk).first()
        last = Label.objects.filter(facility=facility).aggregate(last=Max("serial"))["last"] or 0
        label = Label.objects.create(
            facility=facility, serial=last + 1, issued_by=actor, reason=reason
        )
        invalidate_now_and_after_commit([facility.code])
    logger.info("label %s #%s reissued by %s: %s", facility.code, label.serial, actor, reason)
    return label


def labels_issue_missing(*, facilities: QuerySet[Facility], actor, reason: str = "") -> int:
    """Issue label 1 to every facility in the batch that has none yet; returns how many.

    The (facility, serial) constraint makes a concurrent batch harmless: conflicting rows are
    skipped, so every facility ends with exactly one label 1.
    """
    missing = list(
        facilities.filter(labels__isnull=True).order_by().values_list("pk", "code").distinct()
    )
    if not missing:
        return 0
    reason = reason or _(FIRST_LABEL)
    with transaction.atomic():
        Label.objects.bulk_create(
            [Label(facility_id=pk, serial=1, issued_by=actor, reason=reason) for pk, _ in missing],
            batch_size=500,
            ignore_conflicts=True,
        )
        invalidate_now_and_after_commit([code for _, code in missing])
    return len(missing)


def current_labels(facilities: Iterable[Facility]) -> dict[int, int]:
    """{facility pk: current serial} for a chunk of facilities, in one query."""
    rows = (
        Label.objects.filter(facility__in=[f.pk for f in facilities])
        .values("facility_id")
        .annotate(serial=Max("serial"))
    )
    return {row["facility_id"]: row["serial"] for row in rows}


def labels_render(
    *,
    facilities: QuerySet[Facility],
    layout: str,
    out,
    actor=None,
    reason: str = "",
    progress: Callable[[int], None] | None = None,
) -> int:
    """Render the batch as a print-ready PDF into the binary file `out`; returns the count.

    Facilities without a label get label 1 first (recorded with `actor` and `reason`).
    """
    from yima.scan.pdf import render_labels

    labels_issue_missing(facilities=facilities, actor=actor, reason=reason)
    return render_labels(facilities, layout=layout, out=out, progress=progress)


def label_job_request(*, user, facilities: QuerySet[Facility], layout: str, description: str):
    """Record a batch print job and start it in the background after commit."""
    if layout not in Layout.values:
        raise ValidationError({"layout": _("Unknown layout.")})
    ids = list(facilities.order_by("code").values_list("pk", flat=True))
    if not ids:
        raise ValidationError(_(NOTHING_TO_PRINT))
    with transaction.atomic():
        job = LabelJob.objects.create(
            requested_by=user,
            layout=layout,
            description=description[:500],
            facility_ids=ids,
            total=len(ids),
        )

        def enqueue():
            from yima.scan.tasks import render_label_job

            render_label_job.enqueue(str(job.pk))

        transaction.on_commit(enqueue)
    return job


PROGRESS_EVERY = 25


def label_job_run(*, job_id: str) -> None:
    """The body of the background task: render the job's PDF, reporting progress as it goes."""
    job = LabelJob.objects.select_related("requested_by").get(pk=job_id)
    if job.finished:
        return
    LabelJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, done=0)

    def progress(done: int) -> None:
        if done % PROGRESS_EVERY == 0 or done == job.total:
            LabelJob.objects.filter(pk=job.pk).update(done=min(done, job.total))

    facilities = Facility.objects.alive().filter(pk__in=job.facility_ids).order_by("code")
    try:
        with tempfile.TemporaryFile() as tmp:
            count = labels_render(
                facilities=facilities,
                layout=job.layout,
                out=tmp,
                actor=job.requested_by,
                progress=progress,
            )
            tmp.seek(0)
            job.file.save(f"yima-{job.layout}-{job.pk}.pdf", File(tmp), save=False)
    except Exception as exc:  # noqa: BLE001 - any failure (even a missing font) must reach the page
        logger.exception("label job %s failed", job.pk)
        LabelJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        return
    # Facilities deleted since the request are skipped: the total shrinks to what was printed.
    LabelJob.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE,
        total=count,
        done=count,
        file=job.file.name,
        finished_at=timezone.now(),
    )


def sync_limit() -> int:
    """Batches up to this many facilities download directly; larger ones run in the background."""
    return getattr(settings, "YIMA_LABEL_SYNC_LIMIT", 200)
