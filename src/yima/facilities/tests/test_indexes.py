"""The ledger's tables carry the indexes the models declare, on SQLite and PostgreSQL alike.

Migration 0004 drops indexes with plain SQL (the model state says db_index=False and
no_db_index); this checks that the database and the models agree, and that the indexes the
ledger's lists and the history page read still exist.
"""

import pytest
from django.db import connection

from yima.facilities.models import Facility

pytestmark = pytest.mark.django_db


def _indexed_columns(table: str) -> set[tuple[str, ...]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        tuple(c["columns"])
        for c in constraints.values()
        if (c["index"] or c["unique"]) and not c["primary_key"]
    }


def test_facility_indexes_lead_with_county_and_contractor_once():
    columns = _indexed_columns(Facility._meta.db_table)
    assert ("county_id",) not in columns and ("contractor_id",) not in columns
    for needed in [
        ("county_id", "town_id"),
        ("contractor_id", "status"),
        ("code",),
        ("town_id",),
        ("village_id",),
        ("status",),
        ("name",),
    ]:
        assert needed in columns, needed


def test_history_is_indexed_for_reading_one_facility_only():
    columns = _indexed_columns(Facility.history.model._meta.db_table)
    assert columns == {("id",), ("history_date",), ("history_user_id",)}
