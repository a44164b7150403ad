"""Ledger imports as background tasks: a web upload never holds a request open.

`import_job_start` stores the job and enqueues `run_import_job` once the job row is committed;
the worker (`yima db_worker`, or the immediate backend in tests) runs the import. Progress goes
to the cache, because the write phase is one transaction that other connections cannot see
into; the job row gets the final state.
"""

import logging
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation
from django_tasks import task

from yima.core.storage import local_path
from yima.facilities.imports import ledger_import
from yima.facilities.models import ImportJob

logger = logging.getLogger(__name__)

PROGRESS_TIMEOUT = 24 * 3600


def progress_key(job_id: int) -> str:
    return f"yima:import-job:{job_id}:progress"


def job_progress(job: ImportJob) -> dict | None:
    """{phase, done, total} of a running job, or None when it has not started reporting."""
    return cache.get(progress_key(job.pk))


def import_job_start(
    *, actor, file, original_name: str, dry_run: bool, reason: str = "", language: str = ""
) -> ImportJob:
    """Store an uploaded workbook as a queued job and run it in the background."""
    job = ImportJob(
        created_by=actor,
        original_name=original_name[:255],
        dry_run=dry_run,
        reason=reason.strip(),
        language=language or settings.LANGUAGE_CODE,
    )
    if isinstance(file, str):
        job.file.name = file  # a workbook already stored (applying a checked job)
    else:
        job.file.save(original_name, file, save=False)
    job.save()
    transaction.on_commit(partial(run_import_job.enqueue, job.pk))
    return job


def import_job_apply(*, job: ImportJob, actor) -> ImportJob:
    """Import for real a workbook that a dry run found valid (same stored file)."""
    return import_job_start(
        actor=actor,
        file=job.file.name,
        original_name=job.original_name,
        dry_run=False,
        reason=job.reason,
        language=job.language,
    )


@task()
def run_import_job(job_id: int) -> None:
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != ImportJob.State.QUEUED:
        return  # already picked up (a retried delivery)
    job.status = ImportJob.State.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at"])
    key = progress_key(job.pk)

    def progress(phase: str, done: int, total: int) -> None:
        cache.set(key, {"phase": phase, "done": done, "total": total}, PROGRESS_TIMEOUT)

    try:
        with (
            translation.override(job.language or settings.LANGUAGE_CODE),
            local_path(job.file) as path,  # a temporary copy when the file is in S3
        ):
            result = ledger_import(
                path=path,
                actor=job.created_by,
                dry_run=job.dry_run,
                reason=job.reason,
                progress=progress,
            )
    except Exception as exc:
        logger.exception("Ledger import job %s failed", job.pk)
        job.status = ImportJob.State.FAILED
        job.failure = f"{type(exc).__name__}: {exc}"
    else:
        job.status = ImportJob.State.DONE
        job.total_rows = job.processed_rows = result.total
        job.created_count = result.created
        job.updated_count = result.updated
        job.unchanged_count = result.unchanged
        job.errors = [e.as_dict() for e in result.errors]
        job.changes = result.changes
    job.finished_at = timezone.now()
    job.save()
    cache.delete(key)
