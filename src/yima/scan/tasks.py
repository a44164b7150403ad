"""Background tasks of the scan app (Django's Tasks API through the django-tasks backport)."""

from django_tasks import task

from yima.scan.services import label_job_run


@task()
def render_label_job(job_id: str) -> None:
    """Render a large batch of signs or labels; progress is written to the LabelJob row."""
    label_job_run(job_id=job_id)
