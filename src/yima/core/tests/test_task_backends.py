"""Background work goes through the configured task backend and a worker runs it.

The normal suite runs these with the immediate backend (test_settings). `scripts/test` runs
them again (`-m tasks`) with YIMA_TASK_BACKEND=db (django-tasks-db: the task waits in the
database until `yima db_worker --batch` picks it up) and YIMA_TASK_BACKEND=rq (django-tasks-rq:
the task waits in Redis until an rq worker in burst mode runs it). With a real backend each test
first sees the work still pending, then done once the worker has run.
"""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from yima.facilities.models import Facility, ImportJob

pytestmark = [pytest.mark.tasks, pytest.mark.django_db(transaction=True)]

BACKEND = settings.TASKS["default"]["BACKEND"]
QUEUED = BACKEND != "django_tasks.backends.immediate.ImmediateBackend"


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.YIMA_CASE_PHOTO_ROOT = tmp_path / "case-photos"
    settings.YIMA_NOTIFY_BACKEND = "yima.cases.notifications.MemoryBackend"
    from yima.cases.notifications import MemoryBackend

    MemoryBackend.outbox.clear()
    if BACKEND == "django_tasks_rq.RQBackend":
        import django_rq

        django_rq.get_queue("default").empty()
    yield
    MemoryBackend.outbox.clear()


def run_worker() -> None:
    """What `yima db_worker` / `yima rqworker` do on a worker machine, until the queue is empty."""
    if BACKEND == "django_tasks_db.DatabaseBackend":
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    elif BACKEND == "django_tasks_rq.RQBackend":
        # SimpleWorker runs jobs in this process (no fork), so it shares the test database.
        call_command(
            "rqworker",
            "default",
            burst=True,
            worker_class="rq.worker.SimpleWorker",
            job_class="django_tasks_rq.Job",
            verbosity=0,
        )


def test_the_backend_under_test_is_the_one_asked_for():
    wanted = {
        "db": "django_tasks_db.DatabaseBackend",
        "rq": "django_tasks_rq.RQBackend",
        "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    }[settings.TASK_BACKEND]
    assert wanted == BACKEND
    print(f"task backend: {BACKEND}")


def test_a_ledger_import_runs_on_the_worker(world, tmp_path):
    from yima.facilities.tasks import import_job_start
    from yima.facilities.tests.test_import_service import new_row, workbook

    data = workbook(tmp_path, [new_row(设施名称="任务村污水站")]).read_bytes()
    job = import_job_start(
        actor=world.regulator,
        file=SimpleUploadedFile("台账.xlsx", data),
        original_name="台账.xlsx",
        dry_run=False,
        reason="后台导入",
    )
    if QUEUED:
        job.refresh_from_db()
        assert job.status == ImportJob.State.QUEUED
        assert not Facility.objects.filter(name="任务村污水站").exists()
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.created_count) == (ImportJob.State.DONE, 1), job.failure
    assert Facility.objects.filter(name="任务村污水站").count() == 1


def test_a_label_batch_is_rendered_on_the_worker(world):
    from yima.scan.choices import JobStatus
    from yima.scan.models import LabelJob
    from yima.scan.services import label_job_request

    job = label_job_request(
        user=world.regulator,
        facilities=Facility.objects.filter(pk=world.facility_a.pk),
        layout="sign",
        description="one sign",
    )
    if QUEUED:
        job.refresh_from_db()
        assert job.status == JobStatus.QUEUED
    run_worker()
    job = LabelJob.objects.get(pk=job.pk)
    assert (job.status, job.done, job.total) == (JobStatus.DONE, 1, 1), job.error
    with job.file.open("rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def test_a_public_reports_notices_leave_from_the_worker(world):
    from yima.cases.notifications import MemoryBackend
    from yima.cases.tests.factories import file_case

    file_case(world)
    if QUEUED:
        assert MemoryBackend.outbox == []
    run_worker()
    kinds = [notice.kind for notice in MemoryBackend.outbox]
    assert kinds == ["case.submit.reporter", "case.submit.regulator"]


def test_a_repair_orders_mail_leaves_from_the_worker(world, mailoutbox):
    from yima.operations.choices import WorkOrderSource
    from yima.operations.services import work_order_open

    world.operator.email = "tech@example.org"
    world.operator.save()
    order = work_order_open(
        facility=world.facility_a,
        actor=world.county_regulator,
        source=WorkOrderSource.REGULATOR,
        description="出水口堵塞",
    )
    if QUEUED:
        assert mailoutbox == []
    run_worker()
    assert [m.to for m in mailoutbox] == [["tech@example.org"]]
    assert f"#{order.pk}" in mailoutbox[0].subject
