"""Background tasks of the dashboard (Django's Tasks API)."""

from django_tasks import task


@task()
def dashboard_rebuild_all() -> int:
    """Recompute every facility's summary rows (after an inspection policy change: every
    facility's interval and so its whole due chain may have moved)."""
    from yima.dashboard.summary import summary_rebuild

    return summary_rebuild()
