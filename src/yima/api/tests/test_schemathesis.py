"""Property-based check of the REST API against its own OpenAPI document (schemathesis):
generated requests to every operation, authenticated as a regulator, never get a server
error, and answers match the documented schemas.

A modest number of examples per operation keeps this in the normal suite;
YIMA_SCHEMATHESIS_EXAMPLES raises it. `scripts/test` runs the deep version once (on
PostgreSQL) with YIMA_SCHEMATHESIS_MIN_CASES=1000: the run then fails unless at least that many
generated requests were sent in total. The total is printed either way.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from yima.api.services import api_key_create

from . import factories

EXAMPLES = int(os.environ.get("YIMA_SCHEMATHESIS_EXAMPLES", "15"))
MIN_CASES = int(os.environ.get("YIMA_SCHEMATHESIS_MIN_CASES", "0"))
SENT: dict[str, int] = {}  # operation -> generated requests sent


from yima.wsgi import application  # noqa: E402 - after pytest-django configured Django

# Loaded when the module is collected: serving the OpenAPI document needs no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def keep_test_connection():
    """Requests go through the real WSGI handler, which closes the database connection after
    each request; inside a test's transaction that would drop it (PostgreSQL). Django's own
    test client unhooks the same signal handlers."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def regulator_key(keep_test_connection, world, settings, tmp_path):
    """A regulator's key, and one of each kind of record for the generated requests to hit."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.YIMA_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    factories.inspection(world)
    factories.sample(world)
    factories.work_order(world)
    factories.assigned_report(world)
    return api_key_create(name="schemathesis", user=world.regulator)[1]


@pytest.fixture(scope="module", autouse=True)
def total_cases():
    """After the module: print how many generated requests were sent, and hold the floor."""
    yield
    total = sum(SENT.values())
    print(f"\nschemathesis: {total} generated requests over {len(SENT)} operations", end=" ")
    print(f"({EXAMPLES} examples per operation)")
    for key, count in sorted(SENT.items()):
        print(f"  {count:5d}  {key}")
    if MIN_CASES and len(SENT) > 1:  # a whole-module run, not one operation picked with -k
        assert total >= MIN_CASES, f"only {total} schemathesis cases, expected {MIN_CASES}+"


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_request_makes_the_api_fail(case, regulator_key):
    key = f"{case.operation.method.upper()} {case.operation.path}"
    SENT[key] = SENT.get(key, 0) + 1
    case.call_and_validate(headers={"Authorization": f"Bearer {regulator_key}"})
