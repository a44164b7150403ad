"""Reference data loaded by data migrations, callable again (every seed is idempotent).

Transactional tests (browser tests, concurrency tests) empty every table when they finish, seed
data included; the test suite calls `seed_reference_data()` before each of them.
"""

from importlib import import_module

from django.apps import apps

SEED_MIGRATIONS = (
    ("yima.operations", "yima.operations.migrations.0002_seed_reference_data"),
    ("yima.cases", "yima.cases.migrations.0002_seed_case_types"),
    ("yima.assessment", "yima.assessment.migrations.0002_seed_items"),
)


def seed_reference_data() -> None:
    for app, module in SEED_MIGRATIONS:
        if apps.is_installed(app):
            import_module(module).seed(apps, None)
